"""Reading the knowledge files: strict YAML (no duplicate keys), Markdown front matter, and
pydantic errors worded as ``file: field: problem``.

Every failure raises :class:`~assistant.errors.KnowledgeError` naming the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from assistant.errors import KnowledgeError

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n?(.*)\Z", re.DOTALL)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file, rejecting duplicate keys (a silent override hides mistakes).

    Raises:
        KnowledgeError: unreadable file, YAML syntax error or duplicate key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot read ({exc}); save it as UTF-8") from exc
    return _parse_yaml(text, path)


def _parse_yaml(text: str, path: Path) -> Any:
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: invalid YAML: {exc}".replace("\n", " ")) from exc
    except ValueError as exc:  # e.g. an impossible date such as 2016-13-01
        raise KnowledgeError(f"{path}: invalid value ({exc}); fix the field") from exc


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys."""


def _construct_unique_mapping(
    loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_unique_mapping,  # type: ignore[arg-type]
)


def validation_message(path: Path, exc: ValidationError, prefix: str = "") -> str:
    """Every field pydantic rejected, as ``file: field '<prefix><where>': problem; …``."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        parts.append(f"field '{prefix}{where}': {err['msg']}")
    return f"{path}: " + "; ".join(parts)


def split_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter and its body.

    Raises:
        KnowledgeError: no front matter, or front matter that is not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot read ({exc}); save it as UTF-8") from exc
    match = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not match:
        raise KnowledgeError(
            f"{path}: no front matter; start the file with '---', the fields, '---'"
        )
    meta = _parse_yaml(match.group(1), path)
    if not isinstance(meta, dict):
        raise KnowledgeError(f"{path}: the front matter must be a mapping of fields")
    return meta, match.group(2).strip() + "\n"
