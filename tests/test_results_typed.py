"""The result shapes declared in ``assistant.core.results`` are the shapes produced.

Each result (``check``, ``checklist``, ``match``, the calendar, a screening, a chat turn) is
compared, recursively, with its ``TypedDict``: every required key is there, no key is
undeclared, and each value has the declared type (a ``Literal`` holds one of its words).
Then mypy is run on a planted snippet that reads a wrong key, to show the declarations make
a wrong key an error.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import types
from typing import (
    Any,
    Literal,
    NotRequired,
    Required,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

import pytest

from assistant.application import Application
from assistant.config import PROJECT_ROOT, Settings
from assistant.core import results as shapes
from assistant.core.assessment import assess, assess_verdict, checklist
from assistant.core.knowledge import load_knowledge
from assistant.core.matching import match
from assistant.core.profile import validate_profile
from assistant.staff.columns import COLUMNS
from assistant.staff.screen import public, screen_file
from bench import clients
from tests.conftest import FIXTURE_KB, TESTS

DAYS = (dt.date(2026, 11, 22), dt.date(2026, 5, 1))
PROFILE_FILES = [
    path
    for folder in (TESTS / "data" / "profiles", PROJECT_ROOT / "assistant" / "web" / "examples")
    for path in sorted(folder.glob("*.json"))
    if path.name != "expected.json"  # the contract's expected verdicts, not a profile
]


def problems(value: Any, shape: Any, where: str = "$") -> list[str]:
    """Where ``value`` differs from the declared ``shape`` (empty: it conforms)."""
    origin = get_origin(shape)
    if origin in (NotRequired, Required):
        return problems(value, get_args(shape)[0], where)
    if is_typeddict(shape):
        return _object_problems(value, shape, where)
    if origin in (Union, types.UnionType):
        arms = [problems(value, arm, where) for arm in get_args(shape)]
        return [] if any(not arm for arm in arms) else min(arms, key=len)
    if origin is Literal:
        return [] if value in get_args(shape) else [f"{where}: {value!r} not in {shape}"]
    if origin in (list, dict):
        return _container_problems(value, origin, get_args(shape)[-1], where)
    return [] if _is_a(value, shape) else [f"{where}: {value!r} is not {shape}"]


def _object_problems(value: Any, shape: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: {type(value).__name__}, not a {shape.__name__} object"]
    declared = shape.__required_keys__ | shape.__optional_keys__
    found = [f"{where}: lacks '{k}'" for k in sorted(shape.__required_keys__ - set(value))]
    found += [f"{where}: undeclared '{k}'" for k in sorted(set(value) - declared)]
    hints = get_type_hints(shape, include_extras=True)
    for key in sorted(set(value) & declared):
        found += problems(value[key], hints[key], f"{where}.{key}")
    return found


def _container_problems(value: Any, kind: type, item: Any, where: str) -> list[str]:
    if not isinstance(value, kind):
        return [f"{where}: {type(value).__name__}, not a {kind.__name__}"]
    pairs = enumerate(value) if isinstance(value, list) else value.items()
    return [p for key, v in pairs for p in problems(v, item, f"{where}[{key!r}]")]


def _is_a(value: Any, shape: Any) -> bool:
    """A JSON scalar of the declared type (a bool is not a number; an int is a float)."""
    if shape is Any:
        return True
    if shape is type(None):
        return value is None
    if shape in (int, float):
        number = int if shape is int else int | float
        return isinstance(value, number) and not isinstance(value, bool)
    return isinstance(value, shape)


def test_the_checker_catches_a_missing_an_undeclared_and_a_mistyped_key():
    citation = {"document": "办法", "doc_no": None, "article": "第十一条", "source_id": "a"}
    assert problems(citation, shapes.Citation) == []
    assert problems({**citation, "page": 3}, shapes.Citation) == ["$: undeclared 'page'"]
    del citation["article"]
    assert problems(citation, shapes.Citation) == ["$: lacks 'article'"]
    row = {"id": "x", "status": "maybe", "missing": []}
    assert problems(row, shapes.ConditionStatus) == [f"$.status: 'maybe' not in {shapes.Status}"]


@pytest.fixture(scope="module")
def knowledge():
    return load_knowledge(PROJECT_ROOT / "knowledge")


@pytest.fixture(scope="module")
def profiles():
    return {
        f"{p.parent.name}/{p.name}": validate_profile(json.loads(p.read_text()))
        for p in PROFILE_FILES
    }


@pytest.mark.parametrize("day", DAYS, ids=str)
@pytest.mark.parametrize("kb", ["shipped", "fixture"])
def test_check_checklist_match_and_calendar_have_their_declared_shapes(kb, day, profiles, tmp_path):
    folder = PROJECT_ROOT / "knowledge" if kb == "shipped" else FIXTURE_KB
    k = load_knowledge(folder)
    settings = Settings(data_dir=tmp_path, knowledge_dir=folder, embeddings="hashing")
    app = Application(settings, knowledge=k)
    found: list[str] = []
    for name, profile in profiles.items():
        for program in k.rules:
            rules = k.rules[program]
            if rules.version_on(day) is None:
                continue
            found += problems(assess(k, program, profile, day), shapes.Assessment, name)
            verdict = assess_verdict(k, program, profile, day)
            found += problems(verdict, shapes.VerdictResult, name)
            if k.checklists.get(program):
                found += problems(checklist(k, program, profile, day), shapes.Checklist, name)
        found += problems(match(k, profile, day), shapes.MatchResult, name)
        found += problems(app.calendar(profile, day), shapes.CalendarResult, name)
    assert found == []


def test_the_shapes_cover_the_optional_keys_they_declare(knowledge, profiles):
    """The examples reach the optional keys too: a time gap's ``date``, a score's items
    within items, an unclosable gap without ``change``."""
    day = DAYS[0]
    gaps = [
        g
        for p in profiles.values()
        for r in match(knowledge, p, day)["programs"]
        for g in r["gaps"]
    ]
    assert any("date" in g for g in gaps)
    assert any("change" not in g for g in gaps)
    scores = [assess(knowledge, "hnte", p, day)["score"] for p in profiles.values()]
    assert any("items" in i for s in scores if s for i in s["items"])


def test_a_screening_has_its_declared_shape(knowledge, tmp_path):
    names = {p.id: p.name for p in knowledge.programs.values()}
    header, rows = clients.sheet_rows(clients.profiles(12, DAYS[1]), [2023, 2024, 2025], names)
    rows[3][[c.path for c in COLUMNS].index("employees")] = "很多"  # unreadable: an error
    path = clients.write_csv(tmp_path / "clients.csv", header, rows)
    result = screen_file(knowledge, path.read_bytes(), path.name, DAYS[1])
    assert result["companies"]
    assert result["errors"]
    assert problems(result, shapes.ScreenResult) == []
    assert problems(public(result), shapes.PublicScreenResult) == []
    saved = {**result, "saved": [1, 2]}
    assert public(saved)["saved"] == [1, 2]


QUESTIONS = [
    # a policy question (passage answer), an out-of-scope one (refusal), facts over turns,
    # an assessment, a condition question, a ranking, a traditional-script question
    ("研发投入要占营收多少才能评高企？", False),
    ("今天天气怎么样？", False),
    ("我们是济南的软件公司，2018年3月15日成立，职工120人，其中研发人员30人", True),
    ("去年营收4800万，前年4000万，大前年3500万，研发费用去年260万，前年220万，大前年190万", True),
    ("能评高企吗？", True),
    ("研发费用占比3.5%够吗？", True),
    ("我们能申请哪些项目？", True),
    ("高新技術企業的有效期是幾年？", False),
]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    settings = Settings(data_dir=tmp_path_factory.mktemp("typed"), embeddings="hashing")
    application = Application(settings)
    application.index_knowledge()
    return application


def test_every_act_of_a_chat_turn_has_the_declared_answer_shape(app):
    session = None
    acts = set()
    for question, same_session in QUESTIONS:
        answer = app.chat().ask(
            question, session_id=session if same_session else None, as_of=DAYS[0]
        )
        session = answer["session_id"]
        acts.add(answer["act"])
        assert problems(answer, shapes.Answer, question) == []
        served = app.ask(question, as_of=DAYS[0])
        assert problems(served, shapes.ServedAnswer, question) == []
    assert {"answer", "refusal", "facts", "assessment"} <= acts


def test_mypy_reports_a_wrong_key_read_from_an_assessment(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from assistant.core.results import Assessment\n"
        "\n"
        "\n"
        "def verdict(result: Assessment) -> str:\n"
        "    return result['verdict']\n"
        "\n"
        "\n"
        "def wrong(result: Assessment) -> object:\n"
        "    return result['verdikt']\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        # The project's own mypy settings (pyproject.toml: strict) apply from its root; a
        # cache of its own, since mypy replays a cached module's errors under its old path.
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-error-summary",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            str(planted),
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=600,
    )
    errors = [line for line in proc.stdout.splitlines() if ": error:" in line]
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert len(errors) == 1, proc.stdout
    assert errors[0].startswith(f"{planted}:9: error:"), errors[0]
    assert '"Assessment" has no key "verdikt"' in errors[0]
