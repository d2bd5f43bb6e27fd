"""Answer-quality evaluation: run the answer set through the chat assistant and grade it.

An item passes when the refusal is right, every ``must_contain`` group has one of its strings
in the answer (compared in simplified Chinese), and, for answered items, a citation points at
one of the ``must_cite`` articles. Each item is asked in a fresh session.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.core.text import to_simplified

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


@dataclass
class Graded:
    """One item's result."""

    item: AnswerItem
    passed: bool
    reasons: list[str] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=dict)
    ms: float = 0.0


def load_answer_set(folder: Path = SETS) -> list[AnswerItem]:
    """Every item of every file in the folder."""
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


def grade(item: AnswerItem, answer: dict[str, Any]) -> tuple[bool, list[str]]:
    """Whether an answer passes the item, and why not."""
    reasons = []
    if answer["refused"] != item.refuse:
        reasons.append(f"refused={answer['refused']} (want {item.refuse})")
    text = to_simplified(answer["answer"]).replace(",", "")
    for group in item.must_contain:
        if not any(to_simplified(s).replace(",", "") in text for s in group):
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


def summary(results: list[Graded]) -> dict[str, Any]:
    """Pass rate overall, per program and per kind, refusal precision/recall, latency."""

    def rate(rows: list[Graded]) -> float:
        return round(sum(r.passed for r in rows) / len(rows), 3) if rows else 0.0

    by_program: dict[str, list[Graded]] = {}
    by_kind: dict[str, list[Graded]] = {}
    for r in results:
        programs = (
            r.item.program if isinstance(r.item.program, list) else [r.item.program or "none"]
        )
        for p in programs:
            by_program.setdefault(str(p), []).append(r)
        by_kind.setdefault(r.item.kind, []).append(r)
    refused = [r for r in results if r.answer.get("refused")]
    should = [r for r in results if r.item.refuse]
    ms = sorted(r.ms for r in results)
    return {
        "items": len(results),
        "pass_rate": rate(results),
        "per_program": {k: rate(v) for k, v in sorted(by_program.items())},
        "per_kind": {k: rate(v) for k, v in sorted(by_kind.items())},
        "refusal_precision": round(sum(r.item.refuse for r in refused) / len(refused), 3)
        if refused
        else 1.0,
        "refusal_recall": round(sum(bool(r.answer.get("refused")) for r in should) / len(should), 3)
        if should
        else 1.0,
        "latency_p50_ms": round(statistics.median(ms), 1) if ms else 0.0,
        "latency_p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1) if ms else 0.0,
    }
