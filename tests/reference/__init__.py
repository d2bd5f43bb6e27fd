"""An independent, deliberately plain reading of the hard conditions (see conditions.py)."""
