"""``python -m eval run``: run the evaluation sets, write reports, apply the quality gate.

Exit status: 0 when every threshold holds, 1 when a metric is below its threshold (named on
stderr), 2 for bad input (unknown set or backend, a missing or malformed file, ``--backend
llm`` without an endpoint configured) with a one-line reason on stderr and, with ``--json``,
``{"error": {"code", "message"}}`` on stdout. Only argparse and the standard library are
imported up front, so ``--help`` and input errors answer at once; the product and its
models load when a set needs them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.errors import BadInput
from eval.sets import SET_NAMES, SETS_DIR

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.config import Settings
    from assistant.search.embedder import NamedEmbeddings

THRESHOLDS = Path(__file__).parent / "thresholds.yaml"


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so errors get the status-2 contract."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise BadInput(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The ``run`` command and its options."""
    parser = _Parser(prog="python -m eval", description="申报助手 evaluation harness")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="run the evaluation sets and write reports")
    run.add_argument(
        "--set",
        dest="sets",
        action="append",
        choices=SET_NAMES,
        help="a set to run (repeatable; default: all)",
    )
    run.add_argument("--backend", choices=["grounded", "llm"], default="grounded")
    run.add_argument("--json", action="store_true", help="the result as JSON on stdout")
    run.add_argument("--out", type=Path, default=None, help="report folder (default DATA/eval)")
    run.add_argument("--thresholds", type=Path, default=THRESHOLDS, help="metric minimums (YAML)")
    run.add_argument("--embeddings", choices=["e5-onnx", "e5", "e5-torch", "hashing"], default=None)
    run.add_argument("--sets-dir", type=Path, default=SETS_DIR, help="folder of the sets")
    return parser


def run_eval(
    settings: Settings,
    *,
    names: Sequence[str] = SET_NAMES,
    sets_dir: Path = SETS_DIR,
    backend: str = "grounded",
    out: Path | None = None,
    thresholds: Path | None = THRESHOLDS,
    embeddings: NamedEmbeddings | None = None,
    chat_model: BaseChatModel | None = None,
) -> dict[str, Any]:
    """Load the sets, build the product, evaluate, check the thresholds, write the reports.

    The result carries ``thresholds`` (``failed`` lists what is below) and ``comparison``
    (deltas and regressions against the previous run in ``out``).

    Raises:
        BadInput: anything the user can fix.
    """
    from eval.harness import build_target, evaluate
    from eval.report import write_reports
    from eval.sets import load_sets
    from eval.thresholds import check, load_thresholds

    rules = load_thresholds(thresholds) if thresholds else {}
    sets = load_sets(sets_dir, list(names))
    with tempfile.TemporaryDirectory(prefix="eval-", ignore_cleanup_errors=True) as work:
        target = build_target(
            settings,
            Path(work),
            sets.names,
            backend=backend,
            embeddings=embeddings,
            chat_model=chat_model,
        )
        result = evaluate(sets, target)
    result["thresholds"] = check(result, rules)
    write_reports(result, out or settings.data_dir / "eval")
    return result


def _settings(embeddings: str | None) -> Settings:
    from pydantic import ValidationError

    from assistant.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        raise BadInput(f"bad ASSISTANT_* setting: {exc.errors()[0]['msg']}") from exc
    return settings.model_copy(update={"embeddings": embeddings}) if embeddings else settings


def _print_human(result: dict[str, Any], out: Path) -> None:
    from eval.report import metric_paths

    for metric, value in metric_paths(result).items():
        print(f"{metric:36} {value:g}")
    for r in result["comparison"]["regressions"]:
        print(f"REGRESSION {r['metric']}: {r['before']:g} -> {r['after']:g}")
    gate = result["thresholds"]
    print(f"thresholds: {gate['checked']} checked, {len(gate['failed'])} below")
    print(f"{result['counts']['failures']} failures; reports in {out}/latest.{{md,html,json}}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; the exit status (0 ok, 1 below a threshold, 2 bad input)."""
    from assistant.config import offline_environment

    offline_environment()
    wants_json = "--json" in (argv if argv is not None else sys.argv[1:])
    try:
        args = build_parser().parse_args(argv)
        settings = _settings(args.embeddings)
        out = args.out or settings.data_dir / "eval"
        result = run_eval(
            settings,
            names=args.sets or SET_NAMES,
            sets_dir=args.sets_dir,
            backend=args.backend,
            out=out,
            thresholds=args.thresholds,
        )
    except BadInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        if wants_json:
            print(json.dumps({"error": {"code": "bad_input", "message": str(exc)}}))
        return 2
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        _print_human(result, out)
    for t in result["thresholds"]["failed"]:
        print(f"below threshold: {t['metric']} = {t['value']:g} ({t['rule']})", file=sys.stderr)
    return 1 if result["thresholds"]["failed"] else 0
