"""Which template answers a question: e5 cosine to its triggers, and program agreement.

A question matches a template when the cosine similarity of its embedding to one of the
template's triggers reaches ``Settings.template_threshold`` (tuned on
``tests/data/template_pairs.yaml``, see ``bench/templates.py``), that trigger does not ask
about a clearly different aspect or subject (:mod:`assistant.templates.topics`), and, when
the question names programs, the template is tagged with all of them: 「高企研发费用要求」 must
not get the 科技型中小企业 answer however close the wording.

Program names are removed before embedding: programs are compared by the rule above, and
left in, they dominate e5's vector (two questions naming 泉城好品 score ≈0.95 whatever they
ask), so the cosine would measure the program instead of the question. Questions and
triggers are both questions, so both are embedded with e5's ``query: `` prompt (the
symmetric use the model card recommends). Vectors are kept in memory by text.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.core.results import TemplateSuggestion
from assistant.core.text import normalize
from assistant.templates.template_store import TemplateStore
from assistant.templates.topics import topics_agree

MAX_CACHED = 4096
SUGGESTIONS = 3


@dataclass(frozen=True)
class Candidate:
    """A template scored against a question."""

    template: dict[str, Any]
    score: float
    trigger: str
    programs_agree: bool
    topics_agree: bool = True

    def suggestion(self) -> TemplateSuggestion:
        """The short form shown to staff (``template_suggestions``)."""
        return {
            "id": self.template["id"],
            "title": self.template["title"],
            "score": round(self.score, 4),
            "status": self.template["status_text"],
        }


def programs_agree(question_programs: Iterable[str], template_programs: Iterable[str]) -> bool:
    """Whether a template may answer for the programs a question names (all of them must
    be among its tags; a question naming none leaves it to the wording).

    >>> programs_agree(["hnte"], ["hnte", "tech_sme"]), programs_agree(["srdi_sme"], ["hnte"])
    (True, False)
    >>> programs_agree([], ["hnte"])
    True
    """
    return set(question_programs) <= set(template_programs)


class TemplateMatcher:
    """Scores questions against templates and picks the one that answers, if any.

    Args:
        store: The templates.
        embeddings: The embedder (e5 in production, hashing in fast tests).
        threshold: The cosine a trigger needs.
        program_names: Names and abbreviations of the programs, removed before embedding
            (the glossary's ``program_names`` values).
    """

    def __init__(
        self,
        store: TemplateStore,
        embeddings: Embeddings,
        threshold: float,
        program_names: Iterable[str] = (),
    ) -> None:
        """Wire the parts; vectors are computed on first use."""
        self.store = store
        self.embeddings = embeddings
        self.threshold = threshold
        names = sorted({normalize(n) for n in program_names if n}, key=len, reverse=True)
        self._names = re.compile("|".join(map(re.escape, names))) if names else None
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def without_programs(self, text: str) -> str:
        """The normalised text with program names removed (what is embedded).

        >>> m = TemplateMatcher(None, None, 0.9, ["高企", "高新技术企业"])
        >>> m.without_programs("高企的有效期")
        '的有效期'
        """
        text = normalize(text).strip()
        return self._names.sub("", text).strip() if self._names else text

    def vector(self, text: str) -> np.ndarray:
        """The unit query vector of a text without its program names (cached)."""
        key = self.without_programs(text) or normalize(text).strip()
        with self._lock:
            if key in self._vectors:
                self._vectors.move_to_end(key)
                return self._vectors[key]
        vec = np.asarray(self.embeddings.embed_query(key), dtype=np.float32)
        norm = float(np.linalg.norm(vec))
        vec = vec / norm if norm else vec
        with self._lock:
            self._vectors[key] = vec
            while len(self._vectors) > MAX_CACHED:
                self._vectors.popitem(last=False)
        return vec

    def similarity(self, question: str, trigger: str) -> float:
        """Cosine similarity of two texts."""
        return float(self.vector(question) @ self.vector(trigger))

    def rank(
        self, question: str, templates: list[dict[str, Any]], question_programs: list[str]
    ) -> list[Candidate]:
        """Templates by their best trigger's similarity, highest first."""
        q = self.vector(question)
        out = []
        for t in templates:
            scored = [
                (topics_agree(question, trig), float(q @ self.vector(trig)), trig)
                for trig in t["triggers"]
            ]
            if not scored:
                continue
            agree, score, trigger = max(scored)  # the best trigger on the same topic, if any
            programs = programs_agree(question_programs, t["programs"])
            out.append(Candidate(t, score, trigger, programs, agree))
        return sorted(out, key=lambda c: -c.score)

    def accepts(self, candidate: Candidate) -> bool:
        """Whether a candidate is close enough and agrees on programs and topic."""
        return (
            candidate.score >= self.threshold
            and candidate.programs_agree
            and candidate.topics_agree
        )

    def lookup(
        self, question: str, question_programs: list[str], day: dt.date
    ) -> tuple[Candidate | None, list[Candidate]]:
        """The usable template that answers (approved, not stale, close enough, programs
        agreeing), and the closest templates of any open status as suggestions for staff."""
        open_ = [t for t in self.store.all(day=day) if t["status"] != "retired"]
        if not open_:
            return None, []
        ranked = self.rank(question, open_, question_programs)
        usable = [
            c for c in ranked if c.template["status"] == "approved" and not c.template["stale"]
        ]
        hit = next((c for c in usable if self.accepts(c)), None)
        suggestions = [c for c in ranked if hit is None or c.template["id"] != hit.template["id"]]
        return hit, suggestions[:SUGGESTIONS]

    def search(
        self, query: str, templates: list[dict[str, Any]], limit: int = 20
    ) -> list[dict[str, Any]]:
        """Staff search: keyword hits (title, triggers, body) first, then by meaning.

        Each result carries ``score`` (the best trigger cosine) and ``keyword`` (a literal
        hit); results below half the threshold that are no keyword hit are left out.
        """
        needle = normalize(query).strip().lower()
        out = []
        for c in self.rank(query, templates, []):
            t = c.template
            haystack = normalize(" ".join([t["title"], *t["triggers"], t["body"]])).lower()
            keyword = bool(needle) and needle in haystack
            if keyword or c.score >= self.threshold / 2:
                out.append({**t, "score": round(c.score, 4), "keyword": keyword})
        out.sort(key=lambda t: (not t["keyword"], -t["score"]))
        return out[:limit]
