"""Which advisory source pip-audit can use from this machine: prints the service name
(``pypi``, ``osv`` or ``esms``) on stdout, or nothing; one line per source on stderr saying
what it answered. One request per source, for one pinned package of requirements.txt, so
it costs a second where a source answers and at most the timeout where none does.

Usage: python scripts/audit_probe.py [--timeout 10]
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REQUIREMENTS = Path(__file__).resolve().parent.parent / "requirements.txt"


def first_pin() -> tuple[str, str]:
    """The first ``name==version`` line of requirements.txt."""
    for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", line)
        if match:
            return match.group(1), match.group(2)
    raise SystemExit("requirements.txt has no pinned line")


def answer(request: urllib.request.Request, timeout: float) -> str:
    """``ok`` for HTTP 200, otherwise what went wrong."""
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return "ok" if response.status == 200 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"unreachable ({getattr(exc, 'reason', exc)})"


def main() -> int:
    timeout = float(sys.argv[sys.argv.index("--timeout") + 1]) if "--timeout" in sys.argv else 10
    name, version = first_pin()
    osv_query = json.dumps({"package": {"name": name, "ecosystem": "PyPI"}, "version": version})
    sources = {
        # pip-audit's default service reads the per-release JSON of each pin.
        "pypi": urllib.request.Request(f"https://pypi.org/pypi/{name}/{version}/json"),
        "osv": urllib.request.Request(
            "https://api.osv.dev/v1/query",
            data=osv_query.encode(),
            headers={"Content-Type": "application/json"},
        ),
        "esms": urllib.request.Request(
            "https://advisories.ecosyste.ms/api/v1/advisories?"
            + urllib.parse.urlencode({"ecosystem": "pypi", "package_name": name})
        ),
    }
    for service, request in sources.items():
        result = answer(request, timeout)
        print(f"{service}: {request.full_url} -> {result}", file=sys.stderr)
        if result == "ok":
            print(service)
            return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
