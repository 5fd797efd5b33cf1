"""The engine in process, against a real api and store (SQLite and PostgreSQL) with a fake
protection service: exactly once across replicas, disabled operations and replicas, dropped
occurrences, take-over of a dead replica's run, failures, and the api's mesh identity."""

from __future__ import annotations

import asyncio
import collections
from datetime import UTC, datetime, timedelta

import grpc
import sqlalchemy as sa
from api.conftest import PROVIDER_ID
from api.test_plans import create as create_plan
from google.protobuf import field_mask_pb2

from scheduler.conftest import Mesh, stamp
from smaug.mesh import identity as mesh_identity
from smaug.scheduler import claims, runner
from smaug.store import records
from smaug.store.models import OperationLog, ScheduledOperationClaim, ScheduledOperationRun
from smaug.v1 import checkpoints_pb2, services_pb2, triggers_pb2
from smaug.v1 import scheduled_operations_pb2 as so

SECONDLY = "BEGIN:VEVENT\nRRULE:FREQ=SECONDLY;INTERVAL=1\nEND:VEVENT"


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


async def make_trigger(mesh: Mesh, first: datetime, count: int, window: int = 5) -> str:
    client = mesh.admin
    reply = await client.call(
        client.triggers.CreateTrigger,
        triggers_pb2.CreateTriggerRequest(
            trigger=triggers_pb2.Trigger(
                name="fast",
                type=triggers_pb2.TRIGGER_TYPE_TIME,
                properties=triggers_pb2.TriggerProperties(
                    format=triggers_pb2.TRIGGER_FORMAT_CALENDAR,
                    pattern=SECONDLY,
                    start_time=stamp(first),
                    end_time=stamp(first + timedelta(seconds=count - 1)),
                    window_seconds=window,
                ),
            )
        ),
    )
    return str(reply.trigger.id)


async def make_operation(
    mesh: Mesh, trigger_id: str, plan_id: str, *, enabled: bool = True, **definition: int
) -> str:
    client = mesh.admin
    kind = (
        so.SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT
        if definition
        else so.SCHEDULED_OPERATION_TYPE_PROTECT
    )
    reply = await client.call(
        client.operations.CreateScheduledOperation,
        so.CreateScheduledOperationRequest(
            scheduled_operation=so.ScheduledOperation(
                name="op",
                operation_type=kind,
                trigger_id=trigger_id,
                enabled=enabled,
                operation_definition=so.ScheduledOperationDefinition(
                    provider_id=PROVIDER_ID, plan_id=plan_id, **definition
                ),
            )
        ),
    )
    return str(reply.scheduled_operation.id)


def claim_rows(mesh: Mesh) -> list[ScheduledOperationClaim]:
    with mesh.store.read() as session:
        return list(session.scalars(sa.select(ScheduledOperationClaim)).all())


async def wait_for(predicate, seconds: float = 15) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_two_replicas_run_each_occurrence_once(mesh: Mesh) -> None:
    plan = await create_plan(mesh.admin)
    first = now() + timedelta(seconds=2)
    trigger_id = await make_trigger(mesh, first, 5)
    op_id = await make_operation(mesh, trigger_id, plan.id)
    off_id = await make_operation(mesh, trigger_id, plan.id, enabled=False)
    await mesh.engine("replica-a")
    await mesh.engine("replica-b")
    await wait_for(lambda: len([r for r in claim_rows(mesh) if r.state == claims.SUCCEEDED]) >= 5)
    await asyncio.sleep(1)
    rows = claim_rows(mesh)
    assert {r.scheduled_operation_id for r in rows} == {op_id}  # the disabled one never ran
    assert sorted(r.occurrence_time for r in rows) == [
        first + timedelta(seconds=i) for i in range(5)
    ]
    ids = collections.Counter(r.request_id for r in mesh.fake.creates)
    assert len(ids) == 5 and max(ids.values()) == 1
    for request in mesh.fake.creates:
        assert request.extra_info["scheduled_operation_id"] == op_id
        assert request.extra_info["trigger_id"] == trigger_id
    # Each request went through the api as the owner, marked as coming from the mesh.
    assert all(i.project_id == "admin" for i in mesh.fake.identities)
    got = await mesh.admin.call(
        mesh.admin.operations.GetScheduledOperation,
        so.GetScheduledOperationRequest(scheduled_operation_id=op_id),
    )
    runs = got.scheduled_operation.recent_runs
    assert len(runs) == 5
    assert {r.state for r in runs} == {so.SCHEDULED_OPERATION_RUN_STATE_SUCCEEDED}
    assert all(r.checkpoint_id for r in runs)
    assert off_id


