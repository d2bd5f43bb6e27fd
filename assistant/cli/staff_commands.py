"""Command line of the staff tools: ``screen``, ``impact``, ``clients`` and ``forms``.

Each run is written to the audit log: as the staff or admin account given with ``--user``
(required to save companies, which then belong to that account), otherwise as the local
operating-system user (``cli:<name>``, role ``cli``), since whoever runs the command on the
server can already read the database.
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from assistant.application import Application, User
from assistant.cli.common import as_of as _as_of
from assistant.cli.common import write_error as _write_error
from assistant.config import Settings
from assistant.core.results import ScreenResult
from assistant.errors import ForbiddenError, InputError


def add_parsers(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register the sub-commands on the main parser."""
    screen = sub.add_parser("screen", parents=[common], help="screen a client list (staff)")
    screen.add_argument("file", nargs="?", type=Path, help="the client list (.xlsx or .csv)")
    screen.add_argument("--out", type=Path, default=None, help="result workbook (.xlsx)")
    screen.add_argument("--template", type=Path, default=None, help="write the input sheet")
    screen.add_argument("--save", action="store_true", help="save the companies (needs --user)")
    screen.add_argument("--user", default=None, help="staff or admin account doing the run")
    screen.add_argument("--workers", type=int, default=None, help="worker processes")
    impact = sub.add_parser("impact", parents=[common], help="who a rule change affects")
    impact.add_argument("program", help="a program id, or 'all'")
    impact.add_argument("--version", default=None, help="a rules version (label or date)")
    impact.add_argument("--out", type=Path, default=None, help="report workbook (.xlsx)")
    impact.add_argument("--user", default=None, help="staff or admin account doing the run")
    clients = sub.add_parser("clients", parents=[common], help="the client register")
    clients.add_argument("action", choices=["list", "show"])
    clients.add_argument("id", nargs="?", type=int, default=None, help="the client id (show)")
    forms = sub.add_parser("forms", parents=[common], help="pre-filled application tables")
    forms.add_argument("program", help="hnte or tech_sme")
    forms.add_argument("--profile", type=Path, default=None, help="company profile JSON")
    forms.add_argument("--client", type=int, default=None, help="a client id of the register")
    forms.add_argument("--out", type=Path, default=None, help="output file (.xlsx or .docx)")
    forms.add_argument("--user", default=None, help="staff or admin account doing the export")


class _Context:
    """The application of one command run, and the account it is audited as."""

    def __init__(self, settings: Settings) -> None:
        self.app = Application(settings)
        self.knowledge = self.app.knowledge
        self.accounts = self.app.accounts()

    def user(self, name: str | None) -> User:
        """The account the run is audited as (see the module docstring)."""
        if not name:
            return User(f"cli:{getpass.getuser()}", "cli")
        row = next((u for u in self.accounts.users() if u["name"] == name), None)
        if row is None:
            raise InputError(f"--user {name}: no such account; create it with 'users add'")
        if row["role"] not in ("staff", "admin"):
            raise ForbiddenError(f"--user {name}: the role '{row['role']}' may not do this")
        return User(row["name"], row["role"])

    def register(self) -> Any:
        return self.app.client_register()


