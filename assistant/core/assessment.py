"""Assess a company for a program: the ``check`` contract's JSON, with Chinese explanations.

Pure: reads the validated knowledge base, evaluates the rule version in force on
``as_of`` with :mod:`assistant.core.eligibility` and composes the per-condition results,
citations, the score and the questions to ask for missing facts.
"""

from __future__ import annotations

import datetime as dt
import re

from assistant.core.eligibility import NOT_APPLICABLE, Evaluator, Outcome, evaluate_condition
from assistant.core.facts import Facts
from assistant.core.knowledge import Knowledge
from assistant.core.profile import Profile
from assistant.core.results import (
    Assessment,
    Checklist,
    ChecklistRow,
    Citation,
    ConditionResult,
    ConditionStatus,
    Score,
    Status,
    Verdict,
    VerdictResult,
)
from assistant.core.rules import Condition, RuleVersion
from assistant.errors import InputError, UnknownProgramError

VERDICT_TEXT = {
    "eligible": "符合申报条件",
    "not_eligible": "目前不符合申报条件",
    "insufficient_info": "资料不足，暂无法判断",
    "needs_review": "硬性条件已满足，尚需专家评审",
}
"""The verdicts in Chinese (the CLI, the chat and the UI all say it this way)."""
_STATUS_TEXT = {"pass": "符合", "fail": "不符合", "unknown": "待补充资料", "manual": "需专家评审"}


def assess(knowledge: Knowledge, program: str, profile: Profile, as_of: dt.date) -> Assessment:
    """Assess one company for one program on a date.

    Raises:
        InputError: unknown program, or no rules in force on that date.
    """
    version = _version_in_force(knowledge, program, as_of)
    facts = Facts(profile, as_of)
    evaluator = Evaluator(version, facts, knowledge.label_for)
    conditions = [_condition(knowledge, evaluator, c, profile) for c in version.conditions]
    statuses = {c["status"] for c in conditions}
    missing = list(dict.fromkeys(m for c in conditions for m in c["missing"]))
    score = _primary_score(evaluator, version)
    doc = knowledge.documents[version.document]
    return {
        "program": program,
        "program_name": knowledge.programs[program].name,
        "as_of": as_of.isoformat(),
        "rules_version": version.label,
        "rules_confidence": doc.confidence,
        "verdict": verdict(statuses),
        "conditions": conditions,
        "score": score,
        "missing_fields": missing,
        "questions": [{"field": m, "question": knowledge.question_for(m)} for m in missing],
        "warnings": [*profile.warnings, *year_warnings(profile, as_of)],
        "notes": _version_notes(knowledge, version, doc.confidence),
    }


def assess_verdict(
    knowledge: Knowledge, program: str, profile: Profile, as_of: dt.date
) -> VerdictResult:
    """The verdict part of :func:`assess`: the same ``program``, ``program_name``,
    ``rules_version``, ``verdict``, ``missing_fields`` and, per condition, ``id``,
    ``status`` and ``missing``, without composing any text. Ranking and gap search need
    only these, and a batch screening ranks every program of every company.

    Raises:
        InputError: unknown program, or no rules in force on that date.
    """
    version = _version_in_force(knowledge, program, as_of)
    evaluator = Evaluator(version, Facts(profile, as_of, explain=False), knowledge.label_for)
    conditions: list[ConditionStatus] = []
    for cond in version.conditions:
        out = evaluate_condition(evaluator, cond)
        missing = list(dict.fromkeys(out.missing))
        conditions.append({"id": cond.id, "status": out.status, "missing": missing})
    return {
        "program": program,
        "program_name": knowledge.programs[program].name,
        "rules_version": version.label,
        "verdict": verdict({c["status"] for c in conditions}),
        "conditions": conditions,
        "missing_fields": list(dict.fromkeys(m for c in conditions for m in c["missing"])),
    }


def _version_in_force(knowledge: Knowledge, program: str, as_of: dt.date) -> RuleVersion:
    if program not in knowledge.programs:
        raise UnknownProgramError(program, knowledge.programs)
    rules = knowledge.rules.get(program)
    version = rules.version_on(as_of) if rules else None
    if version is None:
        raise InputError(f"项目 '{program}' 在 {as_of.isoformat()} 没有生效的认定规则")
    return version


def checklist(knowledge: Knowledge, program: str, profile: Profile, as_of: dt.date) -> Checklist:
    """The pre-checked, pre-filled application checklist (contract ``checklist`` shape).

    Raises:
        InputError: unknown program, or a program without a checklist.
    """
    from assistant.core.checklist import STATUSES, precheck

    if program not in knowledge.programs:
        raise UnknownProgramError(program, knowledge.programs)
    items = knowledge.checklists.get(program)
    if not items:
        raise InputError(f"项目 '{program}' 暂无申报材料清单")
    rules = knowledge.rules.get(program)
    version = rules.version_on(as_of) if rules else None
    facts = Facts(profile, as_of)
    evaluator = Evaluator(version, facts, knowledge.label_for) if version else None
    conditions = {c.id: c for c in version.conditions} if version else {}
    prechecked = precheck(items, evaluator, facts, profile, conditions)
    rows: list[ChecklistRow] = [
        {**row, "citation": _citation(knowledge, item.article)}
        for (row, _), item in zip(prechecked, items, strict=True)
    ]
    summary: dict[str, int] = {
        status: sum(1 for r in rows if r["status"] == status) for status in STATUSES
    }
    figures = [f for _, fs in prechecked for f in fs]
    unique = list({(f["name"], f["value"]): f for f in figures}.values())
    return {
        "program": program,
        "program_name": knowledge.programs[program].name,
        "as_of": as_of.isoformat(),
        "company": profile.data.get("name"),
        "items": rows,
        "summary": summary,
        "figures": unique,
        "warnings": [*profile.warnings, *year_warnings(profile, as_of)],
    }


