"""Answer templates in the database: create, edit, approve, retire, hits, history, diffs.

Every save writes a version row (who, when, what), so any two versions can be compared
(:func:`difflib.unified_diff`). Editing an approved template makes it a draft again: the
approved wording never changes silently. Approval records what the template rests on
(:mod:`assistant.templates.staleness`); a template whose basis no longer holds is shown as
「需复核」 and does not answer. Every change is written to the audit log under the user.
Roles are checked by the callers (API, CLI, staff page) and again here.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from assistant.core.knowledge import Knowledge
from assistant.errors import ForbiddenError, InputError
from assistant.store.accounts import AccountStore, User
from assistant.store.db import ChatMessage, _now, ensure_schema
from assistant.templates.models import STATUS_TEXT, STATUSES, TemplateRow, TemplateVersionRow
from assistant.templates.staleness import basis, stale_reasons
from assistant.templates.validate import validate_template

EDITORS = ("staff", "admin")


class TemplateStore:
    """Templates and their versions, on the shared database.

    Args:
        engine: From :func:`assistant.store.db.make_engine`.
        knowledge: To validate programs, articles and placeholders, and judge staleness.
        accounts: Where changes are audited.
    """

    def __init__(self, engine: Engine, knowledge: Knowledge, accounts: AccountStore) -> None:
        """Create the tables when missing (they may be registered after the engine)."""
        ensure_schema(engine)
        self._factory = sessionmaker(engine, expire_on_commit=False)
        self.knowledge = knowledge
        self.accounts = accounts

    # -- reading -------------------------------------------------------------------------

    def get(self, template_id: int, day: dt.date | None = None) -> dict[str, Any]:
        """One template with its versions (newest last).

        Raises:
            InputError: no template has that id.
        """
        with self._factory() as db:
            row = self._row(db, template_id)
            versions = db.scalars(
                select(TemplateVersionRow)
                .where(TemplateVersionRow.template_id == template_id)
                .order_by(TemplateVersionRow.id)
            )
            out = self._view(row, day)
            out["versions"] = [
                {
                    "version": v.version,
                    "action": v.action,
                    "author": v.author,
                    "at": v.at.isoformat(timespec="seconds"),
                    "status": v.status,
                }
                for v in versions
            ]
            return out

    def all(self, status: str | None = None, day: dt.date | None = None) -> list[dict[str, Any]]:
        """Every template (optionally of one status; ``stale`` = approved but 需复核)."""
        if status is not None and status not in (*STATUSES, "stale"):
            raise InputError(f"status '{status}': use one of {', '.join(STATUSES)}, stale")
        with self._factory() as db:
            rows = db.scalars(select(TemplateRow).order_by(TemplateRow.id)).all()
        views = [self._view(r, day) for r in rows]
        if status == "stale":
            return [v for v in views if v["stale"]]
        return [v for v in views if status is None or v["status"] == status]

    def usable(self, day: dt.date) -> list[dict[str, Any]]:
        """Approved templates whose basis still holds on ``day`` (the ones that may answer)."""
        return [v for v in self.all("approved", day) if not v["stale"]]

    def _view(self, row: TemplateRow, day: dt.date | None) -> dict[str, Any]:
        reasons: list[str] = []
        if row.status == "approved":
            reasons = stale_reasons(self.knowledge, row.basis or {}, day or dt.date.today())
        shown = "stale" if reasons else row.status
        return {
            "id": row.id,
            "title": row.title,
            "triggers": list(row.triggers),
            "body": row.body,
            "programs": list(row.programs),
            "articles": list(row.articles),
            "status": row.status,
            "status_text": STATUS_TEXT[shown],
            "stale": bool(reasons),
            "stale_reasons": reasons,
            "author": row.author,
            "version": row.version,
            "created": row.created.isoformat(timespec="seconds"),
            "updated": row.updated.isoformat(timespec="seconds"),
            "approved_by": row.approved_by,
            "approved_at": row.approved_at.isoformat(timespec="seconds")
            if row.approved_at
            else None,
            "approved_basis": row.basis or {},
            "hits": row.hits,
            "last_used": row.last_used.isoformat(timespec="seconds") if row.last_used else None,
        }

    @staticmethod
    def _row(db: Session, template_id: int) -> TemplateRow:
        row = db.get(TemplateRow, template_id)
        if row is None:
            raise InputError(f"no answer template with id {template_id}")
        return row

    # -- writing -------------------------------------------------------------------------

    def create(self, user: User, data: Any, *, action: str = "create") -> dict[str, Any]:
        """A new draft template (version 1).

        Raises:
            InputError: invalid content or a title already in use.
            ForbiddenError: the user's role may not edit templates.
        """
        _check_editor(user)
        content = validate_template(data, self.knowledge)
        with self._factory() as db, db.begin():
            row = self._insert(db, user, content, action)
        self.accounts.audit(user, f"template.{action}", _target(row), title=row.title)
        return self.get(row.id)

    def _insert(self, db: Session, user: User, content: dict[str, Any], action: str) -> TemplateRow:
        """Add a draft and its first version inside the caller's transaction."""
        self._check_title(db, content["title"], None)
        row = TemplateRow(**content, status="draft", author=user.name, version=1)
        db.add(row)
        db.flush()
        db.add(_version(row, user, action))
        return row

    @staticmethod
    def _check_title(db: Session, title: str, own_id: int | None) -> None:
        other = db.scalar(select(TemplateRow).where(TemplateRow.title == title))
        if other is not None and other.id != own_id:
            raise InputError(f"field 'title': a template titled '{title}' exists (id {other.id})")

    def update(self, user: User, template_id: int, data: Any) -> dict[str, Any]:
        """Save new content as the next version; the template becomes a draft again.

        Raises:
            InputError: unknown id, invalid content, or nothing changed.
        """
        _check_editor(user)
        content = validate_template(data, self.knowledge)
        with self._factory() as db, db.begin():
            row = self._row(db, template_id)
            if all(getattr(row, k) == v for k, v in content.items()):
                raise InputError(f"template {template_id}: nothing changed")
            self._check_title(db, content["title"], row.id)
            for key, value in content.items():
                setattr(row, key, value)
            row.version += 1
            row.status, row.updated = "draft", _now()
            db.add(_version(row, user, "edit"))
            version = row.version
        self.accounts.audit(user, "template.edit", _target(row), version=version)
        return self.get(template_id)

    def approve(self, user: User, template_id: int, day: dt.date | None = None) -> dict[str, Any]:
        """Approve a draft (or re-approve a stale one) against the knowledge in force on
        ``day``: records each cited article's fingerprint and each program's rules version.

        Raises:
            InputError: unknown id, a retired template, or a cited article no longer in force.
        """
        _check_editor(user)
        day = day or dt.date.today()
        with self._factory() as db, db.begin():
            row = self._row(db, template_id)
            if row.status == "retired":
                raise InputError(f"template {template_id} is retired; edit it to make a draft")
            for article_id in row.articles:
                expires = self.knowledge.article(article_id).meta.expires
                if expires is not None and expires < day:
                    raise InputError(
                        f"field 'articles': '{article_id}' expired on {expires}; cite the "
                        "article in force before approving"
                    )
            row.basis = basis(self.knowledge, list(row.articles), list(row.programs), day)
            row.status, row.approved_by, row.approved_at = "approved", user.name, _now()
            db.add(_version(row, user, "approve"))
        self.accounts.audit(
            user, "template.approve", _target(row), version=row.version, day=day.isoformat()
        )
        return self.get(template_id, day)

    def retire(self, user: User, template_id: int) -> dict[str, Any]:
        """Stop a template from answering (kept, with its history)."""
        _check_editor(user)
        with self._factory() as db, db.begin():
            row = self._row(db, template_id)
            if row.status == "retired":
                raise InputError(f"template {template_id} is already retired")
            row.status, row.updated = "retired", _now()
            db.add(_version(row, user, "retire"))
        self.accounts.audit(user, "template.retire", _target(row), version=row.version)
        return self.get(template_id)

    def import_many(self, user: User, items: list[dict[str, Any]], source: str) -> list[int]:
        """Add already validated templates as drafts in ONE transaction: all or nothing.

        Raises:
            InputError: a title in use (naming the item); nothing is added then.
        """
        _check_editor(user)
        ids: list[int] = []
        with self._factory() as db, db.begin():
            for n, content in enumerate(items, 1):
                try:
                    ids.append(self._insert(db, user, content, "import").id)
                except InputError as exc:
                    raise InputError(f"item {n} ('{content['title']}'): {exc}") from None
        self.accounts.audit(user, "template.import", source, ids=ids, count=len(ids))
        return ids

    def record_hit(self, template_id: int) -> None:
        """Count a use in the chat and remember when."""
        with self._factory() as db, db.begin():
            row = self._row(db, template_id)
            row.hits = (row.hits or 0) + 1
            row.last_used = _now()

    # -- history -------------------------------------------------------------------------

    def diff(self, template_id: int, old: int, new: int) -> str:
        """A unified diff between two saved versions (title, triggers, tags, body).

        Raises:
            InputError: unknown template or version.
        """
        with self._factory() as db:
            self._row(db, template_id)
            a, b = (self._version_text(db, template_id, v) for v in (old, new))
        lines = difflib.unified_diff(
            a.splitlines(), b.splitlines(), f"第{old}版", f"第{new}版", lineterm=""
        )
        return "\n".join(lines)

    @staticmethod
    def _version_text(db: Session, template_id: int, version: int) -> str:
        row = db.scalar(
            select(TemplateVersionRow)
            .where(
                TemplateVersionRow.template_id == template_id,
                TemplateVersionRow.version == version,
            )
            .order_by(TemplateVersionRow.id)
            .limit(1)
        )
        if row is None:
            raise InputError(f"template {template_id} has no version {version}")
        return "\n".join(
            [
                f"标题：{row.title}",
                *(f"问法：{t}" for t in row.triggers),
                f"项目：{'、'.join(row.programs)}",
                f"引用：{'、'.join(row.articles)}",
                "",
                row.body,
            ]
        )

    def recent_answers(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest chat answers (not refused), newest first, to save as drafts."""
        with self._factory() as db:
            rows = db.scalars(
                select(ChatMessage).order_by(ChatMessage.id.desc()).limit(limit * 3)
            ).all()
        out = [
            {
                "message_id": r.id,
                "question": r.question,
                "answer": str(r.answer.get("answer", "")),
                "programs": list(r.answer.get("programs") or []),
                "articles": _kb_articles(r.answer.get("citations") or []),
                "created": r.created.isoformat(timespec="seconds"),
            }
            for r in rows
            if isinstance(r.answer, dict) and not r.answer.get("refused")
        ]
        return out[:limit]

    def draft_from_answer(self, user: User, message_id: int, title: str = "") -> dict[str, Any]:
        """A new draft from a chat answer: question → trigger, answer → body,
        knowledge citations → articles, programs → tags.

        Raises:
            InputError: unknown or refused message.
        """
        found = next((m for m in self.recent_answers(200) if m["message_id"] == message_id), None)
        if found is None:
            raise InputError(f"no recent chat answer with id {message_id}")
        body = found["answer"].replace("{", "｛").replace("}", "｝")  # no accidental placeholders
        data = {
            "title": title.strip() or found["question"][:60],
            "triggers": [found["question"]],
            "body": body,
            "programs": found["programs"],
            "articles": [a for a in found["articles"] if self._known_article(a)],
        }
        return self.create(user, data, action="create")

    def _known_article(self, article_id: str) -> bool:
        try:
            self.knowledge.article(article_id)
        except KeyError:
            return False
        return True


def _kb_articles(citations: list[dict[str, Any]]) -> list[str]:
    """Knowledge article ids of an answer's citations (``kb-<id>`` or ``kb-<id>#n``)."""
    out = []
    for c in citations:
        source = str(c.get("source_id") or "")
        if source.startswith("kb-"):
            out.append(source.removeprefix("kb-").split("#")[0])
    return list(dict.fromkeys(out))


def _version(row: TemplateRow, user: User, action: str) -> TemplateVersionRow:
    return TemplateVersionRow(
        template_id=row.id,
        version=row.version,
        author=user.name,
        action=action,
        status=row.status,
        title=row.title,
        triggers=list(row.triggers),
        body=row.body,
        programs=list(row.programs),
        articles=list(row.articles),
    )


def _target(row: TemplateRow) -> str:
    return f"template:{row.id} {row.title}"


def _check_editor(user: User) -> None:
    if user.role not in EDITORS:
        raise ForbiddenError(f"the role '{user.role}' may not change answer templates")
