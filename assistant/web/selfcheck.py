"""UI tabs 资格自测 and 申报清单: a profile in, per-condition verdicts and checklists out.

Handlers are plain functions (tested without a browser); ``build_tabs`` wires them into
Gradio components.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.assessment import VERDICT_TEXT as BASE_VERDICT_TEXT
from assistant.core.assessment import assess, checklist
from assistant.core.names import title_choices
from assistant.core.profile import validate_profile
from assistant.core.results import Assessment, Gap, MatchResult
from assistant.errors import AssistantError, InputError
from assistant.web.profile_form import (
    YES_NO,
    FieldSpec,
    form_groups,
    form_to_profile,
    form_years,
    profile_to_form,
    score_chart_html,
)
from assistant.web.render import (
    CHECK_WORD,
    CONDITION_WORD,
    VERDICT_WORD,
    progress_html,
    status_html,
)

if TYPE_CHECKING:
    from assistant.application import Application

EXAMPLES = Path(__file__).parent / "examples"
VERDICT_TEXT = {k: f"{status_html(VERDICT_WORD[k])} {v}" for k, v in BASE_VERDICT_TEXT.items()}
MARK = {k: status_html(v) for k, v in CONDITION_WORD.items()}
CHECK_MARK = {k: status_html(v) for k, v in CHECK_WORD.items()}


def example_profiles() -> dict[str, str]:
    """Example profiles by company name (JSON text)."""
    out = {}
    for path in sorted(EXAMPLES.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        out[json.loads(text).get("name", path.stem)] = text
    return out


def parse_inputs(profile_text: str, as_of: str) -> tuple[Any, dt.date]:
    """Validate the profile JSON and the date typed into the form."""
    data = _json_object(profile_text)
    try:
        day = dt.date.fromisoformat(as_of.strip()) if as_of and as_of.strip() else dt.date.today()
    except ValueError as exc:
        raise InputError(f"评估日期 '{as_of}' 格式不对，请写成 YYYY-MM-DD") from exc
    return validate_profile(data), day


def _json_object(text: str) -> dict[str, Any]:
    """The profile JSON typed or imported into the page, as an object.

    Raises:
        InputError: not valid JSON (line and column named) or not an object.
    """
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise InputError(
            f"企业信息不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{exc.msg}"
        ) from exc
    if not isinstance(data, dict):
        raise InputError("企业信息 JSON 应是一个对象（{…}）")
    return data


def _cell(text: Any) -> str:
    return str(text or "").replace("|", "｜").replace("\n", " ")


def render_assessment(result: Assessment) -> str:
    """One assessment as Markdown: verdict, score, conditions table, questions."""
    lines = [
        f"### {result['program_name']}：{VERDICT_TEXT[result['verdict']]}",
        f"适用规则：{result['rules_version']}（评估日期 {result['as_of']}）",
    ]
    score = result["score"]
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
    lines += [f"> 注意：{w}" for w in result["warnings"]]
    return "\n".join(lines)


def gap_share(gap: Gap, profile: Any) -> float | None:
    """How far the company is towards closing a gap (current / needed), or None when the gap
    is not a figure of the profile."""
    change = gap.get("change") or {}
    delta = gap["delta"]
    if delta is None or not change or delta < 0:
        return None
    path, target = next(iter(change.items()))
    current = profile.get(path)
    if not isinstance(current, int | float) or not target:
        return None
    return max(0.0, min(1.0, float(current) / float(target)))


def progress_bar(gap: Gap, profile: Any) -> str:
    """The gap's progress bar (HTML), or '' when it has no figure to measure."""
    share = gap_share(gap, profile)
    return "" if share is None else progress_html(share, "已完成")


