"""Handlers of the 知识库管理 (staff) and 审计日志 (admin) pages, as plain functions.

Every handler takes the logged-in :class:`~assistant.store.accounts.User` (resolved and
role-checked by the page wiring with :func:`assistant.web.auth.page_user`) and checks the role
again, so a handler called any other way cannot act for the wrong person. Every change is
written to the audit log.
"""

from __future__ import annotations

import html
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, ForbiddenError
from assistant.web.auth import ROLE_TEXT
from assistant.web.paging import Page, paginate

if TYPE_CHECKING:
    from assistant.application import Application, User

STAFF = ("staff", "admin")
STATUS_TEXT = {
    "added": "已添加",
    "updated": "已更新",
    "unchanged": "未变化",
    "removed": "已删除",
    "failed": "失败",
    "not_found": "不在索引中",
}
TYPE_TEXT = {"knowledge": "知识条目", "upload": "上传文件"}


def _allow(user: User, roles: tuple[str, ...]) -> None:
    if user.role not in roles:
        raise ForbiddenError(f"角色 {user.role} 无权执行此操作")


def _cell(value: Any) -> str:
    return str(value if value not in (None, "") else "—").replace("|", "｜").replace("\n", " ")


def document_table(services: Application, user: User, query: str = "") -> str:
    """What is indexed: documents with type, program, chunk count, effective and index dates.

    ``query`` filters by a substring of the id, title or source.
    """
    _allow(user, STAFF)
    docs = services.documents()
    total_chunks = sum(d["chunks"] for d in docs)
    needle = query.strip()
    if needle:
        docs = [
            d
            for d in docs
            if any(needle in str(d.get(k) or "") for k in ("doc_id", "title", "source"))
        ]
    uploads = sum(1 for d in docs if d["type"] == "upload")
    lines = [
        f"共 {len(docs)} 个文档（其中上传文件 {uploads} 个），{total_chunks} 个索引段落。"
        f"索引状态：{services.index_status}",
        "",
        "| 文档编号 | 标题 | 类型 | 项目 | 段数 | 生效日期 | 索引时间 |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {_cell(d['doc_id'])} | {_cell(d['title'])} | "
        f"{_cell(TYPE_TEXT.get(str(d['type']), d['type']))} | {_cell(d['program'])} | "
        f"{d['chunks']} | {_cell(d.get('effective'))} | {_cell(d.get('indexed'))} |"
        for d in docs
    ]
    return "\n".join(lines)


@dataclass(frozen=True)
class DocumentRow:
    """One row of the staff document list: what a person needs to find and judge it."""

    doc_id: str
    title: str
    program: str
    kind: str
    effective: str
    expires: str
    indexed: str
    chunks: int
    source: str


def document_rows(services: Application, user: User, query: str = "") -> list[DocumentRow]:
    """Every indexed document, a knowledge article under its own title; ``query`` keeps the
    rows whose title, id, program, document title or file name contain it."""
    _allow(user, STAFF)
    names = {pid: p.name for pid, p in services.knowledge.programs.items()}
    rows = []
    for d in services.documents():
        own = d.get("article_title")
        rows.append(
            DocumentRow(
                doc_id=str(d["doc_id"]),
                title=str(own or d.get("title") or d["doc_id"]),
                program=names.get(str(d.get("program") or ""), str(d.get("program") or "")),
                kind=TYPE_TEXT.get(str(d["type"]), str(d["type"])),
                effective=str(d.get("effective") or ""),
                expires=str(d.get("expires") or ""),
                indexed=str(d.get("indexed") or "")[:16].replace("T", " "),
                chunks=int(d["chunks"]),
                # the source document of an article, the file name of an upload
                source=str(d.get("title") if own else Path(str(d.get("source") or "")).name),
            )
        )
    needle = query.strip().lower()
    if needle:
        rows = [
            r
            for r in rows
            if any(needle in v.lower() for v in (r.title, r.doc_id, r.program, r.source))
        ]
    return rows


