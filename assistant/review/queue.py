"""Which logged answers an evaluator grades first.

Evaluator time is the scarce resource, so the queue puts first the answers most likely to be
wrong, and keeps a random sample of the rest so that the accuracy figures are not measured on
bad answers only:

1. **negative feedback**: a user pressed 没用 (most 没用 first, then newest);
2. **low confidence**: :func:`low_confidence_reasons` finds a warning sign in the stored
   answer JSON (most signs first, then newest);
3. **sample**: of the remaining answers, those with the smallest ``sha256(seed:id)``. Each
   answer's rank depends only on the seed and its own id, so the sample is reproducible and an
   answer does not leave or enter the sample because others were graded or logged.

Answers the evaluator has graded already are left out (re-grading goes by message id), and a
program filter keeps the answers about that program (:func:`answer_programs`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from assistant.review.grade_store import LoggedAnswer

Bucket = Literal["negative", "low_confidence", "sample"]
BUCKET_TEXT: dict[str, str] = {
    "negative": "用户差评",
    "low_confidence": "低置信度",
    "sample": "随机抽样",
}
DEFAULT_SEED = 20261122
DEFAULT_SAMPLE = 10
# An answer shorter than this (characters, refusals excepted) says too little to be a grounded
# answer to a policy question: the grounded answers to the gold questions of eval/sets/answers
# are all over 400 characters (measured with the hashing embedder), an LLM rephrasing is
# shorter but still cites and explains.
SHORT_ANSWER = 60
# A citation score below this (when the answer carries one, e.g. a retrieval score in [0, 1])
# means the passage was a weak match.
LOW_CITATION_SCORE = 0.5


@dataclass(frozen=True)
class QueueItem:
    """An answer waiting for this evaluator's grade, and why it is in the queue."""

    answer: LoggedAnswer
    bucket: Bucket
    reasons: tuple[str, ...]


def low_confidence_reasons(answer: dict[str, Any]) -> list[str]:
    """The warning signs of a stored answer (empty: nothing suspicious), in Chinese.

    The signs, each a cheap proxy for "likely wrong or unhelpful":
    refused (a refusal may be a wrongly missed answer); no citations on an answer; an
    assessment that could not decide (``insufficient_info``); a citation whose score is below
    :data:`LOW_CITATION_SCORE` (only when scores are stored); an answer under
    :data:`SHORT_ANSWER` characters.

    >>> low_confidence_reasons({"answer": "抱歉……", "refused": True, "citations": []})
    ['拒答']
    >>> low_confidence_reasons({"answer": "短", "refused": False, "citations": []})
    ['无引用', '回答过短（1 字）']
    """
    reasons = []
    refused = bool(answer.get("refused"))
    citations = [c for c in answer.get("citations") or [] if isinstance(c, dict)]
    if refused:
        reasons.append("拒答")
    elif not citations:
        reasons.append("无引用")
    if _undecided(answer.get("assessment")):
        reasons.append("资格判断信息不足")
    scores = [c["score"] for c in citations if isinstance(c.get("score"), int | float)]
    if scores and min(scores) < LOW_CITATION_SCORE:
        reasons.append(f"引用相关度低（{min(scores):.2f}）")
    text = str(answer.get("answer") or "")
    if not refused and len(text) < SHORT_ANSWER:
        reasons.append(f"回答过短（{len(text)} 字）")
    return reasons


def _undecided(assessment: Any) -> bool:
    parts = assessment if isinstance(assessment, list) else [assessment]
    return any(isinstance(a, dict) and a.get("verdict") == "insufficient_info" for a in parts)


def sample_rank(seed: int, message_id: int) -> str:
    """The answer's place in the seeded sample (smaller first); stable across runs.

    >>> sample_rank(1, 7) == sample_rank(1, 7) != sample_rank(2, 7)
    True
    """
    return hashlib.sha256(f"{seed}:{message_id}".encode()).hexdigest()


def build_queue(
    answers: Iterable[LoggedAnswer],
    graded: set[int],
    *,
    program: str | None = None,
    sample: int = DEFAULT_SAMPLE,
    seed: int = DEFAULT_SEED,
) -> list[QueueItem]:
    """The evaluator's queue: negative feedback, then low confidence, then the sample.

    Args:
        answers: The logged answers to choose from.
        graded: Ids this evaluator has graded (left out).
        program: Keep only answers about this program (None or "": all).
        sample: How many of the remaining answers to sample.
        seed: The sample's seed (same seed, same sample).
    """
    negative: list[QueueItem] = []
    low: list[QueueItem] = []
    rest: list[LoggedAnswer] = []
    for a in answers:
        if a.id in graded or (program and program not in a.programs):
            continue
        reasons = tuple(low_confidence_reasons(a.answer))
        if a.negative:
            negative.append(QueueItem(a, "negative", (f"没用 ×{a.negative}", *reasons)))
        elif reasons:
            low.append(QueueItem(a, "low_confidence", reasons))
        else:
            rest.append(a)
    negative.sort(key=lambda q: (-q.answer.negative, -q.answer.id))
    low.sort(key=lambda q: (-len(q.reasons), -q.answer.id))
    chosen = sorted(rest, key=lambda a: sample_rank(seed, a.id))[: max(sample, 0)]
    return [*negative, *low, *(QueueItem(a, "sample", ()) for a in chosen)]
