"""The command line, run as a user would: a real subprocess, real files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT
from tests.conftest import DOCS, FIXTURE_KB


@pytest.fixture
def run(tmp_path):
    env = dict(
        os.environ,
        ASSISTANT_DATA_DIR=str(tmp_path / "data"),
        ASSISTANT_EMBEDDINGS="hashing",
        ASSISTANT_KNOWLEDGE_DIR=str(FIXTURE_KB),
    )

    def _run(*args):
        return subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            timeout=120,
        )

    return _run


def test_programs_json_lists_id_name_issuer_and_rule_version(run):
    proc = run("programs", "--json", "--as-of", "2026-11-22")
    assert proc.returncode == 0, proc.stderr
    rows = {r["id"]: r for r in json.loads(proc.stdout)}
    assert rows["hnte"]["name"] == "高新技术企业认定"
    assert rows["hnte"]["issuer"] == "科技部 财政部 国家税务总局"
    assert rows["hnte"]["rules_version"] == "国科发火〔2016〕32号 (2016-01-01)"
    assert rows["hnte"]["effective"] == "2016-01-01"


def test_ingest_then_search_returns_cited_passages(run):
    assert run("ingest", str(DOCS / "hnte-measures-2016-32.txt")).returncode == 0
    proc = run("search", "申请高企要注册多久", "--json", "-k", "3")
    assert proc.returncode == 0, proc.stderr
    passages = json.loads(proc.stdout)["passages"]
    assert len(passages) == 3
    assert all({"document", "doc_no", "article", "source_id", "text"} <= set(p) for p in passages)
    assert any("一年以上" in p["text"] or "365" in p["text"] for p in passages)


def test_a_bad_file_exits_2_with_a_one_line_reason_and_the_rest_is_ingested(run, tmp_path):
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF broken")
    proc = run("ingest", str(bad), str(DOCS / "hnte-measures-2016-32.txt"), "--json")
    assert proc.returncode == 2
    out = json.loads(proc.stdout)
    assert out["failed"] == 1
    assert out["total_chunks"] > 0
    assert "bad.pdf" in proc.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("search", "高企条件", "--program", "gazelle", "--json"), "未知的项目编号 'gazelle'"),
        (("programs", "--as-of", "2026-02-30", "--json"), "YYYY-MM-DD"),
        (("frobnicate", "--json"), "invalid choice"),
        (("search", "", "--json"), "问题为空"),
    ],
)
def test_bad_input_exits_2_with_a_json_error(run, args, needle):
    proc = run(*args)
    assert proc.returncode == 2
    error = json.loads(proc.stdout)["error"]
    assert needle in error["message"]
    assert error["code"]
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_invalid_knowledge_is_reported_not_crashed(run, tmp_path):
    env_kb = tmp_path / "kb"
    env_kb.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "assistant", "programs", "--json"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
        env=dict(os.environ, ASSISTANT_KNOWLEDGE_DIR=str(env_kb)),
    )
    assert proc.returncode == 2
    assert "documents" in json.loads(proc.stdout)["error"]["message"]
