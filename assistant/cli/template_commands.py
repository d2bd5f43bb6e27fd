"""``templates``: staff's answer templates from the command line."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.application import Application, User
from assistant.cli.common import as_of as _as_of
from assistant.cli.common import read_file as _read_file
from assistant.config import Settings
from assistant.errors import InputError


def _template_store(settings: Settings) -> Any:
    return Application(settings).template_store()


def _template_user(store: Any, name: str | None) -> Any:
    """The account a change is made and audited as: it must exist and be staff or admin."""
    from assistant.errors import ForbiddenError

    if not name:
        raise InputError("templates: give --user NAME (a staff or admin account) for changes")
    row = next((u for u in store.accounts.users() if u["name"] == name), None)
    if row is None:
        raise InputError(f"--user {name}: no such account; create it with 'users add'")
    if row["role"] not in ("staff", "admin"):
        raise ForbiddenError(f"--user {name}: the role '{row['role']}' may not change templates")
    return User(row["name"], row["role"])


def _template_id(args: argparse.Namespace) -> int:
    if not args.target or not args.target.isdigit():
        raise InputError(f"templates {args.action}: give the template id (a number)")
    return int(args.target)


def _template_file(args: argparse.Namespace) -> Path:
    if not args.target:
        raise InputError(f"templates {args.action}: give the file")
    return Path(args.target)


def _tpl_list(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    rows = store.all(args.status, _as_of(args))
    text = "\n".join(
        f"{r['id']:>4}  {r['status_text']:<4} v{r['version']:<3} 命中{r['hits']:>4}  {r['title']}"
        for r in rows
    )
    return rows, text or "（还没有答复模板）"


def _tpl_show(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    t = store.get(_template_id(args), _as_of(args))
    lines = [f"#{t['id']} {t['title']}（{t['status_text']}，第{t['version']}版）"]
    lines += [f"  需复核：{r}" for r in t["stale_reasons"]]
    lines += [f"  问法：{q}" for q in t["triggers"]]
    lines += ["", t["body"], ""]
    lines += [f"  v{v['version']} {v['action']} {v['author']} {v['at']}" for v in t["versions"]]
    return t, "\n".join(lines)


def _tpl_add(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    user = _template_user(store, args.user)
    path = _template_file(args)
    try:
        data = json.loads(_read_file(path).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a JSON template ({exc})") from exc
    t = store.create(user, data)
    return t, f"已创建草稿 #{t['id']}：{t['title']}"


def _tpl_import(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    from assistant.templates import format_of, import_bytes

    user = _template_user(store, args.user)
    path = _template_file(args)
    ids = import_bytes(store, user, _read_file(path), format_of(path.name), str(path))
    return {"imported": len(ids), "ids": ids}, f"已导入 {len(ids)} 个草稿：{ids}"


def _tpl_export(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    from assistant.templates import export_json, export_xlsx, format_of

    path = _template_file(args)
    rows = store.all()
    try:
        if format_of(path.name) == "xlsx":
            export_xlsx(rows, path)
        else:
            path.write_bytes(export_json(rows))
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror})") from exc
    return {"file": str(path), "templates": len(rows)}, f"已导出 {len(rows)} 个模板：{path}"


def _tpl_approve(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    t = store.approve(_template_user(store, args.user), _template_id(args), _as_of(args))
    return t, f"已审核 #{t['id']}：{t['title']}（第{t['version']}版）"


def _tpl_retire(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    t = store.retire(_template_user(store, args.user), _template_id(args))
    return t, f"已停用 #{t['id']}：{t['title']}"


def _tpl_diff(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    if args.old is None or args.new is None:
        raise InputError("templates diff: give --from N --to M")
    tid = _template_id(args)
    text = store.diff(tid, args.old, args.new)
    return {"id": tid, "from": args.old, "to": args.new, "diff": text}, text or "（无差异）"


TEMPLATE_ACTIONS: dict[str, Callable[[argparse.Namespace, Any], tuple[Any, str]]] = {
    "list": _tpl_list,
    "show": _tpl_show,
    "add": _tpl_add,
    "import": _tpl_import,
    "export": _tpl_export,
    "approve": _tpl_approve,
    "retire": _tpl_retire,
    "diff": _tpl_diff,
}


def cmd_templates(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``templates list|show ID|add FILE|import FILE|export FILE|approve ID|retire ID|diff ID``
    (changes need ``--user NAME``, a staff or admin account; they are audited as that user)."""
    return TEMPLATE_ACTIONS[args.action](args, _template_store(settings))
