"""Multi-turn dialogues (eval/sets/dialogues/*.yaml) run through the chat assistant.

A dialogue is the same session over 2–4 turns: a user gives company figures over several
messages, asks whether they qualify, then follows up (「那科技型中小企业呢？」). What the
assistant remembers between turns is exactly what the product keeps in a session, so these
items test fact carry-over, corrections and follow-ups, which single questions cannot.

Each turn's ``expect`` may hold (all optional, all must hold for the turn to pass):

- ``refused``: whether the assistant should refuse (default false: every turn is in scope);
- ``must_contain``: groups of alternatives, as in the answer set;
- ``program``: a program id the answer must be about (in the answer's ``programs``);
- ``verdict``: the engine's verdict for ``program`` (or for the only assessment);
- ``asks_for``: profile fields the answer must ask for (in ``missing_fields``);
- ``facts``: profile field paths (``financials.2025.rd_expense``) and the value the session
  must hold for each after the turn (a correction must replace the earlier value);
- ``act``: what the turn did (``facts``, ``assessment``, ``answer``, ``refusal`` …).

Metrics: ``turn_accuracy`` (share of turns passing) and ``dialogue_accuracy`` (share of
dialogues whose every turn passes).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from eval.answers import group_found, plain_text
from eval.metrics import mean

if TYPE_CHECKING:
    from assistant.core.results import Answer

DIALOGUES_DIR = Path(__file__).parent / "sets" / "dialogues"
AS_OF = dt.date(2026, 11, 22)
TURN_KEYS = {"say", "expect"}
EXPECT_KEYS = {"refused", "must_contain", "program", "verdict", "asks_for", "facts", "act"}
DIALOGUE_KEYS = {"name", "program", "as_of", "source", "note", "turns"}


@dataclass(frozen=True)
class Turn:
    """One user message and what the reply must show."""

    say: str
    expect: dict[str, Any]


@dataclass(frozen=True)
class Dialogue:
    """Turns asked in one session."""

    name: str
    programs: tuple[str, ...]
    turns: tuple[Turn, ...]
    as_of: dt.date = AS_OF
    source: str = ""


@dataclass
class TurnResult:
    """One turn's answer and why it failed (empty: it passed)."""

    turn: Turn
    answer: dict[str, Any]
    ms: float
    reasons: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Whether every expectation held."""
        return not self.reasons


@dataclass
class DialogueResult:
    """A dialogue's turns."""

    dialogue: Dialogue
    turns: list[TurnResult]

    @property
    def passed(self) -> bool:
        """Whether every turn passed."""
        return all(t.passed for t in self.turns)


def _parse(raw: dict[str, Any], where: str) -> Dialogue:
    unknown = set(raw) - DIALOGUE_KEYS
    if unknown or not raw.get("name") or not raw.get("turns"):
        raise ValueError(f"{where}: needs name and turns (unknown keys: {sorted(unknown)})")
    turns = []
    for i, t in enumerate(raw["turns"]):
        expect = t.get("expect") or {}
        if set(t) - TURN_KEYS or set(expect) - EXPECT_KEYS or not t.get("say"):
            raise ValueError(f"{where} turn {i + 1}: keys are say/expect ({sorted(EXPECT_KEYS)})")
        turns.append(Turn(str(t["say"]), dict(expect)))
    program = raw.get("program") or "general"
    day = raw.get("as_of", AS_OF)
    return Dialogue(
        name=str(raw["name"]),
        programs=tuple(program) if isinstance(program, list) else (str(program),),
        turns=tuple(turns),
        as_of=day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)),
        source=str(raw.get("source", "")),
    )


def load_dialogues(folder: Path = DIALOGUES_DIR) -> list[Dialogue]:
    """Every dialogue of every ``*.yaml`` file in the folder.

    Raises:
        ValueError: a dialogue or turn is malformed (names the file and the turn).
    """
    return [d for path in sorted(folder.glob("*.yaml")) for d in load_dialogue_file(path)]


