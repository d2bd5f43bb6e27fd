"""Staff tab 答复模板: search, list, create, save a chat answer as a draft, edit (each save a
version, with diffs), approve, retire, import and export.

Handlers are plain functions taking ``(services, user, ...)`` (tested without a browser);
:func:`build_tab` wires them into Gradio and gets the user of each event from the login
cookie (:func:`assistant.web.auth.page_user`). Every change goes through
:class:`~assistant.templates.template_store.TemplateStore`, which checks the role again and writes
the audit log. This module does not postpone annotations: Gradio reads the ``gr.Request``
parameter of the wiring functions at runtime.
"""

import datetime as dt
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError, ForbiddenError
from assistant.web.paging import paginate

if TYPE_CHECKING:
    from assistant.application import Application, User
    from assistant.templates import TemplateStore

STAFF = ("staff", "admin")
STATUS_CHOICES = [
    ("全部", ""),
    ("草稿", "draft"),
    ("已审核", "approved"),
    ("需复核", "stale"),
    ("已停用", "retired"),
]
Fields = tuple[str, str, str, str, str]


def _store(services: "Application", user: "User") -> "TemplateStore":
    if user.role not in STAFF:
        raise ForbiddenError(f"角色 {user.role} 无权使用答复模板")
    from assistant.web.templates_api import matcher_of

    return matcher_of(services).store


def _cell(value: Any) -> str:
    text = str(value if value not in (None, "") else "—")
    return text.replace("|", "｜").replace("\n", " ")


def _failed(exc: AssistantError) -> str:
    return f"**操作失败：** {exc}"