def cmd_screen(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``screen FILE [--out FILE.xlsx] [--save --user NAME]`` / ``screen --template FILE``."""
    from assistant.staff.screen import public, screen_file
    from assistant.staff.workbook import write_result, write_template

    as_of = _as_of(args)
    if args.template:
        try:
            write_template(args.template, as_of)
        except OSError as exc:
            raise _write_error(args.template, exc) from exc
        return {"file": str(args.template)}, f"已生成筛查模板：{args.template}"
    if args.file is None:
        raise InputError("screen: give the client list FILE.xlsx|FILE.csv (or --template FILE)")
    if args.out is not None and args.out.suffix.lower() != ".xlsx":
        raise InputError(f"--out {args.out}: the result is an Excel workbook; use a .xlsx name")
    if args.save and not args.user:
        raise InputError("screen --save: give --user NAME (a staff or admin account)")
    ctx = _Context(settings)
    user = ctx.user(args.user)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise InputError(f"{args.file}: cannot read ({exc.strerror})") from exc
    result = screen_file(
        ctx.knowledge,
        data,
        args.file.name,
        as_of,
        knowledge_dir=settings.knowledge_dir,
        workers=args.workers,
    )
    out = public(result)
    ctx.accounts.audit(
        user,
        "screen.run",
        args.file.name,
        companies=len(result["companies"]),
        errors=len(result["errors"]),
    )
    if args.out:
        try:
            write_result(ctx.knowledge, result, args.out)
        except OSError as exc:
            raise _write_error(args.out, exc) from exc
        ctx.accounts.audit(user, "screen.export", str(args.out.name))
        out["file"] = str(args.out)
    if args.save:
        out["saved"] = ctx.register().save_screening(user, result)
    return out, _screen_text(result, args.out, out.get("saved"))


def _screen_text(result: ScreenResult, path: Path | None, saved: list[int] | None) -> str:
    from assistant.staff.workbook import VERDICT_WORD

    lines = [
        f"筛查 {len(result['companies'])} 家企业（{result['as_of']}），"
        f"错误与提示 {len(result['errors'])} 条"
    ]
    for c in result["companies"]:
        best = [p for p in c["programs"] if p["verdict"] in ("eligible", "needs_review")]
        words = "、".join(f"{p['program_name']}（{VERDICT_WORD[p['verdict']]}）" for p in best)
        lines.append(f"第{c['row']}行 {c['name'] or '（未填写名称）'}：{words or '暂无符合的项目'}")
    lines += [
        f"第{e['row']}行 {e['letter'] + '列 ' if e['letter'] else ''}{e['column']}：{e['message']}"
        for e in result["errors"]
    ]
    if path:
        lines.append(f"已导出：{path}")
    if saved is not None:
        lines.append(f"已保存到客户名册：{len(saved)} 家")
    return "\n".join(lines)


def cmd_impact(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``impact PROGRAM [--version V] [--out FILE.xlsx]``: the register under a rule change."""
    from assistant.staff.impact import report_text, write_xlsx

    ctx = _Context(settings)
    user = ctx.user(args.user)
    report = ctx.app.impact(args.program, _as_of(args), version=args.version)
    ctx.accounts.audit(
        user,
        "impact.run",
        args.program,
        switches=[s["switch_date"] for s in report["switches"]],
        affected=sum(len(s["companies"]) for s in report["switches"]),
    )
    text = report_text(report)
    if args.out:
        try:
            write_xlsx(report, args.out)
        except OSError as exc:
            raise _write_error(args.out, exc) from exc
        ctx.accounts.audit(user, "impact.export", args.out.name)
        report = {**report, "file": str(args.out)}
        text += f"\n已导出：{args.out}"
    return report, text


def cmd_clients(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``clients list`` / ``clients show ID``: the register and a company's history."""
    from assistant.staff.workbook import VERDICT_WORD

    register = _Context(settings).register()
    if args.action == "list":
        rows = [{k: v for k, v in r.items() if k != "profile"} for r in register.companies()]
        text = "\n".join(
            f"{r['id']:>5}  {r['name']:<24} 评估 {r['assessments']} 次，最近 {r['last_as_of']}"
            f"（{r['owner']}）"
            for r in rows
        )
        return rows, text or "（客户名册为空）"
    if args.id is None:
        raise InputError("clients show: give the client id (see 'clients list')")
    company = register.company(args.id)
    lines = [f"#{company['id']} {company['name']}（{company['credit_code'] or '无信用代码'}）"]
    for h in company["history"]:
        verdicts = "、".join(
            f"{p['program_name']}:{VERDICT_WORD[p['verdict']]}" for p in h["programs"]
        )
        lines.append(f"  {h['as_of']}（{h['owner']}，{h['source']}）{verdicts}")
    return company, "\n".join(lines)


def cmd_forms(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``forms PROGRAM --profile FILE|--client ID [--out FILE.xlsx|.docx]``."""
    from assistant.core.profile import load_profile, validate_profile
    from assistant.staff.forms import build_forms, forms_json, write_docx, write_xlsx

    ctx = _Context(settings)
    user = ctx.user(args.user)
    if args.profile is not None:
        profile = load_profile(args.profile)
    elif args.client is not None:
        profile = validate_profile(ctx.register().company(args.client)["profile"])
    else:
        raise InputError("forms: give --profile FILE or --client ID")
    forms = build_forms(ctx.knowledge, args.program, profile, _as_of(args))
    out = forms_json(forms)
    lines = []
    for t in out["tables"]:
        lines.append(f"## {t['title']}（{t['citation']['article']}）")
        lines += [
            "  "
            + " | ".join(str(c["value"] if c["value"] is not None else "（请补充）") for c in row)
            for row in t["rows"]
        ]
    if args.out:
        suffix = args.out.suffix.lower()
        if suffix not in (".xlsx", ".docx"):
            raise InputError(f"--out {args.out}: use a .xlsx or .docx file name")
        try:
            (write_xlsx if suffix == ".xlsx" else write_docx)(forms, args.out)
        except OSError as exc:
            raise _write_error(args.out, exc) from exc
        out["file"] = str(args.out)
        lines = [f"已导出：{args.out}"]
    ctx.accounts.audit(user, "forms.export", f"{args.program} {profile.data.get('name') or ''}")
    return out, "\n".join(lines)


COMMANDS = {
    "screen": cmd_screen,
    "impact": cmd_impact,
    "clients": cmd_clients,
    "forms": cmd_forms,
}
