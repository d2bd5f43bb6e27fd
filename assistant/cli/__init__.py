"""The command line, ``python -m assistant COMMAND`` (contract: shared CLI, JSON shapes).

One module per group of commands; :mod:`.main` dispatches and prints.
"""

from assistant.cli.main import main

__all__ = ["main"]
