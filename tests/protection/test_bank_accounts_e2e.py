"""Per-project bank accounts through a real mesh (`smaug up`), with the directory plugin and a
SeaweedFS S3 server that enforces credentials: each project's checkpoints, indices and chunks
live only in its own account (a bucket, a prefix, a directory) under its own credentials and key;
deduplication never crosses accounts; lists and lookups read only the caller's account (admins
list them all); a project without an account on a provider requiring one is told how to get one;
a project cannot be moved while its checkpoints are where it keeps them now."""

from __future__ import annotations

import base64
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import grpc
import pytest
import yaml
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError
from google.protobuf import struct_pb2

from smaug.mesh.errors import field_violations
from smaug.store import accounts, identities
from smaug.store.db import Store
from smaug.v1 import (
    bank_accounts_pb2,
    bank_accounts_pb2_grpc,
    checkpoints_pb2,
    checkpoints_pb2_grpc,
    common_pb2,
    plans_pb2,
    plans_pb2_grpc,
    providers_pb2,
    providers_pb2_grpc,
    restores_pb2,
    restores_pb2_grpc,
)
from support.mesh import Mesh, smaug_up
from support.seaweed import ADMIN, S3Identity, SeaweedS3

VAULT = "5e1f7a3c-2b4d-4e6f-8a9b-0c1d2e3f4a5b"  # S3, accounts required, encrypted
LOCAL = "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d"  # filesystem, accounts optional
DIRECTORY = "Smaug::Directory"
MiB = 1024 * 1024

ALPHA = S3Identity(
    "alpha",
    "alpha-key",
    "alpha-secret-0123456789",
    ("Read:acct-alpha", "Write:acct-alpha", "List:acct-alpha"),
)
# The same rights under another key: credentials rotated by the S3 administrator.
ALPHA_ROTATED = S3Identity(
    "alpha-rotated", "alpha-key-2", "alpha-secret-2-0123456789", ALPHA.actions
)
BETA = S3Identity(
    "beta",
    "beta-key",
    "beta-secret-0123456789",
    ("Read:tenants/beta/*", "Write:tenants/beta/*", "List:tenants/beta/*"),
)


def s3(server: SeaweedS3, who: S3Identity, secret: str | None = None) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=server.endpoint,
        aws_access_key_id=who.access_key,
        aws_secret_access_key=secret or who.secret_key,
        region_name="us-east-1",
        config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )


def keys(server: SeaweedS3, bucket: str, prefix: str = "") -> list[str]:
    admin = s3(server, ADMIN)
    found: list[str] = []
    for page in admin.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found.extend(item["Key"] for item in page.get("Contents", []))
    return found


def error_code(call: Any) -> str:
    try:
        call()
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return "OK"


