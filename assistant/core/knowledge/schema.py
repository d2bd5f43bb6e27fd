"""The schemas of the knowledge files: what each YAML entry and article front matter holds.

Pydantic models validate the files as they are read (strict: unknown fields are errors);
frozen dataclasses hold what the loader builds from them (an article with its resolved
document, the glossary with every program's names, a profile field's label and question).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Confidence = Literal["official", "reported", "general"]
Topic = Literal[
    "overview",
    "eligibility",
    "conditions",
    "scoring",
    "definitions",
    "materials",
    "procedure",
    "validity",
    "benefits",
    "faq",
    "statistics",
    "comparison",
]
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_PROGRAM_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class SourceDocument(_Strict):
    """A document that articles cite (an entry of ``documents/*.yaml``)."""

    id: str = Field(description="kebab-case id, unique across the registry")
    title: str = Field(min_length=2, description="the document's own title")
    doc_no: str | None = Field(default=None, description="文号, when it has one")
    issuer: str = Field(min_length=2)
    date: dt.date
    effective: dt.date | None = Field(
        default=None, description="date it takes effect, when different from 'date'"
    )
    kind: Literal[
        "measures",
        "guideline",
        "notice",
        "standard",
        "interpretation",
        "news",
        "other",
    ]
    confidence: Confidence
    note: str | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        return _check_slug(value)

    @property
    def starts(self) -> dt.date:
        """The date the document takes effect."""
        return self.effective or self.date

    def label(self) -> str:
        """Short label: 文号 (or title) and the effective date.

        >>> SourceDocument(id="x", title="办法", doc_no="国科发火〔2016〕32号",
        ...     issuer="科技部", date="2016-01-29", effective="2016-01-01",
        ...     kind="measures", confidence="official").label()
        '国科发火〔2016〕32号 (2016-01-01)'
        """
        return f"{self.doc_no or self.title} ({self.starts.isoformat()})"


class Program(_Strict):
    """A program's metadata (``programs/<id>/program.yaml``)."""

    id: str
    name: str = Field(min_length=2)
    short_names: list[str] = Field(default_factory=list)
    issuer: str = Field(min_length=2)
    level: Literal["national", "provincial", "city", "zone"]
    kind: Literal["recognition", "evaluation", "brand"]
    region: str
    summary: str = Field(min_length=4)
    documents: list[str] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _program_id(cls, value: str) -> str:
        if not _PROGRAM_ID.match(value):
            raise ValueError("use lower-case letters, digits and '_' (e.g. hnte)")
        return value


class ArticleMeta(_Strict):
    """The front matter of an article file."""

    id: str
    program: str
    title: str = Field(min_length=2)
    document: str
    article: str = Field(min_length=1, description="article or section in the document")
    effective: dt.date
    expires: dt.date | None = None
    confidence: Confidence
    topic: Topic
    tags: list[str] = Field(default_factory=list)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        return _check_slug(value)


@dataclass(frozen=True)
class Article:
    """One validated article: metadata, its resolved document and its Markdown body."""

    meta: ArticleMeta
    document: SourceDocument
    body: str
    path: Path

    @property
    def id(self) -> str:
        """The article id (equals the file stem)."""
        return self.meta.id

    @property
    def program(self) -> str:
        """The program id the article belongs to."""
        return self.meta.program


@dataclass(frozen=True)
class Glossary:
    """Names people use for each program, and words the tokenizer must keep whole."""

    program_names: dict[str, tuple[str, ...]]
    domain_words: tuple[str, ...]
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def all_terms(self) -> list[str]:
        """Every program name and domain word, longest first (for tokenizer dictionaries)."""
        terms = {t for names in self.program_names.values() for t in names}
        terms.update(self.domain_words)
        return sorted(terms, key=lambda t: (-len(t), t))


class Prerequisite(_Strict):
    """A program that needs one of some titles first (``paths.yaml``)."""

    program: str
    requires_any: list[str] = Field(min_length=1)
    since: dt.date | None = None
    text: str
    article: str


class Shortcut(_Strict):
    """A title that qualifies directly for a program or replaces its application."""

    program: str
    holds: str
    text: str
    article: str


class Paths(_Strict):
    """``paths.yaml``: prerequisite chains and shortcuts between programs."""

    titles: dict[str, str] = Field(default_factory=dict)
    prerequisites: list[Prerequisite] = Field(default_factory=list)
    shortcuts: list[Shortcut] = Field(default_factory=list)


class CalendarEvent(_Strict):
    """A date that matters (``calendar.yaml``): yearly (``MM-DD``) or one-off (start..end)."""

    id: str
    program: str
    also: list[str] = Field(default_factory=list)
    for_: Literal["holders", "applicants"] = Field(alias="for")
    title: str
    yearly: str | None = Field(default=None, pattern=r"^\d{2}-\d{2}$")
    start: dt.date | None = None
    end: dt.date | None = None
    since: dt.date | None = None
    article: str
    confidence: Confidence

    @property
    def programs(self) -> list[str]:
        """Every program the event concerns."""
        return [self.program, *self.also]


@dataclass(frozen=True)
class FieldText:
    """The Chinese label of a profile field and the question to ask when it is missing."""

    label: str
    question: str


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("use a kebab-case id: lower-case letters, digits and '-'")
    return value
