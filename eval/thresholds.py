"""Quality gate: minimum (or, for latencies, maximum) values of metrics.

``eval/thresholds.yaml`` maps a dotted metric path of the run's JSON to a minimum, or to
``{min: x}`` / ``{max: y}``. A threshold whose set was not run is skipped (``--set
answers`` does not fail on retrieval); one naming a metric the run lacks is an input error,
so a typo cannot silently disable the gate.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from eval.errors import BadInput
from eval.report import lookup

THRESHOLDS_FILE = Path(__file__).parent / "thresholds.yaml"


def load_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, dict[str, float]]:
    """Metric path -> ``{"min": x}`` and/or ``{"max": y}``.

    Raises:
        BadInput: the file is missing or malformed.
    """
    if not path.is_file():
        raise BadInput(f"thresholds file {path} not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise BadInput(f"thresholds file {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise BadInput(f"thresholds file {path}: expected a mapping of metric -> minimum")
    out: dict[str, dict[str, float]] = {}
    for metric, rule in raw.items():
        bounds = rule if isinstance(rule, dict) else {"min": rule}
        if set(bounds) - {"min", "max"} or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in bounds.values()
        ):
            raise BadInput(f"thresholds file {path}: bad rule for {metric}: {rule!r}")
        out[str(metric)] = {k: float(v) for k, v in bounds.items()}
    return out


def _rule(bounds: dict[str, float]) -> str:
    return " and ".join(
        f"{'≥' if k == 'min' else '≤'} {v:g}" for k, v in sorted(bounds.items(), reverse=True)
    )


def _present(result: dict[str, Any], path: str) -> bool:
    """Whether the path exists in the result (its value may be None: undefined)."""
    parent, _, key = path.rpartition(".")
    node = lookup(result, parent) if parent else result
    return isinstance(node, dict) and key in node


def check(result: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> dict[str, Any]:
    """Which thresholds hold for the run. Skipped: thresholds of sets not run, of programs
    not in the run, and of metrics with nothing to measure (value None).

    Raises:
        BadInput: a threshold names a metric that a run set does not report.
    """
    failed, skipped, checked = [], [], 0
    for metric, bounds in thresholds.items():
        section = metric.split(".")[0]
        per_program = section == "per_program"
        if (section not in result and not per_program) or (
            per_program and not _present(result, metric)
        ):
            skipped.append(metric)
            continue
        if not _present(result, metric):
            raise BadInput(f"threshold on unknown metric {metric!r}")
        value = lookup(result, metric)
        if value is None:
            skipped.append(metric)
            continue
        if not isinstance(value, int | float):
            raise BadInput(f"threshold on {metric!r}, which is not a number")
        checked += 1
        low, high = bounds.get("min"), bounds.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            failed.append({"metric": metric, "value": value, "rule": _rule(bounds)})
    return {"checked": checked, "failed": failed, "skipped": skipped}
