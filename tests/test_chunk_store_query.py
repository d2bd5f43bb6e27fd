"""A vector query is one call to chroma, also when the store holds fewer chunks than asked
for or none: on the embedded store and on a chroma server (where each call is a round trip
every worker pays per question)."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.search.chunk_store import ChunkStore, StoredChunk, make_chroma_client
from tests.conftest import free_port
from tests.test_faults import _start_chroma


def _check(store: ChunkStore) -> None:
    assert store.query([1.0, 0.0, 0.0], 10) == []
    chunks = [
        StoredChunk("a", "高企有效期三年", {"doc_id": "d1", "chunk_index": 0}),
        StoredChunk("b", "科技型中小企业职工不超过500人", {"doc_id": "d2", "chunk_index": 0}),
    ]
    store.add(chunks, [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    found = store.query([1.0, 0.1, 0.0], 10)
    assert [cid for cid, _sim in found] == ["a", "b"]
    assert found[0][1] > 0.99
    assert found[1][1] < 0.2
    assert [cid for cid, _ in store.query([1.0, 0.0, 0.0], 10, {"doc_id": "d2"})] == ["b"]
    assert store.query([1.0, 0.0, 0.0], 10, {"doc_id": "none"}) == []


def _counting(store: ChunkStore) -> list[str]:
    calls: list[str] = []
    col = store._col

    class Counting:
        def __getattr__(self, name):
            calls.append(name)
            return getattr(col, name)

    store._col = Counting()  # type: ignore[assignment]
    return calls


def test_query_on_the_embedded_store(tmp_path):
    store = ChunkStore(make_chroma_client(Settings(data_dir=tmp_path)), "chunks-test")
    _check(store)
    calls = _counting(store)
    store.query([1.0, 0.0, 0.0], 10)
    assert calls == ["query"]


@pytest.mark.server
def test_query_on_a_chroma_server(tmp_path):
    port = free_port()
    server = _start_chroma(tmp_path / "chroma", port)
    try:
        settings = Settings(data_dir=tmp_path / "data", chroma_url=f"http://127.0.0.1:{port}")
        store = ChunkStore(make_chroma_client(settings), "chunks-test")
        _check(store)
        calls = _counting(store)
        store.query([1.0, 0.0, 0.0], 10)
        assert calls == ["query"]
    finally:
        server.terminate()
        server.wait(timeout=30)
