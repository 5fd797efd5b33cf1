"""A protection service killed mid-protect: a surviving (or restarted) one fails the orphaned
checkpoint once the dead one's lease expires, in the provider's shared bank and in a project's
own bank account alike; available checkpoints stay untouched."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from smaug.v1 import (
    bank_accounts_pb2,
    bank_accounts_pb2_grpc,
    checkpoints_pb2,
    common_pb2,
    restores_pb2,
)
from support.mesh import Mesh, mesh_env, serve, stop_served
from support.sample_mesh import PROVIDER, Api, write_config

LEASE_TTL = 3.0


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[dict[str, str], list[subprocess.Popen[bytes]]]]:
    config = write_config(tmp_path, tmp_path / "hooks.log")
    env = {
        **mesh_env(tmp_path / "data"),
        "SMAUG_CONFIG": str(config),
        "SMAUG_PROTECTION__LEASE_TTL_SECONDS": str(LEASE_TTL),
        "SMAUG_PROTECTION__REAP_INTERVAL_SECONDS": "0.5",
    }
    running: list[subprocess.Popen[bytes]] = []
    yield env, running
    stop_served(running, str(tmp_path / "data"))


@pytest.mark.parametrize("in_account", [False, True], ids=["shared-bank", "bank-account"])
def test_orphaned_checkpoint_fails_after_the_lease_expires(
    services: tuple[dict[str, str], list[subprocess.Popen[bytes]]],
    tmp_path: Path,
    in_account: bool,
) -> None:
    env, running = services
    logs = tmp_path / "logs"
    logs.mkdir()
    running.append(serve("protection", env, logs / "protection-1.log"))
    running.append(serve("api", env, logs / "api.log"))
    api = Api(Mesh(running[-1], env, tmp_path / "data", []))  # type: ignore[arg-type]
    account = tmp_path / "accounts" / "admin"  # inside the default account root
    if in_account:
        api.call(
            bank_accounts_pb2_grpc.BankAccountServiceStub(api.channel).SetBankAccount,
            bank_accounts_pb2.SetBankAccountRequest(
                bank_account=bank_accounts_pb2.BankAccount(
                    provider_id=PROVIDER,
                    project_id="admin",
                    filesystem=bank_accounts_pb2.FilesystemBankAccount(path=str(account)),
                )
            ),
        )

    kept, _ = api.protect(api.plan(["t2"]))
    assert kept.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE

    slow = api.call(
        api.checkpoints.CreateCheckpoint,
        checkpoints_pb2.CreateCheckpointRequest(
            provider_id=PROVIDER, plan_id=api.plan(["t1"], {"Test::Thing#t4": {"mode": "slow"}})
        ),
    ).checkpoint
    time.sleep(1.0)
    held_in = account if in_account else tmp_path / "bank"
    assert (held_in / "objects" / "inflight" / f"{slow.id}~").exists()
    running[0].kill()  # SIGKILL: no chance to record anything
    running[0].wait(10)
    killed_at = time.monotonic()

    running.append(serve("protection", env, logs / "protection-2.log"))
    events = api.settle(PROVIDER, slow.id)
    failed = events[-1]
    assert failed.status == checkpoints_pb2.CHECKPOINT_STATUS_ERROR
    assert "stopped while protecting (its lease expired)" in failed.status_reason
    # Failed within the lease expiry plus the reaper's interval and start-up, not later.
    assert time.monotonic() - killed_at < LEASE_TTL + 15

    # What was available before is untouched and restorable.
    again = api.call(
        api.checkpoints.GetCheckpoint,
        checkpoints_pb2.GetCheckpointRequest(provider_id=PROVIDER, checkpoint_id=kept.id),
    ).checkpoint
    assert again.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE
    restore = api.call(
        api.restores.CreateRestore,
        restores_pb2.CreateRestoreRequest(
            restore=restores_pb2.Restore(provider_id=PROVIDER, checkpoint_id=kept.id)
        ),
    ).restore
    final = list(
        api.restores.WatchRestore(
            restores_pb2.WatchRestoreRequest(restore_id=restore.id),
            metadata=api.metadata,
            timeout=60,
        )
    )[-1]
    assert final.status == common_pb2.OPERATION_STATUS_SUCCEEDED
    api.channel.close()
