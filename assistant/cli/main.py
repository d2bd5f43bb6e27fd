"""``python -m assistant COMMAND``: runs one command and prints its result.

Every command takes ``--json``. Errors the user can fix exit with status 2, a one-line
reason on stderr and, with ``--json``, ``{"error": {"code", "message"}}`` on stdout;
nothing already stored is changed by a failed command.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from assistant.cli.account_commands import cmd_audit, cmd_users
from assistant.cli.common import Handler
from assistant.cli.engine_commands import (
    cmd_calendar,
    cmd_check,
    cmd_checklist,
    cmd_match,
    cmd_programs,
    cmd_validate,
)
from assistant.cli.index_commands import cmd_ask, cmd_build_model, cmd_ingest, cmd_search
from assistant.cli.parser import build_parser
from assistant.cli.staff_commands import COMMANDS as STAFF_COMMANDS
from assistant.cli.template_commands import cmd_templates
from assistant.config import Settings, offline_environment
from assistant.errors import AssistantError, storage_error


def cmd_backup(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``backup FOLDER``: database, originals, vector cache, promoted answers (app may run)."""
    from assistant.backup import backup

    result = backup(settings, args.folder)
    return result, f"backup written to {args.folder} ({len(result['originals'])} originals)"


def cmd_restore(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``restore FOLDER``: into a new data dir, then the index is rebuilt."""
    from assistant.backup import restore

    result = restore(settings, args.folder)
    return result, (
        f"restored into {result['data_dir']}: {result['knowledge_documents']} knowledge "
        f"articles and {result['originals']} originals indexed"
    )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``serve``: the same web app as ``python app.py``."""
    from assistant.web.server import serve

    serve(settings)
    return {}, ""


COMMANDS: dict[str, Handler] = {
    "programs": cmd_programs,
    "validate-knowledge": cmd_validate,
    "build-model": cmd_build_model,
    "ingest": cmd_ingest,
    "search": cmd_search,
    "ask": cmd_ask,
    "check": cmd_check,
    "checklist": cmd_checklist,
    "match": cmd_match,
    "calendar": cmd_calendar,
    "users": cmd_users,
    "audit": cmd_audit,
    "templates": cmd_templates,
    **STAFF_COMMANDS,
    "backup": cmd_backup,
    "restore": cmd_restore,
    "serve": cmd_serve,
}


def _run(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """Run the command; a full data disk is a one-line error like bad input, not a trace."""
    try:
        return COMMANDS[args.command](args, settings)
    except AssistantError:
        raise
    except Exception as exc:
        error = storage_error(exc, f"命令 {args.command} ")
        if error is None:
            raise
        raise error from exc


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status (0 ok, 2 bad input)."""
    offline_environment()
    argv = list(sys.argv[1:] if argv is None else argv)
    want_json = "--json" in argv
    try:
        args = build_parser().parse_args(argv)
        settings = Settings()
        data, text = _run(args, settings)
    except AssistantError as exc:
        message = str(exc).replace("\n", " ")
        print(f"error: {message}", file=sys.stderr)
        if want_json:
            print(json.dumps({"error": {"code": exc.code, "message": message}}, ensure_ascii=False))
        return 2
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    elif text:
        try:
            print(text)
        except BrokenPipeError:  # e.g. piped into head
            return 0
    # A file that could not be read is bad input (contract: exit 2), even though the
    # rest of the batch was ingested.
    failed = isinstance(data, dict) and data.get("failed")
    return 2 if failed else 0
