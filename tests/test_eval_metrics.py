"""The evaluation metrics on small cases computed by hand (the arithmetic is in the comments),
and the pieces of the harness that turn results into figures: per-set metrics, the comparison
with a previous run and the threshold gate."""

from __future__ import annotations

import math

import pytest

from eval import answers, dialogues, eligibility, retrieval
from eval.errors import BadInput
from eval.metrics import (
    citation_precision,
    citation_recall,
    dedupe,
    hit_at_k,
    mean,
    ndcg_at_k,
    percentile,
    recall_at_k,
    reciprocal_rank,
    refusal_precision_recall,
)
from eval.report import compare, is_regression, metric_paths
from eval.sets import RetrievalItem
from eval.thresholds import check

RANKED = ["a", "b", "c", "d", "e", "f"]


def test_recall_at_k_counts_relevant_ids_in_the_top_k():
    # relevant {b, e, z}: top 1 = {a} → 0/3; top 2 = {a, b} → 1/3; top 5 has b, e → 2/3
    assert recall_at_k(RANKED, {"b", "e", "z"}, 1) == 0
    assert recall_at_k(RANKED, {"b", "e", "z"}, 2) == pytest.approx(1 / 3)
    assert recall_at_k(RANKED, {"b", "e", "z"}, 5) == pytest.approx(2 / 3)
    assert recall_at_k(RANKED, set(), 5) == 0


def test_hit_at_k():
    # the first relevant id, e, is at rank 5
    assert not hit_at_k(RANKED, {"e", "z"}, 4)
    assert hit_at_k(RANKED, {"e", "z"}, 5)


def test_reciprocal_rank_is_one_over_the_first_relevant_rank():
    # relevant {c, f}: first at rank 3 → 1/3; none ranked → 0
    assert reciprocal_rank(RANKED, {"f", "c"}) == pytest.approx(1 / 3)
    assert reciprocal_rank(RANKED, {"a"}) == 1
    assert reciprocal_rank(RANKED, {"z"}) == 0


def test_ndcg_with_binary_relevance():
    # relevant {b, d}: DCG = 1/log2(3) + 1/log2(5) = 0.63093 + 0.43068 = 1.06161;
    # ideal: ranks 1, 2 → 1/log2(2) + 1/log2(3) = 1 + 0.63093 = 1.63093; nDCG = 0.65092
    assert ndcg_at_k(RANKED, {"b", "d"}, 10) == pytest.approx(0.65092, abs=1e-5)
    # only the top 3 count: DCG = 0.63093, ideal still 1.63093 → 0.38685
    assert ndcg_at_k(RANKED, {"b", "d"}, 3) == pytest.approx(0.38685, abs=1e-5)
    # everything relevant first → 1; nothing relevant ranked → 0
    assert ndcg_at_k(RANKED, {"a", "b"}, 10) == pytest.approx(1.0)
    assert ndcg_at_k(RANKED, {"z"}, 10) == 0
    # three relevant ids but k = 2: the ideal is capped at 2 ranks, so a and b give 1.0
    assert ndcg_at_k(RANKED, {"a", "b", "z"}, 2) == pytest.approx(1.0)


def test_percentile_is_nearest_rank():
    samples = [15.0, 20.0, 35.0, 40.0, 50.0]
    # p50: ceil(0.5 × 5) = rank 3 → 35; p95: ceil(4.75) = rank 5 → 50; p20: rank 1 → 15
    assert percentile(samples, 50) == 35
    assert percentile(samples, 95) == 50
    assert percentile(samples, 20) == 15
    # 20 samples 1..20: p95 → rank 19 → 19 (not the maximum)
    assert percentile([float(i) for i in range(20, 0, -1)], 95) == 19
    assert percentile([], 50) == 0


def test_mean_and_dedupe():
    assert mean([True, False, True, True]) == 0.75
    assert mean([]) == 0
    assert dedupe(["x", "y", "x"]) == ["x", "y"]


def test_citation_precision_and_recall():
    # cited {a, b, c}, gold {a, d}: precision 1/3, recall 1/2
    assert citation_precision({"a", "b", "c"}, {"a", "d"}) == pytest.approx(1 / 3)
    assert citation_recall({"a", "b", "c"}, {"a", "d"}) == 0.5
    assert citation_precision(set(), {"a"}) is None
    assert citation_recall({"a"}, set()) is None


def test_refusal_precision_and_recall():
    # (should, did): 2 refusals made, 1 right → P = 1/2; 3 to refuse, 1 refused → R = 1/3
    pairs = [(True, True), (False, True), (True, False), (True, False), (False, False)]
    precision, recall = refusal_precision_recall(pairs)
    assert precision == 0.5
    assert recall == pytest.approx(1 / 3)
    assert refusal_precision_recall([(False, False)]) == (1.0, 1.0)


