"""The web app (Gradio). For now: knowledge search with citations and document upload.

The full product UI (chat, self-check, checklists, staff and evaluator pages over a
FastAPI API) is built on this in later work; this page already runs on the real index.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.errors import AssistantError

if TYPE_CHECKING:
    import gradio as gr

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


def build_ui(stack: SearchStack) -> gr.Blocks:
    """The Gradio page."""
    import gradio as gr

    choices = [("全部项目", "")] + [(p.name, p.id) for p in stack.knowledge.programs.values()]
    demo: gr.Blocks = gr.Blocks(title="申报助手")
    with demo:
        gr.Markdown("# 申报助手\n山东企业资质认定与区域品牌申报的政策问答（知识检索）")
        with gr.Tab("知识检索"):
            question = gr.Textbox(
                label="您的问题", placeholder="例如：研发投入要占营收多少才能评高企"
            )
            program = gr.Dropdown(choices=choices, value="", label="项目")
            ask = gr.Button("检索", variant="primary")
            answer = gr.Markdown()
            gr.Examples(EXAMPLES, inputs=question)
            ask.click(lambda q, p: format_passages(stack, q, p), [question, program], answer)
            question.submit(lambda q, p: format_passages(stack, q, p), [question, program], answer)
        with gr.Tab("知识库"):
            gr.Markdown(
                f"已收录 {len(stack.knowledge.programs)} 个项目、"
                f"{len(stack.knowledge.articles)} 篇知识条目。"
                "上传政策文件（.md .txt .pdf .docx，简体或繁体）后即可检索。"
            )
            files = gr.File(file_count="multiple", file_types=[".md", ".txt", ".pdf", ".docx"])
            upload = gr.Button("上传并索引")
            report = gr.Markdown()
            upload.click(lambda fs: ingest_uploads(stack, fs), files, report)
    return demo


def serve(settings: Settings) -> None:
    """Build the search stack, index knowledge/ and run the web app (blocks)."""
    from assistant.factory import build_search

    stack = build_search(settings)
    results = stack.indexer.index_knowledge(stack.knowledge)
    changed = sum(1 for r in results if r.status != "unchanged")
    log.warning("knowledge indexed: %d articles, %d changed", len(results), changed)
    build_ui(stack).launch(
        server_name=settings.host,
        server_port=settings.port,
        share=False,
        ssr_mode=False,
        show_error=True,
    )
