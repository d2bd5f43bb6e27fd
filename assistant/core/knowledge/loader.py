"""Load and validate ``knowledge/`` (format: knowledge/README.md).

Pure: reads files with the standard library, pydantic and yaml only. Every failure
raises :class:`~assistant.errors.KnowledgeError` naming the file, the field and the fix,
and the whole load fails: a half-loaded knowledge base would give wrong answers. Each file
is parsed here; what it cites in other files is checked by
:mod:`assistant.core.knowledge.checks` once those are loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from assistant.core.knowledge.base import Knowledge
from assistant.core.knowledge.checks import (
    check_article_refs,
    check_checklist,
    check_event,
    check_paths,
    check_program,
    check_rules,
    check_unique_articles,
)
from assistant.core.knowledge.files import read_yaml, split_front_matter, validation_message
from assistant.core.knowledge.schema import (
    Article,
    ArticleMeta,
    CalendarEvent,
    FieldText,
    Glossary,
    Paths,
    Program,
    SourceDocument,
)
from assistant.core.rules import ProgramRules, RuleFormatError, parse_rules
from assistant.core.vocabulary import GLOSSARY_SECTIONS, load_vocabulary
from assistant.errors import KnowledgeError

if TYPE_CHECKING:
    from assistant.core.checklist import ChecklistItem


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
    check_unique_articles(articles)
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
    check_checklist(path, owner, items, program, rules, article_ids)
    return items


def _load_paths(path: Path, programs: dict[str, Program], article_ids: set[str]) -> Paths:
    if not path.is_file():
        return Paths()
    try:
        paths = Paths.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise KnowledgeError(validation_message(path, exc)) from exc
    check_paths(path, paths, programs, article_ids)
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
            raise KnowledgeError(validation_message(path, exc, f"events[{i}].")) from exc
        check_event(path, event, programs, article_ids)
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
    check_rules(path, rules, program, documents, article_ids)
    return rules


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
                raise KnowledgeError(validation_message(path, exc, f"[{index}].")) from exc
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
        raise KnowledgeError(validation_message(path, exc)) from exc
    check_program(path, program, documents)
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
        raise KnowledgeError(validation_message(path, exc)) from exc
    check_article_refs(path, article, program, documents)
    if len(body.strip()) < 10:
        raise KnowledgeError(f"{path}: the body is empty; write the article text")
    return Article(meta=article, document=documents[article.document], body=body, path=path)


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
