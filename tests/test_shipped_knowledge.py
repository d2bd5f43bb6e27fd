"""The shipped knowledge base: complete for every program, every reference resolves."""

from __future__ import annotations

import datetime as dt

import pytest

from assistant.config import PROJECT_ROOT
from assistant.core.facts import KNOWN_FACTS
from assistant.core.knowledge import PROGRAM_IDS, load_knowledge
from assistant.core.profile import PROFILE_PATHS

KNOWLEDGE = load_knowledge(PROJECT_ROOT / "knowledge")
HNTE_IDS = [
    "hnte.registration_age",
    "hnte.core_ip",
    "hnte.tech_field",
    "hnte.tech_staff_ratio",
    "hnte.rd_expense_ratio",
    "hnte.domestic_rd_share",
    "hnte.hightech_revenue_share",
    "hnte.innovation_score",
    "hnte.clean_record",
]
TECH_SME_IDS = ["tech_sme.enterprise_size", "tech_sme.compliance", "tech_sme.score_or_direct"]


@pytest.mark.parametrize("program", PROGRAM_IDS)
def test_every_program_has_articles_rules_checklist_and_sources(program):
    assert program in KNOWLEDGE.programs
    assert len(KNOWLEDGE.articles_of(program)) >= 5
    assert program in KNOWLEDGE.rules
    assert KNOWLEDGE.checklists.get(program), f"{program} has no checklist.yaml"
    for doc_id in KNOWLEDGE.programs[program].documents:
        assert doc_id in KNOWLEDGE.documents
    topics = {a.meta.topic for a in KNOWLEDGE.articles_of(program)}
    assert "overview" in topics


@pytest.mark.parametrize("program", PROGRAM_IDS)
def test_rules_read_only_schema_fields_and_cite_existing_articles(program):
    rules = KNOWLEDGE.rules[program]
    assert rules.facts_used <= KNOWN_FACTS | PROFILE_PATHS
    article_ids = {a.id for a in KNOWLEDGE.articles}
    for version in rules.versions:
        assert version.document in KNOWLEDGE.documents
        for cond in version.conditions:
            assert cond.article in article_ids
            assert cond.id.startswith(f"{program}.")


def test_contract_condition_ids_for_hnte_and_tech_sme():
    day = dt.date(2026, 11, 22)
    assert [c.id for c in KNOWLEDGE.rules["hnte"].version_on(day).conditions] == HNTE_IDS
    assert [c.id for c in KNOWLEDGE.rules["tech_sme"].version_on(day).conditions] == TECH_SME_IDS


@pytest.mark.parametrize("program", ["innovative_sme", "srdi_sme", "little_giant"])
def test_quality_sme_tiers_switch_from_63_to_2_on_2026_04_01(program):
    rules = KNOWLEDGE.rules[program]
    before = rules.version_on(dt.date(2026, 3, 31))
    after = rules.version_on(dt.date(2026, 4, 1))
    assert before.document == "gxbqy-2022-63"
    assert after.document == "gxbqy-2026-2"
    assert before.expires == dt.date(2026, 3, 31)


def test_every_article_names_its_program_or_a_synonym():
    for article in KNOWLEDGE.articles:
        names = KNOWLEDGE.glossary.program_names[article.program]
        assert any(n in article.body or n in article.meta.title for n in names), article.id


def test_rubrics_exist_for_the_scored_programs():
    day = dt.date(2026, 11, 22)
    assert KNOWLEDGE.rules["hnte"].version_on(day).rubric("hnte.innovation").pass_min == 71
    assert KNOWLEDGE.rules["tech_sme"].version_on(day).rubric("tech_sme.score").veto == (
        "tech_staff",
    )
    old = KNOWLEDGE.rules["srdi_sme"].version_on(dt.date(2025, 6, 1))
    assert old.rubrics, "the 63号 专精特新 score sheet"
    assert KNOWLEDGE.rules["innovative_sme"].version_on(dt.date(2025, 6, 1)).rubrics


def test_reported_facts_are_marked_as_such():
    reported = [a for a in KNOWLEDGE.articles if a.meta.confidence != "official"]
    official = [a for a in KNOWLEDGE.articles if a.meta.confidence == "official"]
    assert reported
    assert official
    for article in KNOWLEDGE.articles_of("haopin_shandong"):
        assert article.meta.confidence != "official"
