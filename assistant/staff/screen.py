"""Batch screening: every company of a client list against every program (contract ``screen``).

Each row becomes a profile (cells read by :mod:`assistant.staff.columns`), is validated by the
profile schema's own validator and is matched by :func:`assistant.core.matching.match` — the
same call as ``match --json``, whose rows also carry the failing and unknown condition ids of
the ``check`` assessment they rank. A cell that cannot be read is reported (row, column,
what is wrong) and left out, so the company is still screened on the rest; a row whose whole
profile is unusable is reported and skipped; nothing stops the other rows.

Large lists are split over worker processes (the engine is pure Python: threads would share
one core). Each worker loads the knowledge base once.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.core.matching import match
from assistant.core.profile import Profile, validate_profile
from assistant.core.results import (
    PublicScreenResult,
    ScreenedCompany,
    ScreenedProgram,
    ScreenLevel,
    ScreenProblem,
    ScreenResult,
)
from assistant.errors import FieldError, InputError
from assistant.staff.columns import (
    COLUMNS,
    KEY_COLUMNS,
    KEY_YEAR_FIELDS,
    YEAR_COLUMNS,
    CellError,
    Resolved,
    parse_cell,
    resolve,
)
from assistant.staff.intake import Sheet, read_sheet

Progress = Callable[[int, int], None]
EXAMPLE_PREFIX = "示例："
"""Rows whose company name starts with this are the template's example and are skipped."""
PARALLEL_FROM = 80
"""Below this many companies one process is faster than starting workers."""


@dataclass(frozen=True)
class CompanyRow:
    """One company read from the sheet: its row, the profile data and which column each
    profile path came from (to name the column in a later error)."""

    row: int
    data: dict[str, Any]
    columns: dict[str, tuple[str, str]]


def error(
    row: int, column: str, message: str, level: ScreenLevel = "error", letter: str = ""
) -> ScreenProblem:
    """An entry of the errors list: the row number and the column's header as the sheet
    shows them (and its letter); ``level`` error = the value was left out, warning = it was
    converted or something is missing."""
    return {"row": row, "column": column, "letter": letter, "message": message, "level": level}


def read_companies(
    sheet: Sheet, knowledge: Knowledge
) -> tuple[list[CompanyRow], list[ScreenProblem]]:
    """The companies of a sheet and the problems found reading it (nothing is dropped
    silently: an unknown column, a bad cell, a missing key column are all reported)."""
    names = {p.name: p.id for p in knowledge.programs.values()}
    names.update({p: p for p in knowledge.programs})
    resolved, problems = _resolve_headers(sheet)
    companies = []
    for number, cells in sheet.rows:
        data: dict[str, Any] = {}
        sources: dict[str, tuple[str, str]] = {}
        for value, column, header, letter in zip(
            cells, resolved, sheet.headers, sheet.letters, strict=False
        ):
            if column is None:
                continue
            try:
                parsed, warning = parse_cell(value, column, names)
            except CellError as exc:
                message = f"{exc}；此项已忽略，按缺少处理"
                problems.append(error(number, header, message, letter=letter))
                continue
            if warning:
                problems.append(error(number, header, warning, "warning", letter))
            if parsed is not None:
                _put(data, column.path, parsed)
                sources[column.path] = (letter, header)
        if str(data.get("name", "")).startswith(EXAMPLE_PREFIX):
            continue
        if data and not data.get("name") and not data.get("credit_code"):
            message = "没有企业名称或统一社会信用代码：照常筛查，但不能保存到客户名册"
            problems.append(error(number, "企业名称", message, "warning"))
        companies.append(CompanyRow(number, data, sources))
    return companies, problems


