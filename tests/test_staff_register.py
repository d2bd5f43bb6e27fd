"""The client register (SQLite and a real PostgreSQL) and the impact of a rule switch.

The impact report on a generated register must reproduce, company by company, what
``check --as-of`` says the day before the switch and on the switch date (专精特新 63号 → 2号 on
2026-04-01): every company whose verdict or failing conditions differ is listed with exactly
those verdicts and conditions, and no other company is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from assistant.cli import main
from assistant.config import PROJECT_ROOT, Settings
from assistant.core.knowledge import load_knowledge
from assistant.errors import ForbiddenError
from assistant.staff.register import ClientRegister
from assistant.store.accounts import AccountStore, User
from assistant.store.db import make_engine
from bench import clients

PG_URL = os.environ.get("ASSISTANT_TEST_DATABASE_URL")
SWITCH = dt.date(2026, 4, 1)
STAFF = User("zhang", "staff")


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request, tmp_path):
    if request.param == "postgres":
        if not PG_URL:
            pytest.skip("no PostgreSQL: set ASSISTANT_TEST_DATABASE_URL (.ci/run does)")
        return Settings(data_dir=tmp_path, database_url=PG_URL)
    return Settings(data_dir=tmp_path)


def test_register_keeps_every_assessment_and_audits(settings):
    engine = make_engine(settings)
    accounts = AccountStore(engine)
    register = ClientRegister(engine, accounts)
    name = f"济南测试{uuid.uuid4().hex[:8]}有限公司"
    programs = [{"program": "hnte", "program_name": "高企", "verdict": "eligible", "rank": 1}]
    first = register.save(STAFF, {"name": name, "employees": 10}, dt.date(2026, 3, 1), programs)
    again = register.save(
        STAFF, {"name": name, "employees": 12}, dt.date(2026, 5, 1), programs, "名单.xlsx 第2行"
    )
    assert first == again
    company = register.company(first)
    assert company["profile"] == {"name": name, "employees": 12}
    assert [h["as_of"] for h in company["history"]] == ["2026-05-01", "2026-03-01"]
    assert company["history"][1]["programs"] == programs
    assert company["history"][0]["source"] == "名单.xlsx 第2行"
    assert any(c["id"] == first and c["assessments"] == 2 for c in register.companies())
    assert [r["target"] for r in accounts.audit_log(2)] == [name, name]
    with pytest.raises(ForbiddenError):
        register.save(User("eva", "evaluator"), {"name": name}, dt.date(2026, 5, 1), [])


def _check(profile_file, day, capsys):
    assert (
        main(["check", "srdi_sme", "--profile", str(profile_file), "--as-of", day, "--json"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    return out["verdict"], [c["id"] for c in out["conditions"] if c["status"] == "fail"]


def test_impact_reproduces_check_the_day_before_and_on_the_switch(
    tmp_path, monkeypatch, capsys, knowledge
):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    # the same knowledge for every command run, loaded once (loading is most of a run's time)
    monkeypatch.setattr("assistant.core.knowledge.load_knowledge", lambda _dir: knowledge)
    settings = Settings(data_dir=tmp_path / "data")
    engine = make_engine(settings)
    register = ClientRegister(engine, AccountStore(engine))
    profiles = clients.profiles(30, dt.date(2026, 3, 1), seed=23)
    ids = {}
    for data in profiles:
        ids[register.save(STAFF, data, dt.date(2026, 3, 1), [])] = data
    # an approved answer template resting on the 63号 rules goes stale on the switch date
    from assistant.store.db import ensure_schema
    from assistant.templates.models import TemplateRow
    from assistant.templates.staleness import basis

    ensure_schema(engine)
    before_day = SWITCH - dt.timedelta(days=1)
    with Session(engine) as db, db.begin():
        db.add(
            TemplateRow(
                title="专精特新认定条件（63号）",
                triggers=["专精特新条件"],
                body="……",
                programs=["srdi_sme"],
                articles=[],
                status="approved",
                author="zhang",
                basis=basis(knowledge, [], ["srdi_sme"], before_day),
            )
        )

    out_file = tmp_path / "impact.xlsx"
    code = main(["impact", "srdi_sme", "--as-of", "2026-03-01", "--json", "--out", str(out_file)])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    [switch] = report["switches"]
    assert (switch["day_before"], switch["switch_date"]) == ("2026-03-31", "2026-04-01")
    assert "63号" in switch["old_version"]
    assert "2号" in switch["new_version"]
    listed = {r["id"]: r for r in switch["companies"]}

    for company_id, data in ids.items():
        path = tmp_path / f"p{company_id}.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        before = _check(path, "2026-03-31", capsys)
        after = _check(path, "2026-04-01", capsys)
        if before == after:
            assert company_id not in listed
            continue
        row = listed[company_id]
        assert (row["verdict_before"], row["failing_before"]) == before
        assert (row["verdict_after"], row["failing_after"]) == after
        newly = [c["id"] for c in row["newly_failing"]]
        assert newly == [c for c in after[1] if c not in before[1]]
    assert switch["unchanged"] + len(listed) == len(ids)
    assert any(r["change"] == "falls_out" for r in listed.values())
    assert [t["title"] for t in switch["stale_templates"]] == ["专精特新认定条件（63号）"]

    book = load_workbook(out_file)
    sheet = book["企业 2026-04-01"]
    assert sheet.max_row == len(listed) + 1
    assert main(["audit", "--json"]) == 0
    actions = [r["action"] for r in json.loads(capsys.readouterr().out)]
    assert "impact.run" in actions
    assert "impact.export" in actions


def test_impact_version_option_and_errors(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    assert main(["impact", "srdi_sme", "--version", "2026-04-01", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [s["switch_date"] for s in report["switches"]] == ["2026-04-01"]
    assert main(["impact", "hnte", "--as-of", "2026-05-01", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["switches"] == []
    assert main(["impact", "srdi_sme", "--version", "1999", "--json"]) == 2
    assert "no rules version" in json.loads(capsys.readouterr().out)["error"]["message"]
    assert main(["impact", "nope", "--json"]) == 2
    capsys.readouterr()
    assert main(["impact", "all", "--as-of", "2026-03-01", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    programs = {s["program"] for s in report["switches"]}
    assert {"srdi_sme", "little_giant", "innovative_sme"} <= programs