def document_page(
    services: Application, user: User, query: str = "", number: int | float | None = 1
) -> Page[DocumentRow]:
    """One page (20 rows) of :func:`document_rows`."""
    return paginate(document_rows(services, user, query), number)


def row_html(row: DocumentRow) -> str:
    """A document row's text: the title, then program, type, dates, size and id."""
    dates = f"生效 {row.effective or '—'}" + (f"，失效 {row.expires}" if row.expires else "")
    parts = [
        row.program or "未识别项目",
        row.kind,
        dates,
        f"{row.chunks} 段",
        f"索引 {row.indexed or '—'}",
    ]
    source = (
        f"<br>来源：{html.escape(row.source)}" if row.source and row.source != row.title else ""
    )
    return (
        f"<strong>{html.escape(row.title)}</strong><br>"
        f'<span class="sbzs-doc-meta">{html.escape(" · ".join(parts))} · 编号 '
        f"<code>{html.escape(row.doc_id)}</code>{source}</span>"
    )


def upload_documents(
    services: Application, user: User, paths: list[str], poll: float = 0.5
) -> Iterator[str]:
    """Ingest uploaded files one by one, yielding the progress report after each and, while
    a paged file is read (a scan is OCR'd page by page), after each of its pages."""
    _allow(user, STAFF)
    if not paths:
        yield "请选择要上传的文件。"
        return
    lines: list[str] = []
    for i, raw in enumerate(paths, 1):
        src = Path(raw)
        head = f"正在处理 {i}/{len(paths)}：{src.name} …"
        yield "\n".join([*lines, head])
        for status in _ingest_in_background(services, user, src, poll):
            if isinstance(status, str):
                yield "\n".join([*lines, f"{head} {status}"])
            else:
                lines.append(status[0])
    yield "\n".join([*lines, "", f"完成：{len(paths)} 个文件。"])


def _ingest_in_background(
    services: Application, user: User, src: Path, poll: float
) -> Iterator[str | tuple[str]]:
    """Ingest one file in a thread; yield its page progress (str), then its report line
    (a 1-tuple). The page thread keeps the app serving while a long scan is read."""
    page = {"done": 0, "total": 0}
    outcome: list[str] = []

    def on_read(name: str, done: int, total: int) -> None:
        page["done"], page["total"] = done, total

    def run() -> None:
        try:
            result = services.ingest_upload(user, src.name, src.read_bytes(), on_read)
        except AssistantError as exc:
            outcome.append(f"- {src.name}：失败（{exc}）")
            return
        status = STATUS_TEXT.get(result["status"], result["status"])
        read = f"，{result['pages']} 页" if result.get("pages", 0) > 1 else ""
        ocr = f"，其中 {result['ocr_pages']} 页经文字识别" if result.get("ocr_pages") else ""
        outcome.append(f"- {src.name}：{status}，{result['chunks']} 段{read}{ocr}")

    worker = threading.Thread(target=run, daemon=True, name="upload")
    worker.start()
    shown = (0, 0)
    while worker.is_alive():
        worker.join(poll)
        now = (page["done"], page["total"])
        if now != shown and now[1] > 1:
            shown = now
            yield f"已读 {now[0]}/{now[1]} 页"
    yield (outcome[0] if outcome else f"- {src.name}：失败（内部错误，请查看日志）",)


def remove_document(services: Application, user: User, doc_id: str) -> str:
    """Remove one document (by its id or upload file name) from the index."""
    _allow(user, STAFF)
    doc_id = doc_id.strip()
    if not doc_id:
        return "请填写要删除的文档编号（见上表第一列）。"
    result = services.remove_document(user, doc_id)
    if result.status == "not_found":
        return f"**未找到** {doc_id}：它不在索引中。"
    return f"已删除 {result.doc_id}（{result.chunks} 段）。"