def load_dialogue_file(path: Path) -> list[Dialogue]:
    """The dialogues of one YAML file (a missing file has none).

    Raises:
        ValueError: a dialogue or turn is malformed (names the file and the turn).
    """
    if not path.is_file():
        return []
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a YAML list of dialogues")
    return [_parse(d, f"{path.name}[{i}]") for i, d in enumerate(raw)]


def _verdict(answer: Answer, program: str | None) -> str | None:
    """The engine's verdict in the answer for ``program`` (or the only one)."""
    assessment = answer.get("assessment")
    results = assessment if isinstance(assessment, list) else [assessment] if assessment else []
    if program:
        results = [r for r in results if r.get("program") == program]
    return str(results[0]["verdict"]) if len(results) == 1 else None


def check_turn(expect: dict[str, Any], answer: Answer) -> list[str]:
    """Why an answer does not meet a turn's expectations (empty: it does)."""
    reasons = []
    want_refused = bool(expect.get("refused", False))
    if bool(answer.get("refused")) != want_refused:
        reasons.append(f"refused={answer.get('refused')} (want {want_refused})")
    text = plain_text(str(answer.get("answer", "")))
    reasons += [
        f"missing {g}" for g in expect.get("must_contain") or [] if not group_found(g, text)
    ]
    program = expect.get("program")
    if program and program not in (answer.get("programs") or []):
        reasons.append(f"programs {answer.get('programs')} (want {program})")
    if "verdict" in expect and _verdict(answer, program) != expect["verdict"]:
        reasons.append(f"verdict {_verdict(answer, program)} (want {expect['verdict']})")
    missing = set(answer.get("missing_fields") or [])
    asked = [f for f in expect.get("asks_for") or [] if f not in missing]
    if asked:
        reasons.append(f"does not ask for {asked}")
    held = answer.get("facts") or {}
    for path, want in (expect.get("facts") or {}).items():
        have = _field(held, str(path))
        if not _same_value(have, want):
            reasons.append(f"facts {path}={have!r} (want {want!r})")
    if "act" in expect and answer.get("act") != expect["act"]:
        reasons.append(f"act {answer.get('act')} (want {expect['act']})")
    return reasons


def _field(profile: dict[str, Any], path: str) -> Any:
    """The value at a dotted path of a nested profile (None when absent)."""
    node: Any = profile
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _same_value(have: Any, want: Any) -> bool:
    """Numbers equal within rounding; anything else as text (a date as YYYY-MM-DD)."""
    if isinstance(want, bool) or isinstance(have, bool):
        return have is want
    if isinstance(want, int | float) and isinstance(have, int | float):
        return abs(float(have) - float(want)) < 1e-6 * max(1.0, abs(float(want)))
    return have is not None and str(have) == str(want)


def run_dialogue(chat: Any, dialogue: Dialogue) -> DialogueResult:
    """Ask the turns in order in one session (the id the first answer returns)."""
    session: str | None = None
    results = []
    for turn in dialogue.turns:
        start = time.perf_counter()
        answer = chat.ask(turn.say, session_id=session, as_of=dialogue.as_of)
        ms = (time.perf_counter() - start) * 1000
        session = session or str(answer["session_id"])
        results.append(TurnResult(turn, answer, ms, check_turn(turn.expect, answer)))
    return DialogueResult(dialogue, results)


def run(chat: Any, dialogues: list[Dialogue]) -> list[DialogueResult]:
    """Every dialogue, each in its own session."""
    return [run_dialogue(chat, d) for d in dialogues]


def metrics(results: list[DialogueResult]) -> dict[str, float]:
    """Turn and dialogue accuracy (rounded to 4 places)."""
    return {
        "turn_accuracy": round(mean(t.passed for r in results for t in r.turns), 4),
        "dialogue_accuracy": round(mean(r.passed for r in results), 4),
    }
