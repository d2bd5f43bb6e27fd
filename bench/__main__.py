"""``python -m bench all [--quick]``: every benchmark in one run (see :mod:`bench.all`).

The single benchmarks stay runnable on their own: ``python -m bench.search``,
``bench.ask``, ``bench.check``, ``bench.load``, ``bench.embedders``, ``bench.scale``.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Dispatch the sub-command."""
    if len(sys.argv) < 2 or sys.argv[1] != "all":
        raise SystemExit("usage: python -m bench all [--quick] [--only STEP] [--out DIR]")
    from bench.all import main as run_all

    run_all(sys.argv[2:])


if __name__ == "__main__":
    main()
