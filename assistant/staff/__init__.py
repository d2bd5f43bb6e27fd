"""Staff tools: batch screening of a client list, the client register, the impact of a rule
change on saved companies, and pre-filled application tables.

Every verdict here comes from the engine in :mod:`assistant.core` (``match`` and ``assess``);
these modules only read spreadsheets, store results and write files.

Modules are imported by path (two of them write files under the same name, ``write_xlsx``).
"""

__all__: list[str] = []
