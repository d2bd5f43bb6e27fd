"""The Gradio pages behind a login: 员工工作台 (/staff), 答案评审 (/review), 管理 (/admin).

Imported only when the web app is built (it imports gradio at module level so that Gradio can
see the ``gr.Request`` parameter of each handler; this module deliberately does not use
postponed annotations for the same reason). The handlers themselves live in plain modules
(:mod:`assistant.web.staff_pages`, the templates and review tabs) and are tested without a
browser.
"""

import time
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from assistant.application import Application, User
from assistant.application.uploads import SUPPORTED
from assistant.web import review_tab, screen_tab, staff_pages, templates_tab
from assistant.web.auth import ADMIN, PAGE_TITLES, PAGES, ROLE_TEXT, STAFF, gradio_user
from assistant.web.gradio_setup import gradio_options


def _header(services: Application, roles: tuple[str, ...]) -> Callable[..., str]:
    def whoami(request: gr.Request) -> str:
        return header_line(gradio_user(services, request, roles))

    return whoami


def header_line(user: User) -> str:
    """「已登录：name（role）」 and links to the pages this role may open (no others)."""
    links = ["[智能问答](/)"] + [
        f"[{PAGE_TITLES[prefix]}]({prefix}/)"
        for prefix, roles in PAGES.items()
        if user.role in roles
    ]
    return (
        f"已登录：**{user.name}** · 角色：**{ROLE_TEXT.get(user.role, user.role)}** · "
        + " · ".join(links)
        + " · [退出登录](/logout)"
    )


def _page(services: Application, title: str, roles: tuple[str, ...]) -> gr.Blocks:
    """A login page's Blocks with its title and the 「已登录：…」 line filled on load."""
    demo = gr.Blocks(title=f"{title} - 申报助手")
    with demo:
        gr.Markdown(f"# {title}")
        header = gr.Markdown(elem_classes="sbzs-header")
        demo.load(_header(services, roles), None, header)
    return demo


def build_staff_ui(services: Application) -> gr.Blocks:
    """员工工作台: 知识库管理, 答复模板, 批量筛查, 客户名册 and 规则变化."""
    demo = _page(services, "员工工作台", STAFF)
    with demo:
        with gr.Tab("知识库管理"):
            _knowledge_admin(services)
        templates_tab.build_tab(services)
        screen_tab.build_tabs(services)
    return demo


