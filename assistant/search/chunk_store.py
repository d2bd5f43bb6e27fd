"""The vector store: one chromadb collection of chunks, local or on a chroma server.

This is the only module that talks to chromadb. Vectors are computed by our embedder and
passed in (chromadb's default embedding function would try to download a model). A
persistent store belongs to one process at a time; when several processes must share the
index (the web workers, an ingest job), they talk to one chroma server
(``ASSISTANT_CHROMA_URL``; the web server starts one itself for several workers).

The collection's metadata records the embedder that made its vectors and a generation
marker that every change bumps: it lives with the data, so the keyword indexes of every
process, on this machine or another, notice a change and catch up.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

from assistant.config import Settings
from assistant.errors import RetrievalError, disk_full, disk_full_message

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

MAX_BATCH = 5000  # chromadb refuses batches over 5,461
# e5 vectors of Chinese text are crowded (most cosines fall in 0.80-0.92), and with
# chromadb's default ef_search=100 the HNSW graph missed a freshly added best match at
# n_results=50 on a 239-chunk index (found only from n_results=150). A wider search and
# a denser graph cost little at this size (measured in bench/search) and restore recall.
HNSW_CONFIG = {"space": "cosine", "ef_search": 400, "ef_construction": 400, "max_neighbors": 32}
Metadata = dict[str, str | int | float | bool]


def _meta(raw: Mapping[str, Any] | None) -> Metadata:
    """chromadb's metadata type is wider than what we store; keep the scalar values."""
    return {k: v for k, v in (raw or {}).items() if isinstance(v, str | int | float | bool)}


def unavailable(exc: BaseException) -> RetrievalError | None:
    """The user-facing error for a store failure that is not a bug: the chroma server is
    unreachable, or the disk under the local store is full or read-only (None otherwise)."""
    import httpx

    text = str(exc).lower()
    if isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError):
        return RetrievalError(
            "知识库检索服务暂时无法连接（chroma 服务器未响应），请稍后再试；已保存的数据不受影响"
        )
    if disk_full(exc):
        return RetrievalError(disk_full_message("知识库索引写入"))
    storage = ("readonly", "read-only", "disk i/o error")
    if isinstance(exc, OSError) or any(word in text for word in storage):
        return RetrievalError(
            f"知识库索引无法写入（数据目录已满或只读：{exc}），请检查磁盘后再试；已有索引不受影响"
        )
    return None


class _Guarded:
    """A chromadb collection whose calls turn an outage into :class:`RetrievalError` (the API
    answers 503 with its message; the next call after the server is back succeeds, since
    every HTTP call opens its own connection)."""

    def __init__(self, col: Any) -> None:
        self._inner = col

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except RetrievalError:
                raise
            except Exception as exc:
                error = unavailable(exc)
                if error is None:
                    raise
                raise error from exc

        return call


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as stored: id, indexed text and flat metadata."""

    id: str
    text: str
    metadata: Metadata


def make_chroma_client(settings: Settings) -> ClientAPI:
    """A persistent client under the data directory, or an HTTP client to a server.

    Raises:
        RetrievalError: the server URL is malformed or the server does not answer.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.chroma_url:
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
    url = urlparse(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise RetrievalError(
            f"ASSISTANT_CHROMA_URL={settings.chroma_url!r} is not an http(s) URL; "
            "use e.g. http://127.0.0.1:8001"
        )
    try:
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 80),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    except Exception as exc:  # chromadb raises several unrelated types here
        raise RetrievalError(
            f"chroma server at {settings.chroma_url} does not answer ({exc}); start it "
            "with 'chroma run' or unset ASSISTANT_CHROMA_URL"
        ) from exc


