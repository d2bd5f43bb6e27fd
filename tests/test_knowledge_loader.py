"""The loader accepts the fixture knowledge base and rejects each broken variant clearly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.core.knowledge import load_knowledge
from assistant.errors import KnowledgeError
from tests.conftest import FIXTURE_KB


def test_fixture_knowledge_loads_with_resolved_documents():
    k = load_knowledge(FIXTURE_KB)
    assert set(k.programs) == {"hnte", "tech_sme"}
    art = k.article("hnte-rd-expense-ratio")
    assert art.document.doc_no == "国科发火〔2016〕32号"
    assert art.meta.article == "第十一条第（五）项"
    assert "高企" in k.glossary.program_names["hnte"]
    assert k.glossary.synonyms["营收"] == ("销售收入",)


def test_rules_document_is_the_measures_in_force_on_the_date():
    k = load_knowledge(FIXTURE_KB)
    assert (
        k.rules_document("hnte", dt.date(2026, 11, 22)).label()
        == "国科发火〔2016〕32号 (2016-01-01)"
    )


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


ARTICLE = "programs/hnte/articles/hnte-rd-expense-ratio.md"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (ARTICLE, "topic: conditions", "topic: conditions\ncolour: red", "field 'colour'"),
        (ARTICLE, "topic: conditions", "topic: rumours", "field 'topic'"),
        (
            ARTICLE,
            "document: gkfh-2016-32",
            "document: no-such-doc",
            "unknown document 'no-such-doc'",
        ),
        (ARTICLE, "program: hnte", "program: tech_sme", "field 'program'"),
        (ARTICLE, "effective: 2016-01-01", "effective: 2016-13-01", "month must be in 1..12"),
        (ARTICLE, "id: hnte-rd-expense-ratio", "id: hnte-other", "differs from the file name"),
        (ARTICLE, "---\nid:", "id:", "no front matter"),
        (
            ARTICLE,
            "confidence: official",
            "confidence: official\nconfidence: reported",
            "duplicate key",
        ),
        ("programs/hnte/program.yaml", "id: hnte", "id: tech_sme", "differs from the folder name"),
        ("programs/hnte/program.yaml", "level: national", "level: galactic", "field 'level'"),
        (
            "documents/docs.yaml",
            "confidence: official",
            "confidence: maybe",
            "field '[0].confidence'",
        ),
        (
            "glossary.yaml",
            "tech_sme: [科小",
            "gazelle: [瞪羚]\n  tech_sme: [科小",
            "unknown program",
        ),
        (
            "glossary.yaml",
            "synonyms:\n",
            "title_patterns:\n  - {title: hnte, pattern: 高企, denies: [hnte, gazelle]}\n"
            "synonyms:\n",
            "field 'title_patterns[0].denies'",
        ),
    ],
)
def test_each_broken_file_is_rejected_naming_file_and_field(kb_copy, file, old, new, expected):
    _edit(kb_copy / file, old, new)
    with pytest.raises(KnowledgeError) as err:
        load_knowledge(kb_copy)
    message = str(err.value)
    assert expected in message
    assert Path(file).name in message


def test_an_empty_article_body_is_rejected(kb_copy):
    path = kb_copy / ARTICLE
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("---") + 4], encoding="utf-8")
    with pytest.raises(KnowledgeError, match="body is empty"):
        load_knowledge(kb_copy)


def test_a_missing_knowledge_dir_says_what_to_set(tmp_path):
    with pytest.raises(KnowledgeError, match="ASSISTANT_KNOWLEDGE_DIR"):
        load_knowledge(tmp_path / "nope")
