"""The directory and PostgreSQL plugins through the real mesh (`smaug up`), end to end via the
api: protect, change, protect again (measuring what was read and how much the bank grew),
restore every checkpoint into fresh places, verify, and compare with the originals."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import struct_pb2

from plugins.conftest import tree_size
from plugins.databases import create_database, drop_database, fingerprint
from plugins.trees import MiB, build_tree, snapshot
from smaug.v1 import (
    checkpoints_pb2,
    checkpoints_pb2_grpc,
    common_pb2,
    plans_pb2,
    plans_pb2_grpc,
    resources_pb2,
    restores_pb2,
    restores_pb2_grpc,
    verifications_pb2,
    verifications_pb2_grpc,
)
from support.mesh import Mesh, smaug_up
from support.postgres import PostgresServer, postgres_server  # noqa: F401

PROVIDER = "9d0c8a52-6f1e-4d53-9a39-3c1b8f1e7a10"
DIRECTORY = "Smaug::Directory"
DATABASE = "Smaug::PostgreSQL::Database"
BIG_MIB = 128


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    made = struct_pb2.Struct()
    made.update(value)
    return made


class Api:
    def __init__(self, mesh: Mesh) -> None:
        token = (mesh.data_dir / "admin-token").read_text().strip()
        self.channel = grpc.insecure_channel(mesh.api)
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.plans = plans_pb2_grpc.PlanServiceStub(self.channel)
        self.checkpoints = checkpoints_pb2_grpc.CheckpointServiceStub(self.channel)
        self.restores = restores_pb2_grpc.RestoreServiceStub(self.channel)
        self.verifications = verifications_pb2_grpc.VerificationServiceStub(self.channel)

    def call(self, method: Any, request: Any) -> Any:
        return method(request, metadata=self.metadata, timeout=30)

    def plan(self, resource_type: str, resource_id: str, options: dict[str, Any]) -> str:
        plan = plans_pb2.Plan(name=f"plan {resource_id}", provider_id=PROVIDER)
        plan.resources.add(type=resource_type, id=resource_id, name=Path(resource_id).name)
        if options:
            plan.parameters[resource_type].update(options)
        return str(self.call(self.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan)).plan.id)

    def protect(self, plan_id: str) -> checkpoints_pb2.Checkpoint:
        created = self.call(
            self.checkpoints.CreateCheckpoint,
            checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=plan_id),
        )
        list(
            self.checkpoints.WatchCheckpoint(
                checkpoints_pb2.WatchCheckpointRequest(
                    provider_id=PROVIDER, checkpoint_id=created.checkpoint.id
                ),
                metadata=self.metadata,
                timeout=300,
            )
        )
        return self.call(
            self.checkpoints.GetCheckpoint,
            checkpoints_pb2.GetCheckpointRequest(
                provider_id=PROVIDER, checkpoint_id=created.checkpoint.id
            ),
        ).checkpoint

    def restore(self, checkpoint_id: str, parameters: dict[str, dict[str, Any]]) -> Any:
        restore = restores_pb2.Restore(provider_id=PROVIDER, checkpoint_id=checkpoint_id)
        for key, value in parameters.items():
            restore.parameters[key].CopyFrom(struct(value))
        created = self.call(
            self.restores.CreateRestore, restores_pb2.CreateRestoreRequest(restore=restore)
        ).restore
        return list(
            self.restores.WatchRestore(
                restores_pb2.WatchRestoreRequest(restore_id=created.id),
                metadata=self.metadata,
                timeout=300,
            )
        )[-1]

    def verify(self, checkpoint_id: str) -> Any:
        created = self.call(
            self.verifications.CreateVerification,
            verifications_pb2.CreateVerificationRequest(
                verification=verifications_pb2.Verification(
                    provider_id=PROVIDER, checkpoint_id=checkpoint_id
                )
            ),
        ).verification
        return list(
            self.verifications.WatchVerification(
                verifications_pb2.WatchVerificationRequest(verification_id=created.id),
                metadata=self.metadata,
                timeout=300,
            )
        )[-1]


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: PostgresServer,  # noqa: F811
) -> Iterator[tuple[Api, Path, PostgresServer]]:
    tmp = tmp_path_factory.mktemp("plugins-e2e")
    (tmp / "protected").mkdir()
    config = {
        "providers": [
            {
                "id": PROVIDER,
                "name": "Plugins",
                "description": "directory and PostgreSQL plugins",
                "bank": {"backend": "filesystem", "path": str(tmp / "bank")},
                "plugins": [
                    {
                        "name": "directory",
                        "command": [sys.executable, "-m", "smaug.plugins.directory"],
                        "settings": {
                            "roots": [str(tmp / "protected")],
                            "cache_dir": "{data_dir}/cache/directory",
                        },
                    },
                    {
                        "name": "postgres",
                        "command": [sys.executable, "-m", "smaug.plugins.postgres"],
                        "settings": {
                            "host": "127.0.0.1",
                            "port": postgres_server.port,
                            "user": "postgres",
                        },
                    },
                ],
            }
        ]
    }
    path = tmp / "smaug.yaml"
    path.write_text(yaml.safe_dump(config))
    with smaug_up(tmp / "data", {"SMAUG_CONFIG": str(path)}) as mesh:
        api = Api(mesh)
        yield api, tmp, postgres_server
        api.channel.close()


def resource_state(message: Any) -> Any:
    (state,) = message.resource_states
    return state


def read_counts(reason: str) -> tuple[int, int, int, int]:
    found = re.search(
        r"read (\d+) files, (\d+) bytes; reused (\d+) unchanged files, (\d+) bytes", reason
    )
    assert found, reason
    files_read, bytes_read, files_reused, bytes_reused = map(int, found.groups())
    return files_read, bytes_read, files_reused, bytes_reused


def test_directory_tree_incremental_protect_and_restore(
    world: tuple[Api, Path, PostgresServer],
) -> None:
    api, tmp, _ = world
    root = tmp / "protected" / "tree"
    root.mkdir()
    build_tree(root, big_mib=BIG_MIB, small_files=2000)
    (root / "scratch.tmp").write_text("excluded")
    first_state = snapshot(root)
    del first_state["scratch.tmp"]  # excluded by the plan
    plan_id = api.plan(DIRECTORY, str(root), {"exclude": ["*.tmp"]})

    started = time.monotonic()
    first = api.protect(plan_id)
    first_seconds = time.monotonic() - started
    assert first.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, first.status_reason
    state = resource_state(first)
    files_read, bytes_read, _, _ = read_counts(state.reason)
    assert bytes_read >= BIG_MIB * MiB and files_read > 2000
    bank_after_first = tree_size(tmp / "bank")

    # Change one small file, append to the big one.
    (root / "many" / "f0100.txt").write_text("changed content\n")
    with open(root / "big.bin", "ab") as out:
        out.write(os.urandom(64 * 1024))
    (root / "scratch.tmp").unlink()
    second_state = snapshot(root)
    started = time.monotonic()
    second = api.protect(plan_id)
    second_seconds = time.monotonic() - started
    assert second.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, second.status_reason
    files_read2, bytes_read2, files_reused2, _ = read_counts(resource_state(second).reason)
    growth = tree_size(tmp / "bank") - bank_after_first
    small_read = bytes_read2 - (root / "big.bin").stat().st_size
    print(
        f"\nfirst protect: {bytes_read} bytes read in {first_seconds:.1f}s, bank "
        f"{bank_after_first} bytes; second protect: {files_read2} files / {bytes_read2} bytes "
        f"read ({small_read} bytes of small files), {files_reused2} files reused, in "
        f"{second_seconds:.1f}s; bank grew {growth} bytes"
    )
    assert 0 <= small_read <= 8 * MiB  # the changed small file's pack at most
    assert files_reused2 >= 2000 - 512
    assert growth < 12 * MiB, growth  # vs > 128 MiB for the first

    for checkpoint, expected in ((first, first_state), (second, second_state)):
        target = tmp / "restored" / checkpoint.id
        final = api.restore(checkpoint.id, {DIRECTORY: {"target": str(target)}})
        assert final.status == common_pb2.OPERATION_STATUS_SUCCEEDED, final.status_reason
        restored = resource_state(final)
        assert restored.new_resource_id == str(target)
        assert f"into {target}" in restored.reason
        assert snapshot(target) == expected
        verified = api.verify(checkpoint.id)
        assert verified.status == common_pb2.OPERATION_STATUS_SUCCEEDED, verified.status_reason
        assert "re-read and checked" in resource_state(verified).reason

    # Never over the original, never into a non-empty directory.
    refused = api.restore(second.id, {DIRECTORY: {"target": str(root)}})
    assert refused.status == common_pb2.OPERATION_STATUS_FAILED
    assert "would write into the protected directory" in refused.status_reason
    assert snapshot(root) == second_state

    api.call(
        api.checkpoints.DeleteCheckpoint,
        checkpoints_pb2.DeleteCheckpointRequest(provider_id=PROVIDER, checkpoint_id=first.id),
    )
    deleted = list(
        api.checkpoints.WatchCheckpoint(
            checkpoints_pb2.WatchCheckpointRequest(provider_id=PROVIDER, checkpoint_id=first.id),
            metadata=api.metadata,
            timeout=60,
        )
    )
    assert deleted[-1].status == checkpoints_pb2.CHECKPOINT_STATUS_DELETED


def test_database_protect_drop_restore(world: tuple[Api, Path, PostgresServer]) -> None:
    api, _, server = world
    name = f"e2e_shop_{os.getpid()}"
    drop_database(server, name)
    create_database(server, name)
    before = fingerprint(server, name)
    plan_id = api.plan(DATABASE, name, {})
    checkpoint = api.protect(plan_id)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, (
        checkpoint.status_reason
    )
    state = resource_state(checkpoint)
    assert state.status == resources_pb2.RESOURCE_STATUS_AVAILABLE
    assert f"dumped database {name}" in state.reason
    assert state.progress.bytes_done > 2 * MiB

    verified = api.verify(checkpoint.id)
    assert verified.status == common_pb2.OPERATION_STATUS_SUCCEEDED, verified.status_reason

    drop_database(server, name)
    final = api.restore(checkpoint.id, {DATABASE: {"replace": True}})
    assert final.status == common_pb2.OPERATION_STATUS_SUCCEEDED, final.status_reason
    assert resource_state(final).new_resource_id == name
    assert fingerprint(server, name) == before

    copy = api.restore(checkpoint.id, {DATABASE: {"database": f"{name}_copy"}})
    assert copy.status == common_pb2.OPERATION_STATUS_SUCCEEDED, copy.status_reason
    assert fingerprint(server, f"{name}_copy") == before
    again = api.restore(checkpoint.id, {DATABASE: {"database": f"{name}_copy"}})
    assert again.status == common_pb2.OPERATION_STATUS_FAILED
    assert f"database {name}_copy already exists" in again.status_reason
    for leftover in (name, f"{name}_copy"):
        drop_database(server, leftover)
