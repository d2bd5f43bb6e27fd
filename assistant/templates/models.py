"""The template tables, on :class:`assistant.store.db.Base` (created by ``ensure_schema``).

A template row holds the current content; every save also writes a version row, so the
history (who, when, what) and diffs between any two versions stay available after edits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assistant.store.db import Base, _now

STATUSES: tuple[str, ...] = ("draft", "approved", "retired")
STATUS_TEXT = {"draft": "草稿", "approved": "已审核", "retired": "已停用", "stale": "需复核"}


class TemplateRow(Base):
    """An answer template: its current content, status, approval basis and hit counts."""

    __tablename__ = "answer_templates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    triggers: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text)
    programs: Mapped[list[str]] = mapped_column(JSON, default=list)
    articles: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # What the approval rested on: {"day": ..., "articles": {id: fp}, "programs": {id: label}}.
    basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    last_used: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class TemplateVersionRow(Base):
    """One saved version of a template (content, status and who saved it when)."""

    __tablename__ = "answer_template_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("answer_templates.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    action: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    triggers: Mapped[list[str]] = mapped_column(JSON, default=list)
    body: Mapped[str] = mapped_column(Text)
    programs: Mapped[list[str]] = mapped_column(JSON, default=list)
    articles: Mapped[list[str]] = mapped_column(JSON, default=list)
