"""``/api/templates``: staff's answer templates over HTTP (staff and admin only).

Reads are staff-only too: templates are a staff tool, and drafts are not public answers.
Bad input gets 400 with ``{"error": {...}}`` like the rest of the API; every change is
audited by the store under the token's user.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from assistant.errors import InputError
from assistant.web.auth import require
from assistant.web.guard import ROW_ID_MAX

if TYPE_CHECKING:
    from assistant.application import Application
    from assistant.templates import TemplateMatcher

STAFF = ("staff", "admin")
TemplateId = Annotated[int, PathParam(ge=1, le=ROW_ID_MAX)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TemplateBody(BaseModel):
    """A template's content (``POST`` and ``PUT``)."""

    title: str = Field(max_length=200)
    triggers: list[str] = Field(min_length=1, max_length=50)
    body: str = Field(max_length=20_000)
    programs: list[str] = Field(default_factory=list)
    articles: list[str] = Field(default_factory=list)


class FromAnswer(BaseModel):
    """``POST /api/templates/from-answer``: a draft from a recent chat answer."""

    message_id: int = Field(gt=0, le=ROW_ID_MAX)
    title: str = Field(default="", max_length=200)


def matcher_of(services: Application) -> TemplateMatcher:
    """The template matcher (its store is the one the API and the page use)."""
    return services.templates()


def install_template_routes(api: FastAPI, services: Application) -> None:
    """Add the ``/api/templates`` routes (fixed paths before ``/{template_id}``)."""
    _install_collection(api, services)
    _install_item(api, services)


def _install_collection(api: FastAPI, services: Application) -> None:
    @api.get("/api/templates")
    def list_templates(
        request: Request, q: str = "", status: str | None = None, as_of: dt.date | None = None
    ) -> list[dict[str, Any]]:
        require(services, request, *STAFF)
        matcher = matcher_of(services)
        rows = matcher.store.all(status or None, as_of)
        return matcher.search(q, rows) if q.strip() else rows

    @api.post("/api/templates")
    def create(request: Request, body: TemplateBody) -> dict[str, Any]:
        user = require(services, request, *STAFF)
        return matcher_of(services).store.create(user, body.model_dump())

    @api.post("/api/templates/from-answer")
    def from_answer(request: Request, body: FromAnswer) -> dict[str, Any]:
        user = require(services, request, *STAFF)
        return matcher_of(services).store.draft_from_answer(user, body.message_id, body.title)

    @api.get("/api/templates/recent-answers")
    def recent(request: Request, limit: int = Query(20, ge=1, le=200)) -> list[dict[str, Any]]:
        require(services, request, *STAFF)
        return matcher_of(services).store.recent_answers(limit)

    @api.post("/api/templates/import")
    async def import_route(request: Request, format: str = "json") -> dict[str, Any]:
        from assistant.templates import import_bytes

        user = require(services, request, *STAFF)
        data = await request.body()
        ids = import_bytes(matcher_of(services).store, user, data, format, f"api:{format}")
        return {"imported": len(ids), "ids": ids}

    @api.get("/api/templates/export", response_model=None)
    def export(request: Request, format: str = "json") -> Response:
        require(services, request, *STAFF)
        return _export(matcher_of(services).store.all(), format)


def _install_item(api: FastAPI, services: Application) -> None:
    @api.get("/api/templates/{template_id}")
    def show(
        request: Request, template_id: TemplateId, as_of: dt.date | None = None
    ) -> dict[str, Any]:
        require(services, request, *STAFF)
        return matcher_of(services).store.get(template_id, as_of)

    @api.put("/api/templates/{template_id}")
    def edit(request: Request, template_id: TemplateId, body: TemplateBody) -> dict[str, Any]:
        user = require(services, request, *STAFF)
        return matcher_of(services).store.update(user, template_id, body.model_dump())

    @api.post("/api/templates/{template_id}/approve")
    def approve(
        request: Request, template_id: TemplateId, as_of: dt.date | None = None
    ) -> dict[str, Any]:
        user = require(services, request, *STAFF)
        return matcher_of(services).store.approve(user, template_id, as_of)

    @api.post("/api/templates/{template_id}/retire")
    def retire(request: Request, template_id: TemplateId) -> dict[str, Any]:
        user = require(services, request, *STAFF)
        return matcher_of(services).store.retire(user, template_id)

    @api.get("/api/templates/{template_id}/diff")
    def diff(
        request: Request,
        template_id: TemplateId,
        old: int = Query(alias="from", ge=1, le=ROW_ID_MAX),
        new: int = Query(alias="to", ge=1, le=ROW_ID_MAX),
    ) -> dict[str, Any]:
        require(services, request, *STAFF)
        text = matcher_of(services).store.diff(template_id, old, new)
        return {"id": template_id, "from": old, "to": new, "diff": text}


def _export(rows: list[dict[str, Any]], fmt: str) -> Response:
    from assistant.templates import export_json, export_xlsx

    if fmt == "json":
        return Response(
            export_json(rows),
            media_type="application/json",
            headers={"content-disposition": 'attachment; filename="templates.json"'},
        )
    if fmt != "xlsx":
        raise InputError(f"format '{fmt}': use json or xlsx")
    folder = Path(tempfile.mkdtemp(prefix="templates-"))
    path = export_xlsx(rows, folder / "templates.xlsx")

    def cleanup() -> None:
        path.unlink(missing_ok=True)
        folder.rmdir()

    return FileResponse(
        path, media_type=XLSX, filename="templates.xlsx", background=BackgroundTask(cleanup)
    )
