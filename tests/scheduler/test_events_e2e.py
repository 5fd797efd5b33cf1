"""Event triggers with real processes (`smaug up`: api, scheduler, protection with the sample
plugin, two providers): a deployment pipeline fires a call trigger, which protects the plan; the
new checkpoint becoming available fires a chained trigger, which copies it to the second
provider's bank. Retries protect nothing twice, and the operation logs say which event started
each operation."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from smaug.v1 import (
    checkpoints_pb2,
    common_pb2,
    operation_logs_pb2,
    triggers_pb2,
    triggers_pb2_grpc,
)
from smaug.v1 import scheduled_operations_pb2 as so
from smaug.v1 import scheduled_operations_pb2_grpc as so_grpc
from support.mesh import smaug_up
from support.sample_mesh import MIRROR, PROVIDER, Api, write_config

AVAILABLE = checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE


def wait_until(predicate: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def listed(api: Api, provider_id: str, plan_id: str) -> list[checkpoints_pb2.Checkpoint]:
    reply = api.call(
        api.checkpoints.ListCheckpoints,
        checkpoints_pb2.ListCheckpointsRequest(provider_id=provider_id, plan_id=plan_id),
    )
    return list(reply.checkpoints)


def logs_of(api: Api, checkpoint_id: str) -> list[operation_logs_pb2.OperationLog]:
    reply = api.call(
        api.logs.ListOperationLogs,
        operation_logs_pb2.ListOperationLogsRequest(filter=f'checkpoint_id = "{checkpoint_id}"'),
    )
    return list(reply.operation_logs)


@pytest.mark.timeout(180)
def test_fired_protect_then_chained_copy(tmp_path: Path) -> None:
    env = {
        "SMAUG_CONFIG": str(write_config(tmp_path)),
        "SMAUG_SCHEDULER_POLL_SECONDS": "0.25",
        "SMAUG_SCHEDULER_HEARTBEAT_SECONDS": "0.5",
    }
    with smaug_up(tmp_path / "data", env) as mesh:
        api = Api(mesh)
        triggers = triggers_pb2_grpc.TriggerServiceStub(api.channel)
        operations = so_grpc.ScheduledOperationServiceStub(api.channel)
        plan_id = api.plan(["t1"])

        def trigger(name: str, rule: triggers_pb2.EventRule) -> str:
            reply = api.call(
                triggers.CreateTrigger,
                triggers_pb2.CreateTriggerRequest(
                    trigger=triggers_pb2.Trigger(
                        name=name,
                        type=triggers_pb2.TRIGGER_TYPE_EVENT,
                        properties=triggers_pb2.TriggerProperties(event=rule),
                    )
                ),
            )
            return str(reply.trigger.id)

        def operation(trigger_id: str, kind: int, **definition: str) -> str:
            reply = api.call(
                operations.CreateScheduledOperation,
                so.CreateScheduledOperationRequest(
                    scheduled_operation=so.ScheduledOperation(
                        name="op",
                        operation_type=kind,
                        trigger_id=trigger_id,
                        operation_definition=so.ScheduledOperationDefinition(
                            provider_id=PROVIDER, plan_id=plan_id, **definition
                        ),
                    )
                ),
            )
            return str(reply.scheduled_operation.id)

        release = trigger(
            "before release",
            triggers_pb2.EventRule(call=triggers_pb2.CallEventSource(), quiet_period_seconds=1),
        )
        protect_id = operation(release, so.SCHEDULED_OPERATION_TYPE_PROTECT)
        after = trigger(
            "after protecting",
            triggers_pb2.EventRule(
                checkpoint_available=triggers_pb2.CheckpointEventSource(plan_id=plan_id)
            ),
        )
        copy_id = operation(after, so.SCHEDULED_OPERATION_TYPE_COPY, destination_provider_id=MIRROR)

        def fire(request_id: str) -> triggers_pb2.FireTriggerResponse:
            reply: triggers_pb2.FireTriggerResponse = api.call(
                triggers.FireTrigger,
                triggers_pb2.FireTriggerRequest(trigger_id=release, request_id=request_id),
            )
            return reply

        first = fire("release-1.4.2")
        assert fire("release-1.4.2").duplicate  # the pipeline's retry

        def fired_run() -> triggers_pb2.TriggerFiringRun | None:
            firing = api.call(
                triggers.GetTriggerFiring,
                triggers_pb2.GetTriggerFiringRequest(trigger_id=release, firing_id=first.firing.id),
            ).firing
            done = [r for r in firing.runs if r.checkpoint_ids]
            return done[0] if done else None

        run = wait_until(fired_run, 30, "the fired protect to start")
        (protected_id,) = run.checkpoint_ids
        api.settle(PROVIDER, protected_id)

        copies = wait_until(
            lambda: [c for c in listed(api, MIRROR, plan_id) if c.status == AVAILABLE],
            60,
            "the chained copy to be available",
        )
        (copy,) = copies
        assert copy.source_checkpoint_id == protected_id
        assert fire("release-1.4.2").duplicate
        time.sleep(3)  # anything fired twice would be under way by now
        assert [c.id for c in listed(api, PROVIDER, plan_id)] == [protected_id]
        assert len(listed(api, MIRROR, plan_id)) == 1

        # The logs say what started each operation: the call, then the upstream checkpoint.
        (protect_log,) = logs_of(api, protected_id)
        assert protect_log.operation_type == common_pb2.OPERATION_TYPE_PROTECT
        assert protect_log.scheduled_operation_id == protect_id
        assert protect_log.extra_info["event_source"] == "call"
        assert protect_log.extra_info["event_id"] == "call:release-1.4.2"
        (copy_log,) = wait_until(
            lambda: [
                entry
                for entry in logs_of(api, copy.id)
                if entry.status == common_pb2.OPERATION_STATUS_SUCCEEDED
            ],
            30,
            "the copy log to end",
        )
        assert copy_log.operation_type == common_pb2.OPERATION_TYPE_COPY
        assert copy_log.scheduled_operation_id == copy_id
        assert copy_log.extra_info["event_source"] == "checkpoint_available"
        assert copy_log.extra_info["event_id"] == f"checkpoint:{protected_id}"

        # A protect started by hand is chained the same way.
        manual, _ = api.protect(plan_id)
        assert manual.status == AVAILABLE
        wait_until(
            lambda: (
                {c.source_checkpoint_id for c in listed(api, MIRROR, plan_id)}
                == {protected_id, manual.id}
            ),
            60,
            "the second copy",
        )

        def copy_runs_ended() -> so.ScheduledOperation | None:
            found = api.call(
                operations.GetScheduledOperation,
                so.GetScheduledOperationRequest(scheduled_operation_id=copy_id),
            ).scheduled_operation
            in_progress = so.SCHEDULED_OPERATION_RUN_STATE_IN_PROGRESS
            ended = len(found.recent_runs) == 2 and all(
                r.state != in_progress for r in found.recent_runs
            )
            return found if ended else None

        ops = wait_until(copy_runs_ended, 30, "the copy runs to end")
        assert all(r.trigger_firing_id for r in ops.recent_runs)
        assert "copied 1 checkpoint(s)" in ops.recent_runs[0].reason
