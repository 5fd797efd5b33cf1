"""Checkpoint metadata, status updates and the time-ordered indices."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from smaug.bank.backend import Backend
from smaug.bank.bank import Bank
from smaug.bank.checkpoints import AVAILABLE, DELETED, PROTECTING, CheckpointStore
from smaug.bank.errors import CheckpointNotFound, PreconditionFailed

DAY = 86400.0
BASE = 1_700_000_000.0


class CountingBackend(Backend):
    """Passes everything to a real backend, counting the keys listings return."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.location = inner.location
        self.listed = 0

    def get(self, key: str) -> bytes:
        return self.inner.get(key)

    def get_with_info(self, key: str):  # type: ignore[no-untyped-def]
        return self.inner.get_with_info(key)

    def head(self, key: str):  # type: ignore[no-untyped-def]
        return self.inner.head(key)

    def put(self, key: str, data: bytes, **kw: object) -> str:
        return self.inner.put(key, data, **kw)  # type: ignore[arg-type]

    def delete(self, key: str, **kw: object) -> None:
        self.inner.delete(key, **kw)  # type: ignore[arg-type]

    def list(self, prefix: str, **kw: object) -> list[str]:
        keys = self.inner.list(prefix, **kw)  # type: ignore[arg-type]
        self.listed += len(keys)
        return keys

    def scan(self, prefix: str) -> Iterator:  # type: ignore[type-arg]
        return self.inner.scan(prefix)

    def touch(self, key: str) -> bool:
        return self.inner.touch(key)

    def delete_if_stale(self, key: str, modified_before: float) -> bool:
        return self.inner.delete_if_stale(key, modified_before)


@pytest.fixture
def store(backend: Backend) -> CheckpointStore:
    return CheckpointStore(backend, "test")


def _make(store: CheckpointStore, count: int, **fields: str) -> list[str]:
    """`count` checkpoints a quarter day apart, oldest first; returns their ids. Created in
    parallel (the store is thread-safe) to keep the S3 runs short."""
    plan = fields.get("plan", "plan1")

    def one(n: int) -> str:
        return store.create(
            project_id=fields.get("project", "proj1"),
            provider_id=fields.get("provider", "prov1"),
            plan={"id": plan, "name": "nightly", "resources": []},
            owner_id="protection-a",
            created_at=BASE + n * DAY / 4,
            checkpoint_id=f"cp{plan}-{n:03d}",
        ).id

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def test_create_get_update(store: CheckpointStore) -> None:
    meta = store.create(
        project_id="proj1",
        provider_id="prov1",
        plan={"id": "plan1", "name": "n", "resources": [{"id": "r1"}]},
        owner_id="owner-1",
        extra_info={"k": "v"},
    )
    again = store.get(meta.id)
    assert again == meta and again.status == PROTECTING and again.owner_id == "owner-1"
    graph = '{"nodes": []}'
    updated = store.update(meta.id, status=AVAILABLE, resource_graph=graph)
    assert store.get(meta.id).status == AVAILABLE and updated.resource_graph == graph
    assert store.get(meta.id).extra_info == {"k": "v"}
    with pytest.raises(PreconditionFailed):
        store.update(meta.id, status=DELETED, expect_status=PROTECTING)
    with pytest.raises(ValueError, match="unknown checkpoint status"):
        store.update(meta.id, status="bogus")
    with pytest.raises(CheckpointNotFound):
        store.get("nope")


def test_plan_listing_newest_first_with_pagination(store: CheckpointStore) -> None:
    ids = _make(store, 30)
    _make(store, 5, plan="plan2")
    newest_first = ids[::-1]
    assert store.list(plan_id="plan1") == newest_first
    assert store.list(plan_id="plan1", sort="asc") == ids
    assert store.list(plan_id="plan1", limit=7) == newest_first[:7]
    # walk all pages with the marker: each id exactly once, in order
    pages: list[str] = []
    marker = None
    while page := store.list(plan_id="plan1", limit=7, marker=marker):
        pages += page
        marker = page[-1]
    assert pages == newest_first
    assert store.list(plan_id="plan1", limit=5, marker=ids[3], sort="asc") == ids[4:9]


def test_date_range_filter(store: CheckpointStore) -> None:
    ids = _make(store, 40)  # 10 days, four a day
    start, end = BASE + 2 * DAY, BASE + 5 * DAY  # [day 2, day 5)
    inside = ids[8:20]
    assert store.list(plan_id="plan1", start=start, end=end) == inside[::-1]
    assert store.list(plan_id="plan1", start=start, end=end, sort="asc") == inside
    assert store.list(plan_id="plan1", start=start, end=end, limit=3) == inside[::-1][:3]
    assert store.list(start=BASE + 9 * DAY) == ids[36:][::-1]
    assert store.list(end=BASE + DAY, sort="asc") == ids[:4]
    marker = inside[::-1][2]
    assert (
        store.list(plan_id="plan1", start=start, end=end, marker=marker, limit=4)
        == (inside[::-1][3:7])
    )


def test_scopes(store: CheckpointStore) -> None:
    a = _make(store, 3, provider="prov1", project="projA", plan="pa")
    b = _make(store, 3, provider="prov1", project="projB", plan="pb")
    c = _make(store, 2, provider="prov2", project="projA", plan="pc")
    # same-time checkpoints come in id order (documented tie-break)
    by_time = sorted(a + b + c, key=lambda i: (-store.get(i).created_at, i))
    assert store.list(provider_id="prov1", project_id="projA") == a[::-1]
    assert set(store.list(provider_id="prov1")) == set(a + b)
    assert set(store.list(project_id="projA")) == set(a + c)
    assert store.list() == by_time


def test_listing_cost_follows_page_not_bank(backend: Backend) -> None:
    counting = CountingBackend(backend)
    store = CheckpointStore(counting, "test")
    ids = _make(store, 60)
    counting.listed = 0
    assert store.list(plan_id="plan1", limit=5, marker=ids[40]) == ids[35:40][::-1]
    assert counting.listed <= 6
    counting.listed = 0
    store.list(plan_id="plan1", limit=3, start=BASE + 5 * DAY, end=BASE + 9 * DAY)
    assert counting.listed <= 4


def test_delete_removes_from_indices_and_data(bank: Bank) -> None:
    ids = _make(bank.checkpoints, 3)
    objects = bank.checkpoints.objects(ids[1], "resources/vol/1")
    objects.put("meta", b"x")
    bank.checkpoints.delete(ids[1])
    assert bank.checkpoints.list(plan_id="plan1") == [ids[2], ids[0]]
    assert bank.checkpoints.get(ids[1]).status == DELETED
    assert objects.list() == []
    bank.checkpoints.delete(ids[0], purge=True)
    with pytest.raises(CheckpointNotFound):
        bank.checkpoints.get(ids[0])
