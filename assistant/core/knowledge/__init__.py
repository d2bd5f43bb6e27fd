"""The knowledge base: ``knowledge/`` loaded, validated and looked up (format:
knowledge/README.md).

The package holds one role per module: :mod:`~assistant.core.knowledge.schema` (what each
file holds), :mod:`~assistant.core.knowledge.files` (strict YAML and front matter),
:mod:`~assistant.core.knowledge.loader` (reading the folder),
:mod:`~assistant.core.knowledge.checks` (what one file cites exists in another) and
:mod:`~assistant.core.knowledge.base` (the loaded whole and its lookups). Callers need the
whole and its loader; the types of its parts are imported from ``schema``.
"""

from assistant.core.knowledge.base import PROGRAM_IDS, Knowledge
from assistant.core.knowledge.loader import load_knowledge

__all__ = ["PROGRAM_IDS", "Knowledge", "load_knowledge"]
