"""The JSON web API (contract: ``/api/*``), a FastAPI app.

Errors are 4xx with ``{"error": {"code", "message"}}``, never a 500 for bad input; request
bodies over :data:`MAX_BODY_BYTES` are refused before they are read. The knowledge base is
loaded once; the search stack (embedding model, vector store) is built lazily on first use
so that ``/api/check`` answers while the index is still being built.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from assistant.config import Settings
from assistant.core.assessment import assess, checklist
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.core.profile import validate_profile
from assistant.errors import AssistantError, AuthError, ForbiddenError, InputError
from assistant.search.readers import SUPPORTED

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.chat.assistant import ChatAssistant
    from assistant.factory import SearchStack
    from assistant.review.console import ReviewConsole
    from assistant.store.accounts import AccountStore, User

MAX_BODY_BYTES = 1_000_000


class Services:
    """What the API and the UI share: knowledge now, the search stack when first needed."""

    def __init__(self, settings: Settings, knowledge: Knowledge | None = None) -> None:
        """Load the knowledge base (fast); the search stack waits for first use."""
        self.settings = settings
        self.knowledge = knowledge or load_knowledge(settings.knowledge_dir)
        self._search: SearchStack | None = None
        self._chat: ChatAssistant | None = None
        self._accounts: AccountStore | None = None
        self._review: ReviewConsole | None = None
        self._engine: Engine | None = None
        self._lock = threading.Lock()
        self._index_lock = threading.Lock()
        self.index_status = "未开始"

    def search(self) -> SearchStack:
        """The search stack (built once, thread-safely)."""
        with self._lock:
            if self._search is None:
                from assistant.factory import build_search

                self._search = build_search(self.settings, knowledge=self.knowledge)
            return self._search

    def _engine_locked(self) -> Engine:
        """The one database engine every store shares (call with ``self._lock`` held)."""
        if self._engine is None:
            from assistant.store.db import make_engine

            self._engine = make_engine(self.settings)
        return self._engine

    def accounts(self) -> AccountStore:
        """Users, tokens and the audit log (same database as the sessions)."""
        with self._lock:  # built once: concurrent first requests must not race on the schema
            if self._accounts is None:
                from assistant.store.accounts import AccountStore

                self._accounts = AccountStore(self._engine_locked())
            return self._accounts

    def review(self) -> ReviewConsole:
        """The evaluators' review console (same database)."""
        with self._lock:
            if self._review is None:
                from assistant.review.console import ReviewConsole
                from assistant.review.store import ReviewStore

                self._review = ReviewConsole(self, ReviewStore(self._engine_locked()))
            return self._review

    def chat(self) -> ChatAssistant:
        """The chat assistant (built once, over the search stack)."""
        stack = self.search()
        with self._lock:  # built once: concurrent first requests must not race on the schema
            if self._chat is None:
                from assistant.factory import build_chat

                self._chat = build_chat(self.settings, stack, self._engine_locked())
            return self._chat

    def index_knowledge(self) -> None:
        """Bring the index in line with knowledge/ (run in a background thread).

        Raises:
            InputError: an indexing run is already going on.
        """
        if not self._index_lock.acquire(blocking=False):
            raise InputError("索引正在进行中，请稍后再试")
        try:
            self._index_knowledge()
        finally:
            self._index_lock.release()

    @property
    def indexing(self) -> bool:
        """Whether an indexing run is going on now."""
        return self._index_lock.locked()

    def _index_knowledge(self) -> None:
        from assistant.store.index_lock import IndexLock

        with self._lock:  # the lease is in the database: one indexer across all processes
            lease = IndexLock(self._engine_locked())
        with lease.held():
            self._index_knowledge_leased()

    def _index_knowledge_leased(self) -> None:
        self.index_status = "索引中"
        stack = self.search()

        def progress(done: int, total: int) -> None:
            self.index_status = f"索引中 {done}/{total}"

        # A new embedder starts an empty index: uploads come over from the old one.
        if stack.store.count() == 0:
            stack.indexer.adopt_uploads(stack.store.siblings())
        results = stack.indexer.index_knowledge(self.knowledge, progress)
        changed = sum(1 for r in results if r.status != "unchanged")
        self.index_status = f"就绪（{len(results)} 篇，更新 {changed} 篇）"


class CheckRequest(BaseModel):
    """``POST /api/check``."""

    program: str = Field(description="a program id, or 'all'")
    profile: dict[str, Any]
    as_of: dt.date | None = None


class ChecklistRequest(BaseModel):
    """``POST /api/checklist``."""

    program: str
    profile: dict[str, Any]
    as_of: dt.date | None = None
    format: Literal["json", "md", "xlsx", "docx"] = "json"


class AskRequest(BaseModel):
    """``POST /api/ask``."""

    question: str = Field(max_length=100_000)
    session_id: str | None = None
    profile: dict[str, Any] | None = None
    as_of: dt.date | None = None


