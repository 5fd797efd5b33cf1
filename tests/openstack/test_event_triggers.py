"""Notification triggers against the real OpenStack services: a project member's trigger on its
own project's volume notifications protects the project's plan once when a volume is created in
the real Cinder (which publishes on RabbitMQ through oslo.messaging), and not for a volume of
another project."""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu.connection import Connection

from smaug.v1 import (
    checkpoints_pb2,
    common_pb2,
    operation_logs_pb2,
    plans_pb2,
    resources_pb2,
    triggers_pb2,
)
from smaug.v1 import scheduled_operations_pb2 as so
from support.openstack import PROVIDER, KeystoneApi, OpenStackCloud, Tenant

SAMPLE = str(Path(__file__).resolve().parents[1] / "support" / "sample_plugin.py")
RABBIT = "rabbit://guest:guest@127.0.0.1:5672/"
QUIET = 3


@pytest.fixture
def notification_queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The scheduler listens on the cloud's RabbitMQ through a queue of this test's own."""
    name = f"smaug-test-{uuid.uuid4().hex[:8]}.notifications"
    monkeypatch.setenv("SMAUG_SCHEDULER__NOTIFICATION_URL", RABBIT)
    monkeypatch.setenv("SMAUG_SCHEDULER__NOTIFICATION_QUEUE", name)
    monkeypatch.setenv("SMAUG_SCHEDULER_POLL_SECONDS", "0.5")
    try:
        yield name
    finally:
        with Connection("amqp://guest:guest@127.0.0.1:5672//") as connection:
            connection.channel().queue_delete(name)


def wait_until(predicate: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_creating_a_volume_in_cinder_protects_the_projects_plan_once(
    openstack_cloud: OpenStackCloud,
    openstack_project: Tenant,
    openstack_mesh_factory: Any,
    notification_queue: str,
) -> None:
    sample = {
        "name": "sample",
        "command": [sys.executable, SAMPLE],
        "settings": {"children": {}},
    }
    mesh = openstack_mesh_factory([sample])
    member = KeystoneApi(mesh, openstack_project)
    plan = member.call(
        member.plans.CreatePlan,
        plans_pb2.CreatePlanRequest(
            plan=plans_pb2.Plan(
                name="project data",
                provider_id=PROVIDER,
                resources=[resources_pb2.Resource(type="Test::Thing", id="t1", name="first")],
            )
        ),
    ).plan
    # No project named: the member's own project, which in Keystone mode is the OpenStack one.
    trigger = member.call(
        member.triggers.CreateTrigger,
        triggers_pb2.CreateTriggerRequest(
            trigger=triggers_pb2.Trigger(
                name="new volumes",
                type=triggers_pb2.TRIGGER_TYPE_EVENT,
                properties=triggers_pb2.TriggerProperties(
                    event=triggers_pb2.EventRule(
                        notification=triggers_pb2.NotificationEventSource(
                            event_types=["volume.create.end"],
                            resource_types=["OS::Cinder::Volume"],
                        ),
                        quiet_period_seconds=QUIET,
                    )
                ),
            )
        ),
    ).trigger
    operation = member.call(
        member.scheduled_operations.CreateScheduledOperation,
        so.CreateScheduledOperationRequest(
            scheduled_operation=so.ScheduledOperation(
                name="protect on new volume",
                operation_type=so.SCHEDULED_OPERATION_TYPE_PROTECT,
                trigger_id=trigger.id,
                operation_definition=so.ScheduledOperationDefinition(
                    provider_id=PROVIDER, plan_id=plan.id
                ),
            )
        ),
    ).scheduled_operation
    time.sleep(2)  # the listener has bound its queue and sees the new trigger

    def checkpoints() -> list[checkpoints_pb2.Checkpoint]:
        return list(
            member.call(
                member.checkpoints.ListCheckpoints,
                checkpoints_pb2.ListCheckpointsRequest(provider_id=PROVIDER, plan_id=plan.id),
            ).checkpoints
        )

    # Another project's volume does not fire the member's trigger.
    admin = openstack_cloud.admin
    elsewhere = admin.block_storage.create_volume(size=1, name="smaug-elsewhere")
    try:
        admin.block_storage.wait_for_status(elsewhere, "available", wait=120)
        volume = openstack_project.connection.block_storage.create_volume(size=1, name="data")
        openstack_project.connection.block_storage.wait_for_status(volume, "available", wait=120)
        found = wait_until(checkpoints, 60, "a checkpoint of the plan")
        time.sleep(QUIET + 3)  # a second protect would have started by now
        found = checkpoints()
    finally:
        admin.block_storage.delete_volume(elsewhere)
    assert len(found) == 1, found
    checkpoint = found[0]
    extra = checkpoint.extra_info.fields
    assert extra["scheduled_operation_id"].string_value == operation.id
    assert extra["event_source"].string_value == "notification"
    assert extra["event_type"].string_value == "volume.create.end"
    assert extra["event_count"].number_value == 1

    firing_id = extra["trigger_firing_id"].string_value
    firing = member.call(
        member.triggers.GetTriggerFiring,
        triggers_pb2.GetTriggerFiringRequest(trigger_id=trigger.id, firing_id=firing_id),
    ).firing
    (event,) = firing.events
    assert event.event_type == "volume.create.end"
    assert (event.resource_type, event.resource_id) == ("OS::Cinder::Volume", volume.id)
    assert event.project_id == openstack_project.project_id
    assert event.publisher_id.startswith("volume.")
    (run,) = firing.runs
    assert list(run.checkpoint_ids) == [checkpoint.id]

    # The operation log says which notification fired the protect.
    log = wait_until(
        lambda: [
            entry
            for entry in member.call(
                member.logs.ListOperationLogs,
                operation_logs_pb2.ListOperationLogsRequest(
                    filter=f'checkpoint_id = "{checkpoint.id}"'
                ),
            ).operation_logs
            if entry.status == common_pb2.OPERATION_STATUS_SUCCEEDED
        ],
        60,
        "the protect to end",
    )[0]
    assert log.scheduled_operation_id == operation.id
    assert log.extra_info.fields["event_id"].string_value == event.id
    assert log.extra_info.fields["event_type"].string_value == "volume.create.end"
