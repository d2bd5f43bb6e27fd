"""A lease in the database that lets one process at a time run the background indexer.

Several web workers (on one machine or several) share one index; each starts the
knowledge indexer when it starts. Two indexers at once would embed the same articles twice
and race on deleting replaced chunks, so each run takes this lease first. The lease is a
row with an expiry: a holder that dies (killed, machine lost) blocks the others only until
its lease runs out; a live holder renews it from a heartbeat thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import threading
import uuid
from collections.abc import Iterator

from sqlalchemy import DateTime, String, delete, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from assistant.errors import InputError
from assistant.store.db import Base, ensure_schema


class LockRow(Base):
    """One held lease: who holds it and until when."""

    __tablename__ = "index_locks"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))


class LockBusy(InputError):
    """Another process holds the lease."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class IndexLock:
    """A named lease in the shared database.

    Args:
        engine: The shared database.
        name: What the lease guards.
        ttl: Seconds a lease lasts without renewal.
    """

    def __init__(self, engine: Engine, name: str = "indexer", *, ttl: float = 120.0) -> None:
        """Make sure the table exists."""
        ensure_schema(engine)
        self.engine = engine
        self.name = name
        self.ttl = ttl
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def try_acquire(self) -> bool:
        """Take the lease if it is free or expired; False when another holder has it."""
        now = _utcnow()
        with Session(self.engine) as db, db.begin():
            db.execute(delete(LockRow).where(LockRow.name == self.name, LockRow.expires < now))
        try:
            with Session(self.engine) as db, db.begin():
                db.add(LockRow(name=self.name, holder=self.holder, expires=self._expiry()))
        except IntegrityError:
            return False
        return True

    def renew(self) -> bool:
        """Extend our lease; False when it is no longer ours (it expired and was taken)."""
        with Session(self.engine) as db, db.begin():
            result = db.execute(
                update(LockRow)
                .where(LockRow.name == self.name, LockRow.holder == self.holder)
                .values(expires=self._expiry())
            )
        return bool(getattr(result, "rowcount", 0))

    def release(self) -> None:
        """Give the lease back (nothing happens when it is not ours)."""
        with Session(self.engine) as db, db.begin():
            db.execute(
                delete(LockRow).where(LockRow.name == self.name, LockRow.holder == self.holder)
            )

    def holder_now(self) -> str | None:
        """Who holds an unexpired lease now (None: free)."""
        with Session(self.engine) as db:
            row = db.get(LockRow, self.name)
            return row.holder if row is not None and row.expires >= _utcnow() else None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lease for a block, renewing it every third of its lifetime.

        Raises:
            LockBusy: another process holds it.
        """
        if not self.try_acquire():
            raise LockBusy("另一个进程正在建立索引，请稍后再试")
        stop = threading.Event()

        def heartbeat() -> None:
            while not stop.wait(self.ttl / 3):
                self.renew()

        beat = threading.Thread(target=heartbeat, daemon=True, name=f"lease-{self.name}")
        beat.start()
        try:
            yield
        finally:
            stop.set()
            beat.join(timeout=5)
            self.release()

    def _expiry(self) -> dt.datetime:
        return _utcnow() + dt.timedelta(seconds=self.ttl)
