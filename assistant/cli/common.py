"""What every command shares: its signature, the day it runs for, file errors."""

from __future__ import annotations

import argparse
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.config import Settings
from assistant.errors import InputError

Handler = Callable[[argparse.Namespace, Settings], tuple[Any, str]]
"""A command: (parsed arguments, settings) → (JSON data, text for the terminal)."""


def as_of(args: argparse.Namespace) -> dt.date:
    """The day the command runs for: ``--as-of`` or today."""
    value: dt.date = args.as_of or dt.date.today()
    return value


def read_file(path: Path) -> bytes:
    """The file's bytes, or a clear error naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from exc


def write_error(path: Path, exc: OSError) -> InputError:
    """The error for a file that cannot be written."""
    return InputError(f"{path}: cannot write ({exc.strerror})")
