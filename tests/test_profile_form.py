"""The 资格自测 form: profile ⇄ form values, units, unknowns and errors (no browser)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from assistant.errors import InputError
from assistant.web.profile_form import (
    form_fields,
    form_groups,
    form_to_profile,
    form_years,
    profile_to_form,
)
from assistant.web.selfcheck import load_profile_file, merge_form, run_form_check
from tests.conftest import TESTS

PROFILE = json.loads((TESTS / "data" / "profiles" / "jinan_software.json").read_text())
YEARS = form_years(dt.date(2026, 11, 22))


def _values(profile):
    return profile_to_form(profile, YEARS)


def _set(values, path, value):
    index = [f.path for f in form_fields(YEARS)].index(path)
    values[index] = value
    return values


def test_the_form_covers_the_three_fiscal_years_in_wan_yuan():
    assert YEARS == [2023, 2024, 2025]
    groups = dict(form_groups(YEARS))
    money = groups["财务数据（单位：万元）"]
    assert len(money) == 30
    assert all(f.unit == "万元" for f in money)
    assert money[0].caption == "2023年营业收入（万元）"
    paths = [f.path for f in form_fields(YEARS)]
    assert len(paths) == len(set(paths))


def test_a_profile_round_trips_through_the_form_unchanged():
    assert form_to_profile(PROFILE, YEARS, _values(PROFILE)) == PROFILE


def test_form_edits_apply_and_everything_else_is_kept():
    base = {**PROFILE, "notes": "保留", "financials": {**PROFILE["financials"], "2019": {"x": 1}}}
    values = _set(_values(base), "employees", "300")
    values = _set(values, "financials.2025.revenue", "5,200.5")
    values = _set(values, "has_own_trademark", "否")
    values = _set(values, "sector", "制造业")
    out = form_to_profile(base, YEARS, values)
    assert out["employees"] == 300
    assert out["financials"]["2025"]["revenue"] == 5200.5
    assert out["has_own_trademark"] is False
    assert out["sector"] == "manufacturing"
    assert out["notes"] == "保留"
    assert out["financials"]["2019"] == {"x": 1}
    assert base["employees"] == PROFILE["employees"]  # the input is not modified


def test_an_emptied_field_becomes_unknown_not_zero():
    values = _set(_values(PROFILE), "tech_staff", "")
    values = _set(values, "ip.invention_patents", None)
    out = form_to_profile(PROFILE, YEARS, values)
    assert "tech_staff" not in out
    assert "invention_patents" not in out.get("ip", {})
    assert _values({})[0] is None  # an unknown field is shown empty
    # Qualifications: nothing ticked is unknown; 以上均无 is the explicit "none held".
    unticked = form_to_profile(PROFILE, YEARS, _set(_values(PROFILE), "qualifications", []))
    assert "qualifications" not in unticked
    assert _set(_values(PROFILE), "qualifications", None) != _values(PROFILE)
    assert _values(PROFILE)[[f.path for f in form_fields(YEARS)].index("qualifications")] == [
        "__none__"
    ]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("employees", "很多", "职工总数（人）：请填写数字"),
        ("employees", "12.5", "职工总数（人）：请填写整数"),
        ("registered_on", "2018/03/15", "注册成立日期：日期请写成 YYYY-MM-DD"),
    ],
)
def test_unreadable_fields_are_named(path, value, message):
    with pytest.raises(InputError, match=message.replace("（", "\\（").replace("）", "\\）")):
        form_to_profile(PROFILE, YEARS, _set(_values(PROFILE), path, value))


def test_merge_form_rejects_bad_json_and_the_wrong_field_count():
    with pytest.raises(InputError, match="不是有效的 JSON"):
        merge_form("{oops", "2026-11-22", _values(PROFILE))
    with pytest.raises(InputError, match="字段数不对"):
        merge_form("{}", "2026-11-22", [])


def test_the_form_check_uses_the_form_and_reports_the_score(settings_services):
    values = _set(_values(PROFILE), "tech_staff", "10")
    text, chart, merged = run_form_check(
        settings_services, "hnte", "2026-11-22", json.dumps(PROFILE), *values
    )
    assert json.loads(merged)["tech_staff"] == 10
    assert "科技人员" in text
    assert "不符合" in text
    assert "<svg" in chart
    assert "通过线" in chart
    bad, no_chart, kept = run_form_check(
        settings_services, "hnte", "2026-11-22", "{}", *_set(values, "employees", "x")
    )
    assert bad.startswith("**无法评估：**")
    assert no_chart == ""
    assert kept == "{}"


def test_importing_a_bad_profile_file_names_it_and_changes_nothing(tmp_path):
    bad = tmp_path / "企业.json"
    bad.write_text('{"employees": "many"}', encoding="utf-8")
    with pytest.raises(InputError, match=r"企业\.json"):
        load_profile_file(str(bad), "2026-11-22")
    good = tmp_path / "ok.json"
    good.write_text(json.dumps(PROFILE, ensure_ascii=False), encoding="utf-8")
    text, values, message = load_profile_file(str(good), "2026-11-22")
    assert json.loads(text) == PROFILE
    assert values == _values(PROFILE)
    assert "ok.json" in message


@pytest.fixture(scope="module")
def settings_services(tmp_path_factory):
    from assistant.application import Application
    from assistant.config import Settings

    return Application(Settings(data_dir=tmp_path_factory.mktemp("form"), embeddings="hashing"))


def test_the_qualifications_offered_are_the_knowledge_bases_titles():
    from assistant.config import PROJECT_ROOT
    from assistant.core.knowledge import PROGRAM_IDS, load_knowledge
    from assistant.core.names import title_choices

    knowledge = load_knowledge(PROJECT_ROOT / "knowledge")
    basic = dict(form_groups(YEARS, title_choices(knowledge)))["基本情况"]
    held = next(f for f in basic if f.path == "qualifications")
    ids = [stored for _, stored in held.choices]
    assert ids == [*PROGRAM_IDS, *knowledge.paths.titles, "__none__"]
    assert ("高新技术企业", "hnte") in held.choices  # the glossary's everyday name
    assert ("济南市高端品牌培育企业", "high_end_brand_city") in held.choices
