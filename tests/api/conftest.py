"""A real api server on 127.0.0.1 over a fresh store (SQLite and PostgreSQL), with a peer
ProviderService standing in for the protection service's provider contract."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2

from smaug.api.server import build
from smaug.deploy.config import load
from smaug.mesh import identity as mesh_identity
from smaug.mesh.errors import not_found
from smaug.mesh.server import MeshServer
from smaug.store import identities
from smaug.store.db import Store
from smaug.v1 import (
    checkpoints_pb2_grpc,
    operation_logs_pb2_grpc,
    plans_pb2_grpc,
    protectables_pb2_grpc,
    providers_pb2,
    providers_pb2_grpc,
    quotas_pb2_grpc,
    restores_pb2_grpc,
    scheduled_operations_pb2_grpc,
    services_pb2_grpc,
    triggers_pb2_grpc,
    verifications_pb2_grpc,
)
from support.postgres import database_url, postgres_server  # noqa: F401

SECRET = "test-mesh-secret"
PROVIDER_ID = "cf56bd3e-97a7-4078-b6d5-f36246333fd9"
OTHER_PROVIDER_ID = "6659007d-6f66-4a0f-9cb4-17d6aded0bb9"
VOLUME = "OS::Cinder::Volume"


def provider(provider_id: str) -> providers_pb2.Provider:
    schema = struct_pb2.Struct()
    schema.update({"type": "object", "properties": {"backup_mode": {"type": "string"}}})
    return providers_pb2.Provider(
        id=provider_id,
        name=f"provider {provider_id[:4]}",
        bank_type="filesystem",
        resource_types=[
            providers_pb2.ProviderResourceType(
                resource_type=VOLUME, plugin_name="volume", options_schema=schema
            )
        ],
    )


class PeerProviders(providers_pb2_grpc.ProviderServiceServicer):
    """The protection service's ProviderService contract, recording who called."""

    def __init__(self) -> None:
        self.identities: list[mesh_identity.Identity] = []

    async def GetProvider(self, request: Any, context: Any) -> Any:
        self.identities.append(mesh_identity.from_context(context.invocation_metadata(), SECRET))
        if request.provider_id not in (PROVIDER_ID, OTHER_PROVIDER_ID):
            raise not_found("provider", request.provider_id)
        return providers_pb2.GetProviderResponse(provider=provider(request.provider_id))

    async def ListProviders(self, request: Any, context: Any) -> Any:
        self.identities.append(mesh_identity.from_context(context.invocation_metadata(), SECRET))
        return providers_pb2.ListProvidersResponse(
            providers=[provider(PROVIDER_ID), provider(OTHER_PROVIDER_ID)]
        )


@dataclass
class Client:
    """Stubs for every smaug.v1 service, authenticated as one user."""

    channel: grpc.aio.Channel
    token: str
    project_id: str
    metadata: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        self.metadata = (("authorization", f"Bearer {self.token}"),)
        self.plans = plans_pb2_grpc.PlanServiceStub(self.channel)
        self.providers = providers_pb2_grpc.ProviderServiceStub(self.channel)
        self.protectables = protectables_pb2_grpc.ProtectableServiceStub(self.channel)
        self.checkpoints = checkpoints_pb2_grpc.CheckpointServiceStub(self.channel)
        self.restores = restores_pb2_grpc.RestoreServiceStub(self.channel)
        self.verifications = verifications_pb2_grpc.VerificationServiceStub(self.channel)
        self.triggers = triggers_pb2_grpc.TriggerServiceStub(self.channel)
        self.operations = scheduled_operations_pb2_grpc.ScheduledOperationServiceStub(self.channel)
        self.logs = operation_logs_pb2_grpc.OperationLogServiceStub(self.channel)
        self.quotas = quotas_pb2_grpc.QuotaServiceStub(self.channel)
        self.services = services_pb2_grpc.ServiceRegistryServiceStub(self.channel)

    async def call(self, method: Any, request: Any, **kwargs: Any) -> Any:
        return await method(request, metadata=self.metadata, timeout=30, **kwargs)


@dataclass
class Api:
    server: MeshServer
    store: Store
    address: str
    data_dir: Path
    channel: grpc.aio.Channel
    admin: Client
    peer: PeerProviders

    def user(self, name: str, project_id: str, roles: tuple[str, ...] = ("member",)) -> Client:
        with self.store.write() as session:
            _, token = identities.create_user(session, name, project_id, roles)
        return Client(self.channel, token, project_id)


@pytest.fixture
async def peer() -> AsyncIterator[tuple[str, PeerProviders]]:
    server = MeshServer("peer", "127.0.0.1:0")
    servicer = PeerProviders()
    server.add(
        "smaug.v1.ProviderService",
        lambda s: providers_pb2_grpc.add_ProviderServiceServicer_to_server(servicer, s),
    )
    await server.start()
    yield server.bound_address, servicer
    await server.server.stop(None)


@pytest.fixture
async def api(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    peer: tuple[str, PeerProviders],
) -> AsyncIterator[Api]:
    data_dir = tmp_path / "data"
    config = load(
        environ={
            "SMAUG_DATA_DIR": str(data_dir),
            "SMAUG_API__LISTEN": "127.0.0.1:0",
            "SMAUG_API__DATABASE_URL": database_url,
            "SMAUG_API__PROTECTION_ADDRESS": peer[0],
            "SMAUG_PROTECTION__SECTION_SECRET": SECRET,
        }
    )
    store = Store(config.api.database_url)
    server = build(config, store=store)
    await server.start()
    channel = grpc.aio.insecure_channel(server.bound_address)
    token = (data_dir / "admin-token").read_text().strip()
    admin = Client(channel, token, "admin")
    try:
        yield Api(server, store, server.bound_address, data_dir, channel, admin, peer[1])
    finally:
        await channel.close()
        server.grace_seconds = 0
        await server.stop()
