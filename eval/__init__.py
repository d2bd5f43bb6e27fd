"""Evaluation sets and metrics (the full harness is its own piece of work)."""
