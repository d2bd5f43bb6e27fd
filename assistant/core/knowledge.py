"""Load and validate ``knowledge/`` (format: knowledge/README.md).

Pure: reads files with the standard library, pydantic and yaml only. Every failure
raises :class:`~assistant.errors.KnowledgeError` naming the file, the field and the fix,
and the whole load fails: a half-loaded knowledge base would give wrong answers.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.core.rules import ProgramRules, RuleFormatError, parse_rules
from assistant.core.vocabulary import GLOSSARY_SECTIONS, Vocabulary, load_vocabulary

if TYPE_CHECKING:
    from assistant.core.checklist import ChecklistItem
from assistant.errors import KnowledgeError

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
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n?(.*)\Z", re.DOTALL)


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
        """The Chinese label of a profile field (the path itself when unknown)."""
        text, year = self._field(path)
        return text.label.replace("{year}", year or "") if text else path

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


def load_knowledge(root: Path) -> Knowledge:
    """Load and validate a knowledge directory.

    Args:
        root: The ``knowledge/`` directory.

    Returns:
        The validated knowledge base.

    Raises:
        KnowledgeError: on the first problem found, naming file, field and fix.
    """
    root = Path(root)
    if not root.is_dir():
        raise KnowledgeError(
            f"{root}: knowledge directory not found; set ASSISTANT_KNOWLEDGE_DIR "
            "or run from the project root"
        )
    documents = _load_documents(root / "documents")
    programs_dir = root / "programs"
    programs: dict[str, Program] = {}
    articles: list[Article] = []
    extra: dict[str, dict[str, Path]] = {}
    for folder in sorted(p for p in programs_dir.glob("*") if p.is_dir()):
        program = _load_program(folder, documents)
        programs[program.id] = program
        articles.extend(_load_articles(folder, program, documents))
        extra[program.id] = {
            name: folder / name
            for name in ("rules.yaml", "checklist.yaml")
            if (folder / name).is_file()
        }
    if not programs:
        raise KnowledgeError(f"{programs_dir}: no program folders; add programs/<id>/")
    _check_unique_articles(articles)
    glossary = _load_glossary(root / "glossary.yaml", programs)
    article_ids = {a.id for a in articles}
    rules = {
        pid: _load_rules(files["rules.yaml"], pid, documents, article_ids)
        for pid, files in extra.items()
        if "rules.yaml" in files
    }
    checklists = {
        pid: _load_checklist(files["checklist.yaml"], pid, rules.get(pid), article_ids)
        for pid, files in extra.items()
        if "checklist.yaml" in files
    }
    paths = _load_paths(root / "paths.yaml", programs, article_ids)
    return Knowledge(
        root=root,
        documents=documents,
        programs=programs,
        articles=tuple(articles),
        glossary=glossary,
        rules=rules,
        checklists=checklists,
        fields=_load_fields(root / "facts.yaml"),
        paths=paths,
        calendar=_load_calendar(root / "calendar.yaml", programs, article_ids),
        extra_files=extra,
        vocabulary=load_vocabulary(
            root, read_yaml, programs=programs, titles=paths.titles, documents=documents
        ),
    )


def _load_checklist(
    path: Path, program: str, rules: ProgramRules | None, article_ids: set[str]
) -> tuple[ChecklistItem, ...]:
    from assistant.core.checklist import parse_checklist
    from assistant.core.facts import KNOWN_FACTS
    from assistant.core.profile import PROFILE_PATHS

    try:
        owner, items = parse_checklist(
            read_yaml(path), lambda n: n in KNOWN_FACTS or n in PROFILE_PATHS
        )
    except RuleFormatError as exc:
        raise KnowledgeError(f"{path}: {exc}") from exc
    if owner != program:
        raise KnowledgeError(f"{path}: field 'program': '{owner}' but the folder is {program}")
    condition_ids = {c.id for v in (rules.versions if rules else ()) for c in v.conditions}
    for item in items:
        if not item.id.startswith(f"{program}."):
            raise KnowledgeError(f"{path}: item id '{item.id}' must start with '{program}.'")
        if item.article not in article_ids:
            raise KnowledgeError(
                f"{path}: item '{item.id}' field 'article': unknown article '{item.article}'"
            )
        if item.condition and item.condition not in condition_ids:
            raise KnowledgeError(
                f"{path}: item '{item.id}' field 'condition': '{item.condition}' is not a "
                f"condition of {program}'s rules"
            )
    return items


def _load_paths(path: Path, programs: dict[str, Program], article_ids: set[str]) -> Paths:
    if not path.is_file():
        return Paths()
    try:
        paths = Paths.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise KnowledgeError(_validation_message(path, exc)) from exc
    titles = set(programs) | set(paths.titles)
    entries: list[Prerequisite | Shortcut] = [*paths.prerequisites, *paths.shortcuts]
    for entry in entries:
        needed = entry.requires_any if isinstance(entry, Prerequisite) else [entry.holds]
        unknown = [t for t in [entry.program, *needed] if t not in titles]
        if unknown or entry.article not in article_ids:
            raise KnowledgeError(
                f"{path}: entry for '{entry.program}': unknown title(s) {unknown} or article "
                f"'{entry.article}'; use program ids, titles listed under 'titles', article ids"
            )
    return paths


def _load_calendar(
    path: Path, programs: dict[str, Program], article_ids: set[str]
) -> tuple[CalendarEvent, ...]:
    if not path.is_file():
        return ()
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("events"), list):
        raise KnowledgeError(f"{path}: expected 'events:' with a list of events")
    events = []
    for i, raw in enumerate(data["events"]):
        try:
            event = CalendarEvent.model_validate(raw)
        except ValidationError as exc:
            raise KnowledgeError(_validation_message(path, exc, f"events[{i}].")) from exc
        if (event.yearly is None) == (event.start is None):
            raise KnowledgeError(f"{path}: event '{event.id}': give either yearly or start/end")
        if any(p not in programs for p in event.programs) or event.article not in article_ids:
            raise KnowledgeError(f"{path}: event '{event.id}': unknown program or article")
        events.append(event)
    return tuple(events)


def _load_fields(path: Path) -> dict[str, FieldText]:
    if not path.is_file():
        return {}
    data = read_yaml(path)
    if (
        not isinstance(data, dict)
        or set(data) != {"fields"}
        or not isinstance(data["fields"], dict)
    ):
        raise KnowledgeError(f"{path}: expected 'fields:' mapping path -> {{label, question}}")
    out = {}
    for key, value in data["fields"].items():
        if not isinstance(value, dict) or set(value) != {"label", "question"}:
            raise KnowledgeError(f"{path}: field 'fields.{key}': give exactly label and question")
        out[str(key)] = FieldText(str(value["label"]), str(value["question"]))
    return out


def _load_rules(
    path: Path, program: str, documents: dict[str, SourceDocument], article_ids: set[str]
) -> ProgramRules:
    from assistant.core.facts import KNOWN_FACTS
    from assistant.core.profile import PROFILE_PATHS

    try:
        rules = parse_rules(read_yaml(path), lambda n: n in KNOWN_FACTS or n in PROFILE_PATHS)
    except RuleFormatError as exc:
        raise KnowledgeError(f"{path}: {exc}") from exc
    if rules.program != program:
        raise KnowledgeError(
            f"{path}: field 'program': '{rules.program}' but the folder is {program}"
        )
    for version in rules.versions:
        if version.document not in documents:
            raise KnowledgeError(
                f"{path}: version '{version.label}' field 'document': unknown document "
                f"'{version.document}'; register it in knowledge/documents/*.yaml"
            )
        refs = [(c.id, c.article) for c in version.conditions]
        refs += [(r.id, r.article) for r in version.rubrics]
        for ref_id, article in refs:
            if article not in article_ids:
                raise KnowledgeError(
                    f"{path}: '{ref_id}' field 'article': unknown article '{article}'; "
                    "cite a knowledge article id"
                )
        for cond in version.conditions:
            if not cond.id.startswith(f"{program}."):
                raise KnowledgeError(
                    f"{path}: condition id '{cond.id}' must start with '{program}.'"
                )
        ids = [c.id for c in version.conditions]
        if len(ids) != len(set(ids)):
            raise KnowledgeError(f"{path}: version '{version.label}' repeats a condition id")
    return rules


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, rejecting duplicate keys (a silent override hides mistakes).

    Raises:
        KnowledgeError: unreadable file, YAML syntax error or duplicate key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot read ({exc}); save it as UTF-8") from exc
    return _parse_yaml(text, path)


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: invalid YAML: {exc}".replace("\n", " ")) from exc
    except ValueError as exc:  # e.g. an impossible date such as 2016-13-01
        raise KnowledgeError(f"{path}: invalid value ({exc}); fix the field") from exc


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""


def _construct_unique_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_unique_mapping,  # type: ignore[arg-type]
)


def _check_slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError("use a kebab-case id: lower-case letters, digits and '-'")
    return value


def _validation_message(path: Path, exc: ValidationError, prefix: str = "") -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"field '{prefix}{where}': {err['msg']}")
    return f"{path}: " + "; ".join(parts)


def _load_documents(folder: Path) -> dict[str, SourceDocument]:
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise KnowledgeError(f"{folder}: no documents/*.yaml; register cited documents")
    documents: dict[str, SourceDocument] = {}
    for path in files:
        data = read_yaml(path)
        if not isinstance(data, list):
            raise KnowledgeError(f"{path}: expected a YAML list of documents")
        for index, item in enumerate(data):
            try:
                doc = SourceDocument.model_validate(item)
            except ValidationError as exc:
                raise KnowledgeError(_validation_message(path, exc, f"[{index}].")) from exc
            if doc.id in documents:
                raise KnowledgeError(
                    f"{path}: field '[{index}].id': document id '{doc.id}' is declared "
                    "twice; keep one entry"
                )
            documents[doc.id] = doc
    return documents


def _load_program(folder: Path, documents: dict[str, SourceDocument]) -> Program:
    path = folder / "program.yaml"
    if not path.is_file():
        raise KnowledgeError(f"{path}: missing; every program folder needs program.yaml")
    try:
        program = Program.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise KnowledgeError(_validation_message(path, exc)) from exc
    if program.id != folder.name:
        raise KnowledgeError(
            f"{path}: field 'id': '{program.id}' differs from the folder name "
            f"'{folder.name}'; rename one"
        )
    for doc_id in program.documents:
        if doc_id not in documents:
            raise KnowledgeError(
                f"{path}: field 'documents': unknown document '{doc_id}'; "
                "register it in knowledge/documents/*.yaml"
            )
    return program


def _load_articles(
    folder: Path, program: Program, documents: dict[str, SourceDocument]
) -> list[Article]:
    files = sorted((folder / "articles").glob("*.md"))
    if not files:
        raise KnowledgeError(f"{folder / 'articles'}: no articles; write at least one .md")
    return [_load_article(path, program, documents) for path in files]


def _load_article(path: Path, program: Program, documents: dict[str, SourceDocument]) -> Article:
    meta, body = split_front_matter(path)
    try:
        article = ArticleMeta.model_validate(meta)
    except ValidationError as exc:
        raise KnowledgeError(_validation_message(path, exc)) from exc
    _check_article_refs(path, article, program, documents)
    if len(body.strip()) < 10:
        raise KnowledgeError(f"{path}: the body is empty; write the article text")
    return Article(meta=article, document=documents[article.document], body=body, path=path)


def _check_article_refs(
    path: Path,
    article: ArticleMeta,
    program: Program,
    documents: dict[str, SourceDocument],
) -> None:
    if article.id != path.stem:
        raise KnowledgeError(
            f"{path}: field 'id': '{article.id}' differs from the file name; "
            f"name the file {article.id}.md"
        )
    if article.program != program.id:
        raise KnowledgeError(
            f"{path}: field 'program': '{article.program}' but the file is in "
            f"programs/{program.id}/; move it or fix the field"
        )
    prefix = program.id.replace("_", "-") + "-"
    if not article.id.startswith(prefix):
        raise KnowledgeError(f"{path}: field 'id': start it with '{prefix}'")
    if article.document not in documents:
        raise KnowledgeError(
            f"{path}: field 'document': unknown document '{article.document}'; "
            "register it in knowledge/documents/*.yaml"
        )
    if article.expires is not None and article.expires < article.effective:
        raise KnowledgeError(f"{path}: field 'expires': earlier than 'effective'")


def split_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter and its body.

    Raises:
        KnowledgeError: no front matter, or front matter that is not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot read ({exc}); save it as UTF-8") from exc
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        raise KnowledgeError(
            f"{path}: no front matter; start the file with '---', the fields, '---'"
        )
    meta = _parse_yaml(match.group(1), path)
    if not isinstance(meta, dict):
        raise KnowledgeError(f"{path}: the front matter must be a mapping of fields")
    return meta, match.group(2).strip() + "\n"


def _check_unique_articles(articles: Iterable[Article]) -> None:
    seen: dict[str, Path] = {}
    for art in articles:
        if art.id in seen:
            raise KnowledgeError(
                f"{art.path}: field 'id': '{art.id}' is also used by {seen[art.id]}"
            )
        seen[art.id] = art.path


def _load_glossary(path: Path, programs: dict[str, Program]) -> Glossary:
    data = read_yaml(path) if path.is_file() else None
    if not isinstance(data, dict) or set(data) - {
        "programs",
        "domain_words",
        "synonyms",
        *GLOSSARY_SECTIONS,
    }:
        raise KnowledgeError(
            f"{path}: expected a mapping with 'programs', 'domain_words', 'synonyms' and "
            f"optionally {', '.join(GLOSSARY_SECTIONS)} (see knowledge/README.md)"
        )
    names_raw = data.get("programs") or {}
    if not isinstance(names_raw, dict):
        raise KnowledgeError(f"{path}: field 'programs': expected a mapping id -> names")
    names: dict[str, tuple[str, ...]] = {}
    for program_id, program in programs.items():
        listed = names_raw.get(program_id)
        if not isinstance(listed, list) or not all(isinstance(n, str) for n in listed):
            raise KnowledgeError(
                f"{path}: field 'programs.{program_id}': list the names of the program"
            )
        names[program_id] = tuple(dict.fromkeys([program.name, *program.short_names, *listed]))
    unknown = set(names_raw) - set(programs)
    if unknown:
        raise KnowledgeError(
            f"{path}: field 'programs': unknown program(s) {sorted(unknown)}; "
            "add programs/<id>/program.yaml or remove them"
        )
    words = data.get("domain_words") or []
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise KnowledgeError(f"{path}: field 'domain_words': expected a list of words")
    synonyms_raw = data.get("synonyms") or {}
    if not isinstance(synonyms_raw, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in synonyms_raw.values()
    ):
        raise KnowledgeError(f"{path}: field 'synonyms': expected a mapping term -> [terms]")
    synonyms = {str(k): tuple(v) for k, v in synonyms_raw.items()}
    return Glossary(program_names=names, domain_words=tuple(words), synonyms=synonyms)
