"""What a run does, through the api (so quotas and policy apply) as the operation's owner:
protect the plan, then (RETENTION_PROTECT) delete the plan's AVAILABLE checkpoints beyond the
retention settings; or (COPY) copy the plan's checkpoints that have no copy yet into another
provider's bank."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import grpc
from google.protobuf import struct_pb2

from smaug.api.auth import SERVICE_ROLE
from smaug.mesh import identity as mesh_identity
from smaug.mesh.identity import Identity
from smaug.v1 import checkpoints_pb2, checkpoints_pb2_grpc

AVAILABLE = checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE
# Namespace of the CreateCheckpoint request ids the scheduler derives from (operation, time).
REQUEST_NAMESPACE = uuid.UUID("6f1c3e0a-5b7d-4c59-9a53-2f8f0e4f6a11")
MAX_LISTED = 10_000


def request_id(operation_id: str, occurrence: datetime) -> str:
    """The deterministic CreateCheckpoint.request_id of one occurrence of one operation."""
    return str(uuid.uuid5(REQUEST_NAMESPACE, f"{operation_id}/{occurrence.isoformat()}"))


def scheduled_time(occurrence: datetime) -> str:
    return occurrence.replace(microsecond=0).isoformat() + "Z"


def retention_victims(
    checkpoints: Iterable[checkpoints_pb2.Checkpoint],
    max_backups: int,
    retention_days: int,
    now: datetime,
) -> list[checkpoints_pb2.Checkpoint]:
    """The checkpoints retention deletes, newest first: among AVAILABLE ones only, all but the
    newest ``max_backups`` (when > 0) and those created more than ``retention_days`` 24-hour
    periods before ``now`` (when > 0). Other states (protecting, error, deleting...) are kept."""
    available = sorted(
        (c for c in checkpoints if c.status == AVAILABLE),
        key=lambda c: (c.create_time.ToDatetime(), c.id),
        reverse=True,
    )
    doomed: dict[str, checkpoints_pb2.Checkpoint] = {}
    if max_backups > 0:
        for checkpoint in available[max_backups:]:
            doomed[checkpoint.id] = checkpoint
    if retention_days > 0:
        limit = now - timedelta(days=retention_days)
        for checkpoint in available:
            if checkpoint.create_time.ToDatetime() < limit:
                doomed[checkpoint.id] = checkpoint
    return [c for c in available if c.id in doomed]


class StepFailed(Exception):
    def __init__(self, step: str, error: grpc.aio.AioRpcError | str) -> None:
        if isinstance(error, grpc.aio.AioRpcError):
            text = f"{error.code().name}: {error.details()}"
        else:
            text = error
        super().__init__(f"{step} failed: {text}")
        self.step = step


@dataclass
class RunResult:
    checkpoint_id: str = ""
    deleted: int = 0
    reused: bool = False  # the checkpoint an earlier attempt of this occurrence made


class ApiClient:
    """Calls the api as a scheduled operation's owner (signed mesh identity)."""

    def __init__(self, address: str, secret: str, timeout: float) -> None:
        self.channel = grpc.aio.insecure_channel(address)
        self.checkpoints = checkpoints_pb2_grpc.CheckpointServiceStub(self.channel)
        self.secret = secret
        self.timeout = timeout

    def _metadata(self, identity: Identity) -> tuple[tuple[str, str], ...]:
        return mesh_identity.metadata(identity, self.secret)

    async def call(self, method: Any, request: Any, identity: Identity) -> Any:
        return await method(request, metadata=self._metadata(identity), timeout=self.timeout)

    async def close(self) -> None:
        await self.channel.close()

    async def list_plan_checkpoints(
        self, identity: Identity, provider_id: str, plan_id: str, limit: int = MAX_LISTED
    ) -> list[checkpoints_pb2.Checkpoint]:
        found: list[checkpoints_pb2.Checkpoint] = []
        token = ""
        while len(found) < limit:
            page = await self.call(
                self.checkpoints.ListCheckpoints,
                checkpoints_pb2.ListCheckpointsRequest(
                    provider_id=provider_id,
                    plan_id=plan_id,
                    page_size=min(1000, limit),
                    page_token=token,
                    order_by="create_time desc",
                ),
                identity,
            )
            found.extend(page.checkpoints)
            token = page.next_page_token
            if not token:
                break
        return found


def owner_identity(project_id: str, user_id: str, roles: tuple[str, ...], rid: str) -> Identity:
    return Identity(
        user_id=user_id,
        project_id=project_id,
        roles=(*(r for r in roles if r != SERVICE_ROLE), SERVICE_ROLE),
        request_id=f"req-{rid}",
    )


