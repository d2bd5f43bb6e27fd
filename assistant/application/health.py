"""The index's state as data (``/api/health``'s ``index_state`` and ``ready``) and the notice
an answer carries while the knowledge base is still being indexed.

A load balancer or a client reads ``ready`` and ``index_state`` instead of parsing Chinese
text; a user reads the notice on the answer itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.core.knowledge import Knowledge
from assistant.core.results import Answer, IndexStateJSON, ServedAnswer

State = Literal["idle", "indexing", "ready", "error"]
_SHOWN: dict[State, Literal["indexing", "ready", "error"]] = {
    "idle": "indexing",
    "indexing": "indexing",
    "ready": "ready",
    "error": "error",
}
"""The state an answer reports: ``idle`` is ``indexing`` (not yet usable, about to start)."""


@dataclass(frozen=True)
class IndexSnapshot:
    """One consistent reading of the index state."""

    state: State
    done: int
    total: int
    error: str | None
    ready: bool

    def as_json(self) -> IndexStateJSON:
        """The contract's ``index_state`` (``idle`` is reported as ``indexing``: not yet usable,
        about to start)."""
        return {
            "state": _SHOWN[self.state],
            "done": self.done,
            "total": self.total,
            "error": self.error,
        }

    def notice(self) -> str | None:
        """The notice for an answer given now (None when the index is complete)."""
        if self.state in ("idle", "indexing"):
            progress = f"（{self.done}/{self.total}）" if self.total else ""
            return f"知识库正在更新{progress}，回答可能不完整"
        if self.state == "error":
            return f"知识库索引未能完成（{self.error}），回答可能不完整"
        return None

    def text(self) -> str:
        """The one-line Chinese status shown on the staff page (``/api/health``'s ``index``)."""
        if self.state == "idle":
            return "未开始"
        if self.state == "indexing":
            return f"索引中 {self.done}/{self.total}" if self.total else "索引中"
        if self.state == "error":
            return f"索引失败：{self.error}"
        return f"就绪（{self.total} 篇）"


class IndexState:
    """The state of the background indexing run, shared between threads.

    ``ready`` becomes true after the first complete run and stays true while a later
    re-index runs (the previous index is still searchable then).
    """

    def __init__(self) -> None:
        """Not started, not ready."""
        self._lock = threading.Lock()
        self._snap = IndexSnapshot("idle", 0, 0, None, False)
        self.summary = ""

    def snapshot(self) -> IndexSnapshot:
        """The current state."""
        with self._lock:
            return self._snap

    def start(self) -> None:
        """An indexing run begins."""
        with self._lock:
            self._snap = IndexSnapshot("indexing", 0, 0, None, self._snap.ready)

    def progress(self, done: int, total: int) -> None:
        """Chunks embedded so far."""
        with self._lock:
            self._snap = IndexSnapshot("indexing", done, total, None, self._snap.ready)

    def finish(self, documents: int, summary: str) -> None:
        """The run completed: the index is searchable."""
        with self._lock:
            self._snap = IndexSnapshot("ready", documents, documents, None, True)
            self.summary = summary

    def fail(self, error: str) -> None:
        """The run failed; an index that was ready before stays ready."""
        with self._lock:
            snap = self._snap
            self._snap = IndexSnapshot("error", snap.done, snap.total, error, snap.ready)


def with_index_state(answer: Answer, snap: IndexSnapshot) -> ServedAnswer:
    """The answer with ``index_state`` and, while indexing, ``notice`` (also shown above the
    answer text, so every client's user reads it)."""
    notice = snap.notice()
    out: ServedAnswer = {**answer, "index_state": snap.as_json(), "notice": notice}
    if notice:
        out["answer"] = f"> {notice}\n\n{answer['answer']}"
    return out


def knowledge_version(root: Path) -> str:
    """A short digest of every file under ``knowledge/`` (changes whenever any file does)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def rules_versions(knowledge: Knowledge, day: dt.date) -> dict[str, str]:
    """Each program's rule version in force on ``day``."""
    return {p: knowledge.rules_document(p, day).label() for p in knowledge.programs}
