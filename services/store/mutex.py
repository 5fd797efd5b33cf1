"""Named locks shared by every process using one store: work that checks several rows and
outside state (a bank's contents) before writing, and must not interleave with the same work
in another replica, holds one.

    mutex = StoreMutex(store, "bank-accounts")
    if mutex.try_acquire():
        try:
            ...
        finally:
            mutex.release()

On PostgreSQL the lock is a session advisory lock held on a connection of its own; on an SQLite
file it is an flock(2) on a file beside the database (replicas sharing an SQLite file share a
host). Either way a process that dies releases it with its connection or descriptor, so a crashed
replica never leaves the lock held. An in-memory SQLite database lives in one process, which a
thread lock covers. Acquiring never blocks: callers poll, so a waiter holds no thread.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
from pathlib import Path

import sqlalchemy as sa

from smaug.store.db import Store

_memory_locks: dict[str, threading.Lock] = {}  # by name: one process, one lock per name
_memory_guard = threading.Lock()


class LockBusy(Exception):
    """A store lock stayed held by someone else for as long as the caller would wait."""


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.blake2b(f"smaug:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class StoreMutex:
    """One named lock over a store; not reentrant, one holder at a time per object."""

    def __init__(self, store: Store, name: str) -> None:
        self.name = name
        self._store = store
        self._connection: sa.Connection | None = None
        self._fd: int | None = None
        self._thread_lock: threading.Lock | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._fd is not None or self._thread_lock is not None

    def try_acquire(self) -> bool:
        """Take the lock if no one holds it; False at once otherwise."""
        if self.held:
            raise RuntimeError(f"store lock {self.name} is already held by this object")
        if self._store.is_postgresql:
            return self._try_postgresql()
        database = self._store.url.database
        if database and database != ":memory:":
            return self._try_file(Path(database))
        return self._try_memory()

    def release(self) -> None:
        """Let go. Never raises: closing the lock's own session or descriptor frees the lock
        whatever state the connection is in."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            # Detached from the pool: closing ends the session, and its lock. A connection that
            # broke meanwhile has lost both already.
            with contextlib.suppress(Exception):
                connection.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # drops the flock
        if self._thread_lock is not None:
            lock, self._thread_lock = self._thread_lock, None
            lock.release()

    def _try_postgresql(self) -> bool:
        connection = self._store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            # Out of the pool for good: a pooled connection would keep the session, and with it
            # the lock, after close().
            connection.detach()
            taken = connection.execute(
                sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": advisory_key(self.name)}
            ).scalar_one()
        except BaseException:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def _try_file(self, database: Path) -> bool:
        path = database.with_name(f"{database.name}.{self.name}.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def _try_memory(self) -> bool:
        with _memory_guard:
            lock = _memory_locks.setdefault(self.name, threading.Lock())
        if not lock.acquire(blocking=False):
            return False
        self._thread_lock = lock
        return True
