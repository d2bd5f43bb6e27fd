"""Sessions, accounts, tokens and the audit log on SQLite and on a real PostgreSQL.

PostgreSQL runs when ``ASSISTANT_TEST_DATABASE_URL`` is set (``.ci/run`` starts one with
scripts/postgres.sh); locally without it, those cases are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid

import pytest

from assistant.config import Settings
from assistant.store.accounts import AccountStore
from assistant.store.db import SessionStore, make_engine

PG_URL = os.environ.get("ASSISTANT_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path):
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("no PostgreSQL: set ASSISTANT_TEST_DATABASE_URL (.ci/run does)")
        return Settings(data_dir=tmp_path, database_url=PG_URL)
    return Settings(data_dir=tmp_path)


def test_sessions_persist_across_engines(settings):
    sid = f"s-{uuid.uuid4().hex}"
    SessionStore(make_engine(settings)).save_turn(
        sid,
        "能评高企吗",
        {"answer": "……", "refused": False},
        {"employees": 120},
        {"kind": "eligibility"},
    )
    again = SessionStore(make_engine(settings))  # a new process would do this
    facts, state = again.load(sid)
    assert facts == {"employees": 120}
    assert state["kind"] == "eligibility"
    assert again.history(sid)[0]["question"] == "能评高企吗"


def test_accounts_tokens_and_audit(settings):
    store = AccountStore(make_engine(settings))
    name = f"u{uuid.uuid4().hex[:8]}"
    store.add_user(name, "evaluator", "a-long-secret-42")
    assert store.authenticate(name, "a-long-secret-42").role == "evaluator"
    token = store.create_token(name)
    assert store.user_for_token(token).name == name
    assert store.user_for_token(token + "x") is None
    actions = [(e["user"], e["action"]) for e in store.audit_log(50)]
    assert (name, "token.create") in actions
    assert (name, "login") in actions
    login = store.start_session(store.authenticate(name, "a-long-secret-42"), hours=1)
    assert store.user_for_session(login).name == name
    store.end_session(login)
    assert store.user_for_session(login) is None


def test_the_schema_is_created_on_an_empty_database(settings):
    engine = make_engine(settings)
    from sqlalchemy import inspect

    tables = set(inspect(engine).get_table_names())
    assert {
        "chat_sessions",
        "chat_messages",
        "users",
        "api_tokens",
        "web_sessions",
        "audit_log",
        "meta",
    } <= tables


def test_concurrent_first_use_does_not_race_on_the_schema(settings):
    """Found under load: 20 first requests at once each created the tables."""
    import threading

    errors, engines = [], []

    def start():
        try:
            engines.append(make_engine(settings))
        except Exception as exc:  # the test is that none happens
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(engines) == 12


def test_services_build_the_stores_once_under_concurrency(tmp_path):
    import threading

    from assistant.application import Application

    services = Application(Settings(data_dir=tmp_path, embeddings="hashing"))
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(services.accounts())) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(s) for s in seen}) == 1
