"""UI tab 智能问答: chat with example questions, the answer's citations beside it.

The handler is a plain function (tested without a browser); ``build_tab`` wires it into
Gradio. The session id lives in the page's state, so a conversation keeps its facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assistant.core.results import Answer
from assistant.errors import AssistantError
from assistant.web.render import answer_html, citations_html

if TYPE_CHECKING:
    from assistant.application import Application

EXAMPLES = [
    "研发投入要占营收多少才能评高企？",
    "我们去年营收4800万，研发投入260万，职工120人其中研发人员30人，能评科技型中小企业吗？",
    "专精特新中小企业2026年的认定条件是什么？",
    "泉城好品申报需要哪些条件？",
    "高新技術企業的有效期是幾年？",
]


def render_citations(answer: Mapping[str, Any], knowledge: Any = None) -> str:
    """The citations panel (HTML): one line per source, the passage on demand, the source of
    the direct answer highlighted (also of a logged answer, read back as stored)."""
    return citations_html(answer, knowledge)


def chat_turn(
    services: Application, message: str, history: list[dict[str, str]] | None, session_id: str
) -> tuple[list[dict[str, str]], str, str, str]:
    """One turn: (history, cleared input, session id, citations panel)."""
    history = list(history or [])
    try:
        answer = services.ask(message, session_id=session_id or None)
    except AssistantError as exc:
        history += [
            {"role": "user", "content": message or ""},
            {"role": "assistant", "content": f"**无法回答：** {exc}"},
        ]
        return history, "", session_id, ""
    history += [
        {"role": "user", "content": message},
        # the template note stays outside the folds: it says where the whole answer came from
        {"role": "assistant", "content": answer_html(answer["answer"]) + template_note(answer)},
    ]
    return history, "", answer["session_id"], render_citations(answer, services.knowledge)


def template_note(answer: Answer) -> str:
    """The note under an answer that came from staff's approved template (so the reader
    knows it is a reviewed standard answer, and staff can tell which one)."""
    template = answer.get("template")
    if not template:
        return ""
    return f"\n\n> 本回答来自已审核答复模板：「{template['title']}」（第{template['version']}版）"


def give_feedback(services: Application, session_id: str, useful: bool, comment: str) -> str:
    """Handler of 有用/没用: stored with the latest answer of the session."""
    if not session_id:
        return "请先提问。"
    try:
        services.feedback(session_id, useful, comment or "")
    except AssistantError as exc:
        return f"无法记录：{exc}"
    return "谢谢反馈，已记录。"


def build_tab(services: Application) -> None:
    """Add the tab to the enclosing ``gr.Blocks``."""
    import gradio as gr

    with gr.Tab("智能问答"):
        session = gr.State("")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label="申报助手", height=560, buttons=["copy"])
                box = gr.Textbox(
                    label="您的问题", placeholder="例如：我们去年营收4800万，能评高企吗？"
                )
                send = gr.Button("发送", variant="primary")
                with gr.Row():
                    good = gr.Button("有用")
                    bad = gr.Button("没用")
                comment = gr.Textbox(label="意见（可选）", lines=1)
                thanks = gr.Markdown()
                gr.Examples(EXAMPLES, inputs=box, label="示例问题")
            with gr.Column(scale=2):
                gr.Markdown("#### 依据与引用")
                cites = gr.HTML("<p>（提问后显示本回答引用的政策原文）</p>")

        def turn(m: str, h: list[dict[str, str]], s: str) -> tuple[Any, ...]:
            return chat_turn(services, m, h, s)

        good.click(lambda s, c: give_feedback(services, s, True, c), [session, comment], thanks)
        bad.click(lambda s, c: give_feedback(services, s, False, c), [session, comment], thanks)
        send.click(turn, [box, chatbot, session], [chatbot, box, session, cites])
        box.submit(turn, [box, chatbot, session], [chatbot, box, session, cites])
