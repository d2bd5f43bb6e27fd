"""The argument parser of ``python -m assistant`` (contract: shared CLI)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from assistant.cli.staff_commands import add_parsers as staff_parsers
from assistant.cli.template_commands import TEMPLATE_ACTIONS
from assistant.errors import InputError


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date; use YYYY-MM-DD") from exc


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so --json callers get a JSON error."""

    def error(self, message: str) -> Any:  # type: ignore[override]
        raise InputError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every sub-command."""
    common = _Parser(add_help=False)
    common.add_argument("--json", action="store_true", help="machine output on stdout")
    common.add_argument("--as-of", type=_date, default=None, help="YYYY-MM-DD (default today)")
    parser = _Parser(prog="python -m assistant", description="申报助手 command line")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("programs", parents=[common], help="list the programs")
    sub.add_parser("validate-knowledge", parents=[common], help="load and check knowledge/")
    sub.add_parser("build-model", parents=[common], help="build the e5 model into the data dir")
    ingest = sub.add_parser("ingest", parents=[common], help="add documents to the index")
    ingest.add_argument(
        "paths",
        nargs="+",
        help="files or folders (.md .txt .pdf .docx .doc .html .mhtml .xlsx .csv .png .jpg)",
    )
    ingest.add_argument("--remove", action="store_true", help="delete these documents instead")
    search = sub.add_parser("search", parents=[common], help="debug retrieval")
    search.add_argument("question")
    search.add_argument("--program", default=None, help="only this program id")
    search.add_argument("--type", dest="doc_type", choices=["knowledge", "upload"], default=None)
    search.add_argument("-k", type=int, default=None, help="how many passages")
    ask = sub.add_parser("ask", parents=[common], help="answer one chat turn")
    ask.add_argument("question")
    ask.add_argument("--session", default=None, help="continue this session id")
    ask.add_argument("--profile", type=Path, default=None, help="company profile JSON")
    check = sub.add_parser("check", parents=[common], help="eligibility of a company")
    check.add_argument("program", help="a program id, or 'all'")
    check.add_argument("--profile", required=True, type=Path, help="company profile JSON")
    checklist = sub.add_parser("checklist", parents=[common], help="pre-filled checklist")
    checklist.add_argument("program", help="a program id")
    checklist.add_argument("--profile", required=True, type=Path, help="company profile JSON")
    checklist.add_argument("--format", choices=["md", "xlsx", "docx"], default=None)
    checklist.add_argument("--out", type=Path, default=None, help="output file (xlsx/docx)")
    match = sub.add_parser("match", parents=[common], help="rank every program, with gaps")
    match.add_argument("--profile", required=True, type=Path, help="company profile JSON")
    calendar = sub.add_parser("calendar", parents=[common], help="coming dates")
    calendar.add_argument("--profile", required=True, type=Path, help="company profile JSON")
    calendar.add_argument("--format", choices=["text", "ics"], default="text")
    calendar.add_argument("--out", type=Path, default=None, help=".ics file to write")
    users = sub.add_parser("users", parents=[common], help="accounts: add, list, token, unlock")
    users.add_argument("action", choices=["add", "list", "token", "unlock"])
    users.add_argument("name", nargs="?", default=None)
    users.add_argument("--role", choices=["staff", "evaluator", "admin"], default=None)
    users.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else it is asked for)",
    )
    audit = sub.add_parser("audit", parents=[common], help="the audit log (admins)")
    audit.add_argument("--limit", type=int, default=200)
    audit.add_argument("--csv", type=Path, default=None, help="export to this CSV file")
    _template_parser(sub, common)
    staff_parsers(sub, common)
    for name, text in (("backup", "back up the data dir"), ("restore", "restore a backup")):
        sub.add_parser(name, parents=[common], help=text).add_argument("folder", type=Path)
    sub.add_parser("serve", parents=[common], help="run the web app")
    return parser


def _template_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    tpl = sub.add_parser("templates", parents=[common], help="answer templates (staff)")
    tpl.add_argument("action", choices=sorted(TEMPLATE_ACTIONS))
    tpl.add_argument("target", nargs="?", default=None, help="a template id, or a file")
    tpl.add_argument("--user", default=None, help="staff or admin account doing a change")
    tpl.add_argument("--status", default=None, help="list: draft, approved, retired, stale")
    tpl.add_argument("--from", dest="old", type=int, default=None, help="diff: older version")
    tpl.add_argument("--to", dest="new", type=int, default=None, help="diff: newer version")