def year_warnings(profile: Profile, as_of: dt.date) -> list[str]:
    """Fiscal years in the profile that an application on ``as_of`` cannot use.

    >>> from assistant.core.profile import validate_profile
    >>> [w] = year_warnings(validate_profile({"financials": {"2026": {}}}), dt.date(2026, 5, 1))
    >>> w.startswith("financials.2026: 2026年是申报当年或以后的年度")
    True
    """
    years = [int(y) for y in (profile.data.get("financials") or {}) if str(y).isdigit()]
    return [
        f"financials.{y}: {y}年是申报当年或以后的年度，{as_of.isoformat()} 申报时不使用"
        f"（只用{as_of.year - 1}年及以前的会计年度）"
        for y in sorted(years)
        if y >= as_of.year
    ]


def verdict(statuses: set[Status]) -> Verdict:
    """The contract's verdict from the condition statuses.

    >>> verdict({"pass", "manual"}), verdict({"pass", "unknown", "fail"})
    ('needs_review', 'not_eligible')
    """
    if "fail" in statuses:
        return "not_eligible"
    if "unknown" in statuses:
        return "insufficient_info"
    if "manual" in statuses:
        return "needs_review"
    return "eligible"


def _condition(
    knowledge: Knowledge, evaluator: Evaluator, cond: Condition, profile: Profile
) -> ConditionResult:
    out = evaluate_condition(evaluator, cond)
    article = knowledge.article(cond.article)
    warnings = [w for w in profile.warnings if any(w.startswith(u) for u in out.used)]
    return {
        "id": cond.id,
        "title": cond.title,
        "status": out.status,
        "actual": "；".join(dict.fromkeys(out.actual)) or None,
        "required": "；".join(dict.fromkeys(out.required)),
        "explanation": _explain(cond, out, knowledge, warnings),
        "missing": list(dict.fromkeys(out.missing)),
        "evidence": list(cond.evidence),
        "warnings": warnings,
        "citation": _citation(knowledge, cond.article),
        "confidence": article.meta.confidence,
    }


def _citation(knowledge: Knowledge, article_id: str) -> Citation:
    article = knowledge.article(article_id)
    return {
        "document": article.document.title,
        "doc_no": article.document.doc_no,
        "article": article.meta.article,
        "source_id": article.id,
    }


def _explain(cond: Condition, out: Outcome, knowledge: Knowledge, warnings: list[str]) -> str:
    actual = "；".join(dict.fromkeys(out.actual))
    required = "；".join(dict.fromkeys(out.required))
    if out.status == "pass" and actual == NOT_APPLICABLE:
        return f"{cond.title}：本企业不适用该条件。"
    if out.status == "pass":
        text = f"{cond.title}：{actual}，符合要求（{required}）。"
    elif out.status == "fail":
        text = f"{cond.title}：{actual}，不符合要求（{required}）。"
    elif out.status == "unknown":
        labels = "、".join(knowledge.label_for(m) for m in dict.fromkeys(out.missing))
        text = f"{cond.title}：缺少{labels}，暂无法判断（要求：{required}）。"
    else:
        text = f"{cond.title}：需专家评审。"
        if cond.evidence:
            text += "评审依据：" + "；".join(cond.evidence) + "。"
    details = [d for d in dict.fromkeys(out.details) if d]
    if details:
        text += "计算：" + "；".join(details) + "。"
    notes = [n for n in dict.fromkeys(out.notes) if n]
    if notes:
        text += "说明：" + "；".join(notes) + "。"
    if warnings:
        text += "注意：" + "；".join(warnings)
    return text


def _primary_score(evaluator: Evaluator, version: RuleVersion) -> Score | None:
    if not version.rubrics:
        return None
    return evaluator.score(version.rubrics[0].id).to_dict()


def _version_notes(knowledge: Knowledge, version: RuleVersion, confidence: str) -> list[str]:
    doc = knowledge.documents[version.document]
    notes = [f"适用规则：{doc.title}（{version.label}）。"]
    if version.note:
        notes.append(version.note)
    if confidence != "official":
        notes.append("该规则的部分内容来自公开报道或第三方整理，申报前请以官方通知原文为准。")
    return notes


def year_pattern(field_path: str) -> tuple[str, str | None]:
    """Replace a fiscal year in a field path with ``*``.

    >>> year_pattern("financials.2025.rd_expense")
    ('financials.*.rd_expense', '2025')
    >>> year_pattern("employees")
    ('employees', None)
    """
    match = re.search(r"\.(\d{4})\.", field_path)
    if not match:
        return field_path, None
    return field_path.replace(f".{match.group(1)}.", ".*.", 1), match.group(1)
