"""Held-out sets: questions written by other people, scored on a dev and a test half.

The folder ``held_out/`` has three sets, each split once into ``dev.yaml`` and
``test.yaml`` before any tuning (the split rule is in each file's header):

- ``real_qa/``: real published Q&A pairs (FAQ pages, notices, accountants), in the format
  of the answers set plus ``origin``; graded exactly like it (:func:`eval.answers.grade`).
- ``lead/``: a question and the key words of the knowledge-base sentence a reader would
  quote first; the answer's first paragraph must contain one of them.
- ``scope/``: questions to refuse (nothing in the knowledge base answers them) and
  questions to answer; refusal precision and recall.
- ``dialogues/``: multi-turn conversations (facts over several messages, corrections,
  follow-ups that do not name the program, a detour out of scope), in the format of
  :mod:`eval.dialogues`; turn and dialogue accuracy. A half may have later batches
  (``dev_2.yaml``, ``test_2.yaml`` …, each written and split on its own): the half's
  figures cover all of them, and ``dialogue_turns_{half}_{n}`` each batch.

Plus the news check: the real news reports and notices in ``tests/data/news`` are ingested
as a staff member would upload them, and each question about them must be answered (not
refused) in the question's script with the figure in the first paragraph. The files are
removed from the run's throwaway index afterwards.

Tune on dev only; the test half is run to report, and the gap is reported beside it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from eval.answers import AS_OF, AnswerItem, grade, plain_text
from eval.dialogues import Dialogue, load_dialogue_file, run_dialogue
from eval.metrics import mean_or_none, refusal_precision_recall

if TYPE_CHECKING:
    from assistant.core.results import Answer

HALVES = ("dev", "test")
NEWS_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "news"


@dataclass
class HeldOut:
    """The loaded held-out sets, per half."""

    real_qa: dict[str, list[AnswerItem]]
    lead: dict[str, list[dict[str, Any]]]
    scope: dict[str, list[dict[str, Any]]]
    news: list[dict[str, Any]]
    news_dir: Path
    # The dialogues of each half per file (batches written at different times).
    dialogue_batches: dict[str, list[list[Dialogue]]] = field(default_factory=dict)
    # Lead questions written after the first batch (``lead/{half}_2.yaml`` …), per file;
    # ``lead`` stays the first batch, the figure tracked since it was written.
    later_leads: dict[str, list[list[dict[str, Any]]]] = field(default_factory=dict)

    @property
    def dialogues(self) -> dict[str, list[Dialogue]]:
        """Each half's dialogues, all batches in order."""
        return {h: [d for b in batches for d in b] for h, batches in self.dialogue_batches.items()}

    def __len__(self) -> int:
        """Items in all halves (a set with none is malformed)."""
        halves = (self.real_qa, self.lead, self.scope, self.dialogues)
        later = sum(len(b) for batches in self.later_leads.values() for b in batches)
        return sum(len(v) for h in halves for v in h.values()) + len(self.news) + later


