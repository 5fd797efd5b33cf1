"""Exactly once with real processes: `smaug up` (api, protection with the sample plugin, one
scheduler) plus two more `smaug serve scheduler` replicas, all on one PostgreSQL database. One
replica is killed with SIGKILL while it holds runs; every occurrence of a one-second trigger still
runs each scheduled operation exactly once (counted from checkpoints and operation logs)."""

from __future__ import annotations

import collections
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pytest
import sqlalchemy as sa
import yaml
from google.protobuf import timestamp_pb2

from smaug.store.db import Store
from smaug.store.models import ScheduledOperationClaim
from smaug.v1 import (
    checkpoints_pb2,
    checkpoints_pb2_grpc,
    common_pb2,
    operation_logs_pb2,
    operation_logs_pb2_grpc,
    plans_pb2,
    plans_pb2_grpc,
    scheduled_operations_pb2,
    scheduled_operations_pb2_grpc,
    services_pb2,
    services_pb2_grpc,
    triggers_pb2,
    triggers_pb2_grpc,
)
from support.mesh import serve, smaug_up
from support.ports import free_port
from support.postgres import PostgresServer, postgres_server  # noqa: F401

SAMPLE = str(Path(__file__).resolve().parents[1] / "support" / "sample_plugin.py")
PROVIDER = "11111111-2222-4333-8444-555555555555"
OCCURRENCES = 35
KILL_AFTER = 12  # seconds after the first occurrence
WINDOW = 10
STALE = 2.0


def write_config(tmp: Path) -> Path:
    plugin = {
        "name": "sample",
        "command": [sys.executable, SAMPLE],
        "settings": {"children": {}, "log": str(tmp / "hooks.log")},
    }
    config = {
        "providers": [
            {
                "id": PROVIDER,
                "name": "Sample",
                "description": "sample plugin",
                "bank": {"backend": "filesystem", "path": str(tmp / "bank")},
                "plugins": [plugin],
            }
        ]
    }
    path = tmp / "smaug.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def stamp(value: datetime) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(value)
    return out


