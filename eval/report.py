"""Reports of a run: Markdown and self-contained HTML (inline SVG), and the comparison with
the previous run in the same folder.

The folder keeps ``latest.{json,md,html}`` plus a timestamped copy of each run
(``eval-<UTC time>.*``), so a run is compared with the one before it and the history stays
reviewable. Charts are drawn by the small SVG functions here (no plotting dependency).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SECTIONS = ("retrieval", "answers", "eligibility", "dialogues", "held_out", "latency")
TOLERANCE = 0.01  # a score dropping by more than this is a regression
LATENCY_TOLERANCE = 0.25  # a latency rising by more than this share is a regression
# The headline metric of each set, drawn per program in the bar chart.
HEADLINE = {
    "retrieval": "recall_at_5",
    "answers": "key_fact_accuracy",
    "eligibility": "verdict_accuracy",
    "dialogues": "turn_accuracy",
}
COUNT_KEYS = {"items", "turns", "cases", "verdicts", "conditions", "dialogues"}
COLOURS = {
    "retrieval": "#4e79a7",
    "answers": "#f28e2b",
    "eligibility": "#59a14f",
    "dialogues": "#b07aa1",
}


def metric_paths(result: dict[str, Any]) -> dict[str, float]:
    """The run's scalar metrics as dotted paths (``answers.key_fact_accuracy``); counts of
    items and the raw latency samples are left out.

    >>> metric_paths({"answers": {"pass_rate": 0.9, "items": 3, "backends": {"x": 3}}})
    {'answers.pass_rate': 0.9}
    """
    out: dict[str, float] = {}
    for section in SECTIONS:
        for key, value in (result.get(section) or {}).items():
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            if numeric and key not in COUNT_KEYS:
                out[f"{section}.{key}"] = float(value)
    return out


def lookup(result: dict[str, Any], path: str) -> Any:
    """The value at a dotted path (None when absent).

    >>> lookup({"a": {"b": 1}}, "a.b"), lookup({"a": {}}, "a.c")
    (1, None)
    """
    node: Any = result
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def is_regression(path: str, before: float, after: float) -> bool:
    """Whether a change is a regression: a score dropped by more than ``TOLERANCE``, or a
    latency rose by more than ``LATENCY_TOLERANCE`` of its previous value.

    >>> is_regression("answers.pass_rate", 0.95, 0.93)
    True
    >>> is_regression("answers.pass_rate", 0.95, 0.945)
    False
    >>> is_regression("latency.p95_ms", 40, 60), is_regression("latency.p95_ms", 40, 45)
    (True, False)
    """
    if path.endswith("_ms"):
        return after > before * (1 + LATENCY_TOLERANCE)
    return before - after > TOLERANCE


def compare(previous: dict[str, Any] | None, current: dict[str, Any]) -> dict[str, Any]:
    """Deltas of every metric both runs have, and the regressions among them."""
    if previous is None:
        return {"previous": None, "deltas": {}, "regressions": []}
    before, after = metric_paths(previous), metric_paths(current)
    deltas = {p: round(after[p] - before[p], 4) for p in after if p in before}
    regressions = [
        {"metric": p, "before": before[p], "after": after[p], "delta": deltas[p]}
        for p in deltas
        if is_regression(p, before[p], after[p])
    ]
    prev_meta = previous.get("meta") or {}
    notes = [
        f"previous run used {key}={prev_meta.get(key)!r}, this one {current['meta'].get(key)!r}"
        for key in ("backend", "embeddings")
        if prev_meta.get(key) != (current.get("meta") or {}).get(key)
    ]
    return {
        "previous": prev_meta.get("finished"),
        "deltas": deltas,
        "regressions": regressions,
        "notes": notes,
    }


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".") if value != int(value) else f"{value:g}"
    return str(value)


def _summary_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, value, delta, flag) for each metric of the run."""
    comparison = result.get("comparison") or {}
    deltas = comparison.get("deltas") or {}
    regressed = {r["metric"] for r in comparison.get("regressions") or []}
    failed = {t["metric"] for t in (result.get("thresholds") or {}).get("failed") or []}
    rows = []
    for path, value in metric_paths(result).items():
        delta = deltas.get(path)
        flags = [
            f
            for f, on in (("REGRESSION", path in regressed), ("BELOW THRESHOLD", path in failed))
            if on
        ]
        rows.append((path, _fmt(value), "" if delta is None else f"{delta:+.4g}", " ".join(flags)))
    return rows


