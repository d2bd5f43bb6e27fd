"""Policy lives in knowledge/: no 文号, policy date or program name in the code's strings.

Every string literal of ``assistant/`` outside the engine and its loader (``assistant/core``,
which holds the rules' grammar and reads the data) is scanned for a 文号 (〔2026〕), an ISO
date and every program name of the glossary. Docstrings and comments are not scanned: they
describe, the user never sees them. What remains must be UI wording that states no policy,
each listed below with the reason; anything else belongs in knowledge/ and is read from there.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT
from assistant.core.knowledge import load_knowledge

PACKAGE = PROJECT_ROOT / "assistant"
EXEMPT = ("core/",)  # the engine and the knowledge loader: rules grammar, not chat or UI text

FORMAT_EXAMPLE = "an example of the date format asked for, not a date of any rule"
UI_EXAMPLE = "a sample question offered in the UI; the answer comes from knowledge/"
ALLOWED: dict[tuple[str, str], str] = {
    ("staff/columns.py", "2018-03-15"): FORMAT_EXAMPLE,
    ("staff/workbook.py", "2018-03-15"): FORMAT_EXAMPLE,
    ("web/profile_form.py", "2019-05-20"): FORMAT_EXAMPLE,
    ("web/screen_tab.py", "2026-05-01"): FORMAT_EXAMPLE,
    ("staff/forms.py", "高新技术企业认定"): (
        "the title of the 申请书 this module lays out cell by cell (the layout is code)"
    ),
    ("staff/forms.py", "科技型中小企业"): "the title of the 信息表 this module lays out",
    ("web/app.py", "高企"): UI_EXAMPLE,
    ("web/app.py", "科技型中小企业"): UI_EXAMPLE,
    ("web/app.py", "泉城好品"): UI_EXAMPLE,
    ("web/chat_tab.py", "高企"): UI_EXAMPLE,
    ("web/chat_tab.py", "科技型中小企业"): UI_EXAMPLE,
    ("web/chat_tab.py", "专精特新中小企业"): UI_EXAMPLE,
    ("web/chat_tab.py", "泉城好品"): UI_EXAMPLE,
}


def _policy_pattern() -> re.Pattern[str]:
    glossary = load_knowledge(PROJECT_ROOT / "knowledge").glossary
    names = {n for group in glossary.program_names.values() for n in group}
    words = sorted(names, key=len, reverse=True)  # the longest name is the one reported
    return re.compile(
        "|".join([r"〔\d{4}〕", r"(?<!\d)20\d\d-\d\d-\d\d(?!\d)", *map(re.escape, words)])
    )


def _docstrings(tree: ast.AST) -> set[int]:
    """Ids of the string constants that are docstrings or bare string statements."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def policy_literals(package: Path, pattern: re.Pattern[str]) -> list[tuple[str, int, str]]:
    """(path under the package, line, policy text found) for each string literal that
    states policy, except in the exempt folders and the allow-list."""
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel.startswith(EXEMPT):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
                continue
            if id(node) in docs:
                continue
            for hit in pattern.finditer(node.value):
                if (rel, hit.group(0)) not in ALLOWED:
                    found.append((rel, node.lineno, hit.group(0)))
    return found


@pytest.fixture(scope="module")
def pattern() -> re.Pattern[str]:
    return _policy_pattern()


def test_no_policy_is_written_in_the_code(pattern):
    assert policy_literals(PACKAGE, pattern) == []


def test_every_allowed_entry_is_still_needed(pattern):
    used = set()
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        for literal in pattern.findall(path.read_text(encoding="utf-8")):
            used.add((rel, literal))
    assert set(ALLOWED) <= used, set(ALLOWED) - used


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('NOTE = "2026-04-01起按工信部企业〔2026〕2号"\n', {"2026-04-01", "〔2026〕"}),
        ('def f():\n    return f"可申请{x}、好品山东"\n', {"好品山东"}),
        ('CHOICES = [("高新技术企业", "hnte")]\n', {"高新技术企业"}),
    ],
)
def test_a_planted_policy_string_is_found(tmp_path, pattern, source, expected):
    package = tmp_path / "assistant"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "chat" / "planted.py").write_text(
        f'"""A docstring may say 国科发火〔2016〕32号."""\n{source}', encoding="utf-8"
    )
    found = policy_literals(package, pattern)
    assert {text for rel, _, text in found if rel == "chat/planted.py"} == expected
    assert all(rel == "chat/planted.py" for rel, _, _ in found)