class ChunkStore:
    """A chromadb collection of chunks with cosine distance.

    Args:
        client: A chromadb client.
        collection: Collection name (3-512 chars of ``[a-zA-Z0-9._-]``).
        embedder: Name of the embedder whose vectors the collection holds (recorded).
    """

    def __init__(self, client: ClientAPI, collection: str, *, embedder: str = "") -> None:
        """Open or create the collection."""
        self._client = client
        self.name = collection
        self.embedder = embedder
        try:
            col = client.get_or_create_collection(
                collection,
                embedding_function=None,
                configuration=cast(Any, {"hnsw": HNSW_CONFIG}),
                metadata={"embedder": embedder or "unknown", "generation": ""},
            )
        except Exception as exc:
            raise RetrievalError(f"cannot open the chunk collection '{collection}': {exc}") from exc
        self._col: Collection = cast("Collection", _Guarded(col))

    def siblings(self, prefix: str = "chunks-") -> list[ChunkStore]:
        """The other collections on this client whose names start with ``prefix`` (the
        indexes of other embedders), each opened as a store."""
        try:
            names = [c.name for c in self._client.list_collections()]
        except Exception as exc:  # chromadb raises several unrelated types here
            raise unavailable(exc) or RetrievalError(f"无法列出知识库索引集合：{exc}") from exc
        return [
            ChunkStore(self._client, name)
            for name in sorted(names)
            if name.startswith(prefix) and name != self.name
        ]

    def count(self) -> int:
        """Number of chunks stored."""
        return int(self._col.count())

    def generation(self) -> str:
        """The current change marker (empty when never changed), as stored now."""
        try:
            meta = self._client.get_collection(self.name).metadata or {}
        except Exception as exc:  # chromadb raises several unrelated types here
            raise unavailable(exc) or RetrievalError(
                f"知识库索引集合「{self.name}」无法读取：{exc}"
            ) from exc
        return str(meta.get("generation", ""))

    def _bump(self) -> None:
        self._col.modify(
            metadata={"embedder": self.embedder or "unknown", "generation": uuid.uuid4().hex}
        )

    def add(
        self,
        chunks: Sequence[StoredChunk],
        vectors: Sequence[Sequence[float]],
    ) -> None:
        """Add or overwrite chunks with their vectors."""
        for start in range(0, len(chunks), MAX_BATCH):
            part = chunks[start : start + MAX_BATCH]
            self._col.upsert(
                ids=[c.id for c in part],
                embeddings=cast(Any, [list(v) for v in vectors[start : start + MAX_BATCH]]),
                documents=[c.text for c in part],
                metadatas=[dict(c.metadata) for c in part],  # type: ignore[misc]
            )
        self._bump()

    def delete_document(self, doc_id: str) -> int:
        """Delete every chunk of a document; returns how many were deleted."""
        found = self._col.get(where={"doc_id": doc_id}, include=[])
        ids = list(found["ids"])
        if ids:
            self._col.delete(ids=ids)
            self._bump()
        return len(ids)

    def chunk_metadata(self, doc_id: str) -> dict[str, Metadata]:
        """Every chunk of one document: id → metadata."""
        found = self._col.get(where={"doc_id": doc_id}, include=["metadatas"])
        metas = found["metadatas"] or []
        return {cid: _meta(m) for cid, m in zip(found["ids"], metas, strict=True)}

    def delete_ids(self, ids: Sequence[str]) -> None:
        """Delete chunks by id."""
        for start in range(0, len(ids), MAX_BATCH):
            self._col.delete(ids=list(ids[start : start + MAX_BATCH]))
        if ids:
            self._bump()

    def documents(self) -> dict[str, Metadata]:
        """Each stored document's first-chunk metadata, by doc id."""
        found = self._col.get(where={"chunk_index": 0}, include=["metadatas"])
        metas = found["metadatas"] or []
        return {str(m["doc_id"]): _meta(m) for m in metas if m}

    def iter_chunks(self, page: int = 2000) -> Iterator[StoredChunk]:
        """Every stored chunk (paged, so a large index does not load in one reply)."""
        offset = 0
        while True:
            found = self._col.get(include=["documents", "metadatas"], limit=page, offset=offset)
            ids = found["ids"]
            if not ids:
                return
            docs = found["documents"] or []
            metas = found["metadatas"] or []
            for cid, text, meta in zip(ids, docs, metas, strict=True):
                yield StoredChunk(id=cid, text=text or "", metadata=_meta(meta))
            offset += len(ids)

    def query(
        self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, float]]:
        """The ``k`` nearest chunk ids with their cosine similarity (fewer when the store
        holds fewer). One round trip: chroma returns what it has for a ``k`` beyond the
        collection's size, so the size is not asked first (with several workers each
        question would pay a second call to the chroma server)."""
        found = self._col.query(
            query_embeddings=cast(Any, [list(vector)]),
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        ids = found["ids"][0]
        distances = (found["distances"] or [[]])[0]
        return [(cid, 1.0 - float(d)) for cid, d in zip(ids, distances, strict=True)]

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        """Fetch chunks by id, in the given order (unknown ids are skipped)."""
        if not ids:
            return []
        found = self._col.get(ids=list(ids), include=["documents", "metadatas"])
        by_id = {
            cid: StoredChunk(cid, text or "", _meta(meta))
            for cid, text, meta in zip(
                found["ids"], found["documents"] or [], found["metadatas"] or [], strict=True
            )
        }
        return [by_id[i] for i in ids if i in by_id]
