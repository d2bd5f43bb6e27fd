"""Errors raised on purpose by the assistant.

Every error a user can cause derives from :class:`AssistantError` and carries a message
that names the file or field at fault and says what to do. Edges (CLI, web API, UI)
turn them into a one-line message or a 4xx JSON body; anything else is a bug.

    AssistantError
    ├── KnowledgeError      knowledge/ is invalid (file, field, fix)
    ├── InputError          bad user input: profile, question, program id, arguments
    │   └── DocumentError   a document that cannot be ingested (corrupt, empty, too big)
    ├── AuthError           no valid login or token (401)
    │   └── ForbiddenError  logged in, but the role may not do this (403)
    ├── RetrievalError      the index or the chroma server cannot be used
    ├── StorageError        the data directory's disk is full (503; retry after freeing space)
    └── ModelError          the embedding model cannot be built or loaded
"""

from __future__ import annotations

import errno
from collections.abc import Iterable


class AssistantError(Exception):
    """Base of every error the assistant raises on purpose.

    Attributes:
        code: A stable machine-readable code, used in ``{"error": {"code": ...}}``.
    """

    code = "error"


class KnowledgeError(AssistantError):
    """The knowledge base is invalid; the message names file, field and fix."""

    code = "invalid_knowledge"


class InputError(AssistantError):
    """Bad input from a user or a caller."""

    code = "bad_input"


class FieldError(InputError):
    """One field of a company profile is invalid.

    The message names the file or row (``source``), the field's path as written in the JSON
    and the reason in Chinese; ``field`` and ``reason`` let a caller (the screening's
    errors sheet, the chat) point at the field without reading the message.
    """

    def __init__(self, source: str, field: str, reason: str) -> None:
        """Build the message from its parts."""
        super().__init__(f"{source}：字段 '{field}' {reason}")
        self.field = field
        self.reason = reason


class UnknownProgramError(InputError):
    """A program id the knowledge base does not have; the message lists the known ones."""

    def __init__(self, program: str, known: Iterable[str]) -> None:
        """Build the message from the id and the known ids."""
        super().__init__(f"未知的项目编号 '{program}'，可用：{'、'.join(known)}")


class DocumentError(InputError):
    """A document cannot be ingested."""

    code = "bad_document"


class AuthError(AssistantError):
    """No valid login or API token."""

    code = "unauthorized"


class ForbiddenError(AuthError):
    """The account's role may not do this."""

    code = "forbidden"


class RetrievalError(AssistantError):
    """The vector index or the chroma server cannot be used."""

    code = "retrieval_unavailable"


class StorageError(AssistantError):
    """The data directory cannot take a write: its disk is full. Nothing was written (the
    database rolled back, files go through a temporary name), so the same request succeeds
    once space is freed."""

    code = "storage_unavailable"


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
# How SQLite (SQLITE_FULL) and chromadb's stores word it when they do not pass an errno on.
DISK_FULL_WORDS = ("no space left", "disk is full", "disk full", "quota exceeded")


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or the error it wraps) says the disk or the quota is full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in DISK_FULL_ERRNOS:
            return True
        if any(word in str(current).lower() for word in DISK_FULL_WORDS):
            return True
        current = current.__cause__ or current.__context__
    return False


def disk_full_message(what: str, detail: str = "No space left on device") -> str:
    """The one message for a full data disk: what failed, that nothing was lost, what to do.

    >>> disk_full_message("文档保存")[:15]
    '文档保存失败：数据目录所在磁盘'
    """
    return (
        f"{what}失败：数据目录所在磁盘已满（{detail}）。"
        "已保存的数据和已建的索引不受影响；请清理磁盘空间或扩容后再试一次"
    )


def storage_error(exc: BaseException, what: str) -> StorageError | None:
    """A :class:`StorageError` for a full disk (None for any other error: bugs stay bugs)."""
    return StorageError(disk_full_message(what)) if disk_full(exc) else None


class ModelError(AssistantError):
    """The embedding model cannot be built or loaded."""

    code = "model_unavailable"
