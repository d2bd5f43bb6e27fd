"""``check`` and ``checklist`` on the command line: the contract examples, exports, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from assistant.config import PROJECT_ROOT
from tests.conftest import TESTS

PROFILES = TESTS / "data" / "profiles"
EXPECTED = json.loads((PROFILES / "expected.json").read_text())


def _run(*args, cwd=PROJECT_ROOT, data=None):
    env = dict(os.environ, ASSISTANT_DATA_DIR=str(data or PROJECT_ROOT / "data" / "cli-test"))
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize("case", EXPECTED["cases"], ids=lambda c: f"{c['profile']}-{c['program']}")
def test_contract_examples_get_their_verdicts(case):
    proc = _run(
        "check",
        case["program"],
        "--profile",
        str(PROFILES / case["profile"]),
        "--as-of",
        EXPECTED["as_of"],
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    failing = {c["id"] for c in out["conditions"] if c["status"] == "fail"}
    assert out["verdict"] == case["verdict"]
    assert set(case.get("failing", [])) <= failing
    assert {
        "program",
        "program_name",
        "as_of",
        "rules_version",
        "verdict",
        "conditions",
        "score",
        "missing_fields",
    } <= set(out)
    for cond in out["conditions"]:
        assert {
            "id",
            "title",
            "status",
            "actual",
            "required",
            "explanation",
            "missing",
            "citation",
        } <= set(cond)
        assert cond["citation"]["document"]
        assert cond["citation"]["article"]


def test_check_all_returns_a_list_with_every_program_that_has_rules():
    proc = _run(
        "check",
        "all",
        "--profile",
        str(PROFILES / "jinan_software.json"),
        "--as-of",
        "2026-11-22",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert isinstance(out, list)
    assert {"hnte", "tech_sme"} <= {r["program"] for r in out}


def test_score_bounds_are_reported_for_hnte():
    proc = _run(
        "check",
        "hnte",
        "--profile",
        str(PROFILES / "jinan_software.json"),
        "--as-of",
        "2026-11-22",
        "--json",
    )
    score = json.loads(proc.stdout)["score"]
    assert score["pass_line"] == 71
    assert score["total_min"] < 71 <= score["total_max"]


def test_checklist_exports_to_xlsx_and_docx(tmp_path):
    for fmt in ("xlsx", "docx"):
        out = tmp_path / f"c.{fmt}"
        proc = _run(
            "checklist",
            "hnte",
            "--profile",
            str(PROFILES / "jinan_software.json"),
            "--format",
            fmt,
            "--out",
            str(out),
        )
        assert proc.returncode == 0, proc.stderr
        assert out.stat().st_size > 1000


def test_checklist_json_has_the_contract_shape():
    proc = _run("checklist", "hnte", "--profile", str(PROFILES / "jinan_software.json"), "--json")
    out = json.loads(proc.stdout)
    assert set(out["summary"]) == {
        "ready",
        "prefilled",
        "missing",
        "needs_attention",
        "not_applicable",
    }
    assert {"id", "title", "status", "prefill", "notes", "citation"} <= set(out["items"][0])


@pytest.mark.parametrize(
    ("args", "content", "needle"),
    [
        (("check", "hnte"), "{not json", "不是有效的 JSON"),
        (("check", "gazelle"), "{}", "未知的项目编号 'gazelle'"),
        (("check", "hnte"), '{"employees": -3}', "字段 'employees' 须为不小于 0 的整数（现为 -3）"),
        (
            ("check", "hnte"),
            '{"financials": {"2025": {"rd_expense": -1}}}',
            "字段 'financials.2025.rd_expense' 不能为负数（现为 -1）",
        ),
        (("check", "hnte"), '{"employees": 10, "tech_staff": 20}', "不能多于职工总数"),
        (
            ("check", "hnte"),
            '{"financials": {"2025": {"revenue": "很多"}}}',
            "financials.2025.revenue",
        ),
        (("checklist", "hnte", "--format", "xlsx"), "{}", "needs --out"),
        (("check", "hnte", "--as-of", "2026-13-01"), "{}", "YYYY-MM-DD"),
    ],
)
def test_bad_input_exits_2_with_a_clear_json_error(tmp_path, args, content, needle):
    profile = tmp_path / "p.json"
    profile.write_text(content, encoding="utf-8")
    proc = _run(*args, "--profile", str(profile), "--json")
    assert proc.returncode == 2
    assert needle in json.loads(proc.stdout)["error"]["message"]
    assert "Traceback" not in proc.stderr


def test_a_missing_profile_file_is_named():
    proc = _run("check", "hnte", "--profile", "/nonexistent/p.json", "--json")
    assert proc.returncode == 2
    assert "/nonexistent/p.json" in json.loads(proc.stdout)["error"]["message"]


def test_yuan_figures_warn_on_stderr_and_on_the_condition(tmp_path):
    data = json.loads((PROFILES / "jinan_software.json").read_text())
    data["financials"]["2025"]["revenue"] = 48_000_000
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps(data), encoding="utf-8")
    proc = _run("check", "tech_sme", "--profile", str(profile), "--as-of", "2026-11-22", "--json")
    assert proc.returncode == 0
    assert "像是以元填写的金额" in proc.stderr
    size = next(
        c for c in json.loads(proc.stdout)["conditions"] if c["id"] == "tech_sme.enterprise_size"
    )
    assert size["status"] == "fail"
    assert size["warnings"]


def test_match_and_calendar_commands(tmp_path):
    proc = _run(
        "match",
        "--profile",
        str(PROFILES / "liaocheng_bearing.json"),
        "--as-of",
        "2026-11-22",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["as_of"] == "2026-11-22"
    hnte = next(p for p in out["programs"] if p["program"] == "hnte")
    assert {g["delta"] for g in hnte["gaps"]} == {6, 90}
    ics = tmp_path / "dates.ics"
    proc = _run(
        "calendar",
        "--profile",
        str(PROFILES / "jinan_software.json"),
        "--as-of",
        "2026-01-01",
        "--out",
        str(ics),
    )
    assert proc.returncode == 0, proc.stderr
    assert ics.read_text(encoding="utf-8").startswith("BEGIN:VCALENDAR")
