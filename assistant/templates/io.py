"""Import and export of templates as JSON or an Excel workbook.

An import is checked completely before anything is stored: a bad file (invalid JSON, a
missing field, an unknown article id, two items with one title, a title already in use)
fails with a message naming the item and the field, and imports nothing. Imported
templates are drafts: approval is a person's decision, never a file's. An export can be
imported again (ids, statuses and counts are ignored on the way in). openpyxl loads lazily.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from assistant.core.knowledge import Knowledge
from assistant.errors import InputError
from assistant.store.accounts import User
from assistant.templates.template_store import TemplateStore
from assistant.templates.validate import FIELDS, validate_template

SHEET = "答复模板"
# Excel column header -> field; English headers are accepted too.
COLUMNS: dict[str, str] = {
    "标题": "title",
    "触发问法": "triggers",
    "正文": "body",
    "项目": "programs",
    "引用条目": "articles",
}
EXPORT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ID", "id"),
    ("标题", "title"),
    ("状态", "status_text"),
    ("触发问法", "triggers"),
    ("正文", "body"),
    ("项目", "programs"),
    ("引用条目", "articles"),
    ("作者", "author"),
    ("版本", "version"),
    ("命中次数", "hits"),
    ("最近使用", "last_used"),
)


def parse_import(data: bytes, fmt: str, knowledge: Knowledge) -> list[dict[str, Any]]:
    """Validated template contents from a JSON or xlsx file's bytes.

    Raises:
        InputError: unreadable file or any invalid item (naming item and field).
    """
    if fmt == "json":
        items = _json_items(data)
    elif fmt == "xlsx":
        items = _xlsx_items(data)
    else:
        raise InputError(f"format '{fmt}': use json or xlsx")
    if not items:
        raise InputError("the file holds no templates")
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for n, item in enumerate(items, 1):
        title = item.get("title") if isinstance(item, dict) else None
        where = f"item {n}" + (f" ('{title}')" if isinstance(title, str) else "") + ": "
        content = validate_template(item, knowledge, where)
        if content["title"] in seen:
            raise InputError(
                f"{where}field 'title': duplicate of item {seen[content['title']]}; "
                "titles must be unique"
            )
        seen[content["title"]] = n
        out.append(content)
    return out


def _json_items(data: bytes) -> list[Any]:
    try:
        parsed = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(f"the file is not UTF-8 text ({exc.reason})") from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    if isinstance(parsed, dict) and isinstance(parsed.get("templates"), list):
        items: list[Any] = parsed["templates"]
        return items
    if isinstance(parsed, list):
        return parsed
    raise InputError('the JSON must be a list of templates or {"templates": [...]}')


def _xlsx_items(data: bytes) -> list[dict[str, Any]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not xlsx
        raise InputError(f"not an Excel workbook (.xlsx): {exc}") from exc
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    if not rows:
        raise InputError(f"sheet '{sheet.title}' is empty")
    header = [str(h or "").strip() for h in rows[0]]
    fields = {i: COLUMNS.get(h, h) for i, h in enumerate(header)}
    for needed in ("title", "triggers", "body"):
        if needed not in fields.values():
            label = next(k for k, v in COLUMNS.items() if v == needed)
            raise InputError(f"sheet '{sheet.title}': column '{label}' ({needed}) is missing")
    items = []
    for row in rows[1:]:
        if all(v in (None, "") for v in row):
            continue
        item = {
            fields[i]: ("" if v is None else str(v))
            for i, v in enumerate(row)
            if fields.get(i) in FIELDS
        }
        items.append(item)
    return items


def export_json(templates: list[dict[str, Any]]) -> bytes:
    """The templates as UTF-8 JSON (``{"templates": [...]}``, re-importable)."""
    keep = (*FIELDS, "id", "status", "author", "version", "hits", "last_used", "approved_by")
    rows = [{k: t.get(k) for k in keep} for t in templates]
    return json.dumps({"templates": rows}, ensure_ascii=False, indent=1).encode()


def export_xlsx(templates: list[dict[str, Any]], path: Path) -> Path:
    """The templates as a workbook (sheet 答复模板, one row each; lists one per line)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append([label for label, _ in EXPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(name="黑体", bold=True)
    for t in templates:
        sheet.append([_cell(t.get(key)) for _, key in EXPORT_COLUMNS])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.font = Font(name="宋体")
    for letter, width in zip("ABCDEFGHIJK", (6, 24, 8, 36, 60, 16, 28, 10, 6, 8, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return "" if value is None else value


def import_bytes(store: TemplateStore, user: User, data: bytes, fmt: str, source: str) -> list[int]:
    """Parse, validate and store a whole file as drafts: all or nothing. Returns the ids."""
    return store.import_many(user, parse_import(data, fmt, store.knowledge), source)


def format_of(name: str, default: str = "json") -> str:
    """``json`` or ``xlsx`` from a file name.

    >>> format_of("模板.xlsx"), format_of("t.JSON"), format_of("t")
    ('xlsx', 'json', 'json')
    """
    suffix = Path(name).suffix.lower().lstrip(".")
    return suffix if suffix in ("json", "xlsx") else default
