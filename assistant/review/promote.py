"""Promotion: a logged question, corrected by an evaluator, becomes a gold answer item.

The item is appended to ``<gold_dir>/promoted.yaml`` in exactly the format of
``eval/sets/answers/*.yaml`` (``eval/answers.py`` ``load_answer_set`` reads every ``*.yaml``
of the folder), with ``source: review #<message id> by <evaluator>`` so that the item can be
traced back to the chat turn and the person who vouched for it (quoted, since `` #`` would
start a YAML comment in a plain scalar):

.. code-block:: yaml

    - question: 研发费用占比要多少才能评高企？
      program: hnte
      kind: threshold
      must_contain: [["5%"], ["4%"], ["3%"]]
      must_cite: [hnte-rd-expense-ratio]
      refuse: false
      traditional: false
      source: "review #12 by alice"

Safety: the item is validated first (every problem reported at once, nothing written); the
new file text is parsed back and compared with the item before it replaces the old file
through a temporary file and ``os.replace`` (atomic on one filesystem), so a crash or a bad
string never leaves a half-written or unreadable gold set. Writers take a thread lock and an
exclusive ``flock`` on a lock file named after the folder in the temp directory, so two
processes promoting at the same instant are serialised too (the harness only reads).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assistant.core.knowledge import Knowledge
from assistant.core.text import fold_width
from assistant.errors import InputError

PROMOTED_FILE = "promoted.yaml"
# The kinds used by eval/sets/answers (eval/answers.py reports the pass rate per kind).
KINDS: tuple[str, ...] = (
    "threshold",
    "conditions",
    "eligibility",
    "procedure",
    "scoring",
    "statistics",
    "definition",
    "validity",
    "comparison",
    "benefits",
    "materials",
    "out_of_scope",
)
MAX_QUESTION = 2000
_HEADER = (
    "# Answers promoted from the review console (答案评审): questions users asked, corrected\n"
    "# by an evaluator. Same format as the other files of this folder; `source` names the chat\n"
    "# message and the evaluator. Appended by assistant/review/promote.py, do not reorder.\n"
)
_SLUG = re.compile(r"^[A-Za-z0-9_.-]+$")
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Correction:
    """What the evaluator says the item should be."""

    question: str
    program: str | list[str] | None
    kind: str
    must_contain: list[list[str]] = field(default_factory=list)
    must_cite: list[str] = field(default_factory=list)
    refuse: bool = False
    traditional: bool = False


def question_key(question: str) -> str:
    """The form under which two questions count as the same (width, spaces and the final
    punctuation ignored; simplified and traditional stay distinct, as the gold set has
    traditional variants on purpose).

    >>> question_key(" 高企有效期几年？ ") == question_key("高企有效期 几年?")
    True
    """
    text = re.sub(r"\s+", "", fold_width(question))
    return text.rstrip("?？。.!！")


def gold_questions(gold_dir: Path) -> set[str]:
    """The question keys of every item already in the gold folder.

    Raises:
        InputError: a gold file that is not valid YAML (nothing can be appended safely).
    """
    keys: set[str] = set()
    for path in sorted(gold_dir.glob("*.yaml")):
        try:
            items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            raise InputError(f"标准答案文件 {path.name} 无法解析，请先修复：{exc}") from exc
        keys.update(
            question_key(str(i["question"]))
            for i in items
            if isinstance(i, dict) and "question" in i
        )
    return keys


def read_promoted(path: Path) -> list[dict[str, Any]]:
    """The items of a promoted file (empty when it cannot be parsed)."""
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError):
        return []
    return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _programs(program: str | list[str] | None) -> list[str]:
    if program is None:
        return []
    return [program] if isinstance(program, str) else list(program)


def validate(correction: Correction, knowledge: Knowledge, existing: set[str]) -> list[str]:
    """Every problem of a correction, in Chinese (empty: it may be promoted)."""
    problems = []
    question = correction.question.strip()
    if not question:
        problems.append("问题不能为空")
    elif len(question) > MAX_QUESTION:
        problems.append(f"问题过长（{len(question)} 字，最多 {MAX_QUESTION} 字）")
    elif question_key(question) in existing:
        problems.append(f"标准答案集中已有同一问题：{question}")
    programs = _programs(correction.program)
    unknown = [p for p in programs if p not in knowledge.programs]
    if unknown:
        problems.append(f"项目 {'、'.join(unknown)} 不存在，可选：{'、'.join(knowledge.programs)}")
    if not programs and not correction.refuse:
        problems.append("请选择项目（只有应拒答的问题可以不选项目）")
    if correction.kind not in KINDS:
        problems.append(f"题型 {correction.kind or '（空）'} 无效，可选：{'、'.join(KINDS)}")
    problems += _check_answer_rules(correction, knowledge)
    return problems


def _check_answer_rules(correction: Correction, knowledge: Knowledge) -> list[str]:
    problems = []
    groups = correction.must_contain
    if any(not [s for s in g if s.strip()] for g in groups):
        problems.append("“必须包含”中有空的一组：每组至少写一个备选说法")
    if not groups and not correction.refuse:
        problems.append("“必须包含”至少要有一组备选说法（应拒答的问题除外）")
    articles = {a.id for a in knowledge.articles}
    unknown = [a for a in correction.must_cite if a not in articles]
    if unknown:
        problems.append(f"知识库中没有这些条目：{'、'.join(unknown)}")
    if correction.refuse and correction.must_cite:
        problems.append("应拒答的问题不应要求引用（“必须引用”请留空）")
    return problems


def gold_item(correction: Correction, source: str) -> dict[str, Any]:
    """The item as the gold files hold it (a one-program list becomes the bare id)."""
    programs = _programs(correction.program)
    program: str | list[str] | None = (
        None if not programs else programs[0] if len(programs) == 1 else programs
    )
    return {
        "question": correction.question.strip(),
        "program": program,
        "kind": correction.kind,
        "must_contain": [[s.strip() for s in g if s.strip()] for g in correction.must_contain],
        "must_cite": list(correction.must_cite),
        "refuse": correction.refuse,
        "traditional": correction.traditional,
        "source": source,
    }


def _scalar(value: str) -> str:
    """A string as a plain YAML scalar when that reads back unchanged, else double-quoted."""
    try:
        plain = yaml.safe_load(f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        plain = False
    ok = plain and value == value.strip() and "\n" not in value
    return value if ok else json.dumps(value, ensure_ascii=False)


def _ids(values: list[str]) -> str:
    return "[" + ", ".join(v if _SLUG.match(v) else json.dumps(v) for v in values) + "]"


def item_yaml(item: dict[str, Any]) -> str:
    """One item in the hand-written style of eval/sets/answers (flow lists, one key a line).

    >>> print(item_yaml({"question": "高企有效期几年？", "program": "hnte", "kind": "validity",
    ...     "must_contain": [["3年"]], "must_cite": ["hnte-validity"], "refuse": False,
    ...     "traditional": False, "source": "review #1 by amy"}), end="")
    - question: 高企有效期几年？
      program: hnte
      kind: validity
      must_contain: [["3年"]]
      must_cite: [hnte-validity]
      refuse: false
      traditional: false
      source: "review #1 by amy"
    """
    program = item["program"]
    program_text = (
        "null" if program is None else _ids(program) if isinstance(program, list) else program
    )
    lines = [
        f"- question: {_scalar(item['question'])}",
        f"  program: {program_text}",
        f"  kind: {item['kind']}",
        f"  must_contain: {json.dumps(item['must_contain'], ensure_ascii=False)}",
        f"  must_cite: {_ids(item['must_cite'])}",
        f"  refuse: {'true' if item['refuse'] else 'false'}",
        f"  traditional: {'true' if item['traditional'] else 'false'}",
        f"  source: {_scalar(item['source'])}",
    ]
    return "\n".join(lines) + "\n"


def promote(
    gold_dir: Path, correction: Correction, knowledge: Knowledge, source: str
) -> dict[str, Any]:
    """Validate the correction and append it to ``<gold_dir>/promoted.yaml`` atomically.

    Returns:
        The item as written.

    Raises:
        InputError: the correction is invalid (the message lists every problem) or the
            gold folder cannot be read; nothing is written then.
    """
    with _LOCK, _file_lock(gold_dir):
        existing = gold_questions(gold_dir) if gold_dir.is_dir() else set()
        problems = validate(correction, knowledge, existing)
        if problems:
            raise InputError("未加入标准答案集：" + "；".join(problems))
        item = gold_item(correction, source)
        target = gold_dir / PROMOTED_FILE
        old = target.read_text(encoding="utf-8") if target.exists() else _HEADER
        text = (old if old.endswith("\n") else old + "\n") + item_yaml(item)
        parsed = yaml.safe_load(text)
        if not isinstance(parsed, list) or parsed[-1] != item:
            raise InputError(f"未加入标准答案集：生成的条目无法按原样读回（{item['question']}）")
        _write_atomically(target, text)
        return item


@contextlib.contextmanager
def _file_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock shared by every process writing this gold folder."""
    import fcntl
    import hashlib

    # In the temp folder, not beside the gold set: nothing new appears in eval/sets.
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    with (Path(tempfile.gettempdir()) / f"sbzs-promote-{digest}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


promotion_lock = _file_lock
"""The lock promotions hold (a backup reads the gold file under it)."""


def _write_atomically(target: Path, text: str) -> None:
    """Write a sibling temp file (not ``*.yaml``, so a crash leaves nothing the loader reads),
    flush it to disk, then rename it over the target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".promoted-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
