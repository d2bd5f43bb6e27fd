"""Backup and restore of a data directory, safe while the app runs.

A backup folder holds:

- ``assistant.db``: the database (sessions, accounts, audit log, templates, reviews), copied
  with SQLite's online backup API, which gives one consistent snapshot even while the app
  writes (a plain file copy of a WAL database can tear);
- ``originals/``: every uploaded or ingested file the index holds, as it is now, with
  ``manifest.json`` naming each one's document id, title and content hash;
- ``vectors/``: the embedding cache (same online backup), so a restore does not have to
  compute the vectors again;
- ``gold/promoted.yaml``: the answers promoted from the review console (read under the
  promotion lock).

The vector index itself is **not** copied: it is rebuilt on restore from ``knowledge/`` and
the originals. Copying chroma's files while a writer is active can catch its HNSW segment
half-written (they are not covered by its SQLite transaction), and a rebuild also works the
same for a chroma server; with the vector cache, rebuilding costs chunking and one write.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import InputError

MANIFEST = "manifest.json"


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (online backup API)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while piece := handle.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def backup(settings: Settings, folder: Path) -> dict[str, Any]:
    """Write a backup of ``settings.data_dir`` into ``folder`` (new or empty).

    Raises:
        InputError: the folder is not empty, or the database is not SQLite (use the
            database's own tool, e.g. pg_dump, then back up the rest with this command).
    """
    if folder.exists() and any(folder.iterdir()):
        raise InputError(f"backup folder {folder} is not empty; name a new folder")
    if settings.database_url and not settings.database_url.startswith("sqlite"):
        raise InputError(
            "ASSISTANT_DATABASE_URL is not SQLite: back the database up with its own tool "
            "(pg_dump), then run backup without it for the files"
        )
    folder.mkdir(parents=True, exist_ok=True)
    db = settings.data_dir / "assistant.db"
    if db.exists():
        _sqlite_copy(db, folder / "assistant.db")
    caches = sorted(settings.index_dir.glob("*.sqlite")) if settings.index_dir.is_dir() else []
    for cache in caches:
        _sqlite_copy(cache, folder / "vectors" / cache.name)
    originals = _copy_originals(settings, folder / "originals")
    promoted = _copy_gold(settings, folder / "gold")
    manifest = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": db.exists(),
        "vector_caches": [c.name for c in caches],
        "originals": originals,
        "promoted": promoted,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return {"folder": str(folder), **manifest}


def _copy_originals(settings: Settings, target: Path) -> list[dict[str, Any]]:
    """Copy every ingested file the index lists (files no longer on disk are reported)."""
    from assistant.factory import build_search

    stack = build_search(settings)
    rows = []
    for doc_id, meta in sorted(stack.store.documents().items()):
        if meta.get("doc_type") != "upload":
            continue
        source = Path(str(meta.get("source", "")))
        row: dict[str, Any] = {"doc_id": doc_id, "title": meta.get("title"), "name": source.name}
        if source.is_file():
            copy = target / doc_id / source.name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy)
            row["file"] = str(copy.relative_to(target))
            row["sha256"] = _sha256(copy)
        else:
            row["missing"] = str(source)
        rows.append(row)
    return rows


def _copy_gold(settings: Settings, target: Path) -> bool:
    from assistant.review.promote import PROMOTED_FILE, promotion_lock

    source = settings.gold_dir / PROMOTED_FILE
    with promotion_lock(settings.gold_dir):
        if not source.is_file():
            return False
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / PROMOTED_FILE)
    return True


def restore(settings: Settings, folder: Path) -> dict[str, Any]:
    """Restore a backup into ``settings.data_dir`` (which must hold no database yet) and
    rebuild the index from ``knowledge/`` and the originals.

    Raises:
        InputError: not a backup folder, a data directory already in use, a changed
            original, or a gold file that differs from the backup's.
    """
    manifest_path = folder / MANIFEST
    if not manifest_path.is_file():
        raise InputError(f"{folder} is not a backup folder (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    data = settings.data_dir
    if (data / "assistant.db").exists() or (data / "chroma").exists():
        raise InputError(
            f"data directory {data} is in use (it has a database or an index); restore into "
            "a new ASSISTANT_DATA_DIR"
        )
    data.mkdir(parents=True, exist_ok=True)
    if manifest.get("database"):
        _sqlite_copy(folder / "assistant.db", data / "assistant.db")
    for name in manifest.get("vector_caches", []):
        _sqlite_copy(folder / "vectors" / name, settings.index_dir / name)
    _restore_gold(settings, folder / "gold")
    files = _restore_originals(manifest, folder / "originals", data / "uploads")
    from assistant.factory import build_search

    stack = build_search(settings)
    knowledge = stack.indexer.index_knowledge(stack.knowledge)
    uploads = stack.indexer.ingest_files(files)
    failed = [r.message for r in uploads if r.status == "failed"]
    return {
        "data_dir": str(data),
        "knowledge_documents": len(knowledge),
        "originals": len(uploads),
        "failed": failed,
        "missing": [r["missing"] for r in manifest.get("originals", []) if "missing" in r],
    }


def _restore_gold(settings: Settings, source: Path) -> None:
    from assistant.review.promote import PROMOTED_FILE

    backup_file = source / PROMOTED_FILE
    if not backup_file.is_file():
        return
    target = settings.gold_dir / PROMOTED_FILE
    if target.is_file() and target.read_bytes() != backup_file.read_bytes():
        raise InputError(
            f"{target} exists and differs from the backup's; move it away or set "
            "ASSISTANT_GOLD_DIR to an empty folder"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(backup_file, target)


def _restore_originals(manifest: dict[str, Any], source: Path, uploads: Path) -> list[Path]:
    """Put each original under the data directory's uploads (its own folder per document,
    so two files of the same name stay apart)."""
    out = []
    for row in manifest.get("originals", []):
        if "file" not in row:
            continue
        copy = source / row["file"]
        if _sha256(copy) != row["sha256"]:
            raise InputError(f"backup file {copy} has changed since the backup (checksum)")
        target = uploads / row["doc_id"] / row["name"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(copy, target)
        out.append(target)
    return out
