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

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from assistant.config import Settings
from assistant.core.assessment import assess, checklist
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.core.profile import validate_profile
from assistant.errors import AssistantError, InputError

if TYPE_CHECKING:
    from assistant.chat.assistant import ChatAssistant
    from assistant.factory import SearchStack

MAX_BODY_BYTES = 1_000_000


class Services:
    """What the API and the UI share: knowledge now, the search stack when first needed."""

    def __init__(self, settings: Settings, knowledge: Knowledge | None = None) -> None:
        """Load the knowledge base (fast); the search stack waits for first use."""
        self.settings = settings
        self.knowledge = knowledge or load_knowledge(settings.knowledge_dir)
        self._search: SearchStack | None = None
        self._chat: ChatAssistant | None = None
        self._lock = threading.Lock()
        self.index_status = "未开始"

    def search(self) -> SearchStack:
        """The search stack (built once, thread-safely)."""
        with self._lock:
            if self._search is None:
                from assistant.factory import build_search

                self._search = build_search(self.settings, knowledge=self.knowledge)
            return self._search

    def chat(self) -> ChatAssistant:
        """The chat assistant (built once, over the search stack)."""
        if self._chat is None:
            from assistant.factory import build_chat

            chat = build_chat(self.settings, self.search())
            with self._lock:
                self._chat = self._chat or chat
        return self._chat

    def index_knowledge(self) -> None:
        """Bring the index in line with knowledge/ (run in a background thread)."""
        self.index_status = "索引中"
        stack = self.search()

        def progress(done: int, total: int) -> None:
            self.index_status = f"索引中 {done}/{total}"

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

    @api.post("/api/ask")
    def ask(req: AskRequest) -> dict[str, Any]:
        return services.chat().ask(
            req.question, session_id=req.session_id, profile=req.profile, as_of=req.as_of
        )

    @api.post("/api/match")
    def match_route(req: MatchRequest) -> dict[str, Any]:
        from assistant.core.matching import match

        profile = validate_profile(req.profile)
        return match(services.knowledge, profile, req.as_of or dt.date.today())

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
