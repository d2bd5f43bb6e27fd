"""The 批量筛查 / 客户名册 / 规则变化 handlers without a browser: progress then the summary and
the file, the register and a company's history, its pre-filled tables, the impact page, and
roles."""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from assistant.application import Application
from assistant.config import Settings
from assistant.errors import ForbiddenError
from assistant.store.accounts import User
from assistant.web import screen_tab
from bench import clients

STAFF = User("tina", "staff")


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return Application(
        Settings(data_dir=tmp_path_factory.mktemp("screen-tab"), embeddings="hashing")
    )


@pytest.fixture(scope="module")
def client_list(tmp_path_factory, services):
    names = {p.id: p.name for p in services.knowledge.programs.values()}
    day = dt.date(2026, 3, 1)
    header, rows = clients.sheet_rows(clients.profiles(12, day, seed=4), [2023, 2024, 2025], names)
    return clients.write_xlsx(tmp_path_factory.mktemp("list") / "名单.xlsx", header, rows)


def test_screening_yields_progress_then_summary_and_file(services, client_list):
    steps = list(screen_tab.run_screening(services, STAFF, str(client_list), "2026-03-01", True))
    assert all(file is None for _, file in steps[:-1])
    text, file = steps[-1]
    assert "完成" in text
    assert "筛查 12 家企业" in text
    assert "已保存到客户名册：12 家" in text
    assert load_workbook(file).sheetnames[0] == "汇总"


def test_nothing_uploaded_and_a_bad_date_are_explained(services, client_list):
    [(text, file)] = list(screen_tab.run_screening(services, STAFF, None))
    assert "请先选择" in text
    assert file is None
    *_, (text, file) = screen_tab.run_screening(services, STAFF, str(client_list), "明天")
    assert "筛查日期" in text
    assert file is None


def test_register_company_page_forms_and_impact(services, client_list):
    list(screen_tab.run_screening(services, STAFF, str(client_list), "2026-03-01", True))
    table = screen_tab.client_table(services, STAFF)
    assert "共 12 家企业" in table
    page = screen_tab.client_page(services, STAFF, 1)
    assert "评估历史" in page
    assert "2026-03-01" in page
    assert "未找到" in screen_tab.client_page(services, STAFF, 999)
    path = screen_tab.client_forms(services, STAFF, 1, "hnte", "xlsx", "2026-03-01")
    assert load_workbook(path).sheetnames[0] == "企业基本信息"
    text, report = screen_tab.impact_page(services, STAFF, "srdi_sme", "2026-03-01")
    assert "2026-04-01" in text
    assert "名册中" in text
    assert report.endswith(".xlsx")
    actions = {r["action"] for r in services.accounts().audit_log(50)}
    assert {"screen.run", "screen.export", "client.save", "forms.export", "impact.run"} <= actions


def test_template_download(services):
    path = screen_tab.template_file(services, STAFF, "2026-05-01")
    headers = [c.value for c in load_workbook(path)["企业名单"][1]]
    assert "2025年营业收入（万元）" in headers


@pytest.mark.parametrize(
    "call",
    [
        lambda s, u: screen_tab.client_table(s, u),
        lambda s, u: screen_tab.template_file(s, u),
        lambda s, u: list(screen_tab.run_screening(s, u, None)),
        lambda s, u: screen_tab.impact_page(s, u, "srdi_sme"),
    ],
)
def test_evaluators_may_not(services, call):
    with pytest.raises(ForbiddenError):
        call(services, User("eva", "evaluator"))
