"""Build the model and fill the test run's e5 vector cache before pytest starts.

``scripts/test.sh`` runs this beside the lint and type checks. Without it, on a fresh clone
each pytest-xdist worker builds the model and embeds the knowledge base's passages and
sentences itself, at the same time as the other (about a minute and a half each). The tests
read the same cache file through the ``e5`` fixture; nothing here changes what they check.

Usage: ``python -m tests.warm_cache``
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from assistant.config import Settings, offline_environment
from tests.conftest import E5_CACHE, MODEL_DIR


def main() -> None:
    """Build (when missing) and warm; print what it took."""
    offline_environment()
    from assistant.factory import build_chat, build_search
    from assistant.search.embeddings import CachedEmbeddings
    from assistant.search.onnx_e5 import OnnxE5Embeddings

    start = time.perf_counter()
    e5 = CachedEmbeddings(OnnxE5Embeddings(MODEL_DIR, precision="fp32"), E5_CACHE)
    with tempfile.TemporaryDirectory(prefix="warm-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        stack = build_search(settings, embeddings=e5)
        stack.indexer.index_knowledge(stack.knowledge)
        chat = build_chat(settings, stack)
        index = stack.retriever.keyword_index()
        sentences = chat.leads.warm(
            [str(c.metadata.get("display") or c.text) for c in index.chunks]
        )
        chat.ask("高企的认定条件有哪些？", as_of=dt.date(2026, 11, 22))
    seconds = time.perf_counter() - start
    print(f"warm_cache: model and {len(index)} passages, {sentences} sentences in {seconds:.0f} s")


if __name__ == "__main__":
    main()
