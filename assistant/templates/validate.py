"""Checks of a template's content, shared by the store, the import and the API.

Messages name the item (when importing several) and the field, and say what to do, so a
malformed import file can be fixed from the message alone.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.core.knowledge import Knowledge
from assistant.errors import InputError
from assistant.templates.fill import unknown_placeholders

FIELDS = ("title", "triggers", "body", "programs", "articles")
MAX_TITLE = 200
MAX_TRIGGER = 500
MAX_BODY = 20_000


def validate_template(data: Any, knowledge: Knowledge, where: str = "") -> dict[str, Any]:
    """The normalised content (title, triggers, body, programs, articles).

    Raises:
        InputError: a missing or malformed field, an unknown program, article or placeholder;
            the message starts with ``where`` (e.g. 「第 2 条「标题」: 」).
    """
    if not isinstance(data, dict):
        raise InputError(f"{where}each template must be an object with {', '.join(FIELDS)}")
    for name in ("title", "triggers", "body"):
        if name not in data or data[name] in (None, "", []):
            raise InputError(f"{where}field '{name}' is missing")
    title = _text(data["title"], "title", MAX_TITLE, where)
    triggers = _texts(data["triggers"], "triggers", where)
    if not triggers:
        raise InputError(f"{where}field 'triggers': give at least one question")
    body = _text(data["body"], "body", MAX_BODY, where)
    unknown = unknown_placeholders(body, knowledge)
    if unknown:
        raise InputError(
            f"{where}field 'body': unknown placeholder {{{unknown[0]}}}; use a profile field or "
            "derived fact such as {企业名称}, {项目}, {研发费用占比}"
        )
    programs = _texts(data.get("programs") or [], "programs", where)
    for p in programs:
        if p not in knowledge.programs:
            raise InputError(
                f"{where}field 'programs': unknown program '{p}'; use one of "
                f"{', '.join(knowledge.programs)}"
            )
    articles = _texts(data.get("articles") or [], "articles", where)
    for a in articles:
        try:
            knowledge.article(a)
        except KeyError:
            raise InputError(
                f"{where}field 'articles': unknown knowledge article id '{a}'"
            ) from None
    return {
        "title": title,
        "triggers": list(dict.fromkeys(triggers)),
        "body": body,
        "programs": list(dict.fromkeys(programs)),
        "articles": list(dict.fromkeys(articles)),
    }


def _text(value: Any, name: str, limit: int, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}field '{name}': must be non-empty text")
    if len(value) > limit:
        raise InputError(f"{where}field '{name}': keep it under {limit} characters")
    return value.strip()


def _texts(value: Any, name: str, where: str) -> list[str]:
    """A list of texts; a string is split at new lines (triggers) or at commas and spaces
    (ids), which is how the staff page and an Excel cell give several."""
    if isinstance(value, str):
        split = r"\n" if name == "triggers" else r"[\s,，;；、]+"
        value = [v for v in re.split(split, value) if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}field '{name}': must be a list of texts")
    return [_text(v, name, MAX_TRIGGER, where) for v in value if v.strip()]
