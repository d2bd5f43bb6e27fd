"""Layering: the pure core never imports heavy libraries; the CLI starts light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT

HEAVY = ("chromadb", "sentence_transformers", "torch", "gradio", "langchain_core", "transformers")


@pytest.mark.parametrize(
    "module", ["assistant.core.knowledge", "assistant.core.chunking", "assistant.core.text"]
)
def test_pure_modules_import_no_heavy_library(module):
    code = f"import sys, {module}; print([m for m in {HEAVY!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_cli_module_loads_without_torch_or_gradio():
    code = (
        "import sys, assistant.cli; "
        "print([m for m in ('torch','gradio','chromadb') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, check=True
    )
    assert out.stdout.strip() == "[]"
