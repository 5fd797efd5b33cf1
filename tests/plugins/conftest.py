"""Running the in-tree plugins' hooks in-process against a real bank service, so each plugin can
be tested without a mesh (the end-to-end tests run them through `smaug up`)."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest

from smaug.bank.bank import Bank
from smaug.bank.fs_backend import FilesystemBackend
from smaug.bank.service import GRPC_MESSAGE_OPTIONS, BankServicer
from smaug.bank.tokens import SectionTokenVerifier, issue_section_token
from smaug.bank.v1 import bank_pb2_grpc
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import Hook, Resource, ResourcePlugin

SECRET = b"plugin-test-secret-0123456789"


def tree_size(path: Path) -> int:
    """Bytes of the regular files under ``path`` (a bank directory, say)."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


@dataclass
class LocalBank:
    """A filesystem bank served over gRPC on a free port, as the protection service does."""

    bank: Bank
    address: str
    root: Path

    def checkpoint(self) -> str:
        return self.bank.checkpoints.create(
            project_id="proj", provider_id="prov", plan={"id": "plan"}, owner_id="svc"
        ).id

    def section(self, checkpoint: str, read_only: bool) -> plugin_pb2.BankSection:
        token = issue_section_token(
            SECRET,
            bank="default",
            checkpoint_id=checkpoint,
            section="resources/r1",
            read_only=read_only,
        )
        return plugin_pb2.BankSection(address=self.address, token=token, read_only=read_only)


@pytest.fixture
async def local_bank(tmp_path: Path) -> AsyncIterator[LocalBank]:
    bank = Bank("test", FilesystemBackend(tmp_path / "bank"), workers=4)
    server = grpc.aio.server(options=GRPC_MESSAGE_OPTIONS)
    bank_pb2_grpc.add_BankServiceServicer_to_server(
        BankServicer({"default": bank}, SectionTokenVerifier(SECRET)), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield LocalBank(bank, f"127.0.0.1:{port}", tmp_path / "bank")
    await server.stop(None)
    bank.close()


@dataclass
class Runner:
    """Runs every phase of one operation of a plugin on one resource, like the host does."""

    plugin: ResourcePlugin
    progress: list[plugin_pb2.Progress] = field(default_factory=list)

    async def run(
        self,
        operation: str,
        resource: Resource,
        section: plugin_pb2.BankSection,
        parameters: dict[str, Any] | None = None,
        checkpoint_id: str = "cp",
        operation_id: str = "op-0123456789",
        copy_section: plugin_pb2.BankSection | None = None,
    ) -> Hook:
        state: dict[str, Any] = {}
        hook: Hook | None = None
        new_resource_id = ""
        for phase in ("prepare_begin", "prepare_finish", "main", "complete"):
            hook = Hook(
                operation=operation,
                phase=phase,
                resource=resource,
                parameters=json.loads(json.dumps(parameters or {})),
                state=state,
                checkpoint=plugin_pb2.CheckpointRef(
                    id=checkpoint_id, provider_id="prov", plan_id="plan"
                ),
                bank_section=section,
                new_resource_ids={},
                restore_target="",
                context=plugin_pb2.CallContext(),
                operation_id=operation_id,
                copy_checkpoint=plugin_pb2.CheckpointRef(),
                copy_bank_section=copy_section or plugin_pb2.BankSection(),
            )
            method = getattr(self.plugin, f"{operation}_{phase}", None)
            if method is None:
                continue
            await method(hook)
            while not hook._events.empty():
                event = hook._events.get_nowait()
                self.progress.append(event.progress)
            state = hook.state
            new_resource_id = hook.new_resource_id or new_resource_id
        assert hook is not None
        hook.new_resource_id = new_resource_id
        return hook


@pytest.fixture
def plugin_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set SMAUG_PLUGIN_CONFIG for a plugin built in this process."""

    def configure(settings: dict[str, Any]) -> None:
        monkeypatch.setenv("SMAUG_PLUGIN_CONFIG", json.dumps(settings))

    yield configure
    os.environ.pop("SMAUG_PLUGIN_CONFIG", None)