@dataclass
class User:
    """Stubs of the api for one user."""

    channel: grpc.Channel
    token: str

    def __post_init__(self) -> None:
        self.metadata = (("authorization", f"Bearer {self.token}"),)
        self.accounts = bank_accounts_pb2_grpc.BankAccountServiceStub(self.channel)
        self.plans = plans_pb2_grpc.PlanServiceStub(self.channel)
        self.checkpoints = checkpoints_pb2_grpc.CheckpointServiceStub(self.channel)
        self.restores = restores_pb2_grpc.RestoreServiceStub(self.channel)
        self.providers = providers_pb2_grpc.ProviderServiceStub(self.channel)

    def call(self, method: Any, request: Any) -> Any:
        return method(request, metadata=self.metadata, timeout=60)

    def error(self, method: Any, request: Any) -> grpc.RpcError:
        with pytest.raises(grpc.RpcError) as caught:
            self.call(method, request)
        return caught.value

    def plan(self, provider_id: str, path: Path) -> str:
        plan = plans_pb2.Plan(name=f"plan {path.name}", provider_id=provider_id)
        plan.resources.add(type=DIRECTORY, id=str(path), name=path.name)
        return str(self.call(self.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan)).plan.id)

    def protect(self, provider_id: str, plan_id: str) -> checkpoints_pb2.Checkpoint:
        created = self.call(
            self.checkpoints.CreateCheckpoint,
            checkpoints_pb2.CreateCheckpointRequest(provider_id=provider_id, plan_id=plan_id),
        )
        return self.settle(provider_id, created.checkpoint.id)

    def settle(self, provider_id: str, checkpoint_id: str) -> checkpoints_pb2.Checkpoint:
        list(
            self.checkpoints.WatchCheckpoint(
                checkpoints_pb2.WatchCheckpointRequest(
                    provider_id=provider_id, checkpoint_id=checkpoint_id
                ),
                metadata=self.metadata,
                timeout=120,
            )
        )
        return self.get(provider_id, checkpoint_id)

    def get(self, provider_id: str, checkpoint_id: str) -> checkpoints_pb2.Checkpoint:
        return self.call(
            self.checkpoints.GetCheckpoint,
            checkpoints_pb2.GetCheckpointRequest(
                provider_id=provider_id, checkpoint_id=checkpoint_id
            ),
        ).checkpoint

    def listed(self, provider_id: str, all_projects: bool = False) -> list[str]:
        ids: list[str] = []
        token = ""
        while True:
            reply = self.call(
                self.checkpoints.ListCheckpoints,
                checkpoints_pb2.ListCheckpointsRequest(
                    provider_id=provider_id,
                    all_projects=all_projects,
                    page_size=1,
                    page_token=token,
                ),
            )
            ids.extend(c.id for c in reply.checkpoints)
            token = reply.next_page_token
            if not token:
                return ids

    def delete(self, provider_id: str, checkpoint_id: str) -> None:
        self.call(
            self.checkpoints.DeleteCheckpoint,
            checkpoints_pb2.DeleteCheckpointRequest(
                provider_id=provider_id, checkpoint_id=checkpoint_id
            ),
        )
        final = self.settle(provider_id, checkpoint_id)
        assert final.status == checkpoints_pb2.CHECKPOINT_STATUS_DELETED, final.status_reason

    def restore(self, provider_id: str, checkpoint_id: str, target: Path) -> Any:
        restore = restores_pb2.Restore(provider_id=provider_id, checkpoint_id=checkpoint_id)
        options = struct_pb2.Struct()
        options.update({"target": str(target)})
        restore.parameters[DIRECTORY].CopyFrom(options)
        created = self.call(
            self.restores.CreateRestore, restores_pb2.CreateRestoreRequest(restore=restore)
        ).restore
        return list(
            self.restores.WatchRestore(
                restores_pb2.WatchRestoreRequest(restore_id=created.id),
                metadata=self.metadata,
                timeout=120,
            )
        )[-1]

    def set_account(self, account: bank_accounts_pb2.BankAccount) -> Any:
        return self.call(
            self.accounts.SetBankAccount,
            bank_accounts_pb2.SetBankAccountRequest(bank_account=account),
        ).bank_account


def s3_account(
    project: str, bucket: str = "", prefix: str = "", who: S3Identity | None = None
) -> bank_accounts_pb2.BankAccount:
    return bank_accounts_pb2.BankAccount(
        provider_id=VAULT,
        project_id=project,
        s3=bank_accounts_pb2.S3BankAccount(
            bucket=bucket,
            prefix=prefix,
            access_key_id=who.access_key if who else "",
            secret_access_key=who.secret_key if who else "",
        ),
    )


def fs_account(project: str, path: Path) -> bank_accounts_pb2.BankAccount:
    return bank_accounts_pb2.BankAccount(
        provider_id=LOCAL,
        project_id=project,
        filesystem=bank_accounts_pb2.FilesystemBankAccount(path=str(path)),
    )


