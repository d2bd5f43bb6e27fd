"""Batch screening with real files written here: xlsx with the template's Chinese headers,
csv with field paths, a hand-made sheet with merged headers; amounts in 元 where 万元 was
expected, a missing column, unreadable cells. Every company's result must equal ``match``
(and the ``check`` condition statuses) on the same profile; the errors name row and column.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest
from openpyxl import Workbook, load_workbook

from assistant.cli import main
from assistant.config import PROJECT_ROOT
from assistant.core.assessment import assess
from assistant.core.knowledge import load_knowledge
from assistant.core.matching import match
from assistant.core.profile import validate_profile
from assistant.staff.screen import public, screen_file
from assistant.staff.workbook import VERDICT_FILL, VERDICT_WORD, write_result
from bench import clients

AS_OF = dt.date(2026, 5, 1)
YEARS = [2023, 2024, 2025]
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(KNOWLEDGE_DIR)


@pytest.fixture(scope="module")
def names(knowledge):
    return {p.id: p.name for p in knowledge.programs.values()}


def expected_programs(knowledge, data):
    """What match and check say for one profile (the reference for a screened row)."""
    profile = validate_profile(copy.deepcopy(data))
    out = []
    for row in match(knowledge, profile, AS_OF)["programs"]:
        checked = assess(knowledge, row["program"], profile, AS_OF)
        out.append(
            {
                "program": row["program"],
                "verdict": row["verdict"],
                "rank": row["rank"],
                "gaps": row["gaps"],
                "failing": [c["id"] for c in checked["conditions"] if c["status"] == "fail"],
                "unknown": [c["id"] for c in checked["conditions"] if c["status"] == "unknown"],
            }
        )
    return out


def got_programs(company):
    keys = ("program", "verdict", "rank", "gaps", "failing", "unknown")
    return [{k: p[k] for k in keys} for p in company["programs"]]


def _drop(data, path):
    *parents, key = path.split(".")
    node = data
    for part in parents:
        node = node[part]
    node.pop(key, None)


def test_xlsx_with_chinese_headers_yuan_a_missing_column_and_bad_cells(tmp_path, knowledge, names):
    profiles = clients.profiles(12, AS_OF, seed=7)
    header, rows = clients.sheet_rows(profiles, YEARS, names)
    expected = copy.deepcopy(profiles)
    for data in expected:  # an empty cell is unknown, not "none held"
        if not data["qualifications"]:
            del data["qualifications"]
    # a missing column: no 科技人员数
    gone = header.index("科技人员数（人）")
    header.pop(gone)
    for row in rows:
        row.pop(gone)
    for data in expected:
        data.pop("tech_staff")
    # a whole column in 元, declared in its header
    rd_2024 = header.index("2024年研发费用（万元）")
    header[rd_2024] = "2024年研发费用（元）"
    for row in rows:
        row[rd_2024] = round(row[rd_2024] * 10_000)
    # one cell typed in 元 in a 万元 column (row 3 of the sheet = second company)
    revenue = header.index("2025年营业收入（万元）")
    rows[1][revenue] = profiles[1]["financials"]["2025"]["revenue"] * 10_000
    # unreadable cells: words for a number, a yes/no nobody can read
    rows[3][header.index("职工总数（人）")] = "一百多人"
    _drop(expected[3], "employees")
    incident = header.index("近一年重大安全、质量事故或严重环境违法（是/否）")
    rows[4][incident] = "不清楚"
    _drop(expected[4], "compliance.major_incident_last_year")
    path = clients.write_xlsx(tmp_path / "客户名单.xlsx", header, rows)

    result = screen_file(knowledge, path.read_bytes(), path.name, AS_OF, workers=1)

    assert [c["row"] for c in result["companies"]] == list(range(2, 14))
    for company, data in zip(result["companies"], expected, strict=True):
        assert company["profile"] == data, company["row"]
        assert got_programs(company) == expected_programs(knowledge, data), company["row"]
    errors = {(e["row"], e["letter"], e["level"]): e for e in result["errors"]}
    letter = clients_letter(revenue)
    converted = errors[(3, letter, "warning")]  # the 元 cell, converted and reported
    assert converted["column"] == "2025年营业收入（万元）"  # the header as the sheet shows it
    assert "像是按元填写" in converted["message"]
    assert errors[(1, clients_letter(rd_2024), "warning")]["column"] == "2024年研发费用（元）"
    assert errors[(5, clients_letter(header.index("职工总数（人）")), "error")]
    assert errors[(6, clients_letter(incident), "error")]["column"].startswith("近一年重大")
    [missing] = [e for e in result["errors"] if e["column"] == "科技人员数（人）"]
    assert missing["row"] == 1
    assert "缺少此列" in missing["message"]


def clients_letter(index):
    from assistant.staff.intake import column_letter

    return column_letter(index)


def test_csv_with_field_path_headers_equals_match(tmp_path, knowledge):
    profiles = clients.profiles(8, AS_OF, seed=11)
    paths = ["name", "registered_on", "sector", "employees", "tech_staff", "ip.invention_patents"]
    paths += ["ip.utility_models", "ip.software_copyrights", "qualifications"]
    paths += [f"financials.{y}.{k}" for y in YEARS for k in ("revenue", "rd_expense")]
    rows = []
    expected = []
    for data in profiles:
        row, keep = [], {}
        for path in paths:
            node = data
            for part in path.split("."):
                node = node[part]
            value = "、".join(node) if path == "qualifications" else node
            row.append(value)
            if path != "qualifications" or node:
                _set(keep, path, node)
        rows.append(row)
        expected.append(keep)
    path = clients.write_csv(tmp_path / "clients.csv", paths, rows)

    result = screen_file(knowledge, path.read_bytes(), path.name, AS_OF, workers=1)

    assert not [e for e in result["errors"] if e["level"] == "error"]
    for company, data in zip(result["companies"], expected, strict=True):
        assert company["profile"] == data
        assert got_programs(company) == expected_programs(knowledge, data)


def test_csv_in_gb18030_with_semicolons(tmp_path, knowledge):
    text = (
        "企业名称;职工总数（人）;科技人员数（人）;2025年营业收入（万元）\n济南丙有限公司;60;9;800\n"
    )
    path = tmp_path / "excel-export.csv"
    path.write_bytes(text.encode("gb18030"))
    result = screen_file(knowledge, path.read_bytes(), path.name, AS_OF, workers=1)
    [company] = result["companies"]
    assert company["profile"] == {
        "name": "济南丙有限公司",
        "employees": 60,
        "tech_staff": 9,
        "financials": {"2025": {"revenue": 800}},
    }


def _set(data, path, value):
    *parents, key = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[key] = value


def test_hand_made_sheet_with_a_title_row_and_merged_headers(tmp_path, knowledge):
    book = Workbook()
    sheet = book.active
    sheet["A1"] = "2026年度重点培育企业名单（高新区）"
    sheet.merge_cells("A1:F1")
    for col, label in zip(
        "ABCF", ("企业名称", "职工总数（人）", "科技人员数（人）", "成立日期"), strict=False
    ):
        sheet[f"{col}2"] = label
        sheet.merge_cells(f"{col}2:{col}3")
    sheet["D2"] = "2025年"
    sheet.merge_cells("D2:E2")
    sheet["D3"] = "营业收入（万元）"
    sheet["E3"] = "研发费用（万元）"
    sheet.append(["济南甲科技有限公司", 80, 20, 3000, 180, dt.datetime(2019, 6, 1)])
    sheet.append(["济南乙软件有限公司", "45人", 4, "1,200", "60万", "2021/3/9"])
    path = tmp_path / "手工名单.xlsx"
    book.save(path)

    result = screen_file(knowledge, path.read_bytes(), path.name, AS_OF, workers=1)

    first, second = result["companies"]
    assert (first["row"], second["row"]) == (4, 5)
    assert first["profile"] == {
        "name": "济南甲科技有限公司",
        "employees": 80,
        "tech_staff": 20,
        "financials": {"2025": {"revenue": 3000, "rd_expense": 180}},
        "registered_on": "2019-06-01",
    }
    assert second["profile"]["employees"] == 45
    assert second["profile"]["financials"]["2025"] == {"revenue": 1200, "rd_expense": 60}
    assert second["profile"]["registered_on"] == "2021-03-09"
    for company in (first, second):
        assert got_programs(company) == expected_programs(knowledge, company["profile"])
    notes = " ".join(e["message"] for e in result["errors"])
    assert "标题" in notes
    assert "多行表头" in notes


def test_a_merged_cell_in_a_one_row_header_does_not_eat_the_first_company(tmp_path, knowledge):
    book = Workbook()
    sheet = book.active
    sheet.append(["企业名称", "职工总数（人）", "备注", None])
    sheet.merge_cells("C1:D1")
    sheet.append(["济南丁有限公司", 30, "老客户", "2024年走访"])
    sheet.append(["济南戊有限公司", 40, None, None])
    path = tmp_path / "one-row.xlsx"
    book.save(path)
    result = screen_file(knowledge, path.read_bytes(), path.name, AS_OF, workers=1)
    assert [c["name"] for c in result["companies"]] == ["济南丁有限公司", "济南戊有限公司"]
    assert [c["row"] for c in result["companies"]] == [2, 3]


def test_every_profile_field_has_a_column():
    from assistant.core.profile import PROFILE_PATHS, YEAR_FIELDS
    from assistant.staff.columns import COLUMNS, YEAR_COLUMNS, resolve

    paths = {c.path for c in COLUMNS}
    assert PROFILE_PATHS - {"st_award"} <= paths
    assert {c.path.rsplit(".", 1)[1] for c in YEAR_COLUMNS} == set(YEAR_FIELDS)
    for column in COLUMNS:
        assert resolve(column.header()).path == column.path
        assert resolve(column.path).path == column.path
    for column in YEAR_COLUMNS:
        assert resolve(column.header(2021)).path == column.field(2021)
        assert resolve(column.field(2031)).path == column.field(2031)


def test_a_bad_row_never_stops_the_others(tmp_path, knowledge):
    header = ["企业名称", "职工总数（人）", "科技人员数（人）", "成立日期", "不认识的列"]
    rows = [
        ["好企业甲", 100, 20, "2019-01-01", "x"],
        ["科技人员比职工多", 10, 30, "2020-01-01", None],
        [None, None, None, "不是日期", None],
        ["好企业乙", 50, 10, "2018-05-05", None],
        [None, 30, 5, "2019-01-01", None],
    ]
    path = clients.write_xlsx(tmp_path / "bad.xlsx", header, rows)

    result = screen_file(knowledge, path.read_bytes(), path.name, AS_OF, workers=1)

    names = [c["name"] for c in result["companies"]]
    assert names == ["好企业甲", "科技人员比职工多", "好企业乙", None]
    middle = result["companies"][1]
    assert "tech_staff" not in middle["profile"]  # rejected by the profile validator, reported
    by_row = {}
    for e in result["errors"]:
        by_row.setdefault(e["row"], []).append(e)
    assert any(e["letter"] == "C" and "tech_staff" in e["message"] for e in by_row[3])
    assert any(e["column"] == "科技人员数（人）" for e in by_row[3])
    assert any(e["letter"] == "D" and "日期" in e["message"] for e in by_row[4])
    assert any("没有可识别的数据" in e["message"] for e in by_row[4])
    assert any("不能保存到客户名册" in e["message"] for e in by_row[6])
    assert any(e["column"] == "不认识的列" and "无法识别的列名" in e["message"] for e in by_row[1])


def test_result_workbook_summary_programs_and_errors(tmp_path, knowledge, names):
    profiles = clients.profiles(6, AS_OF, seed=3)
    header, rows = clients.sheet_rows(profiles, YEARS, names)
    rows[2][header.index("职工总数（人）")] = "很多"
    path = clients.write_xlsx(tmp_path / "list.xlsx", header, rows)
    result = screen_file(knowledge, path.read_bytes(), path.name, AS_OF, workers=1)
    out = write_result(knowledge, result, tmp_path / "result.xlsx")

    book = load_workbook(out)
    summary = book["汇总"]
    assert summary.auto_filter.ref  # filterable
    programs = [summary.cell(1, c).value for c in range(3, 3 + len(knowledge.rules))]
    assert set(programs) == {knowledge.programs[p].name for p in knowledge.rules}
    for r, company in enumerate(result["companies"], 2):
        for c, name in enumerate(programs, 3):
            row = next(p for p in company["programs"] if p["program_name"] == name)
            cell = summary.cell(r, c)
            assert cell.value == VERDICT_WORD[row["verdict"]]
            assert cell.fill.fgColor.rgb.endswith(VERDICT_FILL[row["verdict"]])
    hnte = book[knowledge.programs["hnte"].name]
    assert [c.value for c in hnte[1]][:4] == ["行号", "企业名称", "结论", "排名"]
    errors = book["错误与提示"]
    rows_out = [[c.value for c in r] for r in errors.iter_rows(min_row=2)]
    bad = [r for r in rows_out if r[0] == 4]
    assert bad
    assert bad[0][1:3] == [clients_letter(header.index("职工总数（人）")), "职工总数（人）"]
    assert "数字" in bad[0][3]


def test_parallel_workers_give_the_same_result(tmp_path, knowledge, names):
    profiles = clients.profiles(90, AS_OF, seed=5)
    header, rows = clients.sheet_rows(profiles, YEARS, names)
    path = clients.write_csv(tmp_path / "many.csv", header, rows)
    serial = screen_file(knowledge, path.read_bytes(), path.name, AS_OF, workers=1)
    seen = []
    parallel = screen_file(
        knowledge,
        path.read_bytes(),
        path.name,
        AS_OF,
        knowledge_dir=KNOWLEDGE_DIR,
        workers=2,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert public(parallel) == public(serial)
    assert seen[-1] == (90, 90)


def test_cli_screen_json_template_and_bad_file(tmp_path, monkeypatch, capsys, knowledge, names):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    template = tmp_path / "模板.xlsx"
    assert main(["screen", "--template", str(template), "--as-of", "2026-05-01"]) == 0
    headers = [c.value for c in load_workbook(template)["企业名单"][1]]
    assert "2025年营业收入（万元）" in headers
    assert "职工总数（人）" in headers
    capsys.readouterr()
    # the template's own example row is not a company
    assert main(["screen", str(template), "--json"]) == 2
    assert "没有企业数据" in json.loads(capsys.readouterr().out)["error"]["message"]

    header, rows = clients.sheet_rows(clients.profiles(3, AS_OF), YEARS, names)
    book = load_workbook(template)
    sheet = book["企业名单"]
    assert [c.value for c in sheet[1]] == header
    for row in rows:
        sheet.append(row)
    book.save(template)
    out = tmp_path / "结果.xlsx"
    code = main(["screen", str(template), "--as-of", "2026-05-01", "--out", str(out), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["as_of"] == "2026-05-01"
    assert len(data["companies"]) == 3
    first = data["companies"][0]
    assert first["row"] == 3
    assert set(first["programs"][0]) >= {
        "program",
        "verdict",
        "rank",
        "failing",
        "unknown",
        "gaps",
    }
    assert out.exists()
    assert main(["audit", "--json"]) == 0
    actions = [r["action"] for r in json.loads(capsys.readouterr().out)]
    assert "screen.run" in actions
    assert "screen.export" in actions

    assert main(["screen", str(template), "--out", str(tmp_path / "r.csv"), "--json"]) == 2
    assert ".xlsx" in json.loads(capsys.readouterr().out)["error"]["message"]
    bad = tmp_path / "名单.txt"
    bad.write_text("企业名称\n甲\n", encoding="utf-8")
    assert main(["screen", str(bad), "--json"]) == 2
    assert ".xlsx 或 .csv" in json.loads(capsys.readouterr().out)["error"]["message"]
