"""A data directory on a real, small, full filesystem (a tmpfs mounted for the test): every
write that cannot fit (an upload's original, the index journal, the chunks, a template, a
review grade) answers a clear Chinese error saying to free space, nothing already stored is
damaged, and the same request succeeds once space is freed.

Mounting needs root (CAP_SYS_ADMIN), as CI runs; elsewhere the tests skip and say why.
"""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.application import Application
from assistant.config import PROJECT_ROOT, Settings
from assistant.search.ingest import file_doc_id
from assistant.web.api import create_api
from tests.conftest import FIXTURE_KB

PAGE = os.sysconf("SC_PAGE_SIZE")  # tmpfs hands out space in pages
SECRET = "a-long-secret-42"
EARLIER = (
    "聊城港口物流园区冷链仓储扩建通知\n\n园区将新建冷库两座，总库容八千吨，预计明年六月投入使用。\n"
)
LATER = (
    "济南数据中心液冷机房改造公告\n\n"
    + "\n\n".join(
        f"第{i}条 改造期间机房第{i}区的服务器迁至备用机房，液冷管路按设计压力试验合格后方可投用。"
        for i in range(1, 60)
    )
    + "\n"
)


@dataclass
class SmallDisk:
    """A mounted tmpfs and a filler file that takes whatever space is left."""

    path: Path

    @property
    def filler(self) -> Path:
        return self.path / "filler"

    def fill(self, leave_pages: int = 0) -> None:
        """Take every free page, then give ``leave_pages`` back."""
        fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for size in (1 << 20, PAGE, 1):
                try:
                    while os.write(fd, b"\0" * size):
                        pass
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
        finally:
            os.close(fd)
        if leave_pages:
            os.truncate(self.filler, max(0, self.filler.stat().st_size - leave_pages * PAGE))

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    where = tmp_path / "disk"
    where.mkdir()
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs Linux and root (CI runs as root)")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (no CAP_SYS_ADMIN?): {mounted.stderr.strip()}")
    try:
        yield SmallDisk(where)
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], check=False)


def _assert_disk_full_error(response: Any, what: str) -> None:
    assert response.status_code == 503, (what, response.status_code, response.text)
    error = response.json()["error"]
    assert error["code"] in ("storage_unavailable", "retrieval_unavailable"), error
    assert "磁盘已满" in error["message"], error
    assert "请清理磁盘空间" in error["message"], error


def _leftovers(data: Path) -> list[str]:
    """Temporary files and journals a failed write must not leave behind."""
    found = [*data.glob("uploads/.upload-*"), *data.glob("index/**/.journal-*")]
    return sorted(str(p.relative_to(data)) for p in found)


def _database_state(data: Path) -> dict[str, Any]:
    with sqlite3.connect(data / "assistant.db") as db:
        return {
            "integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
            "templates": db.execute(
                "SELECT id, title, version, body FROM answer_templates ORDER BY id"
            ).fetchall(),
            "versions": db.execute(
                "SELECT template_id, version FROM answer_template_versions ORDER BY id"
            ).fetchall(),
            "grades": db.execute(
                "SELECT message_id, evaluator, answer_grade, comment FROM review_grades"
                " ORDER BY message_id"
            ).fetchall(),
        }


