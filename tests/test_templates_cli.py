"""``python -m assistant templates …`` as a user runs it: subprocesses, files, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT
from tests.test_templates import HNTE_RD, SRDI_RD


@pytest.fixture
def run(tmp_path):
    env = dict(
        os.environ, ASSISTANT_DATA_DIR=str(tmp_path / "data"), ASSISTANT_EMBEDDINGS="hashing"
    )

    def _run(*args, stdin=None):
        return subprocess.run(
            [sys.executable, "-m", "assistant", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=PROJECT_ROOT,
            input=stdin,
            timeout=120,
        )

    return _run


@pytest.fixture
def users(run):
    for name, role in (("tina", "staff"), ("eva", "evaluator")):
        proc = run(
            "users", "add", name, "--role", role, "--password-stdin", stdin="a-long-secret-1\n"
        )
        assert proc.returncode == 0, proc.stderr


def test_add_approve_show_diff_export_and_audit(run, users, tmp_path):
    src = tmp_path / "t.json"
    src.write_text(json.dumps(HNTE_RD, ensure_ascii=False), encoding="utf-8")
    proc = run("templates", "add", str(src), "--user", "tina", "--json")
    assert proc.returncode == 0, proc.stderr
    tid = json.loads(proc.stdout)["id"]
    src.write_text(json.dumps({**HNTE_RD, "body": "新的正文：{企业名称}"}, ensure_ascii=False))
    # no edit command: a second add with the same title is refused
    dup = run("templates", "add", str(src), "--user", "tina", "--json")
    assert dup.returncode == 2
    assert "exists" in json.loads(dup.stdout)["error"]["message"]
    approved = run("templates", "approve", str(tid), "--user", "tina", "--as-of", "2026-11-22")
    assert approved.returncode == 0, approved.stderr
    assert "已审核" in approved.stdout
    shown = json.loads(run("templates", "show", str(tid), "--json").stdout)
    assert shown["status"] == "approved"
    assert [v["action"] for v in shown["versions"]] == ["create", "approve"]
    listed = run("templates", "list", "--status", "approved")
    assert HNTE_RD["title"] in listed.stdout
    assert "已审核" in listed.stdout
    out = tmp_path / "out.xlsx"
    assert run("templates", "export", str(out)).returncode == 0
    assert out.stat().st_size > 1000
    audit = json.loads(run("audit", "--json").stdout)
    assert {("tina", "template.create"), ("tina", "template.approve")} <= {
        (a["user"], a["action"]) for a in audit
    }


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["approve", "1"], "bad_input", "--user NAME"),
        (["approve", "1", "--user", "nobody"], "bad_input", "no such account"),
        (["approve", "1", "--user", "eva"], "forbidden", "may not change templates"),
        (["show", "abc"], "bad_input", "template id"),
        (["show", "42"], "bad_input", "no answer template with id 42"),
        (["diff", "1"], "bad_input", "--from N --to M"),
    ],
)
def test_bad_input_exits_2_with_a_json_error(run, users, args, code, needle):
    proc = run("templates", *args, "--json")
    assert proc.returncode == 2
    error = json.loads(proc.stdout)["error"]
    assert error["code"] == code
    assert needle in error["message"]


def test_a_malformed_import_names_the_item_and_imports_nothing(run, users, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps([HNTE_RD, {**SRDI_RD, "articles": ["srdi-sme-2099"]}], ensure_ascii=False),
        encoding="utf-8",
    )
    proc = run("templates", "import", str(bad), "--user", "tina", "--json")
    assert proc.returncode == 2
    message = json.loads(proc.stdout)["error"]["message"]
    assert "item 2 ('专精特新研发费用要求（2022版）'): field 'articles'" in message
    assert "srdi-sme-2099" in message
    assert json.loads(run("templates", "list", "--json").stdout) == []
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"templates": [HNTE_RD, SRDI_RD]}, ensure_ascii=False))
    proc = run("templates", "import", str(good), "--user", "tina", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["imported"] == 2
    diff = run("templates", "diff", "1", "--from", "1", "--to", "1")
    assert diff.returncode == 0
    assert "无差异" in diff.stdout