@dataclass
class World:
    mesh: Mesh
    seaweed: SeaweedS3
    tmp: Path
    source: Path
    admin: User
    alpha: User
    beta: User
    gamma: User


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("accounts")
    source = tmp / "protected" / "tree"
    (source / "docs").mkdir(parents=True)
    (source / "big.bin").write_bytes(os.urandom(4 * MiB))
    for n in range(20):
        (source / "docs" / f"note{n}.txt").write_text(f"note {n}\n" * (n + 1))
    directory = {
        "name": "directory",
        "command": [sys.executable, "-m", "smaug.plugins.directory"],
        "settings": {"roots": [str(tmp / "protected")], "cache_dir": "{data_dir}/cache/dir"},
    }
    with SeaweedS3.start(
        tmp / "seaweed", identities=(ADMIN, ALPHA, ALPHA_ROTATED, BETA)
    ) as seaweed:
        admin_s3 = s3(seaweed, ADMIN)
        for bucket in ("acct-alpha", "tenants"):
            admin_s3.create_bucket(Bucket=bucket)
        config = {
            "providers": [
                {
                    "id": VAULT,
                    "name": "Vault",
                    "description": "S3, an account per project",
                    "accounts": "required",
                    "bank": {
                        "backend": "s3",
                        "endpoint": seaweed.endpoint,
                        "bucket": "tenants",
                        "encryption_key": base64.b64encode(os.urandom(32)).decode(),
                    },
                    "plugins": [directory],
                },
                {
                    "id": LOCAL,
                    "name": "Local FS",
                    "description": "filesystem, accounts optional",
                    "bank": {"backend": "filesystem", "path": str(tmp / "bank")},
                    "plugins": [directory],
                },
            ]
        }
        path = tmp / "smaug.yaml"
        path.write_text(yaml.safe_dump(config))
        data = tmp / "data"
        with smaug_up(data, {"SMAUG_CONFIG": str(path)}) as mesh:
            store = Store(f"sqlite:///{data}/smaug.db", migrate_to=None)
            tokens = {}
            with store.write() as session:
                for project in ("alpha", "beta", "gamma"):
                    tokens[project] = identities.create_user(session, project, project)[1]
            store.dispose()
            channel = grpc.insecure_channel(mesh.api)
            admin = User(channel, (data / "admin-token").read_text().strip())
            try:
                yield World(
                    mesh,
                    seaweed,
                    tmp,
                    source,
                    admin,
                    User(channel, tokens["alpha"]),
                    User(channel, tokens["beta"]),
                    User(channel, tokens["gamma"]),
                )
            finally:
                channel.close()