def _yaml(path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8")) or [])


def load_held_out(folder: Path, news_dir: Path = NEWS_DIR) -> HeldOut:
    """Every half of every held-out set (``news_dir``: the news fixtures and questions)."""
    real: dict[str, list[AnswerItem]] = {}
    for half in HALVES:
        real[half] = [
            AnswerItem(
                question=str(r["question"]),
                program=r.get("program"),
                kind=str(r["kind"]),
                must_contain=[list(map(str, g)) for g in r.get("must_contain") or []],
                must_cite=list(r.get("must_cite") or []),
                refuse=bool(r.get("refuse")),
                traditional=bool(r.get("traditional")),
                source=str(r.get("source", "")),
            )
            for r in _yaml(folder / "real_qa" / f"{half}.yaml")
        ]
    lead = {h: _yaml(folder / "lead" / f"{h}.yaml") for h in HALVES}
    scope = {h: _yaml(folder / "scope" / f"{h}.yaml") for h in HALVES}
    questions = news_dir / "questions.yaml"
    news = _yaml(questions) if questions.is_file() else []
    batches = {h: _dialogue_batches(folder / "dialogues", h) for h in HALVES}
    later = {h: [_yaml(f) for f in _later_files(folder / "lead", h)] for h in HALVES}
    return HeldOut(real, lead, scope, news, news_dir, batches, later)


def _later_files(folder: Path, half: str) -> list[Path]:
    """The half's files of batches after the first (``{half}_2.yaml`` …), in order."""
    return sorted(folder.glob(f"{half}_*.yaml"), key=_batch_number)


def _dialogue_batches(folder: Path, half: str) -> list[list[Dialogue]]:
    """The half's dialogue files in the order they were written: ``{half}.yaml``, then
    ``{half}_2.yaml`` … (each batch written and split on its own day)."""
    files = [folder / f"{half}.yaml", *sorted(folder.glob(f"{half}_*.yaml"), key=_batch_number)]
    return [load_dialogue_file(f) for f in files if f.is_file()]


def _batch_number(path: Path) -> int:
    suffix = path.stem.rsplit("_", 1)[-1]
    return int(suffix) if suffix.isdigit() else 0


def first_paragraph(answer: str) -> str:
    """The answer's opening paragraph, plain (what a reader quotes first)."""
    return answer.split("\n\n", 1)[0].replace("**", "")


class _Asker:
    """Asks questions in fresh sessions, timing each and keeping the dev failures (the
    test half's failures are not kept: nothing may be tuned on them)."""

    def __init__(self, chat: Any) -> None:
        self.chat = chat
        self.ms: list[float] = []
        self.failures: list[dict[str, Any]] = []

    def ask(self, question: str) -> Answer:
        start = time.perf_counter()
        answer: Answer = self.chat.ask(question, as_of=AS_OF)
        self.ms.append((time.perf_counter() - start) * 1000)
        return answer

    def fail(self, name: str, question: str, reasons: list[str], answer: Mapping[str, Any]) -> None:
        if not name.rsplit("/", 1)[-1].startswith("test"):  # test, test_2 …
            self.failures.append(_failure(name, question, reasons, answer))


def _real_qa(asker: _Asker, items: list[AnswerItem], half: str) -> float | None:
    passed = []
    for item in items:
        answer = asker.ask(item.question)
        ok, reasons = grade(item, answer)
        passed.append(ok)
        if not ok:
            asker.fail(f"real_qa/{half}", item.question, reasons, answer)
    return mean_or_none(passed)


def _lead(asker: _Asker, rows: list[dict[str, Any]], half: str) -> float | None:
    hits = []
    for row in rows:
        answer = asker.ask(row["question"])
        opening = plain_text(first_paragraph(answer["answer"]))
        hits.append(any(plain_text(s) in opening for s in row["lead"]))
        if not hits[-1]:
            asker.fail(f"lead/{half}", row["question"], [f"lead {row['lead']}"], answer)
    return mean_or_none(hits)


def _scope(asker: _Asker, rows: list[dict[str, Any]], half: str) -> tuple[Any, Any]:
    pairs = []
    for row in rows:
        answer = asker.ask(row["question"])
        pairs.append((bool(row["refuse"]), bool(answer["refused"])))
        if pairs[-1][0] != pairs[-1][1]:
            asker.fail(f"scope/{half}", row["question"], [f"refuse={row['refuse']}"], answer)
    return refusal_precision_recall(pairs)


def _dialogues(
    asker: _Asker, dialogues: list[Dialogue], half: str
) -> tuple[list[bool], list[bool]]:
    """Each turn's and each whole dialogue's pass; each dialogue in its own session."""
    turns: list[bool] = []
    whole: list[bool] = []
    for dialogue in dialogues:
        result = run_dialogue(asker.chat, dialogue)
        asker.ms += [t.ms for t in result.turns]
        turns += [t.passed for t in result.turns]
        whole.append(result.passed)
        for i, t in enumerate(result.turns, 1):
            if not t.passed:
                where = f"{dialogue.name} — turn {i}: {t.turn.say}"
                asker.fail(f"dialogues/{half}", where, t.reasons, t.answer)
    return turns, whole


def _news(asker: _Asker, sets: HeldOut, indexer: Any) -> float | None:
    from assistant.core.text import is_traditional

    files = sorted(sets.news_dir.glob("*.txt"))
    indexer.ingest_files(files)
    try:
        hits = []
        for row in sets.news:
            answer = asker.ask(row["q"])
            opening = first_paragraph(answer["answer"])
            same_script = is_traditional(opening) == is_traditional(row["q"])
            figure = plain_text(row["figure"]) in plain_text(opening)
            hits.append(not answer["refused"] and figure and same_script)
            if not hits[-1]:
                asker.fail("news", row["q"], [f"figure {row['figure']}"], answer)
        return mean_or_none(hits)
    finally:
        indexer.remove([str(p) for p in files])


def run(chat: Any, sets: HeldOut, indexer: Any = None) -> tuple[dict[str, Any], list[Any]]:
    """Ask every item in a fresh session: the metrics per half, the latencies and the
    failures of the dev halves and the news questions."""
    asker = _Asker(chat)
    out: dict[str, Any] = {}
    for half in HALVES:
        out[f"real_qa_{half}"] = _real_qa(asker, sets.real_qa[half], half)
        out[f"lead_{half}"] = _lead(asker, sets.lead[half], half)
        later = [b for b in sets.later_leads.get(half, []) if b]
        for number, batch in enumerate(later, 2):
            out[f"lead_{half}_{number}"] = _lead(asker, batch, f"{half}_{number}")
        if later and sets.lead[half]:  # every batch together, weighted by its questions
            leads = [sets.lead[half], *later]
            rates = [out[f"lead_{half}"]] + [
                out[f"lead_{half}_{n}"] for n in range(2, len(leads) + 1)
            ]
            hits = sum(rate * len(b) for rate, b in zip(rates, leads, strict=True))
            out[f"lead_{half}_all"] = hits / sum(map(len, leads))
        precision, recall = _scope(asker, sets.scope[half], half)
        out[f"scope_{half}_precision"], out[f"scope_{half}_recall"] = precision, recall
        batches = sets.dialogue_batches.get(half, [])
        results = [_dialogues(asker, batch, half) for batch in batches if batch]
        if results:
            turns = [t for r in results for t in r[0]]
            whole = [w for r in results for w in r[1]]
            out[f"dialogue_turns_{half}"] = sum(turns) / len(turns)
            out[f"dialogues_{half}"] = sum(whole) / len(whole)
        if len(results) > 1:  # each batch too, so a new batch is read beside the old ones
            for number, (turns, whole) in enumerate(results, 1):
                out[f"dialogue_turns_{half}_{number}"] = sum(turns) / len(turns)
                out[f"dialogues_{half}_{number}"] = sum(whole) / len(whole)
    out["real_qa_gap"] = (out["real_qa_dev"] or 0.0) - (out["real_qa_test"] or 0.0)
    if indexer is not None and sets.news:
        out["news_first_sentence"] = _news(asker, sets, indexer)
    out = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in out.items()}
    out["items"] = len(sets)
    return out, [asker.ms, asker.failures]


def _failure(
    name: str, question: str, reasons: list[str], answer: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "set": f"held_out/{name}",
        "program": "",
        "question": question,
        "expected": reasons,
        "answer": str(answer.get("answer", ""))[:1500],
        "reasons": reasons,
    }
