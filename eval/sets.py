"""Load the evaluation sets under ``eval/sets``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

SETS_DIR = Path(__file__).parent / "sets"


@dataclass(frozen=True)
class RetrievalItem:
    """A question and the knowledge articles that answer it."""

    question: str
    program: str
    expected: tuple[str, ...]
    source: str


def load_retrieval_set(folder: Path = SETS_DIR / "retrieval") -> list[RetrievalItem]:
    """Every item of every ``*.yaml`` file in the retrieval folder."""
    items = []
    for path in sorted(folder.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            items.append(
                RetrievalItem(
                    question=str(raw["question"]),
                    program=str(raw["program"]),
                    expected=tuple(raw["expected"]),
                    source=str(raw.get("source", "")),
                )
            )
    return items