class FeedbackRequest(BaseModel):
    """``POST /api/feedback``: a verdict on the session's latest answer."""

    session_id: str
    useful: bool
    comment: str = Field(default="", max_length=2000)


class MatchRequest(BaseModel):
    """``POST /api/match``."""

    profile: dict[str, Any]
    as_of: dt.date | None = None


class SearchRequest(BaseModel):
    """``POST /api/search`` (debugging retrieval)."""

    question: str
    program: str | None = None
    k: int = Field(default=5, ge=1, le=50)


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_api(services: Services) -> FastAPI:
    """The FastAPI app with the contract's routes (OpenAPI docs at ``/docs``)."""
    api = FastAPI(title="申报助手 API", version="0.1.0")
    _install_errors(api)
    _install_size_limit(api)

    @api.get("/api/health")
    def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "programs": len(services.knowledge.programs),
            "index": services.index_status,
        }

    @api.get("/api/programs")
    def programs(as_of: dt.date | None = None) -> list[dict[str, Any]]:
        day = as_of or dt.date.today()
        out = []
        for p in services.knowledge.programs.values():
            doc = services.knowledge.rules_document(p.id, day)
            out.append(
                {
                    "id": p.id,
                    "name": p.name,
                    "issuer": p.issuer,
                    "level": p.level,
                    "region": p.region,
                    "rules_version": doc.label(),
                    "effective": doc.starts.isoformat(),
                    "confidence": doc.confidence,
                }
            )
        return out

    @api.post("/api/check")
    def check(req: CheckRequest) -> Any:
        profile = validate_profile(req.profile)
        day = req.as_of or dt.date.today()
        if req.program == "all":
            return [assess(services.knowledge, p, profile, day) for p in services.knowledge.rules]
        return assess(services.knowledge, req.program, profile, day)

    @api.post("/api/checklist", response_model=None)
    def checklist_route(req: ChecklistRequest) -> Any:
        profile = validate_profile(req.profile)
        result = checklist(services.knowledge, req.program, profile, req.as_of or dt.date.today())
        return _checklist_response(result, req.format)

    _install_chat_routes(api, services)

    @api.post("/api/match")
    def match_route(req: MatchRequest) -> dict[str, Any]:
        from assistant.core.matching import match

        profile = validate_profile(req.profile)
        return match(services.knowledge, profile, req.as_of or dt.date.today())

    _install_staff_routes(api, services)
    # Imported here: those modules import ``require`` from this one.
    from assistant.web.review_api import install_review_routes
    from assistant.web.templates_api import install_template_routes

    install_template_routes(api, services)
    install_review_routes(api, services)

    @api.post("/api/search")
    def search(req: SearchRequest) -> dict[str, Any]:
        passages = services.search().retriever.search(req.question, req.k, program=req.program)
        return {
            "question": req.question,
            "passages": [
                {**p.citation(), "program": p.program, "score": p.score} for p in passages
            ],
        }

    return api


def require(services: Services, request: Request, *roles: str) -> User:
    """The account behind the request's bearer token, if its role is one of ``roles``.

    Raises:
        AuthError: no token or an unknown one (401).
        ForbiddenError: a valid token whose role may not do this (403).
    """
    user = _bearer_user(services, request)
    if user is None:
        raise AuthError(
            "log in: send 'Authorization: Bearer <token>' (python -m assistant users token NAME)"
        )
    if user.role not in roles:
        raise ForbiddenError(f"the role '{user.role}' may not do this; needs {' or '.join(roles)}")
    return user


def _is_staff(services: Services, request: Request) -> bool:
    """Whether the request carries a staff or admin bearer token or web login."""
    from assistant.web.auth import session_user

    user = _bearer_user(services, request) or session_user(services, dict(request.cookies))
    return user is not None and user.role in ("staff", "admin")