async def test_missed_occurrences_are_recorded_as_dropped(mesh: Mesh) -> None:
    plan = await create_plan(mesh.admin)
    first = now() + timedelta(seconds=1)
    trigger_id = await make_trigger(mesh, first, 3, window=1)
    op_id = await make_operation(mesh, trigger_id, plan.id)
    await asyncio.sleep((first - now()).total_seconds() + 4.5)  # all three windows are over
    await mesh.engine("late")
    await wait_for(lambda: len(claim_rows(mesh)) == 3)
    await asyncio.sleep(0.5)
    rows = claim_rows(mesh)
    assert {r.state for r in rows} == {claims.DROPPED}
    assert "window" in rows[0].reason
    assert not mesh.fake.creates
    with mesh.store.read() as session:
        runs = session.scalars(sa.select(ScheduledOperationRun)).all()
        logs = session.scalars(
            sa.select(OperationLog).where(OperationLog.scheduled_operation_id == op_id)
        ).all()
    assert {r.state for r in runs} == {so.SCHEDULED_OPERATION_RUN_STATE_DROPPED_OUT_OF_WINDOW}
    assert len(logs) == 3 and all(log.status == 3 and log.error_info for log in logs)


async def test_stale_claim_is_taken_over_without_a_second_checkpoint(mesh: Mesh) -> None:
    plan = await create_plan(mesh.admin)
    first = now() + timedelta(seconds=30)  # no occurrence fires during the test
    trigger_id = await make_trigger(mesh, first, 2, window=60)
    op_id = await make_operation(mesh, trigger_id, plan.id)
    started = now() - timedelta(seconds=2)
    occurrences = [started - timedelta(seconds=1), started]
    # A dead replica claimed two occurrences; it protected the first one, not the second.
    earlier = mesh.fake.add(plan.id, started, checkpoints_pb2.CHECKPOINT_STATUS_PROTECTING)
    earlier.extra_info.update(
        {"scheduled_operation_id": op_id, "scheduled_time": runner.scheduled_time(occurrences[0])}
    )
    with mesh.store.write() as session:
        for occurrence in occurrences:
            run_id = records.start_scheduled_run(session, op_id, occurrence)
            session.add(
                ScheduledOperationClaim(
                    scheduled_operation_id=op_id,
                    occurrence_time=occurrence,
                    trigger_id=trigger_id,
                    replica="dead",
                    state=claims.IN_PROGRESS,
                    attempts=1,
                    claim_time=started,
                    heartbeat_time=started,
                    run_id=run_id,
                    checkpoint_id="",
                    reason="",
                )
            )
    await mesh.engine("survivor-1")
    await mesh.engine("survivor-2")
    await wait_for(lambda: all(r.state == claims.SUCCEEDED for r in claim_rows(mesh)))
    rows = sorted(claim_rows(mesh), key=lambda r: r.occurrence_time)
    assert [r.attempts for r in rows] == [2, 2]
    assert {r.replica for r in rows} <= {"survivor-1", "survivor-2"}
    assert rows[0].checkpoint_id == earlier.id  # found, not protected again
    assert len(mesh.fake.creates) == 1  # only the second occurrence was protected
    assert mesh.fake.creates[0].request_id == runner.request_id(op_id, occurrences[1])


