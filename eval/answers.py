"""Answer-quality evaluation: run the answer set through the chat assistant and grade it.

An item passes when the refusal is right, every ``must_contain`` group has one of its strings
in the answer (compared in simplified Chinese, thousands separators ignored), and, for
answered items, a citation points at one of the ``must_cite`` articles. Each item is asked in
a fresh session. The format of the set is described in eval/README.md.

Metrics (:func:`summary`), each averaged over items:

- ``key_fact_accuracy``: per item, the share of its ``must_contain`` groups found in the
  answer (a group is one key fact, its strings are alternative spellings); over the items
  that have groups.
- ``citation_precision``: per item, |cited ∩ must_cite| / |cited|, where *cited* is the set
  of knowledge articles the answer cites; over the items that should be answered, have
  ``must_cite`` and cite something (precision is undefined for an answer that cites nothing).
- ``citation_recall``: per item, |cited ∩ must_cite| / |must_cite|; over the items that
  should be answered and have ``must_cite`` (a wrongly refused item counts 0).
- ``citation_hit_rate``: the share of those items citing at least one ``must_cite`` article
  (the pass criterion; ``must_cite`` lists articles that each carry the answer).
- ``refusal_precision`` / ``refusal_recall``: see :func:`eval.metrics.refusal_precision_recall`.
- ``pass_rate``: the share of items passing every check above.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from eval.metrics import (
    citation_precision,
    citation_recall,
    mean,
    mean_or_none,
    percentile,
    refusal_precision_recall,
)

if TYPE_CHECKING:
    from assistant.core.results import Answer

SETS = Path(__file__).parent / "sets" / "answers"
AS_OF = dt.date(2026, 11, 22)


@dataclass(frozen=True)
class AnswerItem:
    """A question with what its answer must contain and cite."""

    question: str
    program: Any
    kind: str
    must_contain: list[list[str]]
    must_cite: list[str]
    refuse: bool
    traditional: bool
    source: str = ""

    @property
    def programs(self) -> list[str]:
        """The item's programs for per-program figures (``general`` when it names none)."""
        if isinstance(self.program, list):
            return [str(p) for p in self.program] or ["general"]
        return [str(self.program or "general")]


@dataclass
class Graded:
    """One item's result."""

    item: AnswerItem
    passed: bool
    reasons: list[str] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=dict)
    ms: float = 0.0

    @property
    def refused(self) -> bool:
        """Whether the assistant refused."""
        return bool(self.answer.get("refused"))

    @property
    def cited(self) -> set[str]:
        """Knowledge article ids the answer cites (``kb-`` prefix removed)."""
        return {
            str(c.get("source_id", "")).removeprefix("kb-")
            for c in self.answer.get("citations", [])
        }

    @property
    def facts_found(self) -> float | None:
        """Share of the item's key facts found in the answer (None: the item has none)."""
        if not self.item.must_contain:
            return None
        text = plain_text(str(self.answer.get("answer", "")))
        found = sum(group_found(g, text) for g in self.item.must_contain)
        return found / len(self.item.must_contain)


def plain_text(text: str) -> str:
    """Answer text as compared: simplified Chinese, no thousands separators."""
    from assistant.core.text import to_simplified

    return to_simplified(text).replace(",", "")


def group_found(group: list[str], plain_answer: str) -> bool:
    """Whether one of the alternatives of a key fact is in the (plain) answer."""
    return any(plain_text(s) in plain_answer for s in group)


def load_answer_set(folder: Path = SETS) -> list[AnswerItem]:
    """Every item of every ``*.yaml`` file in the folder (``promoted.yaml``, which the
    review console writes, included)."""
    items = []
    for path in sorted(folder.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items.append(
                AnswerItem(
                    question=str(raw["question"]),
                    program=raw.get("program"),
                    kind=str(raw["kind"]),
                    must_contain=[list(map(str, g)) for g in raw.get("must_contain") or []],
                    must_cite=list(raw.get("must_cite") or []),
                    refuse=bool(raw.get("refuse")),
                    traditional=bool(raw.get("traditional")),
                    source=str(raw.get("source", "")),
                )
            )
    return items


def grade(item: AnswerItem, answer: Answer) -> tuple[bool, list[str]]:
    """Whether an answer passes the item, and why not."""
    reasons = []
    if answer["refused"] != item.refuse:
        reasons.append(f"refused={answer['refused']} (want {item.refuse})")
    text = plain_text(answer["answer"])
    for group in item.must_contain:
        if not group_found(group, text):
            reasons.append(f"missing {group}")
    if not item.refuse:
        cited = {c["source_id"].removeprefix("kb-") for c in answer["citations"]}
        if item.must_cite and not cited & set(item.must_cite):
            reasons.append(f"cites {sorted(cited)} not {item.must_cite}")
    return not reasons, reasons


def run(chat: Any, items: list[AnswerItem]) -> list[Graded]:
    """Ask every item (fresh session each) and grade it."""
    out = []
    for item in items:
        start = time.perf_counter()
        answer = chat.ask(item.question, as_of=AS_OF)
        ms = (time.perf_counter() - start) * 1000
        passed, reasons = grade(item, answer)
        out.append(Graded(item, passed, reasons, answer, ms))
    return out


def metrics(results: list[Graded]) -> dict[str, float | None]:
    """The answer metrics of the module docstring over ``results`` (rounded to 4 places;
    None when no item has anything to measure, e.g. key facts of refusals only)."""
    cite_rows = [r for r in results if not r.item.refuse and r.item.must_cite]
    precisions = [citation_precision(r.cited, set(r.item.must_cite)) for r in cite_rows]
    recalls = [citation_recall(r.cited, set(r.item.must_cite)) for r in cite_rows]
    facts = [r.facts_found for r in results]
    refusal_p, refusal_r = refusal_precision_recall((r.item.refuse, r.refused) for r in results)
    values = {
        "pass_rate": mean_or_none(r.passed for r in results),
        "key_fact_accuracy": mean_or_none(f for f in facts if f is not None),
        "citation_precision": mean_or_none(p for p in precisions if p is not None),
        "citation_recall": mean_or_none(r for r in recalls if r is not None),
        "citation_hit_rate": mean_or_none(bool(r.cited & set(r.item.must_cite)) for r in cite_rows),
        "refusal_precision": refusal_p,
        "refusal_recall": refusal_r,
    }
    return {k: None if v is None else round(v, 4) for k, v in values.items()}


def summary(results: list[Graded]) -> dict[str, Any]:
    """Metrics overall and pass rate per program and per kind, plus latency."""
    by_program: dict[str, list[Graded]] = {}
    by_kind: dict[str, list[Graded]] = {}
    for r in results:
        for p in r.item.programs:
            by_program.setdefault(p, []).append(r)
        by_kind.setdefault(r.item.kind, []).append(r)
    ms = [r.ms for r in results]
    return {
        "items": len(results),
        **metrics(results),
        "per_program": {
            k: round(mean(r.passed for r in v), 3) for k, v in sorted(by_program.items())
        },
        "per_kind": {k: round(mean(r.passed for r in v), 3) for k, v in sorted(by_kind.items())},
        "latency_p50_ms": round(percentile(ms, 50), 1),
        "latency_p95_ms": round(percentile(ms, 95), 1),
    }
