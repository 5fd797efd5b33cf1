"""Event triggers in process, against a real api and store (SQLite and PostgreSQL) with a fake
protection service: call triggers fired through FireTrigger (retries with the same request id,
bursts coalesced by the quiet period, two scheduler replicas), the coalescing rule itself, and
the api's validation of event triggers and chained operations."""

from __future__ import annotations

import asyncio
import collections
from datetime import timedelta

import grpc
import pytest
import sqlalchemy as sa
from api.conftest import PROVIDER_ID
from api.test_plans import create as create_plan
from api.test_plans import expect

from scheduler.conftest import Mesh
from scheduler.test_engine import claim_rows, wait_for
from smaug.mesh.errors import field_violations
from smaug.scheduler import claims
from smaug.store import events
from smaug.store.db import utcnow
from smaug.store.models import OperationLog, Trigger, TriggerFiring
from smaug.v1 import scheduled_operations_pb2 as so
from smaug.v1 import triggers_pb2

FIRED = triggers_pb2.TRIGGER_FIRING_STATE_FIRED


def event_trigger(rule: triggers_pb2.EventRule, name: str = "on demand") -> triggers_pb2.Trigger:
    return triggers_pb2.Trigger(
        name=name,
        type=triggers_pb2.TRIGGER_TYPE_EVENT,
        properties=triggers_pb2.TriggerProperties(window_seconds=30, event=rule),
    )


def call_rule(quiet: int, max_delay: int = 0) -> triggers_pb2.EventRule:
    return triggers_pb2.EventRule(
        call=triggers_pb2.CallEventSource(),
        quiet_period_seconds=quiet,
        max_delay_seconds=max_delay,
    )


async def create_trigger(mesh: Mesh, trigger: triggers_pb2.Trigger) -> triggers_pb2.Trigger:
    reply = await mesh.admin.call(
        mesh.admin.triggers.CreateTrigger, triggers_pb2.CreateTriggerRequest(trigger=trigger)
    )
    return reply.trigger


async def bind(
    mesh: Mesh, trigger_id: str, plan_id: str, kind: int = so.SCHEDULED_OPERATION_TYPE_PROTECT
) -> str:
    reply = await mesh.admin.call(
        mesh.admin.operations.CreateScheduledOperation,
        so.CreateScheduledOperationRequest(
            scheduled_operation=so.ScheduledOperation(
                name="on event",
                operation_type=kind,
                trigger_id=trigger_id,
                operation_definition=so.ScheduledOperationDefinition(
                    provider_id=PROVIDER_ID, plan_id=plan_id
                ),
            )
        ),
    )
    return str(reply.scheduled_operation.id)


async def fire(
    mesh: Mesh, trigger_id: str, request_id: str = ""
) -> triggers_pb2.FireTriggerResponse:
    reply: triggers_pb2.FireTriggerResponse = await mesh.admin.call(
        mesh.admin.triggers.FireTrigger,
        triggers_pb2.FireTriggerRequest(
            trigger_id=trigger_id, request_id=request_id, description="release 1.2"
        ),
    )
    return reply


async def get_firing(mesh: Mesh, trigger_id: str, firing_id: str) -> triggers_pb2.TriggerFiring:
    reply = await mesh.admin.call(
        mesh.admin.triggers.GetTriggerFiring,
        triggers_pb2.GetTriggerFiringRequest(trigger_id=trigger_id, firing_id=firing_id),
    )
    return reply.firing


def succeeded(mesh: Mesh) -> int:
    return len([r for r in claim_rows(mesh) if r.state == claims.SUCCEEDED])