async def test_disabled_replica_claims_nothing_and_failures_are_logged(mesh: Mesh) -> None:
    plan = await create_plan(mesh.admin)
    engine = await mesh.engine("only")
    listed = await mesh.admin.call(
        mesh.admin.services.ListServiceInstances, services_pb2.ListServiceInstancesRequest()
    )
    (instance,) = [s for s in listed.service_instances if s.binary == "smaug-scheduler"]
    assert instance.host == "only" and instance.state == services_pb2.SERVICE_INSTANCE_STATE_UP
    await mesh.admin.call(
        mesh.admin.services.UpdateServiceInstance,
        services_pb2.UpdateServiceInstanceRequest(
            service_instance=services_pb2.ServiceInstance(
                id=instance.id,
                status=services_pb2.SERVICE_INSTANCE_STATUS_DISABLED,
                disabled_reason="maintenance",
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["status", "disabled_reason"]),
        ),
    )
    await wait_for(lambda: not engine.enabled)
    first = now() + timedelta(seconds=1)
    trigger_id = await make_trigger(mesh, first, 2, window=30)
    op_id = await make_operation(mesh, trigger_id, plan.id)
    await asyncio.sleep((first - now()).total_seconds() + 2.5)
    assert claim_rows(mesh) == []
    # Enabled again, it runs the occurrences still inside their window; protect fails here.
    mesh.fake.fail_creates = True
    await mesh.admin.call(
        mesh.admin.services.UpdateServiceInstance,
        services_pb2.UpdateServiceInstanceRequest(
            service_instance=services_pb2.ServiceInstance(
                id=instance.id, status=services_pb2.SERVICE_INSTANCE_STATUS_ENABLED
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["status"]),
        ),
    )
    await wait_for(lambda: len([r for r in claim_rows(mesh) if r.state == claims.FAILED]) == 2)
    rows = claim_rows(mesh)
    assert "protect failed: NOT_FOUND" in rows[0].reason
    with mesh.store.read() as session:
        logs = session.scalars(
            sa.select(OperationLog).where(OperationLog.scheduled_operation_id == op_id)
        ).all()
    assert len(logs) == 2 and all("NOT_FOUND" in log.error_info for log in logs)
    assert engine.enabled


async def test_api_accepts_mesh_identity_and_create_checkpoint_is_idempotent(mesh: Mesh) -> None:
    plan = await create_plan(mesh.admin)
    api = runner.ApiClient(mesh.api_address, "test-mesh-secret", 10)
    who = runner.owner_identity("admin", "someone", ("member",), "x")
    occurrence = now()
    made = [
        await runner.protect(
            api,
            who,
            provider_id=PROVIDER_ID,
            plan_id=plan.id,
            operation_id="op",
            trigger_id="t",
            occurrence=occurrence,
        )
        for _ in range(2)
    ]
    assert made[0].id == made[1].id and len(mesh.fake.creates) == 1
    # A wrongly signed assertion is refused.
    bad = runner.ApiClient(mesh.api_address, "another-secret", 10)
    try:
        await bad.list_plan_checkpoints(who, PROVIDER_ID, plan.id)
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    else:
        raise AssertionError("accepted an assertion signed with another secret")
    # A token user cannot set the reserved keys, nor claim the service role.
    eve = mesh.user("eve", "admin", ("member", "smaug:service"))
    request = checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER_ID, plan_id=plan.id)
    request.extra_info.update({"scheduled_operation_id": "forged"})
    try:
        await eve.call(eve.checkpoints.CreateCheckpoint, request)
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    else:
        raise AssertionError("a token user set a reserved extra_info key")
    await api.close()
    await bad.close()
    assert mesh_identity.METADATA_KEY == "x-smaug-identity"