def _resolve_headers(sheet: Sheet) -> tuple[list[Resolved | None], list[ScreenProblem]]:
    """Each column's field (None: ignored) and the header problems, reported on the
    header row: unknown or duplicate names, unit conversions, missing key columns."""
    problems: list[ScreenProblem] = [
        error(sheet.header_row, "（表头）", note, "warning") for note in sheet.notes
    ]
    resolved: list[Resolved | None] = []
    seen: dict[str, str] = {}
    for header, letter in zip(sheet.headers, sheet.letters, strict=True):
        column = resolve(header) if header else None
        row = sheet.header_row
        if header and column is None:
            problems.append(error(row, header, "无法识别的列名，此列已忽略", "warning", letter))
        elif column is not None and column.path in seen:
            message = f"与「{seen[column.path]}」重复，此列已忽略"
            problems.append(error(row, header, message, letter=letter))
            column = None
        elif column is not None:
            seen[column.path] = header
            if column.note:
                problems.append(error(row, header, column.note, "warning", letter))
        resolved.append(column)
    return resolved, problems + _missing_key_columns(sheet, set(seen))


def _missing_key_columns(sheet: Sheet, paths: set[str]) -> list[ScreenProblem]:
    out = []
    by_path = {c.path: c for c in COLUMNS}
    for path in KEY_COLUMNS:
        if path not in paths:
            out.append(
                error(
                    sheet.header_row,
                    by_path[path].header(),
                    "缺少此列：依赖它的条件将判为「待补充」",
                    "warning",
                )
            )
    years = {p.split(".")[1] for p in paths if p.startswith("financials.")}
    for key in KEY_YEAR_FIELDS:
        column = next(c for c in YEAR_COLUMNS if c.path.endswith("." + key))
        if years and not any(f"financials.{y}.{key}" in paths for y in years):
            out.append(
                error(
                    sheet.header_row,
                    column.header(max(int(y) for y in years)),
                    "缺少此列（任何年度都没有）：依赖它的条件将判为「待补充」",
                    "warning",
                )
            )
    return out


def _put(data: dict[str, Any], path: str, value: Any) -> None:
    *parents, key = path.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[key] = value


def _drop(data: dict[str, Any], path: str) -> bool:
    *parents, key = path.split(".")
    node: Any = data
    for part in parents:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if isinstance(node, dict) and key in node:
        del node[key]
        return True
    return False


def screen_company(
    knowledge: Knowledge, company: CompanyRow, as_of: dt.date
) -> tuple[ScreenedCompany | None, list[ScreenProblem]]:
    """One company's result (None when the row cannot be screened) and its problems.

    A field the profile validator rejects (e.g. more 科技人员 than 职工总数) is reported
    against its column and left out, and the validation repeated.
    """
    data = company.data
    problems: list[ScreenProblem] = []
    for _ in range(len(company.columns) + 1):
        try:
            profile = validate_profile(data, source=f"第{company.row}行")
            break
        except InputError as exc:
            path = exc.field if isinstance(exc, FieldError) else ""
            letter, header = company.columns.get(path) or _column_of(company, path)
            message = f"数据校验未通过（{exc}）；此项已忽略"
            problems.append(error(company.row, header or "（整行）", message, letter=letter))
            if not path or not _drop(data, path):
                return None, problems
    else:  # pragma: no cover - each pass drops one field
        return None, problems
    if not data:
        problems.append(error(company.row, "（整行）", "这一行没有可识别的数据，已跳过"))
        return None, problems
    return _result(knowledge, company, profile, as_of), problems


def _column_of(company: CompanyRow, path: str) -> tuple[str, str]:
    """The (letter, header) of the first column inside an object field (e.g. ``ip``)."""
    found = (c for p, c in company.columns.items() if p.startswith(path + "."))
    return next(found, ("", ""))


def _result(
    knowledge: Knowledge, company: CompanyRow, profile: Profile, as_of: dt.date
) -> ScreenedCompany:
    matched = match(knowledge, profile, as_of)
    programs: list[ScreenedProgram] = [
        {
            "program": row["program"],
            "program_name": row["program_name"],
            "rules_version": row["rules_version"],
            "verdict": row["verdict"],
            "rank": row["rank"],
            "failing": row["failing"],
            "unknown": row["unknown"],
            "gaps": row["gaps"],
            "missing_fields": row["missing_fields"],
        }
        for row in matched["programs"]
    ]
    return {
        "row": company.row,
        "name": profile.data.get("name"),
        "profile": profile.data,
        "programs": programs,
        "warnings": list(profile.warnings),
    }


