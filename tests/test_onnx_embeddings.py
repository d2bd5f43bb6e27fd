"""The ONNX embedders: the default e5 (fp32) computes torch's vectors and shares its index;
e5-onnx (int8) stays within the bar and is never mixed with another's."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.config import Settings
from assistant.factory import build_search
from assistant.search.embeddings import CachedEmbeddings, HashingEmbeddings, make_embeddings
from tests.conftest import DOCS, FIXTURE_KB, MODEL_DIR


def test_each_embedder_has_its_own_cache_and_collection(tmp_path):
    names = {}
    for kind in ("e5-onnx", "e5", "e5-torch"):
        settings = Settings(data_dir=tmp_path, embeddings=kind)
        emb = make_embeddings(settings)  # nothing loads until the first call
        assert isinstance(emb, CachedEmbeddings)
        names[kind] = emb.name
    # e5 and e5-torch run the same network to the same vectors: one index, one cache.
    assert names == {"e5-onnx": "e5-small-onnx-int8", "e5": "e5-small", "e5-torch": "e5-small"}
    assert (tmp_path / "index" / "e5-small-onnx-int8-vectors.sqlite").is_file()
    assert (tmp_path / "index" / "e5-small-vectors.sqlite").is_file()


def test_a_new_embedder_reembeds_into_its_own_index_and_keeps_uploads(settings):
    """Switching embedders never mixes vectors: the new one gets its own collection, the
    knowledge is indexed into it, and uploads come over re-embedded with the new model."""
    from assistant.application import Application

    old = Application(settings)
    old._search = build_search(settings, embeddings=HashingEmbeddings(256))
    old.index_knowledge()
    [upload] = old.search_stack().indexer.ingest_files([DOCS / "hnte-measures-2016-32.txt"])
    assert upload.status == "added"
    old_store = old.search_stack().store

    new = Application(settings)
    new._search = build_search(settings, embeddings=HashingEmbeddings(512))
    new.index_knowledge()
    store = new.search_stack().store
    assert store.name != old_store.name
    assert store.embedder == "hashing-512"
    assert store.count() == old_store.count()  # every article and the upload, embedded anew
    assert upload.doc_id in store.documents()
    first = store.get([f"{upload.doc_id}#0000"])[0]
    assert first.text == old_store.get([f"{upload.doc_id}#0000"])[0].text
    hits = new.search_stack().retriever.search("高新技术企业认定管理办法 研究开发费用", 5)
    assert any(p.doc_id == upload.doc_id for p in hits)
    assert FIXTURE_KB.is_dir()


@pytest.mark.model
def test_onnx_int8_vectors_stay_close_to_torch(e5_torch):
    from assistant.core.knowledge import load_knowledge
    from assistant.search.onnx_e5 import OnnxE5Embeddings

    knowledge = load_knowledge(FIXTURE_KB)
    passages = [a.body[:500] for a in knowledge.articles][:24]
    queries = ["研发投入要占营收多少才能评高企", "科技型中小企業的評價條件", "职工总数多少人以下"]
    onnx = OnnxE5Embeddings(MODEL_DIR)
    torch_p = np.asarray(e5_torch.embed_documents(passages))
    onnx_p = np.asarray(onnx.embed_documents(passages))
    torch_q = np.asarray([e5_torch.embed_query(q) for q in queries])
    onnx_q = np.asarray([onnx.embed_query(q) for q in queries])
    assert (torch_p * onnx_p).sum(axis=1).min() >= 0.99
    assert (torch_q * onnx_q).sum(axis=1).min() >= 0.99
    assert np.allclose(np.linalg.norm(onnx_p, axis=1), 1.0, atol=1e-4)
    # The same passage ranks first for every query.
    assert ((torch_q @ torch_p.T).argmax(axis=1) == (onnx_q @ onnx_p.T).argmax(axis=1)).all()


@pytest.mark.model
def test_onnx_fp32_is_the_torch_model(e5_torch):
    """The default embedder's fused graph computes torch's vectors, padded batches and
    truncated long texts included: that is what lets the two share one index."""
    from assistant.core.knowledge import load_knowledge
    from assistant.search.onnx_e5 import OnnxE5Embeddings

    knowledge = load_knowledge(FIXTURE_KB)
    texts = [a.body[:400] for a in knowledge.articles][:20]
    texts += ["高新技术企业认定管理办法", "ｆｕｌｌ－ｗｉｄｔｈ ＡＢＣ 研发费用", "a" * 3000]
    onnx = OnnxE5Embeddings(MODEL_DIR, precision="fp32", batch_size=8)
    torch_p = np.asarray(e5_torch.embed_documents(texts))
    onnx_p = np.asarray(onnx.embed_documents(texts))
    assert np.abs(torch_p - onnx_p).max() < 1e-5
    queries = ["研发投入要占营收多少才能评高企", "科技型中小企業的評價條件"]
    torch_q = np.asarray([e5_torch.embed_query(q) for q in queries])
    assert np.abs(torch_q - np.asarray([onnx.embed_query(q) for q in queries])).max() < 1e-5


@pytest.mark.model
def test_an_older_onnx_export_gets_the_fused_model_added(tmp_path):
    """An ONNX folder exported before the fused model existed is completed in place; the
    int8 model already there is kept (its vectors key an index of their own)."""
    from assistant.search.e5_build import is_built
    from assistant.search.onnx_e5 import FP32_FILE, FUSED_FILE, INT8_FILE, ensure_onnx

    current = ensure_onnx(MODEL_DIR)
    older = tmp_path / "e5-onnx"
    older.mkdir()
    for name in (FP32_FILE, INT8_FILE, "BUILD_OK"):
        (older / name).symlink_to(current / name)
    assert is_built(older)
    ensure_onnx(MODEL_DIR, older)
    assert (older / FUSED_FILE).is_file()
    assert not (older / FUSED_FILE).is_symlink()
    assert (older / INT8_FILE).is_symlink()
    assert not list(older.glob(".*part"))


@pytest.mark.model
def test_passages_batched_by_length_come_back_in_their_order():
    """Passages are batched longest first (less padding); each vector is still its own."""
    from assistant.search.onnx_e5 import OnnxE5Embeddings

    texts = ["研发费用", "高新技术企业认定管理办法" * 20, "科小", "职工总数" * 5, "a" * 3000]
    onnx = OnnxE5Embeddings(MODEL_DIR, precision="fp32", batch_size=2)
    together = np.asarray(onnx.embed_documents(texts))
    alone = np.asarray([onnx.embed_documents([t])[0] for t in texts])
    assert (together * alone).sum(axis=1).min() >= 0.9999
