"""Triggers and scheduled operations."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2, timestamp_pb2

from api.conftest import OTHER_PROVIDER_ID, PROVIDER_ID, Api
from api.test_plans import create, expect
from smaug.mesh.errors import field_violations
from smaug.v1 import scheduled_operations_pb2 as so_pb2
from smaug.v1 import triggers_pb2

DAILY = "BEGIN:VEVENT\\nRRULE:FREQ=DAILY;INTERVAL=1;\\nEND:VEVENT"


def trigger(
    pattern: str = "0 2 * * *", fmt: int = triggers_pb2.TRIGGER_FORMAT_CRONTAB, **props: object
) -> triggers_pb2.Trigger:
    return triggers_pb2.Trigger(
        name="nightly",
        type=triggers_pb2.TRIGGER_TYPE_TIME,
        properties=triggers_pb2.TriggerProperties(format=fmt, pattern=pattern, **props),  # type: ignore[arg-type]
    )


async def test_trigger_lifecycle_and_validation(api: Api) -> None:
    client = api.admin
    created = (
        await client.call(
            client.triggers.CreateTrigger, triggers_pb2.CreateTriggerRequest(trigger=trigger())
        )
    ).trigger
    assert created.next_fire_time.ToDatetime().hour == 2
    assert created.properties.window_seconds == 900
    calendar = (
        await client.call(
            client.triggers.CreateTrigger,
            triggers_pb2.CreateTriggerRequest(
                trigger=trigger(DAILY, triggers_pb2.TRIGGER_FORMAT_CALENDAR)
            ),
        )
    ).trigger
    assert calendar.HasField("next_fire_time")

    got = await client.call(
        client.triggers.GetTrigger, triggers_pb2.GetTriggerRequest(trigger_id=created.id)
    )
    assert got.trigger == created
    updated = (
        await client.call(
            client.triggers.UpdateTrigger,
            triggers_pb2.UpdateTriggerRequest(
                trigger=triggers_pb2.Trigger(
                    id=created.id, properties=triggers_pb2.TriggerProperties(pattern="30 4 * * *")
                ),
                update_mask=field_mask_pb2.FieldMask(paths=["properties.pattern"]),
            ),
        )
    ).trigger
    assert updated.next_fire_time.ToDatetime().hour == 4
    assert updated.properties.format == triggers_pb2.TRIGGER_FORMAT_CRONTAB

    cases = [
        (trigger("*/5 * * * *"), "trigger.properties.pattern"),
        (trigger("not cron"), "trigger.properties.pattern"),
        (
            trigger("BEGIN:VEVENT\nEND:VEVENT", triggers_pb2.TRIGGER_FORMAT_CALENDAR),
            "trigger.properties.pattern",
        ),
        (trigger(window_seconds=10), "trigger.properties.window_seconds"),
        (trigger(fmt=0), "trigger.properties.format"),
        (
            trigger(
                start_time=timestamp_pb2.Timestamp(seconds=2_000_000_000),
                end_time=timestamp_pb2.Timestamp(seconds=1_900_000_000),
            ),
            "trigger.properties.end_time",
        ),
        (
            trigger(end_time=timestamp_pb2.Timestamp(seconds=1_000_000_000)),
            "trigger.properties.end_time",
        ),
        (
            # An EVENT trigger names its events, not a time rule.
            triggers_pb2.Trigger(
                name="x", type=triggers_pb2.TRIGGER_TYPE_EVENT, properties=trigger().properties
            ),
            "trigger.properties.event",
        ),
        (
            triggers_pb2.Trigger(name="x", properties=trigger().properties),
            "trigger.type",
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

    listed = await client.call(
        client.triggers.ListTriggers,
        triggers_pb2.ListTriggersRequest(
            filter="properties.format = CALENDAR", order_by="next_fire_time"
        ),
    )
    assert [t.id for t in listed.triggers] == [calendar.id]


async def test_scheduled_operations_and_trigger_in_use(api: Api) -> None:
    client = api.admin
    plan = await create(client)
    trig = (
        await client.call(
            client.triggers.CreateTrigger, triggers_pb2.CreateTriggerRequest(trigger=trigger())
        )
    ).trigger
    definition = so_pb2.ScheduledOperationDefinition(provider_id=PROVIDER_ID, plan_id=plan.id)
    op = so_pb2.ScheduledOperation(
        name="nightly protect",
        operation_type=so_pb2.SCHEDULED_OPERATION_TYPE_PROTECT,
        trigger_id=trig.id,
        operation_definition=definition,
    )
    made = (
        await client.call(
            client.operations.CreateScheduledOperation,
            so_pb2.CreateScheduledOperationRequest(scheduled_operation=op),
        )
    ).scheduled_operation
    assert made.enabled and made.user_id

    error = await expect(
        grpc.StatusCode.FAILED_PRECONDITION,
        client.call(
            client.triggers.DeleteTrigger, triggers_pb2.DeleteTriggerRequest(trigger_id=trig.id)
        ),
    )
    assert made.id in (error.details() or "")

    disabled = (
        await client.call(
            client.operations.UpdateScheduledOperation,
            so_pb2.UpdateScheduledOperationRequest(
                scheduled_operation=so_pb2.ScheduledOperation(id=made.id, enabled=False),
                update_mask=field_mask_pb2.FieldMask(paths=["enabled"]),
            ),
        )
    ).scheduled_operation
    assert not disabled.enabled
    listed = await client.call(
        client.operations.ListScheduledOperations,
        so_pb2.ListScheduledOperationsRequest(filter="enabled = false"),
    )
    assert [o.id for o in listed.scheduled_operations] == [made.id]

    wrong_provider = so_pb2.ScheduledOperation()
    wrong_provider.CopyFrom(op)
    wrong_provider.operation_definition.provider_id = OTHER_PROVIDER_ID
    retention_on_protect = so_pb2.ScheduledOperation()
    retention_on_protect.CopyFrom(op)
    retention_on_protect.operation_definition.max_backups = 3
    negative = so_pb2.ScheduledOperation()
    negative.CopyFrom(op)
    negative.operation_type = so_pb2.SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT
    negative.operation_definition.retention_duration_days = -1
    missing_plan = so_pb2.ScheduledOperation()
    missing_plan.CopyFrom(op)
    missing_plan.operation_definition.plan_id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    for bad in (wrong_provider, retention_on_protect, negative, missing_plan):
        await expect(
            grpc.StatusCode.INVALID_ARGUMENT,
            client.call(
                client.operations.CreateScheduledOperation,
                so_pb2.CreateScheduledOperationRequest(scheduled_operation=bad),
            ),
        )
    missing_trigger = so_pb2.ScheduledOperation()
    missing_trigger.CopyFrom(op)
    missing_trigger.trigger_id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
    await expect(
        grpc.StatusCode.NOT_FOUND,
        client.call(
            client.operations.CreateScheduledOperation,
            so_pb2.CreateScheduledOperationRequest(scheduled_operation=missing_trigger),
        ),
    )

    # Another project can neither see nor use them.
    eve = api.user("eve", "project-e")
    await expect(
        grpc.StatusCode.NOT_FOUND,
        eve.call(
            eve.operations.GetScheduledOperation,
            so_pb2.GetScheduledOperationRequest(scheduled_operation_id=made.id),
        ),
    )
    await expect(
        grpc.StatusCode.NOT_FOUND,
        eve.call(eve.triggers.GetTrigger, triggers_pb2.GetTriggerRequest(trigger_id=trig.id)),
    )
    await expect(
        grpc.StatusCode.NOT_FOUND,
        eve.call(eve.triggers.DeleteTrigger, triggers_pb2.DeleteTriggerRequest(trigger_id=trig.id)),
    )
    assert not (
        await eve.call(eve.triggers.ListTriggers, triggers_pb2.ListTriggersRequest())
    ).triggers

    await client.call(
        client.operations.DeleteScheduledOperation,
        so_pb2.DeleteScheduledOperationRequest(scheduled_operation_id=made.id),
    )
    await client.call(
        client.triggers.DeleteTrigger, triggers_pb2.DeleteTriggerRequest(trigger_id=trig.id)
    )
    await expect(
        grpc.StatusCode.NOT_FOUND,
        client.call(client.triggers.GetTrigger, triggers_pb2.GetTriggerRequest(trigger_id=trig.id)),
    )
