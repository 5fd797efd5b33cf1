"""What the protection service needs from the SQL store, as one narrow interface: plans to
protect, operation logs, the restore and verification rows it drives, and projects' bank
accounts.

The flows depend on this protocol, not on the store's tables; ``StoreRecords`` implements it
over smaug.store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from google.protobuf import json_format
from sqlalchemy.orm import Session

from smaug.store import accounts as store_accounts
from smaug.store import records as store
from smaug.store.accounts import Account
from smaug.store.db import Store
from smaug.store.mutex import LockBusy, StoreMutex
from smaug.v1 import (
    checkpoints_pb2,
    common_pb2,
    resources_pb2,
    restores_pb2,
    verifications_pb2,
)

Job = restores_pb2.Restore | verifications_pb2.Verification
T = TypeVar("T")

OPERATION_TYPES = {
    "protect": common_pb2.OPERATION_TYPE_PROTECT,
    "restore": common_pb2.OPERATION_TYPE_RESTORE,
    "verify": common_pb2.OPERATION_TYPE_VERIFY,
    "delete": common_pb2.OPERATION_TYPE_DELETE,
    "copy": common_pb2.OPERATION_TYPE_COPY,
}


class Records(Protocol):
    async def plan(
        self, plan_id: str, project_id: str
    ) -> checkpoints_pb2.ProtectionPlan | None: ...

    async def start_log(self, project_id: str, operation: str, **ids: str) -> str: ...

    async def finish_log(self, log_id: str, succeeded: bool, error: str = "") -> None: ...

    async def create_job(
        self,
        kind: str,
        *,
        project_id: str,
        provider_id: str,
        checkpoint_id: str,
        parameters: dict[str, dict[str, Any]],
        restore_target: str = "",
    ) -> str: ...

    async def update_job(
        self,
        kind: str,
        job_id: str,
        *,
        status: int | None = None,
        reason: str | None = None,
        resource_states: list[resources_pb2.ResourceState] | None = None,
        progress: common_pb2.Progress | None = None,
    ) -> None: ...

    async def get_job(self, kind: str, job_id: str, project_id: str | None) -> Job | None: ...

    async def account(self, provider_id: str, project_id: str) -> Account | None: ...

    async def accounts(self, provider_id: str | None = None) -> list[Account]: ...

    async def put_account(self, account: Account) -> Account: ...

    async def delete_account(self, provider_id: str, project_id: str) -> bool: ...

    def exclusive(self, name: str, wait_seconds: float) -> AbstractAsyncContextManager[None]:
        """Hold the store-wide lock ``name`` (shared by every replica); LockBusy when it is not
        free within ``wait_seconds``."""
        ...


async def _attempt(mutex: StoreMutex) -> bool:
    """One try at ``mutex`` in a worker thread; a caller cancelled meanwhile lets go of what
    the thread took."""
    attempt = asyncio.ensure_future(asyncio.to_thread(mutex.try_acquire))
    try:
        return await asyncio.shield(attempt)
    except asyncio.CancelledError:

        def let_go(done: asyncio.Future[bool]) -> None:
            if not done.cancelled() and done.exception() is None and done.result():
                asyncio.get_running_loop().run_in_executor(None, mutex.release)

        attempt.add_done_callback(let_go)
        raise


class StoreRecords:
    """Records over the shared SQL store; every call runs in a worker thread."""

    def __init__(self, database: Store) -> None:
        self._db = database

    async def _write(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self._db.write() as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def _read(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with self._db.read() as session:
                return work(session)

        return await asyncio.to_thread(run)

    async def plan(self, plan_id: str, project_id: str) -> checkpoints_pb2.ProtectionPlan | None:
        def load(session: Session) -> checkpoints_pb2.ProtectionPlan | None:
            row = store.get_plan(session, plan_id, project_id)
            if row is None:
                return None
            plan = checkpoints_pb2.ProtectionPlan(
                id=row.id, name=row.name, provider_id=row.provider_id
            )
            for resource in row.resources:
                message = plan.resources.add(
                    type=resource["type"], id=resource["id"], name=resource.get("name", "")
                )
                if resource.get("extra_info"):
                    message.extra_info.update(resource["extra_info"])
            for key, options in (row.parameters or {}).items():
                plan.parameters[key].update(options)
            return plan

        return await self._read(load)

    async def start_log(self, project_id: str, operation: str, **ids: str) -> str:
        return await self._write(
            lambda s: store.start_operation_log(
                s,
                project_id,
                OPERATION_TYPES[operation],
                checkpoint_id=ids.get("checkpoint_id", ""),
                plan_id=ids.get("plan_id", ""),
                provider_id=ids.get("provider_id", ""),
                restore_id=ids.get("restore_id", ""),
                verification_id=ids.get("verification_id", ""),
                scheduled_operation_id=ids.get("scheduled_operation_id", ""),
            )
        )

    async def finish_log(self, log_id: str, succeeded: bool, error: str = "") -> None:
        status = (
            common_pb2.OPERATION_STATUS_SUCCEEDED
            if succeeded
            else common_pb2.OPERATION_STATUS_FAILED
        )
        await self._write(lambda s: store.finish_operation_log(s, log_id, status, error))

    async def create_job(
        self,
        kind: str,
        *,
        project_id: str,
        provider_id: str,
        checkpoint_id: str,
        parameters: dict[str, dict[str, Any]],
        restore_target: str = "",
    ) -> str:
        if kind == "restore":
            return await self._write(
                lambda s: store.create_restore(
                    s,
                    project_id=project_id,
                    provider_id=provider_id,
                    checkpoint_id=checkpoint_id,
                    restore_target=restore_target,
                    parameters=parameters,
                )
            )
        return await self._write(
            lambda s: store.create_verification(
                s,
                project_id=project_id,
                provider_id=provider_id,
                checkpoint_id=checkpoint_id,
                parameters=parameters,
            )
        )

    async def update_job(
        self,
        kind: str,
        job_id: str,
        *,
        status: int | None = None,
        reason: str | None = None,
        resource_states: list[resources_pb2.ResourceState] | None = None,
        progress: common_pb2.Progress | None = None,
    ) -> None:
        update = store.update_restore if kind == "restore" else store.update_verification
        await self._write(
            lambda s: update(
                s,
                job_id,
                status=status,
                reason=reason,
                resource_states=resource_states,
                progress=progress,
            )
        )

    async def get_job(self, kind: str, job_id: str, project_id: str | None) -> Job | None:
        def load(session: Session) -> Job | None:
            if kind == "restore":
                row: Any = store.get_restore(session, job_id, project_id)
                message: Job = restores_pb2.Restore()
            else:
                row = store.get_verification(session, job_id, project_id)
                message = verifications_pb2.Verification()
            if row is None:
                return None
            message.id = row.id
            message.project_id = row.project_id
            message.provider_id = row.provider_id
            message.checkpoint_id = row.checkpoint_id
            message.status = row.status
            message.status_reason = row.status_reason or ""
            if isinstance(message, restores_pb2.Restore):
                message.restore_target = row.restore_target or ""
            for key, options in (row.parameters or {}).items():
                message.parameters[key].update(options)
            for state in row.resource_states or []:
                json_format.ParseDict(
                    state, message.resource_states.add(), ignore_unknown_fields=True
                )
            json_format.ParseDict(row.progress or {}, message.progress, ignore_unknown_fields=True)
            message.create_time.FromDatetime(row.create_time)
            message.update_time.FromDatetime(row.update_time)
            if row.end_time is not None:
                message.end_time.FromDatetime(row.end_time)
            return message

        return await self._read(load)

    async def account(self, provider_id: str, project_id: str) -> Account | None:
        return await self._read(lambda s: store_accounts.get_account(s, provider_id, project_id))

    async def accounts(self, provider_id: str | None = None) -> list[Account]:
        return await self._read(lambda s: store_accounts.list_accounts(s, provider_id=provider_id))

    async def put_account(self, account: Account) -> Account:
        return await self._write(lambda s: store_accounts.put_account(s, account))

    async def delete_account(self, provider_id: str, project_id: str) -> bool:
        return await self._write(
            lambda s: store_accounts.delete_account(s, provider_id, project_id)
        )

    @asynccontextmanager
    async def exclusive(self, name: str, wait_seconds: float) -> AsyncIterator[None]:
        mutex = StoreMutex(self._db, name)
        deadline = time.monotonic() + wait_seconds
        pause = 0.02
        while not await _attempt(mutex):
            if time.monotonic() >= deadline:
                raise LockBusy(f"store lock {name} was not free within {wait_seconds:g} s")
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.5)
        try:
            yield
        finally:
            # Shielded: a cancelled caller must still let go, or the lock outlives its work.
            await asyncio.shield(asyncio.to_thread(mutex.release))
