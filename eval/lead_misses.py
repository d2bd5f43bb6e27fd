"""Where lead-sentence misses come from (``python -m eval.lead_misses --half dev|test``).

Each question of a lead half is asked through the real assistant and, when its opening
lacks the labelled key words, its miss is put in one category:

- ``not_scored``: no lead was chosen (the planner checked figures, refused, used a template);
- ``in_candidates``: a candidate sentence of the top passages carries the key words, and
  the scorer chose another;
- ``not_in_candidates``: no candidate carries them (retrieval did not bring the passage up).

For the test half only the counts are printed: nothing about its items may steer tuning
beyond which mechanism to work on.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from eval.answers import AS_OF, plain_text
from eval.held_out import first_paragraph

SETS = Path(__file__).parent / "sets"


@contextlib.contextmanager
def recorded_choices(chat: Any) -> Iterator[list[tuple[str, Any, Any]]]:
    """Within the block, every lead choice of ``chat`` is appended to the yielded list as
    ``(question, passages, shape)``, the arguments :meth:`LeadScorer.features` takes."""
    scorer = chat.leads
    seen: list[tuple[str, Any, Any]] = []
    choose = scorer.choose

    def recording(question: str, passages: Any, shape: Any) -> Any:
        seen.append((question, list(passages), shape))
        return choose(question, passages, shape)

    scorer.choose = recording
    try:
        yield seen
    finally:
        del scorer.choose


def categorise(chat: Any, rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(category, question) of every row: ``pass`` or the kind of miss."""
    out = []
    with recorded_choices(chat) as seen:
        for row in rows:
            seen.clear()
            answer = chat.ask(row["question"], as_of=AS_OF)
            labels = [plain_text(str(s)) for s in row["lead"]]
            opening = plain_text(first_paragraph(answer["answer"]))
            if any(label in opening for label in labels):
                category = "pass"
            elif not seen:
                category = "not_scored"
            else:
                leads, _rows = chat.leads.features(*seen[-1])
                said = [plain_text(lead.sentence) for lead in leads]
                carried = any(label in text for text in said for label in labels)
                category = "in_candidates" if carried else "not_in_candidates"
            out.append((category, str(row["question"])))
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the category counts (and, for the dev half, each miss)."""
    from assistant.config import Settings
    from eval.harness import build_target

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--half",
        choices=("dev", "test", "dev_2", "test_2", "dev_3", "test_3"),
        default="dev",
        help="half and batch",
    )
    parser.add_argument("--sets-dir", type=Path, default=SETS)
    args = parser.parse_args(argv)
    path = args.sets_dir / "held_out" / "lead" / f"{args.half}.yaml"
    rows = yaml.safe_load(path.read_text("utf-8")) or []
    target = build_target(Settings(), Path(tempfile.mkdtemp(prefix="lead-misses-")), ["held_out"])
    found = categorise(target.chat, rows)
    if args.half.startswith("dev"):
        for category, question in found:
            if category != "pass":
                print(f"{category}\t{question}")
    print(json.dumps(Counter(c for c, _q in found), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