def _item(**kw):
    base = {
        "question": "q",
        "program": "hnte",
        "kind": "threshold",
        "must_contain": [],
        "must_cite": [],
        "refuse": False,
        "traditional": False,
    }
    return answers.AnswerItem(**{**base, **kw})


def _graded(item, text, cited, refused=False):
    answer = {
        "answer": text,
        "refused": refused,
        "citations": [{"source_id": f"kb-{c}"} for c in cited],
    }
    passed, reasons = answers.grade(item, answer)
    return answers.Graded(item, passed, reasons, answer)


def test_answer_metrics_by_hand():
    one = _item(must_contain=[["5%"], ["4%"], ["3%"]], must_cite=["r1", "r2"])
    two = _item(must_contain=[["10%"]], must_cite=["s1"])
    three = _item(program=None, kind="out_of_scope", refuse=True)
    four = _item(must_contain=[["71"]], must_cite=["t1"])
    results = [
        # 2 of 3 facts; cites r1, x → precision 1/2, recall 1/2; fails (missing 3%)
        _graded(one, "不低于5%或4%", ["r1", "x"]),
        # 1 of 1 (compared in simplified Chinese); cites s1 → precision 1, recall 1; passes
        _graded(two, "科技人員比例10%", ["s1"]),
        # a right refusal
        _graded(three, "抱歉", [], refused=True),
        # a wrong refusal: 0 of 1 facts; cites nothing → precision undefined, recall 0
        _graded(four, "抱歉", [], refused=True),
    ]
    m = answers.metrics(results)
    # key facts: mean(2/3, 1, 0) over the 3 items with facts = 0.5556
    assert m["key_fact_accuracy"] == pytest.approx((2 / 3 + 1 + 0) / 3, abs=1e-4)
    # precision: mean(1/2, 1) = 0.75 (item four cites nothing); recall: mean(1/2, 1, 0) = 0.5
    assert m["citation_precision"] == 0.75
    assert m["citation_recall"] == 0.5
    # hit: r1 and s1 cited, t1 not → 2/3
    assert m["citation_hit_rate"] == pytest.approx(2 / 3, abs=1e-4)
    # refusals: 2 made, 1 right → P 0.5; 1 to refuse, refused → R 1.0
    assert (m["refusal_precision"], m["refusal_recall"]) == (0.5, 1.0)
    # only items two and three pass
    assert m["pass_rate"] == 0.5


def _case(expect, verdict, statuses):
    return eligibility.CaseResult({"program": "hnte", "expect": expect}, verdict, statuses)


def test_eligibility_metrics_by_hand():
    results = [
        # verdict right, conditions 1 of 2 right
        _case(
            {"verdict": "eligible", "conditions": {"hnte.a": "pass", "hnte.b": "fail"}},
            "eligible",
            {"hnte.a": "pass", "hnte.b": "pass"},
        ),
        # verdict wrong, no conditions given
        _case({"verdict": "not_eligible"}, "insufficient_info", {}),
        # conditions only: 1 right; a condition the engine did not report is wrong
        _case({"conditions": {"hnte.c": "unknown", "hnte.d": "pass"}}, "x", {"hnte.c": "unknown"}),
    ]
    m = eligibility.metrics(results)
    assert m["verdict_accuracy"] == 0.5  # 1 of the 2 cases with a verdict
    assert m["condition_accuracy"] == 0.5  # 2 of 4 statuses
    assert eligibility.counts(results) == {"cases": 3, "verdicts": 2, "conditions": 4}


