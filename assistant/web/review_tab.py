"""UI tabs 答案评审 (evaluators and admins, page ``/review``): queue, grading, promotion into
the gold answer set, and the dashboard.

``build_tab`` wires the handlers of :mod:`assistant.web.review_handlers` into Gradio.

This module has no ``from __future__ import annotations`` on purpose: Gradio finds the
``request: gr.Request`` parameter of an event function through its evaluated annotation, and
``gr`` is imported inside ``build_tab`` (lazily), where a string annotation could not be
resolved — the request would silently not be passed.
"""

from typing import TYPE_CHECKING, Any

from assistant.errors import AuthError
from assistant.review import (
    DEFAULT_SEED,
    GRADE_TEXT,
    GRADES,
    KINDS,
)

if TYPE_CHECKING:
    from assistant.application import Application, User
from assistant.web.review_handlers import (
    guarded,
    load_queue,
    prefill_promotion,
    promote_item,
    show_dashboard,
    show_item,
    submit_grade,
)
from assistant.web.review_render import KIND_TEXT

GRADE_CHOICES = [(GRADE_TEXT[g], g) for g in GRADES]


def _user(services: "Application", request: Any) -> "User":
    """The user of an event, or a Gradio error shown to the browser."""
    import gradio as gr

    try:
        return guarded(services, request)
    except AuthError as exc:
        raise gr.Error(str(exc)) from exc


def build_tab(services: "Application") -> None:
    """Add the 答案评审 tabs (队列与评分, 加入标准答案集, 评审统计) to the enclosing Blocks."""
    _queue_tab(services)
    _promote_tab(services)
    _dashboard_tab(services)


def _queue_tab(services: "Application") -> None:
    import gradio as gr

    programs = [("全部项目", "")] + [(p.name, p.id) for p in services.knowledge.programs.values()]
    with gr.Tab("答案评审"):
        gr.Markdown(
            "待评审队列：先是用户点了“没用”的回答，再是低置信度回答（拒答、无引用、资料不足、"
            "回答过短等），最后是其余回答的随机抽样。您已评过的不再出现；输入编号可重新评分。"
        )
        with gr.Row():
            program = gr.Dropdown(choices=programs, value="", label="项目")
            seed = gr.Number(value=DEFAULT_SEED, precision=0, label="抽样种子")
            refresh = gr.Button("刷新队列", variant="primary")
        table = gr.Markdown()
        page = gr.Number(value=1, precision=0, minimum=1, label="队列页码（每页 20 条）")
        with gr.Row():
            picker = gr.Dropdown(choices=[], label="选择待评审回答", scale=3)
            number = gr.Number(label="消息编号", precision=0, scale=1)
        view = gr.Markdown()
        with gr.Row():
            answer_grade = gr.Radio(GRADE_CHOICES, label="回答评分")
            citation_grade = gr.Radio(GRADE_CHOICES, label="引用评分")
        comment = gr.Textbox(label="评语（可选）", lines=2)
        submit = gr.Button("提交评分", variant="primary")
        result = gr.Markdown()

        def on_refresh(p: str, s: Any, n: Any, request: gr.Request) -> tuple[str, Any, Any]:
            # the first item is opened at once, so grading goes on item after item
            text, choices = load_queue(services, _user(services, request), p, s, n)
            first = choices[0][1] if choices else None
            return text, gr.update(choices=choices, value=first), first or gr.update()

        def on_show(m: Any, request: gr.Request) -> tuple[Any, ...]:
            return show_item(services, _user(services, request), m)

        def on_grade(m: Any, a: Any, c: Any, t: Any, request: gr.Request) -> str:
            return submit_grade(services, _user(services, request), m, a, c, t)

        refresh.click(on_refresh, [program, seed, page], [table, picker, number])
        page.submit(on_refresh, [program, seed, page], [table, picker, number])
        picker.input(lambda v: v, picker, number)  # the user's pick only, not the refresh
        number.change(on_show, number, [view, answer_grade, citation_grade, comment])
        submit.click(on_grade, [number, answer_grade, citation_grade, comment], result).then(
            on_refresh, [program, seed, page], [table, picker, number]
        )


def _promote_tab(services: "Application") -> None:
    import gradio as gr

    programs = [(p.name, p.id) for p in services.knowledge.programs.values()]
    with gr.Tab("加入标准答案集"):
        gr.Markdown(
            "把评审过的问题修正后加入标准答案集（promoted.yaml，评测程序 eval/answers.py 读取）。"
            "“必须包含”每行一组，同组备选说法用 | 分隔；“必须引用”填知识条目编号。"
        )
        with gr.Row():
            number = gr.Number(label="消息编号", precision=0)
            load = gr.Button("载入")
        question = gr.Textbox(label="问题（可修改）")
        with gr.Row():
            program = gr.Dropdown(choices=programs, multiselect=True, label="项目")
            kind = gr.Dropdown(choices=[(KIND_TEXT[k], k) for k in KINDS], label="题型")
        must_contain = gr.Textbox(label="必须包含（每行一组，| 分隔备选）", lines=3)
        must_cite = gr.Textbox(label="必须引用（知识条目编号）", lines=2)
        with gr.Row():
            refuse = gr.Checkbox(label="应拒答")
            traditional = gr.Checkbox(label="繁体提问")
        save = gr.Button("加入标准答案集", variant="primary")
        status = gr.Markdown()
        fields = [question, program, kind, must_contain, must_cite, refuse, traditional]

        def on_load(m: Any, request: gr.Request) -> tuple[Any, ...]:
            return prefill_promotion(services, _user(services, request), m)

        def on_promote(
            m: Any, q: Any, p: Any, k: Any, mc: Any, ci: Any, r: Any, t: Any, request: gr.Request
        ) -> str:
            user = _user(services, request)
            return promote_item(services, user, m, q, p, k, mc, ci, r, t)

        load.click(on_load, number, [*fields, status])
        save.click(on_promote, [number, *fields], status)


def _dashboard_tab(services: "Application") -> None:
    import gradio as gr

    with gr.Tab("评审统计") as tab:
        with gr.Row():
            period = gr.Radio([("按日", "day"), ("按周", "week")], value="day", label="时间粒度")
            refresh = gr.Button("刷新统计", variant="primary")
        figures = gr.Markdown()
        # Points, not a line: with the first day or week graded, a line has nothing to draw.
        over_time = gr.ScatterPlot(
            x="时间", y="准确率", color="指标", title="准确率（%）随时间变化", y_lim=[0, 100]
        )
        per_program = gr.BarPlot(
            x="项目", y="准确率", title="各项目回答准确率（%）", y_lim=[0, 100]
        )

        def on_refresh(p: str, request: gr.Request) -> tuple[Any, ...]:
            return show_dashboard(services, _user(services, request), p)

        refresh.click(on_refresh, period, [figures, over_time, per_program])
        tab.select(on_refresh, period, [figures, over_time, per_program])
