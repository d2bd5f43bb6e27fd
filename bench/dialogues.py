"""Generated dialogues through the chat: does it end with the engine's own assessment?

Each dialogue (eval/dialogue_gen.py) tells a random company profile over one to four
messages; after the last turn the chat's session facts are compared field by field with the
profile, and its assessment with the engine's assessment of the profile (verdict and every
condition's status). Reports agreement per field and per verdict, lists the failures with
their messages, and writes bench-results/dialogues.{json,md}.

Usage: .venv/bin/python -m bench.dialogues --n 1000 [--seed S]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.config import PROJECT_ROOT, Settings, offline_environment
from assistant.core.assessment import assess
from assistant.core.profile import validate_profile
from eval.dialogue_gen import GeneratedDialogue, generate

AS_OF = dt.date(2026, 11, 22)


@dataclass
class Outcome:
    """One generated dialogue's comparison."""

    dialogue: GeneratedDialogue
    expected: str
    got: str | None
    conditions_equal: bool
    fields: dict[str, bool]
    answers: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """Verdict, every condition and every field agree."""
        return self.expected == self.got and self.conditions_equal and all(self.fields.values())


def flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested profile as dotted paths."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def same(a: Any, b: Any) -> bool:
    """Equal values (numbers within a rounding error)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) < 1e-6
    return bool(a == b)


def field_name(path: str) -> str:
    """A field path with its fiscal year generalised (financials.*.revenue)."""
    return re.sub(r"^financials\.\d{4}\.", "financials.*.", path)


def run_one(chat: Any, seed: int, as_of: dt.date = AS_OF) -> Outcome:
    """Tell one generated dialogue to the chat in a fresh session and compare."""
    dialogue = generate(seed, as_of)
    session: str | None = None
    answer: dict[str, Any] = {}
    answers = []
    for text in dialogue.turns:
        answer = chat.ask(text, session_id=session, as_of=as_of)
        session = session or str(answer["session_id"])
        answers.append(f"[{answer.get('act')}] {str(answer['answer'])[:300]}")
    engine = assess(chat.knowledge, dialogue.program, validate_profile(dialogue.profile), as_of)
    got = answer.get("assessment")
    results = got if isinstance(got, list) else [got] if got else []
    mine = next((r for r in results if r.get("program") == dialogue.program), None)
    statuses = {c["id"]: c["status"] for c in engine["conditions"]}
    chat_statuses = {c["id"]: c["status"] for c in mine["conditions"]} if mine else {}
    held = flat(answer.get("facts") or {})
    fields = {p: same(held.get(p), v) for p, v in flat(dialogue.profile).items()}
    return Outcome(
        dialogue,
        engine["verdict"],
        mine["verdict"] if mine else None,
        statuses == chat_statuses,
        fields,
        answers,
    )


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Agreement overall, per verdict and per field, and the failures with their messages."""
    per_verdict: dict[str, list[int]] = {}
    per_field: dict[str, list[int]] = {}
    for o in outcomes:
        row = per_verdict.setdefault(o.expected, [0, 0])
        row[0] += o.expected == o.got
        row[1] += 1
        for path, ok in o.fields.items():
            cell = per_field.setdefault(field_name(path), [0, 0])
            cell[0] += ok
            cell[1] += 1
    total_fields = sum(c[1] for c in per_field.values())
    forms = Counter(f for o in outcomes for f in set(o.dialogue.forms))
    return {
        "dialogues": len(outcomes),
        "verdict_agreement": round(sum(o.expected == o.got for o in outcomes) / len(outcomes), 4),
        "assessment_agreement": round(
            sum(o.expected == o.got and o.conditions_equal for o in outcomes) / len(outcomes), 4
        ),
        "field_agreement": round(sum(c[0] for c in per_field.values()) / max(1, total_fields), 4),
        "dialogues_passed": round(sum(o.passed for o in outcomes) / len(outcomes), 4),
        "per_verdict": {k: {"agree": v[0], "of": v[1]} for k, v in sorted(per_verdict.items())},
        "per_field": {k: {"agree": v[0], "of": v[1]} for k, v in sorted(per_field.items())},
        "forms": dict(forms.most_common()),
        "failures": [
            {
                "seed": o.dialogue.seed,
                "program": o.dialogue.program,
                "expected": o.expected,
                "got": o.got,
                "conditions_equal": o.conditions_equal,
                "wrong_fields": [p for p, ok in o.fields.items() if not ok],
                "turns": o.dialogue.turns,
                "answers": o.answers,
            }
            for o in outcomes
            if not o.passed
        ],
    }


def run(chat: Any, n: int, seed: int, as_of: dt.date = AS_OF) -> dict[str, Any]:
    """``n`` dialogues with seeds drawn from ``seed`` (each dialogue replayable alone)."""
    seeds = random.Random(seed).sample(range(10**9), n)
    start = time.perf_counter()
    outcomes = [run_one(chat, s, as_of) for s in seeds]
    result = summarise(outcomes)
    result["seed"] = seed
    result["seconds"] = round(time.perf_counter() - start, 1)
    return result


def build(data: Path) -> Any:
    """A chat on a throwaway data dir with the hashing embedder (verdicts do not depend on
    retrieval, so the e5 model is not needed here)."""
    from assistant.factory import build_chat, build_search

    settings = Settings(data_dir=data, embeddings="hashing")
    stack = build_search(settings)
    stack.indexer.index_knowledge(stack.knowledge)
    return build_chat(settings, stack)


def main() -> None:
    """Run, print the table and the failures, write the report."""
    offline_environment()
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench-results")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(build(Path(tmp)), args.n, seed)
    for f in result["failures"][:40]:
        print(
            f"seed {f['seed']} {f['program']}: want {f['expected']} got {f['got']} "
            f"conditions_equal={f['conditions_equal']} wrong={f['wrong_fields']}"
        )
        for t in f["turns"]:
            print("   >", t)
    rows = [
        ("seed", str(seed)),
        ("dialogues", str(result["dialogues"])),
        ("verdict agreement", f"{result['verdict_agreement']:.2%} (goal ≥ 99%)"),
        ("assessment agreement (all conditions)", f"{result['assessment_agreement']:.2%}"),
        ("field agreement", f"{result['field_agreement']:.2%} (goal ≥ 99%)"),
        ("dialogues fully right", f"{result['dialogues_passed']:.2%}"),
        *((f"verdict {k}", f"{v['agree']}/{v['of']}") for k, v in result["per_verdict"].items()),
        *((f"field {k}", f"{v['agree']}/{v['of']}") for k, v in result["per_field"].items()),
    ]
    from bench.common import write_report

    write_report("dialogues", result, rows, args.out)


if __name__ == "__main__":
    main()