def render_ranking(match_result: MatchResult, profile: Any) -> str:
    """The 全部项目 view (HTML): one row per program, ranked, its gaps with progress bars and
    its paths inside the row."""
    rows = []
    for p in match_result["programs"]:
        items = [
            f"<li>{html.escape(g['text'])}<br>{progress_bar(g, profile)}</li>"
            if gap_share(g, profile) is not None
            else f"<li>{html.escape(g['text'])}</li>"
            for g in p["gaps"]
        ]
        items += [f"<li>路径：{html.escape(s['text'])}</li>" for s in p["path"]]
        items += [f"<li>捷径：{html.escape(s['text'])}</li>" for s in p["shortcuts"]]
        detail = f"<ul>{''.join(items)}</ul>" if items else "—"
        rows.append(
            f"<tr><td>{p['rank']}</td><td>{html.escape(p['program_name'])}</td>"
            f"<td>{VERDICT_TEXT[p['verdict']]}</td><td>{detail}</td></tr>"
        )
    return (
        "### 可申报项目排序（按接近程度）\n\n"
        '<table class="sbzs-rank"><thead><tr><th scope="col">排名</th>'
        '<th scope="col">项目</th><th scope="col">结论</th><th scope="col">差距与进度</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def run_check(services: Application, program: str, profile_text: str, as_of: str) -> str:
    """Handler of 开始评估 (全部项目: the ranking with gaps, then each assessment)."""
    try:
        profile, day = parse_inputs(profile_text, as_of)
        text, _ = check_report(services, program, profile, day)
    except AssistantError as exc:
        return f"**无法评估：** {exc}"
    return text


def check_report(
    services: Application, program: str, profile: Any, day: dt.date
) -> tuple[str, list[Assessment]]:
    """The 开始评估 Markdown and the assessments it shows (one program, or all ranked)."""
    from assistant.core.matching import match

    programs = [program] if program else list(services.knowledge.rules)
    results = [assess(services.knowledge, p, profile, day) for p in programs]
    if program:
        return "\n\n---\n\n".join(render_assessment(r) for r in results), results
    ranking = match(services.knowledge, profile, day)
    order = [p["program"] for p in ranking["programs"]]
    results.sort(key=lambda r: order.index(r["program"]))
    parts = [render_ranking(ranking, profile), *(render_assessment(r) for r in results)]
    return "\n\n---\n\n".join(parts), results


def run_checklist(
    services: Application, program: str, profile_text: str, as_of: str
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


def merge_form(profile_text: str, as_of: str, values: list[Any]) -> str:
    """The profile JSON with the form's fields applied (the JSON box keeps everything else).

    Raises:
        InputError: the JSON or a form field cannot be read.
    """
    base = _json_object(profile_text)
    merged = form_to_profile(base, form_years(_day(as_of)), values)
    return json.dumps(merged, ensure_ascii=False, indent=1)


def _day(as_of: str) -> dt.date:
    try:
        return dt.date.fromisoformat(as_of.strip()) if as_of and as_of.strip() else dt.date.today()
    except ValueError:
        return dt.date.today()


def run_form_check(
    services: Application, program: str, as_of: str, profile_text: str, *values: Any
) -> tuple[str, str, str]:
    """Handler of 开始评估 from the form: (verdicts Markdown, score chart, updated JSON)."""
    try:
        merged = merge_form(profile_text, as_of, list(values))
        profile, day = parse_inputs(merged, as_of)
        text, results = check_report(services, program, profile, day)
    except AssistantError as exc:
        return f"**无法评估：** {exc}", "", profile_text
    return text, score_chart_html(results), merged


def load_profile_file(path: str | None, as_of: str) -> tuple[str, list[Any], str]:
    """Handler of 导入 JSON: (JSON text, form values, message). A bad file changes nothing."""
    years = form_years(_day(as_of))
    if not path:
        return "{}", profile_to_form({}, years), ""
    name = Path(path).name
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))
        if not isinstance(data, dict):
            raise InputError("应是一个 JSON 对象（{…}）")
        validate_profile(data)
    except (json.JSONDecodeError, UnicodeDecodeError, AssistantError) as exc:
        raise InputError(f"文件 {name} 无法导入：{exc}") from exc
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text, profile_to_form(data, years), f"已导入 {name}"


def export_profile(profile_text: str, as_of: str, *values: Any) -> str:
    """Handler of 导出 JSON: the merged profile written to a temporary .json file."""
    merged = merge_form(profile_text, as_of, list(values))
    name = json.loads(merged).get("name") or "企业信息"
    safe = "".join(ch for ch in str(name) if ch.isalnum() or ch in "-_")[:40] or "profile"
    folder = Path(tempfile.mkdtemp(prefix="profile-"))
    target = folder / f"{safe}.json"
    target.write_text(merged, encoding="utf-8")
    return str(target)


def _form_components(
    years: list[int], initial: list[Any], titles: list[tuple[str, str]]
) -> list[Any]:
    """The grouped form fields (Gradio components, in :func:`form_fields` order)."""
    import gradio as gr

    components: list[Any] = []
    values = iter(initial)
    for title, fields in form_groups(years, titles):
        with gr.Accordion(title, open=title in ("基本情况", "人员", "财务数据（单位：万元）")):
            for start in range(0, len(fields), 4):
                with gr.Row():
                    components += [_component(f, next(values)) for f in fields[start : start + 4]]
    return components


