"""The error the evaluation tools raise for input a user can fix."""

from __future__ import annotations


class BadInput(Exception):
    """Input the user can fix (unknown set, missing or malformed file, missing setting);
    the command line exits with status 2 and this message."""
