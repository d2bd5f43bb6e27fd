"""What an approval rests on, and whether it still holds on a given day.

At approval a template records, for each cited article, a fingerprint (a hash of the
article's text and metadata, plus the label of its program's rules in force, e.g.
``工信部企业〔2022〕63号 (2022-06-01)``), and for each tagged program the label of its rules in
force. When any of these differs on the day a question is asked (the article was edited,
removed or expired, or the program switched to new measures, as 专精特新 did on 2026-04-01),
the template is 「需复核」 and never answers until someone approves it again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from assistant.core.knowledge import Knowledge
from assistant.core.knowledge.schema import Article


def article_fingerprint(knowledge: Knowledge, article: Article, day: dt.date) -> str:
    """A short hash of the article (body, metadata) and its program's rules version."""
    meta = article.meta.model_dump_json()
    rules = _rules_label(knowledge, article.program, day) or ""
    text = "\n".join((meta, article.document.label(), article.body, rules))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _rules_label(knowledge: Knowledge, program: str, day: dt.date) -> str | None:
    if program not in knowledge.programs:
        return None
    return knowledge.rules_document(program, day).label()


def basis(
    knowledge: Knowledge, articles: list[str], programs: list[str], day: dt.date
) -> dict[str, Any]:
    """The approval basis of a template on ``day`` (stored with the approval)."""
    return {
        "day": day.isoformat(),
        "articles": {
            a: article_fingerprint(knowledge, knowledge.article(a), day) for a in articles
        },
        "programs": {p: _rules_label(knowledge, p, day) for p in programs},
    }


def stale_reasons(knowledge: Knowledge, stored: dict[str, Any], day: dt.date) -> list[str]:
    """Why an approval no longer holds on ``day`` (empty: it still holds).

    Reasons are Chinese, for the staff page (e.g. 「专精特新中小企业 的规则已由 … 变为 …」).
    """
    reasons: list[str] = []
    for program, label in (stored.get("programs") or {}).items():
        now = _rules_label(knowledge, program, day)
        if now != label:
            name = knowledge.programs[program].name if program in knowledge.programs else program
            reasons.append(f"{name}的适用规则已由「{label}」变为「{now or '（已删除）'}」")
    for article_id, fingerprint in (stored.get("articles") or {}).items():
        reasons.extend(_article_reasons(knowledge, article_id, fingerprint, day))
    return reasons


def _article_reasons(
    knowledge: Knowledge, article_id: str, fingerprint: str, day: dt.date
) -> list[str]:
    try:
        article = knowledge.article(article_id)
    except KeyError:
        return [f"引用的知识条目 {article_id} 已不在知识库中"]
    out = []
    if article.meta.expires is not None and article.meta.expires < day:
        out.append(f"引用的知识条目 {article_id} 已于 {article.meta.expires} 失效")
    if article_fingerprint(knowledge, article, day) != fingerprint:
        out.append(f"引用的知识条目 {article_id} 的内容或所依据的规则版本已变化")
    return out