async def test_call_trigger_protects_once_per_request_id_and_per_quiet_period(mesh: Mesh) -> None:
    plan = await create_plan(mesh.admin)
    trigger = await create_trigger(mesh, event_trigger(call_rule(quiet=2)))
    assert trigger.type == triggers_pb2.TRIGGER_TYPE_EVENT
    assert trigger.properties.event.WhichOneof("source") == "call"
    assert not trigger.HasField("next_fire_time")
    op_id = await bind(mesh, trigger.id, plan.id)
    await mesh.engine("replica-a")
    await mesh.engine("replica-b")

    # The same request id twice: one event, the second call is a duplicate.
    first = await fire(mesh, trigger.id, "deploy-41")
    again = await fire(mesh, trigger.id, "deploy-41")
    assert not first.duplicate and again.duplicate
    assert again.firing.id == first.firing.id and again.event.id == "call:deploy-41"
    assert first.firing.state == triggers_pb2.TRIGGER_FIRING_STATE_PENDING
    assert first.event.request_id == "deploy-41" and first.event.description == "release 1.2"
    # Different request ids inside the quiet period, at once and a little later: the same
    # firing, each pushing it to quiet period after the latest.
    burst = await asyncio.gather(*(fire(mesh, trigger.id, f"burst-{i}") for i in range(8)))
    await asyncio.sleep(1)
    late = await fire(mesh, trigger.id)  # no request id: a new event each time
    assert {r.firing.id for r in (*burst, late)} == {first.firing.id}
    assert late.firing.event_count == 10
    assert late.firing.fire_time.ToDatetime() == late.firing.last_event_time.ToDatetime() + (
        timedelta(seconds=2)
    )
    got = await mesh.admin.call(
        mesh.admin.triggers.GetTrigger, triggers_pb2.GetTriggerRequest(trigger_id=trigger.id)
    )
    assert got.trigger.next_fire_time == late.firing.fire_time

    await wait_for(lambda: succeeded(mesh) == 1)
    await asyncio.sleep(1)  # give a second protect every chance to happen
    assert len(mesh.fake.creates) == 1
    created = mesh.fake.creates[0]
    assert created.extra_info["scheduled_operation_id"] == op_id
    assert created.extra_info["trigger_firing_id"] == first.firing.id
    assert created.extra_info["event_source"] == "call"
    assert created.extra_info["event_id"] == "call:deploy-41"
    assert created.extra_info["event_count"] == 10
    firing = await get_firing(mesh, trigger.id, first.firing.id)
    assert firing.state == FIRED and len(firing.events) == 10
    (run,) = firing.runs
    assert run.scheduled_operation_id == op_id
    assert run.state == so.SCHEDULED_OPERATION_RUN_STATE_SUCCEEDED
    assert list(run.checkpoint_ids) == [next(iter(mesh.fake.items))]
    # Fired: the firing's time is when the quiet period ended, not when the first call came.
    assert firing.fire_time.ToDatetime() >= firing.first_event_time.ToDatetime() + timedelta(
        seconds=3
    )
    listed = await mesh.admin.call(
        mesh.admin.operations.GetScheduledOperation,
        so.GetScheduledOperationRequest(scheduled_operation_id=op_id),
    )
    assert listed.scheduled_operation.recent_runs[0].trigger_firing_id == first.firing.id

    # A retry after the firing fired still starts nothing; a new request id fires again.
    retry = await fire(mesh, trigger.id, "deploy-41")
    assert retry.duplicate and retry.firing.id == first.firing.id
    second = await fire(mesh, trigger.id, "deploy-42")
    assert not second.duplicate and second.firing.id != first.firing.id
    await wait_for(lambda: succeeded(mesh) == 2)
    await asyncio.sleep(0.5)
    assert len(mesh.fake.creates) == 2
    ids = collections.Counter(r.request_id for r in mesh.fake.creates)
    assert max(ids.values()) == 1
    pages = await mesh.admin.call(
        mesh.admin.triggers.ListTriggerFirings,
        triggers_pb2.ListTriggerFiringsRequest(trigger_id=trigger.id, page_size=1),
    )
    assert [f.id for f in pages.firings] == [second.firing.id] and pages.next_page_token
    assert not pages.firings[0].events
    rest = await mesh.admin.call(
        mesh.admin.triggers.ListTriggerFirings,
        triggers_pb2.ListTriggerFiringsRequest(
            trigger_id=trigger.id, page_token=pages.next_page_token
        ),
    )
    assert [f.id for f in rest.firings] == [first.firing.id] and not rest.next_page_token