def test_retrieval_metrics_by_hand():
    def ranked(expected, ids):
        return retrieval.Ranked(RetrievalItem("q", "hnte", tuple(expected), ""), ids)

    results = [
        ranked(["a"], ["a", "b"]),  # rank 1: R@1 1, R@5 1, RR 1, nDCG 1
        ranked(["c", "d"], ["x", "c", "y", "d"]),  # first at 2: RR 1/2
        ranked(["z"], ["x", "y", "w", "v", "u", "z"]),  # rank 6: R@5 0, RR 1/6
    ]
    m = retrieval.metrics(results)
    assert m["recall_at_1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["recall_at_5"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 6) / 3, abs=1e-4)
    # nDCG: 1; (1/log2 3 + 1/log2 5) / (1 + 1/log2 3) = 0.65092; (1/log2 7) / 1 = 0.35621
    expected = (1 + 0.65092 + 1 / math.log2(7)) / 3
    assert m["ndcg_at_10"] == pytest.approx(expected, abs=1e-4)


def test_a_dialogue_turn_checks_every_expectation():
    answer = {
        "answer": "按您提供的信息，高新技术企业认定：资料不足。比例 5.45%",
        "refused": False,
        "programs": ["hnte"],
        "assessment": {"program": "hnte", "verdict": "insufficient_info"},
        "missing_fields": ["ip"],
    }
    expect = {
        "program": "hnte",
        "verdict": "insufficient_info",
        "must_contain": [["5.45%"]],
        "asks_for": ["ip"],
    }
    assert dialogues.check_turn(expect, answer) == []
    assert dialogues.check_turn({**expect, "verdict": "eligible"}, answer)
    assert dialogues.check_turn({**expect, "program": "tech_sme"}, answer)
    assert dialogues.check_turn({**expect, "asks_for": ["tech_field"]}, answer)
    assert dialogues.check_turn({**expect, "must_contain": [["4%"]]}, answer)
    assert dialogues.check_turn({"refused": True}, answer)
    # with several assessments the verdict is the named program's
    both = {**answer, "assessment": [answer["assessment"], {"program": "x", "verdict": "y"}]}
    assert dialogues.check_turn(expect, both) == []


def test_dialogue_metrics_by_hand():
    d = dialogues.Dialogue("d", ("hnte",), (dialogues.Turn("hi", {}),))

    def turn(ok):
        return dialogues.TurnResult(d.turns[0], {}, 1.0, [] if ok else ["x"])

    results = [
        dialogues.DialogueResult(d, [turn(True), turn(True)]),
        dialogues.DialogueResult(d, [turn(True), turn(False), turn(False)]),
    ]
    # turns: 3 of 5 pass → 0.6; dialogues: 1 of 2 → 0.5
    assert dialogues.metrics(results) == {"turn_accuracy": 0.6, "dialogue_accuracy": 0.5}


def test_regressions_are_drops_beyond_the_tolerance():
    assert is_regression("answers.key_fact_accuracy", 0.95, 0.93)
    assert not is_regression("answers.key_fact_accuracy", 0.95, 0.945)
    assert not is_regression("answers.key_fact_accuracy", 0.90, 0.99)
    # latency: worse when it rises by more than 25 %
    assert is_regression("latency.p95_ms", 40.0, 51.0)
    assert not is_regression("latency.p95_ms", 40.0, 49.0)


def test_compare_lists_deltas_and_regressions():
    before = {
        "answers": {"key_fact_accuracy": 0.95, "pass_rate": 0.9, "items": 10},
        "meta": {"finished": "t0", "backend": "grounded", "embeddings": "e5-small"},
    }
    after = {
        "answers": {"key_fact_accuracy": 0.90, "pass_rate": 0.91, "items": 12},
        "retrieval": {"mrr": 0.8},
        "meta": {"finished": "t1", "backend": "grounded", "embeddings": "hashing-512"},
    }
    c = compare(before, after)
    assert c["previous"] == "t0"
    assert c["deltas"] == {"answers.key_fact_accuracy": -0.05, "answers.pass_rate": 0.01}
    assert [r["metric"] for r in c["regressions"]] == ["answers.key_fact_accuracy"]
    assert any("embeddings" in n for n in c["notes"])
    assert compare(None, after)["regressions"] == []
    assert metric_paths(after) == {
        "answers.key_fact_accuracy": 0.9,
        "answers.pass_rate": 0.91,
        "retrieval.mrr": 0.8,
    }


def test_thresholds_name_what_is_below_and_skip_sets_not_run():
    result = {"answers": {"key_fact_accuracy": 0.8}, "latency": {"p95_ms": 400.0}}
    rules = {
        "answers.key_fact_accuracy": {"min": 0.9},
        "latency.p95_ms": {"max": 300.0},
        "retrieval.recall_at_5": {"min": 0.9},
    }
    out = check(result, rules)
    assert [f["metric"] for f in out["failed"]] == ["answers.key_fact_accuracy", "latency.p95_ms"]
    assert out["skipped"] == ["retrieval.recall_at_5"]
    assert out["checked"] == 2
    assert check({"answers": {"key_fact_accuracy": 0.9}}, rules)["failed"] == []
    with pytest.raises(BadInput, match=r"answers\.key_fact_acuracy"):
        check(result, {"answers.key_fact_acuracy": {"min": 0.5}})


def test_a_metric_with_nothing_to_measure_is_undefined_not_zero():
    refusal = _item(program=None, kind="out_of_scope", refuse=True)
    m = answers.metrics([_graded(refusal, "抱歉", [], refused=True)])
    # no key facts and no citations to check: undefined; the refusal itself is right
    assert m["key_fact_accuracy"] is None
    assert m["citation_recall"] is None
    assert (m["refusal_precision"], m["refusal_recall"], m["pass_rate"]) == (1.0, 1.0, 1.0)
    result = {"answers": m, "per_program": {"general": {"answers": m}}}
    out = check(
        result,
        {
            "answers.key_fact_accuracy": {"min": 0.9},
            "per_program.general.answers.key_fact_accuracy": {"min": 0.9},
            "per_program.hnte.answers.key_fact_accuracy": {"min": 0.9},
            "answers.pass_rate": {"min": 0.9},
        },
    )
    assert out["checked"] == 1
    assert out["failed"] == []
    assert len(out["skipped"]) == 3
