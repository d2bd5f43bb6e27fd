"""Saved web pages as text: .html/.htm, and .mhtml/.mht ("save as single file").

The article body comes from trafilatura (a maintained boilerplate remover: navigation,
share bars and footers go); the page's own metadata table (标题, 发布机构, 成文日期, 发文字号,
as government sites print it above the article) is read from the whole page, because
extractors treat it as chrome. trafilatura and lxml load lazily.
"""

from __future__ import annotations

import email
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

from assistant.errors import DocumentError
from assistant.search.cleaning import is_field_row, parse_fields, pipe_rows_to_text

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_FIELD_TAGS = ("td", "th", "li", "p", "span", "dt", "dd", "label", "strong", "b", "em", "div")


def html_from_mhtml(path: Path, data: bytes) -> str:
    """The first HTML part of an MHTML archive, decoded.

    Raises:
        DocumentError: no HTML part.
    """
    message = email.message_from_bytes(data, policy=policy.default)
    for part in message.walk():
        if part.get_content_type() == "text/html" and isinstance(part, EmailMessage):
            try:
                return str(part.get_content())
            except (LookupError, UnicodeDecodeError):
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    return payload.decode("gb18030", errors="replace")
    raise DocumentError(
        f"{path}：MHTML 文件里没有网页正文；请在浏览器中另存为「网页，仅 HTML」后上传"
    )


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its <meta> tag, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii").lower() if match else None


def read_html(path: Path, html: str) -> tuple[str, str, dict[str, str]]:
    """The article text, the page's title and its metadata fields.

    Raises:
        DocumentError: no article text found.
    """
    import trafilatura

    body = trafilatura.extract(
        html,
        include_tables=True,
        include_comments=False,
        favor_precision=True,
        deduplicate=False,
        output_format="txt",
    )
    if not body or len(body.strip()) < 2:
        # Precision first; a short page may be all "chrome" to the extractor: retry gently.
        body = trafilatura.extract(html, include_tables=True, favor_recall=True)
    if not body or len(body.strip()) < 2:
        raise DocumentError(
            f"{path}：网页里没有找到正文；请确认保存的是文章页，或复制正文另存为 .txt"
        )
    meta = trafilatura.extract_metadata(html)
    title = str(getattr(meta, "title", "") or "")
    fields = parse_fields(_field_lines(html))
    if (date := getattr(meta, "date", None)) and "发布日期" not in fields:
        fields["发布日期"] = str(date)
    # The metadata table's rows are kept as fields (title, date, issuer, 文号), not as text.
    text = "\n".join(ln for ln in pipe_rows_to_text(body).split("\n") if not is_field_row(ln))
    return text, title, fields


def _field_lines(html: str) -> list[str]:
    """Short text blocks of the page in document order (table cells, spans, items)."""
    import lxml.html  # type: ignore[import-untyped]

    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    lines = []
    for element in root.iter(*_FIELD_TAGS):
        text = re.sub(r"\s+", " ", "".join(element.itertext())).strip()
        if text and len(text) <= 160:
            lines.append(text)
    return lines
