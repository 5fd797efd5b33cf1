"""ProtectableService as served by protection: resource types and instances, answered by the
providers' plugins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import grpc

from smaug.mesh.errors import RpcError, invalid_argument, not_found
from smaug.mesh.identity import Identity
from smaug.plugin.v1 import plugin_pb2
from smaug.protection.plugin_host import PluginHandle, PluginStartError
from smaug.protection.providers import Provider, ProviderRegistry
from smaug.v1 import protectables_pb2, protectables_pb2_grpc, resources_pb2


def call_context(identity: Identity) -> plugin_pb2.CallContext:
    return plugin_pb2.CallContext(
        project_id=identity.project_id,
        user_id=identity.user_id,
        auth_token=identity.auth_token,
        request_id=identity.request_id,
    )


def plugin_error(error: grpc.aio.AioRpcError | PluginStartError, handle: PluginHandle) -> RpcError:
    """A plugin's failure as our own status, naming the plugin."""
    if isinstance(error, PluginStartError):
        return RpcError(grpc.StatusCode.UNAVAILABLE, str(error))
    code = error.code()
    if code in (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL):
        code = grpc.StatusCode.UNAVAILABLE
    return RpcError(code, f"plugin {handle.name}: {error.details()}")


def to_resource(message: plugin_pb2.Resource) -> resources_pb2.Resource:
    return resources_pb2.Resource(
        type=message.type, id=message.id, name=message.name, extra_info=message.extra_info
    )


class ProtectableServicer(protectables_pb2_grpc.ProtectableServiceServicer):
    def __init__(self, registry: ProviderRegistry, authenticate: Callable[[Any], Identity]) -> None:
        self._registry = registry
        self._authenticate = authenticate

    def _providers(self, provider_id: str) -> list[Provider]:
        if provider_id:
            return [self._registry.get(provider_id)]
        return list(self._registry.providers.values())

    def _serving(self, resource_type: str, provider_id: str) -> tuple[Provider, PluginHandle]:
        if not resource_type:
            raise invalid_argument(
                "protectable_type is required",
                {"protectable_type": "a resource type, e.g. OS::Nova::Server"},
            )
        for provider in self._providers(provider_id):
            handle = provider.plugin_for(resource_type)
            if handle is not None:
                return provider, handle
        known = sorted({t for p in self._providers(provider_id) for t in p.type_infos()})
        raise not_found("protectable type", f"{resource_type} (known: {', '.join(known)})")

    async def _dependents(
        self,
        provider: Provider,
        parent: plugin_pb2.Resource,
        identity: Identity,
        only_type: str = "",
    ) -> list[resources_pb2.Resource]:
        found: list[resources_pb2.Resource] = []
        for child_type, (handle, info) in provider.type_infos().items():
            if parent.type not in info.parent_types or (only_type and child_type != only_type):
                continue
            try:
                reply = await (await handle.ready_stub()).ListDependentResources(
                    plugin_pb2.ListDependentResourcesRequest(
                        parent=parent, resource_type=child_type, context=call_context(identity)
                    ),
                    timeout=60,
                )
            except (grpc.aio.AioRpcError, PluginStartError) as error:
                raise plugin_error(error, handle) from None
            found.extend(to_resource(r) for r in reply.resources)
        return found

    def _type(self, name: str, provider_id: str) -> protectables_pb2.ProtectableType:
        providers = [p for p in self._providers(provider_id) if name in p.type_infos()]
        parents: set[str] = set()
        dependents: set[str] = set()
        listable = False
        for provider in providers:
            infos = provider.type_infos()
            parents.update(infos[name][1].parent_types)
            listable = listable or infos[name][1].listable
            dependents.update(t for t, (_, info) in infos.items() if name in info.parent_types)
        return protectables_pb2.ProtectableType(
            name=name,
            parent_types=sorted(parents),
            dependent_types=sorted(dependents),
            listable=listable,
            provider_ids=[p.id for p in providers],
        )

    async def ListProtectableTypes(
        self, request: protectables_pb2.ListProtectableTypesRequest, context: Any
    ) -> protectables_pb2.ListProtectableTypesResponse:
        self._authenticate(context)
        names = sorted({t for p in self._providers(request.provider_id) for t in p.type_infos()})
        return protectables_pb2.ListProtectableTypesResponse(
            protectable_types=[self._type(n, request.provider_id) for n in names]
        )

    async def GetProtectableType(
        self, request: protectables_pb2.GetProtectableTypeRequest, context: Any
    ) -> protectables_pb2.GetProtectableTypeResponse:
        self._authenticate(context)
        self._serving(request.protectable_type, "")
        return protectables_pb2.GetProtectableTypeResponse(
            protectable_type=self._type(request.protectable_type, "")
        )

    async def ListProtectableInstances(
        self, request: protectables_pb2.ListProtectableInstancesRequest, context: Any
    ) -> protectables_pb2.ListProtectableInstancesResponse:
        identity = self._authenticate(context)
        provider, handle = self._serving(request.protectable_type, request.provider_id)
        try:
            reply = await (await handle.ready_stub()).ListResources(
                plugin_pb2.ListResourcesRequest(
                    resource_type=request.protectable_type,
                    parameters=request.parameters,
                    page_size=request.page_size,
                    page_token=request.page_token,
                    context=call_context(identity),
                ),
                timeout=60,
            )
        except (grpc.aio.AioRpcError, PluginStartError) as error:
            raise plugin_error(error, handle) from None
        response = protectables_pb2.ListProtectableInstancesResponse(
            next_page_token=reply.next_page_token
        )
        for resource in reply.resources:
            instance = response.instances.add(resource=to_resource(resource))
            if request.include_dependents:
                instance.dependent_resources.extend(
                    await self._dependents(provider, resource, identity)
                )
        return response

    async def _show(
        self, provider: Provider, handle: PluginHandle, request: Any, identity: Identity
    ) -> plugin_pb2.Resource:
        if not request.instance_id:
            raise invalid_argument("instance_id is required", {"instance_id": "must not be empty"})
        try:
            reply = await (await handle.ready_stub()).GetResource(
                plugin_pb2.GetResourceRequest(
                    resource_type=request.protectable_type,
                    resource_id=request.instance_id,
                    parameters=request.parameters,
                    context=call_context(identity),
                ),
                timeout=60,
            )
        except (grpc.aio.AioRpcError, PluginStartError) as error:
            raise plugin_error(error, handle) from None
        return reply.resource

    async def GetProtectableInstance(
        self, request: protectables_pb2.GetProtectableInstanceRequest, context: Any
    ) -> protectables_pb2.GetProtectableInstanceResponse:
        identity = self._authenticate(context)
        provider, handle = self._serving(request.protectable_type, request.provider_id)
        resource = await self._show(provider, handle, request, identity)
        instance = protectables_pb2.ProtectableInstance(resource=to_resource(resource))
        instance.dependent_resources.extend(await self._dependents(provider, resource, identity))
        return protectables_pb2.GetProtectableInstanceResponse(instance=instance)

    async def ListDependentResources(
        self, request: protectables_pb2.ListDependentResourcesRequest, context: Any
    ) -> protectables_pb2.ListDependentResourcesResponse:
        identity = self._authenticate(context)
        provider, handle = self._serving(request.protectable_type, request.provider_id)
        resource = await self._show(provider, handle, request, identity)
        found = await self._dependents(provider, resource, identity, request.dependent_type)
        return protectables_pb2.ListDependentResourcesResponse(resources=found)
