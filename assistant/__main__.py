"""``python -m assistant``: the command line."""

import sys

from assistant.cli import main

# Guarded: worker processes (batch screening) import the main module again.
if __name__ == "__main__":
    sys.exit(main())
