"""The JSON web API and the self-check UI handlers, against the shipped knowledge base."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient

from assistant.application import Application
from assistant.config import Settings
from assistant.core.knowledge import PROGRAM_IDS
from assistant.web.api import MAX_BODY_BYTES, create_api
from assistant.web.selfcheck import example_profiles, run_check, run_checklist
from tests.conftest import TESTS

PROFILES = TESTS / "data" / "profiles"
JINAN = json.loads((PROFILES / "jinan_software.json").read_text())


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return Application(Settings(data_dir=tmp_path_factory.mktemp("api"), embeddings="hashing"))


@pytest.fixture(scope="module")
def client(services):
    return TestClient(create_api(services))


def test_health_and_programs(client):
    assert client.get("/api/health").json()["status"] == "ok"
    programs = {
        p["id"]: p for p in client.get("/api/programs", params={"as_of": "2026-11-22"}).json()
    }
    assert len(programs) == 9
    assert programs["srdi_sme"]["rules_version"] == "工信部企业〔2026〕2号 (2026-04-01)"
    old = {p["id"]: p for p in client.get("/api/programs", params={"as_of": "2025-11-22"}).json()}
    assert old["srdi_sme"]["rules_version"].startswith("工信部企业〔2022〕63号")


def test_check_returns_the_contract_shape_and_verdict(client):
    r = client.post("/api/check", json={"program": "hnte", "profile": JINAN, "as_of": "2026-11-22"})
    assert r.status_code == 200
    body = r.json()
    assert body["verdict"] == "needs_review"
    assert body["score"]["pass_line"] == 71
    all_programs = client.post(
        "/api/check", json={"program": "all", "profile": JINAN, "as_of": "2026-11-22"}
    )
    assert {x["program"] for x in all_programs.json()} == set(PROGRAM_IDS)


def test_checklist_downloads_open(client):
    from docx import Document
    from openpyxl import load_workbook

    for fmt in ("xlsx", "docx"):
        r = client.post("/api/checklist", json={"program": "hnte", "profile": JINAN, "format": fmt})
        assert r.status_code == 200
        assert "attachment" in r.headers["content-disposition"]
        if fmt == "xlsx":
            assert load_workbook(io.BytesIO(r.content)).sheetnames == ["申报清单", "测算数据"]
        else:
            assert Document(io.BytesIO(r.content)).tables
    js = client.post("/api/checklist", json={"program": "hnte", "profile": JINAN}).json()
    assert js["summary"]


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"program": "gazelle", "profile": {}}, 400, "未知的项目编号"),
        ({"program": "hnte", "profile": {"employees": -1}}, 400, "字段 'employees' 须为不小于 0"),
        ({"program": "hnte"}, 400, "profile"),
        ({"program": "hnte", "profile": {}, "as_of": "2026-02-30"}, 400, "as_of"),
        ({"program": "hnte", "profile": "not an object"}, 400, "profile"),
        ({"program": "hnte", "profile": {"name": "'; DROP TABLE users; --<script>"}}, 200, ""),
    ],
)
def test_bad_requests_get_4xx_json_errors(client, body, status, needle):
    r = client.post("/api/check", json=body)
    assert r.status_code == status
    if status != 200:
        assert needle in r.json()["error"]["message"]


def test_invalid_json_and_oversized_bodies_are_refused(client):
    r = client.post(
        "/api/check", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_input"
    big = b"{" + b" " * (MAX_BODY_BYTES + 10) + b"}"
    r = client.post("/api/check", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_ui_handlers_render_tables_and_files(services):
    examples = example_profiles()
    assert "济南云帆软件科技有限公司" in examples
    text = run_check(services, "hnte", examples["济南云帆软件科技有限公司"], "2026-11-22")
    assert "尚需专家评审" in text
    assert "| 状态 | 条件 |" in text
    assert "无法评估" in run_check(services, "hnte", "{oops", "2026-11-22")
    assert "YYYY-MM-DD" in run_check(services, "hnte", "{}", "tomorrow")
    table, files = run_checklist(
        services, "hnte", examples["济南云帆软件科技有限公司"], "2026-11-22"
    )
    assert "申报材料清单" in table
    assert [f.rsplit(".", 1)[1] for f in files] == ["xlsx", "docx"]


def test_match_route_ranks_programs_with_gaps(client):
    data = json.loads((PROFILES / "liaocheng_bearing.json").read_text())
    r = client.post("/api/match", json={"profile": data, "as_of": "2026-11-22"})
    assert r.status_code == 200
    body = r.json()
    hnte = next(p for p in body["programs"] if p["program"] == "hnte")
    assert {"condition", "delta", "unit", "text"} <= set(hnte["gaps"][0])
    assert [p["rank"] for p in body["programs"]] == list(range(1, 10))


def test_all_programs_self_check_shows_the_ranking_with_bars(services):
    text = run_check(services, "", (PROFILES / "liaocheng_bearing.json").read_text(), "2026-11-22")
    assert text.startswith("### 可申报项目排序")
    assert "科技人员需增加 6 人" in text
    assert "80%" in text  # 24 of the 30 tech staff needed
    assert "先取得科技型中小企业入库登记" in text


def test_chat_tab_handler_keeps_the_session_and_shows_citations(services):
    from assistant.web.chat_tab import chat_turn

    history, box, sid, cites = chat_turn(services, "我们职工200人，研发人员15人", [], "")
    assert sid
    assert box == ""
    history, _, sid2, cites = chat_turn(services, "能评高企吗？", history, sid)
    assert sid2 == sid
    assert len(history) == 4
    assert "科技人员" in history[-1]["content"]
    assert "《高新技术企业认定" in cites
    errored, _, _, _ = chat_turn(services, "", history, sid)
    assert "无法回答" in errored[-1]["content"]


def test_feedback_is_stored_with_the_latest_answer(client, services):
    from assistant.web.chat_tab import give_feedback

    answer = client.post("/api/ask", json={"question": "高企证书有效期几年？"}).json()
    r = client.post(
        "/api/feedback",
        json={"session_id": answer["session_id"], "useful": False, "comment": "没说到期怎么办"},
    )
    assert r.status_code == 200
    stored = services.chat().sessions.feedback(5)
    assert stored[0]["question"] == "高企证书有效期几年？"
    assert stored[0]["useful"] is False
    assert stored[0]["comment"] == "没说到期怎么办"
    assert (
        client.post(
            "/api/feedback", json={"session_id": "nosuchsession", "useful": True}
        ).status_code
        == 400
    )
    assert give_feedback(services, answer["session_id"], True, "") == "谢谢反馈，已记录。"
    assert give_feedback(services, "", True, "") == "请先提问。"


def test_a_process_answers_a_few_questions_at_once_and_queues_the_rest(tmp_path):
    """``answers_at_once``: twelve simultaneous questions, never more than two in the chat at
    once, and every one answered."""
    import threading
    import time

    from tests.conftest import FIXTURE_KB

    settings = Settings(
        data_dir=tmp_path, knowledge_dir=FIXTURE_KB, embeddings="hashing", answers_at_once=2
    )
    services = Application(settings)
    services.index_knowledge()
    chat = services.chat()
    inside, most, lock = [0], [0], threading.Lock()
    real_ask = chat.ask

    def counting_ask(*args, **kwargs):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            time.sleep(0.05)  # long enough for the others to pile up at the gate
            return real_ask(*args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    chat.ask = counting_ask
    answers = []

    def user(n: int) -> None:
        answers.append(services.ask(f"高企认定对研发费用有什么要求（{n}）"))

    threads = [threading.Thread(target=user, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 12
    assert all(a["citations"] for a in answers)
    assert most[0] == 2
