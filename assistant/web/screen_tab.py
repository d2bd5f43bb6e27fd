"""Staff tabs 批量筛查, 客户名册 and 规则变化 of the 员工工作台.

批量筛查: download the input template, upload a client list, watch the progress, download the
result workbook, optionally save the companies to the register. 客户名册: the saved companies,
a company's page with its assessment history, and its pre-filled application tables.
规则变化: for a program's future or recent rules version, who in the register falls out or
gets in, and which answer templates go stale (exportable).

Handlers are plain functions ``(services, user, ...)`` tested without a browser;
:func:`build_tabs` wires them into Gradio. This module does not postpone annotations: Gradio
reads the ``gr.Request`` parameter of the wiring functions at runtime.
"""

import datetime as dt
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.results import ScreenResult
from assistant.errors import AssistantError, ForbiddenError

if TYPE_CHECKING:
    from assistant.application import Application, User

STAFF = ("staff", "admin")
POLL_SECONDS = 0.5


def _allow(user: "User") -> None:
    if user.role not in STAFF:
        raise ForbiddenError(f"角色 {user.role} 无权使用批量筛查")


def _day(text: str) -> dt.date:
    from assistant.errors import InputError

    text = (text or "").strip()
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"筛查日期「{text}」格式不对，请写作 2026-05-01") from exc


def _cell(value: Any) -> str:
    return str(value if value not in (None, "") else "—").replace("|", "｜").replace("\n", " ")


def template_file(services: "Application", user: "User", as_of: str = "") -> str:
    """The input template (path of a fresh file)."""
    from assistant.staff.workbook import write_template

    _allow(user)
    folder = Path(tempfile.mkdtemp(prefix="screen-template-"))
    return str(write_template(folder / "批量筛查模板.xlsx", _day(as_of)))


def summary_markdown(result: ScreenResult) -> str:
    """The screening at a glance: per program how many companies got each verdict, then
    the errors (row, column, what is wrong)."""
    from assistant.staff.workbook import VERDICT_WORD

    lines = [
        f"**完成：** 筛查 {len(result['companies'])} 家企业（筛查日 {result['as_of']}），"
        f"错误与提示 {len(result['errors'])} 条。",
        "",
        "| 项目 | 符合 | 需评审 | 待补充 | 不符合 |",
        "|---|---|---|---|---|",
    ]
    names = {p["program"]: p["program_name"] for c in result["companies"] for p in c["programs"]}
    for program, counts in result["summary"].items():
        cells = " | ".join(str(counts.get(v, 0)) for v in VERDICT_WORD)
        lines.append(f"| {names.get(program, program)} | {cells} |")
    if result["errors"]:
        lines += ["", "| 行号 | 列 | 问题 |", "|---|---|---|"]
        lines += [
            f"| {e['row']} | {_cell((e['letter'] + ' ' if e['letter'] else '') + e['column'])} | "
            f"{_cell(e['message'])} |"
            for e in result["errors"][:50]
        ]
        if len(result["errors"]) > 50:
            lines.append(f"\n其余 {len(result['errors']) - 50} 条见下载文件的「错误与提示」表。")
    if result.get("saved") is not None:
        lines.append(f"\n已保存到客户名册：{len(result['saved'])} 家。")
    return "\n".join(lines)


def run_screening(
    services: "Application", user: "User", path: str | None, as_of: str = "", save: bool = False
) -> Iterator[tuple[str, str | None]]:
    """Screen an uploaded list in a thread, yielding (progress text, result file or None)."""
    from assistant.web.screen_api import result_workbook, screen_upload

    _allow(user)
    if not path:
        yield "请先选择要筛查的企业名单（.xlsx 或 .csv），可下载模板填写。", None
        return
    source = Path(path)
    state: dict[str, Any] = {"done": 0, "total": 0}

    def progress(done: int, total: int) -> None:
        state["done"], state["total"] = done, total

    def work() -> None:
        try:
            day = _day(as_of)
            state["result"] = screen_upload(
                services, user, source.name, source.read_bytes(), day, save=save, progress=progress
            )
            state["file"] = str(result_workbook(services, user, state["result"]))
        except AssistantError as exc:
            state["error"] = str(exc)
        except OSError as exc:
            state["error"] = f"无法读取上传的文件（{exc.strerror}）"

    worker = threading.Thread(target=work, daemon=True, name="screening")
    worker.start()
    while worker.is_alive():
        if state["total"]:
            yield f"正在筛查：{state['done']}/{state['total']} 家企业 …", None
        else:
            yield f"正在读取「{source.name}」…", None
        worker.join(POLL_SECONDS)
    if "error" in state:
        yield f"**筛查失败：** {state['error']}", None
        return
    yield summary_markdown(state["result"]), state["file"]