def _component(spec: FieldSpec, value: Any) -> Any:
    import gradio as gr

    if spec.kind in ("int", "money", "number"):
        # A text box, not gr.Number: a number box shows and submits 0 for "not known", and an
        # unknown figure must stay unknown (it is asked for), never become 0.
        return gr.Textbox(label=spec.caption, value=value, placeholder="不知道可留空")
    if spec.kind == "multi":
        return gr.CheckboxGroup(choices=list(spec.choices), value=value, label=spec.caption)
    if spec.kind in ("bool", "choice"):
        shown = [label for label, _ in (spec.choices or YES_NO)]
        return gr.Dropdown(choices=shown, value=value, label=spec.caption)
    placeholder = "YYYY-MM-DD" if spec.kind == "date" else ""
    return gr.Textbox(label=spec.caption, value=value, placeholder=placeholder)


def build_tabs(services: Application) -> None:
    """Add the two tabs to the enclosing ``gr.Blocks``."""
    import gradio as gr

    examples = example_profiles()
    programs = [(p.name, p.id) for p in services.knowledge.programs.values()]
    today = dt.date.today()
    years = form_years(today)
    first = next(iter(examples.values()), "{}")
    with gr.Tab("资格自测"):
        gr.Markdown(
            "在表单中填写企业信息（金额单位：**万元**；年度数据按会计年度填写；不知道的留空），"
            "或载入示例、导入 JSON，选择项目后评估。"
        )
        with gr.Row():
            program = gr.Dropdown([("全部项目", ""), *programs], value="", label="申报项目")
            as_of = gr.Textbox(value=today.isoformat(), label="评估日期（YYYY-MM-DD）")
            example = gr.Dropdown(list(examples), label="载入示例企业")
        fields = _form_components(
            years, profile_to_form(json.loads(first), years), title_choices(services.knowledge)
        )
        with gr.Accordion("JSON 导入 / 导出", open=False):
            profile = gr.Code(value=first, language="json", label="企业信息（JSON）")
            with gr.Row():
                upload = gr.File(label="导入 JSON 文件", file_types=[".json"], type="filepath")
                export = gr.Button("导出 JSON")
                exported = gr.File(label="下载企业信息 JSON")
        run = gr.Button("开始评估", variant="primary")
        chart = gr.HTML()
        verdicts = gr.Markdown()
        _wire_selfcheck(services, years, locals())
    with gr.Tab("申报清单"):
        gr.Markdown("根据“资格自测”中的企业信息生成预填好的申报材料清单，可下载 Excel 和 Word。")
        # 高企 first: the recognition most owners come for (any program can be chosen)
        ids = [pid for _, pid in programs]
        default = "hnte" if "hnte" in ids else ids[0]
        list_program = gr.Dropdown(programs, value=default, label="申报项目")
        make = gr.Button("生成清单", variant="primary")
        table = gr.Markdown()
        downloads = gr.File(label="下载", file_count="multiple")

        def make_checklist(p: str, d: str, text: str, *values: Any) -> tuple[str, list[str]]:
            try:
                merged = merge_form(text, d, list(values))
            except AssistantError as exc:
                return f"**无法生成清单：** {exc}", []
            return run_checklist(services, p, merged, d)

        make.click(make_checklist, [list_program, as_of, profile, *fields], [table, downloads])


def _wire_selfcheck(services: Application, years: list[int], c: dict[str, Any]) -> None:
    """Events of the 资格自测 tab (``c``: its components by name)."""
    import gradio as gr

    examples = example_profiles()
    fields = c["fields"]

    def show_example(name: str) -> list[Any]:
        text = examples.get(name, "{}")
        return [text, *profile_to_form(json.loads(text), years)]

    def import_file(path: str | None, d: str) -> list[Any]:
        try:
            text, values, message = load_profile_file(path, d)
        except AssistantError as exc:
            return [gr.update(), *(gr.update() for _ in fields), f"**{exc}**"]
        return [text, *values, message]

    c["example"].change(show_example, c["example"], [c["profile"], *fields])
    c["upload"].upload(
        import_file, [c["upload"], c["as_of"]], [c["profile"], *fields, c["verdicts"]]
    )
    c["export"].click(
        _export,
        [c["profile"], c["as_of"], *fields],
        c["exported"],
    )
    c["run"].click(
        lambda p, d, text, *v: run_form_check(services, p, d, text, *v),
        [c["program"], c["as_of"], c["profile"], *fields],
        [c["verdicts"], c["chart"], c["profile"]],
    )


def _export(text: str, as_of: str, *values: Any) -> str:
    import gradio as gr

    try:
        return export_profile(text, as_of, *values)
    except AssistantError as exc:
        raise gr.Error(str(exc)) from exc