@pytest.mark.timeout(240)
def test_three_replicas_one_killed_every_occurrence_exactly_once(
    tmp_path: Path,
    postgres_server: PostgresServer,  # noqa: F811
) -> None:
    database = postgres_server.new_database()
    env = {
        "SMAUG_CONFIG": str(write_config(tmp_path)),
        "SMAUG_API__DATABASE_URL": database,
        "SMAUG_SCHEDULER__DATABASE_URL": database,
        "SMAUG_TRIGGER_MIN_INTERVAL": "1",
        "SMAUG_TRIGGER_MIN_WINDOW": "1",
        "SMAUG_TRIGGER_MAX_WINDOW": "60",
        "SMAUG_SCHEDULER_POLL_SECONDS": "0.25",
        "SMAUG_SCHEDULER_HEARTBEAT_SECONDS": "0.4",
        "SMAUG_SCHEDULER_CLAIM_STALE_SECONDS": str(STALE),
        "SMAUG_SERVICE_DOWN_SECONDS": "3",
    }
    extra: list[subprocess.Popen[bytes]] = []
    with smaug_up(tmp_path / "data", env) as mesh:
        try:
            for slow in (False, True):
                replica_env = {
                    **mesh.env,
                    "SMAUG_SCHEDULER__LISTEN": f"127.0.0.1:{free_port()}",
                    # The replica to be killed pauses after claiming, so it dies holding runs.
                    "SMAUG_SCHEDULER_TEST_RUN_DELAY_SECONDS": "0.8" if slow else "0",
                    "SMAUG_SCHEDULER_REPLICA": "victim" if slow else "replica-2",
                }
                extra.append(
                    serve("scheduler", replica_env, tmp_path / f"scheduler{len(extra)}.log")
                )
            victim = extra[1]
            token = (mesh.data_dir / "admin-token").read_text().strip()
            metadata = (("authorization", f"Bearer {token}"),)
            channel = grpc.insecure_channel(mesh.api)
            plans = plans_pb2_grpc.PlanServiceStub(channel)
            triggers = triggers_pb2_grpc.TriggerServiceStub(channel)
            operations = scheduled_operations_pb2_grpc.ScheduledOperationServiceStub(channel)
            checkpoints = checkpoints_pb2_grpc.CheckpointServiceStub(channel)
            logs = operation_logs_pb2_grpc.OperationLogServiceStub(channel)
            services = services_pb2_grpc.ServiceRegistryServiceStub(channel)

            def call(method, request):  # type: ignore[no-untyped-def]
                return method(request, metadata=metadata, timeout=30)

            plan_ids = []
            for name in ("protected", "retained"):
                plan = plans_pb2.Plan(name=name, provider_id=PROVIDER)
                plan.resources.add(type="Test::Thing", id=f"{name}-1", name=name)
                plan_ids.append(
                    call(plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan)).plan.id
                )
            first = datetime.now(UTC).replace(microsecond=0, tzinfo=None) + timedelta(seconds=5)
            last = first + timedelta(seconds=OCCURRENCES - 1)
            trigger = call(
                triggers.CreateTrigger,
                triggers_pb2.CreateTriggerRequest(
                    trigger=triggers_pb2.Trigger(
                        name="every second",
                        type=triggers_pb2.TRIGGER_TYPE_TIME,
                        properties=triggers_pb2.TriggerProperties(
                            format=triggers_pb2.TRIGGER_FORMAT_CALENDAR,
                            pattern="BEGIN:VEVENT\nRRULE:FREQ=SECONDLY;INTERVAL=1\nEND:VEVENT",
                            start_time=stamp(first),
                            end_time=stamp(last),
                            window_seconds=WINDOW,
                        ),
                    )
                ),
            ).trigger
            assert trigger.next_fire_time.ToDatetime() == first
            so = scheduled_operations_pb2
            ops = []
            for plan_id, kind, keep in (
                (plan_ids[0], so.SCHEDULED_OPERATION_TYPE_PROTECT, 0),
                (plan_ids[1], so.SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT, 3),
            ):
                ops.append(
                    call(
                        operations.CreateScheduledOperation,
                        so.CreateScheduledOperationRequest(
                            scheduled_operation=so.ScheduledOperation(
                                name=f"op {kind}",
                                operation_type=kind,
                                trigger_id=trigger.id,
                                operation_definition=so.ScheduledOperationDefinition(
                                    provider_id=PROVIDER, plan_id=plan_id, max_backups=keep
                                ),
                            )
                        ),
                    ).scheduled_operation
                )

            # Three replicas registered, all up.
            listed = call(
                services.ListServiceInstances,
                services_pb2.ListServiceInstancesRequest(filter='binary = "smaug-scheduler"'),
            ).service_instances
            assert len(listed) == 3, listed
            assert {s.state for s in listed} == {services_pb2.SERVICE_INSTANCE_STATE_UP}

            kill_at = first + timedelta(seconds=KILL_AFTER)
            time.sleep(max(0.0, (kill_at - datetime.now(UTC).replace(tzinfo=None)).total_seconds()))
            store = Store(database, migrate_to=None)
            # Kill it while it holds a run (claimed, not finished).
            holding = sa.select(sa.func.count()).where(
                ScheduledOperationClaim.replica == "victim", ScheduledOperationClaim.state == 1
            )
            # The victim wins about a third of the claims; give it time to hold one (the trigger
            # keeps firing until first + OCCURRENCES), then kill it with the run in its hands.
            give_up = time.monotonic() + 20
            while time.monotonic() < give_up:
                with store.read() as session:
                    if session.scalar(holding):
                        break
                time.sleep(0.05)
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            with store.read() as session:
                orphaned = set(
                    session.scalars(
                        sa.select(ScheduledOperationClaim.id).where(
                            ScheduledOperationClaim.replica == "victim",
                            ScheduledOperationClaim.state == 1,
                        )
                    ).all()
                )
            assert orphaned, (
                "the victim held no run when it was killed: the scenario was not reached"
            )
            deadline = time.monotonic() + OCCURRENCES + WINDOW + 40
            while time.monotonic() < deadline:
                with store.read() as session:
                    rows = session.scalars(sa.select(ScheduledOperationClaim)).all()
                done = [r for r in rows if r.state != 1]
                if len(done) >= 2 * OCCURRENCES and datetime.now(UTC).replace(
                    tzinfo=None
                ) > last + timedelta(seconds=2):
                    break
                time.sleep(0.5)
            with store.read() as session:
                rows = session.scalars(sa.select(ScheduledOperationClaim)).all()
            store.dispose()

            expected = {first + timedelta(seconds=i) for i in range(OCCURRENCES)}
            for op in ops:
                mine = [r for r in rows if r.scheduled_operation_id == op.id]
                assert sorted(r.occurrence_time for r in mine) == sorted(expected)
                states = collections.Counter(r.state for r in mine)
                assert states == {2: OCCURRENCES}, (
                    states,
                    [r.reason for r in mine if r.state != 2],
                )
            # Every run the victim held when it died was taken over by a survivor and finished.
            taken_over = [r for r in rows if r.id in orphaned]
            assert len(taken_over) == len(orphaned)
            assert all(r.attempts > 1 and r.replica != "victim" for r in taken_over), [
                (r.replica, r.attempts, r.state) for r in taken_over
            ]

            # Operation logs: one PROTECT entry per occurrence and operation, all succeeded.
            time.sleep(2)  # let the last protects finish
            for op in ops:
                entries = call(
                    logs.ListOperationLogs,
                    operation_logs_pb2.ListOperationLogsRequest(
                        filter=f'scheduled_operation_id = "{op.id}"', page_size=1000
                    ),
                ).operation_logs
                protects = [
                    e for e in entries if e.operation_type == common_pb2.OPERATION_TYPE_PROTECT
                ]
                assert len(protects) == OCCURRENCES, len(protects)
                assert len({e.checkpoint_id for e in protects}) == OCCURRENCES
                assert {e.status for e in protects} == {common_pb2.OPERATION_STATUS_SUCCEEDED}

            # Checkpoints of the protect-only operation: exactly one per occurrence.
            listed_checkpoints = call(
                checkpoints.ListCheckpoints,
                checkpoints_pb2.ListCheckpointsRequest(
                    provider_id=PROVIDER, plan_id=plan_ids[0], page_size=1000
                ),
            ).checkpoints
            per_time = collections.Counter(
                c.extra_info["scheduled_time"] for c in listed_checkpoints
            )
            wanted = {t.isoformat() + "Z" for t in expected}
            assert set(per_time) == wanted
            assert max(per_time.values()) == 1
            # Retention kept the newest 3 available (plus any taken after the last run listed).
            retained = call(
                checkpoints.ListCheckpoints,
                checkpoints_pb2.ListCheckpointsRequest(
                    provider_id=PROVIDER, plan_id=plan_ids[1], page_size=1000
                ),
            ).checkpoints
            available = [
                c for c in retained if c.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE
            ]
            assert 3 <= len(available) <= 5, len(available)

            # The killed replica is reported down.
            time.sleep(3.5)
            listed = call(
                services.ListServiceInstances,
                services_pb2.ListServiceInstancesRequest(filter='binary = "smaug-scheduler"'),
            ).service_instances
            states = collections.Counter(s.state for s in listed)
            assert states == {
                services_pb2.SERVICE_INSTANCE_STATE_UP: 2,
                services_pb2.SERVICE_INSTANCE_STATE_DOWN: 1,
            }
            print(
                f"occurrences={OCCURRENCES} operations={len(ops)} runs={len(rows)} "
                f"taken_over={len(taken_over)} duplicates=0 missing=0"
            )
            channel.close()
        finally:
            for child in extra:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in extra:
                try:
                    child.wait(30)
                except subprocess.TimeoutExpired:
                    child.kill()
