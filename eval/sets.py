"""Load the evaluation sets under ``eval/sets`` (formats: eval/README.md).

Each set is a folder of ``*.yaml`` files, so reviewers can read and diff items and the review
console can add a file (``answers/promoted.yaml``) without touching the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from eval.errors import BadInput

if TYPE_CHECKING:
    from eval.answers import AnswerItem
    from eval.dialogues import Dialogue
    from eval.held_out import HeldOut

SETS_DIR = Path(__file__).parent / "sets"
SET_NAMES = ("retrieval", "answers", "eligibility", "dialogues", "held_out")


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


@dataclass
class EvalSets:
    """The loaded sets; a set not selected stays None."""

    retrieval: list[RetrievalItem] | None = None
    answers: list[AnswerItem] | None = None
    eligibility: list[dict[str, Any]] | None = None
    dialogues: list[Dialogue] | None = None
    held_out: HeldOut | None = None
    folders: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """The sets that were loaded, in the canonical order."""
        return [n for n in SET_NAMES if getattr(self, n) is not None]


def _loader(name: str) -> Any:
    from eval import answers, dialogues, eligibility, held_out

    return {
        "retrieval": load_retrieval_set,
        "answers": answers.load_answer_set,
        "eligibility": eligibility.load_cases,
        "dialogues": dialogues.load_dialogues,
        "held_out": held_out.load_held_out,
    }[name]


def load_sets(root: Path, names: list[str]) -> EvalSets:
    """Load the named sets from ``root/<name>/``.

    Raises:
        BadInput: an unknown set, a missing or empty folder, or a malformed file.
    """
    sets = EvalSets()
    for name in names:
        if name not in SET_NAMES:
            raise BadInput(f"unknown set {name!r}; choose one of {', '.join(SET_NAMES)}")
        folder = root / name
        if not folder.is_dir():
            raise BadInput(f"set folder {folder} not found")
        try:
            items = _loader(name)(folder)
        except (yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BadInput(f"set {name} in {folder}: malformed item: {exc!r}") from exc
        if not items:
            raise BadInput(f"set folder {folder} has no items (*.yaml)")
        setattr(sets, name, items)
        sets.folders[name] = str(folder)
    return sets
