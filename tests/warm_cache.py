"""Build the model and fill the test run's e5 vector cache before pytest starts.

``scripts/test.sh`` runs this beside the lint and type checks. Without it, on a fresh clone
each pytest-xdist worker builds the model and embeds the knowledge base's passages and
sentences itself, at the same time as the other (about a minute and a half each). The tests
read the same cache file through the ``e5`` fixture; nothing here changes what they check.

Usage: ``python -m tests.warm_cache``
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from assistant.config import Settings, offline_environment
from tests.conftest import real_e5, with_test_cache


def main() -> None:
    """Build (when missing) and warm, as an evaluation run does; print what it took."""
    offline_environment()
    from eval.harness import build_target

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="warm-") as tmp:
        target = build_target(
            Settings(), Path(tmp), ["answers"], embeddings=with_test_cache(real_e5())
        )
        passages = len(target.retriever.keyword_index())
    print(f"warm_cache: model and {passages} passages in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
