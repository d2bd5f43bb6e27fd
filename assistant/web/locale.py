"""Gradio's own strings in simplified Chinese, whatever the browser's language.

Gradio translates its built-in strings (the upload area, clear, retry, errors, loading) on the
page, choosing the language from ``navigator.language``; ``gr.I18n`` only adds translations of
the app's own strings and cannot choose the language. So the HTML of each Gradio page gets a
small script, run before Gradio's, that makes the browser report ``zh-CN``, and the page's
``lang`` attribute says zh-CN for screen readers and the axe check.

A few strings are fixed English in Gradio's components (no translation key: aria labels such
as "More tabs", the chart descriptions): a MutationObserver in the same script replaces them
with Chinese as they appear.

This is an ASGI middleware over the whole app: it touches only GET responses of type text/html
under the Gradio mounts, and asks for them uncompressed (so the HTML can be edited).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LANGUAGE = "zh-CN"
# Gradio's translation keys that its zh-CN table lacks (it would show the English or the key
# itself, e.g. 「common.complete」 announced to screen readers): given through gr.I18n.
GRADIO_ZH = {
    "common.complete": "已完成",
    "common.progress": "进度",
    "common.upload": "上传",
    "common.download_all": "全部下载",
    "chatbot.copy_message": "复制消息",
    "chatbot.copied_message": "已复制",
    "status.queue_position": "排队位置",
}
# Gradio strings with no translation key (fixed English in its components): the same words in
# Chinese, applied to attributes and text as the page changes.
FIXED = {
    "More tabs": "更多标签页",
    "chatbot conversation": "对话记录",
    "Copy message": "复制消息",
    "Copied message": "已复制",
    "Empty value": "空",
    "Vega visualization": "图表",
}
PATTERNS = [
    (r"^processing \|$", "处理中 |"),
    (r"^queue: (.*) \|$", "排队：$1 |"),
    (r"^bot's message: ", "助手的回答："),
    (r"^user's message: ", "您的提问："),
    (r"^Title text '(.*)'$", "标题：$1"),
    (r"^X-axis titled '([^']*)'.*$", "横轴：$1"),
    (r"^Y-axis titled '([^']*)'.*$", "纵轴：$1"),
    (r"^Symbol legend titled '([^']*)'.*$", "图例：$1"),
]
_OBSERVER = """
const fixed = %(fixed)s;
const patterns = %(patterns)s.map(([p, r]) => [new RegExp(p, 's'), r]);
const plain = (t) => t.replace(/<[^>]*>/g, '').replace(/[*#`]/g, '').replace(/\\s+/g, ' ');
const tr = (t) => {
  const k = t.trim();
  if (fixed[k]) return fixed[k];
  for (const [p, r] of patterns) if (p.test(k)) return plain(k.replace(p, r)).slice(0, 200);
  return null;
};
const fix = (root) => {
  const els = root.querySelectorAll ? [root, ...root.querySelectorAll('[aria-label],[title]')] : [];
  for (const el of els) {
    for (const a of ['aria-label', 'title']) {
      const v = el.getAttribute && el.getAttribute(a);
      const t = v && tr(v);
      if (t) el.setAttribute(a, t);
    }
    // a checkbox's tooltip is its value: show its label instead
    if (el.tagName === 'INPUT' && el.title && el.title === el.name && el.closest('label'))
      el.title = el.closest('label').innerText.trim();
  }
  if (!root.querySelectorAll) return;
  const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (texts.nextNode()) {
    const t = tr(texts.currentNode.textContent);
    if (t) texts.currentNode.textContent = t;
  }
  // the upload area is named by what it shows (「拖放文件到此处 - 或 - 点击上传」)
  for (const el of [root, ...root.querySelectorAll('.upload-container')]) {
    if (!el.classList || !el.classList.contains('upload-container')) continue;
    const shown = el.innerText.replace(/\\s+/g, ' ').trim();
    if (shown && el.getAttribute('aria-label') !== shown) el.setAttribute('aria-label', shown);
  }
  // an empty file box: a labelled picture of "nothing yet", not a bare div with a label
  for (const el of root.querySelectorAll('.empty[aria-label]:not([role])'))
    el.setAttribute('role', 'img');
  // chart marks: named as chart data (the chart itself carries the title and axes)
  for (const el of root.querySelectorAll('.vega-embed [class*="mark-"]:not([aria-label])'))
    if (el.getAttribute('role')) el.setAttribute('aria-label', '图表数据');
};
new MutationObserver((ms) => { for (const m of ms) {
  if (m.type === 'attributes') fix(m.target);
  if (m.type === 'characterData') { const t = tr(m.target.textContent);
    if (t) m.target.textContent = t; }
  for (const n of m.addedNodes) {
    if (n.nodeType === 1) fix(n);
    else if (n.nodeType === 3) { const t = tr(n.textContent); if (t) n.textContent = t; }
  }
}}).observe(document.documentElement, {subtree: true, childList: true, attributes: true,
  characterData: true,
  attributeFilter: ['aria-label', 'title']});
"""
SCRIPT = (
    "<script>(()=>{const l=['zh-CN','zh'];"
    "Object.defineProperty(navigator,'language',{get:()=>l[0]});"
    "Object.defineProperty(navigator,'languages',{get:()=>l});"
    "document.documentElement.lang=l[0];"
    + _OBSERVER % {"fixed": json.dumps(FIXED, ensure_ascii=False), "patterns": json.dumps(PATTERNS)}
    + "})();</script>"
)
_PAGES = ("/", "/staff/", "/review/", "/admin/")


def chinese_page(body: bytes) -> bytes:
    """The page with the language script first in ``<head>`` and ``lang="zh-CN"``.

    >>> page = chinese_page(b'<html lang="en"><head><meta charset="utf-8"></head>')
    >>> page[:31]
    b'<html lang="zh-CN"><head><scrip'
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
