"""Two protection services sharing one store change bank accounts one at a time: two projects
asking at the same instant, through different replicas, for overlapping directories never both
get them; a change abandoned while it waits for the lock changes nothing."""

from __future__ import annotations

import itertools
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest

from smaug.protection.account_service import ACCOUNTS_LOCK
from smaug.store.db import Store
from smaug.store.mutex import StoreMutex
from smaug.v1 import bank_accounts_pb2, bank_accounts_pb2_grpc
from support.mesh import Mesh, mesh_env, serve, stop_served
from support.ports import free_port
from support.sample_mesh import PROVIDER, Api, write_config

ROUNDS = 6


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[list[Api]]:
    """Two api + protection pairs over one SQLite store and one configuration."""
    config = write_config(tmp_path)
    first = {**mesh_env(tmp_path / "data"), "SMAUG_CONFIG": str(config)}
    protection = f"127.0.0.1:{free_port()}"
    second = {
        **first,
        "SMAUG_API__LISTEN": f"127.0.0.1:{free_port()}",
        "SMAUG_API__PROTECTION_ADDRESS": protection,
        "SMAUG_PROTECTION__LISTEN": protection,
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    running: list[subprocess.Popen[bytes]] = []
    apis: list[Api] = []
    try:
        for number, env in enumerate((first, second), start=1):
            running.append(serve("protection", env, logs / f"protection-{number}.log"))
            running.append(serve("api", env, logs / f"api-{number}.log"))
            apis.append(Api(Mesh(running[-1], env, tmp_path / "data", [])))  # type: ignore[arg-type]
        yield apis
    finally:
        for api in apis:
            api.channel.close()
        stop_served(running, str(tmp_path / "data"))


def set_account(api: Api, project: str, path: Path) -> grpc.StatusCode:
    try:
        api.call(
            bank_accounts_pb2_grpc.BankAccountServiceStub(api.channel).SetBankAccount,
            bank_accounts_pb2.SetBankAccountRequest(
                bank_account=bank_accounts_pb2.BankAccount(
                    provider_id=PROVIDER,
                    project_id=project,
                    filesystem=bank_accounts_pb2.FilesystemBankAccount(path=str(path)),
                )
            ),
        )
    except grpc.RpcError as error:
        return error.code()
    return grpc.StatusCode.OK


def at_once(asks: list[tuple[Api, str, Path]]) -> list[grpc.StatusCode]:
    """SetBankAccount calls started at the same instant, one thread each."""
    start = threading.Barrier(len(asks))

    def ask(api: Api, project: str, path: Path) -> grpc.StatusCode:
        start.wait()
        return set_account(api, project, path)

    with ThreadPoolExecutor(len(asks)) as pool:
        return list(pool.map(lambda one: ask(*one), asks))


def test_overlapping_accounts_asked_through_two_replicas_at_once(
    replicas: list[Api], tmp_path: Path
) -> None:
    roots = tmp_path / "accounts"  # the sample provider's default account root
    for round_number in range(ROUNDS):
        outer = roots / f"round-{round_number}"
        asks = [
            (replicas[0], f"outer-{round_number}", outer),
            (replicas[1], f"inner-{round_number}", outer / "inner"),
        ]
        if round_number % 2:
            asks.reverse()  # each replica goes first now and then
        answers = at_once(asks)
        assert sorted(code.name for code in answers) == ["INVALID_ARGUMENT", "OK"], answers

    listed = (
        replicas[1]
        .call(
            bank_accounts_pb2_grpc.BankAccountServiceStub(replicas[1].channel).ListBankAccounts,
            bank_accounts_pb2.ListBankAccountsRequest(provider_id=PROVIDER, page_size=100),
        )
        .bank_accounts
    )
    assert len(listed) == ROUNDS  # one account of each pair, the one that was answered OK
    paths = sorted(Path(account.filesystem.path) for account in listed)
    for one, other in itertools.pairwise(paths):
        assert not other.is_relative_to(one), f"{other} lies inside {one}"


def test_a_change_that_waits_too_long_or_is_abandoned_changes_nothing(
    replicas: list[Api], tmp_path: Path
) -> None:
    """While something else holds the account lock, a caller that gives up while waiting
    leaves no account behind once the lock is free."""
    store = Store(f"sqlite:///{tmp_path / 'data' / 'smaug.db'}", migrate_to=None)
    holder = StoreMutex(store, ACCOUNTS_LOCK)
    try:
        assert holder.try_acquire()
        api = replicas[0]
        stub = bank_accounts_pb2_grpc.BankAccountServiceStub(api.channel)
        request = bank_accounts_pb2.SetBankAccountRequest(
            bank_account=bank_accounts_pb2.BankAccount(
                provider_id=PROVIDER,
                project_id="impatient",
                filesystem=bank_accounts_pb2.FilesystemBankAccount(
                    path=str(tmp_path / "accounts" / "impatient")
                ),
            )
        )
        with pytest.raises(grpc.RpcError) as gave_up:
            stub.SetBankAccount(request, metadata=api.metadata, timeout=1.5)
        assert gave_up.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        time.sleep(1.0)  # the cancellation reaches the protection service while the lock is held
    finally:
        holder.release()
        store.dispose()
    time.sleep(1.5)  # the abandoned change would have run by now
    listed = api.call(
        stub.ListBankAccounts,
        bank_accounts_pb2.ListBankAccountsRequest(provider_id=PROVIDER, project_id="impatient"),
    ).bank_accounts
    assert list(listed) == []
    # And with the lock free, the same request goes through at once.
    assert set_account(api, "impatient", tmp_path / "accounts" / "impatient") == (
        grpc.StatusCode.OK
    )