def client_table(services: "Application", user: "User", query: str = "") -> str:
    """The saved companies (newest change first); ``query`` filters by name or code."""
    _allow(user)
    rows = services.client_register().companies()
    needle = query.strip()
    if needle:
        rows = [r for r in rows if needle in r["name"] or needle in r["credit_code"]]
    if not rows:
        return "（客户名册中还没有企业：批量筛查时勾选「保存到客户名册」）"
    lines = [
        f"共 {len(rows)} 家企业。",
        "",
        "| 编号 | 企业名称 | 信用代码 | 评估次数 | 最近评估日 | 负责人 |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['id']} | {_cell(r['name'])} | {_cell(r['credit_code'])} | {r['assessments']} | "
        f"{_cell(r['last_as_of'])} | {_cell(r['owner'])} |"
        for r in rows
    ]
    return "\n".join(lines)


def client_page(services: "Application", user: "User", company_id: float | None) -> str:
    """A company's page: its latest profile figures and its assessment history."""
    from assistant.staff.workbook import VERDICT_WORD

    _allow(user)
    if not company_id:
        return "请填写客户编号（见上表第一列）。"
    try:
        company = services.client_register().company(int(company_id))
    except AssistantError as exc:
        return f"**未找到：** {exc}"
    lines = [
        f"### {_cell(company['name'])}",
        "",
        f"信用代码：{_cell(company['credit_code'])} · 负责人：{company['owner']} · "
        f"首次保存：{company['created'][:10]} · 最近更新：{company['updated'][:10]}",
        "",
        "#### 评估历史",
    ]
    for h in company["history"]:
        lines += [
            "",
            f"**{h['as_of']}**（{h['owner']} 于 {h['saved'][:16]} 保存，"
            f"来源：{_cell(h['source'])}）",
            "",
            "| 排名 | 项目 | 结论 | 最小差距 |",
            "|---|---|---|---|",
        ]
        for p in sorted(h["programs"], key=lambda p: p["rank"]):
            gaps = "；".join(g["text"] for g in p.get("gaps", [])[:3])
            lines.append(
                f"| {p['rank']} | {_cell(p['program_name'])} | {VERDICT_WORD[p['verdict']]} | "
                f"{_cell(gaps)} |"
            )
    return "\n".join(lines)


def client_forms(
    services: "Application",
    user: "User",
    company_id: float | None,
    program: str,
    fmt: str,
    as_of: str,
) -> str | None:
    """The company's pre-filled application tables as a file (audited as an export)."""
    from assistant.core.profile import validate_profile
    from assistant.staff.forms import build_forms, write_docx, write_xlsx

    _allow(user)
    if not company_id:
        return None
    company = services.client_register().company(int(company_id))
    profile = validate_profile(company["profile"])
    forms = build_forms(services.knowledge, program, profile, _day(as_of))
    folder = Path(tempfile.mkdtemp(prefix="forms-"))
    suffix = "docx" if fmt == "docx" else "xlsx"
    target = folder / f"{forms['form']}-{company['name'] or company['id']}.{suffix}"
    (write_docx if suffix == "docx" else write_xlsx)(forms, target)
    services.accounts().audit(user, "forms.export", f"{program} {company['name']}")
    return str(target)


def impact_page(
    services: "Application", user: "User", program: str, as_of: str = ""
) -> tuple[str, str | None]:
    """The impact of the program's future or recent rule switches on the register, and the
    report workbook."""
    from assistant.staff.impact import report_text, write_xlsx

    _allow(user)
    try:
        report = services.impact(program, _day(as_of))
    except AssistantError as exc:
        return f"**无法分析：** {exc}", None
    services.accounts().audit(
        user,
        "impact.run",
        program,
        affected=sum(len(s["companies"]) for s in report["switches"]),
    )
    folder = Path(tempfile.mkdtemp(prefix="impact-"))
    path = write_xlsx(report, folder / f"规则变化影响-{program}.xlsx")
    services.accounts().audit(user, "impact.export", path.name)
    return report_text(report), str(path)


