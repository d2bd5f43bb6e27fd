"""The gold sets themselves: sizes, shapes and references the harness relies on."""

from __future__ import annotations

from assistant.config import PROJECT_ROOT
from assistant.core.knowledge import PROGRAM_IDS, load_knowledge
from eval.dialogues import load_dialogues
from eval.sets import SET_NAMES, SETS_DIR, load_sets

PROGRAMS = {*PROGRAM_IDS, "general"}


def test_every_set_loads_from_its_folder():
    sets = load_sets(SETS_DIR, list(SET_NAMES))
    assert sets.names == list(SET_NAMES)
    assert len(sets.answers or []) >= 200
    assert len(sets.eligibility or []) >= 80
    assert len(sets.retrieval or []) >= 100


def test_the_dialogues_are_multi_turn_with_expectations_from_the_facts():
    dialogues = load_dialogues()
    assert len(dialogues) >= 12
    assert len({d.name for d in dialogues}) == len(dialogues)
    for d in dialogues:
        assert 2 <= len(d.turns) <= 4, d.name
        assert set(d.programs) <= PROGRAMS, d.name
        assert "facts.md" in d.source, d.name
        assert all(t.expect for t in d.turns), d.name
        # at least one turn checks content, a verdict or a refusal, not only "answered"
        assert any(set(t.expect) - {"refused"} or t.expect.get("refused") for t in d.turns)
    follow_ups = [t for d in dialogues for t in d.turns if t.say.startswith("那")]
    assert len(follow_ups) >= 8
    verdicts = {t.expect["verdict"] for d in dialogues for t in d.turns if "verdict" in t.expect}
    assert {"not_eligible", "insufficient_info", "needs_review"} <= verdicts


def test_answer_citations_name_real_articles():
    ids = {a.id for a in load_knowledge(PROJECT_ROOT / "knowledge").articles}
    sets = load_sets(SETS_DIR, ["answers"])
    unknown = {(i.question, c) for i in sets.answers or [] for c in i.must_cite if c not in ids}
    assert not unknown
