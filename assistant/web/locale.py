"""Gradio's own strings in simplified Chinese, whatever the browser's language.

Gradio translates its built-in strings (the upload area, clear, retry, errors, loading) on the
page, choosing the language from ``navigator.language``; ``gr.I18n`` only adds translations of
the app's own strings and cannot choose the language. So the HTML of each Gradio page gets a
small script, run before Gradio's, that makes the browser report ``zh-CN``, and the page's
``lang`` attribute says zh-CN for screen readers and the axe check.

This is an ASGI middleware over the whole app: it touches only GET responses of type text/html
under the Gradio mounts, and asks for them uncompressed (so the HTML can be edited).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LANGUAGE = "zh-CN"
SCRIPT = (
    "<script>(()=>{const l=['zh-CN','zh'];"
    "Object.defineProperty(navigator,'language',{get:()=>l[0]});"
    "Object.defineProperty(navigator,'languages',{get:()=>l});"
    "document.documentElement.lang=l[0];})();</script>"
)
_PAGES = ("/", "/staff/", "/review/", "/admin/")


def chinese_page(body: bytes) -> bytes:
    """The page with the language script first in ``<head>`` and ``lang="zh-CN"``.

    >>> chinese_page(b'<html\\n\\tlang="en"><head><meta charset="utf-8"></head>')[:30]
    b'<html\\n\\tlang="zh-CN"><head><scri'
    """
    if b"<head>" not in body:
        return body
    body = body.replace(b'lang="en"', f'lang="{LANGUAGE}"'.encode(), 1)
    return body.replace(b"<head>", b"<head>" + SCRIPT.encode(), 1)


class ChineseGradio:
    """ASGI middleware applying :func:`chinese_page` to the Gradio pages' HTML."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through; rewrite only a Gradio page's HTML."""
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in _PAGES:
            await self.app(scope, receive, send)
            return
        # Uncompressed, so the HTML can be edited (the page is small).
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        scope = dict(scope, headers=headers)
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                kinds = [v for k, v in message.get("headers", []) if k.lower() == b"content-type"]
                if not kinds or not kinds[0].startswith(b"text/html"):
                    start = {"passthrough": True}
                    await send(message)
                    return
                start = dict(message)
                return
            if start.get("passthrough") or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = chinese_page(b"".join(chunks))
            start["headers"] = [
                (k, str(len(body)).encode() if k.lower() == b"content-length" else v)
                for k, v in start.get("headers", [])
            ]
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