def test_a_full_disk_refuses_uploads_templates_and_grades_clearly_and_loses_nothing(small_disk):
    data = small_disk.path / "data"
    settings = Settings(
        data_dir=data, knowledge_dir=FIXTURE_KB, embeddings="hashing", min_free_mb=1
    )
    services = Application(settings)
    services.index_knowledge()
    api = create_api(services)
    client = TestClient(api)
    accounts = services.accounts()
    accounts.add_user("sam", "staff", SECRET)
    accounts.add_user("eve", "evaluator", SECRET)
    staff = {"Authorization": f"Bearer {accounts.create_token('sam')}"}
    evaluator = {"Authorization": f"Bearer {accounts.create_token('eve')}"}

    def upload(name: str, text: str) -> Any:
        files = {"file": (name, text.encode("utf-8"), "text/plain")}
        return client.post("/api/documents", files=files, headers=staff)

    def top_source(question: str) -> str:
        hits = client.post("/api/search", json={"question": question, "k": 1})
        assert hits.status_code == 200, hits.text
        return str(hits.json()["passages"][0]["source_id"])

    def template(title: str) -> Any:
        body = {"title": title, "triggers": [f"{title}怎么办"], "body": "答复" * 2000}
        return client.post("/api/templates", json=body, headers=staff)

    def grade(message_id: int) -> Any:
        body = {
            "message_id": message_id,
            "answer_grade": "partly",
            "citation_grade": "correct",
            "comment": "引用的条款不全，缺少文号" * 50,
        }
        return client.post("/api/reviews", json=body, headers=evaluator)

    assert upload("earlier.txt", EARLIER).status_code == 200
    assert template("冷库扩建").status_code == 200
    for question in ("冷库扩建什么时候投入使用？", "高企认定需要哪些条件？"):
        assert client.post("/api/ask", json={"question": question}).status_code == 200
    queue = client.get("/api/reviews/queue?sample=10", headers=evaluator).json()
    first, second = sorted(q["message_id"] for q in queue)[:2]
    assert grade(first).status_code == 200
    store = services.search_stack().store
    earlier_id = file_doc_id(data / "uploads" / "earlier.txt")
    later_id = file_doc_id(data / "uploads" / "later.txt")
    from assistant.search.journal import inconsistencies

    documents = store.documents()
    database = _database_state(data)
    assert top_source("冷库总库容多少吨") == earlier_id

    # The disk full, then with a few pages free: the original does not fit, then it does
    # and the index write is refused before it starts (less than min_free_mb would be left).
    needed = -(-len(LATER.encode("utf-8")) // PAGE)
    refused: list[str] = []
    for leave in (0, needed, needed + 1, needed + 2, needed + 4, needed + 8):
        small_disk.free()
        small_disk.fill(leave)
        response = upload("later.txt", LATER)
        if response.status_code == 200:  # it fitted; that write is checked below like any
            break
        _assert_disk_full_error(response, f"upload with {leave} pages free")
        refused.append(response.json()["error"]["message"].split("：")[0])
        assert not (data / "uploads" / "later.txt").exists()  # never acknowledged, not kept
        assert _leftovers(data) == []
        assert inconsistencies(store) == []
        assert store.documents() == documents
        assert top_source("冷库总库容多少吨") == earlier_id
    assert refused[0] == "文件 'later.txt' 保存失败", refused
    assert set(refused[1:]) == {"文档索引失败"}, refused

    small_disk.free()
    small_disk.fill(0)
    _assert_disk_full_error(template("液冷改造"), "template")
    _assert_disk_full_error(grade(second), "grade")
    assert _database_state(data) == database
    assert top_source("冷库总库容多少吨") == earlier_id

    # Space freed: the very same requests succeed, in the same process.
    small_disk.free()
    later = upload("later.txt", LATER)
    assert later.status_code == 200, later.text
    assert later.json()["status"] == "added"
    assert template("液冷改造").status_code == 200
    assert grade(second).status_code == 200
    assert inconsistencies(store) == []
    assert list(data.glob("index/**/journal-*.json")) == []  # every failed write recovered
    now = store.documents()
    assert {k: v for k, v in now.items() if k in documents} == documents
    assert top_source("液冷管路压力试验") == later_id
    assert top_source("冷库总库容多少吨") == earlier_id
    after = _database_state(data)
    assert after["integrity"] == "ok"
    assert after["templates"][: len(database["templates"])] == database["templates"]
    assert len(after["templates"]) == len(database["templates"]) + 1
    assert len(after["grades"]) == len(database["grades"]) + 1


def _cli(data: Path, *args: str, min_free_mb: str = "1") -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        ASSISTANT_DATA_DIR=str(data),
        ASSISTANT_EMBEDDINGS="hashing",
        ASSISTANT_KNOWLEDGE_DIR=str(FIXTURE_KB),
        ASSISTANT_MIN_FREE_MB=min_free_mb,
    )
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