def _bearer_user(services: Services, request: Request) -> User | None:
    """The account of the request's ``Authorization: Bearer`` token (None without one)."""
    header = request.headers.get("authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    return services.accounts().user_for_token(token) if token else None


def document_list(services: Services) -> list[dict[str, Any]]:
    """Every indexed document with its chunk count."""
    counts: dict[str, int] = {}
    for chunk in services.search().retriever.keyword_index().chunks:
        doc = str(chunk.metadata.get("doc_id", ""))
        counts[doc] = counts.get(doc, 0) + 1
    return [
        {
            "doc_id": d,
            "title": m.get("title"),
            "type": m.get("doc_type"),
            "program": m.get("program"),
            "source": m.get("source"),
            "effective": m.get("effective") or None,
            "indexed": m.get("indexed") or None,
            "chunks": counts.get(d, 0),
        }
        for d, m in sorted(services.search().store.documents().items())
    ]


def ingest_upload(services: Services, user: User, filename: str, data: bytes) -> dict[str, Any]:
    """Save an uploaded file under data/uploads (bare file name only) and ingest it.

    Raises:
        InputError: an unsupported, over-sized or unreadable file.
    """
    name = Path(filename or "").name  # a bare file name: nothing can escape the folder
    if not name or name.startswith(".") or Path(name).suffix.lower() not in SUPPORTED:
        raise InputError(f"file '{name}': upload a .md, .txt, .pdf or .docx file")
    limit = services.settings.max_file_mb * 2**20
    if len(data) > limit:
        raise InputError(f"file '{name}' is over {services.settings.max_file_mb:g} MiB")
    folder = services.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_bytes(data)
    [result] = services.search().indexer.ingest_files([target])
    services.accounts().audit(user, "document.ingest", name, status=result.status)
    if result.status == "failed":
        raise InputError(result.message)
    return dict(result.__dict__)


def _install_chat_routes(api: FastAPI, services: Services) -> None:
    """Routes of the chat: a turn and feedback on the latest answer."""

    @api.post("/api/ask")
    def ask(req: AskRequest, request: Request) -> dict[str, Any]:
        result = services.chat().ask(
            req.question, session_id=req.session_id, profile=req.profile, as_of=req.as_of
        )
        if not _is_staff(services, request):
            # Suggestions name draft and stale templates: for staff, not for the public.
            result = {**result, "template_suggestions": []}
        return result

    @api.post("/api/feedback")
    def feedback(req: FeedbackRequest) -> dict[str, Any]:
        sessions = services.chat().sessions
        if sessions is None:
            raise InputError("sessions are not stored; feedback cannot be kept")
        return {"message_id": sessions.add_feedback(req.session_id, req.useful, req.comment)}


def _install_staff_routes(api: FastAPI, services: Services) -> None:
    """Routes for staff and admins (documents, re-index) and admins (audit log)."""

    @api.get("/api/documents")
    def documents(request: Request) -> list[dict[str, Any]]:
        require(services, request, "staff", "admin")
        return document_list(services)

    @api.post("/api/documents")
    async def upload(request: Request, file: UploadFile) -> dict[str, Any]:
        user = require(services, request, "staff", "admin")
        data = await file.read(int(services.settings.max_file_mb * 2**20) + 1)
        return ingest_upload(services, user, file.filename or "", data)

    @api.delete("/api/documents/{doc_id}", response_model=None)
    def remove(request: Request, doc_id: str) -> Any:
        user = require(services, request, "staff", "admin")
        [result] = services.search().indexer.remove([doc_id])
        services.accounts().audit(user, "document.remove", doc_id, status=result.status)
        if result.status == "not_found":
            return _error(404, "not_found", result.message)
        return result.__dict__

    @api.post("/api/reindex")
    def reindex(request: Request) -> dict[str, Any]:
        user = require(services, request, "staff", "admin")
        services.index_knowledge()
        services.accounts().audit(user, "knowledge.reindex", "knowledge/")
        return {"index": services.index_status}

    @api.get("/api/audit", response_model=None)
    def audit(request: Request, limit: int = 200, format: str = "json") -> Any:
        require(services, request, "admin")
        if format == "csv":
            return PlainTextResponse(services.accounts().audit_csv(limit), media_type="text/csv")
        return services.accounts().audit_log(limit)


def _checklist_response(result: dict[str, Any], fmt: str) -> Response | dict[str, Any]:
    from assistant import export

    if fmt == "json":
        return result
    if fmt == "md":
        return PlainTextResponse(export.to_markdown(result), media_type="text/markdown")
    folder = Path(tempfile.mkdtemp(prefix="checklist-"))
    name = f"{result['program']}-checklist.{fmt}"
    path = (export.to_xlsx if fmt == "xlsx" else export.to_docx)(result, folder / name)
    media = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }[fmt]

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    return FileResponse(path, media_type=media, filename=name, background=BackgroundTask(cleanup))


def _install_errors(api: FastAPI) -> None:
    @api.exception_handler(AssistantError)
    async def assistant_error(_: Request, exc: AssistantError) -> JSONResponse:
        status = 400 if isinstance(exc, InputError) else 503
        if isinstance(exc, AuthError):
            status = 403 if isinstance(exc, ForbiddenError) else 401
        return _error(status, exc.code, str(exc))

    @api.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"field '{where or 'body'}': {err.get('msg')}")
        return _error(400, "bad_input", "; ".join(parts) or "invalid request body")


def _install_size_limit(api: FastAPI) -> None:
    @api.middleware("http")
    async def limit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length") or "0"
        size = int(length) if length.isdigit() else MAX_BODY_BYTES + 1
        if request.url.path.startswith("/api/") and size > MAX_BODY_BYTES:
            return _error(413, "too_large", f"request body over {MAX_BODY_BYTES} bytes")
        return await call_next(request)
