"""What every api servicer shares: the store, authentication, forwarding and settings."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from google.rpc import error_details_pb2
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from smaug.api.auth import SERVICE_ROLE, Authenticator
from smaug.api.forward import ForwardedError, Forwarder
from smaug.mesh.errors import RpcError, not_found
from smaug.mesh.identity import Identity
from smaug.mesh.keystone import Trusts
from smaug.store import quotas, tenancy
from smaug.store.db import Store
from smaug.v1 import providers_pb2

log = logging.getLogger(__name__)

T = TypeVar("T")

ProviderLookup = Callable[[Identity, str], Awaitable["providers_pb2.Provider | None"]]


def _env_int(name: str, default: int, environ: Mapping[str, str]) -> int:
    try:
        return int(environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    """Api behaviour settings, read from the environment for now (see ``from_env``)."""

    trigger_min_interval: int = 3600
    trigger_min_window: int = 900
    trigger_max_window: int = 1800
    quota_defaults: Mapping[str, int] = field(default_factory=lambda: dict(quotas.DEFAULT_LIMITS))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            trigger_min_interval=_env_int("SMAUG_TRIGGER_MIN_INTERVAL", 3600, env),
            trigger_min_window=_env_int("SMAUG_TRIGGER_MIN_WINDOW", 900, env),
            trigger_max_window=_env_int("SMAUG_TRIGGER_MAX_WINDOW", 1800, env),
            quota_defaults={
                "plans": _env_int("SMAUG_QUOTA_PLANS", 50, env),
                "checkpoints": _env_int("SMAUG_QUOTA_CHECKPOINTS", -1, env),
            },
        )


def permission_denied(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.PERMISSION_DENIED, message)


def quota_exceeded(error: quotas.QuotaExceeded) -> RpcError:
    failure = error_details_pb2.QuotaFailure(
        violations=[
            error_details_pb2.QuotaFailure.Violation(
                subject=f"project:{error.project_id}",
                description=f"quota {error.resource} exceeded: limit {error.limit}, "
                f"in use {error.in_use}",
            )
        ]
    )
    return RpcError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        f"Maximum number of {error.resource} allowed ({error.limit}) exceeded",
        [failure],
    )


class ApiContext:
    def __init__(
        self,
        store: Store,
        authenticator: Authenticator,
        forwarder: Forwarder,
        settings: Settings,
        provider_lookup: ProviderLookup | None = None,
        trusts: Trusts | None = None,
    ) -> None:
        self.store = store
        self.trusts = trusts
        self.auth = authenticator
        self.forwarder = forwarder
        self.settings = settings
        self.provider_lookup: ProviderLookup = provider_lookup or self._provider_from_protection

    async def identify(self, context: grpc.aio.ServicerContext[Any, Any]) -> Identity:
        return await self.auth.identify(context.invocation_metadata())  # type: ignore[arg-type]

    async def delegate(self, identity: Identity) -> str:
        """Keystone mode: a trust from the caller to Smaug for work done later in their name
        (scheduled operations); empty standalone or when a service of the mesh is calling."""
        if self.trusts is None or not identity.auth_token or SERVICE_ROLE in identity.roles:
            return ""
        roles = [r for r in identity.roles if r and r != SERVICE_ROLE]
        return await asyncio.to_thread(
            self.trusts.create, identity.auth_token, identity.user_id, identity.project_id, roles
        )

    async def revoke(self, trust_id: str, identity: Identity) -> None:
        """Drop a trust no longer needed; Keystone refusing is logged, never fatal."""
        if not trust_id or self.trusts is None:
            return
        if not await asyncio.to_thread(self.trusts.delete, trust_id, identity.auth_token):
            log.warning("could not delete a Keystone trust", extra={"trust_id": trust_id})

    async def admin(self, context: grpc.aio.ServicerContext[Any, Any], what: str) -> Identity:
        identity = await self.identify(context)
        if not identity.is_admin:
            raise permission_denied(f"{what} is admin only")
        return identity

    @staticmethod
    def scope(identity: Identity, all_projects: bool) -> str | None:
        """The project a list is limited to; None (every project) for admins' all_projects."""
        if all_projects:
            if not identity.is_admin:
                raise permission_denied("all_projects is admin only")
            return None
        return identity.project_id

    async def write(self, work: Callable[[Session], T]) -> T:
        return await asyncio.to_thread(self._run, work, True)

    async def read(self, work: Callable[[Session], T]) -> T:
        return await asyncio.to_thread(self._run, work, False)

    def _run(self, work: Callable[[Session], T], write: bool) -> T:
        try:
            with self.store.write() if write else self.store.read() as session:
                return work(session)
        except quotas.QuotaExceeded as error:
            raise quota_exceeded(error) from None
        except sa_exc.OperationalError:
            raise RpcError(
                grpc.StatusCode.UNAVAILABLE, "the database is busy or unreachable; retry"
            ) from None

    async def provider_access(self, identity: Identity) -> tenancy.Access:
        """The providers the caller may use: every one for admins, else the project's access
        (read per call, so a change applies to the next call)."""
        if identity.is_admin:
            return tenancy.EVERYTHING
        project = identity.project_id
        return await self.read(lambda s: tenancy.effective_access(s, project))

    async def require_provider(self, identity: Identity, *provider_ids: str) -> None:
        """NOT_FOUND, exactly as for an unknown provider, when the caller's project may not use
        one of ``provider_ids`` (empty ids are skipped: the call is not provider-scoped)."""
        wanted = [p for p in provider_ids if p]
        if not wanted:
            return
        access = await self.provider_access(identity)
        for provider_id in wanted:
            if not access.allows(provider_id):
                raise not_found("provider", provider_id)

    async def _provider_from_protection(
        self, identity: Identity, provider_id: str
    ) -> providers_pb2.Provider | None:
        try:
            reply = await self.forwarder.unary(
                "/smaug.v1.ProviderService/GetProvider",
                providers_pb2.GetProviderRequest(provider_id=provider_id),
                providers_pb2.GetProviderResponse,
                identity,
            )
        except ForwardedError as error:
            if error.code == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return reply.provider
