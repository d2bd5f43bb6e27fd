"""Uploaded files on disk: a safe bare name, and an atomic write within the size limit."""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

from assistant.config import Settings
from assistant.errors import InputError, storage_error
from assistant.search.readers import SUPPORTED, SUPPORTED_TEXT

__all__ = ["SUPPORTED", "SUPPORTED_TEXT", "save_atomically", "save_upload", "upload_name"]


def upload_name(filename: str) -> str:
    """The bare, printable file name an upload is saved under.

    Raises:
        InputError: no usable name or an unsupported type.
    """
    # A bare file name without control characters: nothing can escape the folder or
    # forge lines in a listing or a log.
    name = Path((filename or "").replace("\\", "/")).name
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    if not name or name.startswith(".") or Path(name).suffix.lower() not in SUPPORTED:
        raise InputError(f"文件 '{name}'：不支持此类型；请上传 {SUPPORTED_TEXT} 文件")
    return name


def save_upload(settings: Settings, filename: str, data: bytes | BinaryIO) -> Path:
    """Save an upload under ``data/uploads`` (bare name only); the saved path.

    Raises:
        InputError: an unsupported or over-sized file.
        StorageError: the data disk is full.
    """
    name = upload_name(filename)
    limit = int(settings.max_file_mb * 2**20)
    folder = settings.data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        saved = save_atomically(stream, target, limit)
    except OSError as exc:
        raise storage_error(exc, f"文件 '{name}' 保存") or exc from exc
    if not saved:
        raise InputError(f"文件 '{name}' 超过 {settings.max_file_mb:g} MiB；请压缩或拆分后再上传")
    return target


def save_atomically(stream: BinaryIO, target: Path, limit: int) -> bool:
    """Copy ``stream`` to ``target`` through a temporary file, fsync and rename (False, and
    nothing written, when it is over ``limit`` bytes).

    A crash never leaves a half-written original; a stream is copied in pieces, never held
    whole.
    """
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    tmp = Path(tmp_name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            while piece := stream.read(1 << 20):
                size += len(piece)
                if size > limit:
                    return False
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        return True
    finally:
        tmp.unlink(missing_ok=True)
