"""Rule changes before they happen: which saved companies a new rules version affects.

For a switch (a rules version whose effective date is in the future or recent), every
company of the register is assessed with :func:`assistant.core.assessment.assess` — the
``check`` command's own function — on the day before the switch (old version) and on the
switch date (new version). A company is listed when its verdict or its failing conditions
differ: 「不再符合」 (it falls out: nothing failed before, something fails now), 「新符合」
(it gets in) or 「条件变化」, with the conditions that newly fail or no longer fail. Approved
answer templates whose approval rests on the old rules go stale on that day and are listed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.assessment import assess
from assistant.core.knowledge import Knowledge
from assistant.core.profile import validate_profile
from assistant.core.rules import RuleVersion
from assistant.errors import AssistantError, InputError, UnknownProgramError

RECENT_DAYS = 365
"""A switch this many days ago or less is still worth reviewing ("recent")."""
CHANGE_TEXT = {"falls_out": "不再符合", "gets_in": "新符合", "changed": "条件变化"}


@dataclass(frozen=True)
class Switch:
    """A change of rules version of one program on ``day``."""

    program: str
    old: RuleVersion
    new: RuleVersion

    @property
    def day(self) -> dt.date:
        """The first day of the new version."""
        return self.new.effective


def switches(
    knowledge: Knowledge, program: str, as_of: dt.date, version: str | None = None
) -> list[Switch]:
    """The program's switches to review: those named by ``version`` (part of a label, a
    document id or an effective date), else every future or recent one.

    Raises:
        InputError: unknown program, or no version matches.
    """
    if program not in knowledge.rules:
        raise UnknownProgramError(program, knowledge.rules)
    versions = knowledge.rules[program].versions
    found = []
    for new in versions:
        old = knowledge.rules[program].version_on(new.effective - dt.timedelta(days=1))
        if old is None or old is new:
            continue
        if version is not None:
            if version in (new.label, new.document, new.effective.isoformat()) or (
                version in new.label
            ):
                found.append(Switch(program, old, new))
        elif new.effective >= as_of - dt.timedelta(days=RECENT_DAYS):
            found.append(Switch(program, old, new))
    if version is not None and not found:
        labels = "；".join(v.label for v in versions)
        raise InputError(f"--version {version}: no rules version of '{program}' matches ({labels})")
    return found


def _titles(version: RuleVersion) -> dict[str, str]:
    return {c.id: c.title for c in version.conditions}


def compare(
    knowledge: Knowledge, switch: Switch, companies: list[dict[str, Any]]
) -> dict[str, Any]:
    """Who is affected by one switch: a row per company whose verdict or failing
    conditions differ; ``unchanged`` counts the rest, ``errors`` the unusable profiles."""
    before_day = switch.day - dt.timedelta(days=1)
    titles = {**_titles(switch.old), **_titles(switch.new)}
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    unchanged = 0
    for company in companies:
        try:
            profile = validate_profile(company["profile"], source=str(company.get("name")))
            before = assess(knowledge, switch.program, profile, before_day)
            after = assess(knowledge, switch.program, profile, switch.day)
        except AssistantError as exc:
            errors.append(
                {"id": company.get("id"), "name": company.get("name"), "message": str(exc)}
            )
            continue
        failing_before = [c["id"] for c in before["conditions"] if c["status"] == "fail"]
        failing_after = [c["id"] for c in after["conditions"] if c["status"] == "fail"]
        if before["verdict"] == after["verdict"] and failing_before == failing_after:
            unchanged += 1
            continue
        if not failing_before and failing_after:
            change = "falls_out"
        elif failing_before and not failing_after:
            change = "gets_in"
        else:
            change = "changed"
        rows.append(
            {
                "id": company.get("id"),
                "name": company.get("name"),
                "change": change,
                "change_text": CHANGE_TEXT[change],
                "verdict_before": before["verdict"],
                "verdict_after": after["verdict"],
                "failing_before": failing_before,
                "failing_after": failing_after,
                "newly_failing": [
                    {"id": c, "title": titles[c]} for c in failing_after if c not in failing_before
                ],
                "no_longer_failing": [
                    {"id": c, "title": titles[c]} for c in failing_before if c not in failing_after
                ],
                "conditions_after": {
                    c["id"]: c["explanation"] for c in after["conditions"] if c["status"] == "fail"
                },
            }
        )
    order = {"falls_out": 0, "gets_in": 1, "changed": 2}
    rows.sort(key=lambda r: (order[r["change"]], str(r["name"])))
    return {
        "program": switch.program,
        "program_name": knowledge.programs[switch.program].name,
        "switch_date": switch.day.isoformat(),
        "day_before": before_day.isoformat(),
        "old_version": switch.old.label,
        "new_version": switch.new.label,
        "companies": rows,
        "checked": len(companies),
        "unchanged": unchanged,
        "errors": errors,
    }


def stale_templates(knowledge: Knowledge, engine: Any, switch: Switch) -> list[dict[str, Any]]:
    """Approved templates that still hold the day before the switch and not on its day."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from assistant.store.db import ensure_schema
    from assistant.templates.models import TemplateRow
    from assistant.templates.staleness import stale_reasons

    ensure_schema(engine)  # a database that never had templates has no such table yet
    before_day = switch.day - dt.timedelta(days=1)
    out = []
    with Session(engine) as db:
        for row in db.scalars(select(TemplateRow).where(TemplateRow.status == "approved")):
            basis = row.basis or {}
            if stale_reasons(knowledge, basis, before_day):
                continue
            reasons = stale_reasons(knowledge, basis, switch.day)
            if reasons:
                out.append({"id": row.id, "title": row.title, "reasons": reasons})
    return out


