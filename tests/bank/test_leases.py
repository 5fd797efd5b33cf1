from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from smaug.bank.backend import Backend
from smaug.bank.errors import LeaseHeld, LeaseLost
from smaug.bank.fs_backend import FilesystemBackend
from smaug.bank.leases import LeaseKeeper, LeaseManager
from smaug.bank.s3_backend import S3Backend

from .conftest import SeaweedS3, s3_backend


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_acquire_renew_release_expire(backend: Backend) -> None:
    clock = Clock()
    leases = LeaseManager(backend, "test", clock=clock)
    lease = leases.acquire("protection-a", "host1-pid1", ttl=30)
    assert leases.is_alive("protection-a")
    with pytest.raises(LeaseHeld) as held:
        leases.acquire("protection-a", "host2-pid9", ttl=30)
    assert "host1-pid1" in str(held.value)
    clock.now += 20
    lease = leases.renew(lease)
    clock.now += 20  # 40 s after acquiring, 20 after renewing: still alive
    assert leases.is_alive("protection-a")
    clock.now += 11
    assert not leases.is_alive("protection-a")  # not renewed: expired
    # someone else takes the expired lease; the old holder's renewal must fail
    taken = leases.acquire("protection-a", "host2-pid9", ttl=30)
    assert taken.holder == "host2-pid9"
    with pytest.raises(LeaseLost):
        leases.renew(lease)
    leases.release(taken)
    assert not leases.is_alive("protection-a")
    assert not leases.is_alive("never-existed")


def test_the_holder_may_acquire_its_live_lease_again(backend: Backend) -> None:
    """A service reopening a bank (an account's new credentials) takes its own lease over."""
    clock = Clock()
    leases = LeaseManager(backend, "test", clock=clock)
    first = leases.acquire("svc", "me", ttl=10)
    again = leases.acquire("svc", "me", ttl=10)
    assert again.renewals == 1 and again.etag != first.etag
    with pytest.raises(LeaseLost):
        leases.renew(first)  # the older handle is stale now
    leases.renew(again)
    with pytest.raises(LeaseHeld):
        leases.acquire("svc", "them", ttl=10)


def test_renew_after_takeover_is_refused_even_before_local_expiry(backend: Backend) -> None:
    clock = Clock()
    leases = LeaseManager(backend, "test", clock=clock)
    mine = leases.acquire("svc", "me", ttl=10)
    clock.now += 11
    theirs = leases.acquire("svc", "them", ttl=10)
    stale = mine.__class__(mine.name, mine.holder, clock.now + 5, mine.ttl, mine.etag)
    with pytest.raises(LeaseLost):
        leases.renew(stale)  # etag no longer matches
    assert leases.read("svc") is not None and leases.read("svc").holder == theirs.holder  # type: ignore[union-attr]


def _race(managers: list[LeaseManager], names: list[str]) -> dict[str, list[str]]:
    """For each name, every manager (each with its own client) contends for that lease, all
    released together by one barrier; returns the winners per name. (SeaweedFS makes losers of
    a contended key wait in 1 s steps, so trials run side by side on distinct leases.)"""
    barrier = threading.Barrier(len(managers) * len(names))
    winners: dict[str, list[str]] = {name: [] for name in names}
    lock = threading.Lock()

    def contend(index: int, name: str) -> None:
        barrier.wait()
        try:
            managers[index].acquire(name, f"racer-{index}", ttl=60)
        except LeaseHeld:
            return
        with lock:
            winners[name].append(f"racer-{index}")

    threads = [
        threading.Thread(target=contend, args=(n, name))
        for n in range(len(managers))
        for name in names
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for name in names:
        record = managers[0].read(name)
        assert record is not None and [record.holder] == winners[name]
    return winners


def test_sixteen_racers_on_s3_exactly_one_wins(seaweed: SeaweedS3) -> None:
    first = s3_backend(seaweed)
    managers = [
        LeaseManager(
            S3Backend(
                bucket=first.bucket, endpoint=seaweed.endpoint, access_key="k", secret_key="s"
            ),
            "race",
        )
        for _ in range(16)
    ]
    # five trials creating a lease, five taking over an expired one (If-Match on its etag)
    clock = Clock()
    for trial in range(5):
        LeaseManager(first, "race", clock=clock).acquire(f"expired-{trial}", "old", ttl=1)
    names = [f"fresh-{trial}" for trial in range(5)] + [f"expired-{trial}" for trial in range(5)]
    for name, winners in _race(managers, names).items():
        assert len(winners) == 1, f"{name}: {winners}"


def test_sixteen_racers_on_filesystem_exactly_one_wins(tmp_path: Path) -> None:
    for trial in range(3):
        root = tmp_path / f"bank{trial}"
        managers = [LeaseManager(FilesystemBackend(root), "race") for _ in range(16)]
        assert all(len(w) == 1 for w in _race(managers, ["a", "b", "c"]).values())


async def test_keeper_renews_in_background(tmp_path: Path) -> None:
    leases = LeaseManager(FilesystemBackend(tmp_path), "test")
    keeper = LeaseKeeper(leases, "protection-b", "me", ttl=0.6)
    first = await keeper.start()
    await asyncio.sleep(1.0)  # longer than the TTL: only renewals keep it alive
    assert leases.is_alive("protection-b")
    assert keeper.lease is not None and keeper.lease.renewals > first.renewals
    await keeper.stop()
    assert not leases.is_alive("protection-b")