CHECK = """
import json
from assistant.config import Settings
from assistant.factory import build_search
from assistant.search.journal import inconsistencies
stack = build_search(Settings())
documents = stack.store.documents().items()
print(json.dumps({"problems": inconsistencies(stack.store),
                  "documents": {k: v.get("content_hash") for k, v in documents}}))
"""


def _index_state(data: Path) -> dict[str, Any]:
    """What a fresh process finds in the index (as after a restart, before any recovery)."""
    out = _cli_python(data, CHECK)
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _cli_python(data: Path, code: str) -> str:
    env = dict(
        os.environ,
        ASSISTANT_DATA_DIR=str(data),
        ASSISTANT_EMBEDDINGS="hashing",
        ASSISTANT_KNOWLEDGE_DIR=str(FIXTURE_KB),
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_ingest_on_a_full_disk_says_what_to_do_and_the_rerun_completes(small_disk, tmp_path):
    data = small_disk.path / "data"
    docs = tmp_path / "docs"  # the documents live elsewhere; only the data dir is full
    docs.mkdir()
    (docs / "earlier.txt").write_text(EARLIER, encoding="utf-8")
    (docs / "later.txt").write_text(LATER, encoding="utf-8")
    first = _cli(data, "ingest", str(docs / "earlier.txt"))
    assert first.returncode == 0, first.stderr[-2000:]
    before = _index_state(data)
    assert before["problems"] == []

    # With the free-space check, the write is refused before it starts; with it off
    # (ASSISTANT_MIN_FREE_MB=0), the journal and then chromadb's own store meet the full
    # disk. Each attempt is a fresh process, as a cron job or an operator would run it.
    stages: list[str] = []
    indexed = False
    for min_free_mb, leave in [("1", 0), ("1", 8), ("0", 0), ("0", 1), ("0", 2), ("0", 4)]:
        small_disk.free()
        small_disk.fill(leave)
        full = _cli(data, "ingest", "--json", str(docs / "later.txt"), min_free_mb=min_free_mb)
        if full.returncode == 0:  # it fitted
            indexed = True
            break
        assert full.returncode == 2, full.stderr[-2000:]
        assert "Traceback" not in full.stderr, full.stderr[-2000:]
        [line] = [x for x in full.stderr.splitlines() if x.startswith("error:")]
        assert "磁盘已满" in line, line
        assert "请清理磁盘空间" in line, line
        error = json.loads(full.stdout)["error"]
        assert error["code"] in ("storage_unavailable", "retrieval_unavailable"), error
        stages.append(error["message"].split("：")[0])
        small_disk.free()  # a fresh process needs room to start; the check writes nothing
        state = _index_state(data)
        assert state["problems"] == []
        assert state["documents"] == before["documents"]
    # Refused by the check with room to start; chromadb's own write failing with it off.
    # (With no room at all, whatever the command opens first fails: 命令 ingest 失败.)
    assert stages[1] == "文档索引失败", stages
    assert "知识库索引写入失败" in stages, stages

    small_disk.free()
    rerun = _cli(data, "ingest", "--json", str(docs / "later.txt"))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    status = json.loads(rerun.stdout)["results"][0]["status"]
    assert status == ("unchanged" if indexed else "added")
    after = _index_state(data)
    assert after["problems"] == []
    kept = {k: v for k, v in after["documents"].items() if k in before["documents"]}
    assert kept == before["documents"]
    assert len(after["documents"]) == len(before["documents"]) + 1
    assert list(data.glob("index/**/journal-*.json")) == []
