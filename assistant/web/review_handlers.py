"""The 答案评审 page's handlers: plain functions ``(services, user, ...)`` over
:class:`assistant.review.ReviewConsole`, tested without a browser. Every one first asks
:func:`guarded` for the logged-in user (defence in depth behind the page guard of
:mod:`assistant.web.auth`).
"""

import re
from typing import TYPE_CHECKING, Any

from assistant.errors import InputError
from assistant.review import (
    BUCKET_TEXT,
    DEFAULT_SEED,
    GRADE_TEXT,
    REVIEW_ROLES,
    Correction,
    Period,
    to_markdown,
)
from assistant.web.auth import page_user

if TYPE_CHECKING:
    from assistant.application import Application, User
from assistant.web.review_render import (
    cell,
    dashboard_frames,
    queue_table,
    render_item,
)


def guarded(services: "Application", request: Any) -> "User":
    """The logged-in evaluator or admin of a Gradio event.

    Raises:
        AuthError: not logged in; ForbiddenError: another role.
    """
    return page_user(services, request, *REVIEW_ROLES)


def _message_id(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError("请先在队列中选择，或输入消息编号") from None
    if number <= 0:
        raise InputError("请先在队列中选择，或输入消息编号")
    return number


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
        (f"#{q.answer.id} {BUCKET_TEXT[q.bucket]}：{cell(q.answer.question, 30)}", q.answer.id)
        for q in items
    ]
    return queue_table(services, items, page), choices


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


def show_dashboard(
    services: "Application", user: "User", period: str | None
) -> tuple[str, Any, Any]:
    """Handler of 刷新统计: Markdown figures and the two chart frames."""
    chosen: Period = "week" if period == "week" else "day"
    board = services.review().dashboard(user, chosen)
    return (to_markdown(board), *dashboard_frames(board))
