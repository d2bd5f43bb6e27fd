"""Commands of the operator: accounts and the audit log (run on the server)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from assistant.application import Application
from assistant.config import Settings
from assistant.errors import InputError


def _accounts(settings: Settings) -> Any:
    return Application(settings).accounts()


def cmd_users(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``users add NAME --role R`` / ``users list`` / ``users token NAME``."""
    store = _accounts(settings)
    if args.action == "list":
        rows = store.users()
        return rows, "\n".join(f"{r['name']:<20} {r['role']:<10} {r['created']}" for r in rows)
    if not args.name:
        raise InputError(f"users {args.action}: give the user name")
    if args.action == "unlock":  # run on the server by its operator, an admin by role
        from assistant.application import User

        store.unlock(User("cli", "admin"), args.name)
        return {"name": args.name, "unlocked": True}, f"login lock lifted for {args.name}"
    if args.action == "token":
        token = store.create_token(args.name)
        return {
            "name": args.name,
            "token": token,
        }, f"API token for {args.name} (shown once): {token}"
    if not args.role:
        raise InputError("users add: give --role staff, evaluator or admin")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        import getpass

        password = getpass.getpass(f"password for {args.name}: ")
    user = store.add_user(args.name, args.role, password)
    return {"name": user.name, "role": user.role}, f"created {user.name} ({user.role})"


def cmd_audit(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``audit [--limit N] [--csv FILE]``: who did what, when (run on the server)."""
    store = _accounts(settings)
    if args.csv:
        args.csv.write_text(store.audit_csv(args.limit), encoding="utf-8")
        return {"file": str(args.csv)}, f"exported {args.csv}"
    rows = store.audit_log(args.limit)
    return rows, "\n".join(
        f"{r['at']}  {r['user']:<12} {r['action']:<18} {r['target']}" for r in rows
    )
