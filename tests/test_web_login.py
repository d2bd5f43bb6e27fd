"""Web logins and the pages behind them: redirects, roles, cookies, no secrets in clear, and
the staff/admin page handlers (real SQLite database, real chromadb with the hashing embedder)."""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.errors import AuthError, ForbiddenError
from assistant.store.accounts import User
from assistant.web import staff_pages
from assistant.web.app import create_app
from assistant.web.auth import SESSION_COOKIE, page_user, safe_next
from assistant.web.profile_form import score_chart_html
from tests.conftest import FIXTURE_KB

PASSWORDS = {"sara": "staff-secret-1", "eve": "review-secret-1", "ada": "admin-secret-1"}
HTML = {"accept": "text/html,application/xhtml+xml"}


@pytest.fixture(scope="module")
def app_env(tmp_path_factory):
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("login"), knowledge_dir=FIXTURE_KB, embeddings="hashing"
    )
    app = create_app(settings, index_in_background=False)
    services = app.state.services
    accounts = services.accounts()
    for name, role in (("sara", "staff"), ("eve", "evaluator"), ("ada", "admin")):
        accounts.add_user(name, role, PASSWORDS[name])
    return settings, app, services


def _client(app) -> TestClient:
    return TestClient(app, follow_redirects=False)


def _login(app, name: str, next_page: str = "/staff/") -> TestClient:
    client = _client(app)
    r = client.post("/login", data={"name": name, "password": PASSWORDS[name], "next": next_page})
    assert r.status_code == 303, r.text
    return client


@pytest.mark.parametrize("page", ["/staff/", "/review/", "/admin/"])
def test_pages_redirect_anonymous_browsers_to_login(app_env, page):
    _, app, _ = app_env
    r = _client(app).get(page, headers=HTML)
    assert r.status_code == 303
    assert r.headers["location"] == f"/login?next={page}"
    login = _client(app).get(r.headers["location"])
    assert login.status_code == 200
    assert "用户名" in login.text
    assert "密码" in login.text


@pytest.mark.parametrize(
    "path", ["/staff/gradio_api/queue/join", "/review/config", "/admin/gradio_api/info"]
)
def test_page_internals_refuse_anonymous_calls(app_env, path):
    _, app, _ = app_env
    client = _client(app)
    for method in ("get", "post"):
        r = getattr(client, method)(path)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("name", "allowed", "refused"),
    [
        ("sara", ["/staff/"], ["/review/", "/admin/"]),
        ("eve", ["/review/"], ["/staff/", "/admin/"]),
        ("ada", ["/staff/", "/review/", "/admin/"], []),
    ],
)
def test_each_role_opens_only_its_pages(app_env, name, allowed, refused):
    _, app, _ = app_env
    client = _login(app, name)
    for page in allowed:
        r = client.get(page, headers=HTML)
        assert r.status_code == 200, page
        assert "gradio" in r.text.lower()
    for page in refused:
        assert client.get(page, headers=HTML).status_code == 303
        r = client.post(f"{page}gradio_api/queue/join", json={})
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "forbidden"


def test_login_cookie_is_httponly_and_lax_and_logout_ends_it(app_env):
    _, app, _ = app_env
    client = _client(app)
    r = client.post("/login", data={"name": "sara", "password": PASSWORDS["sara"]})
    cookie = r.headers["set-cookie"]
    assert SESSION_COOKIE in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert r.headers["location"] == "/staff/"
    assert client.get("/staff/", headers=HTML).status_code == 200
    assert client.get("/logout").status_code == 303
    assert client.get("/staff/", headers=HTML).status_code == 303


def test_wrong_password_is_refused_and_audited_without_the_password(app_env, caplog):
    settings, app, services = app_env
    caplog.set_level(logging.DEBUG)
    r = _client(app).post("/login", data={"name": "sara", "password": "not-the-password-9"})
    assert r.status_code == 401
    assert "用户名或密码不对" in r.text
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
    log = services.accounts().audit_log(20)
    assert any(e["action"] == "login.failed" and e["target"] == "sara" for e in log)
    # Neither the wrong nor the right passwords appear in logs or anywhere in the database.
    assert "not-the-password-9" not in caplog.text
    _login(app, "ada")
    db = (settings.data_dir / "assistant.db").read_bytes()
    with sqlite3.connect(settings.data_dir / "assistant.db") as conn:
        dump = "\n".join(conn.iterdump())
    for secret in [*PASSWORDS.values(), "not-the-password-9"]:
        assert secret.encode() not in db
        assert secret not in dump
        assert secret not in caplog.text


def test_login_goes_to_a_page_the_role_may_open_and_never_off_site(app_env):
    _, app, _ = app_env
    r = _client(app).post(
        "/login", data={"name": "eve", "password": PASSWORDS["eve"], "next": "/staff/"}
    )
    assert r.headers["location"] == "/review/"
    r = _client(app).post(
        "/login", data={"name": "eve", "password": PASSWORDS["eve"], "next": "//evil.example/"}
    )
    assert r.headers["location"] == "/"
    assert safe_next("https://evil.example/") == "/"
    assert safe_next("/\\evil") == "/"
    assert safe_next("/review/?x=1") == "/review/?x=1"


