"""UI tabs 答案评审 (evaluators and admins, page ``/review``): queue, grading, promotion into
the gold answer set, and the dashboard.

Handlers are plain functions ``(services, user, ...)`` over
:class:`assistant.review.console.ReviewConsole` (tested without a browser); ``build_tab``
wires them into Gradio, where every event first asks :func:`guarded` for the logged-in user
(defence in depth behind the page guard of :mod:`assistant.web.auth`).

This module has no ``from __future__ import annotations`` on purpose: Gradio finds the
``request: gr.Request`` parameter of an event function through its evaluated annotation, and
``gr`` is imported inside ``build_tab`` (lazily), where a string annotation could not be
resolved — the request would silently not be passed.
"""

import re
from typing import TYPE_CHECKING, Any

from assistant.errors import AuthError, InputError
from assistant.review import (
    BUCKET_TEXT,
    DEFAULT_SEED,
    GRADE_TEXT,
    GRADES,
    KINDS,
    REVIEW_ROLES,
    Correction,
    Dashboard,
    LoggedAnswer,
    Period,
    QueueItem,
    to_markdown,
)
from assistant.web.auth import page_user
from assistant.web.paging import paginate
from assistant.web.render import CONDITION_WORD, status_html

if TYPE_CHECKING:
    from assistant.application import Application, User

GRADE_CHOICES = [(GRADE_TEXT[g], g) for g in GRADES]
KIND_TEXT = {
    "threshold": "门槛数值",
    "conditions": "申报条件",
    "eligibility": "资格判断",
    "procedure": "申报流程",
    "scoring": "评分标准",
    "statistics": "统计数据",
    "definition": "概念定义",
    "validity": "有效期",
    "comparison": "项目比较",
    "benefits": "政策支持",
    "materials": "申报材料",
    "out_of_scope": "超出范围（应拒答）",
}
VERDICT_TEXT = {
    "eligible": "符合条件",
    "not_eligible": "不符合条件",
    "insufficient_info": "资料不足，暂无法判断",
    "needs_review": "需专家评审",
}
STATUS_TEXT = {k: status_html(v) for k, v in CONDITION_WORD.items()}


def guarded(services: "Application", request: Any) -> "User":
    """The logged-in evaluator or admin of a Gradio event.

    Raises:
        AuthError: not logged in; ForbiddenError: another role.
    """
    return page_user(services, request, *REVIEW_ROLES)