async def test_failed_event_run_is_logged_with_its_event(mesh: Mesh) -> None:
    plan = await create_plan(mesh.admin)
    trigger = await create_trigger(mesh, event_trigger(call_rule(quiet=0)))
    op_id = await bind(mesh, trigger.id, plan.id)
    mesh.fake.fail_creates = True
    await mesh.engine("only")
    fired = await fire(mesh, trigger.id, "pipeline-7")
    await wait_for(lambda: any(r.state == claims.FAILED for r in claim_rows(mesh)))
    with mesh.store.read() as session:
        (log,) = session.scalars(
            sa.select(OperationLog).where(OperationLog.scheduled_operation_id == op_id)
        ).all()
    assert log.status == 3 and "NOT_FOUND" in log.error_info
    assert log.extra_info is not None
    assert log.extra_info["trigger_firing_id"] == fired.firing.id
    assert log.extra_info["event_id"] == "call:pipeline-7"
    assert log.extra_info["event_source"] == "call"


async def test_coalescing_rule_quiet_period_and_max_delay(mesh: Mesh) -> None:
    """The rule on the store alone, with explicit clocks: a firing is due quiet period after its
    latest event, at most max delay after its first; events after it fired open the next."""
    store = mesh.store
    with store.write() as session:
        row = Trigger(
            id="7b0c1f56-3a1b-4d43-9a3e-1c6c1b7e2a10",
            project_id="admin",
            name="t",
            type=events.EVENT,
            format=0,
            pattern="",
            start_time=utcnow() - timedelta(days=1),
            end_time=None,
            window_seconds=30,
            next_fire_time=None,
            create_time=utcnow(),
            update_time=utcnow(),
            rule_time=None,
            event=events.EventRule("call", 10, 25).to_json(),
        )
        session.add(row)
    t0 = utcnow()

    def record(key: str, offset: float) -> events.Recorded:
        with store.write() as session:
            got = events.record_event(
                session,
                row.id,
                events.NewEvent(key=key, source=events.CALL, event_type="call"),
                now=t0 + timedelta(seconds=offset),
            )
            assert got is not None
            session.expunge_all()
            return got

    first = record("a", 0)
    assert first.firing.fire_time == t0 + timedelta(seconds=10)
    # Each event 8 s after the previous one pushes the firing, until the 25 s cap.
    assert record("b", 8).firing.fire_time == t0 + timedelta(seconds=18)
    assert record("c", 16).firing.fire_time == t0 + timedelta(seconds=25)
    assert record("d", 24).firing.fire_time == t0 + timedelta(seconds=25)
    assert record("a", 24.5).duplicate
    with store.write() as session:
        assert not events.fire(session, first.firing.id, row.id, t0 + timedelta(seconds=24))
        assert events.fire(session, first.firing.id, row.id, t0 + timedelta(seconds=25))
        assert not events.fire(session, first.firing.id, row.id, t0 + timedelta(seconds=26))
    after = record("e", 26)
    assert after.firing.id != first.firing.id
    assert after.firing.fire_time == t0 + timedelta(seconds=36)
    with store.read() as session:
        count = session.scalar(
            sa.select(TriggerFiring.event_count).where(TriggerFiring.id == first.firing.id)
        )
    assert count == 4
    # Outside the trigger's end_time events do not count.
    with store.write() as session:
        stored = session.get(Trigger, row.id)
        assert stored is not None
        stored.end_time = t0 + timedelta(seconds=30)
    with pytest.raises(events.OutsideWindow):
        record("f", 40)


