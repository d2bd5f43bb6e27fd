"""Figures from the grades: accuracy over time and per program, agreement, promotions.

**Accuracy formula.** A grade scores 1 (correct), 0.5 (partly) or 0 (wrong)
(:data:`assistant.review.grades.SCORE`). An answer's score is the mean of its grades (an
answer graded by two evaluators counts once, not twice), and a group's accuracy is the mean
score of its answers. Citation accuracy is computed the same way from the citation grades.

**Groups.** Over time, answers are grouped by the day (``2026-11-22``) or the ISO week
(``2026-W47``) on which the assistant *gave* the answer, not when it was graded: the chart
follows the product's quality, whatever the evaluators' schedule. Per program, an answer
counts for each program it is about; answers about no program fall under ``(none)``.

Everything here is pure (no database, no UI): :func:`build_dashboard` takes the grades, and
:func:`to_markdown` renders the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from assistant.review.agreement import Agreement, cohen_kappa, first_two
from assistant.review.grade_store import Grade
from assistant.review.grades import GRADES, SCORE

Period = Literal["day", "week"]
NO_PROGRAM = "(none)"


@dataclass(frozen=True)
class Bucket:
    """Accuracy of one group of graded answers."""

    key: str
    answers: int
    grades: int
    counts: dict[str, int]  # answer grades by value, over all grades of the group
    accuracy: float
    citation_accuracy: float


@dataclass(frozen=True)
class Dashboard:
    """What the 评审统计 tab shows."""

    grades: int
    answers: int
    evaluators: int
    accuracy: float | None
    citation_accuracy: float | None
    by_period: list[Bucket]
    by_program: list[Bucket]
    agreement: Agreement
    promoted: int
    period: Period = "day"
    program_names: dict[str, str] = field(default_factory=dict)


def period_key(day: dt.datetime | dt.date, period: Period) -> str:
    """The day (``YYYY-MM-DD``) or ISO week (``YYYY-Www``) of a date.

    >>> period_key(dt.date(2026, 11, 22), "week"), period_key(dt.date(2026, 11, 22), "day")
    ('2026-W47', '2026-11-22')
    """
    date = day.date() if isinstance(day, dt.datetime) else day
    if period == "week":
        year, week, _ = date.isocalendar()
        return f"{year}-W{week:02d}"
    return date.isoformat()


def bucket(key: str, grades: Sequence[Grade]) -> Bucket:
    """Accuracy of a group of grades (see the module docstring for the formula).

    >>> g = lambda m, a: Grade(m, "e", a, a, "", dt.datetime(2026, 1, 1),
    ...                        dt.datetime(2026, 1, 1), ())
    >>> b = bucket("x", [g(1, "correct"), g(1, "partly"), g(2, "wrong")])
    >>> b.answers, b.accuracy  # answer 1: (1 + 0.5) / 2 = 0.75; answer 2: 0 -> 0.375
    (2, 0.375)
    """
    by_answer: dict[int, list[Grade]] = {}
    for g in grades:
        by_answer.setdefault(g.message_id, []).append(g)

    def mean_score(pick: Callable[[Grade], str]) -> float:
        per_answer = [sum(SCORE[pick(g)] for g in gs) / len(gs) for gs in by_answer.values()]
        return sum(per_answer) / len(per_answer) if per_answer else 0.0

    return Bucket(
        key=key,
        answers=len(by_answer),
        grades=len(grades),
        counts={k: sum(1 for g in grades if g.answer_grade == k) for k in GRADES},
        accuracy=mean_score(lambda g: g.answer_grade),
        citation_accuracy=mean_score(lambda g: g.citation_grade),
    )


def build_dashboard(
    grades: Iterable[Grade],
    *,
    promoted: int = 0,
    period: Period = "day",
    program_names: dict[str, str] | None = None,
) -> Dashboard:
    """The dashboard figures from every grade (in grading order, as the store returns them)."""
    rows = list(grades)
    periods: dict[str, list[Grade]] = {}
    programs: dict[str, list[Grade]] = {}
    for g in rows:
        periods.setdefault(period_key(g.answered, period), []).append(g)
        for p in g.programs or (NO_PROGRAM,):
            programs.setdefault(p, []).append(g)
    overall = bucket("all", rows) if rows else None
    return Dashboard(
        grades=len(rows),
        answers=overall.answers if overall else 0,
        evaluators=len({g.evaluator for g in rows}),
        accuracy=overall.accuracy if overall else None,
        citation_accuracy=overall.citation_accuracy if overall else None,
        by_period=[bucket(k, v) for k, v in sorted(periods.items())],
        by_program=[bucket(k, v) for k, v in sorted(programs.items())],
        agreement=cohen_kappa(first_two((g.message_id, g.evaluator, g.answer_grade) for g in rows)),
        promoted=promoted,
        period=period,
        program_names=dict(program_names or {}),
    )


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _table(title: str, rows: list[Bucket], label: Callable[[str], str]) -> str:
    if not rows:
        return f"#### {title}\n\n暂无评分。"
    lines = [
        f"#### {title}",
        "",
        "| 分组 | 回答数 | 评分数 | 正确 | 部分正确 | 错误 | 回答准确率 | 引用准确率 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for b in rows:
        c = b.counts
        lines.append(
            f"| {label(b.key)} | {b.answers} | {b.grades} | {c['correct']} | {c['partly']} "
            f"| {c['wrong']} | {_pct(b.accuracy)} | {_pct(b.citation_accuracy)} |"
        )
    return "\n".join(lines)


def kappa_text(agreement: Agreement) -> str:
    """Kappa for people: the value, or why there is none."""
    if agreement.pairs == 0:
        return "—（尚无两位评审员共同评分的回答）"
    if agreement.kappa is None:
        return (
            f"—（{agreement.pairs} 条共评回答全部为同一等级，κ 无定义；"
            f"观察一致率 {_pct(agreement.observed)}）"
        )
    return (
        f"{agreement.kappa:.3f}（{agreement.pairs} 条共评回答，观察一致率 "
        f"{_pct(agreement.observed)}，期望一致率 {_pct(agreement.expected)}）"
    )


def to_markdown(board: Dashboard) -> str:
    """The dashboard as Markdown: the summary line and the two tables."""
    names = board.program_names
    unit = "周" if board.period == "week" else "日"
    summary = "\n".join(
        [
            "| 指标 | 数值 |",
            "|---|---|",
            f"| 已评回答 | {board.answers}"
            f"（评分 {board.grades} 条，评审员 {board.evaluators} 人）|",
            f"| 回答准确率 | {_pct(board.accuracy)} |",
            f"| 引用准确率 | {_pct(board.citation_accuracy)} |",
            f"| 评审一致性（科恩 κ 系数，回答评分） | {kappa_text(board.agreement)} |",
            f"| 已加入标准答案集 | {board.promoted} 条 |",
        ]
    )
    return "\n\n".join(
        [
            summary,
            "准确率 = 各回答得分的平均值（正确 1 分、部分正确 0.5 分、错误 0 分；"
            "多位评审员评同一回答时取其平均）。按回答产生的日期分组。",
            _table(f"按{unit}统计", board.by_period, lambda k: k),
            _table("按项目统计", board.by_program, lambda k: names.get(k, k)),
        ]
    )
