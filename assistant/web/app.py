"""The web app: the JSON API (FastAPI) with the Gradio UI mounted at ``/``.

The public UI: chat (智能问答) with citations, knowledge search, a self-check from a profile
form, the checklist with downloads. Staff, evaluator and admin pages sit behind a login
(:mod:`assistant.web.auth`, :mod:`assistant.web.pages`). Knowledge is indexed in a
background thread at start-up, so the page and the API answer while it runs.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from assistant.application import Application
from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.web.api import create_api

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

log = logging.getLogger(__name__)
EXAMPLES = [
    "研发投入要占营收多少才能评高企",
    "科技型中小企业的评分标准是什么",
    "專精特新中小企業需要什麼條件",
    "泉城好品申报需要哪些条件",
]


def format_passages(services: Application, question: str, program: str) -> str:
    """Search and render the passages as Markdown with their citations."""
    try:
        passages = services.search(question, program=program or None)
    except AssistantError as exc:
        return f"**无法检索：** {exc}"
    return render_passages(passages)


def render_passages(passages: list[Any]) -> str:
    """Passages as Markdown blocks with citations and the 'reported' note."""
    if not passages:
        return "知识库中没有找到相关内容。"
    blocks = []
    for i, p in enumerate(passages, 1):
        c = p.citation()
        source = " ".join(x for x in (f"《{c['document']}》", c["doc_no"] or "", c["article"]) if x)
        note = (
            "（来源为公开报道，请以官方通知为准）"
            if p.metadata.get("confidence") in ("reported", "general")
            else ""
        )
        blocks.append(f"**[{i}] {source}**{note}\n\n> {c['text']}")
    return "\n\n".join(blocks)


def build_ui(services: Application) -> gr.Blocks:
    """The Gradio page."""
    import gradio as gr

    from assistant.web import chat_tab, selfcheck

    knowledge = services.knowledge
    choices = [("全部项目", "")] + [(p.name, p.id) for p in knowledge.programs.values()]
    demo: gr.Blocks = gr.Blocks(title="申报助手")
    with demo:
        gr.Markdown(
            "# 申报助手\n山东企业资质认定与区域品牌申报：政策问答、资格自测、申报清单。"
            "工作人员入口（需登录）：[员工工作台](/staff/) · [答案评审](/review/) · [管理](/admin/)"
        )
        chat_tab.build_tab(services)
        with gr.Tab("知识检索"):
            question = gr.Textbox(
                label="您的问题", placeholder="例如：研发投入要占营收多少才能评高企"
            )
            program = gr.Dropdown(choices=choices, value="", label="项目")
            ask = gr.Button("检索", variant="primary")
            answer = gr.Markdown()
            gr.Examples(EXAMPLES, inputs=question, label="示例问题")

            def search(q: str, p: str) -> str:
                return format_passages(services, q, p)

            ask.click(search, [question, program], answer)
            question.submit(search, [question, program], answer)
        selfcheck.build_tabs(services)
    return demo


def create_app(
    settings: Settings, *, index_in_background: bool = True, pages: bool = True
) -> FastAPI:
    """The FastAPI app with the API routes and the UI mounted at ``/``.

    ``pages=False``: the JSON API only, for a worker the front never sends a page request
    to (building the Gradio pages costs about 2 s of CPU at start and their memory).
    """
    from assistant.web.auth import install_login
    from assistant.web.guard import keep_body_limit_outermost

    services = Application(settings)
    api = create_api(services)
    api.state.services = services  # for operators and tests: the app's shared services
    install_login(api, services)
    keep_body_limit_outermost(api)
    if index_in_background:
        threading.Thread(target=_index, args=(services,), daemon=True, name="indexer").start()
    if not pages:
        return api
    import gradio as gr

    from assistant.web import gradio_setup
    from assistant.web.locale import ChineseGradio
    from assistant.web.pages import mount_pages

    # The login pages first: the public page at "/" would otherwise catch their paths.
    api = mount_pages(api, services)
    app: FastAPI = gr.mount_gradio_app(
        api, build_ui(services), path="/", **gradio_setup.gradio_options()
    )
    app.add_middleware(ChineseGradio)
    return app


def _index(services: Application) -> None:
    try:
        services.warm_up()
    except Exception as exc:  # the indexing pass below reports a broken store in health
        log.warning("warming up failed: %s", exc)
    try:
        services.index_when_free(wait_s=0.5)
    except Exception as exc:  # the state is in services.index (health shows it)
        log.error("indexing failed: %s", exc)
