"""Read .md, .txt, .pdf and .docx files into plain text with a title.

Every failure is a :class:`~assistant.errors.DocumentError` whose message names the file
and says what to do; the caller reports it and goes on with the rest of the batch.
pypdf and python-docx are imported lazily, only for their formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assistant.core.knowledge import split_front_matter
from assistant.errors import DocumentError, KnowledgeError
from assistant.search.guards import check_container

SUPPORTED = (".md", ".markdown", ".txt", ".pdf", ".docx")
_DOC_NO = re.compile(r"[\u4e00-\u9fa5]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号")


@dataclass(frozen=True)
class RawDocument:
    """A document's text as read from disk.

    Attributes:
        path: The file read.
        title: Front-matter title, first heading or short first line, else the file name.
        text: The whole text in its original script.
        doc_no: The 文号 found near the top (e.g. 国科发火〔2016〕32号), if any.
        fmt: The format read: md, txt, pdf or docx.
    """

    path: Path
    title: str
    text: str
    doc_no: str | None
    fmt: str


def read_document(path: Path, *, max_bytes: int) -> RawDocument:
    """Read one file.

    Raises:
        DocumentError: missing, unsupported, too large, empty, corrupt or without text.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(
            f"{path}: unsupported file type '{suffix or '(none)'}'; use .md, .txt, .pdf or .docx"
        )
    if not path.is_file():
        raise DocumentError(f"{path}: file not found")
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(
            f"{path}: {size / 2**20:.1f} MiB is over the {max_bytes / 2**20:.0f} MiB "
            "limit; split the document or raise ASSISTANT_MAX_FILE_MB"
        )
    if size == 0:
        raise DocumentError(f"{path}: the file is empty")
    check_container(path, suffix)
    if suffix == ".pdf":
        title, text = "", _read_pdf(path)
    elif suffix == ".docx":
        title, text = "", _read_docx(path)
    else:
        title, text = _read_text_file(path)
    if len(text.strip()) < 2:
        raise DocumentError(f"{path}: no text found in the file")
    title = title or _guess_title(text) or path.stem
    fmt = "md" if suffix == ".markdown" else suffix[1:]
    return RawDocument(path=path, title=title, text=text, doc_no=find_doc_no(text), fmt=fmt)


def find_doc_no(text: str) -> str | None:
    """The first 文号 in the opening part of a text.

    >>> find_doc_no("高新技术企业认定管理办法（国科发火〔2016〕32号）")
    '国科发火〔2016〕32号'
    >>> find_doc_no("没有文号的新闻") is None
    True
    """
    match = _DOC_NO.search(text[:1500])
    return match.group(0) if match else None


def _decode(path: Path, data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DocumentError(f"{path}: not UTF-8 or GB18030 text; save it as UTF-8")


def _read_text_file(path: Path) -> tuple[str, str]:
    text = _decode(path, path.read_bytes())
    if path.suffix.lower() in (".md", ".markdown") and text.lstrip("\ufeff").startswith("---"):
        try:
            meta, body = split_front_matter(path)
        except KnowledgeError:
            return "", text
        return str(meta.get("title") or ""), body
    return "", text


def _guess_title(text: str) -> str:
    for line in text.splitlines()[:5]:
        line = line.strip().lstrip("#").strip().strip("《》")
        if 2 <= len(line) <= 60 and not line.startswith(("---", ">")):
            return line
    return ""


def _read_pdf(path: Path) -> str:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # we report damage ourselves
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted:
            raise DocumentError(f"{path}: the PDF is encrypted; save an unprotected copy")
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(
            f"{path}: cannot read the PDF ({type(exc).__name__}); the file is damaged, re-export it"
        ) from exc
    text = "\n".join(pages)
    if len(text.strip()) < 2:
        raise DocumentError(
            f"{path}: the PDF has no text layer (a scan?); run OCR on it or upload the "
            "Word/text version"
        )
    return text


def _read_docx(path: Path) -> str:
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        doc = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(
            f"{path}: cannot read the Word file ({type(exc).__name__}); the file is "
            "damaged or not .docx (save .doc files as .docx)"
        ) from exc
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            cells = [c.text.strip() for c in row.cells]
            lines.append(" | ".join(dict.fromkeys(c for c in cells if c)))
    return "\n".join(lines)
