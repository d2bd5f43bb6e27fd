"""Checks of a document's container before a reader opens it, so a hostile file costs
milliseconds instead of the machine's memory or minutes of CPU.

- A ``.docx`` is a zip: the sizes its members *declare* decompressed are summed first; a few
  hundred KB that unpack to gigabytes (a zip bomb) are refused before any XML is parsed.
  (A member that lies about its size is still cut off: zipfile stops at the declared size
  and raises on a CRC mismatch.)
- A ``.pdf`` with more pages than any notice has is refused before text is extracted page by
  page (the page count is read from the page tree without touching the pages).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from assistant.errors import DocumentError

MAX_UNZIPPED = 200 * 2**20
"""Largest decompressed .docx accepted (a 500-page Word file with images is far below)."""
MAX_PDF_PAGES = 2000


def check_container(path: Path, suffix: str) -> None:
    """Refuse a zip bomb or a PDF with an absurd page count.

    Raises:
        DocumentError: naming the file and what is wrong with it.
    """
    if suffix == ".docx":
        _check_zip(path)
    elif suffix == ".pdf":
        _check_pdf(path)


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a zip at all: the reader reports the damage in its own words
    if total > MAX_UNZIPPED:
        raise DocumentError(
            f"{path}: the Word file unpacks to {total / 2**20:.0f} MiB (over "
            f"{MAX_UNZIPPED // 2**20} MiB); it is damaged or not a real document"
        )


def _check_pdf(path: Path) -> None:
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        pages = len(PdfReader(str(path)).pages)
    except Exception:
        return
    if pages > MAX_PDF_PAGES:
        raise DocumentError(
            f"{path}: the PDF has {pages} pages (over {MAX_PDF_PAGES}); split it into parts"
        )
