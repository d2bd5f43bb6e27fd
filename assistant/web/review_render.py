"""The 答案评审 page's text: the queue table, a logged answer with its assessment and
citations, and the dashboard's chart frames (pure functions of the console's results)."""

import re
from typing import TYPE_CHECKING, Any

from assistant.review import (
    BUCKET_TEXT,
    GRADE_TEXT,
    Dashboard,
    LoggedAnswer,
    QueueItem,
)
from assistant.web.paging import paginate
from assistant.web.render import CONDITION_WORD, status_html

if TYPE_CHECKING:
    from assistant.application import Application

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


def cell(text: Any, limit: int = 80) -> str:
    """Text fit for one Markdown table cell (one line, no pipes, shortened)."""
    flat = re.sub(r"\s+", " ", str(text or "")).replace("|", "／").strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


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
            f"| {a.id} | {BUCKET_TEXT[q.bucket]} | {cell('；'.join(q.reasons), 40)} "
            f"| {cell(_program_text(services, a.programs), 30)} | {cell(a.question)} |"
        )
    pages = f"（{current.caption}）" if current.pages > 1 else ""
    return f"共 {len(items)} 条待评审。{pages}\n\n" + "\n".join(lines)


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
            f"| {cell(c.get('title'), 30)} "
            f"| {STATUS_TEXT.get(c.get('status', ''), c.get('status'))} "
            f"| {cell(c.get('explanation'), 160)} |"
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
