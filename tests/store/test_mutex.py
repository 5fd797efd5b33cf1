"""Store locks: one holder per name across processes sharing a store, on SQLite and PostgreSQL;
a holder that dies, is cancelled or loses its connection lets go; a waiter gives up in time."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time

import pytest
import sqlalchemy as sa

from smaug.protection.records import StoreRecords
from smaug.store.db import Store
from smaug.store.mutex import LockBusy, StoreMutex


def test_one_holder_per_name_and_release_frees_it(database_url: str) -> None:
    store, other_replica = Store(database_url), Store(database_url)
    try:
        first = StoreMutex(store, "bank-accounts")
        second = StoreMutex(other_replica, "bank-accounts")
        unrelated = StoreMutex(other_replica, "something-else")
        assert first.try_acquire()
        assert not second.try_acquire()
        assert not second.held
        assert unrelated.try_acquire()  # names are independent
        first.release()
        assert second.try_acquire()
        assert not first.try_acquire()
        second.release()
        unrelated.release()
        assert first.try_acquire()
        first.release()
    finally:
        store.dispose()
        other_replica.dispose()


def test_a_holder_that_dies_lets_go(database_url: str) -> None:
    store = Store(database_url)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from smaug.store.db import Store
                from smaug.store.mutex import StoreMutex
                assert StoreMutex(Store({database_url!r}), "bank-accounts").try_acquire()
                print("held", flush=True)
                time.sleep(600)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        mutex = StoreMutex(store, "bank-accounts")
        assert not mutex.try_acquire()
        holder.kill()  # SIGKILL: no chance to release
        holder.wait(10)
        deadline = time.monotonic() + 10  # PostgreSQL notices the closed session at once
        while not mutex.try_acquire():
            assert time.monotonic() < deadline, "the dead holder's lock was never freed"
            time.sleep(0.05)
        mutex.release()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
        store.dispose()


def test_a_broken_lock_connection_releases_quietly(database_url: str) -> None:
    """The holder's session ended under it (a restarted server, idle_session_timeout): release
    raises nothing, and the lock is free."""
    store = Store(database_url)
    try:
        mutex = StoreMutex(store, "bank-accounts")
        assert mutex.try_acquire()
        if store.is_postgresql:
            with store.engine.connect() as admin:
                ended = admin.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks "
                        "WHERE locktype = 'advisory' AND objid IS NOT NULL AND granted"
                    )
                ).all()
                assert ended
        mutex.release()
        assert not mutex.held
        assert mutex.try_acquire()
        mutex.release()
    finally:
        store.dispose()


def test_an_in_memory_store_locks_within_its_process() -> None:
    store = Store("sqlite:///:memory:", migrate_to=None)
    first, second = StoreMutex(store, "m"), StoreMutex(store, "m")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


async def test_waiting_gives_up_with_lock_busy_and_a_cancelled_waiter_takes_nothing(
    database_url: str,
) -> None:
    store = Store(database_url)
    records = StoreRecords(store)
    holder = StoreMutex(store, "bank-accounts")
    try:
        assert holder.try_acquire()
        started = time.monotonic()
        with pytest.raises(LockBusy, match=r"bank-accounts was not free within 0\.3 s"):
            async with records.exclusive("bank-accounts", 0.3):
                raise AssertionError("entered a lock someone else holds")
        assert time.monotonic() - started >= 0.3

        entered = asyncio.Event()

        async def wait_for_it() -> None:
            async with records.exclusive("bank-accounts", 30):
                entered.set()

        waiter = asyncio.create_task(wait_for_it())
        await asyncio.sleep(0.2)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        holder.release()
        await asyncio.sleep(0.2)  # a try under way when cancelled lets go of what it took
        assert not entered.is_set()
        assert holder.try_acquire(), "the cancelled waiter left the lock held"
        holder.release()

        # A holder cancelled inside lets go too.
        inside = asyncio.Event()

        async def hold_forever() -> None:
            async with records.exclusive("bank-accounts", 30):
                inside.set()
                await asyncio.sleep(3600)

        held = asyncio.create_task(hold_forever())
        await inside.wait()
        assert not holder.try_acquire()
        held.cancel()
        with pytest.raises(asyncio.CancelledError):
            await held
        assert holder.try_acquire()
        holder.release()
    finally:
        store.dispose()
