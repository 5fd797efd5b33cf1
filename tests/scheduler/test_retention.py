"""Retention: checkpoints of mixed ages and states; exactly the right ones are deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.conftest import PROVIDER_ID
from api.test_plans import create as create_plan

from scheduler.conftest import Mesh, stamp
from smaug.scheduler import runner
from smaug.v1 import checkpoints_pb2

S = checkpoints_pb2
NOW = datetime(2026, 6, 1, 12)


def checkpoint(name: str, days: float, status: int = S.CHECKPOINT_STATUS_AVAILABLE) -> S.Checkpoint:
    return S.Checkpoint(
        id=name,
        status=status,
        create_time=stamp(NOW - timedelta(days=days)),  # type: ignore[arg-type]
    )


MIXED = [
    checkpoint("protecting-now", 0, S.CHECKPOINT_STATUS_PROTECTING),
    checkpoint("a0", 0.1),
    checkpoint("error1", 0.5, S.CHECKPOINT_STATUS_ERROR),
    checkpoint("a1", 1.5),
    checkpoint("a2", 2.5),
    checkpoint("deleting3", 3, S.CHECKPOINT_STATUS_DELETING),
    checkpoint("a4", 4.5),
    checkpoint("a10", 10),
    checkpoint("error40", 40, S.CHECKPOINT_STATUS_ERROR),
    checkpoint("a40", 40),
]


def victims(max_backups: int, days: int) -> list[str]:
    shuffled = MIXED[::2] + MIXED[1::2]  # order of the listing does not matter
    return [c.id for c in runner.retention_victims(shuffled, max_backups, days, NOW)]


def test_retention_selection() -> None:
    assert victims(0, 0) == []
    assert victims(3, 0) == ["a4", "a10", "a40"]  # newest 3 AVAILABLE kept
    assert victims(10, 0) == []
    assert victims(1, 0) == ["a1", "a2", "a4", "a10", "a40"]
    assert victims(0, 2) == ["a2", "a4", "a10", "a40"]  # older than 2 days (48 h)
    assert victims(0, 5) == ["a10", "a40"]
    assert victims(5, 5) == ["a10", "a40"]  # either rule deletes
    assert victims(2, 30) == ["a2", "a4", "a10", "a40"]


async def test_retention_through_the_api(mesh: Mesh) -> None:
    plan = await create_plan(mesh.admin)
    other = await create_plan(mesh.admin)
    now = datetime.now(UTC).replace(tzinfo=None)
    made = {}
    for name, days, status in [
        ("p", 0, S.CHECKPOINT_STATUS_PROTECTING),
        ("a0", 0.1, S.CHECKPOINT_STATUS_AVAILABLE),
        ("e1", 0.5, S.CHECKPOINT_STATUS_ERROR),
        ("a1", 1.5, S.CHECKPOINT_STATUS_AVAILABLE),
        ("a2", 2.5, S.CHECKPOINT_STATUS_AVAILABLE),
        ("a3", 3.5, S.CHECKPOINT_STATUS_AVAILABLE),
        ("a9", 9, S.CHECKPOINT_STATUS_AVAILABLE),
        ("e9", 9, S.CHECKPOINT_STATUS_ERROR),
    ]:
        made[name] = mesh.fake.add(plan.id, now - timedelta(days=days), status).id
    elsewhere = mesh.fake.add(other.id, now - timedelta(days=50)).id
    foreign = mesh.fake.add(plan.id, now - timedelta(days=50), project="another").id
    api = runner.ApiClient(mesh.api_address, "test-mesh-secret", 10)
    who = runner.owner_identity("admin", "owner", ("member",), "r")
    deleted = await runner.apply_retention(
        api,
        who,
        provider_id=PROVIDER_ID,
        plan_id=plan.id,
        max_backups=2,
        retention_days=3,
        now=now,
    )
    # Newest two AVAILABLE (a0, a1) kept; a2 beyond the count; a3 and a9 beyond both.
    assert sorted(mesh.fake.deletes) == sorted([made["a2"], made["a3"], made["a9"]])
    assert deleted == 3
    assert elsewhere not in mesh.fake.deletes and foreign not in mesh.fake.deletes
    # Nothing more to do on a second run.
    mesh.fake.deletes.clear()
    assert (
        await runner.apply_retention(
            api,
            who,
            provider_id=PROVIDER_ID,
            plan_id=plan.id,
            max_backups=2,
            retention_days=3,
            now=now,
        )
        == 0
    )
    await api.close()