def template_table(
    services: "Application", user: "User", query: str = "", status: str = "", page: Any = 1
) -> str:
    """The templates as a Markdown table (status, 需复核 reasons, hits, last use), 20 rows a
    page; with a query, keyword hits first, then by meaning."""
    try:
        store = _store(services, user)
        rows = store.all(status or None)
        if query.strip():
            from assistant.web.templates_api import matcher_of

            rows = matcher_of(services).search(query, rows)
    except AssistantError as exc:
        return _failed(exc)
    if not rows:
        return "（没有符合条件的答复模板）"
    current = paginate(rows, page)
    lines = [
        f"共 {len(rows)} 个模板（{current.caption}）。",
        "",
        "| 编号 | 标题 | 状态 | 版本 | 项目 | 命中 | 最近使用 | 作者 | 说明 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for t in current.rows:
        note = "；".join(t["stale_reasons"]) or (f"相似度 {t['score']}" if "score" in t else "")
        lines.append(
            f"| {t['id']} | {_cell(t['title'])} | {t['status_text']} | {t['version']} | "
            f"{_cell('、'.join(t['programs']))} | {t['hits']} | {_cell(t['last_used'])} | "
            f"{_cell(t['author'])} | {_cell(note)} |"
        )
    return "\n".join(lines)


def template_choices(services: "Application", user: "User") -> list[tuple[str, str]]:
    """Dropdown choices: 「#编号 标题（状态）」 -> id."""
    try:
        rows = _store(services, user).all()
    except AssistantError:
        return []
    return [(f"#{t['id']} {t['title']}（{t['status_text']}）", str(t["id"])) for t in rows]


def answer_choices(services: "Application", user: "User") -> list[tuple[str, str]]:
    """Dropdown choices of the latest chat answers: 「问题 — 时间」 -> message id."""
    try:
        rows = _store(services, user).recent_answers(30)
    except AssistantError:
        return []
    return [
        (f"{m['question'][:40]} — {m['created'].replace('T', ' ')}", str(m["message_id"]))
        for m in rows
    ]


def _id(value: str | float | None, what: str = "模板") -> int:
    text = str(value or "").strip().lstrip("#").split(" ")[0]
    if not text.isdigit():
        raise _Choose(f"请先选择{what}。")
    return int(text)


class _Choose(AssistantError):
    """Nothing selected yet (shown as a hint, not as a failure)."""


def save_answer_as_draft(
    services: "Application", user: "User", message_id: str | None, title: str = ""
) -> tuple[str, str | None]:
    """A chat answer becomes a draft template; returns (message, new template id)."""
    try:
        t = _store(services, user).draft_from_answer(user, _id(message_id, "回答"), title or "")
    except AssistantError as exc:
        return _failed(exc), None
    return f"已保存为草稿模板 #{t['id']}「{t['title']}」，请检查正文后审核。", str(t["id"])


def _content(title: str, triggers: str, body: str, programs: str, articles: str) -> dict[str, Any]:
    return {
        "title": title,
        "triggers": triggers,
        "body": body,
        "programs": programs,
        "articles": articles,
    }


def create_template(services: "Application", user: "User", *fields: str) -> tuple[str, str | None]:
    """A new draft from the form (title, triggers one per line, body, programs, articles)."""
    try:
        t = _store(services, user).create(user, _content(*fields))
    except AssistantError as exc:
        return _failed(exc), None
    return f"已创建草稿模板 #{t['id']}「{t['title']}」。", str(t["id"])


def load_template(
    services: "Application", user: "User", template_id: str | None
) -> tuple[str, ...]:
    """The form fields of a template and its detail (status, 需复核 reasons, versions)."""
    try:
        t = _store(services, user).get(_id(template_id))
    except AssistantError as exc:
        return "", "", "", "", "", _failed(exc)
    return (
        t["title"],
        "\n".join(t["triggers"]),
        t["body"],
        ", ".join(t["programs"]),
        ", ".join(t["articles"]),
        template_detail(t),
    )


def template_detail(t: dict[str, Any]) -> str:
    """Status, approval, 需复核 reasons and the version history as Markdown."""
    lines = [f"**#{t['id']} {t['title']}** · {t['status_text']} · 第 {t['version']} 版"]
    if t["approved_by"]:
        lines.append(f"审核：{t['approved_by']}（{t['approved_at']}）")
    lines += [f"- 需复核：{r}" for r in t["stale_reasons"]]
    lines.append(f"命中 {t['hits']} 次，最近使用：{t['last_used'] or '—'}")
    lines += ["", "| 版本 | 操作 | 作者 | 时间 |", "|---|---|---|---|"]
    actions = {"create": "创建", "edit": "修改", "approve": "审核", "retire": "停用"}
    lines += [
        f"| {v['version']} | {actions.get(v['action'], v['action'])} | {v['author']} | {v['at']} |"
        for v in t.get("versions", [])
    ]
    return "\n".join(lines)


def save_template(
    services: "Application", user: "User", template_id: str | None, *fields: str
) -> str:
    """Save the form as the template's next version (it becomes a draft again)."""
    try:
        t = _store(services, user).update(user, _id(template_id), _content(*fields))
    except AssistantError as exc:
        return _failed(exc)
    return f"已保存为第 {t['version']} 版（草稿，需重新审核）。"


def approve_template(
    services: "Application", user: "User", template_id: str | None, day: dt.date | None = None
) -> str:
    """Approve against the knowledge in force today."""
    try:
        t = _store(services, user).approve(user, _id(template_id), day)
    except AssistantError as exc:
        return _failed(exc)
    return f"已审核通过 #{t['id']}「{t['title']}」（第 {t['version']} 版），智能问答将使用它。"


def retire_template(services: "Application", user: "User", template_id: str | None) -> str:
    """Retire: kept with its history, never used again."""
    try:
        t = _store(services, user).retire(user, _id(template_id))
    except AssistantError as exc:
        return _failed(exc)
    return f"已停用 #{t['id']}「{t['title']}」。"


def template_diff(
    services: "Application", user: "User", template_id: str | None, old: float, new: float
) -> str:
    """The unified diff of two versions, as a Markdown code block."""
    try:
        text = _store(services, user).diff(_id(template_id), int(old or 0), int(new or 0))
    except AssistantError as exc:
        return _failed(exc)
    return f"```diff\n{text}\n```" if text else "两个版本内容相同。"


def import_templates(services: "Application", user: "User", path: str | None) -> str:
    """Import a JSON or Excel file as drafts: all or nothing."""
    from assistant.templates import format_of, import_bytes

    if not path:
        return "请选择 .json 或 .xlsx 文件。"
    file = Path(path)
    try:
        store = _store(services, user)
        ids = import_bytes(store, user, file.read_bytes(), format_of(file.name), file.name)
    except AssistantError as exc:
        return f"{_failed(exc)}（未导入任何模板）"
    return f"已导入 {len(ids)} 个草稿模板：{'、'.join(f'#{i}' for i in ids)}。"


def export_templates(services: "Application", user: "User", fmt: str) -> str | None:
    """Write every template to a temporary JSON or xlsx file; returns its path."""
    from assistant.templates import export_json, export_xlsx

    try:
        rows = _store(services, user).all()
    except AssistantError:
        return None
    folder = Path(tempfile.mkdtemp(prefix="templates-"))
    if fmt == "xlsx":
        return str(export_xlsx(rows, folder / "答复模板.xlsx"))
    path = folder / "答复模板.json"
    path.write_bytes(export_json(rows))
    return str(path)


def build_tab(services: "Application") -> None:
    """Add the 答复模板 tab to the enclosing ``gr.Blocks``."""
    import gradio as gr

    with gr.Tab("答复模板") as tab:
        gr.Markdown(
            "已审核的答复模板会在智能问答中被复用（意思相近的问题、同一项目）；"
            "正文可用占位符，如 {企业名称}、{项目}、{研发费用占比}，"
            "缺少数据时显示「（请补充：…）」。"
            "政策或规则版本变化后，模板显示为「需复核」，重新审核前不会使用。"
        )
        refresh = _wire_list(services, gr)
        picker, message, reload = _wire_from_answer(services, gr)
        _wire_editor(services, gr, picker, message)
        _wire_files(services, gr)
        tab.select(*refresh)
        tab.select(*reload)


def _user(services: "Application", request: Any) -> "User":
    """The event's logged-in staff or admin user; otherwise an error shown on the page."""
    import gradio as gr

    from assistant.web.auth import page_user

    try:
        return page_user(services, request, *STAFF)
    except AssistantError as exc:
        raise gr.Error(str(exc)) from exc


def _wire_list(services: "Application", gr: Any) -> tuple[Any, Any, Any]:
    with gr.Row():
        query = gr.Textbox(label="搜索模板（关键词或相近的问题）", scale=3)
        status = gr.Dropdown(choices=STATUS_CHOICES, value="", label="状态", scale=1)
        search = gr.Button("搜索", scale=1)
    table = gr.Markdown("（点击「搜索」列出模板）")
    page = gr.Number(value=1, precision=0, minimum=1, label="模板列表页码（每页 20 个）")

    def show(q: str, s: str, n: Any, request: gr.Request) -> str:
        return template_table(services, _user(services, request), q, s, n)

    def first_page(q: str, s: str, request: gr.Request) -> tuple[str, int]:
        return template_table(services, _user(services, request), q, s, 1), 1

    search.click(first_page, [query, status], [table, page])
    query.submit(first_page, [query, status], [table, page])
    page.submit(show, [query, status, page], table)
    return show, [query, status, page], table


def _wire_from_answer(services: "Application", gr: Any) -> tuple[Any, Any, tuple[Any, ...]]:
    gr.Markdown("### 从最近的问答创建草稿")
    with gr.Row():
        answers = gr.Dropdown(choices=[], label="最近的回答", scale=3)
        reload = gr.Button("刷新最近回答", scale=1)
    draft_title = gr.Textbox(label="模板标题（可选，默认用问题）")
    save = gr.Button("存为草稿模板", variant="primary")
    gr.Markdown("### 编辑与审核")
    picker = gr.Dropdown(choices=[], label="选择模板")
    message = gr.Markdown(elem_id="template-message")

    def load_answers(request: gr.Request) -> Any:
        user = _user(services, request)
        return gr.Dropdown(choices=answer_choices(services, user)), gr.Dropdown(
            choices=template_choices(services, user)
        )

    def save_draft(mid: str, title: str, request: gr.Request) -> Any:
        user = _user(services, request)
        text, new_id = save_answer_as_draft(services, user, mid, title)
        return text, gr.Dropdown(choices=template_choices(services, user), value=new_id)

    reload.click(load_answers, None, [answers, picker])
    save.click(save_draft, [answers, draft_title], [message, picker])
    return picker, message, (load_answers, None, [answers, picker])


def _wire_editor(services: "Application", gr: Any, picker: Any, message: Any) -> None:
    title = gr.Textbox(label="标题")
    triggers = gr.Textbox(label="触发问法（每行一个）", lines=3)
    body = gr.Textbox(label="正文（Markdown，可用占位符）", lines=8)
    with gr.Row():
        programs = gr.Textbox(label="项目编号（逗号分隔，如 hnte）")
        articles = gr.Textbox(label="引用条目（知识条目编号，逗号分隔）")
    with gr.Row():
        create = gr.Button("保存为新模板")
        save = gr.Button("保存修改（新版本）")
        approve = gr.Button("审核通过", variant="primary")
        retire = gr.Button("停用", variant="stop")
    # 停用 asks first: the template stops answering in the chat at once
    with gr.Row(visible=False) as confirm_row:
        gr.Markdown("停用后智能问答不再使用该模板（历史版本保留）。确定停用吗？")
        confirm = gr.Button("确认停用", variant="stop", scale=0, min_width=100)
        cancel = gr.Button("取消", scale=0, min_width=80)
    detail = gr.Markdown()
    fields = [title, triggers, body, programs, articles]

    def opened(tid: str, request: gr.Request) -> tuple[str, ...]:
        return load_template(services, _user(services, request), tid)

    def created(t: str, tr: str, b: str, p: str, a: str, request: gr.Request) -> Any:
        user = _user(services, request)
        text, new_id = create_template(services, user, t, tr, b, p, a)
        return text, gr.Dropdown(choices=template_choices(services, user), value=new_id)

    def saved(tid: str, t: str, tr: str, b: str, p: str, a: str, request: gr.Request) -> Any:
        user = _user(services, request)
        text = save_template(services, user, tid, t, tr, b, p, a)
        return text, load_template(services, user, tid)[-1]

    def approved(tid: str, request: gr.Request) -> tuple[str, str]:
        user = _user(services, request)
        return approve_template(services, user, tid), load_template(services, user, tid)[-1]

    def retired(tid: str, request: gr.Request) -> tuple[str, str]:
        user = _user(services, request)
        return retire_template(services, user, tid), load_template(services, user, tid)[-1]

    def relabel(tid: str, request: gr.Request) -> Any:
        # The picker's labels carry the status: refresh them after a save, approval or retire.
        return gr.Dropdown(choices=template_choices(services, _user(services, request)), value=tid)

    picker.change(opened, picker, [*fields, detail])
    create.click(created, fields, [message, picker])
    save.click(saved, [picker, *fields], [message, detail]).then(relabel, picker, picker)
    approve.click(approved, picker, [message, detail]).then(relabel, picker, picker)
    retire.click(lambda: gr.Row(visible=True), None, confirm_row)
    cancel.click(lambda: gr.Row(visible=False), None, confirm_row)
    confirm.click(lambda: gr.Row(visible=False), None, confirm_row).then(
        retired, picker, [message, detail]
    ).then(relabel, picker, picker)
    _wire_diff(services, gr, picker)


def _wire_diff(services: "Application", gr: Any, picker: Any) -> None:
    with gr.Row():
        old = gr.Number(label="旧版本", value=1, precision=0)
        new = gr.Number(label="新版本", value=2, precision=0)
        compare = gr.Button("对比版本")
    diff = gr.Markdown()

    def run(tid: str, a: float, b: float, request: gr.Request) -> str:
        return template_diff(services, _user(services, request), tid, a, b)

    compare.click(run, [picker, old, new], diff)


def _wire_files(services: "Application", gr: Any) -> None:
    gr.Markdown("### 导入与导出")
    upload = gr.File(
        label="导入（.json 或 .xlsx，全部通过校验才导入）", file_types=[".json", ".xlsx"]
    )
    do_import = gr.Button("导入")
    report = gr.Markdown()
    with gr.Row():
        as_json = gr.Button("导出 JSON")
        as_xlsx = gr.Button("导出 Excel")
    download = gr.File(label="下载")

    def imported(path: str | None, request: gr.Request) -> str:
        return import_templates(services, _user(services, request), path)

    def exported_json(request: gr.Request) -> str | None:
        return export_templates(services, _user(services, request), "json")

    def exported_xlsx(request: gr.Request) -> str | None:
        return export_templates(services, _user(services, request), "xlsx")

    do_import.click(imported, upload, report)
    as_json.click(exported_json, None, download)
    as_xlsx.click(exported_xlsx, None, download)
