"""The database: SQLAlchemy 2 over SQLite (WAL) in the data directory, or any URL.

``ASSISTANT_DATABASE_URL`` (e.g. ``postgresql+psycopg://…``) overrides the default
``sqlite:///<data_dir>/assistant.db``. Tables are created on first use; the schema version is
recorded so later versions can upgrade in place.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from assistant.config import Settings
from assistant.errors import InputError, StorageError, storage_error

SCHEMA_VERSION = 1
_SCHEMA_LOCK = threading.Lock()
MAX_SESSION_ID = 64


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Meta(Base):
    """Key/value facts about the database itself (schema version)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(256))


class ChatSession(Base):
    """A conversation: the company facts gathered so far and the programs in focus."""

    __tablename__ = "chat_sessions"
    id: Mapped[str] = mapped_column(String(MAX_SESSION_ID), primary_key=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ChatMessage(Base):
    """One turn: the question and the answer JSON."""

    __tablename__ = "chat_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id"), index=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)


class FeedbackRow(Base):
    """A user's verdict on one answer (有用/没用 and a comment)."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id"), index=True)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    useful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")


def database_url(settings: Settings) -> str:
    """The configured URL, or the SQLite file in the data directory."""
    if settings.database_url:
        return settings.database_url
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(settings.data_dir / 'assistant.db').resolve()}"


def make_engine(settings: Settings) -> Engine:
    """An engine with the schema created (SQLite in WAL mode for concurrent readers)."""
    url = database_url(settings)
    engine = create_engine(url, future=True, pool_pre_ping=True)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            cursor = conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")  # as PostgreSQL does
            cursor.execute("PRAGMA journal_mode=WAL")
            # Several threads and worker processes write sessions: a writer waits for the
            # lock rather than fail (5 s was exceeded by 20 users on 2 busy cores).
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    @event.listens_for(engine, "handle_error")
    def _disk_full(context: Any) -> StorageError | None:
        # A full disk is no bug and no busy lock: every caller (API, pages, CLI) gets the
        # same message saying what to do. The transaction has rolled back.
        return storage_error(context.original_exception, "数据库写入")

    ensure_schema(engine)
    return engine


def ensure_schema(engine: Engine) -> None:
    """Create every table registered so far (threads of one process one at a time)."""
    with _SCHEMA_LOCK:
        _create_schema(engine)


def _create_schema(engine: Engine, attempts: int = 5) -> None:
    """Create missing tables and record the schema version. Another process or thread doing
    the same at the same moment is not an error: table creation is retried, and a version
    row recorded by the other one is fine."""
    for attempt in range(attempts):
        try:
            Base.metadata.create_all(engine)
            break
        except (OperationalError, ProgrammingError, IntegrityError):
            if attempt == attempts - 1:
                raise
    try:
        with Session(engine) as db, db.begin():
            if db.get(Meta, "schema_version") is None:
                db.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
    except IntegrityError:
        pass  # recorded by a concurrent start


class SessionStore:
    """Chat sessions and their messages."""

    def __init__(self, engine: Engine) -> None:
        """Use an engine made by :func:`make_engine`."""
        self._factory = sessionmaker(engine, expire_on_commit=False)

    @staticmethod
    def new_id() -> str:
        """A fresh random session id."""
        return uuid.uuid4().hex

    def load(self, session_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The session's facts and state (empty for an unknown id).

        Raises:
            InputError: the id is too long or has characters other than letters, digits,
                '-' and '_'.
        """
        _check_id(session_id)
        with self._factory() as db:
            row = db.get(ChatSession, session_id)
            if row is None:
                return {}, {}
            return dict(row.facts or {}), dict(row.state or {})

    def save_turn(
        self,
        session_id: str,
        question: str,
        answer: Mapping[str, Any],
        facts: dict[str, Any],
        state: dict[str, Any],
    ) -> None:
        """Store a turn and the updated facts and state."""
        _check_id(session_id)
        with self._factory() as db, db.begin():
            row = db.get(ChatSession, session_id)
            if row is None:
                row = ChatSession(id=session_id)
                db.add(row)
                db.flush()  # the session row first: PostgreSQL enforces the foreign key
            row.facts = json.loads(json.dumps(facts, ensure_ascii=False))
            row.state = json.loads(json.dumps(state, ensure_ascii=False))
            row.updated = _now()
            db.add(ChatMessage(session_id=session_id, question=question, answer=answer))

    def add_feedback(self, session_id: str, useful: bool, comment: str = "") -> int:
        """Store feedback on the session's latest answer; returns the message id.

        Raises:
            InputError: unknown session, or a comment over 2,000 characters.
        """
        _check_id(session_id)
        if len(comment) > 2000:
            raise InputError("comment: keep it under 2,000 characters")
        with self._factory() as db, db.begin():
            message = db.scalar(
                select(ChatMessage)
                .where(ChatMessage.session_id == session_id)
                .order_by(ChatMessage.id.desc())
                .limit(1)
            )
            if message is None:
                raise InputError(f"session '{session_id}' has no answer to rate")
            db.add(FeedbackRow(message_id=message.id, useful=useful, comment=comment.strip()))
            return int(message.id)

    def feedback(self, limit: int = 200) -> list[dict[str, Any]]:
        """The latest feedback with its question, newest first."""
        with self._factory() as db:
            rows = db.execute(
                select(FeedbackRow, ChatMessage)
                .join(ChatMessage, FeedbackRow.message_id == ChatMessage.id)
                .order_by(FeedbackRow.id.desc())
                .limit(limit)
            )
            return [
                {
                    "message_id": m.id,
                    "question": m.question,
                    "useful": f.useful,
                    "comment": f.comment,
                    "created": f.created.isoformat(),
                }
                for f, m in rows
            ]

    def history(self, session_id: str) -> list[dict[str, Any]]:
        """The turns of a session, oldest first."""
        _check_id(session_id)
        with self._factory() as db:
            rows = db.scalars(
                select(ChatMessage)
                .where(ChatMessage.session_id == session_id)
                .order_by(ChatMessage.id)
            )
            return [
                {"question": r.question, "answer": r.answer, "created": r.created.isoformat()}
                for r in rows
            ]


def _check_id(session_id: str) -> None:
    if (
        not session_id
        or len(session_id) > MAX_SESSION_ID
        or not all(ch.isalnum() or ch in "-_" for ch in session_id)
    ):
        raise InputError(
            "session id: use 1-64 letters, digits, '-' or '_' (or omit it to start a new session)"
        )
