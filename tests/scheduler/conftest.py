"""An in-process api over a fresh store with a fake protection service (checkpoints in memory),
and scheduler engines with test-sized timings."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from api.conftest import PROVIDER_ID, SECRET, Client, PeerProviders
from google.protobuf import timestamp_pb2

from smaug.api.server import build
from smaug.deploy.config import load
from smaug.mesh import identity as mesh_identity
from smaug.mesh.errors import not_found
from smaug.mesh.server import MeshServer
from smaug.scheduler.engine import Engine
from smaug.scheduler.runner import ApiClient
from smaug.scheduler.settings import SchedulerSettings
from smaug.store import identities
from smaug.store.db import Store
from smaug.v1 import checkpoints_pb2, checkpoints_pb2_grpc, providers_pb2_grpc
from support.postgres import database_url, postgres_server  # noqa: F401

AVAILABLE = checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE


def stamp(value: datetime) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(value)
    return out


class FakeCheckpoints(checkpoints_pb2_grpc.CheckpointServiceServicer):
    """The protection service's checkpoint contract, in memory."""

    def __init__(self) -> None:
        self.items: dict[str, checkpoints_pb2.Checkpoint] = {}
        self.creates: list[checkpoints_pb2.CreateCheckpointRequest] = []
        self.deletes: list[str] = []
        self.identities: list[mesh_identity.Identity] = []
        self.fail_creates = False

    def _who(self, context: Any) -> mesh_identity.Identity:
        who = mesh_identity.from_context(context.invocation_metadata(), SECRET)
        self.identities.append(who)
        return who

    def add(
        self, plan_id: str, created: datetime, status: int = AVAILABLE, project: str = "admin"
    ) -> checkpoints_pb2.Checkpoint:
        checkpoint = checkpoints_pb2.Checkpoint(
            id=str(uuid.uuid4()),
            project_id=project,
            provider_id=PROVIDER_ID,
            status=status,  # type: ignore[arg-type]
            protection_plan=checkpoints_pb2.ProtectionPlan(id=plan_id, provider_id=PROVIDER_ID),
            create_time=stamp(created),
        )
        self.items[checkpoint.id] = checkpoint
        return checkpoint

    async def CreateCheckpoint(self, request: Any, context: Any) -> Any:
        who = self._who(context)
        if self.fail_creates:
            raise not_found("plan", request.plan_id)
        self.creates.append(request)
        checkpoint = self.add(
            request.plan_id,
            datetime.now(UTC).replace(tzinfo=None),
            checkpoints_pb2.CHECKPOINT_STATUS_PROTECTING,
            who.project_id,
        )
        checkpoint.extra_info.CopyFrom(request.extra_info)
        return checkpoints_pb2.CreateCheckpointResponse(checkpoint=checkpoint)

    async def GetCheckpoint(self, request: Any, context: Any) -> Any:
        self._who(context)
        if request.checkpoint_id not in self.items:
            raise not_found("checkpoint", request.checkpoint_id)
        return checkpoints_pb2.GetCheckpointResponse(checkpoint=self.items[request.checkpoint_id])

    async def ListCheckpoints(self, request: Any, context: Any) -> Any:
        who = self._who(context)
        found = sorted(
            (
                c
                for c in self.items.values()
                if c.project_id == who.project_id
                and (not request.plan_id or c.protection_plan.id == request.plan_id)
            ),
            key=lambda c: c.create_time.ToDatetime(),
            reverse=True,
        )
        # Small pages, to exercise paging.
        start = int(request.page_token or 0)
        page = found[start : start + 3]
        token = str(start + 3) if start + 3 < len(found) else ""
        return checkpoints_pb2.ListCheckpointsResponse(checkpoints=page, next_page_token=token)

    async def DeleteCheckpoint(self, request: Any, context: Any) -> Any:
        self._who(context)
        checkpoint = self.items.get(request.checkpoint_id)
        if checkpoint is None:
            raise not_found("checkpoint", request.checkpoint_id)
        self.deletes.append(request.checkpoint_id)
        checkpoint.status = checkpoints_pb2.CHECKPOINT_STATUS_DELETED
        return checkpoints_pb2.DeleteCheckpointResponse(checkpoint=checkpoint)


@dataclass
class Mesh:
    store: Store
    api_address: str
    channel: grpc.aio.Channel
    admin: Client
    fake: FakeCheckpoints
    engines: list[Engine] = field(default_factory=list)

    def user(self, name: str, project_id: str, roles: tuple[str, ...] = ("member",)) -> Client:
        with self.store.write() as session:
            _, token = identities.create_user(session, name, project_id, roles)
        return Client(self.channel, token, project_id)

    async def engine(self, replica: str, **overrides: Any) -> Engine:
        settings = SchedulerSettings(
            poll_seconds=0.1,
            heartbeat_seconds=0.2,
            claim_stale_seconds=1.0,
            lookback_seconds=3600,
            claim_retention_seconds=7200,
            call_timeout_seconds=10,
            stop_grace_seconds=2,
            replica=replica,
        )
        settings = SchedulerSettings(**{**settings.__dict__, **overrides})
        engine = Engine(self.store, ApiClient(self.api_address, SECRET, 10), settings, replica)
        await engine.start()
        self.engines.append(engine)
        return engine


@pytest.fixture
async def mesh(
    database_url: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Mesh]:
    monkeypatch.setenv("SMAUG_TRIGGER_MIN_INTERVAL", "1")
    monkeypatch.setenv("SMAUG_TRIGGER_MIN_WINDOW", "1")
    monkeypatch.setenv("SMAUG_TRIGGER_MAX_WINDOW", "60")
    fake = FakeCheckpoints()
    providers = PeerProviders()
    peer = MeshServer("peer", "127.0.0.1:0")
    peer.add(
        "smaug.v1.ProviderService",
        lambda s: providers_pb2_grpc.add_ProviderServiceServicer_to_server(providers, s),
    )
    peer.add(
        "smaug.v1.CheckpointService",
        lambda s: checkpoints_pb2_grpc.add_CheckpointServiceServicer_to_server(fake, s),
    )
    await peer.start()
    data_dir = tmp_path / "data"
    config = load(
        environ={
            "SMAUG_DATA_DIR": str(data_dir),
            "SMAUG_API__LISTEN": "127.0.0.1:0",
            "SMAUG_API__DATABASE_URL": database_url,
            "SMAUG_API__PROTECTION_ADDRESS": peer.bound_address,
            "SMAUG_PROTECTION__SECTION_SECRET": SECRET,
        }
    )
    store = Store(config.api.database_url)
    server = build(config, store=store)
    await server.start()
    channel = grpc.aio.insecure_channel(server.bound_address)
    token = (data_dir / "admin-token").read_text().strip()
    running = Mesh(store, server.bound_address, channel, Client(channel, token, "admin"), fake)
    try:
        yield running
    finally:
        for engine in running.engines:
            await engine.stop()
        await channel.close()
        server.grace_seconds = 0
        await server.stop()
        await peer.server.stop(None)
