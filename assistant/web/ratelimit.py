"""Counting requests: a sliding-window rate limiter and the client address it counts by."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]


class RateLimiter:
    """A sliding-window counter per key (one process; thread-safe)."""

    def __init__(self, limit: int, window: float) -> None:
        """At most ``limit`` events per ``window`` seconds per key."""
        self.limit = limit
        self.window = window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str, *, record: bool = True) -> float:
        """Seconds to wait before the key may act (0: allowed, and counted when ``record``)."""
        now = time.monotonic()
        with self._lock:
            events = self._events.setdefault(key, deque())
            while events and events[0] <= now - self.window:
                events.popleft()
            if len(events) >= self.limit:
                return max(events[0] + self.window - now, 0.001)
            if record:
                events.append(now)
            if len(self._events) > 10_000:  # forget idle keys so memory stays bounded
                for k in [k for k, v in self._events.items() if not v]:
                    del self._events[k]
            return 0.0

    def record(self, key: str) -> None:
        """Count one event."""
        with self._lock:
            self._events.setdefault(key, deque()).append(time.monotonic())


def client_address(scope: Scope) -> str:
    """The client's address as the server sees it (a proxy's forwarded address only when
    uvicorn is told to trust it, via --proxy-headers/--forwarded-allow-ips)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
