"""``/api/templates``: staff-only routes, versions and diffs, import/export, errors."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient

from assistant.application import Application
from assistant.config import Settings
from assistant.web.api import create_api
from tests.test_templates import HNTE_RD, SRDI_RD


@pytest.fixture(scope="module")
def services(tmp_path_factory):
    return Application(Settings(data_dir=tmp_path_factory.mktemp("tpl-api"), embeddings="hashing"))


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


ROUTES = [
    ("get", "/api/templates", None),
    ("get", "/api/templates/1", None),
    ("get", "/api/templates/1/diff?from=1&to=1", None),
    ("get", "/api/templates/export", None),
    ("get", "/api/templates/recent-answers", None),
    ("post", "/api/templates", HNTE_RD),
    ("put", "/api/templates/1", HNTE_RD),
    ("post", "/api/templates/1/approve", None),
    ("post", "/api/templates/1/retire", None),
    ("post", "/api/templates/import", {"templates": [SRDI_RD]}),
    ("post", "/api/templates/from-answer", {"message_id": 1}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("evaluator", 403)])
def test_every_route_needs_a_staff_token(client, tokens, services, method, path, body, who, status):
    before = len(services.accounts().audit_log(1000))
    r = client.request(method, path, json=body, headers=tokens[who])
    assert r.status_code == status
    assert r.json()["error"]["code"] == ("unauthorized" if status == 401 else "forbidden")
    actions = [e["action"] for e in services.accounts().audit_log(1000)]
    assert len(actions) == before
    assert not any(a.startswith("template.") for a in actions if who == "evaluator")


def test_create_edit_approve_diff_and_retire(client, tokens, services):
    staff = tokens["staff"]
    created = client.post("/api/templates", json=HNTE_RD, headers=staff).json()
    tid = created["id"]
    assert created["status"] == "draft"
    body = {**HNTE_RD, "body": HNTE_RD["body"] + "\n\n如有疑问请联系科技局。"}
    assert client.put(f"/api/templates/{tid}", json=body, headers=staff).json()["version"] == 2
    diff = client.get(f"/api/templates/{tid}/diff?from=1&to=2", headers=staff).json()["diff"]
    assert "+如有疑问请联系科技局。" in diff
    approved = client.post(f"/api/templates/{tid}/approve?as_of=2026-11-22", headers=staff).json()
    assert approved["status"] == "approved"
    shown = client.get(f"/api/templates/{tid}", headers=staff).json()
    assert [v["action"] for v in shown["versions"]] == ["create", "edit", "approve"]
    assert shown["versions"][0]["author"] == "tina"
    listed = client.get("/api/templates?status=approved", headers=staff).json()
    assert tid in [t["id"] for t in listed]
    found = client.get("/api/templates", params={"q": "研发费用"}, headers=staff).json()
    assert found[0]["id"] == tid
    assert found[0]["keyword"] is True
    assert client.post(f"/api/templates/{tid}/retire", headers=staff).json()["status"] == "retired"
    actions = [(e["user"], e["action"]) for e in services.accounts().audit_log(50)]
    for action in ("create", "edit", "approve", "retire"):
        assert ("tina", f"template.{action}") in actions


def test_bad_input_gets_400_naming_the_field(client, tokens):
    staff = tokens["staff"]
    r = client.post("/api/templates", json={**HNTE_RD, "articles": ["nope"]}, headers=staff)
    assert r.status_code == 400
    assert "unknown knowledge article id 'nope'" in r.json()["error"]["message"]
    r = client.post("/api/templates", json={"title": "x"}, headers=staff)
    assert r.status_code == 400
    assert "triggers" in r.json()["error"]["message"]
    assert client.get("/api/templates/99999", headers=staff).status_code == 400
    assert client.get("/api/templates?status=bogus", headers=staff).status_code == 400


def test_import_is_all_or_nothing_and_export_round_trips(client, tokens):
    staff = tokens["staff"]
    before = len(client.get("/api/templates", headers=staff).json())
    good = {**SRDI_RD, "title": "导入的模板一"}
    bad = {**SRDI_RD, "title": "导入的模板二", "articles": ["no-such-article"]}
    r = client.post(
        "/api/templates/import",
        content=json.dumps({"templates": [good, bad]}, ensure_ascii=False).encode(),
        headers={**staff, "content-type": "application/json"},
    )
    assert r.status_code == 400
    assert "item 2 ('导入的模板二'): field 'articles'" in r.json()["error"]["message"]
    assert len(client.get("/api/templates", headers=staff).json()) == before
    r = client.post(
        "/api/templates/import",
        content=json.dumps([good], ensure_ascii=False).encode(),
        headers=staff,
    )
    assert r.json()["imported"] == 1
    exported = client.get("/api/templates/export?format=json", headers=staff)
    titles = [t["title"] for t in exported.json()["templates"]]
    assert "导入的模板一" in titles
    xlsx = client.get("/api/templates/export?format=xlsx", headers=staff)
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.title == "答复模板"
    assert "导入的模板一" in [row[1] for row in sheet.iter_rows(values_only=True)]
    again = client.post("/api/templates/import?format=xlsx", content=xlsx.content, headers=staff)
    assert again.status_code == 400  # the titles exist already
    assert "exists" in again.json()["error"]["message"]


def test_a_chat_answer_becomes_a_draft(client, tokens, services):
    staff = tokens["staff"]
    services.index_knowledge()
    answer = client.post("/api/ask", json={"question": "高企证书有效期几年？"}).json()
    assert answer["template_suggestions"] == []  # suggestions are for staff only
    for_staff = client.post(
        "/api/ask", json={"question": "高企证书有效期几年？"}, headers=staff
    ).json()
    assert for_staff["template_suggestions"]
    recent = client.get("/api/templates/recent-answers", headers=staff).json()
    latest = recent[0]
    assert latest["question"] == "高企证书有效期几年？"
    draft = client.post(
        "/api/templates/from-answer",
        json={"message_id": latest["message_id"], "title": "高企有效期"},
        headers=staff,
    ).json()
    assert draft["triggers"] == ["高企证书有效期几年？"]
    assert draft["body"] == answer["answer"].replace("{", "｛").replace("}", "｝")
    cited = [c["source_id"].removeprefix("kb-") for c in answer["citations"]]
    assert cited
    assert draft["articles"] == list(dict.fromkeys(c.split("#")[0] for c in cited))
    assert draft["status"] == "draft"