_WORKER: dict[str, Knowledge] = {}


def _init_worker(knowledge_dir: str) -> None:
    _WORKER["knowledge"] = load_knowledge(Path(knowledge_dir))


def _screen_batch(
    batch: list[CompanyRow], as_of: dt.date
) -> list[tuple[ScreenedCompany | None, list[ScreenProblem]]]:
    knowledge = _WORKER["knowledge"]
    return [screen_company(knowledge, c, as_of) for c in batch]


def screen_companies(
    knowledge: Knowledge,
    companies: list[CompanyRow],
    as_of: dt.date,
    *,
    knowledge_dir: Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> tuple[list[ScreenedCompany], list[ScreenProblem]]:
    """Screen every company (in row order); returns the results and the problems.

    With ``knowledge_dir`` and more than :data:`PARALLEL_FROM` companies the work is spread
    over ``workers`` processes (default: the CPUs this process may use, at most 4).
    """
    total = len(companies)
    workers = workers or min(4, len(os.sched_getaffinity(0)))
    outcomes: list[tuple[ScreenedCompany | None, list[ScreenProblem]]] = []
    if knowledge_dir is None or workers < 2 or total < PARALLEL_FROM:
        for i, company in enumerate(companies, 1):
            outcomes.append(screen_company(knowledge, company, as_of))
            if progress and (i % 10 == 0 or i == total):
                progress(i, total)
    else:
        size = max(10, total // (workers * 8))
        batches = [companies[i : i + size] for i in range(0, total, size)]
        import multiprocessing

        # forkserver: forking a threaded web server is unsafe; spawn would re-import per task
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_init_worker, initargs=(str(knowledge_dir),)
        ) as pool:
            done = 0
            for batch_result in pool.map(_screen_batch, batches, [as_of] * len(batches)):
                outcomes.extend(batch_result)
                done += len(batch_result)
                if progress:
                    progress(done, total)
    results = [r for r, _ in outcomes if r is not None]
    problems = [p for _, ps in outcomes for p in ps]
    return results, problems


def screen_file(
    knowledge: Knowledge,
    data: bytes,
    filename: str,
    as_of: dt.date,
    *,
    knowledge_dir: Path | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> ScreenResult:
    """The contract's ``screen`` result for a file's bytes (plus each company's profile).

    Raises:
        InputError: the file cannot be read as a table at all.
    """
    sheet = read_sheet(data, filename)
    companies, problems = read_companies(sheet, knowledge)
    if not companies:
        raise InputError(
            f"文件「{filename}」中没有企业数据：第一行应为列名（见筛查模板），其后每行一家企业"
        )
    results, row_problems = screen_companies(
        knowledge,
        companies,
        as_of,
        knowledge_dir=knowledge_dir,
        workers=workers,
        progress=progress,
    )
    errors = sorted(
        problems + row_problems, key=lambda e: (e["row"], len(e["letter"]), e["letter"])
    )
    return {
        "as_of": as_of.isoformat(),
        "file": Path(filename).name,
        "companies": results,
        "errors": errors,
        "summary": summary(results),
    }


def summary(results: Iterable[ScreenedCompany]) -> dict[str, dict[str, int]]:
    """Per program, how many companies got each verdict."""
    out: dict[str, dict[str, int]] = {}
    for company in results:
        for p in company["programs"]:
            counts = out.setdefault(p["program"], {})
            counts[p["verdict"]] = counts.get(p["verdict"], 0) + 1
    return out


def public(result: ScreenResult) -> PublicScreenResult:
    """The result without the per-company profiles (the API and ``--json`` shape)."""
    out: PublicScreenResult = {
        "as_of": result["as_of"],
        "file": result["file"],
        "companies": [
            {
                "row": c["row"],
                "name": c["name"],
                "programs": c["programs"],
                "warnings": c["warnings"],
            }
            for c in result["companies"]
        ],
        "errors": result["errors"],
        "summary": result["summary"],
    }
    if "saved" in result:
        out["saved"] = result["saved"]
    return out
