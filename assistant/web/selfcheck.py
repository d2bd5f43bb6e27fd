"""UI tabs 资格自测 and 申报清单: a profile in, per-condition verdicts and checklists out.

Handlers are plain functions (tested without a browser); ``build_tabs`` wires them into
Gradio components.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.assessment import VERDICT_TEXT as BASE_VERDICT_TEXT
from assistant.core.assessment import assess, checklist
from assistant.core.profile import validate_profile
from assistant.errors import AssistantError, InputError

if TYPE_CHECKING:
    from assistant.web.api import Services

EXAMPLES = Path(__file__).parent / "examples"
_ICON = {"eligible": "✅", "not_eligible": "❌", "insufficient_info": "❔", "needs_review": "🔎"}
VERDICT_TEXT = {k: f"{_ICON[k]} {v}" for k, v in BASE_VERDICT_TEXT.items()}
MARK = {"pass": "✅ 符合", "fail": "❌ 不符合", "unknown": "❔ 待补充", "manual": "🔎 需评审"}
CHECK_MARK = {
    "ready": "✅ 已具备",
    "prefilled": "📝 已预填",
    "missing": "⬜ 待准备",
    "needs_attention": "⚠️ 需注意",
    "not_applicable": "➖ 不适用",
}


def example_profiles() -> dict[str, str]:
    """Example profiles by company name (JSON text)."""
    out = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        out[json.loads(text).get("name", path.stem)] = text
    return out


def parse_inputs(profile_text: str, as_of: str) -> tuple[Any, dt.date]:
    """Validate the profile JSON and the date typed into the form."""
    try:
        data = json.loads(profile_text or "{}")
    except json.JSONDecodeError as exc:
        raise InputError(
            f"企业信息不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}"
        ) from exc
    try:
        day = dt.date.fromisoformat(as_of.strip()) if as_of and as_of.strip() else dt.date.today()
    except ValueError as exc:
        raise InputError(f"评估日期 '{as_of}' 格式不对，请写成 YYYY-MM-DD") from exc
    return validate_profile(data), day


def _cell(text: Any) -> str:
    return str(text or "").replace("|", "｜").replace("\n", " ")


def render_assessment(result: dict[str, Any]) -> str:
    """One assessment as Markdown: verdict, score, conditions table, questions."""
    lines = [
        f"### {result['program_name']}：{VERDICT_TEXT[result['verdict']]}",
        f"适用规则：{result['rules_version']}（评估日期 {result['as_of']}）",
    ]
    score = result.get("score")
    if score:
        span = (
            f"{score['total_min']}"
            if score["total_min"] == score["total_max"]
            else f"{score['total_min']}–{score['total_max']}"
        )
        lines.append(
            f"**{score['title']}**：{span} 分（满分 {score['max']}，通过线 {score['pass_line']}）"
            f" — {score['reason']}"
        )
    lines += ["", "| 状态 | 条件 | 企业情况 | 要求 | 依据 |", "|---|---|---|---|---|"]
    for c in result["conditions"]:
        cite = c["citation"]
        source = f"《{cite['document']}》{cite['doc_no'] or ''} {cite['article']}"
        lines.append(
            f"| {MARK[c['status']]} | {_cell(c['title'])} | {_cell(c['actual'])} | "
            f"{_cell(c['required'])} | {_cell(source)} |"
        )
    if result["questions"]:
        lines += ["", "**还需要补充的信息：**"] + [
            f"- {q['question']}" for q in result["questions"]
        ]
    lines += [f"> {note}" for note in result["notes"]]
    lines += [f"> ⚠️ {w}" for w in result["warnings"]]
    return "\n".join(lines)


def progress_bar(gap: dict[str, Any], profile: Any) -> str:
    """A text bar of how far the company is towards closing a gap (current / needed)."""
    change = gap.get("change") or {}
    if gap.get("delta") is None or not change or gap["delta"] < 0:
        return ""
    path, target = next(iter(change.items()))
    current = profile.get(path)
    if not isinstance(current, int | float) or not target:
        return ""
    share = max(0.0, min(1.0, current / target))
    filled = round(share * 10)
    return f"{'█' * filled}{'░' * (10 - filled)} {share:.0%}"


def render_ranking(match_result: dict[str, Any], profile: Any) -> str:
    """The 全部项目 view: programs ranked, each gap with a bar, paths and shortcuts."""
    lines = [
        "### 可申报项目排序（按接近程度）",
        "",
        "| 排名 | 项目 | 结论 | 差距 | 进度 |",
        "|---|---|---|---|---|",
    ]
    for p in match_result["programs"]:
        gaps = p["gaps"] or [{"text": "—", "delta": None}]
        for i, gap in enumerate(gaps):
            head = (
                f"| {p['rank']} | {p['program_name']} | {VERDICT_TEXT[p['verdict']]} "
                if i == 0
                else "| | | "
            )
            lines.append(f"{head}| {_cell(gap['text'])} | {progress_bar(gap, profile)} |")
    notes = [
        f"- **{p['program_name']}**：{s['text']}"
        for p in match_result["programs"]
        for s in [*p["path"], *p["shortcuts"]]
    ]
    if notes:
        lines += ["", "**申报路径与捷径：**", *notes]
    return "\n".join(lines)


def run_check(services: Services, program: str, profile_text: str, as_of: str) -> str:
    """Handler of 开始评估 (全部项目: the ranking with gaps, then each assessment)."""
    from assistant.core.matching import match

    try:
        profile, day = parse_inputs(profile_text, as_of)
        programs = [program] if program else list(services.knowledge.rules)
        results = [assess(services.knowledge, p, profile, day) for p in programs]
        ranking = match(services.knowledge, profile, day) if not program else None
    except AssistantError as exc:
        return f"**无法评估：** {exc}"
    if ranking is not None:
        order = [p["program"] for p in ranking["programs"]]
        results.sort(key=lambda r: order.index(r["program"]))
        parts = [render_ranking(ranking, profile), *(render_assessment(r) for r in results)]
        return "\n\n---\n\n".join(parts)
    return "\n\n---\n\n".join(render_assessment(r) for r in results)


def run_checklist(
    services: Services, program: str, profile_text: str, as_of: str
) -> tuple[str, list[str]]:
    """Handler of 生成清单: Markdown and the two downloadable files."""
    from assistant import export

    try:
        profile, day = parse_inputs(profile_text, as_of)
        result = checklist(services.knowledge, program, profile, day)
    except AssistantError as exc:
        return f"**无法生成清单：** {exc}", []
    folder = Path(tempfile.mkdtemp(prefix="checklist-"))
    files = [
        str(export.to_xlsx(result, folder / f"{program}-申报清单.xlsx")),
        str(export.to_docx(result, folder / f"{program}-申报清单.docx")),
    ]
    summary = "，".join(f"{CHECK_MARK[k]} {v} 项" for k, v in result["summary"].items() if v)
    lines = [
        f"### {result['program_name']} 申报材料清单",
        summary,
        "",
        "| 状态 | 材料 | 预填内容 | 注意事项 |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {CHECK_MARK[i['status']]} | {_cell(i['title'])} | {_cell(i['prefill'])} | "
        f"{_cell(i['notes'])} |"
        for i in result["items"]
    ]
    return "\n".join(lines), files


def build_tabs(services: Services) -> None:
    """Add the two tabs to the enclosing ``gr.Blocks``."""
    import gradio as gr

    examples = example_profiles()
    programs = [(p.name, p.id) for p in services.knowledge.programs.values()]
    first = next(iter(examples.values()), "{}")
    with gr.Tab("资格自测"):
        gr.Markdown(
            "填写或导入企业信息（金额单位：**万元**；年度数据按会计年度填写），选择项目后评估。"
        )
        with gr.Row():
            program = gr.Dropdown([("全部项目", ""), *programs], value="", label="申报项目")
            as_of = gr.Textbox(value=dt.date.today().isoformat(), label="评估日期（YYYY-MM-DD）")
            example = gr.Dropdown(list(examples), label="载入示例企业")
        profile = gr.Code(value=first, language="json", label="企业信息（JSON，可导入导出）")
        run = gr.Button("开始评估", variant="primary")
        verdicts = gr.Markdown()
        example.change(lambda name: examples.get(name, "{}"), example, profile)
        run.click(lambda p, t, d: run_check(services, p, t, d), [program, profile, as_of], verdicts)
    with gr.Tab("申报清单"):
        gr.Markdown("根据“资格自测”中的企业信息生成预填好的申报材料清单，可下载 Excel 和 Word。")
        list_program = gr.Dropdown(programs, value=programs[0][1], label="申报项目")
        make = gr.Button("生成清单", variant="primary")
        table = gr.Markdown()
        downloads = gr.File(label="下载", file_count="multiple")
        make.click(
            lambda p, t, d: run_checklist(services, p, t, d),
            [list_program, profile, as_of],
            [table, downloads],
        )
