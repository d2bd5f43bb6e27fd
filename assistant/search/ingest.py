"""Ingestion: files and knowledge articles -> chunks -> vectors -> the store.

Idempotent by content hash: an unchanged document is skipped, a changed one has its old
chunks replaced, a removed knowledge article is deleted. Vectors for a whole batch are
computed before anything is written, in batches that span documents (short documents
would otherwise waste most of each forward pass), so a failure while embedding changes
nothing already stored. One bad file is reported and the rest of the batch goes on.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from assistant.core.chunking import CHUNKER_VERSION, Chunk, chunk_text
from assistant.core.knowledge import Knowledge
from assistant.core.knowledge.schema import Article
from assistant.core.text import normalize
from assistant.errors import DocumentError, StorageError, disk_full_message, storage_error
from assistant.faults import checkpoint
from assistant.search.chunk_store import ChunkStore, Metadata, StoredChunk
from assistant.search.embedder import NamedEmbeddings
from assistant.search.journal import Journal, Pending
from assistant.search.keyword import Tokenizer
from assistant.search.readers import SUPPORTED, TABLE_FORMATS, RawDocument, read_document
from assistant.search.retrieval import ProgramDetector

ARTICLE_WHOLE_CHARS = 1000
"""Knowledge articles up to this size stay one chunk (e5 reads up to 512 tokens)."""
Status = Literal["added", "updated", "unchanged", "removed", "failed", "not_found"]
ProgressFn = Callable[[int, int], None]
ReadProgressFn = Callable[[str, int, int], None]
"""Reading progress of paged files: (file name, pages done, pages in the file)."""


@dataclass(frozen=True)
class IngestResult:
    """What happened to one document, and what its reader found in it.

    ``reader`` … ``date`` describe the file as read (empty for removals and failures):
    the reader used, pages, characters of cleaned text, pages read by OCR, the title and
    the publication date found.
    """

    source: str
    doc_id: str
    status: Status
    chunks: int = 0
    message: str = ""
    reader: str = ""
    pages: int = 0
    characters: int = 0
    ocr_pages: int = 0
    title: str = ""
    date: str | None = None


@dataclass(frozen=True)
class _Prepared:
    source: str
    doc_id: str
    content_hash: str
    chunks: list[StoredChunk]
    raw: RawDocument | None = None


def file_doc_id(path: Path) -> str:
    """Stable id of an ingested file: derived from its absolute path.

    >>> file_doc_id(Path("/tmp/a.pdf")) == file_doc_id(Path("/tmp/../tmp/a.pdf"))
    True
    """
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    return f"file-{digest}"


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus supported files inside named folders (sorted)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUPPORTED))
        else:
            out.append(path)
    return out


class Indexer:
    """Writes documents into a :class:`ChunkStore`.

    Args:
        store: Where chunks go.
        embeddings: The embedder (the store's collection belongs to it).
        detector: Program detector, to tag uploaded files with their program.
        max_bytes: Largest file accepted.
        max_pages: Most pages of a PDF accepted.
        batch_size: Chunks per embedding call.
        progress_bar: Show a tqdm bar on stderr for long runs (terminal only).
        journal: Where writes are journaled (None: no crash recovery, for throw-away stores).
        tokenizer: The keyword tokenizer; when given, each chunk's index tokens are stored
            with it, so no process has to tokenise it again to build its BM25 index.
        data_dir: The data directory whose free space is checked before a write (None: no
            check, for throw-away stores).
        min_free_bytes: Free space the data directory must keep after the write.
    """

    def __init__(
        self,
        store: ChunkStore,
        embeddings: NamedEmbeddings,
        detector: ProgramDetector,
        *,
        max_bytes: int,
        max_pages: int = 500,
        batch_size: int = 64,
        progress_bar: bool = True,
        journal: Journal | None = None,
        tokenizer: Tokenizer | None = None,
        data_dir: Path | None = None,
        min_free_bytes: int = 0,
    ) -> None:
        """Wire the parts."""
        self.data_dir = data_dir
        self.min_free_bytes = min_free_bytes
        self.journal = journal
        self.tokenizer = tokenizer
        self.store = store
        self.embeddings = embeddings
        self.detector = detector
        self.max_bytes = max_bytes
        self.max_pages = max_pages
        self.batch_size = batch_size
        self.progress_bar = progress_bar

    def ingest_files(
        self,
        paths: Sequence[Path],
        on_progress: ProgressFn | None = None,
        on_read: ReadProgressFn | None = None,
    ) -> list[IngestResult]:
        """Ingest files (and supported files inside folders).

        Args:
            paths: Files and folders.
            on_progress: Embedding progress (chunks done, chunks in the batch).
            on_read: Reading progress of paged files, one call per page (a scan's OCR
                takes seconds per page).
        """
        # Recovery may itself index one of these files (named by a failed write): its
        # status is what that did, not "unchanged".
        recovered = {r.doc_id: r.status for r in self.recover()}
        stored = self.store.documents()
        results: list[IngestResult] = []
        todo: list[_Prepared] = []
        for path in expand_paths(paths):
            doc_id = file_doc_id(path)
            on_page = None if on_read is None else functools.partial(on_read, path.name)
            try:
                raw = read_document(
                    path, max_bytes=self.max_bytes, max_pages=self.max_pages, on_page=on_page
                )
            except DocumentError as exc:
                results.append(IngestResult(str(path), doc_id, "failed", message=str(exc)))
                continue
            prepared = self._prepare_file(raw, doc_id)
            if not prepared.chunks:
                msg = f"{path}：没有可以索引的文字；请确认文件内容"
                results.append(_described(str(path), doc_id, "failed", 0, raw, msg))
            elif stored.get(doc_id, {}).get("content_hash") == prepared.content_hash:
                status = recovered.get(doc_id, "unchanged")
                status = status if status in ("added", "updated") else "unchanged"
                results.append(_described(str(path), doc_id, status, len(prepared.chunks), raw))
            else:
                todo.append(prepared)
        return results + self._write(todo, stored, on_progress)

    def index_knowledge(
        self, knowledge: Knowledge, on_progress: ProgressFn | None = None
    ) -> list[IngestResult]:
        """Bring the store in line with ``knowledge/``: add, replace and delete articles."""
        self.recover()
        stored = self.store.documents()
        results: list[IngestResult] = []
        todo: list[_Prepared] = []
        current = set()
        for article in knowledge.articles:
            prepared = self._prepare_article(article, knowledge)
            current.add(prepared.doc_id)
            if stored.get(prepared.doc_id, {}).get("content_hash") == prepared.content_hash:
                results.append(
                    IngestResult(
                        prepared.source, prepared.doc_id, "unchanged", len(prepared.chunks)
                    )
                )
            else:
                todo.append(prepared)
        results += self._write(todo, stored, on_progress)
        for doc_id, meta in stored.items():
            if meta.get("doc_type") == "knowledge" and doc_id not in current:
                removed = self._delete(doc_id, str(meta.get("source", "")))
                results.append(
                    IngestResult(str(meta.get("source", "")), doc_id, "removed", removed)
                )
        return results

    def recover(self) -> list[IngestResult]:
        """Finish or undo the writes of runs that were killed or failed half-way (see
        :mod:`assistant.search.journal`): a document whose new version is complete keeps it
        (the old version's extra chunks go), one that no new chunk reached keeps its old
        version, any other named document is deleted, and an uploaded file that still
        exists is ingested again. Knowledge articles come back with
        the next :meth:`index_knowledge`."""
        if self.journal is None:
            return []
        again: list[Path] = []
        for path in self.journal.orphans():
            for pending in self.journal.read(path):
                chunks = self.store.chunk_metadata(pending.doc_id)
                if pending.is_complete(chunks):
                    keep = pending.chunk_ids()
                    self.store.delete_ids([i for i in chunks if i not in keep])
                    continue
                if not pending.left_untouched(chunks):
                    self.store.delete_ids(list(chunks))
                source = Path(pending.source)
                if pending.content_hash and pending.doc_type == "upload" and source.is_file():
                    again.append(source)
            self.journal.end(path)
        return self.ingest_files(again) if again else []

    def adopt_uploads(self, sources: Sequence[ChunkStore]) -> list[IngestResult]:
        """Copy uploaded documents this store lacks from other stores, embedded anew.

        Another embedder's index (e.g. before a switch from ``e5`` to ``e5-onnx``) holds
        uploads whose files may be gone; their stored chunk texts are re-embedded with this
        store's embedder, never copied with their old vectors.
        """
        have = set(self.store.documents())
        results: list[IngestResult] = []
        for source in sources:
            wanted: dict[str, list[StoredChunk]] = {}
            for chunk in source.iter_chunks():
                doc_id = str(chunk.metadata.get("doc_id", ""))
                if chunk.metadata.get("doc_type") == "upload" and doc_id not in have:
                    wanted.setdefault(doc_id, []).append(chunk)
            if not wanted:
                continue
            chunks = [c for doc in wanted.values() for c in doc]
            self.store.add(chunks, self._embed([c.text for c in chunks], None))
            have.update(wanted)
            for doc_id, doc_chunks in wanted.items():
                source_name = str(doc_chunks[0].metadata.get("source", doc_id))
                results.append(IngestResult(source_name, doc_id, "added", len(doc_chunks)))
        return results

    def remove(self, targets: Sequence[str]) -> list[IngestResult]:
        """Delete documents named by file path or by doc id."""
        results = []
        for target in targets:
            doc_id = target if target.startswith(("file-", "kb-")) else file_doc_id(Path(target))
            removed = self._delete(doc_id, target)
            status: Status = "removed" if removed else "not_found"
            message = "" if removed else f"{target}: not in the index"
            results.append(IngestResult(target, doc_id, status, removed, message))
        return results

    def _write(
        self,
        todo: list[_Prepared],
        stored: dict[str, Metadata],
        on_progress: ProgressFn | None,
    ) -> list[IngestResult]:
        if not todo:
            return []
        indexed = dt.datetime.now().isoformat(timespec="seconds")  # shown in 知识库管理
        all_chunks = [
            StoredChunk(
                c.id,
                c.text,
                {**c.metadata, "indexed": indexed, "chunks": len(doc.chunks), **self._terms(c)},
            )
            for doc in todo
            for c in doc.chunks
        ]
        vectors = self._embed([c.text for c in all_chunks], on_progress)
        pending = [
            Pending(
                d.doc_id,
                d.content_hash,
                len(d.chunks),
                d.source,
                str(d.chunks[0].metadata["doc_type"]),
            )
            for d in todo
        ]
        checkpoint("ingest.embedded")
        self._check_space(all_chunks, vectors)
        try:
            journal = self.journal.begin(pending) if self.journal else None
        except OSError as exc:
            raise storage_error(exc, "文档索引") or exc from exc
        checkpoint("ingest.journaled")
        try:
            results = self._write_journaled(todo, pending, stored, all_chunks, vectors)
        except BaseException:
            # A write that failed (a full disk, the chroma server gone) is undone or finished
            # by the next recover() of this process too, not only after a restart.
            if journal is not None:
                Journal.release(journal)
            raise
        if journal is not None:
            Journal.end(journal)
        return results

    def _check_space(self, chunks: list[StoredChunk], vectors: list[list[float]]) -> None:
        """Refuse a write that would leave the data disk (nearly) full, before the journal
        or the store is touched: a write that fails half-way on a full disk can stall
        chromadb's local store on its next write (its SQLite waits up to 1000 s)."""
        if self.data_dir is None or self.min_free_bytes <= 0 or not self.data_dir.exists():
            return  # 0 turns the check off (tests of the stores' own failures)
        # Text, vector and metadata, about three times over: the SQLite log, the HNSW
        # files and the full-text index each hold a copy while a write is in flight.
        payload = sum(
            len(c.text.encode()) * 2 + len(v) * 4 + 2048
            for c, v in zip(chunks, vectors, strict=True)
        )
        need = self.min_free_bytes + 3 * payload
        free = shutil.disk_usage(self.data_dir).free
        if free < need:
            detail = (
                f"剩余 {free / 2**20:.1f} MiB，写入这批文档后须至少保留 "
                f"{self.min_free_bytes / 2**20:g} MiB（ASSISTANT_MIN_FREE_MB）"
            )
            raise StorageError(disk_full_message("文档索引", detail))

    def _write_journaled(
        self,
        todo: list[_Prepared],
        pending: list[Pending],
        stored: dict[str, Metadata],
        all_chunks: list[StoredChunk],
        vectors: list[list[float]],
    ) -> list[IngestResult]:
        # One write for the whole batch: per-document upserts cost a round trip each. The
        # new chunks overwrite the old ones of the same number; only then do the old
        # version's extra chunks go, so a reader never meets a document with no chunks.
        self.store.add(all_chunks, vectors)
        checkpoint("ingest.written")
        results = []
        for doc, entry in zip(todo, pending, strict=True):
            existed = doc.doc_id in stored
            if existed:
                keep = entry.chunk_ids()
                old = self.store.chunk_metadata(doc.doc_id)
                self.store.delete_ids([i for i in old if i not in keep])
            status: Status = "updated" if existed else "added"
            results.append(_described(doc.source, doc.doc_id, status, len(doc.chunks), doc.raw))
        checkpoint("ingest.pruned")
        return results

    def _delete(self, doc_id: str, source: str) -> int:
        """Delete a document's chunks (journaled: a kill half-way is finished by recovery)."""
        journal = (
            self.journal.begin([Pending(doc_id, None, 0, source, "")]) if self.journal else None
        )
        removed = self.store.delete_document(doc_id)
        if journal is not None:
            Journal.end(journal)
        return removed

    def _terms(self, chunk: StoredChunk) -> dict[str, str]:
        return self.tokenizer.stored_terms(chunk) if self.tokenizer else {}

    def _embed(self, texts: list[str], on_progress: ProgressFn | None) -> list[list[float]]:
        bar = None
        if self.progress_bar and len(texts) > 200 and sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=len(texts), unit="chunk", desc="索引", file=sys.stderr)
        # Batches of similar length waste no compute on padding: sort once over the whole
        # batch (as sentence-transformers does within one call), then restore the order.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[list[float]] = [[] for _ in texts]
        done = 0
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            for i, vector in zip(
                batch, self.embeddings.embed_documents([texts[i] for i in batch]), strict=True
            ):
                vectors[i] = vector
            done += len(batch)
            if bar is not None:
                bar.update(len(batch))
            if on_progress is not None:
                on_progress(done, len(texts))
        if bar is not None:
            bar.close()
        return vectors

    def prepare_file(self, path: Path) -> _Prepared:
        """Read and chunk one file without writing anything (benchmarks, previews).

        Raises:
            DocumentError: the file cannot be read.
        """
        raw = read_document(path, max_bytes=self.max_bytes, max_pages=self.max_pages)
        return self._prepare_file(raw, file_doc_id(path))

    def _prepare_file(self, raw: RawDocument, doc_id: str) -> _Prepared:
        content_hash = _hash(raw.text, CHUNKER_VERSION, raw.title)
        program = self.detector.dominant(f"{raw.title}\n{raw.text[:5000]}") or ""
        base: Metadata = {
            "doc_id": doc_id,
            "doc_type": "upload",
            "program": program,
            "topic": "",
            "title": raw.title,
            "doc_no": raw.doc_no or "",
            "confidence": "",
            "effective": "",
            "source": str(raw.path),
            "format": raw.fmt,
            "reader": raw.reader,
            "date": raw.date or "",
            "issuer": raw.issuer or "",
            "content_hash": content_hash,
        }
        tabular = raw.path.suffix.lower() in TABLE_FORMATS
        pieces = _row_chunks(raw.text) if tabular else chunk_text(raw.text)
        unit = "行" if tabular else "段"
        chunks = [
            _stored(
                doc_id,
                c.index,
                # A list's rows can each concern another program (专精特新, 好品山东 …).
                {**base, "program": self.detector.dominant(c.text) or program} if tabular else base,
                c.article or f"第{c.index + 1}{unit}",
                f"{raw.title} {c.path}",
                c.text,
            )
            for c in pieces
        ]
        return _Prepared(str(raw.path), doc_id, content_hash, chunks, raw)

    def _prepare_article(self, article: Article, knowledge: Knowledge) -> _Prepared:
        meta, doc = article.meta, article.document
        doc_id = f"kb-{meta.id}"
        program_name = knowledge.programs[meta.program].name
        heading = " ".join([program_name, meta.title, *meta.tags])
        content_hash = _hash(
            article.body, CHUNKER_VERSION, meta.model_dump_json(), doc.model_dump_json()
        )
        base: Metadata = {
            "doc_id": doc_id,
            "doc_type": "knowledge",
            "program": meta.program,
            "topic": meta.topic,
            "title": doc.title,
            "doc_no": doc.doc_no or "",
            "article_title": meta.title,
            "confidence": meta.confidence,
            "effective": meta.effective.isoformat(),
            "expires": meta.expires.isoformat() if meta.expires else "",
            "source": meta.id,
            "format": "md",
            "content_hash": content_hash,
        }
        chunks = [
            # The tags (the words an article is about, e.g. 研发费用占比) join the heading: owners
            # ask with them even where the body says it differently (比例).
            _stored(doc_id, c.index, base, meta.article, f"{heading} {c.path}", c.text)
            for c in chunk_text(article.body, whole_under=ARTICLE_WHOLE_CHARS)
        ]
        return _Prepared(meta.id, doc_id, content_hash, chunks)


def _row_chunks(text: str) -> list[Chunk]:
    """A spreadsheet: each row its own passage (its values already carry their headers),
    cited as 「第N行」 under the sheet's title."""
    chunks: list[Chunk] = []
    heading = ""
    for line in text.split("\n"):
        if line.startswith("# "):
            heading = line[2:].strip()
        elif line.strip():
            row = f"第{len(chunks) + 1}行"
            path = f"{heading} > {row}" if heading else row
            chunks.append(Chunk(index=len(chunks), path=path, text=line.strip()))
    return chunks


def _described(
    source: str,
    doc_id: str,
    status: Status,
    chunks: int,
    raw: RawDocument | None,
    message: str = "",
) -> IngestResult:
    if raw is None:
        return IngestResult(source, doc_id, status, chunks, message)
    return IngestResult(
        source,
        doc_id,
        status,
        chunks,
        message,
        reader=raw.reader,
        pages=raw.pages,
        characters=len(raw.text),
        ocr_pages=raw.ocr_pages,
        title=raw.title,
        date=raw.date,
    )


def _stored(
    doc_id: str, index: int, base: Metadata, article: str, heading: str, text: str
) -> StoredChunk:
    metadata: Metadata = {**base, "chunk_index": index, "article": article, "display": text}
    return StoredChunk(
        id=f"{doc_id}#{index:04d}",
        text=normalize(f"{heading.strip()}\n{text}"),
        metadata=metadata,
    )


def _hash(*parts: str) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()
