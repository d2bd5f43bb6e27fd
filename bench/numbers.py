"""Chinese amounts read three ways: the chat's reader, cn2an and jionlp, on the same phrases.

Each phrase has the value a person means (in 万元). The chat's reader (``first_amount``, which
locates the figure and its unit and calls cn2an only for mixed magnitudes) is compared with
cn2an alone (``cn2an.cn2an(text, "smart")``) and jionlp alone (``jionlp.parse_money``), for
accuracy and time per call. Writes bench-results/numbers.{json,md}.

Usage: .venv/bin/python -m bench.numbers
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.chat.numbers import first_amount
from assistant.config import PROJECT_ROOT
from bench.common import machine, write_report

# (phrase, 万元 meant)
CASES: list[tuple[str, float]] = [
    ("4800万", 4800),
    ("4800万元", 4800),
    ("三千五百万", 3500),
    ("1.2亿", 12000),
    ("2个亿", 20000),
    ("3千万", 3000),
    ("两百万", 200),
    ("一千二百五十万", 1250),
    ("三亿五千万", 35000),
    ("4千5百万", 4500),
    ("1亿2000万", 12000),
    ("1亿16万", 10016),
    ("两亿零五百万", 20500),
    ("48000000元", 4800),
    ("1,200万", 1200),
    ("五千多万", 5000),
    ("一点五亿", 15000),
    ("大概三百万左右", 300),
    ("一共450万", 450),
    ("差不多两千万", 2000),
    ("约800万元", 800),
    ("0.35亿", 3500),
]


def _cn2an(text: str) -> float | None:
    import cn2an  # type: ignore[import-untyped]

    core = re.sub(r"大概|左右|一共|差不多|约|多|个|元$", "", text)
    try:
        value = float(cn2an.cn2an(core.replace(",", ""), "smart"))
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    return value / 10000


def _jionlp(text: str) -> float | None:
    import jionlp  # type: ignore[import-untyped]

    try:
        found = jionlp.parse_money(text)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None
    num = found.get("num") if isinstance(found, dict) else None
    if isinstance(num, list):
        num = num[0]  # a blurred amount (五千多万): its lower end
    return float(num) / 10000 if num is not None else None


def measure(name: str, parse: Callable[[str], float | None]) -> dict[str, Any]:
    """Accuracy and mean time per call of one reader over the cases."""
    for text, _ in CASES:  # import and warm up
        parse(text)
    wrong = []
    start = time.perf_counter()
    for text, meant in CASES:
        got = parse(text)
        if got is None or abs(got - meant) > 1e-6:
            wrong.append({"text": text, "meant": meant, "got": got})
    seconds = time.perf_counter() - start
    return {
        "reader": name,
        "accuracy": round(1 - len(wrong) / len(CASES), 4),
        "us_per_call": round(seconds / len(CASES) * 1e6, 1),
        "wrong": wrong,
    }


def main() -> None:
    """Measure the three readers and write the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    args = parser.parse_args()
    readers = [("chat (first_amount)", first_amount), ("cn2an", _cn2an), ("jionlp", _jionlp)]
    results = [measure(name, parse) for name, parse in readers]
    rows = [
        (
            r["reader"],
            f"{r['accuracy']:.0%} right, {r['us_per_call']} µs/call; wrong: "
            + ", ".join(f"{w['text']}→{w['got']}" for w in r["wrong"]),
        )
        for r in results
    ]
    write_report(
        "numbers", {"machine": machine(), "cases": len(CASES), "readers": results}, rows, args.out
    )


if __name__ == "__main__":
    main()
