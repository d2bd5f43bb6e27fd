"""Tokenising e5 inputs and batching them by length, for the torch and the ONNX embedder.

Both embedders run the same network on the same token ids: the model folder's own
``tokenizer.json`` (truncated at 512 tokens) after the model's ``query: ``/``passage: ``
prefix, and the texts normalised first (traditional → simplified, full-width → half-width),
so a traditional query meets simplified passages.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.text import normalize
from assistant.errors import ModelError

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer

MAX_TOKENS = 512
PREFIX = {"query": "query: ", "passage": "passage: "}
PAD_ID = 1  # <pad> in XLM-R's vocabulary


def load_tokenizer(model_dir: Path) -> Tokenizer:
    """The model folder's tokenizer, truncating at the model's 512 tokens.

    Raises:
        ModelError: the folder has no readable ``tokenizer.json``.
    """
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    except Exception as exc:  # tokenizers raises its own exception type
        raise ModelError(
            f"{model_dir}: cannot read tokenizer.json ({exc}); delete the folder to rebuild it"
        ) from exc
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


def padded(encodings: list[Encoding]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids and attention mask of one batch, padded to its longest member."""
    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(encodings), width), PAD_ID, dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, enc in enumerate(encodings):
        ids[row, : len(enc.ids)] = enc.ids
        mask[row, : len(enc.ids)] = 1
    return ids, mask


def embed_in_length_batches(
    tokenizer: Tokenizer,
    texts: list[str],
    prompt: str,
    batch_size: int,
    forward: Callable[[list[Encoding]], Any],
) -> list[list[float]]:
    """Vectors of ``texts`` in their order, computed in batches of similar length.

    A batch is padded to its longest text, so mixing a 500-token article with 20-token list
    items would spend most of a forward pass on padding: the texts go longest first (as
    sentence-transformers does) and each vector is put back in its place.

    Args:
        tokenizer: From :func:`load_tokenizer`.
        texts: Raw texts (normalised and prefixed here).
        prompt: ``query`` or ``passage``.
        batch_size: Texts per forward pass.
        forward: One batch of encodings → an array of unit vectors, one row each.
    """
    # The tokenizer's batch call releases the GIL and runs in parallel.
    encodings = tokenizer.encode_batch([PREFIX[prompt] + normalize(t) for t in texts])
    order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids), reverse=True)
    out: list[list[float]] = [[] for _ in texts]
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        vectors = forward([encodings[i] for i in rows]).tolist()
        for i, vector in zip(rows, vectors, strict=True):
            out[i] = vector
    return out
