"""What every request meets before any route works on it: size limits, identity, rates, and
the security headers of every response.

- **Body limits per route**: uploads may be as large as a document (``ASSISTANT_MAX_FILE_MB``),
  JSON bodies 1 MB, the login form 16 KiB. An over-sized body is answered 413 with a Chinese
  JSON message *after* the body has been read and thrown away chunk by chunk: a server that
  answers early and closes makes a client that is still sending (a browser, urllib) see a
  connection reset instead of the message. Nothing is kept in memory while draining.
- **Identity before validation**: the protected ``/api`` prefixes check the bearer token and
  the role before FastAPI parses the body, so a caller without a token gets 401, never a
  validation error that tells them how to shape a request they may not make.
- **Rates**: ``/api/ask`` per client address (a sliding minute window, 429 with Retry-After).
- **Headers**: CSP (Gradio needs inline scripts and styles and evaluates its HTML components'
  templates, so ``'unsafe-inline' 'unsafe-eval'``; what the policy still stops is any script,
  style, frame, form target or connection to another origin, and framing of our pages),
  ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``, ``Referrer-Policy``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any

from anyio import to_thread

from assistant.errors import AuthError, ForbiddenError
from assistant.web.ratelimit import RateLimiter, client_address

if TYPE_CHECKING:
    from fastapi import FastAPI

    from assistant.application import Application

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

JSON_LIMIT = 1_000_000
FORM_LIMIT = 16 * 1024
MULTIPART_OVERHEAD = 64 * 1024
DRAIN_CAP = 512 * 2**20
"""Past this much thrown-away body the connection is closed instead (a client streaming
without end must not keep a worker busy forever)."""
ROW_ID_MAX = 2**63 - 1
"""Largest database id (SQLite and PostgreSQL bigint): a bigger number in a request is bad
input, not a driver overflow."""
FILE_ROUTES = ("/api/documents", "/api/templates/import", "/api/screen")
STAFF = ("staff", "admin")
REVIEW = ("evaluator", "admin")
# Protected API prefixes → roles (checked again inside each route: defence in depth).
PROTECTED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/api/documents", STAFF),
    ("/api/reindex", STAFF),
    ("/api/templates", STAFF),
    ("/api/screen", STAFF),
    ("/api/reviews", REVIEW),
    ("/api/audit", ("admin",)),
    ("/api/users", ("admin",)),
)
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; media-src 'self' blob:; "
    "connect-src 'self' ws: wss:; worker-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", CSP.encode()),
)


def protected_roles(path: str) -> tuple[str, ...] | None:
    """The roles a path needs (None for a public path)."""
    for prefix, roles in PROTECTED:
        if path == prefix or path.startswith(prefix + "/"):
            return roles
    return None


def body_limit(path: str, file_mb: float) -> tuple[int, str]:
    """The largest body a path accepts and what to tell the user when it is over."""
    file_limit = int(file_mb * 2**20) + MULTIPART_OVERHEAD
    file_text = f"文件不能超过 {file_mb:g} MB（ASSISTANT_MAX_FILE_MB）"
    if path in FILE_ROUTES:
        return file_limit, file_text
    if path.startswith("/api/"):
        return JSON_LIMIT, "请求内容不能超过 1 MB，请缩短问题或企业信息"
    if path == "/login":
        return FORM_LIMIT, "登录表单内容过长"
    return file_limit, file_text  # the Gradio pages' own uploads


def json_response(status: int, code: str, message: str, **headers: str) -> tuple[bytes, Message]:
    """The body and start message of an ``{"error": {...}}`` answer."""
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    return body, {"type": "http.response.start", "status": status, "headers": raw}


async def _send_json(send: Send, status: int, code: str, message: str, **headers: str) -> None:
    body, start = json_response(status, code, message, **headers)
    await send(start)
    await send({"type": "http.response.body", "body": body})


async def _drain(receive: Receive, already: int) -> bool:
    """Read and discard the rest of the body; False when the client sent past the cap."""
    seen = already
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return True  # the client went away
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return True
        if seen > DRAIN_CAP:
            return False


class _TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: the per-route body limit (see the module docstring)."""

    def __init__(self, app: ASGIApp, file_mb: float) -> None:
        """Wrap ``app``; ``file_mb`` is the document limit in MiB."""
        self.app = app
        self.file_mb = file_mb

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse early when Content-Length says too much; count the bytes otherwise."""
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit, text = body_limit(scope["path"], self.file_mb)
        message = f"请求内容过大：{text}"
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            complete = await _drain(receive, 0)
            extra = {} if complete else {"connection": "close"}
            await _send_json(send, 413, "too_large", message, **extra)
            return
        await self._counting(scope, receive, send, limit, message)

    async def _counting(
        self, scope: Scope, receive: Receive, send: Send, limit: int, message: str
    ) -> None:
        """Run the app, counting the body; over the limit, its answer becomes the 413."""
        received = 0
        over = False
        started = False

        async def counted() -> Message:
            nonlocal received, over
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    over = True
                    if msg.get("more_body", False):
                        await _drain(receive, received)
                    raise _TooLarge
            return msg

        async def guarded_send(msg: Message) -> None:
            nonlocal started
            if over:
                return  # the app's answer to a cut-off body is replaced by the 413 below
            started = started or msg["type"] == "http.response.start"
            await send(msg)

        try:
            await self.app(scope, counted, guarded_send)
        except Exception:
            if not over:  # _TooLarge, or what the app made of it, only when over the limit
                raise
        if over and not started:
            await _send_json(send, 413, "too_large", message)


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (and ``Secure`` on cookies
    set over HTTPS, e.g. behind a TLS proxy that uvicorn trusts)."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                headers = [h for h in msg.get("headers", []) if h[0].lower() not in _OURS]
                if https:
                    headers = [_secure_cookie(k, v) for k, v in headers]
                msg["headers"] = headers + list(SECURITY_HEADERS)
            await send(msg)

        await self.app(scope, receive, with_headers)


_OURS = {k for k, _ in SECURITY_HEADERS}


def _secure_cookie(key: bytes, value: bytes) -> tuple[bytes, bytes]:
    if key.lower() == b"set-cookie" and b"; secure" not in value.lower():
        return key, value + b"; Secure"
    return key, value


class Gate:
    """ASGI middleware: identity and role on protected API routes, the ask rate limit."""

    def __init__(self, app: ASGIApp, services: Application) -> None:
        """Wrap ``app``."""
        self.app = app
        self.services = services
        self.ask = RateLimiter(services.settings.ask_per_minute, 60.0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 401/403/429 before the route reads anything."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        roles = protected_roles(path)
        if roles is not None:
            refusal = await to_thread.run_sync(self._refusal, scope, roles)
            if refusal is not None:
                status, code, message = refusal
                await _drain(receive, 0)
                await _send_json(send, status, code, message)
                return
        if path == "/api/ask" and scope["method"] == "POST":
            wait = self.ask.retry_after(client_address(scope))
            if wait:
                seconds = int(wait) + 1
                await _drain(receive, 0)
                await _send_json(
                    send,
                    429,
                    "rate_limited",
                    f"提问太频繁了，请 {seconds} 秒后再试",
                    **{"retry-after": str(seconds)},
                )
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, roles: tuple[str, ...]) -> tuple[int, str, str] | None:
        from starlette.requests import Request

        from assistant.web.auth import require

        try:
            require(self.services, Request(scope), *roles)
        except ForbiddenError as exc:
            return 403, exc.code, str(exc)
        except AuthError as exc:
            return 401, exc.code, str(exc)
        return None


def install(api: FastAPI, services: Application) -> None:
    """Add the gate, the headers and the body limit (the limit outermost: it must see every
    request first, including those the login guard turns away)."""
    api.add_middleware(Gate, services=services)
    api.add_middleware(SecurityHeaders)
    api.add_middleware(BodyLimit, file_mb=services.settings.max_file_mb)


def keep_body_limit_outermost(api: FastAPI) -> None:
    """Move the body limit in front of middleware added after :func:`install`."""
    limits = [m for m in api.user_middleware if _is_limit(m.cls)]
    others = [m for m in api.user_middleware if not _is_limit(m.cls)]
    api.user_middleware[:] = limits + others


def _is_limit(cls: object) -> bool:
    return cls is BodyLimit
