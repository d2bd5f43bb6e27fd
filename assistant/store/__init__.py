"""The database: engine, chat sessions, accounts and audit, the indexer lease. Used through
:class:`assistant.application.Application`; modules are imported by path.
"""

__all__: list[str] = []
