"""``python -m eval``: the evaluation harness command line (see eval/cli.py)."""

from __future__ import annotations

import sys

from eval.cli import main

sys.exit(main())
