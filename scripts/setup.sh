#!/usr/bin/env bash
# Create .venv and install the pinned requirements (idempotent: re-runs only when the
# requirement files change). Usage: scripts/setup.sh [dev]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
files=(requirements.txt)
[ "${1:-}" = dev ] && files+=(requirements-dev.txt)
stamp=.venv/.installed-$(cat "${files[@]}" | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  args=()
  for f in "${files[@]}"; do args+=(-r "$f"); done
  # pip, not uv/poetry: only pip looks in the local wheel folder that holds the CPU torch.
  .venv/bin/python -m pip install --quiet --disable-pip-version-check "${args[@]}"
  touch "$stamp"
fi