def _cell(text: Any, limit: int = 80) -> str:
    """Text fit for one Markdown table cell (one line, no pipes, shortened)."""
    flat = re.sub(r"\s+", " ", str(text or "")).replace("|", "／").strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _message_id(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError("请先在队列中选择，或输入消息编号") from None
    if number <= 0:
        raise InputError("请先在队列中选择，或输入消息编号")
    return number


def _program_text(services: "Application", programs: tuple[str, ...]) -> str:
    names = services.knowledge.programs
    return "、".join(names[p].name if p in names else p for p in programs) or "未识别"


def queue_table(services: "Application", items: list[QueueItem], page: Any = 1) -> str:
    """The queue as a Markdown table, 20 rows a page."""
    if not items:
        return "队列为空：没有待您评审的回答。"
    current = paginate(items, page)
    lines = ["| 编号 | 类别 | 原因 | 项目 | 问题 |", "|---:|---|---|---|---|"]
    for q in current.rows:
        a = q.answer
        lines.append(
            f"| {a.id} | {BUCKET_TEXT[q.bucket]} | {_cell('；'.join(q.reasons), 40)} "
            f"| {_cell(_program_text(services, a.programs), 30)} | {_cell(a.question)} |"
        )
    pages = f"（{current.caption}）" if current.pages > 1 else ""
    return f"共 {len(items)} 条待评审。{pages}\n\n" + "\n".join(lines)


def load_queue(
    services: "Application", user: "User", program: str, seed: Any = DEFAULT_SEED, page: Any = 1
) -> tuple[str, list[tuple[str, int]]]:
    """Handler of 刷新队列: the table and the choices of the item selector."""
    try:
        number = int(seed) if seed not in (None, "") else DEFAULT_SEED
        items = services.review().queue(user, program or None, seed=number)
    except (InputError, ValueError) as exc:
        return f"**无法载入队列：** {exc}", []
    choices = [
        (f"#{q.answer.id} {BUCKET_TEXT[q.bucket]}：{_cell(q.answer.question, 30)}", q.answer.id)
        for q in items
    ]
    return queue_table(services, items, page), choices


def render_assessment(assessment: Any) -> str:
    """The assessment of an answer: per program, the verdict and the conditions."""
    parts = assessment if isinstance(assessment, list) else [assessment]
    blocks = []
    for a in parts:
        if not isinstance(a, dict):
            continue
        verdict = str(a.get("verdict", ""))
        name = a.get("program_name") or a.get("program", "")
        head = f"**{name}：{VERDICT_TEXT.get(verdict, verdict)}**"
        rows = ["| 条件 | 结果 | 说明 |", "|---|---|---|"]
        rows += [
            f"| {_cell(c.get('title'), 30)} "
            f"| {STATUS_TEXT.get(c.get('status', ''), c.get('status'))} "
            f"| {_cell(c.get('explanation'), 160)} |"
            for c in a.get("conditions") or []
        ]
        blocks.append(head + "\n\n" + "\n".join(rows))
    return "\n\n".join(blocks)


def render_citations(answer: dict[str, Any]) -> str:
    """The citations: document, 文号, article, source id and the passage."""
    citations = [c for c in answer.get("citations") or [] if isinstance(c, dict)]
    if not citations:
        return "（本回答没有引用）"
    blocks = []
    for i, c in enumerate(citations, 1):
        head = " ".join(
            x
            for x in (f"《{c.get('document', '')}》", c.get("doc_no") or "", c.get("article"))
            if x
        )
        passage = str(c.get("text") or "").strip()[:600].replace("\n", "\n> ")
        blocks.append(f"**[{i}] {head}**　`{c.get('source_id', '')}`\n\n> {passage}")
    return "\n\n".join(blocks)


def render_item(services: "Application", item: LoggedAnswer, own: dict[str, str] | None) -> str:
    """One logged answer for grading: question, feedback, answer, assessment, citations."""
    answer = item.answer
    parts = [
        f"### 消息 #{item.id}　{item.created:%Y-%m-%d %H:%M}　"
        f"项目：{_program_text(services, item.programs)}",
        f"**问题：** {item.question}",
    ]
    if item.negative or item.positive:
        notes = "".join(
            f"\n- {'有用' if useful else '没用'}：{comment}" for useful, comment in item.comments
        )
        parts.append(f"**用户反馈：** 没用 ×{item.negative}，有用 ×{item.positive}{notes}")
    refused = "（拒答）" if answer.get("refused") else ""
    text = str(answer.get("answer") or "").replace("\n", "\n> ")
    parts.append(f"**回答{refused}：**\n\n> {text}")
    if answer.get("assessment"):
        parts.append("#### 资格判断\n\n" + render_assessment(answer["assessment"]))
    count = len(answer.get("citations") or [])
    parts.append(f"#### 引用（{count} 条）\n\n" + render_citations(answer))
    if own:
        parts.append(
            f"**我的评分：** 回答 {GRADE_TEXT[own['answer_grade']]}，"
            f"引用 {GRADE_TEXT[own['citation_grade']]}"
            + (f"；评语：{own['comment']}" if own.get("comment") else "")
            + "（重新提交将替换）"
        )
    return "\n\n".join(parts)


def show_item(
    services: "Application", user: "User", message_id: Any
) -> tuple[str, str | None, str | None, str]:
    """Handler of selecting an item: its view and the user's own grade (to re-grade)."""
    try:
        item, own = services.review().item(user, _message_id(message_id))
    except InputError as exc:
        return f"**无法显示：** {exc}", None, None, ""
    own = own or {}
    view = render_item(services, item, own or None)
    return view, own.get("answer_grade"), own.get("citation_grade"), own.get("comment", "")


def submit_grade(
    services: "Application",
    user: "User",
    message_id: Any,
    answer_grade: str | None,
    citation_grade: str | None,
    comment: str | None,
) -> str:
    """Handler of 提交评分."""
    try:
        number = _message_id(message_id)
        replaced = services.review().grade(
            user, number, answer_grade or "", citation_grade or "", comment or ""
        )
    except InputError as exc:
        return f"**未保存评分：** {exc}"
    verb = "已更新" if replaced else "已保存"
    return (
        f"{verb}消息 #{number} 的评分：回答 {GRADE_TEXT[answer_grade or '']}，"
        f"引用 {GRADE_TEXT[citation_grade or '']}。"
    )


def parse_must_contain(text: str | None) -> list[list[str]]:
    """One group a line, alternatives separated by ``|`` (or full-width ``｜``).

    >>> parse_must_contain("5%｜百分之五\\n\\n 3年 ")
    [['5%', '百分之五'], ['3年']]
    """
    groups = []
    for line in (text or "").splitlines():
        alternatives = [s.strip() for s in re.split(r"[|｜]", line)]
        if any(alternatives):
            groups.append([s for s in alternatives if s])
    return groups


def parse_must_cite(text: str | None) -> list[str]:
    """Article ids separated by spaces, commas or new lines (a ``kb-`` prefix is dropped).

    >>> parse_must_cite("kb-hnte-validity, hnte-eligibility\\nhnte-validity")
    ['hnte-validity', 'hnte-eligibility']
    """
    ids = [s.strip().removeprefix("kb-") for s in re.split(r"[\s,，、;；]+", text or "")]
    return list(dict.fromkeys(i for i in ids if i))


def _guess_kind(answer: dict[str, Any], programs: tuple[str, ...]) -> str:
    if answer.get("refused"):
        return "out_of_scope"
    if answer.get("assessment"):
        return "eligibility"
    return "comparison" if len(programs) > 1 else "conditions"


def prefill_promotion(
    services: "Application", user: "User", message_id: Any
) -> tuple[str, list[str], str, str, str, bool, bool, str]:
    """Handler of 载入: the promotion form filled from the logged answer (question, programs,
    kind, must_contain, must_cite, refuse, traditional, status line). ``must_contain`` is left
    empty: what the answer must say is the evaluator's judgement."""
    from assistant.core.text import is_traditional

    try:
        item, _ = services.review().item(user, _message_id(message_id))
    except InputError as exc:
        return "", [], "", "", "", False, False, f"**无法载入：** {exc}"
    answer = item.answer
    cited = [
        str(c.get("source_id", "")).removeprefix("kb-")
        for c in answer.get("citations") or []
        if str(c.get("source_id", "")).startswith("kb-")
    ]
    return (
        item.question,
        list(item.programs),
        _guess_kind(answer, item.programs),
        "",
        "\n".join(dict.fromkeys(cited)),
        bool(answer.get("refused")),
        is_traditional(item.question),
        f"已载入消息 #{item.id}，请修改后填写“必须包含”。",
    )


def promote_item(
    services: "Application",
    user: "User",
    message_id: Any,
    question: str | None,
    programs: list[str] | str | None,
    kind: str | None,
    must_contain: str | None,
    must_cite: str | None,
    refuse: bool,
    traditional: bool,
) -> str:
    """Handler of 加入标准答案集: validate, append to promoted.yaml, report."""
    selected = [programs] if isinstance(programs, str) else list(programs or [])
    correction = Correction(
        question=question or "",
        program=selected or None,
        kind=kind or "",
        must_contain=parse_must_contain(must_contain),
        must_cite=parse_must_cite(must_cite),
        refuse=bool(refuse),
        traditional=bool(traditional),
    )
    try:
        item = services.review().promote(user, _message_id(message_id), correction)
    except InputError as exc:
        return f"**{exc}**" if str(exc).startswith("未加入") else f"**未加入标准答案集：** {exc}"
    path = services.settings.gold_dir / "promoted.yaml"
    return f"已加入标准答案集（{path.name}）：{item['question']}　来源：{item['source']}"


def dashboard_frames(board: Dashboard) -> tuple[Any, Any]:
    """The chart data as two pandas DataFrames (typed Any: pandas ships no stubs here):
    accuracy (%) per period, answers and citations, and answer accuracy per program."""
    import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the venv

    over_time = pd.DataFrame(
        [
            {"时间": b.key, "指标": name, "准确率": round(value * 100, 1)}
            for b in board.by_period
            for name, value in (("回答", b.accuracy), ("引用", b.citation_accuracy))
        ],
        columns=["时间", "指标", "准确率"],
    )
    names = board.program_names
    per_program = pd.DataFrame(
        [
            {
                "项目": names.get(b.key, b.key),
                "准确率": round(b.accuracy * 100, 1),
                "回答数": b.answers,
            }
            for b in board.by_program
        ],
        columns=["项目", "准确率", "回答数"],
    )
    return over_time, per_program


def show_dashboard(
    services: "Application", user: "User", period: str | None
) -> tuple[str, Any, Any]:
    """Handler of 刷新统计: Markdown figures and the two chart frames."""
    chosen: Period = "week" if period == "week" else "day"
    board = services.review().dashboard(user, chosen)
    return (to_markdown(board), *dashboard_frames(board))


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
