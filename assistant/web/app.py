"""The web app: the JSON API (FastAPI) with the Gradio UI mounted at ``/``.

The UI: chat (智能问答) with citations, knowledge search, a self-check from a profile, the checklist
with downloads, and document upload. Knowledge is indexed in a background thread at
start-up, so the page and the API answer while it runs.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.web.api import Services, create_api, ingest_upload

if TYPE_CHECKING:
    import gradio as gr
    from fastapi import FastAPI

    from assistant.factory import SearchStack

log = logging.getLogger(__name__)
EXAMPLES = [
    "研发投入要占营收多少才能评高企",
    "科技型中小企业的评分标准是什么",
    "專精特新中小企業需要什麼條件",
    "泉城好品申报需要哪些条件",
]


def format_passages(stack: SearchStack, question: str, program: str) -> str:
    """Search and render the passages as Markdown with their citations."""
    try:
        passages = stack.retriever.search(question, stack.settings.top_k, program=program or None)
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


def ingest_uploads(services: Services, token: str, files: list[Any] | None) -> str:
    """The 知识库 upload: staff or admin token required; each file is validated, saved under
    data/uploads by its bare name, ingested and audited (as ``POST /api/documents``)."""
    user = services.accounts().user_for_token((token or "").strip())
    if user is None or user.role not in ("staff", "admin"):
        return "**请先输入有效的员工或管理员令牌**（python -m assistant users token 用户名）。"
    if not files:
        return "请选择文件。"
    status = {"added": "已添加", "updated": "已更新", "unchanged": "未变化"}
    lines = []
    for f in files:
        src = Path(getattr(f, "name", f))
        try:
            result = ingest_upload(services, user, src.name, src.read_bytes())
            lines.append(
                f"- {src.name}: {status.get(result['status'], result['status'])} "
                f"{result['chunks']} 段"
            )
        except AssistantError as exc:
            lines.append(f"- {src.name}: 失败（{exc}）")
    return "\n".join(lines)


def build_ui(services: Services) -> gr.Blocks:
    """The Gradio page."""
    import gradio as gr

    from assistant.web import chat_tab, selfcheck

    knowledge = services.knowledge
    choices = [("全部项目", "")] + [(p.name, p.id) for p in knowledge.programs.values()]
    demo: gr.Blocks = gr.Blocks(title="申报助手")
    with demo:
        gr.Markdown("# 申报助手\n山东企业资质认定与区域品牌申报：政策问答、资格自测、申报清单")
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
                return format_passages(services.search(), q, p)

            ask.click(search, [question, program], answer)
            question.submit(search, [question, program], answer)
        selfcheck.build_tabs(services)
        with gr.Tab("知识库"):
            gr.Markdown(
                f"已收录 {len(knowledge.programs)} 个项目、"
                f"{len(knowledge.articles)} 篇知识条目。"
                "上传政策文件（.md .txt .pdf .docx，简体或繁体）后即可检索。"
            )
            token = gr.Textbox(label="员工令牌（上传需要员工或管理员权限）", type="password")
            files = gr.File(file_count="multiple", file_types=[".md", ".txt", ".pdf", ".docx"])
            upload = gr.Button("上传并索引")
            report = gr.Markdown()
            upload.click(lambda t, fs: ingest_uploads(services, t, fs), [token, files], report)
    return demo


def create_app(settings: Settings, *, index_in_background: bool = True) -> FastAPI:
    """The FastAPI app with the API routes and the UI mounted at ``/``."""
    import gradio as gr

    services = Services(settings)
    api = create_api(services)
    if index_in_background:
        threading.Thread(target=_index, args=(services,), daemon=True, name="indexer").start()
    app: FastAPI = gr.mount_gradio_app(api, build_ui(services), path="/", ssr_mode=False)
    return app


def _index(services: Services) -> None:
    try:
        services.index_knowledge()
    except AssistantError as exc:
        services.index_status = f"索引失败：{exc}"
        log.error("indexing failed: %s", exc)


def serve(settings: Settings) -> None:
    """Run the web app on ``settings.host:settings.port`` (blocks)."""
    import uvicorn

    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
