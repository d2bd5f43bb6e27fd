"""The application layer: the use cases every edge (web API, pages, CLI, eval, bench) calls."""

from assistant.application.health import IndexSnapshot, IndexState
from assistant.application.service import Application
from assistant.store.accounts import User

__all__ = ["Application", "IndexSnapshot", "IndexState", "User"]
