"""BM25 keyword index over jieba tokens, with the glossary as a domain dictionary.

rank-bm25 scores every document in a Python loop per query term (~20 ms at 10,000
chunks); this index keeps an inverted list per term as numpy arrays, so a query costs
only the postings of its own terms (well under a millisecond at that size).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from assistant.core.text import normalize
from assistant.search.chunk_store import StoredChunk

_STOP = set(
    "的 了 是 在 和 与 及 或 等 为 对 于 以 并 其 该 这 那 我 我们 你 你们 他 她 它 要 能 "
    "会 可以 可 吗 呢 吧 啊 呀 么 什么 多少 怎么 怎样 如何 哪些 哪个 需要 有 没有 是否 "
    "一个 一下 才能 才 就 都 也 还 请问 公司 企业".split()
)
_TOKEN_OK = re.compile(r"[\w\u4e00-\u9fff%]")
TOKENS_KEY = "bm25_tokens"
VOCAB_KEY = "bm25_vocab"
_SEP = "\x1f"  # the unit separator: never inside a token (tokens are words)
# What a glossary synonym the question did not say weighs in BM25 beside its own words: a
# query expanded from 研发 to 研究开发 must not rank articles that repeat 研究开发 above the
# ones that carry the question's other words (占比). Tuned on the retrieval set and the
# dev halves only.
EXPANSION_WEIGHT = 0.5


# Years named relative to today stay whole: 「明年报」 is next year's application, not 年报
# (the annual report).
_YEARS = ["大前年", "前年", "去年", "今年", "明年", "后年"]


class Tokenizer:
    """jieba search-mode tokenizer that keeps domain words whole.

    Args:
        domain_words: Words (program names, terms) jieba must not split.
        synonyms: Term -> equivalent terms added to queries (e.g. 营收 -> 销售收入).
    """

    def __init__(
        self,
        domain_words: Iterable[str] = (),
        synonyms: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """Build a private jieba tokenizer (the global one is left untouched)."""
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba: Any = jieba.Tokenizer()
        for word in domain_words:
            self._jieba.add_word(normalize(word), freq=200000)
        self._synonyms = {
            normalize(k): [normalize(x) for x in v] for k, v in (synonyms or {}).items()
        }
        for word in list(self._synonyms) + [x for v in self._synonyms.values() for x in v]:
            self._jieba.add_word(word, freq=200000)
        for word in _YEARS:  # above the domain words: 年报 is one of them
            self._jieba.add_word(word, freq=2000000)
        self._lock = threading.Lock()
        vocabulary = json.dumps(
            [sorted(normalize(w) for w in domain_words), sorted(self._synonyms.items()), _YEARS],
            ensure_ascii=False,
        )
        self.fingerprint = hashlib.sha256(vocabulary.encode()).hexdigest()[:16]
        """Identifies the dictionary: tokens stored with another fingerprint are redone."""

    def tokens(self, text: str) -> list[str]:
        """Index tokens of a text (normalised, stop words and punctuation dropped)."""
        with self._lock:  # jieba's lazy initialisation is not thread-safe
            words = self._jieba.cut_for_search(normalize(text).lower())
            return [w for w in words if w.strip() and w not in _STOP and _TOKEN_OK.search(w)]

    def index_terms(self, chunk: StoredChunk) -> Counter[str]:
        """A chunk's term counts: its text and, counted twice, its article title.

        A knowledge article's title states what it answers: its words count twice (the
        indexed text already holds them once), a cheap form of BM25F. Tokens stored with
        the chunk at ingestion (:data:`TOKENS_KEY`) are used when they were made with this
        dictionary: jieba is most of the cost of building the index, and every worker
        process builds it.
        """
        stored = chunk.metadata.get(TOKENS_KEY)
        if isinstance(stored, str) and chunk.metadata.get(VOCAB_KEY) == self.fingerprint:
            return Counter(t for t in stored.split(_SEP) if t)
        title = str(chunk.metadata.get("article_title", ""))
        return Counter(self.tokens(f"{chunk.text}\n{title}"))

    def stored_terms(self, chunk: StoredChunk) -> dict[str, str]:
        """The metadata that stores a chunk's index tokens with it (see :meth:`index_terms`)."""
        title = str(chunk.metadata.get("article_title", ""))
        tokens = self.tokens(f"{chunk.text}\n{title}")
        return {TOKENS_KEY: _SEP.join(tokens), VOCAB_KEY: self.fingerprint}

    def is_word(self, token: str) -> bool:
        """Whether jieba's dictionary (with the domain words) knows the token, or it is a
        number: a pair of characters its HMM glued together (分算, 上差) is not."""
        if re.fullmatch(r"[\d.%]+|[a-z]+", token):
            return True
        with self._lock:
            self._jieba.check_initialized()
            return bool(self._jieba.FREQ.get(token))

    def query_tokens(self, text: str) -> list[str]:
        """Tokens of a query, with glossary synonyms added."""
        own, added = self.weighted_query_tokens(text)
        return own + added

    def weighted_query_tokens(self, text: str) -> tuple[list[str], list[str]]:
        """A query's own tokens, and the tokens its glossary synonyms add that it does not
        have itself (those weigh less in a ranking: see :data:`EXPANSION_WEIGHT`)."""
        tokens = self.tokens(text)
        extra = [syn for tok in tokens for syn in self._synonyms.get(tok, ())]
        own = set(tokens)
        added = [t for syn in extra for t in self.tokens(syn) if t not in own]
        return tokens, list(dict.fromkeys(added))


