"""The JSON web API (contract: ``/api/*``), a FastAPI app.

Errors are 4xx with ``{"error": {"code", "message"}}``, never a 500 for bad input; body
limits, identity checks and rates come first (:mod:`assistant.web.guard`). The knowledge base is
loaded once; the search stack (embedding model, vector store) is built lazily on first use
so that ``/api/check`` answers while the index is still being built.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Literal

from fastapi import FastAPI, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from assistant.config import Settings
from assistant.core.assessment import assess, checklist
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.core.profile import validate_profile
from assistant.errors import (
    AssistantError,
    AuthError,
    ForbiddenError,
    InputError,
    storage_error,
)
from assistant.search.readers import SUPPORTED, SUPPORTED_TEXT
from assistant.web.guard import JSON_LIMIT
from assistant.web.health import IndexState, knowledge_version, rules_versions, with_index_state

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from assistant.chat.assistant import ChatAssistant
    from assistant.factory import SearchStack
    from assistant.review.console import ReviewConsole
    from assistant.store.accounts import AccountStore, User

MAX_BODY_BYTES = JSON_LIMIT
ROW_ID_MAX = 2**63 - 1
"""Largest database id (SQLite and PostgreSQL bigint): a bigger number in a request is bad
input, not a driver overflow."""


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
        self.index = IndexState()
        self.knowledge_version = knowledge_version(settings.knowledge_dir)

    @property
    def index_status(self) -> str:
        """The index state as one line of Chinese (the staff page, ``/api/health``'s ``index``)."""
        snap = self.index.snapshot()
        return self.index.summary if snap.state == "ready" and self.index.summary else snap.text()

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

    def engine(self) -> Engine:
        """The database engine every store of the app shares."""
        with self._lock:
            return self._engine_locked()

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
        self.index.start()
        try:
            stack = self.search()
            # A new embedder starts an empty index: uploads come over from the old one.
            if stack.store.count() == 0:
                stack.indexer.adopt_uploads(stack.store.siblings())
            results = stack.indexer.index_knowledge(self.knowledge, self.index.progress)
        except AssistantError as exc:
            self.index.fail(str(exc))
            raise
        except Exception as exc:  # a broken index must show in health, not only in a log
            self.index.fail(f"{type(exc).__name__}: {exc}")
            raise
        changed = sum(1 for r in results if r.status != "unchanged")
        self.index.finish(len(results), f"就绪（{len(results)} 篇，更新 {changed} 篇）")


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
    from assistant.web import guard

    guard.install(api, services)

    @api.get("/api/health", response_model=None)
    def health(require: Literal["ready"] | None = None) -> Any:
        snap = services.index.snapshot()
        body = {
            "status": "ok",
            "programs": len(services.knowledge.programs),
            "index": services.index_status,
            "index_state": snap.as_json(),
            "ready": snap.ready,
            "versions": {
                "knowledge": services.knowledge_version,
                "rules": rules_versions(services.knowledge, dt.date.today()),
            },
        }
        if require == "ready" and not snap.ready:
            return JSONResponse(body, status_code=503)
        return body

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
    from assistant.web.screen_api import install_screen_routes
    from assistant.web.templates_api import install_template_routes

    install_template_routes(api, services)
    install_review_routes(api, services)
    install_screen_routes(api, services)

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
            "article_title": m.get("article_title") or None,
            "type": m.get("doc_type"),
            "program": m.get("program"),
            "source": m.get("source"),
            "effective": m.get("effective") or None,
            "expires": m.get("expires") or None,
            "indexed": m.get("indexed") or None,
            "chunks": counts.get(d, 0),
        }
        for d, m in sorted(services.search().store.documents().items())
    ]


