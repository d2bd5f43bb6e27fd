"""Read the documents a service centre receives into clean text with a title and a date.

Formats: text (.md .txt, any of UTF-8/GB18030/GBK/Big5), PDF (text layer; pages without
one are OCR'd), images (.png .jpg, OCR), Word (.docx; .doc through LibreOffice), web pages
(.html .htm .mhtml), spreadsheets (.xlsx .csv). Every text then goes through
:func:`~assistant.search.cleaning.clean_document` (pinyin annotations, page chrome, the
real title and the publication date).

Every failure is a :class:`~assistant.errors.DocumentError` whose one-line Chinese message
names the file and says what to do; the caller reports it and goes on with the rest of the
batch. Heavy libraries (pypdf, python-docx, openpyxl, trafilatura, the OCR engine) are
imported only for their formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.knowledge.files import split_front_matter
from assistant.errors import DocumentError, KnowledgeError
from assistant.search.cleaning import clean_document
from assistant.search.guards import check_container

TEXT_FORMATS = (".md", ".markdown", ".txt")
IMAGE_FORMATS = (".png", ".jpg", ".jpeg")
TABLE_FORMATS = (".xlsx", ".csv")
SUPPORTED = (
    *TEXT_FORMATS,
    ".pdf",
    ".docx",
    ".doc",
    ".html",
    ".htm",
    ".mhtml",
    ".mht",
    *TABLE_FORMATS,
    *IMAGE_FORMATS,
)
SUPPORTED_TEXT = "、".join(s for s in SUPPORTED if s not in (".markdown", ".jpeg", ".mht", ".htm"))
"""The formats as a user reads them in an error message."""
PageProgress = Callable[[int, int], None]
"""Called after each page of a paged document: (pages done, pages in the file)."""

_DOC_NO = re.compile(r"[\u4e00-\u9fa5]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}[号號]")
_TEXT_LAYER_MIN = 10
"""Characters a PDF page's text layer needs to count as text (a scan has none, or a few
stray marks)."""


@dataclass(frozen=True)
class RawDocument:
    """A document's text as read from disk.

    Attributes:
        path: The file read.
        title: The real title (标题 field, headline, declared title), else the file name.
        text: The cleaned text in its original script.
        doc_no: The 文号 found (e.g. 国科发火〔2016〕32号), if any.
        fmt: The format read (the suffix without dot; ``md`` for .markdown).
        reader: What read it, e.g. ``pypdf``, ``pypdf+rapidocr``, ``trafilatura``.
        pages: Pages (PDF), sheets' rows are not pages: 1 for other formats.
        ocr_pages: Pages (or images) whose text came from OCR.
        date: Publication date found in the document (YYYY-MM-DD), or None.
        issuer: The issuing body (发布机构/来源), or None.
    """

    path: Path
    title: str
    text: str
    doc_no: str | None
    fmt: str
    reader: str = "text"
    pages: int = 1
    ocr_pages: int = 0
    date: str | None = None
    issuer: str | None = None


@dataclass
class _Read:
    text: str
    reader: str
    title: str = ""  # a title the file declares
    authoritative: bool = False  # front matter: the author's own title wins
    fields: dict[str, str] | None = None
    pages: int = 1
    ocr_pages: int = 0


def read_document(
    path: Path, *, max_bytes: int, max_pages: int = 500, on_page: PageProgress | None = None
) -> RawDocument:
    """Read one file.

    Args:
        path: The file.
        max_bytes: Largest file accepted.
        max_pages: Most PDF pages accepted.
        on_page: Progress of paged documents (PDF), one call per page.

    Raises:
        DocumentError: missing, unsupported, too large, empty, encrypted, corrupt or
            without text.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise DocumentError(
            f"{path}：不支持的文件类型 '{suffix or '（无扩展名）'}'；请上传 {SUPPORTED_TEXT} 文件"
        )
    if not path.is_file():
        raise DocumentError(f"{path}：文件不存在")
    size = path.stat().st_size
    if size > max_bytes:
        raise DocumentError(
            f"{path}：文件 {_size(size)}，超过 {_size(max_bytes)} 的上限；"
            "请拆分文件，或由管理员调高 ASSISTANT_MAX_FILE_MB"
        )
    if size == 0:
        raise DocumentError(f"{path}：文件是空的（0 字节）；请确认上传的是正确的文件")
    check_container(path, suffix)
    read = _read(path, suffix, max_pages, on_page)
    cleaned = clean_document(
        read.text, title_hint=read.title, fields=read.fields, tabular=suffix in TABLE_FORMATS
    )
    if len(cleaned.text.strip()) < 2:
        raise DocumentError(f"{path}：文件里没有可读的文字；请确认内容，或上传文字版")
    title = (read.title if read.authoritative and read.title else cleaned.title) or path.stem
    return RawDocument(
        path=path,
        title=title,
        text=cleaned.text,
        doc_no=cleaned.doc_no,
        fmt="md" if suffix == ".markdown" else suffix[1:],
        reader=read.reader,
        pages=read.pages,
        ocr_pages=read.ocr_pages,
        date=cleaned.date,
        issuer=cleaned.issuer,
    )


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KiB"


