"""The intent journal of index writes, so that a process killed half-way through leaves
nothing half-indexed.

Before the chunks of a batch are written, the batch's documents (id, content hash, chunk
count, source) are written to ``journal-<pid>-<n>.json`` in the index folder (temporary file,
fsync, rename: the journal is either complete or absent). After the writes the journal is
deleted. A journal left by a process that is gone names exactly the documents that may be
half-written; :meth:`assistant.search.ingest.Indexer.recover` keeps each one whose new
version is complete (and drops the old version's leftover chunks) and deletes the others, so
that the next run writes them again. chromadb's own store survives a kill (SQLite with a
write-ahead log); what it cannot know is which of our chunks belong together.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

from assistant.search.chunk_store import ChunkStore, Metadata

_ACTIVE: set[Path] = set()
_ACTIVE_LOCK = threading.Lock()
_COUNTER = itertools.count()


@dataclass(frozen=True)
class Pending:
    """A document being written (``content_hash`` None: being removed)."""

    doc_id: str
    content_hash: str | None
    chunks: int
    source: str
    doc_type: str

    def chunk_ids(self) -> set[str]:
        """The ids its complete new version has."""
        return {f"{self.doc_id}#{i:04d}" for i in range(self.chunks)}

    def is_complete(self, stored: dict[str, Metadata]) -> bool:
        """Whether every chunk of the new version is stored, with the new content."""
        if self.content_hash is None:
            return False
        ids = self.chunk_ids()
        return all(stored.get(i, {}).get("content_hash") == self.content_hash for i in ids)

    def left_untouched(self, stored: dict[str, Metadata]) -> bool:
        """Whether no chunk of the new version was written: what is stored is one whole
        earlier version (all its chunks, one content hash, not the new one). A write that
        failed before the store took anything (a full disk) then leaves the old version
        answering instead of deleting it."""
        if self.content_hash is None or not stored:
            return False
        hashes = {meta.get("content_hash") for meta in stored.values()}
        counts = {meta.get("chunks") for meta in stored.values()}
        if len(hashes) != 1 or self.content_hash in hashes or len(counts) != 1:
            return False
        [count] = counts
        return isinstance(count, int) and set(stored) == {
            f"{self.doc_id}#{i:04d}" for i in range(count)
        }


class Journal:
    """The journal files of one index folder."""

    def __init__(self, folder: Path) -> None:
        """Journals live in ``folder`` (created when first written)."""
        self.folder = folder

    def begin(self, pending: list[Pending]) -> Path:
        """Record the documents about to be written; returns the journal's path."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"journal-{os.getpid()}-{next(_COUNTER)}.json"
        data = json.dumps([asdict(p) for p in pending], ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".journal-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        with _ACTIVE_LOCK:
            _ACTIVE.add(path)
        return path

    @staticmethod
    def end(path: Path) -> None:
        """The writes are done: forget the journal."""
        path.unlink(missing_ok=True)
        with _ACTIVE_LOCK:
            _ACTIVE.discard(path)

    @staticmethod
    def release(path: Path) -> None:
        """The write failed in this process: leave the journal for the next
        :meth:`orphans` to hand to recovery."""
        with _ACTIVE_LOCK:
            _ACTIVE.discard(path)

    def orphans(self) -> list[Path]:
        """Journals whose writer is gone (another process that died, or a run of this one
        that failed), oldest first."""
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("journal-*.json")):
            pid = _pid_of(path)
            if pid == os.getpid():
                with _ACTIVE_LOCK:
                    if path in _ACTIVE:
                        continue
            elif pid is not None and _alive(pid):
                continue
            out.append(path)
        return out

    @staticmethod
    def read(path: Path) -> list[Pending]:
        """The documents a journal names (empty for an unreadable one: it was never
        renamed into place, so its writes never began)."""
        try:
            rows = json.loads(path.read_text(encoding="utf-8"))
            return [Pending(**row) for row in rows]
        except (OSError, ValueError, TypeError):
            return []


def _pid_of(path: Path) -> int | None:
    parts = path.stem.split("-")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def inconsistencies(store: ChunkStore) -> list[str]:
    """Every document that is not whole in the index: chunks of two versions, a gap in the
    chunk numbers, or chunks without a first one (so the document list does not show it)."""
    by_doc: dict[str, dict[int, str]] = defaultdict(dict)
    counts: dict[str, int] = {}
    for chunk in store.iter_chunks():
        meta = chunk.metadata
        if isinstance(meta.get("chunks"), int):
            counts[str(meta.get("doc_id"))] = int(meta["chunks"])
        by_doc[str(meta.get("doc_id"))][int(meta.get("chunk_index", -1))] = str(
            meta.get("content_hash", "")
        )
    problems = []
    for doc_id, chunks in sorted(by_doc.items()):
        expected = counts.get(doc_id)
        if expected is not None and len(chunks) != expected:
            problems.append(f"{doc_id}: {len(chunks)} of {expected} chunks")
        if len(set(chunks.values())) > 1:
            problems.append(f"{doc_id}: chunks of {len(set(chunks.values()))} versions")
        if sorted(chunks) != list(range(len(chunks))):
            problems.append(f"{doc_id}: chunk numbers {sorted(chunks)[:5]}… are not 0..n-1")
    return problems
