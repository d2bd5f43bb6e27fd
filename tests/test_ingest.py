"""Ingestion into the real chromadb store: idempotent, replacing, removing, fault-tolerant."""

from __future__ import annotations

import shutil

from assistant.core.knowledge import load_knowledge
from assistant.factory import build_search
from tests.conftest import DOCS
from tests.docgen import HNTE_PDF_LINES, make_docx, make_pdf


def _ids(stack):
    return sorted(c.id for c in stack.store.iter_chunks())


def test_reingesting_unchanged_files_changes_nothing(settings, tmp_path):
    stack = build_search(settings)
    first = stack.indexer.ingest_files([DOCS])
    assert {r.status for r in first} == {"added"}
    before, generation = _ids(stack), stack.store.generation()
    second = stack.indexer.ingest_files([DOCS])
    assert {r.status for r in second} == {"unchanged"}
    assert _ids(stack) == before
    assert stack.store.generation() == generation  # nothing was written


def test_index_survives_a_restart(settings):
    build_search(settings).indexer.ingest_files([DOCS])
    again = build_search(settings)  # a new process would do exactly this
    assert {r.status for r in again.indexer.ingest_files([DOCS])} == {"unchanged"}


def test_a_changed_file_replaces_its_old_chunks(settings, tmp_path):
    path = tmp_path / "notice.txt"
    path.write_text(
        "第一条 旧的规定内容。\n第二条 旧的第二条。\n第三条 旧的第三条。", encoding="utf-8"
    )
    stack = build_search(settings)
    stack.indexer.ingest_files([path])
    path.write_text("第一条 新的规定内容。\n第二条 新的第二条。", encoding="utf-8")
    [result] = stack.indexer.ingest_files([path])
    assert result.status == "updated"
    texts = [c.text for c in stack.store.iter_chunks()]
    assert len(texts) == 2
    assert not any("旧的" in t for t in texts)


def test_remove_by_path_and_by_doc_id(settings, tmp_path):
    stack = build_search(settings)
    results = stack.indexer.ingest_files(
        [DOCS / "hnte-measures-2016-32.txt", DOCS / "tech-sme-evaluation-2017-115.md"]
    )
    [by_path] = stack.indexer.remove([str(DOCS / "hnte-measures-2016-32.txt")])
    assert by_path.status == "removed"
    assert by_path.chunks == results[0].chunks
    [by_id] = stack.indexer.remove([results[1].doc_id])
    assert by_id.status == "removed"
    assert stack.store.count() == 0
    [missing] = stack.indexer.remove(["file-0000000000000000"])
    assert missing.status == "not_found"


def test_pdf_and_docx_fixtures_ingest_and_a_corrupt_pdf_does_not_stop_the_batch(settings, tmp_path):
    pdf = make_pdf(tmp_path / "hnte.pdf", HNTE_PDF_LINES)
    docx = make_docx(
        tmp_path / "notice.docx",
        ["科技型中小企业评价工作通知", "第一条 企业自主评价。", "第二条 省级部门审核。"],
    )
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n garbage")
    stack = build_search(settings)
    stack.indexer.ingest_files([DOCS / "hnte-measures-2016-32.txt"])
    before = stack.store.count()
    results = {r.source.rsplit("/", 1)[-1]: r for r in stack.indexer.ingest_files([bad, pdf, docx])}
    assert results["broken.pdf"].status == "failed"
    assert "broken.pdf" in results["broken.pdf"].message
    assert results["hnte.pdf"].status == "added"
    assert results["notice.docx"].status == "added"
    assert (
        stack.store.count() == before + results["hnte.pdf"].chunks + results["notice.docx"].chunks
    )
    pdf_chunks = [
        c for c in stack.store.iter_chunks() if c.metadata["doc_id"] == results["hnte.pdf"].doc_id
    ]
    assert {c.metadata["article"] for c in pdf_chunks} >= {"第十条", "第十一条", "第十二条"}
    assert all(c.metadata["program"] == "hnte" for c in pdf_chunks)


def test_knowledge_sync_adds_replaces_and_deletes_articles(settings, kb_copy):
    settings = settings.model_copy(update={"knowledge_dir": kb_copy})
    stack = build_search(settings)
    first = stack.indexer.index_knowledge(stack.knowledge)
    assert {r.status for r in first} == {"added"}
    assert {r.status for r in stack.indexer.index_knowledge(stack.knowledge)} == {"unchanged"}
    (kb_copy / "programs/hnte/articles/hnte-validity.md").unlink()
    art = kb_copy / "programs/hnte/articles/hnte-tech-staff-ratio.md"
    art.write_text(art.read_text(encoding="utf-8").replace("10%", "百分之十"), encoding="utf-8")
    knowledge = load_knowledge(kb_copy)
    statuses = {r.doc_id: r.status for r in stack.indexer.index_knowledge(knowledge)}
    assert statuses["kb-hnte-validity"] == "removed"
    assert statuses["kb-hnte-tech-staff-ratio"] == "updated"
    assert statuses["kb-hnte-registration-age"] == "unchanged"
    assert "kb-hnte-validity" not in stack.store.documents()


def test_chunks_carry_citation_metadata_and_traditional_text_is_indexed_simplified(
    settings, tmp_path
):
    stack = build_search(settings)
    shutil.copy(DOCS / "quancheng_batch2_traditional.txt", tmp_path / "t.txt")
    stack.indexer.ingest_files([tmp_path / "t.txt"])
    chunk = next(stack.store.iter_chunks())
    assert "区域公共品牌" in chunk.text  # indexed form is simplified
    assert "區域公共品牌" in chunk.metadata["display"]  # the original is kept for display
    assert chunk.metadata["program"] == "quancheng_haopin" or chunk.metadata["program"] == ""
    assert chunk.id.endswith("#0000")
