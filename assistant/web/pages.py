"""The Gradio pages behind a login: 员工工作台 (/staff), 答案评审 (/review), 管理 (/admin).

Imported only when the web app is built (it imports gradio at module level so that Gradio can
see the ``gr.Request`` parameter of each handler; this module deliberately does not use
postponed annotations for the same reason). The handlers themselves live in plain modules
(:mod:`assistant.web.staff_pages`, the templates and review tabs) and are tested without a
browser.
"""

from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.search.readers import SUPPORTED
from assistant.store.accounts import User
from assistant.web import review_tab, screen_tab, staff_pages, templates_tab
from assistant.web.api import Services
from assistant.web.auth import ROLE_TEXT, page_user

STAFF = ("staff", "admin")
ADMIN = ("admin",)
CSS = ".sbzs-header {font-size: 0.95em}"


def _user(services: Services, request: gr.Request | None, roles: tuple[str, ...]) -> User:
    """The page's user or a Gradio error shown to the visitor (never a stack trace)."""
    try:
        return page_user(services, request, *roles)
    except AssistantError as exc:
        raise gr.Error(str(exc)) from exc


def _header(services: Services, roles: tuple[str, ...]) -> Callable[..., str]:
    def whoami(request: gr.Request) -> str:
        user = _user(services, request, roles)
        return (
            f"已登录：**{user.name}**（{ROLE_TEXT.get(user.role, user.role)}） · "
            "[返回智能问答](/) · [员工工作台](/staff/) · [答案评审](/review/) · [管理](/admin/) · "
            "[退出登录](/logout)"
        )

    return whoami


def _page(services: Services, title: str, roles: tuple[str, ...]) -> gr.Blocks:
    """A login page's Blocks with its title and the 「已登录：…」 line filled on load."""
    demo = gr.Blocks(title=f"{title} - 申报助手")
    with demo:
        gr.Markdown(f"# {title}")
        header = gr.Markdown(elem_classes="sbzs-header")
        demo.load(_header(services, roles), None, header)
    return demo


def build_staff_ui(services: Services) -> gr.Blocks:
    """员工工作台: 知识库管理, 答复模板, 批量筛查, 客户名册 and 规则变化."""
    demo = _page(services, "员工工作台", STAFF)
    with demo:
        with gr.Tab("知识库管理"):
            list_docs, query, table = _knowledge_admin(services)
        templates_tab.build_tab(services)
        screen_tab.build_tabs(services)
        demo.load(list_docs, query, table)
    return demo


def _knowledge_admin(services: Services) -> tuple[Callable[..., str], Any, Any]:
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
        query = gr.Textbox(label="筛选文档（编号、标题或文件名）", scale=3)
        refresh = gr.Button("刷新列表", scale=1)
    with gr.Row():
        doc_id = gr.Textbox(label="要删除的文档编号", scale=3)
        remove = gr.Button("删除", variant="stop", scale=1)
    table = gr.Markdown()

    def list_docs(q: str, request: gr.Request) -> str:
        return staff_pages.document_table(services, _user(services, request, STAFF), q)

    def upload_files(paths: list[str] | None, request: gr.Request) -> Iterator[str]:
        yield from staff_pages.upload_documents(
            services, _user(services, request, STAFF), paths or []
        )

    def run_reindex(request: gr.Request) -> Iterator[str]:
        yield from staff_pages.reindex(services, _user(services, request, STAFF))

    def remove_doc(target: str, request: gr.Request) -> str:
        return staff_pages.remove_document(services, _user(services, request, STAFF), target)

    upload.click(upload_files, files, progress).then(list_docs, query, table)
    reindex.click(run_reindex, None, progress).then(list_docs, query, table)
    remove.click(remove_doc, doc_id, progress).then(list_docs, query, table)
    refresh.click(list_docs, query, table)
    query.submit(list_docs, query, table)
    return list_docs, query, table


def build_review_ui(services: Services) -> gr.Blocks:
    """答案评审 (evaluators and admins)."""
    demo = _page(services, "答案评审", ("evaluator", "admin"))
    with demo:
        review_tab.build_tab(services)
    return demo


def build_admin_ui(services: Services) -> gr.Blocks:
    """管理 (admins): the audit log with CSV export, and the accounts."""
    demo = _page(services, "管理", ADMIN)
    with demo:
        with gr.Tab("审计日志"):
            with gr.Row():
                action = gr.Textbox(label="按操作筛选（如 document、template、login）", scale=3)
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
            return staff_pages.audit_table(services, _user(services, request, ADMIN), int(n), a)

        def export_log(request: gr.Request) -> str:
            return staff_pages.audit_export(services, _user(services, request, ADMIN))

        def show_users(request: gr.Request) -> str:
            return staff_pages.user_table(services, _user(services, request, ADMIN))

        show.click(show_log, [action, limit], log)
        export.click(export_log, None, exported)
        demo.load(show_log, [action, limit], log)
        demo.load(show_users, None, users)
    return demo


def mount_pages(app: Any, services: Services) -> Any:
    """Mount the three login pages (before the public page at ``/``)."""
    for path, build in (
        ("/staff", build_staff_ui),
        ("/review", build_review_ui),
        ("/admin", build_admin_ui),
    ):
        app = gr.mount_gradio_app(app, build(services), path=path, ssr_mode=False)
    return app