def _read(path: Path, suffix: str, max_pages: int, on_page: PageProgress | None) -> _Read:
    if suffix == ".pdf":
        return _read_pdf(path, max_pages, on_page)
    if suffix in IMAGE_FORMATS:
        return _read_image(path)
    if suffix in (".docx", ".doc"):
        from assistant.search.office import read_doc, read_docx

        text, title = read_docx(path) if suffix == ".docx" else read_doc(path)
        return _Read(text, "python-docx" if suffix == ".docx" else "libreoffice+python-docx", title)
    if suffix in (".html", ".htm", ".mhtml", ".mht"):
        return _read_web(path, suffix)
    if suffix == ".xlsx":
        from assistant.search.office import read_xlsx

        return _Read(read_xlsx(path), "openpyxl")
    if suffix == ".csv":
        from assistant.search.office import read_csv

        return _Read(read_csv(path, decode(path, path.read_bytes())), "csv")
    return _read_text_file(path)


def find_doc_no(text: str) -> str | None:
    """The first 文号 in the opening part of a text.

    >>> find_doc_no("高新技术企业认定管理办法（国科发火〔2016〕32号）")
    '国科发火〔2016〕32号'
    >>> find_doc_no("没有文号的新闻") is None
    True
    """
    match = _DOC_NO.search(text[:1500])
    return match.group(0) if match else None


def decode(path: Path, data: bytes, declared: str | None = None) -> str:
    """Bytes of a Chinese text file as str: UTF-8, else GB18030/GBK or Big5 as detected.

    Raises:
        DocumentError: none of those encodings fits.
    """
    if declared:
        try:
            return data.decode(_codec(declared))
        except (LookupError, UnicodeDecodeError):
            pass  # pages lie about their charset: detect instead
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # Only the encodings Chinese files come in: unconstrained detection mistakes short GBK
    # text for Korean (cp949).
    best = from_bytes(data, cp_isolation=["gb18030", "big5", "utf_16"]).best()
    if best is not None and best.encoding:
        return str(best)
    raise DocumentError(
        f"{path}：无法识别文字编码（不是 UTF-8、GBK/GB18030 或 Big5）；请用记事本另存为 UTF-8"
    )


def _codec(name: str) -> str:
    name = name.lower()
    return "gb18030" if name in ("gb2312", "gbk", "gb18030", "x-gbk") else name


def _read_text_file(path: Path) -> _Read:
    text = decode(path, path.read_bytes())
    if path.suffix.lower() in (".md", ".markdown") and text.lstrip("\ufeff").startswith("---"):
        try:
            meta, body = split_front_matter(path)
        except KnowledgeError:
            return _Read(text, "text")
        return _Read(body, "text", str(meta.get("title") or ""), authoritative=True)
    return _Read(text, "text")


