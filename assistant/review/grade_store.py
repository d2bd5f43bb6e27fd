"""Grades and promotions in the database, next to the chat messages they judge.

Two tables on the shared :class:`assistant.store.db.Base`:

- ``review_grades``: one row per (message, evaluator); grading again replaces the row (the
  unique constraint makes "one grade per evaluator" hold even under concurrent requests) and
  the caller audits the replacement with the old values;
- ``review_promotions``: which message became which gold item, and by whom (the gold file is
  the source of truth for the item; this row only counts and traces promotions).

Reads return frozen dataclasses, so nothing outside holds an ORM object or a DB session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from assistant.errors import InputError
from assistant.review.grades import GRADE_TEXT, GRADES
from assistant.store.db import Base, ChatMessage, FeedbackRow, _now, ensure_schema

MAX_COMMENT = 2000
# The queue reads at most this many of the newest answers: enough for months of traffic,
# and a bound on the work of one page load.
MAX_ANSWERS = 5000


class GradeRow(Base):
    """An evaluator's grade of one logged answer."""

    __tablename__ = "review_grades"
    __table_args__ = (UniqueConstraint("message_id", "evaluator", name="uq_review_grade"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id"), index=True)
    evaluator: Mapped[str] = mapped_column(String(64), index=True)
    answer_grade: Mapped[str] = mapped_column(String(16))
    citation_grade: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class PromotionRow(Base):
    """A logged answer promoted (corrected) into the gold answer set."""

    __tablename__ = "review_promotions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("chat_messages.id"), index=True)
    evaluator: Mapped[str] = mapped_column(String(64))
    question: Mapped[str] = mapped_column(Text)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


@dataclass(frozen=True)
class LoggedAnswer:
    """A chat turn as the console sees it, with the users' feedback on it."""

    id: int
    session_id: str
    created: dt.datetime
    question: str
    answer: dict[str, Any]
    negative: int = 0
    positive: int = 0
    comments: tuple[tuple[bool, str], ...] = ()  # (useful, comment) of each commented verdict

    @property
    def programs(self) -> tuple[str, ...]:
        """The programs the answer is about (see :func:`answer_programs`)."""
        return answer_programs(self.answer)


@dataclass(frozen=True)
class Grade:
    """One evaluator's grade, with what the dashboard needs of the answer."""

    message_id: int
    evaluator: str
    answer_grade: str
    citation_grade: str
    comment: str
    graded: dt.datetime
    answered: dt.datetime
    programs: tuple[str, ...]


def answer_programs(answer: dict[str, Any]) -> tuple[str, ...]:
    """The programs of an answer: its ``programs`` list, then the program of its assessment
    (a dict, or a list of them when several programs were assessed).

    >>> answer_programs({"programs": ["hnte"], "assessment": {"program": "tech_sme"}})
    ('hnte', 'tech_sme')
    >>> answer_programs({"programs": [], "assessment": None})
    ()
    """
    found = [str(p) for p in answer.get("programs") or []]
    assessment = answer.get("assessment")
    parts = assessment if isinstance(assessment, list) else [assessment]
    found += [str(a["program"]) for a in parts if isinstance(a, dict) and a.get("program")]
    return tuple(dict.fromkeys(found))


def check_grade(value: str, field: str) -> str:
    """A grade value, or a clear error naming the field and the accepted values."""
    if value not in GRADES:
        accepted = "、".join(f"{g}（{GRADE_TEXT[g]}）" for g in GRADES)
        raise InputError(f"{field}：请选择 {accepted} 之一")
    return value


class ReviewStore:
    """Logged answers, grades and promotions (same database as the chat sessions)."""

    def __init__(self, engine: Engine) -> None:
        """Use an engine made by :func:`assistant.store.db.make_engine`."""
        ensure_schema(engine)  # the review tables are registered after the engine was made
        self._factory = sessionmaker(engine, expire_on_commit=False)

    def answers(self, limit: int = MAX_ANSWERS) -> list[LoggedAnswer]:
        """The newest logged answers (oldest first) with their feedback counts and comments."""
        with self._factory() as db:
            messages = list(
                db.scalars(select(ChatMessage).order_by(ChatMessage.id.desc()).limit(limit))
            )
            ids = [m.id for m in messages]
            feedback: dict[int, list[FeedbackRow]] = {}
            if ids:
                rows = db.scalars(
                    select(FeedbackRow)
                    .where(FeedbackRow.message_id.in_(ids))
                    .order_by(FeedbackRow.id)
                )
                for row in rows:
                    feedback.setdefault(row.message_id, []).append(row)
        return [_logged(m, feedback.get(m.id, [])) for m in reversed(messages)]

    def answer(self, message_id: int) -> LoggedAnswer | None:
        """One logged answer with its feedback (None when there is no such message)."""
        with self._factory() as db:
            message = db.get(ChatMessage, message_id)
            if message is None:
                return None
            rows = list(
                db.scalars(
                    select(FeedbackRow)
                    .where(FeedbackRow.message_id == message_id)
                    .order_by(FeedbackRow.id)
                )
            )
            return _logged(message, rows)

    def graded_by(self, evaluator: str) -> set[int]:
        """The ids of the messages this evaluator has graded."""
        with self._factory() as db:
            rows = db.scalars(select(GradeRow.message_id).where(GradeRow.evaluator == evaluator))
            return set(rows)

    def grade_of(self, message_id: int, evaluator: str) -> dict[str, str] | None:
        """The evaluator's current grade of a message (None when not graded)."""
        with self._factory() as db:
            row = db.scalar(
                select(GradeRow).where(
                    GradeRow.message_id == message_id, GradeRow.evaluator == evaluator
                )
            )
            if row is None:
                return None
            return {
                "answer_grade": row.answer_grade,
                "citation_grade": row.citation_grade,
                "comment": row.comment,
            }

    def save_grade(
        self,
        message_id: int,
        evaluator: str,
        answer_grade: str,
        citation_grade: str,
        comment: str = "",
    ) -> dict[str, str] | None:
        """Store the evaluator's grade of a message, replacing their earlier one.

        Returns:
            The replaced grade (answer, citation, comment) so the caller can audit the
            change, or None for a first grade.

        Raises:
            InputError: unknown message, a grade outside the scale, a comment too long.
        """
        check_grade(answer_grade, "回答评分")
        check_grade(citation_grade, "引用评分")
        if len(comment) > MAX_COMMENT:
            raise InputError(f"评语：请控制在 {MAX_COMMENT} 字以内")
        with self._factory() as db, db.begin():
            if db.get(ChatMessage, message_id) is None:
                raise InputError(f"消息 #{message_id} 不存在")
            row = db.scalar(
                select(GradeRow).where(
                    GradeRow.message_id == message_id, GradeRow.evaluator == evaluator
                )
            )
            previous = None
            if row is None:
                row = GradeRow(message_id=message_id, evaluator=evaluator)
                db.add(row)
            else:
                previous = {
                    "answer_grade": row.answer_grade,
                    "citation_grade": row.citation_grade,
                    "comment": row.comment,
                }
            row.answer_grade, row.citation_grade = answer_grade, citation_grade
            row.comment, row.updated = comment.strip(), _now()
            return previous

    def grades(self) -> list[Grade]:
        """Every grade with its answer's date and programs, in grading order."""
        with self._factory() as db:
            rows = db.execute(
                select(GradeRow, ChatMessage)
                .join(ChatMessage, GradeRow.message_id == ChatMessage.id)
                .order_by(GradeRow.created, GradeRow.id)
            )
            return [
                Grade(
                    message_id=g.message_id,
                    evaluator=g.evaluator,
                    answer_grade=g.answer_grade,
                    citation_grade=g.citation_grade,
                    comment=g.comment,
                    graded=g.updated,
                    answered=m.created,
                    programs=answer_programs(m.answer or {}),
                )
                for g, m in rows
            ]

    def record_promotion(self, message_id: int, evaluator: str, question: str) -> None:
        """Trace a promotion (the item itself lives in the gold file)."""
        with self._factory() as db, db.begin():
            db.add(PromotionRow(message_id=message_id, evaluator=evaluator, question=question))

    def promoted_questions(self) -> set[str]:
        """The questions recorded as promoted."""
        with self._factory() as db:
            return set(db.scalars(select(PromotionRow.question)))

    def promotion_count(self) -> int:
        """How many answers have been promoted into the gold set."""
        with self._factory() as db:
            return int(db.scalar(select(func.count(PromotionRow.id))) or 0)


def _logged(message: ChatMessage, feedback: list[FeedbackRow]) -> LoggedAnswer:
    return LoggedAnswer(
        id=message.id,
        session_id=message.session_id,
        created=message.created,
        question=message.question,
        answer=dict(message.answer or {}),
        negative=sum(1 for f in feedback if not f.useful),
        positive=sum(1 for f in feedback if f.useful),
        comments=tuple((f.useful, f.comment) for f in feedback if f.comment),
    )