def write_xlsx(report: dict[str, Any], path: Path) -> Path:
    """The impact report as a workbook: one sheet of companies and one of templates per
    switch."""
    from openpyxl import Workbook

    from assistant.staff.workbook import VERDICT_WORD, _sheet_name, _write

    book = Workbook()
    book.remove(book.active)
    for sw in report["switches"]:
        sheet = book.create_sheet(_sheet_name(f"企业 {sw['switch_date']}"))
        _write(
            sheet,
            [
                "客户编号",
                "企业名称",
                "变化",
                "切换前结论",
                "切换后结论",
                "新不符合的条件",
                "不再不符合的条件",
            ],
            [
                [
                    r["id"],
                    r["name"],
                    r["change_text"],
                    VERDICT_WORD[r["verdict_before"]],
                    VERDICT_WORD[r["verdict_after"]],
                    "；".join(c["title"] for c in r["newly_failing"]),
                    "；".join(c["title"] for c in r["no_longer_failing"]),
                ]
                for r in sw["companies"]
            ],
            [8, 30, 10, 12, 12, 40, 40],
        )
        tpl = book.create_sheet(_sheet_name(f"需复核模板 {sw['switch_date']}"))
        _write(
            tpl,
            ["模板编号", "标题", "原因"],
            [[t["id"], t["title"], "；".join(t["reasons"])] for t in sw["stale_templates"]],
            [8, 40, 80],
        )
    if not report["switches"]:
        _write(book.create_sheet("说明"), ["说明"], [["没有近期或将来生效的规则版本"]], [60])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path


def impact_report(
    knowledge: Knowledge,
    program: str,
    companies: list[dict[str, Any]],
    as_of: dt.date,
    *,
    version: str | None = None,
    engine: Any = None,
) -> dict[str, Any]:
    """Every switch of the program (``all``: of every program) to review, each with the
    affected companies and the templates that go stale (when ``engine`` is given)."""
    reports = []
    programs = list(knowledge.rules) if program == "all" else [program]
    found: list[Switch] = []
    for name in programs:
        try:
            found += switches(knowledge, name, as_of, version)
        except InputError:
            if program != "all":
                raise  # with 'all', a program without that version is simply not affected
    for switch in sorted(found, key=lambda s: (s.day, s.program)):
        report = compare(knowledge, switch, companies)
        report["stale_templates"] = (
            stale_templates(knowledge, engine, switch) if engine is not None else []
        )
        reports.append(report)
    return {"program": program, "as_of": as_of.isoformat(), "switches": reports}


def report_text(report: dict[str, Any]) -> str:
    """The report in Chinese for the terminal and the staff page (Markdown)."""
    from assistant.staff.workbook import VERDICT_WORD

    if not report["switches"]:
        return f"{report['program']}：没有近期或将来生效的规则版本。"
    lines = []
    for sw in report["switches"]:
        counts = {k: sum(1 for r in sw["companies"] if r["change"] == k) for k in CHANGE_TEXT}
        lines += [
            f"### {sw['program_name']}：{sw['old_version']} → {sw['new_version']}"
            f"（{sw['switch_date']} 起）",
            "",
            f"名册中 {sw['checked']} 家企业：不再符合 {counts['falls_out']} 家，"
            f"新符合 {counts['gets_in']} 家，条件变化 {counts['changed']} 家，"
            f"不受影响 {sw['unchanged']} 家。",
            "",
        ]
        if sw["companies"]:
            lines += [
                "| 企业 | 变化 | 切换前 | 切换后 | 新不符合 | 不再不符合 |",
                "|---|---|---|---|---|---|",
            ]
            for r in sw["companies"]:
                newly = "、".join(c["title"] for c in r["newly_failing"]) or "—"
                gone = "、".join(c["title"] for c in r["no_longer_failing"]) or "—"
                lines.append(
                    f"| {r['name']} | {r['change_text']} | {VERDICT_WORD[r['verdict_before']]} | "
                    f"{VERDICT_WORD[r['verdict_after']]} | {newly} | {gone} |"
                )
        for t in sw["stale_templates"]:
            lines.append(
                f"- 答复模板 #{t['id']}「{t['title']}」将需复核：{'；'.join(t['reasons'])}"
            )
        for e in sw["errors"]:
            lines.append(f"- 无法评估 {e['name']}：{e['message']}")
        lines.append("")
    return "\n".join(lines)
