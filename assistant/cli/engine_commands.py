"""Commands over the pure engine: programs, knowledge check, check, checklist, match, calendar."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from assistant.application import Application
from assistant.cli.common import as_of as _as_of
from assistant.config import Settings
from assistant.core.assessment import VERDICT_TEXT
from assistant.core.results import Assessment
from assistant.errors import InputError


def cmd_programs(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``programs``: id, name, issuer, current rule version and its effective date."""
    app = Application(settings)
    rows = [
        {**row, "articles": len(app.knowledge.articles_of(row["id"]))}
        for row in app.programs(_as_of(args))
    ]
    text = "\n".join(f"{r['id']:<18} {r['name']:<16} {r['rules_version']}" for r in rows)
    return rows, text


def cmd_validate(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``validate-knowledge``: load everything, report counts."""
    from assistant.core.knowledge import load_knowledge

    k = load_knowledge(settings.knowledge_dir)
    out = {"programs": len(k.programs), "articles": len(k.articles), "documents": len(k.documents)}
    return out, f"knowledge OK: {out}"


def cmd_check(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``check PROGRAM|all --profile FILE``: the per-condition assessment."""
    from assistant.core.profile import load_profile

    profile = load_profile(args.profile)
    results = Application(settings).check(args.program, profile, _as_of(args))
    if isinstance(results, list):
        text = "\n\n".join(_check_text(r) for r in results)
    else:
        text = _check_text(results)
    for warning in profile.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return results, text


def cmd_checklist(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``checklist PROGRAM --profile FILE [--format md|xlsx|docx --out FILE]``."""
    from assistant import export
    from assistant.core.profile import load_profile

    profile = load_profile(args.profile)
    result = Application(settings).checklist(args.program, profile, _as_of(args))
    for warning in profile.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    fmt = args.format or (args.out.suffix.lstrip(".") if args.out else "md")
    if fmt in ("xlsx", "docx"):
        if args.out is None:
            raise InputError(f"--format {fmt} needs --out FILE")
        writer = export.to_xlsx if fmt == "xlsx" else export.to_docx
        try:
            path = writer(result, args.out)
        except OSError as exc:
            raise InputError(f"{args.out}: cannot write ({exc.strerror})") from exc
        return {**result, "file": str(path)}, f"已导出：{path}"
    if fmt != "md":
        raise InputError(f"--out {args.out}: use a .md, .xlsx or .docx file name")
    text = export.to_markdown(result)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        return {**result, "file": str(args.out)}, f"已导出：{args.out}"
    return result, text


def cmd_match(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``match --profile FILE``: every program ranked, with gaps, paths and shortcuts."""
    from assistant.core.profile import load_profile

    result = Application(settings).match(load_profile(args.profile), _as_of(args))
    lines = []
    for p in result["programs"]:
        lines.append(f"{p['rank']}. {p['program_name']}：{VERDICT_TEXT[p['verdict']]}")
        lines += [f"   - 差距：{g['text']}" for g in p["gaps"]]
        lines += [f"   - 路径：{s['text']}" for s in p["path"]]
        lines += [f"   - 捷径：{s['text']}" for s in p["shortcuts"]]
    return result, "\n".join(lines)


def cmd_calendar(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``calendar --profile FILE [--format ics --out FILE]``: the coming dates."""
    from assistant.core.calendar import to_ics
    from assistant.core.profile import load_profile

    profile = load_profile(args.profile)
    as_of = _as_of(args)
    result = Application(settings).calendar(profile, as_of)
    events = result["events"]
    if args.format == "ics" or (args.out and args.out.suffix == ".ics"):
        if args.out is None:
            raise InputError("--format ics needs --out FILE.ics")
        stamp = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        args.out.write_text(
            to_ics(events, company=profile.data.get("name"), stamp=stamp), encoding="utf-8"
        )
        return {**result, "file": str(args.out)}, f"已导出：{args.out}（{len(events)} 个日期）"
    lines = [
        f"{e['start']}{'–' + e['end'] if e['end'] != e['start'] else ''}  {e['title']}"
        f"{'' if e['official'] else '（据报道）'}"
        for e in events
    ]
    return result, "\n".join(lines) or "未来一年内没有已知的重要日期。"


_MARK = {"pass": "✓", "fail": "✗", "unknown": "?", "manual": "…"}


def _check_text(result: Assessment) -> str:
    lines = [
        f"{result['program_name']}（{result['rules_version']}）：{VERDICT_TEXT[result['verdict']]}"
    ]
    lines += [f"  {_MARK[c['status']]} {c['explanation']}" for c in result["conditions"]]
    lines += [f"  问：{q['question']}" for q in result["questions"]]
    return "\n".join(lines)
