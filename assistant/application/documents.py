"""The staff's list of indexed documents, from the index's own records."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any


def document_rows(
    chunks: Iterable[Any], documents: Mapping[str, Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """One row per document (sorted by id) with its metadata and its chunk count."""
    counts = Counter(str(chunk.metadata.get("doc_id", "")) for chunk in chunks)
    return [
        {
            "doc_id": d,
            "title": m.get("title"),
            "article_title": m.get("article_title") or None,
            "type": m.get("doc_type"),
            "program": m.get("program"),
            "source": m.get("source"),
            "effective": m.get("effective") or None,
            "expires": m.get("expires") or None,
            "indexed": m.get("indexed") or None,
            "chunks": counts.get(d, 0),
        }
        for d, m in sorted(documents.items())
    ]
