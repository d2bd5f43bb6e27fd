"""The JSON web API (contract: ``/api/*``), a FastAPI app.

Errors are 4xx with ``{"error": {"code", "message"}}``, never a 500 for bad input; body
limits, identity checks and rates come first (:mod:`assistant.web.guard`). The knowledge base is
loaded once; the search stack (embedding model, vector store) is built lazily on first use
so that ``/api/check`` answers while the index is still being built.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from assistant.application import Application
from assistant.core.results import Checklist
from assistant.errors import (
    AssistantError,
    AuthError,
    ForbiddenError,
    InputError,
    storage_error,
)
from assistant.web.auth import is_staff, require
from assistant.web.guard import JSON_LIMIT
from assistant.web.review_api import install_review_routes
from assistant.web.screen_api import install_screen_routes
from assistant.web.templates_api import install_template_routes

MAX_BODY_BYTES = JSON_LIMIT


class CheckRequest(BaseModel):
    """``POST /api/check``."""

    program: str = Field(description="a program id, or 'all'")
    profile: dict[str, Any]
    as_of: dt.date | None = None


# The alternative bodies these routes send, so the published API description names them.
_CHECKLIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {},
            "text/markdown": {"schema": {"type": "string"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {
                "schema": {"type": "string", "format": "binary"}
            },
        }
    }
}
_AUDIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}
}


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


def create_api(services: Application) -> FastAPI:
    """The FastAPI app with the contract's routes (OpenAPI docs at ``/docs``)."""
    api = FastAPI(title="申报助手 API", version="0.1.0")
    _install_errors(api)
    from assistant.web import guard

    guard.install(api, services)

    @api.get("/api/health", response_model=None)
    def health(require: Literal["ready"] | None = None) -> Any:
        body = services.health()
        if require == "ready" and not body["ready"]:
            return JSONResponse(body, status_code=503)
        return body

    @api.get("/api/programs")
    def programs(as_of: dt.date | None = None) -> list[dict[str, Any]]:
        return services.programs(as_of)

    @api.post("/api/check")
    def check(req: CheckRequest) -> Any:
        return services.check(req.program, req.profile, req.as_of)

    @api.post("/api/checklist", response_model=None, responses=_CHECKLIST_RESPONSES)
    def checklist_route(req: ChecklistRequest) -> Any:
        result = services.checklist(req.program, req.profile, req.as_of)
        return _checklist_response(result, req.format)

    _install_chat_routes(api, services)

    # The result shapes are TypedDicts in assistant.core.results; the routes return them as
    # they are (``Any``), so FastAPI writes the engine's JSON without a model re-shaping it.
    @api.post("/api/match")
    def match_route(req: MatchRequest) -> Any:
        return services.match(req.profile, req.as_of)

    _install_staff_routes(api, services)
    install_template_routes(api, services)
    install_review_routes(api, services)
    install_screen_routes(api, services)

    @api.post("/api/search")
    def search(req: SearchRequest) -> dict[str, Any]:
        passages = services.search(req.question, req.k, program=req.program)
        return {
            "question": req.question,
            "passages": [
                {**p.citation(), "program": p.program, "score": p.score} for p in passages
            ],
        }

    return api


def _install_chat_routes(api: FastAPI, services: Application) -> None:
    """Routes of the chat: a turn and feedback on the latest answer."""

    @api.post("/api/ask")
    def ask(req: AskRequest, request: Request) -> Any:
        # Suggestions name draft and stale templates: for staff, not for the public.
        return services.ask(
            req.question,
            session_id=req.session_id,
            profile=req.profile,
            as_of=req.as_of,
            show_templates=is_staff(services, request),
        )

    @api.post("/api/feedback")
    def feedback(req: FeedbackRequest) -> dict[str, Any]:
        return {"message_id": services.feedback(req.session_id, req.useful, req.comment)}


def _install_staff_routes(api: FastAPI, services: Application) -> None:
    """Routes for staff and admins (documents, re-index) and admins (audit log)."""

    @api.get("/api/documents")
    def documents(request: Request) -> list[dict[str, Any]]:
        require(services, request, "staff", "admin")
        return services.documents()

    @api.post("/api/documents")
    def upload(request: Request, file: UploadFile) -> dict[str, Any]:
        user = require(services, request, "staff", "admin")
        # The multipart parser has spooled the file to disk; it is copied in pieces. A plain
        # (sync) route runs in FastAPI's thread pool, so reading a scan (OCR, seconds per
        # page) never holds up the event loop.
        return services.ingest_upload(user, file.filename or "", file.file)

    @api.delete("/api/documents/{doc_id}", response_model=None)
    def remove(request: Request, doc_id: str) -> Any:
        user = require(services, request, "staff", "admin")
        result = services.remove_document(user, doc_id)
        if result.status == "not_found":
            return _error(404, "not_found", result.message)
        return result.__dict__

    @api.post("/api/reindex")
    def reindex(request: Request) -> dict[str, Any]:
        user = require(services, request, "staff", "admin")
        return {"index": services.reindex(user)}

    @api.post("/api/users/{name}/unlock")
    def unlock(request: Request, name: str) -> dict[str, Any]:
        admin = require(services, request, "admin")
        services.accounts().unlock(admin, name)
        return {"name": name, "unlocked": True}

    @api.get("/api/audit", response_model=None, responses=_AUDIT_RESPONSES)
    def audit(
        request: Request,
        limit: int = Query(200, ge=1, le=100_000),
        format: Literal["json", "csv"] = "json",
    ) -> Any:
        require(services, request, "admin")
        if format == "csv":
            return PlainTextResponse(services.accounts().audit_csv(limit), media_type="text/csv")
        return services.accounts().audit_log(limit)


def _checklist_response(result: Checklist, fmt: str) -> Response | Checklist:
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
    async def database_error(_: Request, exc: OperationalError) -> JSONResponse:
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
