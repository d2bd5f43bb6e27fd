"""The cross-file checks of the knowledge base: every id a file cites exists in the file
that declares it (documents, programs, articles, rule conditions, titles), and ids are unique.

Each check receives what is already loaded and raises
:class:`~assistant.errors.KnowledgeError` naming the file, the field and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.core.knowledge.schema import (
    Article,
    ArticleMeta,
    CalendarEvent,
    Paths,
    Prerequisite,
    Program,
    Shortcut,
    SourceDocument,
)
from assistant.core.rules import ProgramRules
from assistant.errors import KnowledgeError

if TYPE_CHECKING:
    from assistant.core.checklist import ChecklistItem


def check_program(path: Path, program: Program, documents: dict[str, SourceDocument]) -> None:
    """A program is named like its folder and cites registered documents."""
    folder = path.parent
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


def check_article_refs(
    path: Path,
    article: ArticleMeta,
    program: Program,
    documents: dict[str, SourceDocument],
) -> None:
    """An article is named like its file, sits in its program's folder and cites a
    registered document."""
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


def check_unique_articles(articles: Iterable[Article]) -> None:
    """No two articles share an id, across all programs."""
    seen: dict[str, Path] = {}
    for art in articles:
        if art.id in seen:
            raise KnowledgeError(
                f"{art.path}: field 'id': '{art.id}' is also used by {seen[art.id]}"
            )
        seen[art.id] = art.path


def check_rules(
    path: Path,
    rules: ProgramRules,
    program: str,
    documents: dict[str, SourceDocument],
    article_ids: set[str],
) -> None:
    """A program's rules belong to its folder, cite registered documents and known articles,
    and name each condition once, under the program's prefix."""
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


def check_checklist(
    path: Path,
    owner: str,
    items: tuple[ChecklistItem, ...],
    program: str,
    rules: ProgramRules | None,
    article_ids: set[str],
) -> None:
    """A checklist belongs to its folder's program; its items cite known articles and
    conditions of the program's rules."""
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


def check_paths(
    path: Path, paths: Paths, programs: dict[str, Program], article_ids: set[str]
) -> None:
    """Prerequisites and shortcuts name programs or listed titles, and known articles."""
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


def check_event(
    path: Path, event: CalendarEvent, programs: dict[str, Program], article_ids: set[str]
) -> None:
    """A calendar event is yearly or dated, and names known programs and articles."""
    if (event.yearly is None) == (event.start is None):
        raise KnowledgeError(f"{path}: event '{event.id}': give either yearly or start/end")
    if any(p not in programs for p in event.programs) or event.article not in article_ids:
        raise KnowledgeError(f"{path}: event '{event.id}': unknown program or article")