def _per_program_rows(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    sets = [s for s in HEADLINE if s in result]
    header = ["program", *(f"{s} {HEADLINE[s]}" for s in sets), "latency p95 ms"]
    rows = []
    for program, values in result.get("per_program", {}).items():
        cells = [program]
        for s in sets:
            v = (values.get(s) or {}).get(HEADLINE[s])
            cells.append("" if v is None else f"{_fmt(v)} ({values[s]['items']})")
        cells.append(_fmt((values.get("latency") or {}).get("p95_ms", "")))
        rows.append(cells)
    return header, rows


def markdown(result: dict[str, Any]) -> str:
    """The run as a Markdown report."""
    meta = result.get("meta", {})
    lines = [
        "# 申报助手 evaluation",
        "",
        f"Finished {meta.get('finished')}; sets {', '.join(meta.get('sets', []))}; "
        f"backend {meta.get('backend')}; embeddings {meta.get('embeddings') or '-'}; "
        f"{meta.get('seconds')} s.",
        "",
        "| metric | value | Δ vs previous | flag |",
        "|---|---|---|---|",
        *(f"| {m} | {v} | {d} | {f} |" for m, v, d, f in _summary_rows(result)),
        "",
    ]
    lines += _comparison_md(result.get("comparison") or {})
    lines += _thresholds_md(result.get("thresholds") or {})
    header, rows = _per_program_rows(result)
    lines += ["## Per program", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines += ["", f"## Failures ({len(result.get('failures', []))})", ""]
    for f in result.get("failures", []):
        lines += [
            f"### [{f['set']}] {f['question']}",
            "",
            f"- program: {f['program']}",
            f"- expected: `{json.dumps(f['expected'], ensure_ascii=False)}`",
            f"- why: {'; '.join(map(str, f['reasons']))}",
            "- answer given:",
            "",
            *("  > " + line for line in str(f["answer"]).splitlines() or [""]),
            "",
        ]
    return "\n".join(lines) + "\n"


def _comparison_md(comparison: dict[str, Any]) -> list[str]:
    if not comparison.get("previous"):
        return ["No previous run in this folder to compare with.", ""]
    lines = [f"Compared with the run of {comparison['previous']}."]
    lines += [f"Note: {n}." for n in comparison.get("notes", [])]
    regressions = comparison.get("regressions") or []
    if regressions:
        lines += ["", "**Regressions:**", ""]
        lines += [
            f"- {r['metric']}: {_fmt(r['before'])} → {_fmt(r['after'])} ({r['delta']:+.4g})"
            for r in regressions
        ]
    else:
        lines.append("No regressions.")
    return [*lines, ""]


def _thresholds_md(thresholds: dict[str, Any]) -> list[str]:
    if not thresholds:
        return []
    failed = thresholds.get("failed") or []
    if not failed:
        return [f"All {thresholds.get('checked', 0)} thresholds hold.", ""]
    return [
        "**Below threshold:**",
        "",
        *(f"- {t['metric']}: {_fmt(t['value'])} ({t['rule']})" for t in failed),
        "",
    ]


def bar_chart(groups: dict[str, dict[str, float | None]], series: list[str]) -> str:
    """Grouped bars (0–1 scores): one group per program, one bar per series."""
    width, height, left, bottom = 760, 260, 40, 70
    bar = 10
    gap = max(8, (width - left - len(groups) * bar * len(series)) // max(1, len(groups)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    plot = height - bottom - 10
    for tick in (0, 0.5, 1):
        y = 10 + plot * (1 - tick)
        parts.append(f'<line x1="{left}" x2="{width}" y1="{y}" y2="{y}" stroke="#ddd"/>')
        parts.append(f'<text x="4" y="{y + 4}" font-size="11">{tick:g}</text>')
    x = left + 4
    for program, values in groups.items():
        for i, name in enumerate(series):
            value = values.get(name)
            if value is not None:
                h = plot * value
                parts.append(
                    f'<rect x="{x + i * bar}" y="{10 + plot - h:.1f}" width="{bar - 1}" '
                    f'height="{h:.1f}" fill="{COLOURS.get(name, "#888")}">'
                    f"<title>{html.escape(program)} {name}: {value:.3f}</title></rect>"
                )
        label_x = x + bar * len(series) / 2
        parts.append(
            f'<text x="{label_x}" y="{height - bottom + 14}" font-size="10" '
            f'transform="rotate(35 {label_x} {height - bottom + 14})">{html.escape(program)}</text>'
        )
        x += bar * len(series) + gap
    parts.append("</svg>")
    return "".join(parts)


def histogram(samples: list[float], bins: int = 20) -> str:
    """A histogram of latency samples (ms)."""
    width, height, left, bottom = 760, 200, 40, 30
    if not samples:
        return "<p>No latency samples.</p>"
    low, high = min(samples), max(samples)
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for s in samples:
        counts[min(bins - 1, int((s - low) / step))] += 1
    top = max(counts)
    plot, bw = height - bottom - 10, (width - left) / bins
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">']
    for i, c in enumerate(counts):
        h = plot * c / top
        parts.append(
            f'<rect x="{left + i * bw:.1f}" y="{10 + plot - h:.1f}" width="{bw - 1:.1f}" '
            f'height="{h:.1f}" fill="#4e79a7"><title>{low + i * step:.0f}–'
            f"{low + (i + 1) * step:.0f} ms: {c}</title></rect>"
        )
    parts.append(f'<text x="{left}" y="{height - 8}" font-size="11">{low:.0f} ms</text>')
    parts.append(
        f'<text x="{width - 60}" y="{height - 8}" font-size="11">{high:.0f} ms</text>'
        f'<text x="4" y="20" font-size="11">{top}</text></svg>'
    )
    return "".join(parts)


def _table(header: list[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _failures_html(failures: list[dict[str, Any]]) -> str:
    items = []
    for f in failures:
        expected = json.dumps(f["expected"], ensure_ascii=False)
        items.append(
            f"<details><summary>[{html.escape(f['set'])}] {html.escape(f['question'])}</summary>"
            f"<p>program: {html.escape(f['program'])}<br>expected: <code>"
            f"{html.escape(expected)}</code><br>why: "
            f"{html.escape('; '.join(map(str, f['reasons'])))}</p>"
            f"<pre>{html.escape(str(f['answer']))}</pre></details>"
        )
    return "".join(items)


def html_report(result: dict[str, Any]) -> str:
    """The run as one self-contained HTML page with inline SVG charts."""
    sets = [s for s in HEADLINE if s in result]
    groups = {
        p: {s: (v.get(s) or {}).get(HEADLINE[s]) for s in sets if v.get(s)}
        for p, v in result.get("per_program", {}).items()
    }
    legend = " ".join(f'<span style="color:{COLOURS[s]}">■ {s} {HEADLINE[s]}</span>' for s in sets)
    lines = _comparison_md(result.get("comparison") or {})
    lines += _thresholds_md(result.get("thresholds") or {})
    notes = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line)
    header, rows = _per_program_rows(result)
    failures = result.get("failures", [])
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        "<title>申报助手 evaluation</title><style>body{font-family:sans-serif;max-width:1000px;"
        "margin:auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
        "pre{white-space:pre-wrap;background:#f6f6f6;padding:6px}</style></head><body>"
        f"<h1>申报助手 evaluation</h1>"
        f"{_table(['metric', 'value', 'Δ vs previous', 'flag'], _summary_rows(result))}"
        f"{notes}"
        f"<h2>Accuracy per program</h2><p>{legend}</p>{bar_chart(groups, sets)}"
        f"<h2>Latency of answer turns</h2>"
        f"{histogram((result.get('latency') or {}).get('samples_ms', []))}"
        f"<h2>Per program</h2>{_table(header, rows)}"
        f"<h2>Failures ({len(failures)})</h2>{_failures_html(failures)}"
        "</body></html>"
    )


def write_reports(result: dict[str, Any], out: Path) -> dict[str, Any]:
    """Compare with ``out/latest.json``, then write this run's JSON, Markdown and HTML as
    ``latest.*`` and as a timestamped copy. Returns the comparison (also stored in the
    result under ``comparison``)."""
    out.mkdir(parents=True, exist_ok=True)
    latest = out / "latest.json"
    previous = json.loads(latest.read_text(encoding="utf-8")) if latest.is_file() else None
    result["comparison"] = compare(previous, result)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    texts = {
        "json": json.dumps(result, ensure_ascii=False, indent=1),
        "md": markdown(result),
        "html": html_report(result),
    }
    for ext, text in texts.items():
        (out / f"eval-{stamp}.{ext}").write_text(text, encoding="utf-8")
        (out / f"latest.{ext}").write_text(text, encoding="utf-8")
    return dict(result["comparison"])
