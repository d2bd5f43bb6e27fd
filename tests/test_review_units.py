"""The review console's pure parts: kappa on hand-computed tables, the queue heuristic and
order, the dashboard formula, and the promoted YAML (format, validation, atomic append)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from assistant.core.knowledge import load_knowledge
from assistant.errors import InputError
from assistant.review.agreement import cohen_kappa, first_two
from assistant.review.dashboard import build_dashboard, to_markdown
from assistant.review.grade_store import Grade, LoggedAnswer
from assistant.review.promote import PROMOTED_FILE, Correction, item_yaml, promote
from assistant.review.queue import build_queue, low_confidence_reasons
from eval.answers import load_answer_set
from tests.conftest import FIXTURE_KB

C, P, W = "correct", "partly", "wrong"


def table(cells: dict[tuple[str, str], int]) -> list[tuple[str, str]]:
    """Rating pairs from a contingency table {(rater A, rater B): count}."""
    return [pair for pair, n in cells.items() for _ in range(n)]


# ---------- Cohen's kappa ----------


def test_kappa_of_the_textbook_two_by_two_table():
    # 50 items, A\B: yes/yes 20, yes/no 5, no/yes 10, no/no 15.
    # po = (20 + 15) / 50 = 0.7; A says yes 25/50 = 0.5, B says yes 30/50 = 0.6;
    # pe = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
    pairs = table({("yes", "yes"): 20, ("yes", "no"): 5, ("no", "yes"): 10, ("no", "no"): 15})
    result = cohen_kappa(pairs, categories=("yes", "no"))
    assert result.pairs == 50
    assert result.observed == pytest.approx(0.7)
    assert result.expected == pytest.approx(0.5)
    assert result.kappa == pytest.approx(0.4)


def test_kappa_of_a_three_by_three_table():
    # 30 items, rows = A, columns = B (correct, partly, wrong):
    #   correct: 10  2  1      A totals: 13, 11, 6
    #   partly:   3  6  2      B totals: 13,  9, 8
    #   wrong:    0  1  5
    # po = (10 + 6 + 5) / 30 = 630/900; pe = (13*13 + 11*9 + 6*8) / 900 = 316/900;
    # kappa = (630 - 316) / (900 - 316) = 314/584 = 157/292 ≈ 0.5377.
    pairs = table(
        {
            (C, C): 10, (C, P): 2, (C, W): 1,
            (P, C): 3, (P, P): 6, (P, W): 2,
            (W, C): 0, (W, P): 1, (W, W): 5,
        }
    )  # fmt: skip
    result = cohen_kappa(pairs)
    assert result.expected == pytest.approx(316 / 900)
    assert result.kappa == pytest.approx(float(Fraction(157, 292)))


def test_kappa_below_chance_is_negative():
    # po = 0; each rater half correct, half wrong: pe = 0.25 + 0.25 = 0.5; kappa = -1.
    assert cohen_kappa([(C, W), (W, C)]).kappa == pytest.approx(-1.0)


def test_kappa_is_undefined_when_chance_agreement_is_certain():
    # Both raters say "correct" every time: pe = 1 * 1 = 1, kappa = 0/0.
    result = cohen_kappa([(C, C)] * 4)
    assert result.kappa is None
    assert result.observed == 1.0
    assert result.expected == 1.0
    assert cohen_kappa([]).kappa is None


def test_kappa_refuses_a_rating_off_the_scale():
    with pytest.raises(ValueError, match="excellent"):
        cohen_kappa([(C, "excellent")])


def test_pairs_are_the_first_two_grades_of_a_message():
    grades = [(1, "a", C), (2, "a", W), (1, "b", P), (3, "b", C), (1, "c", W), (3, "a", W)]
    assert first_two(grades) == [(C, P), (C, W)]


# ---------- the queue ----------

GOOD = {
    "answer": "高新技术企业资格自颁发证书之日起有效期为三年。" * 5,
    "refused": False,
    "citations": [{"document": "办法", "article": "第十一条", "source_id": "kb-x", "text": "…"}],
    "assessment": None,
}


def logged(mid: int, answer: dict, *, negative: int = 0, programs=("hnte",)) -> LoggedAnswer:
    return LoggedAnswer(
        id=mid,
        session_id=f"s{mid}",
        created=dt.datetime(2026, 11, 20, 9, 0),
        question=f"问题{mid}",
        answer={**answer, "programs": list(programs)},
        negative=negative,
    )


def test_low_confidence_signs():
    assert low_confidence_reasons(GOOD) == []
    assert low_confidence_reasons({**GOOD, "citations": []}) == ["无引用"]
    refused = {"answer": "抱歉，" * 40, "refused": True, "citations": []}
    assert low_confidence_reasons(refused) == ["拒答"]
    undecided = {**GOOD, "assessment": [{"verdict": "eligible"}, {"verdict": "insufficient_info"}]}
    assert low_confidence_reasons(undecided) == ["资格判断信息不足"]
    weak = {**GOOD, "citations": [{**GOOD["citations"][0], "score": 0.31}]}
    assert low_confidence_reasons(weak) == ["引用相关度低（0.31）"]
    strong = {**GOOD, "citations": [{**GOOD["citations"][0], "score": 0.9}]}
    assert low_confidence_reasons(strong) == []
    assert low_confidence_reasons({**GOOD, "answer": "三年。"}) == ["回答过短（3 字）"]


def test_queue_order_exclusion_and_program_filter():
    answers = [
        logged(1, GOOD),
        logged(2, {**GOOD, "citations": []}),
        logged(3, GOOD, negative=1),
        logged(4, {**GOOD, "citations": [], "answer": "短"}),
        logged(5, GOOD, negative=2, programs=("tech_sme",)),
        logged(6, GOOD),
    ]
    queue = build_queue(answers, set(), sample=10)
    assert [q.answer.id for q in queue[:4]] == [5, 3, 4, 2]  # most 没用, then most signs
    assert [q.bucket for q in queue] == ["negative"] * 2 + ["low_confidence"] * 2 + ["sample"] * 2
    assert queue[0].reasons == ("没用 ×2",)
    assert {q.answer.id for q in queue[4:]} == {1, 6}
    assert 3 not in {q.answer.id for q in build_queue(answers, {3})}
    assert [q.answer.id for q in build_queue(answers, set(), program="tech_sme")] == [5]


def test_the_sample_is_seeded_and_stable():
    answers = [logged(i, GOOD) for i in range(1, 41)]
    first = [q.answer.id for q in build_queue(answers, set(), sample=5, seed=7)]
    assert first == [q.answer.id for q in build_queue(answers, set(), sample=5, seed=7)]
    assert first != [q.answer.id for q in build_queue(answers, set(), sample=5, seed=8)]
    assert len(first) == 5
    # grading one sampled answer does not reshuffle the others: they stay, one more comes in
    rest = [q.answer.id for q in build_queue(answers, {first[0]}, sample=5, seed=7)]
    assert rest[:4] == first[1:]


# ---------- the dashboard ----------


def grade(mid, who, answer, citation, day, programs=("hnte",)) -> Grade:
    at = dt.datetime(2026, 11, day, 10, 0)
    return Grade(mid, who, answer, citation, "", at, at, tuple(programs))


def test_accuracy_counts_partly_as_half_and_each_answer_once():
    grades = [
        grade(1, "a", C, C, 16),  # answer 1: 1
        grade(1, "b", P, W, 16),  # ... with b: (1 + 0.5) / 2 = 0.75; citations (1 + 0) / 2
        grade(2, "a", W, P, 16, ("hnte", "tech_sme")),  # answer 2: 0
        grade(3, "a", P, C, 23, ()),  # answer 3: 0.5, no program, a week later
    ]
    board = build_dashboard(grades, promoted=2, program_names={"hnte": "高新技术企业认定"})
    assert (board.grades, board.answers, board.evaluators, board.promoted) == (4, 3, 2, 2)
    assert board.accuracy == pytest.approx((0.75 + 0 + 0.5) / 3)
    assert board.citation_accuracy == pytest.approx((0.5 + 0.5 + 1) / 3)
    days = {b.key: b for b in board.by_period}
    assert set(days) == {"2026-11-16", "2026-11-23"}
    assert days["2026-11-16"].accuracy == pytest.approx(0.375)
    assert days["2026-11-16"].counts == {C: 1, P: 1, W: 1}
    programs = {b.key: b for b in board.by_program}
    assert programs["hnte"].accuracy == pytest.approx(0.375)
    assert programs["tech_sme"].accuracy == 0.0
    assert programs["(none)"].accuracy == 0.5
    assert board.agreement.pairs == 1
    assert board.agreement.kappa == pytest.approx(0.0)  # one pair, disagreeing: pe = 0, po = 0
    weeks = build_dashboard(grades, period="week")
    assert [b.key for b in weeks.by_period] == ["2026-W47", "2026-W48"]
    text = to_markdown(board)
    assert "| 高新技术企业认定 | 2 | 3 | 1 | 1 | 1 | 37.5% |" in text
    assert "41.7%" in text  # overall accuracy 1.25 / 3


def test_an_empty_dashboard_says_so():
    board = build_dashboard([])
    assert board.accuracy is None
    assert "暂无评分" in to_markdown(board)
    assert "尚无两位评审员共同评分" in to_markdown(board)


# ---------- promotion ----------


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(FIXTURE_KB)


def correction(**changes) -> Correction:
    base = {
        "question": "高企证书有效期几年？",
        "program": "hnte",
        "kind": "validity",
        "must_contain": [["3年", "三年"]],
        "must_cite": ["hnte-validity"],
    }
    return Correction(**{**base, **changes})


def test_the_promoted_item_reads_back_through_the_eval_loader(tmp_path, knowledge):
    (tmp_path / "hnte.yaml").write_text(
        "# existing\n- question: 已有问题\n  program: hnte\n  kind: threshold\n"
        "  must_contain: [['x']]\n  must_cite: []\n  refuse: false\n  traditional: false\n",
        encoding="utf-8",
    )
    tricky = 'R&D: "研发" #1 占比 - 多少?'
    promote(tmp_path, correction(), knowledge, "review #7 by amy")
    promote(
        tmp_path,
        correction(question=tricky, program=["hnte", "tech_sme"], kind="comparison"),
        knowledge,
        "review #8 by bob",
    )
    items = {i.question: i for i in load_answer_set(tmp_path)}
    assert len(items) == 3
    first = items["高企证书有效期几年？"]
    assert first.source == "review #7 by amy"
    assert first.program == "hnte"
    assert first.must_contain == [["3年", "三年"]]
    assert first.must_cite == ["hnte-validity"]
    assert (first.kind, first.refuse, first.traditional) == ("validity", False, False)
    assert items[tricky].program == ["hnte", "tech_sme"]
    text = (tmp_path / PROMOTED_FILE).read_text(encoding="utf-8")
    assert text.startswith("# Answers promoted from the review console")
    assert '  must_contain: [["3年", "三年"]]\n  must_cite: [hnte-validity]\n' in text
    assert '  source: "review #8 by bob"\n' in text
    assert {p.name for p in tmp_path.iterdir()} == {"hnte.yaml", PROMOTED_FILE}  # no temp file


def test_a_refusal_item_needs_no_program_and_no_answer_strings(tmp_path, knowledge):
    item = promote(
        tmp_path,
        correction(
            question="帮我写首诗", program=None, kind="out_of_scope", must_contain=[], must_cite=[],
            refuse=True,
        ),
        knowledge,
        "review #9 by amy",
    )  # fmt: skip
    assert item["program"] is None
    assert "  program: null\n  kind: out_of_scope\n  must_contain: []\n" in item_yaml(item)
    [loaded] = load_answer_set(tmp_path)
    assert loaded.refuse is True
    assert loaded.program is None


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"question": "  "}, "问题不能为空"),
        ({"program": "beijing_sme"}, "项目 beijing_sme 不存在"),
        ({"program": None}, "请选择项目"),
        ({"kind": "poem"}, "题型 poem 无效"),
        ({"must_contain": []}, "至少要有一组"),
        ({"must_contain": [["3年"], [" "]]}, "空的一组"),
        ({"must_cite": ["hnte-validity", "hnte-nonexistent"]}, "没有这些条目：hnte-nonexistent"),
        ({"refuse": True}, "应拒答的问题不应要求引用"),
        ({"question": "已有问题？"}, "已有同一问题"),
    ],
)
def test_a_malformed_correction_is_refused_and_writes_nothing(tmp_path, knowledge, changes, needle):
    existing = tmp_path / "hnte.yaml"
    existing.write_text("- question: 已有问题\n  kind: threshold\n", encoding="utf-8")
    with pytest.raises(InputError, match=needle) as caught:
        promote(tmp_path, correction(**changes), knowledge, "review #1 by amy")
    assert str(caught.value).startswith("未加入标准答案集：")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hnte.yaml"]


def test_every_problem_is_reported_at_once(tmp_path, knowledge):
    bad = correction(program="nowhere", kind="", must_contain=[], must_cite=["nope"])
    with pytest.raises(InputError) as caught:
        promote(tmp_path, bad, knowledge, "review #1 by amy")
    message = str(caught.value)
    for needle in ("nowhere", "题型", "必须包含", "nope"):
        assert needle in message


def test_an_unreadable_gold_file_stops_the_promotion(tmp_path, knowledge):
    (tmp_path / "broken.yaml").write_text("- question: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.yaml 无法解析"):
        promote(tmp_path, correction(), knowledge, "review #1 by amy")
    assert not (tmp_path / PROMOTED_FILE).exists()


def test_a_failed_write_leaves_the_gold_file_as_it_was(tmp_path, knowledge, monkeypatch):
    promote(tmp_path, correction(), knowledge, "review #1 by amy")
    before = (tmp_path / PROMOTED_FILE).read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("assistant.review.promote.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        promote(tmp_path, correction(question="高企复审吗？"), knowledge, "review #2 by amy")
    assert (tmp_path / PROMOTED_FILE).read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [PROMOTED_FILE]  # the temp file is gone


def _promote_many(gold_dir: str, prefix: str, count: int, start) -> None:
    from assistant.config import Settings
    from assistant.core.knowledge import load_knowledge
    from assistant.review.promote import promote

    knowledge = load_knowledge(Settings().knowledge_dir)
    start.wait()  # both processes write at the same time
    for i in range(count):
        promote(
            Path(gold_dir),
            correction(question=f"{prefix}第{i}问：高企证书有效期几年？"),
            knowledge,
            f"review #{i} by {prefix}",
        )


def test_two_processes_promoting_at_once_lose_nothing(tmp_path):
    import multiprocessing

    from eval.answers import load_answer_set

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    workers = [
        context.Process(target=_promote_many, args=(str(tmp_path), name, 25, start))
        for name in ("amy", "bob")
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0]
    questions = {item.question for item in load_answer_set(tmp_path)}
    assert len(questions) == 50
    assert sorted(p.name for p in tmp_path.iterdir()) == ["promoted.yaml"]