def _read_web(path: Path, suffix: str) -> _Read:
    from assistant.search.webpage import declared_charset, html_from_mhtml, read_html

    data = path.read_bytes()
    if suffix in (".mhtml", ".mht"):
        html, reader = html_from_mhtml(path, data), "mhtml+trafilatura"
    else:
        html, reader = decode(path, data, declared_charset(data)), "trafilatura"
    text, title, fields = read_html(path, html)
    return _Read(text, reader, title, fields=fields)


def _read_image(path: Path) -> _Read:
    from PIL import Image, ImageOps, UnidentifiedImageError

    from assistant.search.ocr import recognise

    try:
        with Image.open(path) as image:
            image.load()
            # Phone photos are stored sideways with an EXIF orientation tag: stand them up.
            page = recognise(ImageOps.exif_transpose(image) or image)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DocumentError(
            f"{path}：无法打开图片（{type(exc).__name__}），文件已损坏或格式不对；"
            "请重新扫描或另存为 PNG/JPG"
        ) from exc
    if len(page.text.strip()) < 2:
        raise DocumentError(f"{path}：图片里没有识别出文字；请上传更清晰的扫描件（建议 300 dpi）")
    return _Read(page.text, "rapidocr", ocr_pages=1)


def _read_pdf(path: Path, max_pages: int, on_page: PageProgress | None) -> _Read:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # we report damage ourselves
    damaged = (PdfReadError, ValueError, KeyError, TypeError, OSError, AttributeError)
    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not _unlock(reader):
            raise DocumentError(
                f"{path}：PDF 已加密（需要打开密码）；请另存一份未加密的副本后再上传"
            )
        total = len(reader.pages)
    except DocumentError:
        raise
    except damaged as exc:
        raise DocumentError(
            f"{path}：无法读取 PDF（{type(exc).__name__}），文件已损坏；请重新导出或重新扫描"
        ) from exc
    if total > max_pages:
        raise DocumentError(
            f"{path}：共 {total} 页，超过 {max_pages} 页的上限；请拆分后上传，"
            "或由管理员调高 ASSISTANT_MAX_PAGES"
        )
    pages, ocr_pages = _pdf_pages(reader, total, on_page)
    text = "\n".join(pages)
    if len(text.strip()) < 2:
        raise DocumentError(
            f"{path}：PDF 没有文字层，页面里也没有识别出文字；请上传更清晰的扫描件或 Word/文字版"
        )
    reader_name = "pypdf+rapidocr" if ocr_pages else "pypdf"
    info = reader.metadata
    return _Read(
        text,
        reader_name,
        str(info.get("/Title") or "") if info else "",
        pages=total,
        ocr_pages=ocr_pages,
    )


def _pdf_pages(reader: Any, total: int, on_page: PageProgress | None) -> tuple[list[str], int]:
    """Each page's text layer, or its OCR'd images when it has none."""
    pages: list[str] = []
    ocr_pages = 0
    for number, page in enumerate(reader.pages, 1):
        try:
            text = page.extract_text() or ""
        except Exception:  # a damaged page: pypdf raises many kinds; try its images
            text = ""
        if len(re.sub(r"\s", "", text)) < _TEXT_LAYER_MIN:
            scanned = _ocr_pdf_page(page)
            if scanned:
                text, ocr_pages = scanned, ocr_pages + 1
        pages.append(text)
        if on_page is not None:
            on_page(number, total)
    return pages, ocr_pages


def _unlock(reader: Any) -> bool:
    """Open a PDF that is encrypted only against editing (empty user password)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # pypdf raises many kinds (missing crypto, bad data)
        return False


def _ocr_pdf_page(page: Any) -> str:
    """OCR the images of a page without a text layer (a scan is one image per page)."""
    from assistant.search.ocr import recognise

    texts = []
    try:
        images = list(page.images)
    except Exception:  # exotic image codecs (JBIG2, CCITT) fail variously
        return ""
    # Large images only: logos and stamps as separate images are not text.
    for image_file in images:
        try:
            image = image_file.image
        except Exception:  # as above
            continue
        if image is None or min(image.size) < 200:
            continue
        text = recognise(image).text
        if text.strip():
            texts.append(text)
    return "\n".join(texts)
