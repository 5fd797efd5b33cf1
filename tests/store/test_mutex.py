"""Store locks: one holder per name across processes sharing a store, on SQLite and PostgreSQL,
and a holder that dies lets go."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from smaug.store.db import Store
from smaug.store.mutex import StoreMutex


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
