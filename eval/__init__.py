"""Evaluation sets, metrics and the harness (``python -m eval run``; see eval/README.md)."""