async def test_event_trigger_validation(mesh: Mesh) -> None:
    client = mesh.admin
    plan = await create_plan(client)
    cases = [
        (event_trigger(triggers_pb2.EventRule()), "trigger.properties.event"),
        (event_trigger(call_rule(quiet=-1)), "trigger.properties.event.quiet_period_seconds"),
        (
            event_trigger(call_rule(quiet=60, max_delay=30)),
            "trigger.properties.event.max_delay_seconds",
        ),
        (
            event_trigger(
                triggers_pb2.EventRule(notification=triggers_pb2.NotificationEventSource())
            ),
            "trigger.properties.event.notification.event_types",
        ),
        (
            event_trigger(
                triggers_pb2.EventRule(
                    notification=triggers_pb2.NotificationEventSource(event_types=["volume create"])
                )
            ),
            "trigger.properties.event.notification.event_types[0]",
        ),
        (
            event_trigger(
                triggers_pb2.EventRule(
                    notification=triggers_pb2.NotificationEventSource(
                        event_types=["volume.*"], resource_types=["OS::Cinder::Volumes"]
                    )
                )
            ),
            "trigger.properties.event.notification.resource_types[0]",
        ),
        (
            event_trigger(
                triggers_pb2.EventRule(
                    checkpoint_available=triggers_pb2.CheckpointEventSource(plan_id="nope")
                )
            ),
            "trigger.properties.event.checkpoint_available.plan_id",
        ),
        (
            event_trigger(
                triggers_pb2.EventRule(
                    checkpoint_available=triggers_pb2.CheckpointEventSource(
                        plan_id="9d1c2f56-3a1b-4d43-9a3e-1c6c1b7e2a10"
                    )
                )
            ),
            "trigger.properties.event.checkpoint_available.plan_id",
        ),
    ]
    for bad, field in cases:
        error = await expect(
            grpc.StatusCode.INVALID_ARGUMENT,
            client.call(
                client.triggers.CreateTrigger, triggers_pb2.CreateTriggerRequest(trigger=bad)
            ),
        )
        assert field in field_violations(error), (bad, field_violations(error))

    # A member may not watch another project's notifications.
    member = mesh.user("member", "admin")
    others = event_trigger(
        triggers_pb2.EventRule(
            notification=triggers_pb2.NotificationEventSource(
                event_types=["volume.create.end"], project_id="someone-else"
            )
        )
    )
    await expect(
        grpc.StatusCode.PERMISSION_DENIED,
        member.call(
            member.triggers.CreateTrigger, triggers_pb2.CreateTriggerRequest(trigger=others)
        ),
    )

    # Firing: malformed request ids, and TIME triggers, are refused.
    trigger = await create_trigger(mesh, event_trigger(call_rule(quiet=5)))
    error = await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.call(
            client.triggers.FireTrigger,
            triggers_pb2.FireTriggerRequest(trigger_id=trigger.id, request_id="has space"),
        ),
    )
    assert "request_id" in field_violations(error)
    timed = await create_trigger(
        mesh,
        triggers_pb2.Trigger(
            name="nightly",
            type=triggers_pb2.TRIGGER_TYPE_TIME,
            properties=triggers_pb2.TriggerProperties(
                format=triggers_pb2.TRIGGER_FORMAT_CRONTAB, pattern="0 2 * * *", window_seconds=30
            ),
        ),
    )
    await expect(
        grpc.StatusCode.FAILED_PRECONDITION,
        client.call(
            client.triggers.FireTrigger, triggers_pb2.FireTriggerRequest(trigger_id=timed.id)
        ),
    )
    await expect(
        grpc.StatusCode.NOT_FOUND,
        client.call(
            client.triggers.GetTriggerFiring,
            triggers_pb2.GetTriggerFiringRequest(
                trigger_id=trigger.id, firing_id="9d1c2f56-3a1b-4d43-9a3e-1c6c1b7e2a10"
            ),
        ),
    )

    # A protect chained after its own plan's checkpoints would never stop: refused, also
    # through a second plan.
    other = await create_plan(client)
    after_plan = await create_trigger(
        mesh,
        event_trigger(
            triggers_pb2.EventRule(
                checkpoint_available=triggers_pb2.CheckpointEventSource(plan_id=plan.id)
            ),
            name="after plan",
        ),
    )
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, bind(mesh, after_plan.id, plan.id))
    assert "scheduled_operation.trigger_id" in field_violations(error)
    await bind(mesh, after_plan.id, other.id)  # plan -> other is fine
    after_other = await create_trigger(
        mesh,
        event_trigger(
            triggers_pb2.EventRule(
                checkpoint_available=triggers_pb2.CheckpointEventSource(plan_id=other.id)
            ),
            name="after other",
        ),
    )
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, bind(mesh, after_other.id, plan.id))
    assert plan.id in error.details() and other.id in error.details()
    # A copy chained after the plan is fine (copies do not fire checkpoint triggers).
    copy_id = await bind(mesh, after_plan.id, plan.id, so.SCHEDULED_OPERATION_TYPE_COPY)
    assert copy_id
    # destination_provider_id is for copies only.
    error = await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.call(
            client.operations.CreateScheduledOperation,
            so.CreateScheduledOperationRequest(
                scheduled_operation=so.ScheduledOperation(
                    name="x",
                    operation_type=so.SCHEDULED_OPERATION_TYPE_PROTECT,
                    trigger_id=trigger.id,
                    operation_definition=so.ScheduledOperationDefinition(
                        provider_id=PROVIDER_ID,
                        plan_id=plan.id,
                        destination_provider_id=PROVIDER_ID,
                    ),
                )
            ),
        ),
    )
    assert "scheduled_operation.operation_definition.destination_provider_id" in field_violations(
        error
    )
    # Event triggers round-trip, and update keeps the pending firing with the new quiet period.
    pending = await fire(mesh, trigger.id, "x1")
    updated = await client.call(
        client.triggers.UpdateTrigger,
        triggers_pb2.UpdateTriggerRequest(
            trigger=triggers_pb2.Trigger(
                id=trigger.id, properties=triggers_pb2.TriggerProperties(event=call_rule(quiet=50))
            ),
            update_mask={"paths": ["properties.event"]},
        ),
    )
    assert updated.trigger.properties.event.quiet_period_seconds == 50
    assert updated.trigger.next_fire_time.ToDatetime() == (
        pending.firing.last_event_time.ToDatetime() + timedelta(seconds=50)
    )
    await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.call(
            client.triggers.UpdateTrigger,
            triggers_pb2.UpdateTriggerRequest(
                trigger=triggers_pb2.Trigger(
                    id=timed.id,
                    properties=triggers_pb2.TriggerProperties(event=call_rule(quiet=5)),
                ),
                update_mask={"paths": ["properties.event"]},
            ),
        ),
    )
    listed = await client.call(
        client.triggers.ListTriggers,
        triggers_pb2.ListTriggersRequest(filter="type = TRIGGER_TYPE_EVENT"),
    )
    assert trigger.id in {t.id for t in listed.triggers} and timed.id not in {
        t.id for t in listed.triggers
    }


