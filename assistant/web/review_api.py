"""The review console's JSON routes (evaluators and admins, bearer token):

- ``GET /api/reviews/queue?program=&seed=&sample=``: the caller's queue, each answer's JSON;
- ``POST /api/reviews`` ``{message_id, answer_grade, citation_grade, comment?}``: grade or
  re-grade (``replaced`` says which);
- ``POST /api/reviews/promote`` ``{message_id, question, program, kind, must_contain,
  must_cite, refuse, traditional}``: append the corrected item to the gold set;
- ``GET /api/reviews/dashboard?period=day|week``: the dashboard figures.

Same rules and audit as the UI: both go through :mod:`assistant.review.console`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, Field

from assistant.review import DEFAULT_SAMPLE, DEFAULT_SEED, MAX_COMMENT, REVIEW_ROLES, Correction
from assistant.web.auth import require
from assistant.web.guard import ROW_ID_MAX

if TYPE_CHECKING:
    from assistant.application import Application


class GradeRequest(BaseModel):
    """``POST /api/reviews``."""

    message_id: int = Field(gt=0, le=ROW_ID_MAX)
    answer_grade: Literal["correct", "partly", "wrong"]
    citation_grade: Literal["correct", "partly", "wrong"]
    comment: str = Field(default="", max_length=MAX_COMMENT)


class PromoteRequest(BaseModel):
    """``POST /api/reviews/promote``: the corrected gold item."""

    message_id: int = Field(gt=0, le=ROW_ID_MAX)
    question: str = Field(max_length=2000)
    program: str | list[str] | None = None
    kind: str
    must_contain: list[list[str]] = Field(default_factory=list)
    must_cite: list[str] = Field(default_factory=list)
    refuse: bool = False
    traditional: bool = False


def install_review_routes(api: FastAPI, services: Application) -> None:
    """Add the ``/api/reviews`` routes (401 without a token, 403 for other roles)."""

    @api.get("/api/reviews/queue")
    def queue(
        request: Request,
        program: str | None = None,
        seed: int = DEFAULT_SEED,
        sample: int = Query(default=DEFAULT_SAMPLE, ge=0, le=500),
    ) -> list[dict[str, Any]]:
        user = require(services, request, *REVIEW_ROLES)
        items = services.review().queue(user, program, sample=sample, seed=seed)
        return [
            {
                "message_id": q.answer.id,
                "bucket": q.bucket,
                "reasons": list(q.reasons),
                "created": q.answer.created.isoformat(),
                "question": q.answer.question,
                "programs": list(q.answer.programs),
                "negative": q.answer.negative,
                "positive": q.answer.positive,
                "answer": q.answer.answer,
            }
            for q in items
        ]

    @api.post("/api/reviews")
    def grade(request: Request, req: GradeRequest) -> dict[str, Any]:
        user = require(services, request, *REVIEW_ROLES)
        replaced = services.review().grade(
            user, req.message_id, req.answer_grade, req.citation_grade, req.comment
        )
        return {"message_id": req.message_id, "evaluator": user.name, "replaced": replaced}

    @api.post("/api/reviews/promote")
    def promote(request: Request, req: PromoteRequest) -> dict[str, Any]:
        user = require(services, request, *REVIEW_ROLES)
        fields = req.model_dump(exclude={"message_id"})
        return services.review().promote(user, req.message_id, Correction(**fields))

    @api.get("/api/reviews/dashboard")
    def dashboard(request: Request, period: Literal["day", "week"] = "day") -> dict[str, Any]:
        user = require(services, request, *REVIEW_ROLES)
        return dataclasses.asdict(services.review().dashboard(user, period))
