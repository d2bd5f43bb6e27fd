"""Acceptance test of the review console (答案评审) with the real parts: the shipped knowledge
base, the real ChatAssistant (hashing embedder) logging to a real SQLite database in a
temporary data dir, the real accounts and audit log, and a temporary copy of the gold set.

The flow: users ask questions (one answer gets 没用), two evaluators work through the queue
with the console's handlers, kappa is checked against a hand computation, one corrected item
is promoted and found by eval/answers.py's loader, and the grades show in the dashboard.
"""

from __future__ import annotations

import datetime as dt
import shutil
from types import SimpleNamespace

import pytest
from starlette.requests import Request

from assistant.application import Application
from assistant.config import Settings
from assistant.errors import AuthError, ForbiddenError
from assistant.review.promote import PROMOTED_FILE
from assistant.store.accounts import User
from assistant.web import review_handlers, review_tab
from assistant.web.auth import SESSION_COOKIE
from assistant.web.chat_tab import give_feedback
from eval.answers import SETS, grade, load_answer_set

DAY = dt.date(2026, 11, 22)
PASSWORD = "a-long-secret-42"
QUESTIONS = {
    "validity": "高新技术企业证书的有效期是几年？",
    "poem": "帮我写一首赞美泉城济南的诗",
    "tech_sme": "我们去年营收1200万，职工80人，研发人员20人，能申请科技型中小企业吗",
    "quancheng": "泉城好品申报需要哪些条件？",
    "srdi": "专精特新中小企业2026年的认定条件是什么？",
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Application over a fresh data dir and a copy of the gold set; five answers logged, the
    泉城好品 one rated 没用 through the chat tab's handler."""
    root = tmp_path_factory.mktemp("review")
    gold = root / "gold"
    shutil.copytree(SETS, gold)
    services = Application(
        Settings(data_dir=root / "data", embeddings="hashing", gold_dir=gold),
    )
    services.search_stack().indexer.index_knowledge(services.knowledge)
    chat = services.chat()
    sessions, messages = {}, {}
    for key, question in QUESTIONS.items():
        answer = chat.ask(question, as_of=DAY)
        sessions[key] = answer["session_id"]
    assert give_feedback(services, sessions["quancheng"], False, "没说清楚要经营几年") == (
        "谢谢反馈，已记录。"
    )
    for row in services.review().store.answers():
        messages[next(k for k, q in QUESTIONS.items() if q == row.question)] = row
    accounts = services.accounts()
    users = {
        name: accounts.add_user(name, role, PASSWORD)
        for name, role in [("amy", "evaluator"), ("bob", "evaluator"), ("sam", "staff")]
    }
    return SimpleNamespace(services=services, messages=messages, users=users, gold=gold)


def request_of(services, user: User | None):
    """A gr.Request around a real starlette request carrying the user's login cookie."""
    import gradio as gr

    headers = []
    if user is not None:
        value = services.accounts().start_session(user, 1)
        headers.append((b"cookie", f"{SESSION_COOKIE}={value}".encode()))
    return gr.Request(request=Request({"type": "http", "headers": headers}))


def test_the_whole_review_flow(world):
    services, m = world.services, world.messages
    amy, bob = world.users["amy"], world.users["bob"]
    ids = {k: row.id for k, row in m.items()}

    # The logged answers are what the heuristic expects of them.
    assert m["poem"].answer["refused"] is True
    assert m["tech_sme"].answer["assessment"]["verdict"] == "insufficient_info"
    assert m["quancheng"].negative == 1

    # --- the queue: 没用 first, then low confidence, then the sample ---
    queue = services.review().queue(amy)
    assert queue[0].answer.id == ids["quancheng"]
    assert [q.bucket for q in queue[:3]] == ["negative", "low_confidence", "low_confidence"]
    assert {q.answer.id for q in queue[1:3]} == {ids["poem"], ids["tech_sme"]}
    assert {q.answer.id for q in queue[3:]} == {ids["validity"], ids["srdi"]}
    assert all(q.bucket == "sample" for q in queue[3:])
    reasons = {q.answer.id: q.reasons for q in queue}
    assert "拒答" in reasons[ids["poem"]]
    assert "资格判断信息不足" in reasons[ids["tech_sme"]]
    table, choices = review_handlers.load_queue(services, amy, "")
    assert [c[1] for c in choices] == [q.answer.id for q in queue]
    assert table.index(f"| {ids['quancheng']} | 用户差评 |") < table.index(f"| {ids['poem']} |")
    tech_only, _ = review_handlers.load_queue(services, amy, "tech_sme")
    assert f"| {ids['tech_sme']} |" in tech_only
    assert f"| {ids['quancheng']} |" not in tech_only

    # --- an item as the evaluator sees it: question, answer, citations, assessment ---
    view, *_ = review_handlers.show_item(services, amy, ids["tech_sme"])
    assert QUESTIONS["tech_sme"] in view
    assert "资料不足，暂无法判断" in view  # the verdict
    assert "| 企业规模" in view  # a condition row
    assert "《科技型中小企业评价办法》 国科发政〔2017〕115号" in view  # document and 文号
    assert "没用 ×1" in review_handlers.show_item(services, amy, ids["quancheng"])[0]

    # --- grading by two evaluators; amy changes her mind once ---
    plan = {  # (amy, bob); hand computation of kappa below
        "validity": ("correct", "correct"),
        "poem": ("correct", "correct"),
        "tech_sme": ("partly", "wrong"),
        "quancheng": ("wrong", "wrong"),
        "srdi": ("correct", "partly"),
    }
    first = review_handlers.submit_grade(services, amy, ids["quancheng"], "partly", "partly", "")
    assert first.startswith("已保存")
    for key, (a, b) in plan.items():
        said = review_handlers.submit_grade(services, amy, ids[key], a, "correct", "")
        assert said.startswith("已更新" if key == "quancheng" else "已保存"), said
        assert review_handlers.submit_grade(services, bob, ids[key], b, "partly", "").startswith(
            "已保存"
        )
    assert review_handlers.load_queue(services, amy, "")[1] == []  # all graded: queue empty
    _, answer_grade, citation_grade, _ = review_handlers.show_item(services, amy, ids["quancheng"])
    assert (answer_grade, citation_grade) == ("wrong", "correct")  # the re-grade replaced
    refused = review_handlers.submit_grade(services, amy, ids["srdi"], "excellent", "correct", "")
    assert refused.startswith("**未保存评分：**")
    assert "回答评分" in refused

    # --- agreement ---
    # amy: correct 3, partly 1, wrong 1; bob: correct 2, partly 1, wrong 2; agree on 3 of 5.
    # po = 3/5 = 0.6; pe = (3*2 + 1*1 + 1*2) / 25 = 9/25 = 0.36;
    # kappa = (0.6 - 0.36) / (1 - 0.36) = 0.24 / 0.64 = 0.375.
    board = services.review().dashboard(amy)
    assert board.agreement.pairs == 5
    assert board.agreement.kappa == pytest.approx(0.375)

    # --- promotion of the 没用 answer, corrected ---
    form = review_handlers.prefill_promotion(services, amy, ids["quancheng"])
    assert form[0] == QUESTIONS["quancheng"]
    assert form[1] == ["quancheng_haopin"]
    assert "quancheng-haopin-conditions" in form[4].split()
    said = review_handlers.promote_item(
        services,
        amy,
        ids["quancheng"],
        "泉城好品要满足哪些申报条件？",
        ["quancheng_haopin"],
        "conditions",
        "连续经营3年｜3年以上\n自主商标",
        "kb-quancheng-haopin-conditions",
        False,
        False,
    )
    assert said.startswith("已加入标准答案集"), said
    gold = load_answer_set(world.gold)
    assert len(gold) == len(load_answer_set(SETS)) + 1
    [item] = [i for i in gold if i.source == f"review #{ids['quancheng']} by amy"]
    assert item.question == "泉城好品要满足哪些申报条件？"
    assert item.program == "quancheng_haopin"
    assert (item.kind, item.refuse, item.traditional) == ("conditions", False, False)
    assert item.must_contain == [["连续经营3年", "3年以上"], ["自主商标"]]
    assert item.must_cite == ["quancheng-haopin-conditions"]
    # the item grades the logged answer the way the harness would
    assert grade(item, m["quancheng"].answer) == (True, [])
    before = (world.gold / PROMOTED_FILE).read_bytes()
    again = review_handlers.promote_item(
        services, bob, ids["quancheng"], "泉城好品要满足哪些申报条件", ["quancheng_haopin"],
        "conditions", "自主商标", "", False, False,
    )  # fmt: skip
    assert "已有同一问题" in again
    assert (world.gold / PROMOTED_FILE).read_bytes() == before

    # --- the dashboard ---
    text, over_time, per_program = review_handlers.show_dashboard(services, amy, "day")
    board = services.review().dashboard(amy, "day")
    # per answer: validity 1, poem 1, tech_sme (0.5 + 0) / 2, quancheng 0, srdi (1 + 0.5) / 2
    assert board.accuracy == pytest.approx((1 + 1 + 0.25 + 0 + 0.75) / 5)
    assert board.citation_accuracy == pytest.approx(0.75)  # amy correct, bob partly
    assert (board.answers, board.grades, board.evaluators, board.promoted) == (5, 10, 2, 1)
    day = m["validity"].created.date().isoformat()
    assert [b.key for b in board.by_period] == [day]
    assert board.by_period[0].accuracy == pytest.approx(0.6)
    programs = {b.key: b for b in board.by_program}
    assert programs["quancheng_haopin"].accuracy == 0.0
    assert programs["tech_sme"].accuracy == pytest.approx(0.25)
    assert programs["(none)"].accuracy == 1.0  # the refused poem is about no program
    assert "0.375" in text
    quancheng_name = services.knowledge.programs["quancheng_haopin"].name
    assert f"| {quancheng_name} | 1 | 2 | 0 | 0 | 2 | 0.0% |" in text
    assert "| 已加入标准答案集 | 1 条 |" in text
    assert over_time.to_dict("records") == [
        {"时间": day, "指标": "回答", "准确率": 60.0},
        {"时间": day, "指标": "引用", "准确率": 75.0},
    ]
    row = per_program[per_program["项目"] == quancheng_name].to_dict("records")
    assert row == [{"项目": quancheng_name, "准确率": 0.0, "回答数": 1}]

    # --- the audit log has every action, the re-grade with the replaced values ---
    log = services.accounts().audit_log(500)
    actions = {(e["user"], e["action"]) for e in log}
    for action in ("review.queue", "review.view", "review.grade", "review.regrade"):
        assert ("amy", action) in actions
    assert ("amy", "review.promote") in actions
    assert ("bob", "review.promote.refused") in actions
    assert ("amy", "review.dashboard") in actions
    [regrade] = [e for e in log if e["action"] == "review.regrade"]
    assert regrade["target"] == f"message #{ids['quancheng']}"
    assert regrade["detail"]["previous"]["answer_grade"] == "partly"
    assert regrade["detail"]["answer_grade"] == "wrong"


def test_anonymous_and_wrong_role_users_are_refused(world):
    services = world.services
    with pytest.raises(AuthError, match="请先登录"):
        review_handlers.guarded(services, request_of(services, None))
    with pytest.raises(AuthError):
        review_handlers.guarded(services, None)
    with pytest.raises(ForbiddenError, match="员工"):
        review_handlers.guarded(services, request_of(services, world.users["sam"]))
    assert review_handlers.guarded(services, request_of(services, world.users["amy"])).name == "amy"
    admin = services.accounts().add_user("ada", "admin", PASSWORD)
    assert review_handlers.guarded(services, request_of(services, admin)).role == "admin"

    sam = world.users["sam"]
    mid = world.messages["validity"].id
    store = services.review().store
    grades_before = len(store.grades())
    calls = [
        lambda: review_handlers.load_queue(services, sam, ""),
        lambda: review_handlers.show_item(services, sam, mid),
        lambda: review_handlers.submit_grade(services, sam, mid, "wrong", "wrong", ""),
        lambda: review_handlers.prefill_promotion(services, sam, mid),
        lambda: review_handlers.promote_item(
            services, sam, mid, "新问题？", ["hnte"], "validity", "3年", "", False, False
        ),
        lambda: review_handlers.show_dashboard(services, sam, "day"),
    ]
    for call in calls:
        with pytest.raises(ForbiddenError, match="当前角色（员工）无权评审答案"):
            call()
    assert len(store.grades()) == grades_before
    assert not store.graded_by("sam")
    denied = [e["target"] for e in services.accounts().audit_log(500) if e["user"] == "sam"]
    assert denied[:6] == ["dashboard", "promote", "view", "grade", "view", "queue"]  # newest first
    assert all(
        e["action"] == "review.denied" for e in services.accounts().audit_log(500)
        if e["user"] == "sam" and e["action"].startswith("review.")
    )  # fmt: skip


@pytest.mark.parametrize(
    ("question", "programs", "kind", "must_contain", "must_cite", "refuse", "needle"),
    [
        ("高企多久复审？", ["nowhere"], "validity", "3年", "", False, "项目 nowhere 不存在"),
        ("高企多久复审？", ["hnte"], "validity", "", "", False, "至少要有一组"),
        ("高企多久复审？", ["hnte"], "validity", "3年", "hnte-made-up", False, "hnte-made-up"),
        ("高企多久复审？", [], "validity", "3年", "", False, "请选择项目"),
        ("高企多久复审？", ["hnte"], "", "3年", "", False, "题型"),
        ("", ["hnte"], "validity", "3年", "", False, "问题不能为空"),
        ("研发费用占比要多少才能评高企？", ["hnte"], "threshold", "5%", "", False, "已有同一问题"),
    ],
)
def test_a_malformed_promotion_is_refused_and_writes_nothing(
    world, question, programs, kind, must_contain, must_cite, refuse, needle
):
    services = world.services
    amy = world.users["amy"]
    target = world.gold / PROMOTED_FILE
    before = target.read_bytes() if target.exists() else None
    count = services.review().store.promotion_count()
    said = review_handlers.promote_item(
        services, amy, world.messages["validity"].id, question, programs, kind, must_contain,
        must_cite, refuse, False,
    )  # fmt: skip
    assert said.startswith("**未加入标准答案集："), said
    assert needle in said
    assert (target.read_bytes() if target.exists() else None) == before
    assert services.review().store.promotion_count() == count
    refusals = [
        e for e in services.accounts().audit_log(50) if e["action"] == "review.promote.refused"
    ]
    assert needle in refusals[0]["detail"]["reason"]


def test_an_unknown_message_cannot_be_graded_or_promoted(world):
    services, amy = world.services, world.users["amy"]
    assert "消息 #99999 不存在" in review_handlers.submit_grade(
        services, amy, 99999, "correct", "correct", ""
    )
    assert "请先在队列中选择" in review_handlers.submit_grade(
        services, amy, None, "correct", "", ""
    )
    said = review_handlers.promote_item(
        services, amy, 99999, "高企多久复审？", ["hnte"], "validity", "3年", "", False, False
    )
    assert "消息 #99999 不存在" in said


def test_every_gradio_event_receives_the_request(world):
    """Gradio passes ``gr.Request`` only to a parameter whose annotation resolves to it;
    a string annotation it cannot resolve would leave ``request`` unset (and every event
    refused as anonymous)."""
    import inspect

    import gradio as gr
    from gradio.utils import get_type_hints

    with gr.Blocks() as demo:
        review_tab.build_tab(world.services)
    guarded = [
        f.fn for f in demo.fns.values() if f.fn and "request" in inspect.signature(f.fn).parameters
    ]
    assert len(guarded) >= 6
    for fn in guarded:
        assert get_type_hints(fn).get("request") is gr.Request, fn.__qualname__