def test_the_login_page_escapes_what_it_echoes(app_env):
    _, app, _ = app_env
    r = _client(app).get("/login", params={"next": '/staff/"><script>alert(1)</script>'})
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;" in r.text or "&quot;" in r.text


def test_sessions_expire(app_env):
    _, _, services = app_env
    accounts = services.accounts()
    value = accounts.start_session(User("sara", "staff"), hours=-1)
    assert accounts.user_for_session(value) is None
    fresh = accounts.start_session(User("sara", "staff"), hours=1)
    assert accounts.user_for_session(fresh) == User("sara", "staff")
    accounts.end_session(fresh)
    assert accounts.user_for_session(fresh) is None


class _FakeRequest:
    """What ``page_user`` reads from a ``gr.Request``: the underlying request's cookies."""

    def __init__(self, cookies: dict[str, str]) -> None:
        self.request = type("R", (), {"cookies": cookies})()


def test_page_user_checks_the_cookie_and_the_role(app_env):
    _, _, services = app_env
    with pytest.raises(AuthError):
        page_user(services, None, "staff")
    with pytest.raises(AuthError):
        page_user(services, _FakeRequest({SESSION_COOKIE: "sbs_forged"}), "staff")
    value = services.accounts().start_session(User("eve", "evaluator"), hours=1)
    request = _FakeRequest({SESSION_COOKIE: value})
    assert page_user(services, request, "evaluator", "admin") == User("eve", "evaluator")
    with pytest.raises(ForbiddenError):
        page_user(services, request, "staff", "admin")


def test_staff_handlers_refuse_other_roles(app_env):
    _, _, services = app_env
    evaluator = User("eve", "evaluator")
    staff = User("sara", "staff")
    for call in (
        lambda: staff_pages.document_table(services, evaluator),
        lambda: staff_pages.remove_document(services, evaluator, "x"),
        lambda: next(staff_pages.upload_documents(services, evaluator, [])),
        lambda: next(staff_pages.reindex(services, evaluator)),
        lambda: staff_pages.audit_table(services, staff),
        lambda: staff_pages.audit_export(services, staff),
        lambda: staff_pages.user_table(services, staff),
    ):
        with pytest.raises(ForbiddenError):
            call()


def test_knowledge_admin_upload_list_remove_and_reindex(app_env, tmp_path):
    _, _, services = app_env
    staff = User("sara", "staff")
    doc = tmp_path / "济南市新政策.md"
    doc.write_text("# 济南市新政策\n\n第一条 企业研发投入补助按研发费用的10%给予。\n", "utf-8")
    bad = tmp_path / "坏文件.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    steps = list(staff_pages.upload_documents(services, staff, [str(doc), str(bad)]))
    assert steps[0].startswith("正在处理 1/2")
    assert "济南市新政策.md：已添加" in steps[-1]
    assert "坏文件.pdf：失败" in steps[-1]
    table = staff_pages.document_table(services, staff, "新政策")
    assert "| 上传文件 |" in table
    assert "济南市新政策" in table
    assert dt.date.today().isoformat() in table  # the index date is shown
    row = next(line for line in table.splitlines() if "济南市新政策" in line)
    doc_id = row.split("|")[1].strip()
    assert "已删除" in staff_pages.remove_document(services, staff, doc_id)
    assert "济南市新政策" not in staff_pages.document_table(services, staff, "新政策")
    assert "未找到" in staff_pages.remove_document(services, staff, doc_id)
    progress = list(staff_pages.reindex(services, staff, poll=0.01))
    assert progress[-1].startswith("完成：就绪")
    actions = [e["action"] for e in services.accounts().audit_log(50) if e["user"] == "sara"]
    assert {"document.ingest", "document.remove", "knowledge.reindex"} <= set(actions)


def test_admin_sees_and_exports_the_audit_log(app_env):
    _, _, services = app_env
    admin = User("ada", "admin")
    services.accounts().audit(User("sara", "staff"), "template.create", "<b>x</b>|y")
    table = staff_pages.audit_table(services, admin, 50, "template")
    assert "template.create" in table
    assert "｜y" in table
    assert "login" not in table  # filtered by action
    path = staff_pages.audit_export(services, admin)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    assert text.startswith("\ufeff时间,用户,角色,操作,对象")
    assert "template.create" in text
    assert "audit.export" in [e["action"] for e in services.accounts().audit_log(5)]
    users = staff_pages.user_table(services, admin)
    assert "| `sara` | 员工 |" in users
    assert "scrypt" not in users


def test_score_chart_draws_the_sure_points_the_range_and_the_pass_line():
    result = {
        "program_name": "高新技术企业",
        "score": {
            "title": "创新能力",
            "total_min": 42,
            "total_max": 92,
            "max": 100,
            "pass_line": 71,
        },
    }
    svg = score_chart_html([result, {"program_name": "x", "score": None}])
    assert svg.count("<svg") == 1
    assert "42–92/100（线 71）" in svg
    assert 'fill="#2563eb"' in svg
    assert 'stroke="#dc2626"' in svg
    assert score_chart_html([{"program_name": "x", "score": None}]) == ""
