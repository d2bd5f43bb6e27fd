"""A fault-injection seam for the crash tests: ``ASSISTANT_CRASH_AT=<name>`` kills the process
with SIGKILL when it reaches :func:`checkpoint` ``<name>``.

The crash tests also kill at random moments; the named points make sure every step between
two writes (vectors computed, journal written, chunks written, old chunks pruned) is hit on
every run, not only when the dice allow. Read at the moment of the check, never at import,
and unset in production, where a checkpoint costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal


def checkpoint(name: str) -> None:
    """Die here, as ``kill -9`` would, when the crash tests ask for it."""
    if os.environ.get("ASSISTANT_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
