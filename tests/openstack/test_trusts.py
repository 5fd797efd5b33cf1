"""Scheduled operations in Keystone mode run as their owner through a Keystone trust: the owner's
token is long gone when the trigger fires, yet the plugins reach OpenStack as the owner."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import timestamp_pb2

from smaug.v1 import (
    checkpoints_pb2,
    plans_pb2,
    scheduled_operations_pb2,
    triggers_pb2,
)
from support.openstack import PROVIDER, KeystoneApi, OpenStackCloud, Tenant, openstack_plugin

PROJECT = "OS::Keystone::Project"
so = scheduled_operations_pb2


def stamp(moment: datetime) -> timestamp_pb2.Timestamp:
    value = timestamp_pb2.Timestamp()
    value.FromDatetime(moment)
    return value


def trusts_of(cloud: OpenStackCloud, tenant: Tenant) -> list[Any]:
    return [
        trust for trust in cloud.admin.identity.trusts() if trust.trustor_user_id == tenant.user_id
    ]


def test_a_scheduled_protect_runs_as_its_owner_through_a_trust(
    openstack_cloud: OpenStackCloud, openstack_project: Tenant, openstack_mesh_factory: Any
) -> None:
    mesh = openstack_mesh_factory([openstack_plugin("project")])
    api = KeystoneApi(mesh, openstack_project)
    plan = plans_pb2.Plan(name="nightly", provider_id=PROVIDER)
    plan.resources.add(
        type=PROJECT, id=openstack_project.project_id, name=openstack_project.project_name
    )
    plan_id = api.call(api.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan)).plan.id
    first = datetime.now(UTC).replace(microsecond=0, tzinfo=None) + timedelta(seconds=8)
    trigger = api.call(
        api.triggers.CreateTrigger,
        triggers_pb2.CreateTriggerRequest(
            trigger=triggers_pb2.Trigger(
                name="once",
                type=triggers_pb2.TRIGGER_TYPE_TIME,
                properties=triggers_pb2.TriggerProperties(
                    format=triggers_pb2.TRIGGER_FORMAT_CALENDAR,
                    pattern="BEGIN:VEVENT\nRRULE:FREQ=MINUTELY;COUNT=1\nEND:VEVENT",
                    start_time=stamp(first),
                ),
            )
        ),
    ).trigger
    operation = api.call(
        api.scheduled_operations.CreateScheduledOperation,
        so.CreateScheduledOperationRequest(
            scheduled_operation=so.ScheduledOperation(
                name="protect the project",
                operation_type=so.SCHEDULED_OPERATION_TYPE_PROTECT,
                trigger_id=trigger.id,
                operation_definition=so.ScheduledOperationDefinition(
                    provider_id=PROVIDER, plan_id=plan_id
                ),
            )
        ),
    ).scheduled_operation

    # The owner delegated their project roles to Smaug's service user, impersonating.
    (trust,) = trusts_of(openstack_cloud, openstack_project)
    assert trust.project_id == openstack_project.project_id
    assert trust.is_impersonation

    # The run protects through the project plugin, which reads the project as the caller:
    # without a token of the owner it would fail ("carries no Keystone token").
    deadline = time.monotonic() + 120
    checkpoints: list[Any] = []
    while time.monotonic() < deadline and not checkpoints:
        time.sleep(1)
        checkpoints = list(
            api.call(
                api.checkpoints.ListCheckpoints,
                checkpoints_pb2.ListCheckpointsRequest(provider_id=PROVIDER, plan_id=plan_id),
            ).checkpoints
        )
    assert checkpoints, "the scheduled protect did not run within 120 s"
    api.settle(checkpoints[0].id, timeout=120)
    done = api.call(
        api.checkpoints.GetCheckpoint,
        checkpoints_pb2.GetCheckpointRequest(provider_id=PROVIDER, checkpoint_id=checkpoints[0].id),
    ).checkpoint
    assert done.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, done.status_reason
    run = api.call(
        api.scheduled_operations.GetScheduledOperation,
        so.GetScheduledOperationRequest(scheduled_operation_id=operation.id),
    ).scheduled_operation
    assert [r.checkpoint_id for r in run.recent_runs] == [done.id]

    # Deleting the scheduled operation deletes the trust.
    api.call(
        api.scheduled_operations.DeleteScheduledOperation,
        so.DeleteScheduledOperationRequest(scheduled_operation_id=operation.id),
    )
    assert trusts_of(openstack_cloud, openstack_project) == []