def _knowledge_admin(services: Application) -> None:
    """Upload, re-index, and the document list: searchable, 20 rows a page, a remove button
    on each row that asks for confirmation first."""
    gr.Markdown(
        "上传政策文件（Word、PDF（含扫描件，自动文字识别）、网页、Excel/CSV、图片、文本，"
        "简体或繁体），查看已索引的文档，删除或重新索引。每项操作都会记入审计日志。"
    )
    with gr.Row():
        files = gr.File(
            label="上传文件",
            file_count="multiple",
            file_types=list(SUPPORTED),
            type="filepath",
        )
        with gr.Column():
            upload = gr.Button("上传并索引", variant="primary")
            reindex = gr.Button("重新索引知识库")
    progress = gr.Markdown()
    with gr.Row():
        query = gr.Textbox(label="搜索文档（标题、项目、编号或文件名）", scale=3)
        search = gr.Button("搜索", scale=1)
    # What the list shows: the search applied, the page, the row awaiting confirmation, and a
    # counter bumped after every change (so the list is read again).
    shown = gr.State("")
    page = gr.State(1)
    pending = gr.State("")
    version = gr.State(0)

    def document_row(row: staff_pages.DocumentRow, waiting: str) -> None:
        """One document: its text, and 删除 (then 确认删除 / 取消 once asked)."""
        with gr.Row(elem_classes="sbzs-doc-row", equal_height=True):
            gr.HTML(staff_pages.row_html(row), padding=False)
            if waiting == row.doc_id:
                confirm = gr.Button("确认删除", variant="stop", size="sm", scale=0, min_width=90)
                cancel = gr.Button("取消", size="sm", scale=0, min_width=70)
                confirm.click(_remover(services, row.doc_id), None, [progress, pending, version])
                cancel.click(lambda: "", None, pending)
            else:
                remove = gr.Button("删除", size="sm", scale=0, min_width=70)
                remove.click(lambda d=row.doc_id: d, None, pending)

    def document_list(q: str, number: int, waiting: str, _: int, request: gr.Request) -> None:
        user = gradio_user(services, request, STAFF)
        current = staff_pages.document_page(services, user, q, number)
        gr.Markdown(
            f"{current.caption}。索引状态：{services.index_status}"
            + (f"（搜索：{q}）" if q else ""),
            elem_id="doc-list-caption",
        )
        with gr.Column(elem_classes="sbzs-doc-list"):
            for row in current.rows:
                document_row(row, waiting)
        with gr.Row():
            back = gr.Button("上一页", size="sm", interactive=current.number > 1)
            gr.Markdown(f"第 {current.number} / {current.pages} 页")
            forward = gr.Button("下一页", size="sm", interactive=current.number < current.pages)
        back.click(lambda n=current.number: n - 1, None, page)
        forward.click(lambda n=current.number: n + 1, None, page)

    gr.render(inputs=[shown, page, pending, version])(document_list)

    def upload_files(paths: list[str] | None, request: gr.Request) -> Iterator[str]:
        yield from staff_pages.upload_documents(
            services, gradio_user(services, request, STAFF), paths or []
        )

    def run_reindex(request: gr.Request) -> Iterator[str]:
        yield from staff_pages.reindex(services, gradio_user(services, request, STAFF))

    upload.click(upload_files, files, progress).then(lambda v: v + 1, version, version)
    reindex.click(run_reindex, None, progress).then(lambda v: v + 1, version, version)
    search.click(lambda q: (q, 1), query, [shown, page])
    query.submit(lambda q: (q, 1), query, [shown, page])


def _remover(services: Application, doc_id: str) -> Callable[..., tuple[str, str, int]]:
    def remove(request: gr.Request) -> tuple[str, str, int]:
        message = staff_pages.remove_document(
            services, gradio_user(services, request, STAFF), doc_id
        )
        return message, "", time.monotonic_ns()

    return remove


def build_review_ui(services: Application) -> gr.Blocks:
    """答案评审 (evaluators and admins)."""
    demo = _page(services, "答案评审", ("evaluator", "admin"))
    with demo:
        review_tab.build_tab(services)
    return demo


def build_admin_ui(services: Application) -> gr.Blocks:
    """管理 (admins): the audit log with CSV export, and the accounts."""
    demo = _page(services, "管理", ADMIN)
    with demo:
        with gr.Tab("审计日志"):
            with gr.Row():
                action = gr.Textbox(label="按操作筛选（如 上传、模板、登录）", scale=3)
                limit = gr.Number(label="条数", value=200, precision=0, scale=1)
                show = gr.Button("查询", scale=1)
            with gr.Row():
                export = gr.Button("导出 CSV")
                exported = gr.File(label="下载审计日志")
            log = gr.Markdown()
        with gr.Tab("用户"):
            gr.Markdown("用命令行创建账户：`python -m assistant users add 用户名 --role staff`")
            users = gr.Markdown()

        def show_log(a: str, n: float, request: gr.Request) -> str:
            return staff_pages.audit_table(
                services, gradio_user(services, request, ADMIN), int(n), a
            )

        def export_log(request: gr.Request) -> str:
            return staff_pages.audit_export(services, gradio_user(services, request, ADMIN))

        def show_users(request: gr.Request) -> str:
            return staff_pages.user_table(services, gradio_user(services, request, ADMIN))

        show.click(show_log, [action, limit], log)
        export.click(export_log, None, exported)
        demo.load(show_log, [action, limit], log)
        demo.load(show_users, None, users)
    return demo


def mount_pages(app: Any, services: Application) -> Any:
    """Mount the three login pages (before the public page at ``/``)."""
    for path, build in (
        ("/staff", build_staff_ui),
        ("/review", build_review_ui),
        ("/admin", build_admin_ui),
    ):
        app = gr.mount_gradio_app(app, build(services), path=path, **gradio_options())
    return app