def reindex(services: Application, user: User, poll: float = 0.5) -> Iterator[str]:
    """Re-index knowledge/ in a thread, yielding its progress until it is done."""
    _allow(user, STAFF)
    if services.indexing:
        yield f"索引正在进行中：{services.index_status}"
        return
    errors: list[str] = []

    def run() -> None:
        try:
            services.index_knowledge()
        except AssistantError as exc:
            errors.append(str(exc))

    services.accounts().audit(user, "knowledge.reindex", "knowledge/")
    worker = threading.Thread(target=run, daemon=True, name="reindex")
    worker.start()
    while worker.is_alive():
        yield f"进行中：{services.index_status}"
        worker.join(poll)
    yield f"**索引失败：** {errors[0]}" if errors else f"完成：{services.index_status}"


ACTION_TEXT = {
    "audit.export": "导出审计日志",
    "document.ingest": "上传文档",
    "document.remove": "删除文档",
    "knowledge.reindex": "重新索引",
    "login": "登录",
    "login.failed": "登录失败",
    "logout": "退出登录",
    "review.dashboard": "查看评审统计",
    "review.denied": "评审被拒绝",
    "review.grade": "评分",
    "review.regrade": "重新评分",
    "review.promote": "加入标准答案集",
    "review.promote.refused": "加入标准答案集被拒",
    "review.queue": "查看评审队列",
    "review.view": "查看回答",
    "template.create": "创建模板",
    "template.edit": "修改模板",
    "template.approve": "审核模板",
    "template.retire": "停用模板",
    "template.import": "导入模板",
    "token.create": "创建令牌",
    "user.create": "创建账户",
}
"""Audit actions in words (the code stays beside it, for filtering and for the CSV)."""


def _code(value: Any) -> str:
    """Identifiers and other Latin data in code style (they are data, not UI words)."""
    text = _cell(value)
    return f"`{text}`" if any("a" <= ch.lower() <= "z" for ch in text) else text


def audit_table(services: Application, user: User, limit: int = 200, action: str = "") -> str:
    """The audit log (newest first) as a Markdown table; ``action`` filters by the action's
    code prefix (document, template, login) or its Chinese name (上传、模板、登录)."""
    _allow(user, ("admin",))
    rows = services.accounts().audit_log(max(1, min(int(limit or 200), 5000)))
    wanted = action.strip()
    if wanted:
        rows = [
            r
            for r in rows
            if r["action"].startswith(wanted) or wanted in ACTION_TEXT.get(r["action"], "")
        ]
    lines = [
        f"最近 {len(rows)} 条操作记录",
        "",
        "| 时间 (UTC) | 用户 | 角色 | 操作 | 对象 |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['at'][:19].replace('T', ' ')} | {_code(r['user'])} | "
        f"{ROLE_TEXT.get(r['role'], _code(r['role']))} | "
        f"{ACTION_TEXT.get(r['action'], '')} {_code(r['action'])} | {_code(r['target'])} |"
        for r in rows
    ]
    return "\n".join(lines)


def audit_export(services: Application, user: User) -> str:
    """The whole audit log as a CSV file (path), for Excel; the export itself is audited."""
    _allow(user, ("admin",))
    accounts = services.accounts()
    accounts.audit(user, "audit.export", "audit log")
    folder = Path(tempfile.mkdtemp(prefix="audit-"))
    target = folder / f"审计日志-{time.strftime('%Y%m%d-%H%M%S')}.csv"
    target.write_text(accounts.audit_csv(), encoding="utf-8")
    return str(target)


def user_table(services: Application, user: User) -> str:
    """The accounts (names, roles, creation dates; never hashes)."""
    _allow(user, ("admin",))
    lines = ["| 用户 | 角色 | 创建时间 |", "|---|---|---|"]
    lines += [
        f"| {_code(u['name'])} | {ROLE_TEXT.get(u['role'], _code(u['role']))} | "
        f"{u['created'][:19].replace('T', ' ')} |"
        for u in services.accounts().users()
    ]
    return "\n".join(lines)
