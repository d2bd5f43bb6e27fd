"""Profile validation: clear errors naming the field, and warnings for 元-looking figures."""

from __future__ import annotations

import json
import re

import pytest

from assistant.core.profile import PROFILE_PATHS, load_profile, validate_profile
from assistant.errors import FieldError, InputError
from tests.conftest import TESTS


@pytest.mark.parametrize(
    ("profile", "field"),
    [
        ({"employees": -5}, "'employees'"),
        ({"employees": "一百"}, "'employees'"),
        ({"tech_staff": 30, "employees": 20}, "'tech_staff'"),
        ({"registered_on": "2019/03/01"}, "'registered_on'"),
        ({"financials": {"2025": {"revenue": "4800万"}}}, "'financials.2025.revenue'"),
        ({"financials": {"2025": {"rd_expense": -3}}}, "'financials.2025.rd_expense'"),
        ({"financials": {"last year": {"revenue": 1}}}, "'financials.last year'"),
        ({"financials": [1, 2]}, "'financials'"),
        ({"ip": {"invention_patents": 1.5}}, "'ip.invention_patents'"),
        ({"compliance": {"bad_credit_3y": "no"}}, "'compliance.bad_credit_3y'"),
        ({"sector": "mining"}, "'sector'"),
        ({"market": {"share_pct": 120}}, "'market.share_pct'"),
        ({"st_award": {"level": "city"}}, "'st_award.level'"),
        ({"qualifications": "hnte"}, "'qualifications'"),
        ({"credit_code": "123"}, "'credit_code'"),
    ],
)
def test_invalid_fields_are_named_in_the_error(profile, field):
    with pytest.raises(FieldError) as err:
        validate_profile(profile)
    assert field in str(err.value)
    assert err.value.field == field.strip("'")
    # The reason is Chinese: the only Latin letters left are the field's path, the example
    # values and the JSON words a person types (true/false, national/provincial…).
    reason = re.sub(
        r"[A-Za-z_.]*(true|false|national|provincial|JSON|YYYY-MM-DD)", "", str(err.value)
    )
    assert re.search(r"[\u4e00-\u9fff]", err.value.reason)
    assert not re.search(r"\b(must|got|should|invalid|expected)\b", reason), reason


def test_negative_net_profit_is_allowed():
    assert validate_profile({"financials": {"2025": {"net_profit": -120}}}).warnings == ()


def test_figures_in_yuan_are_flagged_with_the_converted_value():
    profile = validate_profile({"financials": {"2025": {"revenue": 48_000_000}}})
    [warning] = profile.warnings
    assert warning.startswith("financials.2025.revenue")
    assert "4800" in warning


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "p.json"
    path.write_text('{"employees": 12,}', encoding="utf-8")
    with pytest.raises(InputError, match="第 1 行"):
        load_profile(path)


def test_a_profile_must_be_an_object():
    with pytest.raises(InputError, match="JSON 对象"):
        validate_profile([1, 2])


def test_profile_paths_match_the_contract_schema():
    schema = json.loads((TESTS / "data" / "company_profile.schema.json").read_text())
    paths = set()
    for name, spec in schema["properties"].items():
        if name == "financials":
            continue
        props = spec.get("properties")
        if props and name not in ("st_award",):
            paths |= {f"{name}.{k}" for k in props}
        else:
            paths.add(name)
    assert paths == set(PROFILE_PATHS)
