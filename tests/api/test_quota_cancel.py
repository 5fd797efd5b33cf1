"""The checkpoint quota follows what the protection service did, not the caller's patience: a
caller whose deadline passes while protection is creating the checkpoint still gets it counted."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest

from smaug.mesh import identity as mesh_identity
from smaug.mesh.server import MeshServer
from smaug.v1 import (
    checkpoints_pb2,
    checkpoints_pb2_grpc,
    providers_pb2_grpc,
    quotas_pb2,
)

from .conftest import PROVIDER_ID, SECRET, Api, PeerProviders


class SlowCheckpoints(checkpoints_pb2_grpc.CheckpointServiceServicer):
    """Creates the checkpoint, but answers only after the caller has given up."""

    def __init__(self) -> None:
        self.created: list[str] = []

    async def CreateCheckpoint(self, request: Any, context: Any) -> Any:
        identity = mesh_identity.from_context(context.invocation_metadata(), SECRET)
        await asyncio.sleep(1.5)
        checkpoint_id = str(uuid.uuid4())
        self.created.append(checkpoint_id)
        return checkpoints_pb2.CreateCheckpointResponse(
            checkpoint=checkpoints_pb2.Checkpoint(
                id=checkpoint_id,
                project_id=identity.project_id,
                provider_id=request.provider_id,
                status=checkpoints_pb2.CHECKPOINT_STATUS_PROTECTING,
            )
        )


@pytest.fixture
async def peer() -> AsyncIterator[tuple[str, Any]]:
    server = MeshServer("peer", "127.0.0.1:0")
    providers = PeerProviders()
    providers.checkpoints = SlowCheckpoints()  # type: ignore[attr-defined]
    server.add(
        "smaug.v1.ProviderService",
        lambda s: providers_pb2_grpc.add_ProviderServiceServicer_to_server(providers, s),
    )
    server.add(
        "smaug.v1.CheckpointService",
        lambda s: checkpoints_pb2_grpc.add_CheckpointServiceServicer_to_server(
            providers.checkpoints,  # type: ignore[attr-defined]
            s,
        ),
    )
    await server.start()
    yield server.bound_address, providers
    await server.server.stop(None)


async def test_a_caller_giving_up_mid_create_still_has_the_checkpoint_counted(api: Api) -> None:
    member = api.user("impatient", "p1")
    request = checkpoints_pb2.CreateCheckpointRequest(
        provider_id=PROVIDER_ID, plan_id=str(uuid.uuid4())
    )
    with pytest.raises(grpc.aio.AioRpcError) as gave_up:
        await member.checkpoints.CreateCheckpoint(request, metadata=member.metadata, timeout=0.5)
    assert gave_up.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    created = api.peer.checkpoints.created  # type: ignore[attr-defined]
    usage = quotas_pb2.GetQuotaUsageRequest(project_id="p1")
    for _ in range(50):
        await asyncio.sleep(0.1)
        got = (await api.admin.call(api.admin.quotas.GetQuotaUsage, usage)).quota_usage
        if created and got.checkpoints.reserved == 0:
            break
    assert len(created) == 1
    assert (got.checkpoints.in_use, got.checkpoints.reserved) == (1, 0)
