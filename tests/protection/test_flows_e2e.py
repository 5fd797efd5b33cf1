"""Every operation end to end through the real mesh (`smaug up`): api -> protection -> plugin
server processes -> bank, checking hook order, statuses, reasons, progress and operation logs."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from smaug.v1 import (
    checkpoints_pb2,
    common_pb2,
    operation_logs_pb2,
    providers_pb2,
    resources_pb2,
    restores_pb2,
    verifications_pb2,
)
from support.mesh import Mesh, processes_marked, smaug_up
from support.sample_mesh import CHILDREN, MIRROR, PROVIDER, SAMPLE, Api, write_config


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Mesh, Api, Path]]:
    tmp = tmp_path_factory.mktemp("e2e")
    log = tmp / "hooks.log"
    config = write_config(tmp, log)
    with smaug_up(tmp / "data", {"SMAUG_CONFIG": str(config)}) as running:
        api = Api(running)
        yield running, api, log
        api.channel.close()


def hook_log(log: Path, operation: str) -> list[tuple[str, str]]:
    entries = [line.split() for line in log.read_text().splitlines()]
    return [(rid, phase) for rid, op, phase in entries if op == operation]


def assert_karbor_order(entries: list[tuple[str, str]], phases: tuple[str, ...]) -> None:
    position = {entry: i for i, entry in enumerate(entries)}
    nodes = {"t1", "t2", "t3", "t4", "t5"}
    assert len(entries) == len(set(entries)) == len(nodes) * len(phases), entries
    for node in nodes:
        order = [position[(node, p)] for p in phases]
        assert order == sorted(order)
    for parent, children in CHILDREN.items():
        for child in children:
            assert position[(parent, "prepare_begin")] < position[(child, "prepare_begin")]
            assert position[(child, "prepare_finish")] < position[(parent, "prepare_finish")]
            assert position[(child, "complete")] < position[(parent, "complete")]


PHASES = ("prepare_begin", "prepare_finish", "main", "complete")


def test_provider_view_carries_the_plugin_schemas(mesh: tuple[Mesh, Api, Path]) -> None:
    _, api, _ = mesh
    got = api.call(
        api.providers.GetProvider, providers_pb2.GetProviderRequest(provider_id=PROVIDER)
    )
    (thing,) = got.provider.resource_types
    assert thing.resource_type == "Test::Thing" and thing.plugin_name == "sample"
    assert "mode" in thing.options_schema["properties"]
    assert common_pb2.OPERATION_TYPE_PROTECT in thing.operations


def test_protect_restore_copy_delete_in_karbor_order(mesh: tuple[Mesh, Api, Path]) -> None:
    _running, api, log = mesh
    log.write_text("")
    plan_id = api.plan(["t1", "t5"], {"Test::Thing": {"mode": "ok"}})
    checkpoint, events = api.protect(plan_id)

    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, checkpoint
    assert events[-1].status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE
    assert len(checkpoint.resource_graph.nodes) == 5
    roots = [
        checkpoint.resource_graph.nodes[i].resource.id
        for i in checkpoint.resource_graph.root_indexes
    ]
    assert roots == ["t1"]  # t5 is planned but is a child: processed once, as a child
    assert {s.status for s in checkpoint.resource_states} == {
        resources_pb2.RESOURCE_STATUS_AVAILABLE
    }
    assert checkpoint.progress.resources_done == checkpoint.progress.resources_total == 5
    assert checkpoint.progress.bytes_done == 5 * 30
    assert_karbor_order(hook_log(log, "protect"), PHASES)

    restore = api.call(
        api.restores.CreateRestore,
        restores_pb2.CreateRestoreRequest(
            restore=restores_pb2.Restore(provider_id=PROVIDER, checkpoint_id=checkpoint.id)
        ),
    ).restore
    final = list(
        api.restores.WatchRestore(
            restores_pb2.WatchRestoreRequest(restore_id=restore.id),
            metadata=api.metadata,
            timeout=60,
        )
    )[-1]
    assert final.status == common_pb2.OPERATION_STATUS_SUCCEEDED, final
    restored = {s.resource.id: s.new_resource_id for s in final.resource_states}
    assert restored == {f"t{i}": f"restored-t{i}" for i in range(1, 6)}
    # What the plugin made inside each resource is kept with the restore's record.
    kept = api.call(
        api.restores.GetRestore, restores_pb2.GetRestoreRequest(restore_id=restore.id)
    ).restore
    related = {s.resource.id: dict(s.related_resource_ids) for s in kept.resource_states}
    assert related == {
        f"t{i}": {f"Test::Part#t{i}-part": f"restored-t{i}-part"} for i in range(1, 6)
    }
    assert_karbor_order(hook_log(log, "restore"), PHASES)

    # The sample plugin cannot verify: the verification fails with the plugin's reason.
    verification = api.call(
        api.verifications.CreateVerification,
        verifications_pb2.CreateVerificationRequest(
            verification=verifications_pb2.Verification(
                provider_id=PROVIDER, checkpoint_id=checkpoint.id
            )
        ),
    ).verification
    settled = list(
        api.verifications.WatchVerification(
            verifications_pb2.WatchVerificationRequest(verification_id=verification.id),
            metadata=api.metadata,
            timeout=60,
        )
    )[-1]
    assert settled.status == common_pb2.OPERATION_STATUS_FAILED
    assert "cannot verify Test::Thing" in settled.status_reason

    copies = api.call(
        api.checkpoints.CopyCheckpoints,
        checkpoints_pb2.CopyCheckpointsRequest(
            provider_id=PROVIDER, plan_id=plan_id, destination_provider_id=MIRROR
        ),
    )
    (pair,) = copies.copies
    assert pair.source_checkpoint_id == checkpoint.id
    copy_events = api.settle(MIRROR, pair.copy_checkpoint_id)
    assert copy_events[-1].status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE
    assert copy_events[-1].operation == common_pb2.OPERATION_TYPE_COPY
    again = api.call(
        api.checkpoints.CopyCheckpoints,
        checkpoints_pb2.CopyCheckpointsRequest(
            provider_id=PROVIDER, plan_id=plan_id, destination_provider_id=MIRROR
        ),
    )
    assert list(again.copies) == []  # already copied

    api.call(
        api.checkpoints.DeleteCheckpoint,
        checkpoints_pb2.DeleteCheckpointRequest(provider_id=PROVIDER, checkpoint_id=checkpoint.id),
    )
    deleted = api.settle(PROVIDER, checkpoint.id)
    assert deleted[-1].status == checkpoints_pb2.CHECKPOINT_STATUS_DELETED
    assert deleted[-1].operation == common_pb2.OPERATION_TYPE_DELETE

    logs = api.call(
        api.logs.ListOperationLogs,
        operation_logs_pb2.ListOperationLogsRequest(filter=f'checkpoint_id = "{checkpoint.id}"'),
    ).operation_logs
    kinds = sorted((entry.operation_type, entry.status) for entry in logs)
    assert kinds == sorted(
        [
            (common_pb2.OPERATION_TYPE_PROTECT, common_pb2.OPERATION_STATUS_SUCCEEDED),
            (common_pb2.OPERATION_TYPE_RESTORE, common_pb2.OPERATION_STATUS_SUCCEEDED),
            (common_pb2.OPERATION_TYPE_VERIFY, common_pb2.OPERATION_STATUS_FAILED),
            (common_pb2.OPERATION_TYPE_DELETE, common_pb2.OPERATION_STATUS_SUCCEEDED),
        ]
    )
    assert all(entry.HasField("end_time") for entry in logs)


def test_a_failing_hook_names_the_resource_and_stops_the_flow(
    mesh: tuple[Mesh, Api, Path],
) -> None:
    _, api, log = mesh
    log.write_text("")
    plan_id = api.plan(["t1"], {"Test::Thing#t4": {"mode": "fail"}})
    checkpoint, _ = api.protect(plan_id)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_ERROR
    assert "Test::Thing#t4 failed in main" in checkpoint.status_reason
    assert "thing t4 refused to be copied" in checkpoint.status_reason
    failed = {s.resource.id: s for s in checkpoint.resource_states}
    assert failed["t4"].status == resources_pb2.RESOURCE_STATUS_ERROR
    # Nothing that waits on t4 completed: t3 and t1 never reached complete.
    entries = hook_log(log, "protect")
    assert ("t3", "complete") not in entries and ("t1", "complete") not in entries


def test_restore_refuses_a_checkpoint_that_is_not_available(mesh: tuple[Mesh, Api, Path]) -> None:
    _, api, _ = mesh
    plan_id = api.plan(["t2"], {"Test::Thing": {"mode": "fail"}})
    checkpoint, _ = api.protect(plan_id)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_ERROR
    with pytest.raises(grpc.RpcError) as refused:
        api.call(
            api.restores.CreateRestore,
            restores_pb2.CreateRestoreRequest(
                restore=restores_pb2.Restore(provider_id=PROVIDER, checkpoint_id=checkpoint.id)
            ),
        )
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "only available checkpoints can be restored" in refused.value.details()
    with pytest.raises(grpc.RpcError) as bad_parameter:
        api.call(
            api.restores.CreateRestore,
            restores_pb2.CreateRestoreRequest(
                restore=restores_pb2.Restore(
                    provider_id=PROVIDER,
                    checkpoint_id=checkpoint.id,
                    parameters={"Test::Thing": _struct({"nope": 1})},
                )
            ),
        )
    assert bad_parameter.value.code() in (
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
    )


def _struct(value: dict[str, Any]) -> Any:
    from google.protobuf import struct_pb2

    struct = struct_pb2.Struct()
    struct.update(value)
    return struct


def plugin_pid(mesh: Mesh) -> int:
    (pid,) = [
        p
        for p in processes_marked(str(mesh.data_dir))
        if SAMPLE.encode() in Path(f"/proc/{p}/cmdline").read_bytes()
    ]
    return pid


def test_killed_plugin_fails_the_checkpoint_and_is_restarted(
    mesh: tuple[Mesh, Api, Path],
) -> None:
    running, api, _ = mesh
    plan_id = api.plan(["t2"], {"Test::Thing": {"mode": "slow"}})
    created = api.call(
        api.checkpoints.CreateCheckpoint,
        checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=plan_id),
    )
    time.sleep(1.0)
    victim = plugin_pid(running)
    os.kill(victim, signal.SIGKILL)
    events = api.settle(PROVIDER, created.checkpoint.id)
    assert events[-1].status == checkpoints_pb2.CHECKPOINT_STATUS_ERROR
    assert "plugin sample" in events[-1].status_reason
    # The host restarts the plugin, and the next protect succeeds.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if plugin_pid(running) != victim:
                break
        except ValueError:
            pass
        time.sleep(0.2)
    checkpoint, _ = api.protect(api.plan(["t2"]))
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, (
        checkpoint.status_reason
    )


def test_checkpoint_extra_info_is_kept(mesh: tuple[Mesh, Api, Path]) -> None:
    _, api, _ = mesh
    plan_id = api.plan(["t2"])
    request = checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=plan_id)
    request.extra_info.update({"created_by": "test", "ticket": "42"})
    created = api.call(api.checkpoints.CreateCheckpoint, request)
    api.settle(PROVIDER, created.checkpoint.id)
    got = api.call(
        api.checkpoints.GetCheckpoint,
        checkpoints_pb2.GetCheckpointRequest(
            provider_id=PROVIDER, checkpoint_id=created.checkpoint.id
        ),
    )
    assert dict(got.checkpoint.extra_info) == {"created_by": "test", "ticket": "42"}
    listed = api.call(
        api.checkpoints.ListCheckpoints,
        checkpoints_pb2.ListCheckpointsRequest(provider_id=PROVIDER, plan_id=plan_id),
    )
    assert [c.id for c in listed.checkpoints] == [created.checkpoint.id]
    assert json.loads(json.dumps(dict(got.checkpoint.extra_info)))["ticket"] == "42"


def test_cancel_stops_a_running_protect_within_seconds(mesh: tuple[Mesh, Api, Path]) -> None:
    _, api, _ = mesh
    plan_id = api.plan(["t2"], {"Test::Thing": {"mode": "slow"}})
    created = api.call(
        api.checkpoints.CreateCheckpoint,
        checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=plan_id),
    )
    time.sleep(0.5)
    started = time.monotonic()
    api.call(
        api.checkpoints.CancelCheckpoint,
        checkpoints_pb2.CancelCheckpointRequest(
            provider_id=PROVIDER, checkpoint_id=created.checkpoint.id
        ),
    )
    events = api.settle(PROVIDER, created.checkpoint.id)
    assert time.monotonic() - started < 10
    assert events[-1].status == checkpoints_pb2.CHECKPOINT_STATUS_ERROR
    assert events[-1].status_reason.startswith("cancelled by user ")
    with pytest.raises(grpc.RpcError) as settled:
        api.call(
            api.checkpoints.CancelCheckpoint,
            checkpoints_pb2.CancelCheckpointRequest(
                provider_id=PROVIDER, checkpoint_id=created.checkpoint.id
            ),
        )
    assert settled.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_a_retried_or_racing_protect_with_one_request_id_makes_one_checkpoint(
    mesh: tuple[Mesh, Api, Path],
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from smaug.v1 import quotas_pb2, quotas_pb2_grpc

    _, api, _ = mesh
    quotas = quotas_pb2_grpc.QuotaServiceStub(api.channel)

    def in_use() -> int:
        usage = api.call(quotas.GetQuotaUsage, quotas_pb2.GetQuotaUsageRequest(project_id="admin"))
        return int(usage.quota_usage.checkpoints.in_use)

    before = in_use()
    request = checkpoints_pb2.CreateCheckpointRequest(
        provider_id=PROVIDER,
        plan_id=api.plan(["t2"]),
        request_id="0f0e0d0c-0b0a-4908-8706-050403020100",
    )
    with ThreadPoolExecutor(4) as pool:
        replies = list(
            pool.map(lambda _: api.call(api.checkpoints.CreateCheckpoint, request), range(4))
        )
    ids = {reply.checkpoint.id for reply in replies}
    assert len(ids) == 1
    api.settle(PROVIDER, ids.pop())
    again = api.call(api.checkpoints.CreateCheckpoint, request)
    assert again.checkpoint.id == replies[0].checkpoint.id
    assert in_use() == before + 1
