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
    └── ModelError          the embedding model cannot be built or loaded
"""

from __future__ import annotations


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


class ModelError(AssistantError):
    """The embedding model cannot be built or loaded."""

    code = "model_unavailable"
