"""Backup while the app writes, restore into a fresh data dir: the same answers and records."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from assistant.application import Application
from assistant.backup import backup, restore
from assistant.config import Settings
from assistant.errors import InputError
from assistant.review.promote import Correction
from assistant.store.accounts import User
from tests.conftest import FIXTURE_KB

QUESTION = "高新技术企业认定对研发费用比例有什么要求"


def _settings(tmp_path, name):
    return Settings(
        data_dir=tmp_path / name,
        knowledge_dir=FIXTURE_KB,
        embeddings="hashing",
        gold_dir=tmp_path / f"gold-{name}",
    )


def test_backup_while_writing_then_restore_gives_the_same_answers(tmp_path):
    services = Application(_settings(tmp_path, "live"))
    services.index_knowledge()
    accounts = services.accounts()
    accounts.add_user("wang", "staff", "a-long-secret-42")
    staff, evaluator = User("wang", "staff"), User("li", "evaluator")
    notice = "关于高新技术企业认定研发费用归集的补充通知：研发费用按实际发生额归集。".encode()
    services.ingest_upload(staff, "补充通知.txt", notice)
    chat = services.chat()
    first = chat.ask(QUESTION)
    message = services.review().store.answers(limit=1)[0].id
    services.review().grade(evaluator, message, "correct", "partly")
    services.review().promote(
        evaluator, message, Correction(QUESTION, "hnte", "threshold", [["研发费用"]], [])
    )
    templates = chat.templates
    assert templates is not None

    stop = threading.Event()
    written: list[int] = []

    def keep_writing() -> None:  # the app goes on working during the backup
        i = 0
        while not stop.is_set():
            row = templates.store.create(
                staff, {"title": f"模板{i}", "triggers": [f"问{i}"], "body": "答"}
            )
            written.append(row["id"])
            i += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        report = backup(services.settings, tmp_path / "backup")
    finally:
        stop.set()
        writer.join()
    assert written  # the backup really ran amid writes
    db = sqlite3.connect(tmp_path / "backup" / "assistant.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    assert [r["name"] for r in report["originals"]] == ["补充通知.txt"]

    fresh = _settings(tmp_path, "fresh")
    result = restore(fresh, tmp_path / "backup")
    assert result["failed"] == []
    restored = Application(fresh)
    restored.index.finish(1, "")
    again = restored.chat().ask(QUESTION)
    assert again["answer"] == first["answer"]
    assert [c["document"] for c in again["citations"]] == [
        c["document"] for c in first["citations"]
    ]
    titles = {d["title"] for d in _documents(restored)}
    assert titles == {d["title"] for d in _documents(services)}
    history = restored.chat().sessions.history(first["session_id"])
    assert history[0]["question"] == QUESTION
    assert restored.review().store.grade_of(message, "li") is not None
    promoted = (fresh.gold_dir / "promoted.yaml").read_text(encoding="utf-8")
    assert QUESTION in promoted
    assert restored.accounts().authenticate("wang", "a-long-secret-42") is not None


def _documents(services):
    return services.documents()


def test_restore_refuses_a_data_dir_in_use_and_a_folder_that_is_no_backup(tmp_path):
    settings = _settings(tmp_path, "used")
    Application(settings).accounts()  # creates the database
    with pytest.raises(InputError, match="not a backup folder"):
        restore(settings, tmp_path)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "manifest.json").write_text("{}")
    with pytest.raises(InputError, match="in use"):
        restore(settings, tmp_path / "b")
    with pytest.raises(InputError, match="not empty"):
        backup(settings, tmp_path / "b")


def test_backup_and_restore_commands(tmp_path, monkeypatch, capsys):
    import json

    from assistant.cli import main

    monkeypatch.setenv("ASSISTANT_EMBEDDINGS", "hashing")
    monkeypatch.setenv("ASSISTANT_KNOWLEDGE_DIR", str(FIXTURE_KB))
    monkeypatch.setenv("ASSISTANT_GOLD_DIR", str(tmp_path / "gold"))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "a"))
    Application(Settings()).accounts()
    assert main(["backup", str(tmp_path / "bk"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["database"] is True
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "b"))
    assert main(["restore", str(tmp_path / "bk"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["knowledge_documents"] > 0
    assert main(["restore", str(tmp_path / "bk")]) == 2  # b is in use now
