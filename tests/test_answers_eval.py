"""Answer quality with the real e5 model over eval/sets/answers (at least 200 questions written
from the fact sheet: every program and question kind, colloquial, traditional, typos, refusals;
any *.yaml in the folder counts, the review console's promoted.yaml included). The evaluation
harness (``python -m eval run --set answers``) reports the same set as metrics."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.core.knowledge import PROGRAM_IDS
from eval.answers import grade, load_answer_set, run, summary
from tests.conftest import indexed_chat

ITEMS = load_answer_set()


def test_the_answer_set_covers_programs_kinds_and_refusals():
    assert len(ITEMS) >= 200
    assert len({i.question for i in ITEMS}) == len(ITEMS), "duplicate questions"
    assert all(i.source for i in ITEMS), "every item says where its facts come from"
    programs = {
        p for i in ITEMS for p in (i.program if isinstance(i.program, list) else [i.program])
    }
    assert set(PROGRAM_IDS) <= programs
    kinds = {i.kind for i in ITEMS}
    assert {
        "conditions",
        "threshold",
        "scoring",
        "materials",
        "procedure",
        "validity",
        "benefits",
        "definition",
        "comparison",
        "statistics",
        "eligibility",
        "out_of_scope",
    } <= kinds
    assert sum(i.traditional for i in ITEMS) >= 10
    assert sum(i.refuse for i in ITEMS) >= 10


def test_grading_is_strict_about_content_citations_and_refusals():
    item = ITEMS[0]
    good = {
        "refused": False,
        "answer": " ".join(g[0] for g in item.must_contain),
        "citations": [{"source_id": f"kb-{item.must_cite[0]}"}],
    }
    assert grade(item, good)[0]
    assert not grade(item, {**good, "answer": ""})[0]
    assert not grade(item, {**good, "citations": []})[0]
    assert not grade(item, {**good, "refused": True})[0]


@pytest.mark.model
def test_at_least_90_percent_of_answers_pass(tmp_path, e5):
    results = run(indexed_chat(Settings(data_dir=tmp_path), e5)[0], ITEMS)
    stats = summary(results)
    failures = [f"{r.item.question} | {'; '.join(r.reasons)}" for r in results if not r.passed]
    print(f"\nanswers: {stats}")
    print("\n".join(failures))
    assert stats["pass_rate"] >= 0.9, failures
    assert stats["refusal_precision"] >= 0.9
    assert stats["refusal_recall"] >= 0.9
    for r in results:
        if r.item.traditional and not r.answer["refused"]:
            assert r.answer["answer"], r.item.question
            assert "这" not in r.answer["answer"], r.item.question  # 這 in traditional