def build_tabs(services: "Application") -> None:
    """The three tabs, inside the staff page's Blocks."""
    import gradio as gr

    from assistant.staff.forms import FORM_PROGRAMS
    from assistant.web.auth import STAFF as ROLES
    from assistant.web.auth import gradio_user

    with gr.Tab("批量筛查"):
        gr.Markdown(
            "上传企业名单（.xlsx 或 .csv，每行一家企业），逐家对照全部项目给出结论、排名、"
            "不符合和待补充的条件以及最小差距；结果可下载为 Excel。金额以万元填写。"
        )
        with gr.Row():
            upload = gr.File(
                label="企业名单",
                file_types=[".xlsx", ".csv"],
                type="filepath",
                elem_id="screen-upload",
            )
            with gr.Column():
                as_of = gr.Textbox(label="筛查日期（留空为今天）", placeholder="2026-05-01")
                save = gr.Checkbox(label="保存到客户名册", value=False)
                start = gr.Button("开始筛查", variant="primary")
                get_template = gr.Button("下载筛查模板")
        progress = gr.Markdown(elem_id="screen-progress")
        result_file = gr.File(label="筛查结果（Excel）", elem_id="screen-result")
        template_out = gr.File(label="筛查模板")

        def screen(path: str | None, day: str, keep: bool, request: gr.Request) -> Iterator[Any]:
            user = gradio_user(services, request, ROLES)
            yield from run_screening(services, user, path, day, keep)

        def template(day: str, request: gr.Request) -> str:
            return template_file(services, gradio_user(services, request, ROLES), day)

        start.click(screen, [upload, as_of, save], [progress, result_file])
        get_template.click(template, as_of, template_out)

    with gr.Tab("客户名册") as register_tab:
        with gr.Row():
            query = gr.Textbox(label="按名称或信用代码筛选", scale=3)
            refresh = gr.Button("刷新", scale=1)
        table = gr.Markdown()
        with gr.Row():
            company_id = gr.Number(label="客户编号", precision=0, scale=1)
            show = gr.Button("查看企业", scale=1)
            program = gr.Dropdown(
                label="预填申报表",
                choices=[(name, pid) for pid, name in FORM_PROGRAMS.items()],
                value="hnte",
                scale=2,
            )
            fmt = gr.Radio(label="格式", choices=["xlsx", "docx"], value="xlsx", scale=1)
            make_forms = gr.Button("生成预填表", scale=1)
        page = gr.Markdown()
        forms_file = gr.File(label="预填申报表")

        def list_clients(q: str, request: gr.Request) -> str:
            return client_table(services, gradio_user(services, request, ROLES), q)

        def show_client(cid: float | None, request: gr.Request) -> str:
            return client_page(services, gradio_user(services, request, ROLES), cid)

        def forms(cid: float | None, prog: str, kind: str, request: gr.Request) -> str | None:
            try:
                return client_forms(
                    services, gradio_user(services, request, ROLES), cid, prog, kind, ""
                )
            except AssistantError as exc:
                raise gr.Error(str(exc)) from exc

        register_tab.select(list_clients, query, table)
        refresh.click(list_clients, query, table)
        query.submit(list_clients, query, table)
        show.click(show_client, company_id, page)
        make_forms.click(forms, [company_id, program, fmt], forms_file)

    with gr.Tab("规则变化"):
        gr.Markdown(
            "选择项目，查看将来或近期生效的新规则下，客户名册中哪些企业不再符合、哪些新符合、"
            "因哪一条件变化，以及哪些答复模板需复核。"
        )
        with gr.Row():
            ruled = [
                p for p in services.knowledge.programs.values() if p.id in services.knowledge.rules
            ]
            impact_program = gr.Dropdown(
                label="项目",
                choices=[(p.name, p.id) for p in ruled],
                value=next(
                    (p.id for p in ruled if p.id == "srdi_sme"), ruled[0].id if ruled else None
                ),
            )
            impact_day = gr.Textbox(label="分析日期（留空为今天）")
            analyse = gr.Button("分析影响", variant="primary")
        impact_text = gr.Markdown()
        impact_file = gr.File(label="影响报告（Excel）")

        def impact(prog: str, day: str, request: gr.Request) -> tuple[str, str | None]:
            return impact_page(services, gradio_user(services, request, ROLES), prog, day)

        analyse.click(impact, [impact_program, impact_day], [impact_text, impact_file])
