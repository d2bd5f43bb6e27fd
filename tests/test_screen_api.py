"""``POST /api/screen``: staff and admin only, JSON (contract shape) or the workbook, saving to
the register, audited; bad files get a 400 naming the file."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from assistant.application import Application
from assistant.config import Settings
from assistant.core.knowledge import load_knowledge
from assistant.web.api import create_api
from bench import clients

AS_OF = dt.date(2026, 5, 1)


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return Application(
        Settings(data_dir=tmp_path_factory.mktemp("screen-api"), embeddings="hashing")
    )


@pytest.fixture(scope="module")
def client(services):
    return TestClient(create_api(services))


@pytest.fixture(scope="module")
def tokens(services):
    accounts = services.accounts()
    accounts.add_user("tina", "staff", "a-long-secret-1")
    accounts.add_user("eva", "evaluator", "a-long-secret-2")
    return {
        "staff": {"authorization": f"Bearer {accounts.create_token('tina')}"},
        "evaluator": {"authorization": f"Bearer {accounts.create_token('eva')}"},
        "anonymous": {},
    }


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    knowledge = load_knowledge(Settings().knowledge_dir)
    names = {p.id: p.name for p in knowledge.programs.values()}
    header, rows = clients.sheet_rows(clients.profiles(5, AS_OF, seed=2), [2023, 2024, 2025], names)
    rows[1][header.index("职工总数（人）")] = "不详"
    path = tmp_path_factory.mktemp("sheet") / "名单.xlsx"
    return clients.write_xlsx(path, header, rows).read_bytes()


def _post(client, headers, data, name="名单.xlsx", **params):
    return client.post(
        "/api/screen",
        params={"as_of": AS_OF.isoformat(), **params},
        files={"file": (name, data)},
        headers=headers,
    )


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("evaluator", 403)])
def test_only_staff_and_admins(client, tokens, sheet, who, status):
    assert _post(client, tokens[who], sheet).status_code == status


def test_json_result_has_the_contract_shape(client, tokens, sheet, services):
    r = _post(client, tokens["staff"], sheet)
    assert r.status_code == 200
    data = r.json()
    assert data["as_of"] == "2026-05-01"
    assert [c["row"] for c in data["companies"]] == [2, 3, 4, 5, 6]
    program = data["companies"][0]["programs"][0]
    assert {"program", "verdict", "rank", "failing", "unknown", "gaps"} <= set(program)
    assert "profile" not in data["companies"][0]
    [bad] = [e for e in data["errors"] if e["level"] == "error"]
    assert bad["row"] == 3
    assert bad["column"] == "职工总数（人）"
    assert services.accounts().audit_log(1)[0]["action"] == "screen.run"


def test_workbook_and_saving_to_the_register(client, tokens, sheet, services):
    r = _post(client, tokens["staff"], sheet, format="xlsx", save="true")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames[0] == "汇总"
    assert "错误与提示" in book.sheetnames
    saved = services.client_register().companies()
    assert len(saved) == 5
    assert {c["owner"] for c in saved} == {"tina"}
    actions = [row["action"] for row in services.accounts().audit_log(10)]
    assert "screen.export" in actions
    assert "client.save" in actions


def test_bad_files_are_400_naming_the_file(client, tokens):
    r = _post(client, tokens["staff"], b"\x00\x01not a workbook", name="坏文件.xlsx")
    assert r.status_code == 400
    assert "坏文件.xlsx" in r.json()["error"]["message"]
    r = _post(client, tokens["staff"], b"hello", name="a.pdf")
    assert r.status_code == 400
    assert ".xlsx 或 .csv" in r.json()["error"]["message"]