class KeywordIndex:
    """An in-memory BM25 index that also holds each chunk's text and metadata.

    Args:
        chunks: The chunks to index.
        tokenizer: The tokenizer for chunks and queries.
        k1: BM25 term-frequency saturation.
        b: BM25 length normalisation.
    """

    def __init__(
        self,
        chunks: Iterable[StoredChunk],
        tokenizer: Tokenizer,
        *,
        k1: float = 1.5,
        b: float = 0.75,
    ) -> None:
        """Tokenise every chunk and build the postings."""
        self.tokenizer = tokenizer
        self.chunks: list[StoredChunk] = list(chunks)
        self.position = {c.id: i for i, c in enumerate(self.chunks)}
        postings: dict[str, list[tuple[int, int]]] = {}
        lengths = np.zeros(len(self.chunks), dtype=np.float32)
        for i, chunk in enumerate(self.chunks):
            counts = tokenizer.index_terms(chunk)
            lengths[i] = sum(counts.values())
            for term, tf in counts.items():
                postings.setdefault(term, []).append((i, tf))
        n = max(len(self.chunks), 1)
        avg = float(lengths.mean()) if len(self.chunks) else 1.0
        self._norm = k1 * (1 - b + b * lengths / max(avg, 1e-9))
        self._k1 = k1
        self._postings: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.float32], float]] = {}
        for term, items in postings.items():
            docs = np.fromiter((d for d, _ in items), dtype=np.int64, count=len(items))
            tfs = np.fromiter((t for _, t in items), dtype=np.float32, count=len(items))
            idf = math.log(1 + (n - len(items) + 0.5) / (len(items) + 0.5))
            self._postings[term] = (docs, tfs, idf)

    def __len__(self) -> int:
        """Number of chunks indexed."""
        return len(self.chunks)

    def idf(self, term: str) -> float | None:
        """The BM25 inverse document frequency of a (normalised) term; None when no chunk
        has it."""
        posting = self._postings.get(term)
        return None if posting is None else posting[2]

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """BM25 score of every chunk for a query (zeros where no term matches)."""
        scores = np.zeros(len(self.chunks), dtype=np.float32)
        own, added = self.tokenizer.weighted_query_tokens(query)
        weighted = [(t, 1.0) for t in dict.fromkeys(own)] + [(t, EXPANSION_WEIGHT) for t in added]
        for term, weight in weighted:
            posting = self._postings.get(term)
            if posting is None:
                continue
            docs, tfs, idf = posting
            scores[docs] += weight * idf * tfs * (self._k1 + 1) / (tfs + self._norm[docs])
        return scores
