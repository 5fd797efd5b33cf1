"""CheckpointService as served by protection; the api forwards to it after policy and quotas."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf import json_format

from smaug.bank.errors import CheckpointNotFound
from smaug.mesh.errors import RpcError, invalid_argument, not_found
from smaug.mesh.identity import Identity
from smaug.protection.accounts import AccountBank
from smaug.protection.checkpoints import CheckpointEngine
from smaug.protection.providers import ProviderRegistry
from smaug.v1 import checkpoints_pb2, checkpoints_pb2_grpc

MAX_PAGE = 1000
DEFAULT_PAGE = 50


class CheckpointServicer(checkpoints_pb2_grpc.CheckpointServiceServicer):
    def __init__(
        self,
        registry: ProviderRegistry,
        engine: CheckpointEngine,
        authenticate: Callable[[Any], Identity],
    ) -> None:
        self._registry = registry
        self._engine = engine
        self._accounts = engine.accounts
        self._authenticate = authenticate

    async def CreateCheckpoint(
        self, request: checkpoints_pb2.CreateCheckpointRequest, context: Any
    ) -> checkpoints_pb2.CreateCheckpointResponse:
        identity = self._authenticate(context)
        provider = self._registry.get(request.provider_id)
        if not request.plan_id:
            raise invalid_argument("plan_id is required", {"plan_id": "the plan to protect"})
        plan = await self._engine.records.plan(request.plan_id, identity.project_id)
        if plan is None:
            raise not_found("plan", request.plan_id)
        if plan.provider_id != provider.id:
            raise invalid_argument(
                f"plan {plan.id} belongs to provider {plan.provider_id}, not {provider.id}",
                {"provider_id": f"must be the plan's provider, {plan.provider_id}"},
            )
        if not plan.resources:
            raise invalid_argument(
                f"plan {plan.id} has no resources to protect",
                {"plan_id": "name a plan with at least one resource"},
            )
        extra_info = json_format.MessageToDict(request.extra_info)
        checkpoint = await self._engine.protect(
            identity, provider, plan, extra_info, request.request_id.lower()
        )
        return checkpoints_pb2.CreateCheckpointResponse(checkpoint=checkpoint)

    async def GetCheckpoint(
        self, request: checkpoints_pb2.GetCheckpointRequest, context: Any
    ) -> checkpoints_pb2.GetCheckpointResponse:
        identity = self._authenticate(context)
        provider = self._registry.get(request.provider_id)
        handle, meta = await self._engine.locate(provider, identity, request.checkpoint_id)
        self._engine.owned(meta, identity)
        return checkpoints_pb2.GetCheckpointResponse(
            checkpoint=await self._engine.to_proto(handle.bank, meta)
        )

    async def ListCheckpoints(
        self, request: checkpoints_pb2.ListCheckpointsRequest, context: Any
    ) -> checkpoints_pb2.ListCheckpointsResponse:
        identity = self._authenticate(context)
        provider = self._registry.get(request.provider_id)
        if request.page_size < 0:
            raise invalid_argument(
                "page_size must not be negative", {"page_size": "0 (default 50) to 1000"}
            )
        order = (request.order_by or "create_time desc").strip().lower()
        if order not in ("create_time desc", "create_time asc", "create_time"):
            raise invalid_argument(
                f"cannot order checkpoints by {request.order_by!r}",
                {"order_by": "'create_time desc' (default) or 'create_time asc'"},
            )
        if request.all_projects and not identity.is_admin:
            raise RpcError(
                grpc.StatusCode.PERMISSION_DENIED, "all_projects is for administrators only"
            )
        start = request.start_time.ToNanoseconds() / 1e9 if request.HasField("start_time") else None
        end = request.end_time.ToNanoseconds() / 1e9 if request.HasField("end_time") else None
        if start is not None and end is not None and end <= start:
            raise invalid_argument(
                "end_time must be after start_time", {"end_time": "later than start_time"}
            )
        size = min(request.page_size or DEFAULT_PAGE, MAX_PAGE)
        # The caller's own bank; for admins listing every project, every bank of the provider.
        if request.all_projects:
            handles = await self._accounts.every(provider)
        else:
            own = await self._accounts.of(provider, identity.project_id)
            handles = [] if own is None else [own]
        marker_time = None
        if request.page_token:
            marker_time = await self._marker_time(handles, request.page_token)
        descending = order != "create_time asc"
        found: list[tuple[int, str, AccountBank]] = []
        for handle in handles:
            entries = await asyncio.to_thread(
                handle.bank.checkpoints.list_entries,
                provider_id=provider.id,
                project_id=None if request.all_projects else identity.project_id,
                plan_id=request.plan_id or None,
                start=start,
                end=end,
                limit=size + 1,
                marker=request.page_token or None,
                marker_time=marker_time,
                sort="desc" if descending else "asc",
            )
            found.extend((stamp, checkpoint_id, handle) for stamp, checkpoint_id in entries)
        # Merged in each bank's own order: by time, then id in both directions.
        found.sort(key=lambda e: (-e[0] if descending else e[0], e[1]))
        response = checkpoints_pb2.ListCheckpointsResponse()
        for _, checkpoint_id, handle in found[:size]:
            try:
                meta = await asyncio.to_thread(handle.bank.checkpoints.get, checkpoint_id)
            except CheckpointNotFound:
                continue  # deleted since it was listed
            response.checkpoints.append(await self._engine.to_proto(handle.bank, meta))
        if len(found) > size:
            response.next_page_token = found[size - 1][1]
        return response

    async def _marker_time(self, handles: list[AccountBank], marker: str) -> float:
        """The creation time of the page token's checkpoint, wherever it is kept."""
        self._engine.check_id(marker, "page_token")
        for handle in handles:
            try:
                meta = await asyncio.to_thread(handle.bank.checkpoints.get, marker)
            except CheckpointNotFound:
                continue
            return meta.created_at
        raise not_found("checkpoint", marker)

    async def DeleteCheckpoint(
        self, request: checkpoints_pb2.DeleteCheckpointRequest, context: Any
    ) -> checkpoints_pb2.DeleteCheckpointResponse:
        identity = self._authenticate(context)
        provider = self._registry.get(request.provider_id)
        checkpoint = await self._engine.delete(identity, provider, request.checkpoint_id)
        return checkpoints_pb2.DeleteCheckpointResponse(checkpoint=checkpoint)

    async def ResetCheckpointState(
        self, request: checkpoints_pb2.ResetCheckpointStateRequest, context: Any
    ) -> checkpoints_pb2.ResetCheckpointStateResponse:
        identity = self._authenticate(context)
        provider = self._registry.get(request.provider_id)
        checkpoint = await self._engine.reset(
            identity, provider, request.checkpoint_id, request.status
        )
        return checkpoints_pb2.ResetCheckpointStateResponse(checkpoint=checkpoint)

    async def CopyCheckpoints(
        self, request: checkpoints_pb2.CopyCheckpointsRequest, context: Any
    ) -> checkpoints_pb2.CopyCheckpointsResponse:
        identity = self._authenticate(context)
        source = self._registry.get(request.provider_id)
        destination = self._registry.get(
            request.destination_provider_id or request.provider_id, "destination_provider_id"
        )
        plan = await self._engine.records.plan(request.plan_id, identity.project_id)
        if plan is None:
            raise not_found("plan", request.plan_id)
        if plan.provider_id != source.id:
            raise invalid_argument(
                f"plan {plan.id} belongs to provider {plan.provider_id}, not {source.id}",
                {"provider_id": f"must be the plan's provider, {plan.provider_id}"},
            )
        parameters = {k: json_format.MessageToDict(v) for k, v in plan.parameters.items()}
        for key, value in request.parameters.items():
            parameters[key] = {**parameters.get(key, {}), **json_format.MessageToDict(value)}
        copies = await self._engine.copy(identity, source, destination, plan, parameters)
        response = checkpoints_pb2.CopyCheckpointsResponse(
            project_id=identity.project_id,
            provider_id=source.id,
            destination_provider_id=destination.id,
            plan_id=plan.id,
        )
        for source_id, copy_id in copies:
            response.copies.add(source_checkpoint_id=source_id, copy_checkpoint_id=copy_id)
        for key, value in request.parameters.items():
            response.parameters[key].CopyFrom(value)
        return response

    async def CancelCheckpoint(
        self, request: checkpoints_pb2.CancelCheckpointRequest, context: Any
    ) -> checkpoints_pb2.CancelCheckpointResponse:
        identity = self._authenticate(context)
        provider = self._registry.get(request.provider_id)
        checkpoint = await self._engine.cancel(identity, provider, request.checkpoint_id)
        return checkpoints_pb2.CancelCheckpointResponse(checkpoint=checkpoint)

    async def WatchCheckpoint(
        self, request: checkpoints_pb2.WatchCheckpointRequest, context: Any
    ) -> AsyncIterator[checkpoints_pb2.WatchCheckpointResponse]:
        identity = self._authenticate(context)
        provider = self._registry.get(request.provider_id)
        async for event in self._engine.watch(identity, provider, request.checkpoint_id):
            yield event
