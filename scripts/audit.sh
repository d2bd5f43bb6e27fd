#!/usr/bin/env bash
# Dependency audit of the pinned requirements with pip-audit; needs PyPI's JSON API or
# osv.dev (pass "-s osv"), so run it on a machine that reaches them, not in offline CI.
# Writes docs/pip-audit.txt (dated) and exits non-zero on a known vulnerability, or when a
# pinned package could not be audited at all (pip-audit alone then still says "No known
# vulnerabilities found").
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
.venv/bin/pip-audit -r requirements.txt -r requirements-dev.txt --no-deps \
  --progress-spinner off "$@" >"$out" 2>&1
status=$?
skipped=$(grep -c "could not be audited" "$out" || true)
{
  echo "# pip-audit report"
  echo "# date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "# command: scripts/audit.sh $*"
  echo "# exit status: $status; packages not audited: $skipped"
  cat "$out"
} >docs/pip-audit.txt
rm -f "$out"
if [ "$skipped" -gt 0 ]; then
  echo "pip-audit could not audit $skipped packages (no advisory source reachable); see docs/pip-audit.txt" >&2
  exit 3
fi
exit "$status"
