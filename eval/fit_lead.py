"""Fit the lead-sentence weights (``python -m eval.fit_lead``).

The lead of a passage answer is the candidate sentence with the highest weighted sum of
:data:`assistant.chat.lead.FEATURES`. Hand-set weights fitted the 40 questions they were
tuned on and did not carry over to the held-out test half, so the weights are learnt from
every labelled question outside the test halves instead:

- the lead set's dev half (the sentence a reader would quote first, by its key words);
- the real published Q&A dev half and the answers gold set: the candidate sentences that
  carry the most of the item's key facts (``must_contain`` groups) are its positives.

Each question is asked through the real assistant (so the planner and the retrieval choose
the passages as they do for a user); its candidates' feature rows and which of them are
positives are kept. The model is a listwise softmax over a question's candidates (the
probability mass on its positives is maximised) with an L2 penalty on standardised
features; the penalty is chosen by cross-validation over questions (5 folds, top-1 hit
rate). The held-out test halves are never read.

Writes ``assistant/chat/lead_weights.json`` with the weights, the penalty, the training
counts and the cross-validated hit rates of the fitted and the hand weights.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from eval.answers import AS_OF, load_answer_set, plain_text
from eval.lead_misses import recorded_choices

SETS = Path(__file__).parent / "sets"
PENALTIES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
FOLDS = 5


@dataclass
class Example:
    """One question's candidates: feature rows and which rows are positives."""

    source: str
    question: str
    rows: np.ndarray
    positive: np.ndarray  # bool per row


def _labelled_questions(sets: Path) -> list[tuple[str, str, list[list[str]]]]:
    """(source, question, key-fact groups) of every training question. A lead row's
    alternatives form one group."""
    out: list[tuple[str, str, list[list[str]]]] = []
    for row in yaml.safe_load((sets / "held_out" / "lead" / "dev.yaml").read_text("utf-8")):
        out.append(("lead_dev", str(row["question"]), [list(map(str, row["lead"]))]))
    real = yaml.safe_load((sets / "held_out" / "real_qa" / "dev.yaml").read_text("utf-8"))
    for row in real:
        if not row.get("refuse") and row.get("must_contain"):
            groups = [list(map(str, g)) for g in row["must_contain"]]
            out.append(("real_qa_dev", str(row["question"]), groups))
    for item in load_answer_set(sets / "answers"):
        if not item.refuse and item.must_contain:
            out.append(("answers", item.question, item.must_contain))
    return out


def collect(chat: Any, questions: list[tuple[str, str, list[list[str]]]]) -> list[Example]:
    """Ask each question and keep the candidates of its last lead choice; questions whose
    answer chose no lead (an eligibility check, a refusal) or whose candidates carry none
    of the key facts are left out."""
    scorer = chat.leads
    examples = []
    with recorded_choices(chat) as seen:
        for source, question, groups in questions:
            seen.clear()
            chat.ask(question, as_of=AS_OF)
            if not seen:
                continue
            leads, rows = scorer.features(*seen[-1])
            if not leads:
                continue
            plain = [plain_text(lead.sentence) for lead in leads]
            carried = np.array(
                [sum(any(plain_text(a) in p for a in g) for g in groups) for p in plain]
            )
            if carried.max() == 0:
                continue
            examples.append(Example(source, question, rows, carried == carried.max()))
    return examples


def _loss(w: np.ndarray, examples: list[Example], penalty: float) -> tuple[float, np.ndarray]:
    """Negative log of the softmax mass on the positives, summed, plus the L2 penalty."""
    total = 0.5 * penalty * float(w @ w)
    grad = penalty * w
    for ex in examples:
        s = ex.rows @ w
        s = s - s.max()
        p = np.exp(s)
        p /= p.sum()
        mass = p[ex.positive].sum()
        total -= float(np.log(mass + 1e-12))
        # d(-log mass)/dw = E_all[x] - E_pos[x]
        q = np.where(ex.positive, p, 0.0) / (mass + 1e-12)
        grad = grad + ex.rows.T @ (p - q)
    return total, grad


def fit(examples: list[Example], penalty: float) -> np.ndarray:
    """Weights (on the examples' own feature scale) minimising :func:`_loss`."""
    from scipy.optimize import minimize

    width = examples[0].rows.shape[1]
    result = minimize(_loss, np.zeros(width), args=(examples, penalty), jac=True, method="L-BFGS-B")
    return np.asarray(result.x)


def hit_rate(w: np.ndarray, examples: list[Example]) -> float:
    """Share of questions whose top-scored candidate is a positive."""
    if not examples:
        return 0.0
    return float(np.mean([ex.positive[int(np.argmax(ex.rows @ w))] for ex in examples]))


def _standardised(examples: list[Example]) -> tuple[list[Example], np.ndarray]:
    """The examples with every feature divided by its spread (so one L2 penalty fits all),
    and the spreads. Centring is not needed: a softmax over one question's candidates does
    not change when a constant is added to all their scores."""
    sd = np.vstack([ex.rows for ex in examples]).std(axis=0)
    sd[sd == 0] = 1.0
    return [Example(e.source, e.question, e.rows / sd, e.positive) for e in examples], sd


def cross_validate(examples: list[Example], penalty: float, seed: int = 0) -> float:
    """Top-1 hit rate of weights fitted on the other folds, over all questions."""
    order = np.random.default_rng(seed).permutation(len(examples))
    hits = []
    for fold in range(FOLDS):
        held = set(order[fold::FOLDS].tolist())
        train = [e for i, e in enumerate(examples) if i not in held]
        test = [e for i, e in enumerate(examples) if i in held]
        scaled, sd = _standardised(train)
        w = fit(scaled, penalty) / sd
        hits += [ex.positive[int(np.argmax(ex.rows @ w))] for ex in test]
    return float(np.mean(hits))


def main(argv: list[str] | None = None) -> int:
    """Collect, choose the penalty, fit on everything, write the weights file."""
    from assistant.chat.lead import FEATURES, HAND_WEIGHTS, WEIGHTS_FILE
    from assistant.config import Settings
    from eval.harness import build_target

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets-dir", type=Path, default=SETS)
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="fit-lead-"))
    target = build_target(Settings(), work, ["retrieval", "answers", "held_out"])
    examples = collect(target.chat, _labelled_questions(args.sets_dir))
    hand = np.array([HAND_WEIGHTS.get(f, 0.0) for f in FEATURES])
    scores = {p: cross_validate(examples, p) for p in PENALTIES}
    penalty = max(scores, key=lambda p: (scores[p], p))
    scaled, sd = _standardised(examples)
    weights = fit(scaled, penalty) / sd
    sources = sorted({e.source for e in examples})
    by_source = {
        s: {
            "questions": sum(e.source == s for e in examples),
            "hit_rate_fitted_in_sample": round(
                hit_rate(weights, [e for e in examples if e.source == s]), 4
            ),
            "hit_rate_hand": round(hit_rate(hand, [e for e in examples if e.source == s]), 4),
        }
        for s in sources
    }
    report = {
        "fitted": dt.date.today().isoformat(),
        "by": "python -m eval.fit_lead",
        "training": "lead dev half, real Q&A dev half, answers gold set (test halves unread)",
        "questions": len(examples),
        "penalty": penalty,
        "cross_validated_hit_rate": {str(p): round(v, 4) for p, v in scores.items()},
        "hand_weights_hit_rate": round(hit_rate(hand, examples), 4),
        "by_source": by_source,
        "weights": {f: round(float(w), 4) for f, w in zip(FEATURES, weights, strict=True)},
    }
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "weights"}, ensure_ascii=False))
    print(json.dumps(report["weights"], ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
