"""The pure engine: knowledge as data, profiles, and the verdicts computed from them.

Nothing here does I/O beyond reading the knowledge folder and a profile file, and nothing
imports an adapter (search, storage, web) or a heavy library; ``tests/test_architecture.py``
checks both.
"""

from assistant.core.assessment import assess, checklist
from assistant.core.knowledge import Knowledge, load_knowledge
from assistant.core.matching import match
from assistant.core.profile import Profile, load_profile, validate_profile

__all__ = [
    "Knowledge",
    "Profile",
    "assess",
    "checklist",
    "load_knowledge",
    "load_profile",
    "match",
    "validate_profile",
]