def test_projects_protect_into_their_own_accounts(world: World) -> None:
    admin, alpha, beta = world.admin, world.alpha, world.beta
    got = admin.set_account(s3_account("alpha", bucket="acct-alpha", who=ALPHA))
    # The secret is accepted, stored sealed, and never shown again.
    assert got.s3.secret_access_key == "" and got.s3.has_secret_access_key
    assert got.uri == "s3://acct-alpha/" and got.encrypted
    admin.set_account(s3_account("beta", prefix="beta", who=BETA))  # the provider's bucket
    shown = admin.call(admin.accounts.ListBankAccounts, bank_accounts_pb2.ListBankAccountsRequest())
    assert [(a.project_id, a.uri) for a in shown.bank_accounts] == [
        ("alpha", "s3://acct-alpha/"),
        ("beta", "s3://tenants/beta/"),
    ]
    for secret in (ALPHA.secret_key, BETA.secret_key):
        assert secret.encode() not in shown.SerializeToString()
    provider = admin.call(
        admin.providers.GetProvider, providers_pb2.GetProviderRequest(provider_id=VAULT)
    ).provider
    assert provider.bank_accounts_required

    # Both projects protect the same directory: identical data.
    alpha_plan = alpha.plan(VAULT, world.source)
    first = alpha.protect(VAULT, alpha_plan)
    assert first.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, first.status_reason
    second = beta.protect(VAULT, beta.plan(VAULT, world.source))
    assert second.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, second.status_reason
    # The directory plugin offered its cached chunk references; beta's account has none of
    # them, so beta's protect read (and uploaded) everything itself.
    (state,) = second.resource_states
    found = re.search(r"read (\d+) files, (\d+) bytes; reused (\d+) unchanged files", state.reason)
    assert found, state.reason
    files_read, bytes_read, files_reused = map(int, found.groups())
    assert (files_read, files_reused) == (21, 0) and bytes_read >= 4 * MiB, state.reason

    in_alpha = keys(world.seaweed, "acct-alpha")
    in_tenants = keys(world.seaweed, "tenants")
    assert in_tenants and all(key.startswith("beta/") for key in in_tenants), in_tenants[:5]
    assert any(f"checkpoints/{first.id}/" in key for key in in_alpha)
    assert not any(second.id in key for key in in_alpha)
    assert any(key.startswith(f"beta/checkpoints/{second.id}/") for key in in_tenants)
    assert not any(first.id in key for key in in_tenants)
    # Indices live with their checkpoints.
    assert any(key.startswith("idx/") for key in in_alpha)
    assert any(key.startswith("beta/idx/") for key in in_tenants)
    # Dedup never crosses accounts: beta stored its own copy of every chunk, and as each
    # account seals (and names) chunks under its own key, no chunk object is shared.
    alpha_chunks = {k.removeprefix("chunks/") for k in in_alpha if k.startswith("chunks/")}
    beta_chunks = {k.removeprefix("beta/chunks/") for k in in_tenants if "/chunks/" in k}
    assert len(alpha_chunks) == len(beta_chunks) >= 4
    assert not alpha_chunks & beta_chunks

    # Each account's credentials reach only its own objects.
    alpha_s3, beta_s3 = s3(world.seaweed, ALPHA), s3(world.seaweed, BETA)
    beta_key = next(k for k in in_tenants if "/chunks/" in k)
    alpha_key = next(k for k in in_alpha if k.startswith("chunks/"))
    assert error_code(lambda: alpha_s3.get_object(Bucket="tenants", Key=beta_key)) == (
        "AccessDenied"
    )
    assert error_code(lambda: alpha_s3.list_objects_v2(Bucket="tenants", Prefix="beta/")) == (
        "AccessDenied"
    )
    assert error_code(lambda: beta_s3.get_object(Bucket="acct-alpha", Key=alpha_key)) == (
        "AccessDenied"
    )
    assert error_code(lambda: beta_s3.list_objects_v2(Bucket="acct-alpha")) == "AccessDenied"
    assert error_code(lambda: alpha_s3.get_object(Bucket="acct-alpha", Key=alpha_key)) == "OK"
    assert error_code(lambda: beta_s3.get_object(Bucket="tenants", Key=beta_key)) == "OK"
    wrong = s3(world.seaweed, ALPHA, secret="not-the-secret")
    assert error_code(lambda: wrong.get_object(Bucket="acct-alpha", Key=alpha_key)) == (
        "SignatureDoesNotMatch"
    )

    # Lists and lookups read only the caller's account; the admin lists them all.
    assert alpha.listed(VAULT) == [first.id]
    assert beta.listed(VAULT) == [second.id]
    assert sorted(admin.listed(VAULT, all_projects=True)) == sorted([first.id, second.id])
    assert admin.listed(VAULT) == []  # the admin's project has no account here
    for call in (
        lambda: alpha.get(VAULT, second.id),
        lambda: alpha.restore(VAULT, second.id, world.tmp / "never"),
        lambda: alpha.call(
            alpha.checkpoints.DeleteCheckpoint,
            checkpoints_pb2.DeleteCheckpointRequest(provider_id=VAULT, checkpoint_id=second.id),
        ),
    ):
        with pytest.raises(grpc.RpcError) as caught:
            call()
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert admin.get(VAULT, second.id).project_id == "beta"

    # Restore reads the account (decrypting with its key) and gives back the data.
    done = alpha.restore(VAULT, first.id, world.tmp / "restored-alpha")
    assert done.status == common_pb2.OPERATION_STATUS_SUCCEEDED, done.status_reason
    restored = world.tmp / "restored-alpha" / "big.bin"
    assert restored.read_bytes() == (world.source / "big.bin").read_bytes()

    # New credentials for the same place are no move: allowed with checkpoints there. The bank
    # is reopened with them (taking over this service's lease there) and keeps working.
    rotated = admin.set_account(s3_account("alpha", bucket="acct-alpha", who=ALPHA_ROTATED))
    assert rotated.s3.access_key_id == ALPHA_ROTATED.access_key
    third = alpha.protect(VAULT, alpha_plan)
    assert third.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, third.status_reason
    assert alpha.listed(VAULT) == [third.id, first.id]
    # An unchanged access key without a secret keeps the stored secret.
    unchanged = s3_account("alpha", bucket="acct-alpha", who=ALPHA_ROTATED)
    unchanged.s3.secret_access_key = ""
    again = admin.set_account(unchanged)
    assert again.s3.has_secret_access_key and again.uri == "s3://acct-alpha/"
    assert alpha.listed(VAULT) == [third.id, first.id]
    # Moving alpha while its checkpoint is in acct-alpha is refused.
    error = admin.error(
        admin.accounts.SetBankAccount,
        bank_accounts_pb2.SetBankAccountRequest(
            bank_account=s3_account("alpha", prefix="alpha", who=ALPHA)
        ),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "alpha still has 2 checkpoints in the bank account" in (error.details() or "")


def test_no_account_on_a_provider_requiring_one(world: World) -> None:
    gamma = world.gamma
    plan_id = gamma.plan(VAULT, world.source)  # plans may exist before the account
    error = gamma.error(
        gamma.checkpoints.CreateCheckpoint,
        checkpoints_pb2.CreateCheckpointRequest(provider_id=VAULT, plan_id=plan_id),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    details = error.details() or ""
    assert "project gamma has no bank account on provider Vault" in details, details
    assert VAULT in details and "SetBankAccount" in details
    assert gamma.listed(VAULT) == []


def test_account_administration_is_checked(world: World) -> None:
    admin, alpha = world.admin, world.alpha
    stub = alpha.accounts
    for method, request in (
        (
            stub.GetBankAccount,
            bank_accounts_pb2.GetBankAccountRequest(provider_id=VAULT, project_id="alpha"),
        ),
        (stub.ListBankAccounts, bank_accounts_pb2.ListBankAccountsRequest()),
        (
            stub.SetBankAccount,
            bank_accounts_pb2.SetBankAccountRequest(
                bank_account=s3_account("alpha", "acct-alpha", who=ALPHA)
            ),
        ),
        (
            stub.DeleteBankAccount,
            bank_accounts_pb2.DeleteBankAccountRequest(provider_id=VAULT, project_id="alpha"),
        ),
    ):
        assert alpha.error(method, request).code() == grpc.StatusCode.PERMISSION_DENIED

    def refused(account: bank_accounts_pb2.BankAccount) -> tuple[grpc.StatusCode, dict[str, str]]:
        error = admin.error(
            admin.accounts.SetBankAccount,
            bank_accounts_pb2.SetBankAccountRequest(bank_account=account),
        )
        return error.code(), field_violations(error)  # type: ignore[arg-type]

    invalid = grpc.StatusCode.INVALID_ARGUMENT
    # Checked by the api.
    code, fields = refused(bank_accounts_pb2.BankAccount(provider_id=VAULT, project_id="x"))
    assert code == invalid and "bank_account" in fields
    code, fields = refused(s3_account("x", bucket="Bad_Bucket"))
    assert code == invalid and "bank_account.s3.bucket" in fields
    code, fields = refused(s3_account("x", prefix="a/../b"))
    assert code == invalid and "bank_account.s3.prefix" in fields
    no_key = s3_account("x", "acct-x")
    no_key.s3.secret_access_key = "orphan"
    code, fields = refused(no_key)
    assert code == invalid and "bank_account.s3.secret_access_key" in fields
    code, fields = refused(fs_account("x", Path("relative/dir")))
    assert code == invalid and "bank_account.filesystem.path" in fields
    code, fields = refused(s3_account("", "acct-x"))
    assert code == invalid and "bank_account.project_id" in fields
    # Checked by protection against the configuration.
    wrong_kind = fs_account("x", world.tmp / "accounts" / "x")
    wrong_kind.provider_id = VAULT
    code, fields = refused(wrong_kind)
    assert code == invalid and "bank_account.filesystem" in fields
    code, fields = refused(fs_account("x", world.tmp / "elsewhere"))
    assert code == invalid and "bank_account.filesystem.path" in fields
    code, fields = refused(fs_account("x", world.tmp / "bank" / "inside"))
    assert code == invalid and "bank_account.filesystem.path" in fields
    code, fields = refused(s3_account("x", prefix="beta/nested", who=BETA))
    assert code == invalid and "overlaps the account of project beta" in fields["bank_account.s3"]
    missing = s3_account("x", "acct-x")
    missing.provider_id = "00000000-0000-4000-8000-000000000000"
    assert refused(missing)[0] == grpc.StatusCode.NOT_FOUND
    # The storage is asked: a wrong secret is refused before it is stored.
    bad_secret = s3_account("x", prefix="x", who=BETA)
    bad_secret.s3.secret_access_key = "wrong"
    error = admin.error(
        admin.accounts.SetBankAccount,
        bank_accounts_pb2.SetBankAccountRequest(bank_account=bad_secret),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "cannot be opened" in (error.details() or "")
    missing_account = admin.error(
        admin.accounts.GetBankAccount,
        bank_accounts_pb2.GetBankAccountRequest(provider_id=VAULT, project_id="x"),
    )
    assert missing_account.code() == grpc.StatusCode.NOT_FOUND

    # The account of a provider since removed from the configuration can still be removed.
    gone = "99999999-0000-4000-8000-000000000000"
    store = Store(f"sqlite:///{world.mesh.data_dir}/smaug.db", migrate_to=None)
    with store.write() as session:
        accounts.put_account(session, accounts.Account(gone, "x", "filesystem", {"path": "/x"}))
    store.dispose()
    request = bank_accounts_pb2.DeleteBankAccountRequest(provider_id=gone, project_id="x")
    admin.call(admin.accounts.DeleteBankAccount, request)
    assert admin.error(admin.accounts.DeleteBankAccount, request).code() == (
        grpc.StatusCode.NOT_FOUND
    )


def test_moving_a_project_waits_until_its_checkpoints_are_gone(world: World) -> None:
    admin, gamma, beta = world.admin, world.gamma, world.beta
    root = world.tmp / "accounts"  # the default account root beside tmp/bank
    plan_id = gamma.plan(LOCAL, world.source)
    shared = gamma.protect(LOCAL, plan_id)  # no account: the shared bank
    assert shared.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, shared.status_reason
    others = beta.protect(LOCAL, beta.plan(LOCAL, world.source))
    assert others.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, others.status_reason

    error = admin.error(
        admin.accounts.SetBankAccount,
        bank_accounts_pb2.SetBankAccountRequest(bank_account=fs_account("gamma", root / "g1")),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "gamma still has 1 checkpoint in the shared bank of provider Local FS" in (
        error.details() or ""
    ), error.details()
    gamma.delete(LOCAL, shared.id)
    got = admin.set_account(fs_account("gamma", root / "g1"))
    assert got.uri == f"file://{root / 'g1'}" and not got.encrypted

    moved = gamma.protect(LOCAL, plan_id)
    assert moved.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, moved.status_reason
    assert (root / "g1" / "objects" / "checkpoints" / moved.id).is_dir()
    assert not (world.tmp / "bank" / "objects" / "checkpoints" / moved.id).exists()
    assert gamma.listed(LOCAL) == [moved.id]
    assert beta.listed(LOCAL) == [others.id]
    # The admin lists across the shared bank and every account, newest first, page by page.
    assert admin.listed(LOCAL, all_projects=True) == [moved.id, others.id]

    # Moving on again, or removing the account, waits until its checkpoint is gone.
    error = admin.error(
        admin.accounts.SetBankAccount,
        bank_accounts_pb2.SetBankAccountRequest(bank_account=fs_account("gamma", root / "g2")),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "gamma still has 1 checkpoint in the bank account of project gamma" in (
        error.details() or ""
    )
    error = admin.error(
        admin.accounts.DeleteBankAccount,
        bank_accounts_pb2.DeleteBankAccountRequest(provider_id=LOCAL, project_id="gamma"),
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "still holds 1 checkpoint" in (error.details() or "")

    gamma.delete(LOCAL, moved.id)
    assert admin.set_account(fs_account("gamma", root / "g2")).uri.endswith("/g2")
    admin.call(
        admin.accounts.DeleteBankAccount,
        bank_accounts_pb2.DeleteBankAccountRequest(provider_id=LOCAL, project_id="gamma"),
    )
    assert gamma.listed(LOCAL) == []
