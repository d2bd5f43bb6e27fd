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
from assistant.web.api import Services, create_api

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


def ingest_uploads(stack: SearchStack, files: list[Any] | None) -> str:
    """Copy uploaded files into the data directory and ingest them."""
    if not files:
        return "请选择文件。"
    upload_dir = stack.settings.data_dir / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for f in files:
        src = Path(getattr(f, "name", f))
        # Only the base name is kept, so an uploaded name cannot point outside the folder.
        target = upload_dir / Path(src.name).name
        target.write_bytes(src.read_bytes())
        paths.append(target)
    results = stack.indexer.ingest_files(paths)
    status = {"added": "已添加", "updated": "已更新", "unchanged": "未变化", "failed": "失败"}
    return "\n".join(
        f"- {Path(r.source).name}: {status.get(r.status, r.status)} {r.chunks} 段"
        + (f"（{r.message}）" if r.message else "")
        for r in results
    )


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
            files = gr.File(file_count="multiple", file_types=[".md", ".txt", ".pdf", ".docx"])
            upload = gr.Button("上传并索引")
            report = gr.Markdown()
            upload.click(lambda fs: ingest_uploads(services.search(), fs), files, report)
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
