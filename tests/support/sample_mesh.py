"""A mesh whose providers use the sample plugin (tests/support/sample_plugin.py), and an api
client for tests that drive it end to end."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import grpc
import yaml

from smaug.v1 import (
    checkpoints_pb2,
    checkpoints_pb2_grpc,
    operation_logs_pb2_grpc,
    plans_pb2,
    plans_pb2_grpc,
    providers_pb2_grpc,
    quotas_pb2_grpc,
    restores_pb2_grpc,
    verifications_pb2_grpc,
)
from support.mesh import Mesh

SAMPLE = str(Path(__file__).resolve().parent / "sample_plugin.py")
PROVIDER = "11111111-2222-4333-8444-555555555555"
MIRROR = "66666666-7777-4888-8999-000000000000"
# t1 contains t2 and t3; t3 contains t4; t2 and t3 share t5.
CHILDREN = {"t1": ["t2", "t3"], "t2": ["t5"], "t3": ["t4", "t5"]}


def write_config(tmp: Path, log: Path | None = None) -> Path:
    """A configuration with two providers (PROVIDER, MIRROR) using the sample plugin; with
    ``log``, the plugin records every hook it runs there."""
    settings: dict[str, Any] = {"children": CHILDREN}
    if log is not None:
        settings["log"] = str(log)
    plugin = {"name": "sample", "command": [sys.executable, SAMPLE], "settings": settings}
    config = {
        "providers": [
            {
                "id": PROVIDER,
                "name": "Sample",
                "description": "sample plugin",
                "bank": {"backend": "filesystem", "path": str(tmp / "bank")},
                "plugins": [plugin],
            },
            {
                "id": MIRROR,
                "name": "Mirror",
                "description": "copies land here",
                "bank": {"backend": "filesystem", "path": str(tmp / "mirror")},
                "plugins": [plugin],
            },
        ]
    }
    path = tmp / "smaug.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


class Api:
    """Stubs of the api, authenticated with the admin token `smaug up` created."""

    def __init__(self, mesh: Mesh) -> None:
        token = (mesh.data_dir / "admin-token").read_text().strip()
        self.channel = grpc.insecure_channel(mesh.api)
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.plans = plans_pb2_grpc.PlanServiceStub(self.channel)
        self.checkpoints = checkpoints_pb2_grpc.CheckpointServiceStub(self.channel)
        self.restores = restores_pb2_grpc.RestoreServiceStub(self.channel)
        self.verifications = verifications_pb2_grpc.VerificationServiceStub(self.channel)
        self.logs = operation_logs_pb2_grpc.OperationLogServiceStub(self.channel)
        self.providers = providers_pb2_grpc.ProviderServiceStub(self.channel)
        self.quotas = quotas_pb2_grpc.QuotaServiceStub(self.channel)

    def call(self, method: Any, request: Any) -> Any:
        return method(request, metadata=self.metadata, timeout=30)

    def plan(self, resource_ids: list[str], parameters: dict[str, Any] | None = None) -> str:
        plan = plans_pb2.Plan(name="sample plan", provider_id=PROVIDER)
        for resource_id in resource_ids:
            plan.resources.add(type="Test::Thing", id=resource_id, name=resource_id)
        for key, value in (parameters or {}).items():
            plan.parameters[key].update(value)
        created = self.call(self.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan))
        return str(created.plan.id)

    def settle(self, provider_id: str, checkpoint_id: str) -> list[Any]:
        events = list(
            self.checkpoints.WatchCheckpoint(
                checkpoints_pb2.WatchCheckpointRequest(
                    provider_id=provider_id, checkpoint_id=checkpoint_id
                ),
                metadata=self.metadata,
                timeout=60,
            )
        )
        return events

    def protect(self, plan_id: str) -> tuple[checkpoints_pb2.Checkpoint, list[Any]]:
        created = self.call(
            self.checkpoints.CreateCheckpoint,
            checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=plan_id),
        )
        events = self.settle(PROVIDER, created.checkpoint.id)
        got = self.call(
            self.checkpoints.GetCheckpoint,
            checkpoints_pb2.GetCheckpointRequest(
                provider_id=PROVIDER, checkpoint_id=created.checkpoint.id
            ),
        )
        return got.checkpoint, events
