"""The knowledge base as loaded: :class:`Knowledge` and its lookups (a program's articles,
an article by id, the measures in force on a date, a profile field's label and question).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.knowledge.schema import (
    Article,
    CalendarEvent,
    FieldText,
    Glossary,
    Paths,
    Program,
    SourceDocument,
)
from assistant.core.rules import ProgramRules
from assistant.core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from assistant.core.checklist import ChecklistItem

PROGRAM_IDS: tuple[str, ...] = (
    "hnte",
    "tech_sme",
    "innovative_sme",
    "srdi_sme",
    "little_giant",
    "haopin_shandong",
    "quancheng_haopin",
    "liaocheng_youpin",
    "gaoxin_youpin",
)
"""The contract's program ids; more may be added, none is ever renamed."""


@dataclass(frozen=True)
class Knowledge:
    """The whole validated knowledge base."""

    root: Path
    documents: dict[str, SourceDocument]
    programs: dict[str, Program]
    articles: tuple[Article, ...]
    glossary: Glossary
    rules: dict[str, ProgramRules] = field(default_factory=dict)
    checklists: dict[str, tuple[ChecklistItem, ...]] = field(default_factory=dict)
    fields: dict[str, FieldText] = field(default_factory=dict)
    paths: Paths = field(default_factory=Paths)
    calendar: tuple[CalendarEvent, ...] = ()
    extra_files: dict[str, dict[str, Path]] = field(default_factory=dict)
    vocabulary: Vocabulary = field(default_factory=Vocabulary)

    def _field(self, path: str) -> tuple[FieldText | None, str | None]:
        match = re.search(r"\.(\d{4})\.", path)
        year = match.group(1) if match else None
        key = path.replace(f".{year}.", ".*.", 1) if year else path
        return self.fields.get(key), year

    def label_for(self, path: str) -> str:
        """The Chinese label of a profile field, or of a title a company holds (a
        program id or a ``paths.yaml`` title); the path itself when unknown."""
        text, year = self._field(path)
        if text:
            return text.label.replace("{year}", year or "")
        if path in self.programs:
            return self.vocabulary.everyday_names.get(path) or self.programs[path].name
        return self.paths.titles.get(path, path)

    def question_for(self, path: str) -> str:
        """The question that asks the user for a missing profile field."""
        text, year = self._field(path)
        return text.question.replace("{year}", year or "") if text else f"请提供{path}。"

    def rules_document(self, program: str, as_of: dt.date) -> SourceDocument:
        """The measures in force for a program on a date (its newest in-force measures).

        Falls back to the program's first listed document when it has no measures
        (brand programs rest on notices and reports).
        """
        docs = [self.documents[d] for d in self.programs[program].documents]
        in_force = [d for d in docs if d.kind == "measures" and d.starts <= as_of]
        return max(in_force, key=lambda d: d.starts) if in_force else docs[0]

    def articles_of(self, program: str) -> list[Article]:
        """The articles of one program, in id order."""
        return [a for a in self.articles if a.program == program]

    def article(self, article_id: str) -> Article:
        """Look an article up by id.

        Raises:
            KeyError: no article has that id.
        """
        return self._article_index[article_id]

    @functools.cached_property
    def _article_index(self) -> dict[str, Article]:
        # every condition of every assessment cites an article: a scan per lookup cost
        # more than evaluating the condition
        return {art.id: art for art in self.articles}
