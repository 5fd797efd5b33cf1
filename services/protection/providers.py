"""Providers: each a named set of plugins (one per resource type) plus one bank, built from the
configuration and the plugins' own descriptions."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from smaug.bank.bank import Bank
from smaug.bank.config import open_bank
from smaug.deploy.config import ProviderConfig
from smaug.mesh.errors import invalid_argument, not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.protection.plugin_host import PluginHandle, PluginHost
from smaug.v1 import common_pb2, providers_pb2, providers_pb2_grpc

OPERATION_TYPES = {
    plugin_pb2.OPERATION_PROTECT: common_pb2.OPERATION_TYPE_PROTECT,
    plugin_pb2.OPERATION_RESTORE: common_pb2.OPERATION_TYPE_RESTORE,
    plugin_pb2.OPERATION_VERIFY: common_pb2.OPERATION_TYPE_VERIFY,
    plugin_pb2.OPERATION_DELETE: common_pb2.OPERATION_TYPE_DELETE,
    plugin_pb2.OPERATION_COPY: common_pb2.OPERATION_TYPE_COPY,
}


@dataclass
class Provider:
    """A configured provider with its reachable plugins and its bank (opened on first use)."""

    config: ProviderConfig
    plugins: list[PluginHandle]
    _bank: Bank | None = field(default=None, repr=False)
    _bank_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def id(self) -> str:
        return self.config.id

    async def bank(self) -> Bank:
        """The provider's shared bank; never opened when every project needs its own account
        (see smaug.protection.accounts)."""
        if self.config.accounts_required:
            raise RuntimeError(f"provider {self.id} requires bank accounts; it has no shared bank")
        async with self._bank_lock:
            if self._bank is None:
                settings = {"name": self.config.name, **self.config.bank}
                self._bank = await asyncio.to_thread(open_bank, settings)
            return self._bank

    def plugin_for(self, resource_type: str) -> PluginHandle | None:
        """The plugin serving a type; a later plugin in the list overrides an earlier one."""
        found = None
        for handle in self.plugins:
            if resource_type in handle.resource_types():
                found = handle
        return found

    def type_infos(self) -> dict[str, tuple[PluginHandle, plugin_pb2.ResourceTypeInfo]]:
        infos: dict[str, tuple[PluginHandle, plugin_pb2.ResourceTypeInfo]] = {}
        for handle in self.plugins:
            for info in handle.info.resource_types:
                infos[info.type] = (handle, info)
        return infos

    def to_proto(self) -> providers_pb2.Provider:
        provider = providers_pb2.Provider(
            id=self.config.id,
            name=self.config.name,
            description=self.config.description,
            bank_type=str(self.config.bank.get("backend", "")),
            bank_accounts_required=self.config.accounts_required,
        )
        for resource_type, (handle, info) in sorted(self.type_infos().items()):
            provider.resource_types.add(
                resource_type=resource_type,
                plugin_name=handle.name,
                options_schema=info.options_schema,
                restore_schema=info.restore_schema,
                verify_schema=info.verify_schema,
                saved_info_schema=info.saved_info_schema,
                operations=[OPERATION_TYPES[o] for o in info.operations if o in OPERATION_TYPES],
            )
        return provider

    async def close(self) -> None:
        if self._bank is not None:
            await asyncio.to_thread(self._bank.close)


class ProviderRegistry:
    """Every provider this protection service serves."""

    def __init__(self, configs: tuple[ProviderConfig, ...], host: PluginHost) -> None:
        by_name = {handle.name: handle for handle in host.handles}
        self.providers = {
            config.id: Provider(config, [by_name[p.name] for p in config.plugins])
            for config in configs
        }

    def get(self, provider_id: str, field_name: str = "provider_id") -> Provider:
        if not provider_id:
            raise invalid_argument(
                f"{field_name} is required", {field_name: "must name a provider"}
            )
        provider = self.providers.get(provider_id)
        if provider is None:
            raise not_found("provider", provider_id)
        return provider

    async def close(self) -> None:
        for provider in self.providers.values():
            await provider.close()


class ProviderServicer(providers_pb2_grpc.ProviderServiceServicer):
    """ProviderService as served by protection (the api forwards to it)."""

    def __init__(self, registry: ProviderRegistry, authenticate: Any) -> None:
        self._registry = registry
        self._authenticate = authenticate

    async def ListProviders(
        self, request: providers_pb2.ListProvidersRequest, context: Any
    ) -> providers_pb2.ListProvidersResponse:
        self._authenticate(context)
        if request.page_size < 0:
            raise invalid_argument(
                "page_size must not be negative", {"page_size": "0 (default) to 1000"}
            )
        ordered = sorted(self._registry.providers.values(), key=lambda p: p.id)
        if request.page_token:
            ordered = [p for p in ordered if p.id > request.page_token]
        size = min(request.page_size or 50, 1000)
        page = ordered[:size]
        token = page[-1].id if len(ordered) > size else ""
        return providers_pb2.ListProvidersResponse(
            providers=[p.to_proto() for p in page], next_page_token=token
        )

    async def GetProvider(
        self, request: providers_pb2.GetProviderRequest, context: Any
    ) -> providers_pb2.GetProviderResponse:
        self._authenticate(context)
        return providers_pb2.GetProviderResponse(
            provider=self._registry.get(request.provider_id).to_proto()
        )