async def test_firing_nobody_could_start_in_its_window_is_dropped(mesh: Mesh) -> None:
    plan = await create_plan(mesh.admin)
    rule = event_trigger(call_rule(quiet=0))
    rule.properties.window_seconds = 1
    trigger = await create_trigger(mesh, rule)
    op_id = await bind(mesh, trigger.id, plan.id)
    fired = await fire(mesh, trigger.id, "too-early")
    await asyncio.sleep(2.5)  # no scheduler runs meanwhile; the window ends
    await mesh.engine("late")
    await wait_for(lambda: any(r.state == claims.DROPPED for r in claim_rows(mesh)))
    assert not mesh.fake.creates
    firing = await get_firing(mesh, trigger.id, fired.firing.id)
    (run,) = firing.runs
    assert run.state == so.SCHEDULED_OPERATION_RUN_STATE_DROPPED_OUT_OF_WINDOW
    assert fired.firing.id in run.reason and "1 s window" in run.reason
    with mesh.store.read() as session:
        (log,) = session.scalars(
            sa.select(OperationLog).where(OperationLog.scheduled_operation_id == op_id)
        ).all()
    assert log.extra_info is not None and log.extra_info["dropped_out_of_window"] is True
    assert log.extra_info["event_id"] == "call:too-early"
