#!/usr/bin/env bash
# Dependency audit of the pinned requirements with pip-audit; needs an advisory source:
# PyPI's per-release JSON API (default), osv.dev ("-s osv") or ecosyste.ms ("-s esms").
# Writes docs/pip-audit.txt (dated, with the command) and exits non-zero on a known
# vulnerability, or when a pinned package could not be audited at all (pip-audit alone then
# still says "No known vulnerabilities found").
#
# scripts/audit.sh --if-reachable   (CI): first asks each source once (scripts/audit_probe.py)
#   and audits against the first that answers; when none answers it says which and why and
#   exits 0, since an unreachable advisory database says nothing about our code. In this
#   mode packages that are not on PyPI (torch's +cpu build, wheels from /opt/wheels) are
#   listed in the report but do not fail the run; a known vulnerability does.
set -uo pipefail
cd "$(dirname "$0")/.."
ci=0
if [ "${1:-}" = "--if-reachable" ]; then
  ci=1
  shift
  probe=$(mktemp)
  service=$(.venv/bin/python scripts/audit_probe.py --timeout 10 2>"$probe")
  if [ -z "$service" ]; then
    echo "pip-audit: not run, no advisory source reachable from here:"
    sed 's/^/  /' "$probe"
    rm -f "$probe"
    exit 0
  fi
  rm -f "$probe"
  set -- -s "$service" "$@"
fi
out=$(mktemp)
.venv/bin/pip-audit -r requirements.txt -r requirements-dev.txt --no-deps \
  --progress-spinner off "$@" >"$out" 2>&1
status=$?
skipped=$(grep -c "could not be audited" "$out" || true)
{
  echo "# pip-audit report"
  echo "# date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# command: scripts/audit.sh $*   ($(.venv/bin/pip-audit --version))"
  echo "# exit status: $status; packages not audited: $skipped"
  cat "$out"
} >docs/pip-audit.txt
rm -f "$out"
[ "$ci" = 1 ] && cat docs/pip-audit.txt
if [ "$skipped" -gt 0 ] && [ "$ci" = 0 ]; then
  echo "pip-audit could not audit $skipped packages (no advisory source reachable); see docs/pip-audit.txt" >&2
  exit 3
fi
exit "$status"
