"""SetBankAccount and DeleteBankAccount as served by protection (the api checks the caller and the
request's shape first, then forwards): the checks that need the configuration and the banks.

Set checks the location against the provider (backend, bucket, account roots), refuses one that
overlaps a shared bank or another account, refuses to move a project whose checkpoints are still
where it keeps them now, opens the new bank with the given credentials (so wrong ones are
refused before they are stored), and refuses a location already holding another project's
checkpoints. Delete refuses while the account holds checkpoints of its project. Changes run one
at a time across every protection replica (a store lock, smaug.store.mutex).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from smaug.bank.errors import CheckpointNotFound
from smaug.mesh.errors import RpcError, failed_precondition, invalid_argument, not_found
from smaug.mesh.identity import Identity
from smaug.protection.accounts import (
    AccountBank,
    BankAccounts,
    account_location,
    shared_location,
)
from smaug.protection.providers import Provider
from smaug.store.accounts import Account, to_proto, uri
from smaug.store.mutex import LockBusy
from smaug.v1 import bank_accounts_pb2, bank_accounts_pb2_grpc

T = TypeVar("T")

# How many of a project's checkpoints a refusal counts before saying "at least".
COUNT_LIMIT = 1000
# The store lock every replica takes to change accounts, and how long a change waits for it.
ACCOUNTS_LOCK = "bank-accounts"
ACCOUNTS_LOCK_WAIT_SECONDS = 30.0


def _admin(identity: Identity, what: str) -> None:
    if not identity.is_admin:
        raise RpcError(grpc.StatusCode.PERMISSION_DENIED, f"{what} is admin only")


async def _checkpoints_of(handle: AccountBank, project_id: str) -> list[str]:
    return await asyncio.to_thread(
        handle.bank.checkpoints.list,
        provider_id=handle.provider.id,
        project_id=project_id,
        limit=COUNT_LIMIT,
    )


def _read_by_the_api() -> RpcError:
    return RpcError(
        grpc.StatusCode.UNIMPLEMENTED,
        "bank accounts are read through the api service, which reads them from the store",
    )


def _count(ids: list[str]) -> str:
    many = len(ids) >= COUNT_LIMIT
    return f"{'at least ' if many else ''}{len(ids)} checkpoint{'s' if len(ids) != 1 else ''}"


class BankAccountServicer(bank_accounts_pb2_grpc.BankAccountServiceServicer):
    def __init__(self, accounts: BankAccounts, authenticate: Callable[[Any], Identity]) -> None:
        self._accounts = accounts
        self._records = accounts.records
        self._authenticate = authenticate
        # One change at a time in this service: the checks read what the previous one wrote.
        self._changing = asyncio.Lock()

    # -- the wanted account --------------------------------------------------------------------
    def _wanted(
        self, provider: Provider, message: bank_accounts_pb2.BankAccount, current: Account | None
    ) -> Account:
        """The account to store, from the request and the provider's configuration."""
        config = provider.config
        backend = str(config.bank.get("backend", "filesystem"))
        given = message.WhichOneof("location")
        if given != backend:
            raise invalid_argument(
                f"provider {config.name} keeps its bank on {backend}; give bank_account.{backend}",
                {f"bank_account.{given or backend}": f"provider {provider.id} needs {backend}"},
            )
        project = message.project_id
        if backend == "filesystem":
            path = message.filesystem.path
            roots = config.account_roots
            if not any(path != root and os.path.commonpath([path, root]) == root for root in roots):
                allowed = ", ".join(roots) or "none: the provider has no account_roots configured"
                raise invalid_argument(
                    f"bank account directory {path} is not inside the account roots of provider "
                    f"{config.name} ({allowed})",
                    {"bank_account.filesystem.path": f"must be inside one of: {allowed}"},
                )
            return Account(
                provider.id,
                project,
                "filesystem",
                {"path": path},
                encrypted=bool(config.bank.get("encryption_key")),
            )

        s3 = message.s3
        bucket = s3.bucket or str(config.bank.get("bucket") or "")
        if not bucket:
            raise invalid_argument(
                f"provider {config.name} has no bucket of its own; name the account's bucket",
                {"bank_account.s3.bucket": "required: the provider has no default bucket"},
            )
        sealed = ""
        if s3.access_key_id:
            if s3.secret_access_key:
                sealed = self._accounts.secrets.seal(s3.secret_access_key, provider.id, project)
            elif current is not None and current.access_key_id == s3.access_key_id:
                sealed = current.sealed_secret  # unchanged key: keep the stored secret
            if not sealed:
                raise invalid_argument(
                    "secret_access_key is required with a new access_key_id",
                    {"bank_account.s3.secret_access_key": "required with a new access_key_id"},
                )
        return Account(
            provider.id,
            project,
            "s3",
            {"bucket": bucket, "prefix": s3.prefix.strip("/")},
            access_key_id=s3.access_key_id,
            sealed_secret=sealed,
            encrypted=bool(config.bank.get("encryption_key")),
        )

    async def _refuse_overlaps(self, provider: Provider, account: Account) -> None:
        """No two banks may share objects: not an account and a shared bank, not two accounts."""
        field = f"bank_account.{account.backend}"
        mine = account_location(provider.config, account)
        for other in self._accounts.registry.providers.values():
            shared = shared_location(other.config)
            if shared is not None and mine.overlaps(shared):
                raise invalid_argument(
                    f"{uri(account)} overlaps the shared bank of provider {other.config.name}; "
                    "an account needs a bucket, prefix or directory of its own",
                    {field: f"overlaps the shared bank of provider {other.id}"},
                )
        for existing in await self._records.accounts():
            if (existing.provider_id, existing.project_id) == (provider.id, account.project_id):
                continue
            owner = self._accounts.registry.providers.get(existing.provider_id)
            if owner is None:
                continue
            if mine.overlaps(account_location(owner.config, existing)):
                raise invalid_argument(
                    f"{uri(account)} overlaps the bank account of project {existing.project_id} "
                    f"on provider {owner.config.name} ({uri(existing)})",
                    {field: f"overlaps the account of project {existing.project_id}"},
                )

    async def _refuse_move(
        self, provider: Provider, account: Account, current: Account | None
    ) -> None:
        """A project may move only when nothing of it is left where it keeps checkpoints now."""
        if current is not None:
            if account_location(provider.config, current) == account_location(
                provider.config, account
            ):
                return  # the same place, new credentials: no move
            old = await self._accounts.open_account(provider, current)
        elif provider.config.accounts_required:
            return
        else:
            old = await self._accounts.shared(provider)
        ids = await _checkpoints_of(old, account.project_id)
        if ids:
            raise failed_precondition(
                f"project {account.project_id} still has {_count(ids)} in {old.describe()}; "
                "moving it to another bank account would hide them: delete them first (smaug "
                f"checkpoint list --provider {provider.id} --all-projects lists them), or keep "
                "the current location",
                subject=f"provider/{provider.id}/bank_accounts/{account.project_id}",
                kind="BANK_ACCOUNT_IN_USE",
            )

    async def _refuse_foreign(self, handle: AccountBank, project_id: str) -> None:
        """A new location must not already hold checkpoints of other projects."""
        every = await asyncio.to_thread(handle.bank.checkpoints.list, limit=COUNT_LIMIT)
        own = set(await _checkpoints_of(handle, project_id))
        for checkpoint_id in every:
            if checkpoint_id in own:
                continue
            try:
                meta = await asyncio.to_thread(handle.bank.checkpoints.get, checkpoint_id)
            except CheckpointNotFound:
                continue
            raise failed_precondition(
                f"{handle.uri} already holds checkpoint {checkpoint_id} of project "
                f"{meta.project_id}; an account of project {project_id} needs a location of "
                "its own",
                subject=f"provider/{handle.provider.id}/bank_accounts/{project_id}",
                kind="BANK_ACCOUNT_IN_USE",
            )

    async def _serialised(self, change: Callable[[], Awaitable[T]]) -> T:
        """Run ``change`` holding the account lock of every replica: the checks read other
        accounts and the banks' contents, so two changes interleaving could both pass them. A
        caller cancelled while waiting for the lock changes nothing; once the change has begun
        it runs to its end under the lock, since its thread work would outlive the lock."""
        caller_gone = asyncio.Event()

        async def locked() -> T:
            try:
                async with (
                    self._changing,
                    self._records.exclusive(ACCOUNTS_LOCK, ACCOUNTS_LOCK_WAIT_SECONDS),
                ):
                    if caller_gone.is_set():
                        raise asyncio.CancelledError
                    return await change()
            except LockBusy:
                raise RpcError(
                    grpc.StatusCode.ABORTED,
                    "bank accounts are being changed through another protection service, and "
                    f"this change could not start within {ACCOUNTS_LOCK_WAIT_SECONDS:g} s; try "
                    "again",
                ) from None

        task = asyncio.ensure_future(locked())
        # Retrieved here, so a change that outlives its cancelled caller logs nothing stray.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            caller_gone.set()
            raise

    # -- RPCs ----------------------------------------------------------------------------------
    async def GetBankAccount(
        self, request: bank_accounts_pb2.GetBankAccountRequest, context: Any
    ) -> bank_accounts_pb2.GetBankAccountResponse:
        raise _read_by_the_api()

    async def ListBankAccounts(
        self, request: bank_accounts_pb2.ListBankAccountsRequest, context: Any
    ) -> bank_accounts_pb2.ListBankAccountsResponse:
        raise _read_by_the_api()

    async def SetBankAccount(
        self, request: bank_accounts_pb2.SetBankAccountRequest, context: Any
    ) -> bank_accounts_pb2.SetBankAccountResponse:
        identity = self._authenticate(context)
        _admin(identity, "SetBankAccount")
        wanted = request.bank_account
        provider = self._accounts.registry.get(wanted.provider_id, "bank_account.provider_id")

        async def change() -> Account:
            current = await self._records.account(provider.id, wanted.project_id)
            account = self._wanted(provider, wanted, current)
            await self._refuse_overlaps(provider, account)
            await self._refuse_move(provider, account, current)
            handle = await self._accounts.open_account(provider, account)
            moved = current is not None and self._accounts.key_of(
                provider, current
            ) != self._accounts.key_of(provider, account)
            if current is None or moved:
                await self._refuse_foreign(handle, account.project_id)
            stored = await self._records.put_account(account)
            if current is not None and moved:
                await self._accounts.retire(self._accounts.key_of(provider, current))
            return stored

        stored = await self._serialised(change)
        return bank_accounts_pb2.SetBankAccountResponse(bank_account=to_proto(stored))

    async def DeleteBankAccount(
        self, request: bank_accounts_pb2.DeleteBankAccountRequest, context: Any
    ) -> bank_accounts_pb2.DeleteBankAccountResponse:
        identity = self._authenticate(context)
        _admin(identity, "DeleteBankAccount")
        if request.provider_id not in self._accounts.registry.providers:
            # A provider removed from the configuration: its accounts' rows may still go.
            if await self._records.delete_account(request.provider_id, request.project_id):
                return bank_accounts_pb2.DeleteBankAccountResponse()
        provider = self._accounts.registry.get(request.provider_id)

        async def change() -> None:
            current = await self._records.account(provider.id, request.project_id)
            if current is None:
                raise not_found(
                    "bank account", f"of project {request.project_id} on provider {provider.id}"
                )
            handle = await self._accounts.open_account(provider, current)
            ids = await _checkpoints_of(handle, current.project_id)
            if ids:
                raise failed_precondition(
                    f"{handle.describe()} still holds {_count(ids)} of the project; delete "
                    "them first, or keep the account",
                    subject=f"provider/{provider.id}/bank_accounts/{current.project_id}",
                    kind="BANK_ACCOUNT_IN_USE",
                )
            await self._records.delete_account(provider.id, current.project_id)
            await self._accounts.retire(handle.key)

        await self._serialised(change)
        return bank_accounts_pb2.DeleteBankAccountResponse()
