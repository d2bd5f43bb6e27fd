"""What kind of expectation the held-out dialogue turns miss
(``python -m eval.dialogue_misses --half dev|test``).

Each failing turn's reasons are put in kinds: ``refused`` (refused a turn to answer),
``not_refused`` (answered a turn to refuse), ``verdict``, ``facts`` (the session does not
hold a stated or corrected figure), ``must_contain`` (the answer lacks a key fact),
``program`` (about another program), ``act``, ``asks_for``. A turn may count in several.

For the test half only the counts are printed, as for :mod:`eval.lead_misses`: which
mechanism to work on may be read from them, never an item.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from eval.dialogues import Dialogue, run_dialogue

SETS = Path(__file__).parent / "sets"


def reason_kind(reason: str) -> str:
    """The kind of a turn's failure reason (as :func:`eval.dialogues.run_dialogue` words it).

    >>> reason_kind("refused=True (want False)"), reason_kind("missing ['5%']")
    ('refused', 'must_contain')
    """
    if reason.startswith("refused=True"):
        return "refused"
    if reason.startswith("refused=False"):
        return "not_refused"
    for prefix, kind in (
        ("verdict", "verdict"),
        ("facts", "facts"),
        ("missing", "must_contain"),
        ("programs", "program"),
        ("act", "act"),
        ("asks", "asks_for"),
    ):
        if reason.startswith(prefix):
            return kind
    return "other"


def count_misses(chat: object, dialogues: list[Dialogue]) -> tuple[Counter[str], list[str]]:
    """Failure kinds over all turns, and one line per failing turn (for the dev half)."""
    kinds: Counter[str] = Counter()
    lines: list[str] = []
    for dialogue in dialogues:
        result = run_dialogue(chat, dialogue)
        for number, turn in enumerate(result.turns, 1):
            if turn.passed:
                continue
            found = {reason_kind(r) for r in turn.reasons}
            kinds.update(found)
            lines.append(f"{dialogue.name} #{number} {turn.turn.say} :: {turn.reasons}")
        kinds["turns"] += len(result.turns)
    return kinds, lines


def main(argv: list[str] | None = None) -> int:
    """Print the counts (and, for the dev half, each failing turn)."""
    from assistant.config import Settings
    from eval.harness import build_target
    from eval.held_out import load_held_out

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--half", choices=("dev", "test"), default="dev")
    parser.add_argument("--sets-dir", type=Path, default=SETS)
    args = parser.parse_args(argv)
    sets = load_held_out(args.sets_dir / "held_out")
    target = build_target(
        Settings(), Path(tempfile.mkdtemp(prefix="dialogue-misses-")), ["held_out"]
    )
    for number, batch in enumerate(sets.dialogue_batches[args.half], 1):
        kinds, lines = count_misses(target.chat, batch)
        if args.half == "dev":
            print("\n".join(lines))
        print(json.dumps({"batch": number, **kinds}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