def upload_name(filename: str) -> str:
    """The bare, printable file name an upload is saved under.

    Raises:
        InputError: no usable name or an unsupported type.
    """
    # A bare file name without control characters: nothing can escape the folder or
    # forge lines in a listing or a log.
    name = Path((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if not name or name.startswith(".") or Path(name).suffix.lower() not in SUPPORTED:
        raise InputError(f"文件 '{name}'：不支持此类型；请上传 {SUPPORTED_TEXT} 文件")
    return name


def ingest_upload(
    services: Services,
    user: User,
    filename: str,
    data: bytes | BinaryIO,
    on_read: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Save an uploaded file under data/uploads (bare file name only) and ingest it.

    ``on_read`` hears each page read (a scan's OCR takes seconds per page).

    The file is written to a temporary name, flushed to disk and renamed, so a crash never
    leaves a half-written original; a stream is copied in pieces, never held whole.

    Raises:
        InputError: an unsupported, over-sized or unreadable file.
    """
    name = upload_name(filename)
    limit = int(services.settings.max_file_mb * 2**20)
    folder = services.settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    new = not target.exists()
    try:
        if not save_atomically(stream, target, limit):
            raise InputError(
                f"文件 '{name}' 超过 {services.settings.max_file_mb:g} MiB；请压缩或拆分后再上传"
            )
    except OSError as exc:
        raise storage_error(exc, f"文件 '{name}' 保存") or exc from exc
    try:
        [result] = services.search().indexer.ingest_files([target], on_read=on_read)
    except AssistantError:
        # Not acknowledged, so not kept: a backup or a restart would otherwise index an
        # original nobody was told about. A replaced original stays (its old version is
        # still in the index until the upload is repeated).
        if new:
            target.unlink(missing_ok=True)
        raise
    services.accounts().audit(user, "document.ingest", name, status=result.status)
    if result.status == "failed":
        raise InputError(result.message)
    return dict(result.__dict__)


def save_atomically(stream: BinaryIO, target: Path, limit: int) -> bool:
    """Copy ``stream`` to ``target`` through a temporary file, fsync and rename (False, and
    nothing written, when it is over ``limit`` bytes)."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while piece := stream.read(1 << 20):
                size += len(piece)
                if size > limit:
                    return False
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def _install_chat_routes(api: FastAPI, services: Services) -> None:
    """Routes of the chat: a turn and feedback on the latest answer."""

    @api.post("/api/ask")
    def ask(req: AskRequest, request: Request) -> dict[str, Any]:
        result = services.chat().ask(
            req.question, session_id=req.session_id, profile=req.profile, as_of=req.as_of
        )
        result = with_index_state(result, services.index.snapshot())
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
    def upload(request: Request, file: UploadFile) -> dict[str, Any]:
        user = require(services, request, "staff", "admin")
        # The multipart parser has spooled the file to disk; it is copied in pieces. A plain
        # (sync) route runs in FastAPI's thread pool, so reading a scan (OCR, seconds per
        # page) never holds up the event loop.
        return ingest_upload(services, user, file.filename or "", file.file)

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

    @api.post("/api/users/{name}/unlock")
    def unlock(request: Request, name: str) -> dict[str, Any]:
        admin = require(services, request, "admin")
        services.accounts().unlock(admin, name)
        return {"name": name, "unlocked": True}

    @api.get("/api/audit", response_model=None)
    def audit(
        request: Request, limit: int = Query(200, ge=1, le=100_000), format: str = "json"
    ) -> Any:
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

    @api.exception_handler(OSError)
    async def disk_error(_: Request, exc: OSError) -> JSONResponse:
        error = storage_error(exc, "保存")
        if error is None:
            raise exc  # not a full disk: a bug, answered 500
        return _error(503, error.code, str(error))

    from sqlalchemy.exc import OperationalError

    @api.exception_handler(OperationalError)
    async def storage_error(_: Request, exc: OperationalError) -> JSONResponse:
        # The database is busy past its timeout, read-only or on a full disk: nothing was
        # written (the transaction rolled back), and the client may retry.
        reason = str(exc.orig) if exc.orig is not None else type(exc).__name__
        return _error(503, "storage_unavailable", f"数据库暂时无法写入（{reason}），请稍后再试")

    @api.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p != "body")
            parts.append(f"field '{where or 'body'}': {err.get('msg')}")
        return _error(400, "bad_input", "; ".join(parts) or "invalid request body")