async def find_earlier_checkpoint(
    api: ApiClient,
    identity: Identity,
    provider_id: str,
    plan_id: str,
    operation_id: str,
    occurrence: datetime,
    firing_id: str | None = None,
) -> checkpoints_pb2.Checkpoint | None:
    """The checkpoint an earlier attempt at this occurrence (or firing) made, if any (newest 200
    looked at)."""
    try:
        listed = await api.list_plan_checkpoints(identity, provider_id, plan_id, limit=200)
    except grpc.aio.AioRpcError as error:
        raise StepFailed("looking for an earlier attempt's checkpoint", error) from None
    when = scheduled_time(occurrence)
    for checkpoint in listed:
        extra = checkpoint.extra_info.fields
        if (
            "scheduled_operation_id" not in extra
            or extra["scheduled_operation_id"].string_value != operation_id
        ):
            continue
        if firing_id:
            if (
                "trigger_firing_id" in extra
                and extra["trigger_firing_id"].string_value == firing_id
            ):
                return checkpoint
        elif "scheduled_time" in extra and extra["scheduled_time"].string_value == when:
            return checkpoint
    return None


async def protect(
    api: ApiClient,
    identity: Identity,
    *,
    provider_id: str,
    plan_id: str,
    operation_id: str,
    trigger_id: str,
    occurrence: datetime,
    event_info: dict[str, Any] | None = None,
) -> checkpoints_pb2.Checkpoint:
    extra = struct_pb2.Struct()
    extra.update(
        {
            "scheduled_operation_id": operation_id,
            "trigger_id": trigger_id,
            "scheduled_time": scheduled_time(occurrence),
            **(event_info or {}),
        }
    )
    try:
        reply = await api.call(
            api.checkpoints.CreateCheckpoint,
            checkpoints_pb2.CreateCheckpointRequest(
                provider_id=provider_id,
                plan_id=plan_id,
                extra_info=extra,
                request_id=request_id(operation_id, occurrence),
            ),
            identity,
        )
    except grpc.aio.AioRpcError as error:
        raise StepFailed("protect", error) from None
    checkpoint: checkpoints_pb2.Checkpoint = reply.checkpoint
    return checkpoint


async def _being_deleted(
    api: ApiClient, identity: Identity, provider_id: str, checkpoint_id: str
) -> bool:
    try:
        got = await api.call(
            api.checkpoints.GetCheckpoint,
            checkpoints_pb2.GetCheckpointRequest(
                provider_id=provider_id, checkpoint_id=checkpoint_id
            ),
            identity,
        )
    except grpc.aio.AioRpcError as error:
        return error.code() == grpc.StatusCode.NOT_FOUND
    return got.checkpoint.status in (
        checkpoints_pb2.CHECKPOINT_STATUS_DELETING,
        checkpoints_pb2.CHECKPOINT_STATUS_DELETED,
    )


async def apply_retention(
    api: ApiClient,
    identity: Identity,
    *,
    provider_id: str,
    plan_id: str,
    max_backups: int,
    retention_days: int,
    now: datetime,
) -> int:
    """Delete the checkpoints retention_victims names; returns how many deletes were accepted.
    StepFailed (after trying every one) when some could not be deleted."""
    if max_backups <= 0 and retention_days <= 0:
        return 0
    try:
        listed = await api.list_plan_checkpoints(identity, provider_id, plan_id)
    except grpc.aio.AioRpcError as error:
        raise StepFailed("retention: listing the plan's checkpoints", error) from None
    deleted, failures = 0, []
    for checkpoint in retention_victims(listed, max_backups, retention_days, now):
        try:
            await api.call(
                api.checkpoints.DeleteCheckpoint,
                checkpoints_pb2.DeleteCheckpointRequest(
                    provider_id=provider_id, checkpoint_id=checkpoint.id
                ),
                identity,
            )
            deleted += 1
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                continue
            if error.code() == grpc.StatusCode.FAILED_PRECONDITION and await _being_deleted(
                api, identity, provider_id, checkpoint.id
            ):
                continue  # another run (an overlapping occurrence) is deleting it already
            failures.append(f"{checkpoint.id}: {error.code().name}: {error.details()}")
    if failures:
        raise StepFailed(
            "retention: deleting old checkpoints",
            f"{len(failures)} of {len(failures) + deleted} deletes refused: "
            + "; ".join(failures[:5]),
        )
    return deleted


async def copy(
    api: ApiClient,
    identity: Identity,
    *,
    provider_id: str,
    plan_id: str,
    destination_provider_id: str,
) -> list[checkpoints_pb2.CheckpointCopy]:
    """Copy the plan's AVAILABLE checkpoints that have no copy in the destination yet. Calling
    it again (a taken-over run) copies nothing twice: protection skips checkpoints that already
    have an available or in-flight copy there."""
    try:
        reply = await api.call(
            api.checkpoints.CopyCheckpoints,
            checkpoints_pb2.CopyCheckpointsRequest(
                provider_id=provider_id,
                plan_id=plan_id,
                destination_provider_id=destination_provider_id,
            ),
            identity,
        )
    except grpc.aio.AioRpcError as error:
        raise StepFailed("copy", error) from None
    return list(reply.copies)
