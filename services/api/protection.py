"""Providers, protectables and checkpoints: the api authenticates, validates and applies the
checkpoint quota, then forwards to the protection service (see ``smaug.api.forward``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smaug.api.auth import SERVICE_ROLE
from smaug.api.core import ApiContext
from smaug.api.forward import ForwardedError
from smaug.api.validation import (
    Violations,
    check_page_size,
    check_parameters,
    check_text_id,
    check_uuid,
)
from smaug.mesh.errors import invalid_argument, not_found
from smaug.mesh.identity import Identity
from smaug.store import quotas, records
from smaug.store.tenancy import Access
from smaug.v1 import (
    checkpoints_pb2,
    checkpoints_pb2_grpc,
    protectables_pb2,
    protectables_pb2_grpc,
    providers_pb2,
    providers_pb2_grpc,
)

RESERVED_EXTRA_INFO = (
    "created_by",
    "trigger_id",
    "scheduled_operation_id",
    # What fired an event-triggered run (smaug.store.events.FiringSummary).
    "trigger_firing_id",
    "event_source",
    "event_type",
    "event_id",
    "event_count",
)
_PAGED = ("page_size",)


def _validate(request: Any, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()) -> None:
    """Common checks: identifiers given and printable, page_size not negative, parameters keys."""
    v = Violations()
    for name in required:
        check_text_id(v, name, getattr(request, name))
    for name in optional:
        check_text_id(v, name, getattr(request, name), required=False)
    if hasattr(request, "page_size"):
        check_page_size(v, request.page_size)
    if hasattr(request, "page_token") and len(request.page_token) > 4096:
        v.add("page_token", "not a next_page_token of this list")
    if hasattr(request, "filter") and len(request.filter) > 4096:
        v.add("filter", "at most 4096 characters")
    if hasattr(request, "parameters") and not hasattr(request.parameters, "fields"):
        check_parameters(v, "parameters", request.parameters)
    v.raise_if_any()


class ProviderService(providers_pb2_grpc.ProviderServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def ListProviders(
        self,
        request: providers_pb2.ListProvidersRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> providers_pb2.ListProvidersResponse:
        identity = await self.ctx.identify(context)
        _validate(request)
        reply: providers_pb2.ListProvidersResponse = await self.ctx.forwarder.unary(
            "/smaug.v1.ProviderService/ListProviders",
            request,
            providers_pb2.ListProvidersResponse,
            identity,
        )
        access = await self.ctx.provider_access(identity)
        if not access.all_providers:
            # Pages may come back shorter than page_size; next_page_token stays protection's.
            visible = [p for p in reply.providers if access.allows(p.id)]
            del reply.providers[:]
            reply.providers.extend(visible)
        return reply

    async def GetProvider(
        self, request: providers_pb2.GetProviderRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> providers_pb2.GetProviderResponse:
        identity = await self.ctx.identify(context)
        _validate(request, ("provider_id",))
        await self.ctx.require_provider(identity, request.provider_id)
        return await self.ctx.forwarder.unary(
            "/smaug.v1.ProviderService/GetProvider",
            request,
            providers_pb2.GetProviderResponse,
            identity,
        )


_INSTANCE_CALLS = ("ListProtectableInstances", "GetProtectableInstance", "ListDependentResources")


class ProtectableService(protectables_pb2_grpc.ProtectableServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def _forward(
        self,
        method: str,
        request: Any,
        reply: type,
        context: Any,
        required: tuple[str, ...] = (),
        optional: tuple[str, ...] = (),
    ) -> Any:
        identity = await self.ctx.identify(context)
        _validate(request, required, optional)
        provider_id = getattr(request, "provider_id", "")
        await self.ctx.require_provider(identity, provider_id)
        access = await self.ctx.provider_access(identity)
        if not access.all_providers and not provider_id and method in _INSTANCE_CALLS:
            # "The first provider serving the type" must be one the project may use.
            request.provider_id = await self._first_visible(
                identity, access, request.protectable_type
            )
        found: Any = await self.ctx.forwarder.unary(
            f"/smaug.v1.ProtectableService/{method}", request, reply, identity
        )
        if not access.all_providers:
            _hide_providers(found, access)
        return found

    async def _first_visible(self, identity: Identity, access: Access, type_name: str) -> str:
        got = await self.ctx.forwarder.unary(
            "/smaug.v1.ProtectableService/GetProtectableType",
            protectables_pb2.GetProtectableTypeRequest(protectable_type=type_name),
            protectables_pb2.GetProtectableTypeResponse,
            identity,
        )
        for provider_id in got.protectable_type.provider_ids:
            if access.allows(provider_id):
                return str(provider_id)
        raise not_found("protectable type", type_name)

    async def ListProtectableTypes(self, request: Any, context: Any) -> Any:
        return await self._forward(
            "ListProtectableTypes",
            request,
            protectables_pb2.ListProtectableTypesResponse,
            context,
            optional=("provider_id",),
        )

    async def GetProtectableType(self, request: Any, context: Any) -> Any:
        reply = await self._forward(
            "GetProtectableType",
            request,
            protectables_pb2.GetProtectableTypeResponse,
            context,
            ("protectable_type",),
        )
        if not reply.protectable_type.provider_ids:
            raise not_found("protectable type", request.protectable_type)
        return reply

    async def ListProtectableInstances(self, request: Any, context: Any) -> Any:
        return await self._forward(
            "ListProtectableInstances",
            request,
            protectables_pb2.ListProtectableInstancesResponse,
            context,
            ("protectable_type",),
            ("provider_id",),
        )

    async def GetProtectableInstance(self, request: Any, context: Any) -> Any:
        return await self._forward(
            "GetProtectableInstance",
            request,
            protectables_pb2.GetProtectableInstanceResponse,
            context,
            ("protectable_type", "instance_id"),
            ("provider_id",),
        )

    async def ListDependentResources(self, request: Any, context: Any) -> Any:
        return await self._forward(
            "ListDependentResources",
            request,
            protectables_pb2.ListDependentResourcesResponse,
            context,
            ("protectable_type", "instance_id"),
            ("provider_id", "dependent_type"),
        )


def _hide_providers(reply: Any, access: Access) -> None:
    """Drop providers the caller may not use from protectable types (and, in lists, the types
    only such providers serve)."""

    def keep(kind: protectables_pb2.ProtectableType) -> bool:
        visible = [p for p in kind.provider_ids if access.allows(p)]
        del kind.provider_ids[:]
        kind.provider_ids.extend(visible)
        return bool(visible)

    if isinstance(reply, protectables_pb2.ListProtectableTypesResponse):
        kept = [t for t in reply.protectable_types if keep(t)]
        del reply.protectable_types[:]
        reply.protectable_types.extend(kept)
    elif isinstance(reply, protectables_pb2.GetProtectableTypeResponse):
        keep(reply.protectable_type)


_CHECKPOINT = "/smaug.v1.CheckpointService/"


class CheckpointService(checkpoints_pb2_grpc.CheckpointServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def ListCheckpoints(
        self,
        request: checkpoints_pb2.ListCheckpointsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> checkpoints_pb2.ListCheckpointsResponse:
        identity = await self.ctx.identify(context)
        _validate(request, ("provider_id",))
        await self.ctx.require_provider(identity, request.provider_id)
        v = Violations()
        check_uuid(v, "plan_id", request.plan_id, required=False)
        if request.order_by.strip() not in (
            "",
            "create_time",
            "create_time desc",
            "create_time asc",
        ):
            v.add("order_by", 'must be "create_time desc" (the default) or "create_time"')
        v.raise_if_any()
        self.ctx.scope(identity, request.all_projects)
        return await self.ctx.forwarder.unary(
            _CHECKPOINT + "ListCheckpoints",
            request,
            checkpoints_pb2.ListCheckpointsResponse,
            identity,
        )

    async def GetCheckpoint(
        self,
        request: checkpoints_pb2.GetCheckpointRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> checkpoints_pb2.GetCheckpointResponse:
        identity = await self.ctx.identify(context)
        _validate(request, ("provider_id", "checkpoint_id"))
        await self.ctx.require_provider(identity, request.provider_id)
        return await self.ctx.forwarder.unary(
            _CHECKPOINT + "GetCheckpoint", request, checkpoints_pb2.GetCheckpointResponse, identity
        )

    async def CreateCheckpoint(
        self,
        request: checkpoints_pb2.CreateCheckpointRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> checkpoints_pb2.CreateCheckpointResponse:
        identity = await self.ctx.identify(context)
        _validate(request, ("provider_id",))
        await self.ctx.require_provider(identity, request.provider_id)
        v = Violations()
        check_uuid(v, "plan_id", request.plan_id)
        check_uuid(v, "request_id", request.request_id, required=False)
        for key, value in request.extra_info.fields.items():
            if key in RESERVED_EXTRA_INFO and not (
                identity.is_admin or SERVICE_ROLE in identity.roles
            ):
                v.add(f"extra_info.{key}", "is reserved for the server and the scheduler")
            elif value.WhichOneof("kind") not in ("string_value", "number_value", "bool_value"):
                v.add(f"extra_info[{key[:100]!r}]", "values must be strings, numbers or booleans")
        v.raise_if_any()
        project = identity.project_id
        request_id = request.request_id.lower()
        defaults = self.ctx.settings.quota_defaults

        if request_id and not await self._claim(project, request_id):
            earlier = await self.ctx.read(
                lambda s: records.recall_request(s, project, "checkpoint", request_id)
            )
            if earlier:
                got = await self.ctx.forwarder.unary(
                    _CHECKPOINT + "GetCheckpoint",
                    checkpoints_pb2.GetCheckpointRequest(
                        provider_id=request.provider_id, checkpoint_id=earlier
                    ),
                    checkpoints_pb2.GetCheckpointResponse,
                    identity,
                )
                return checkpoints_pb2.CreateCheckpointResponse(checkpoint=got.checkpoint)
            # A concurrent twin of a create still under way: protection derives the checkpoint
            # id from the request id and returns that checkpoint; no new quota.
            return await self.ctx.forwarder.unary(
                _CHECKPOINT + "CreateCheckpoint",
                request,
                checkpoints_pb2.CreateCheckpointResponse,
                identity,
            )

        try:
            reservation = await self.ctx.write(
                lambda s: quotas.reserve(s, project, "checkpoints", 1, defaults)
            )
        except BaseException:
            await self._unclaim(project, request_id)
            raise

        async def create() -> checkpoints_pb2.CreateCheckpointResponse:
            try:
                reply = await self.ctx.forwarder.unary(
                    _CHECKPOINT + "CreateCheckpoint",
                    request,
                    checkpoints_pb2.CreateCheckpointResponse,
                    identity,
                )
            except BaseException:
                await self.ctx.write(lambda s: quotas.rollback_reservation(s, reservation))
                await self._unclaim(project, request_id)
                raise

            def commit(session: Session) -> None:
                quotas.commit_reservation(session, reservation)
                if request_id:
                    records.remember_request(
                        session, project, "checkpoint", request_id, reply.checkpoint.id
                    )

            await self.ctx.write(commit)
            return reply

        # Once forwarded, protection may create the checkpoint even if this caller goes away;
        # the quota must follow what protection did, not the caller's patience.
        task = asyncio.ensure_future(create())
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        return await asyncio.shield(task)

    async def _claim(self, project: str, request_id: str) -> bool:
        try:
            return bool(
                await self.ctx.write(
                    lambda s: records.claim_request(s, project, "checkpoint", request_id)
                )
            )
        except IntegrityError:
            return False

    async def _unclaim(self, project: str, request_id: str) -> None:
        if request_id:
            await self.ctx.write(
                lambda s: records.forget_request(s, project, "checkpoint", request_id)
            )

    async def DeleteCheckpoint(
        self,
        request: checkpoints_pb2.DeleteCheckpointRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> checkpoints_pb2.DeleteCheckpointResponse:
        identity = await self.ctx.identify(context)
        _validate(request, ("provider_id", "checkpoint_id"))
        await self.ctx.require_provider(identity, request.provider_id)

        async def delete() -> checkpoints_pb2.DeleteCheckpointResponse:
            reply = await self.ctx.forwarder.unary(
                _CHECKPOINT + "DeleteCheckpoint",
                request,
                checkpoints_pb2.DeleteCheckpointResponse,
                identity,
            )
            owner = reply.checkpoint.project_id or identity.project_id
            await self.ctx.write(lambda s: quotas.release(s, owner, "checkpoints", 1))
            return reply

        # As for creates: the quota follows what protection did, whatever the caller does.
        task = asyncio.ensure_future(delete())
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        return await asyncio.shield(task)

    async def ResetCheckpointState(
        self,
        request: checkpoints_pb2.ResetCheckpointStateRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> checkpoints_pb2.ResetCheckpointStateResponse:
        identity = await self.ctx.identify(context)
        _validate(request, ("provider_id", "checkpoint_id"))
        await self.ctx.require_provider(identity, request.provider_id)
        if request.status not in (
            checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE,
            checkpoints_pb2.CHECKPOINT_STATUS_ERROR,
        ):
            raise invalid_argument(
                "invalid status",
                {"status": "must be CHECKPOINT_STATUS_AVAILABLE or CHECKPOINT_STATUS_ERROR"},
            )
        return await self.ctx.forwarder.unary(
            _CHECKPOINT + "ResetCheckpointState",
            request,
            checkpoints_pb2.ResetCheckpointStateResponse,
            identity,
        )

    async def CancelCheckpoint(
        self,
        request: checkpoints_pb2.CancelCheckpointRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> checkpoints_pb2.CancelCheckpointResponse:
        identity = await self.ctx.identify(context)
        _validate(request, ("provider_id", "checkpoint_id"))
        await self.ctx.require_provider(identity, request.provider_id)
        return await self.ctx.forwarder.unary(
            _CHECKPOINT + "CancelCheckpoint",
            request,
            checkpoints_pb2.CancelCheckpointResponse,
            identity,
        )

    async def CopyCheckpoints(
        self,
        request: checkpoints_pb2.CopyCheckpointsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> checkpoints_pb2.CopyCheckpointsResponse:
        identity = await self.ctx.identify(context)
        _validate(request, ("provider_id",), ("destination_provider_id",))
        await self.ctx.require_provider(
            identity, request.provider_id, request.destination_provider_id
        )
        v = Violations()
        check_uuid(v, "plan_id", request.plan_id)
        check_parameters(v, "parameters", request.parameters)
        v.raise_if_any()
        project = identity.project_id
        defaults = self.ctx.settings.quota_defaults
        # At least one unit must be free; every copy started then takes one.
        reservation = await self.ctx.write(
            lambda s: quotas.reserve(s, project, "checkpoints", 1, defaults)
        )
        try:
            reply = await self.ctx.forwarder.unary(
                _CHECKPOINT + "CopyCheckpoints",
                request,
                checkpoints_pb2.CopyCheckpointsResponse,
                identity,
            )
        finally:
            await self.ctx.write(lambda s: quotas.rollback_reservation(s, reservation))
        if reply.copies:
            await self.ctx.write(
                lambda s: quotas.add_usage(s, project, "checkpoints", len(reply.copies))
            )
        return reply

    async def WatchCheckpoint(
        self,
        request: checkpoints_pb2.WatchCheckpointRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncIterator[checkpoints_pb2.WatchCheckpointResponse]:
        identity = await self.ctx.identify(context)
        _validate(request, ("provider_id", "checkpoint_id"))
        await self.ctx.require_provider(identity, request.provider_id)
        async for event in self.ctx.forwarder.stream(
            _CHECKPOINT + "WatchCheckpoint",
            request,
            checkpoints_pb2.WatchCheckpointResponse,
            identity,
        ):
            yield event


__all__ = ["CheckpointService", "ForwardedError", "ProtectableService", "ProviderService"]
