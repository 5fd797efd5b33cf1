"""The example Go plugin (plugins/examples/go): a plugin in another language needs only the
.proto files. It is built once for this module with tools/build-go-plugin, then launched through
the real PluginHost, attached to by address, and run against a real bank service."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import grpc
import pytest

from smaug.bank.bank import Bank
from smaug.bank.checkpoints import resource_section
from smaug.bank.config import open_bank
from smaug.bank.service import GRPC_MESSAGE_OPTIONS, BankServicer
from smaug.bank.tokens import SectionTokenVerifier, issue_section_token
from smaug.bank.v1 import bank_pb2_grpc
from smaug.deploy.config import PluginConfig
from smaug.deploy.health import serving
from smaug.mesh.errors import field_violations
from smaug.plugin.v1 import plugin_pb2, plugin_pb2_grpc
from smaug.plugins.sdk import from_struct, to_struct
from smaug.protection.plugin_host import PluginHandle, PluginHost

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "tools" / "build-go-plugin"
NOTE = "Example::Note"
NOTES = {"n1": "hello", "n2": "world"}
SECRET = b"go-plugin-test-section-secret-0123"
CHECKPOINT = "cp-go-1"


@pytest.fixture(scope="module")
def go_plugin(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The plugin binary, built once for this module."""
    binary = tmp_path_factory.mktemp("go-plugin") / "go-example"
    built = subprocess.run(
        [str(BUILD), str(binary)], capture_output=True, text=True, timeout=600, check=False
    )
    assert built.returncode == 0, (
        f"tools/build-go-plugin failed (it needs Go >= 1.26 on PATH, in $GO or at "
        f"/usr/local/go/bin/go):\n{built.stdout}{built.stderr}"
    )
    return str(binary)


@pytest.fixture
async def host() -> AsyncIterator[PluginHost]:
    plugin_host = PluginHost(health_interval=0.2)
    yield plugin_host
    await plugin_host.stop()


def async_stub(handle: PluginHandle) -> plugin_pb2_grpc.ProtectionPluginServiceAsyncStub:
    # PluginHandle.stub is typed as the sync stub; on its aio channel it is the async one (a
    # class that exists only in the .pyi, hence the string).
    return cast("plugin_pb2_grpc.ProtectionPluginServiceAsyncStub", handle.stub)


async def launched(
    host: PluginHost, binary: str
) -> plugin_pb2_grpc.ProtectionPluginServiceAsyncStub:
    await host.start([PluginConfig(name="go", command=(binary,), settings={"notes": NOTES})])
    handle = host.for_type(NOTE)
    assert handle is not None and handle.process is not None
    return async_stub(handle)


async def check_protectables(stub: plugin_pb2_grpc.ProtectionPluginServiceAsyncStub) -> None:
    """What the host asks of every plugin: its description and its protectable resources."""
    info = await stub.GetPluginInfo(plugin_pb2.GetPluginInfoRequest(), timeout=10)
    assert info.name == "go-example" and list(info.contract_versions) == [1]
    (kind,) = info.resource_types
    assert kind.type == NOTE and kind.listable
    assert list(kind.operations) == [
        plugin_pb2.OPERATION_PROTECT,
        plugin_pb2.OPERATION_RESTORE,
        plugin_pb2.OPERATION_DELETE,
    ]
    assert from_struct(kind.options_schema)["properties"]["delay_ms"]["type"] == "integer"
    assert from_struct(kind.restore_schema)["properties"]["target"]["type"] == "string"

    listed = await stub.ListResources(plugin_pb2.ListResourcesRequest(resource_type=NOTE))
    assert [(r.type, r.id, r.name) for r in listed.resources] == [
        (NOTE, "n1", "note n1"),
        (NOTE, "n2", "note n2"),
    ]
    assert not listed.next_page_token
    first = await stub.ListResources(
        plugin_pb2.ListResourcesRequest(resource_type=NOTE, page_size=1)
    )
    assert [r.id for r in first.resources] == ["n1"] and first.next_page_token
    rest = await stub.ListResources(
        plugin_pb2.ListResourcesRequest(resource_type=NOTE, page_token=first.next_page_token)
    )
    assert [r.id for r in rest.resources] == ["n2"] and not rest.next_page_token

    shown = await stub.GetResource(
        plugin_pb2.GetResourceRequest(resource_type=NOTE, resource_id="n2")
    )
    assert shown.resource.id == "n2" and from_struct(shown.resource.extra_info) == {"length": 5}
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await stub.GetResource(
            plugin_pb2.GetResourceRequest(resource_type=NOTE, resource_id="nope")
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert missing.value.details() == "Example::Note nope not found"
    with pytest.raises(grpc.aio.AioRpcError) as wrong_type:
        await stub.ListResources(plugin_pb2.ListResourcesRequest(resource_type="Other::Type"))
    assert wrong_type.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(wrong_type.value) == {"resource_type": "must be Example::Note"}

    children = await stub.ListDependentResources(
        plugin_pb2.ListDependentResourcesRequest(
            parent=plugin_pb2.Resource(type=NOTE, id="n1"), resource_type=NOTE
        )
    )
    assert list(children.resources) == []


async def test_launched_by_the_host(
    host: PluginHost, go_plugin: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO", logger="plugin.go")
    stub = await launched(host, go_plugin)
    await check_protectables(stub)
    handle = host.handles[0]
    assert await serving(handle.address, "plugin") and await serving(handle.address, "")
    # Its JSON log lines on stderr arrive in the host's log with their level and fields.
    serving_logs = [
        r for r in caplog.records if r.name == "plugin.go" and r.message == "plugin serving"
    ]
    assert serving_logs and serving_logs[0].levelname == "INFO"

    # SIGTERM stops it gracefully: exit code 0, well within the host's grace period.
    process = handle.process
    assert process is not None
    await host.stop()
    assert process.returncode == 0


async def test_attached_by_address(host: PluginHost, go_plugin: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMAUG_PLUGIN_")}
    server = subprocess.Popen(
        [go_plugin, "--listen", "127.0.0.1:0", "--config", json.dumps({"notes": NOTES})],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        assert banner.startswith("go-example listening on 127.0.0.1:")
        address = banner.rsplit(" ", 1)[1].strip()
        await host.start([PluginConfig(name="appliance", address=address)])
        handle = host.for_type(NOTE)
        assert handle is not None and handle.process is None
        await check_protectables(async_stub(handle))
    finally:
        server.terminate()
        assert server.wait(10) == 0


def test_refuses_to_run_unlaunched_without_an_address(go_plugin: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMAUG_PLUGIN_")}
    ran = subprocess.run([go_plugin], env=env, capture_output=True, text=True, timeout=10)
    assert ran.returncode == 1 and ran.stdout == ""
    (line,) = ran.stderr.splitlines()
    entry = json.loads(line)
    assert entry["level"] == "error" and "pass --listen HOST:PORT" in entry["msg"]


# -- hooks against a real bank ---------------------------------------------------------------


@dataclass
class BankUnderTest:
    bank: Bank
    address: str

    def section(self, resource_id: str, *, read_only: bool) -> plugin_pb2.BankSection:
        """What the protection service hands a hook: the address and a signed section token."""
        token = issue_section_token(
            SECRET,
            bank=self.bank.name,
            checkpoint_id=CHECKPOINT,
            section=resource_section(NOTE, resource_id),
            read_only=read_only,
        )
        return plugin_pb2.BankSection(address=self.address, token=token, read_only=read_only)

    def stored(self, resource_id: str) -> list[str]:
        objects = self.bank.checkpoints.objects(CHECKPOINT, resource_section(NOTE, resource_id))
        return objects.list("")


@pytest.fixture
async def bank(tmp_path: Path) -> AsyncIterator[BankUnderTest]:
    """A filesystem bank behind the real BankService on a loopback gRPC server."""
    opened = open_bank({"backend": "filesystem", "path": str(tmp_path / "bank"), "durable": False})
    opened.checkpoints.create(
        project_id="project-1",
        provider_id="provider-1",
        plan={"id": "plan-1"},
        owner_id="test",
        checkpoint_id=CHECKPOINT,
    )
    server = grpc.aio.server(options=GRPC_MESSAGE_OPTIONS)
    servicer = BankServicer({opened.name: opened}, SectionTokenVerifier(SECRET))
    bank_pb2_grpc.add_BankServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        yield BankUnderTest(opened, f"127.0.0.1:{port}")
    finally:
        await server.stop(None)
        opened.close()


def hook(
    operation: plugin_pb2.Operation,
    resource_id: str,
    section: plugin_pb2.BankSection,
    *,
    phase: plugin_pb2.Phase = plugin_pb2.PHASE_MAIN,
    parameters: dict[str, object] | None = None,
    state: dict[str, object] | None = None,
) -> plugin_pb2.RunHookRequest:
    return plugin_pb2.RunHookRequest(
        operation=operation,
        phase=phase,
        checkpoint=plugin_pb2.CheckpointRef(id=CHECKPOINT, provider_id="provider-1"),
        resource=plugin_pb2.Resource(type=NOTE, id=resource_id),
        parameters=to_struct(parameters),
        state=to_struct(state),
        bank_section=section,
        operation_id="op-1",
    )


async def run(
    stub: plugin_pb2_grpc.ProtectionPluginServiceAsyncStub, request: plugin_pb2.RunHookRequest
) -> list[plugin_pb2.RunHookResponse]:
    return [event async for event in stub.RunHook(request, timeout=10)]


async def failure(
    stub: plugin_pb2_grpc.ProtectionPluginServiceAsyncStub, request: plugin_pb2.RunHookRequest
) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await run(stub, request)
    return failed.value


async def test_protect_then_restore_through_the_bank(
    host: PluginHost, go_plugin: str, bank: BankUnderTest, tmp_path: Path
) -> None:
    stub = await launched(host, go_plugin)

    protected = await run(
        stub, hook(plugin_pb2.OPERATION_PROTECT, "n1", bank.section("n1", read_only=False))
    )
    *progress, last = protected
    assert [(e.progress.bytes_done, e.progress.bytes_total) for e in progress] == [(0, 5), (5, 5)]
    assert last.result.status == plugin_pb2.RESOURCE_STATUS_AVAILABLE
    assert from_struct(last.result.state) == {"bytes": 5}
    assert bank.stored("n1") == ["note"]
    objects = bank.bank.checkpoints.objects(CHECKPOINT, resource_section(NOTE, "n1"))
    assert objects.get("note") == b"hello"

    target = tmp_path / "restored"
    restored = await run(
        stub,
        hook(
            plugin_pb2.OPERATION_RESTORE,
            "n1",
            bank.section("n1", read_only=True),
            parameters={"target": str(target)},
        ),
    )
    result = restored[-1].result
    assert result.status == plugin_pb2.RESOURCE_STATUS_AVAILABLE
    assert result.new_resource_id == "restored-n1"
    assert (target / "n1.txt").read_text() == "hello"
    assert from_struct(result.state) == {
        "restored_as": "restored-n1",
        "path": str(target / "n1.txt"),
    }
    # The plugin recreated the note in its own catalogue, too.
    shown = await stub.GetResource(
        plugin_pb2.GetResourceRequest(resource_type=NOTE, resource_id="restored-n1")
    )
    assert from_struct(shown.resource.extra_info) == {"length": 5}

    # Phases other than main hand the state on.
    (completed,) = await run(
        stub,
        hook(
            plugin_pb2.OPERATION_RESTORE,
            "n1",
            bank.section("n1", read_only=True),
            phase=plugin_pb2.PHASE_COMPLETE,
            state={"restored_as": "restored-n1"},
        ),
    )
    assert completed.result.status == plugin_pb2.RESOURCE_STATUS_AVAILABLE
    assert from_struct(completed.result.state) == {"restored_as": "restored-n1"}

    deleted = await run(
        stub, hook(plugin_pb2.OPERATION_DELETE, "n1", bank.section("n1", read_only=False))
    )
    assert deleted[-1].result.status == plugin_pb2.RESOURCE_STATUS_DELETED
    assert bank.stored("n1") == []


async def test_hook_failures_are_statuses_naming_the_note(
    host: PluginHost, go_plugin: str, bank: BankUnderTest
) -> None:
    stub = await launched(host, go_plugin)

    # Nothing was protected for n2 in this checkpoint.
    nothing = await failure(
        stub, hook(plugin_pb2.OPERATION_RESTORE, "n2", bank.section("n2", read_only=True))
    )
    assert nothing.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (
        nothing.details()
        == 'note n2: the checkpoint holds no copy of it (bank object "note" not found)'
    )

    read_only = await failure(
        stub, hook(plugin_pb2.OPERATION_PROTECT, "n1", bank.section("n1", read_only=True))
    )
    assert read_only.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert read_only.details() == "note n1: the bank section is read-only, but protect writes to it"

    # The bank's own refusal comes back with its code, naming the note and the call.
    forged = bank.section("n1", read_only=False)
    forged.token = issue_section_token(
        b"some-other-secret-0123456789abcdef",
        bank=bank.bank.name,
        checkpoint_id=CHECKPOINT,
        section=resource_section(NOTE, "n1"),
        read_only=False,
    )
    refused = await failure(stub, hook(plugin_pb2.OPERATION_PROTECT, "n1", forged))
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    assert (refused.details() or "").startswith("note n1: bank PutObject: section token signature")

    gone = await failure(
        stub, hook(plugin_pb2.OPERATION_PROTECT, "ghost", bank.section("ghost", read_only=False))
    )
    assert gone.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert (gone.details() or "").startswith("note ghost: not in this plugin's configuration")

    verify = await failure(
        stub, hook(plugin_pb2.OPERATION_VERIFY, "n1", bank.section("n1", read_only=True))
    )
    assert verify.code() == grpc.StatusCode.UNIMPLEMENTED
    assert verify.details() == "go-example cannot verify Example::Note resources"

    relative = await failure(
        stub,
        hook(
            plugin_pb2.OPERATION_RESTORE,
            "n1",
            bank.section("n1", read_only=True),
            parameters={"target": "relative/dir"},
        ),
    )
    assert relative.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(relative) == {"parameters.target": "an absolute directory path"}


async def test_deadline_cancels_a_slow_protect(
    host: PluginHost, go_plugin: str, bank: BankUnderTest
) -> None:
    stub = await launched(host, go_plugin)
    slow = hook(
        plugin_pb2.OPERATION_PROTECT,
        "n1",
        bank.section("n1", read_only=False),
        parameters={"delay_ms": 30000},
    )
    events: list[plugin_pb2.RunHookResponse] = []
    started = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as late:
        async for event in stub.RunHook(slow, timeout=1):
            events.append(event)
    # Both ends hold the same deadline: when the Go server's copy fires first it resets the
    # stream (RST_STREAM CANCEL) and the client reports CANCELLED before its own timer does.
    assert late.value.code() in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED)
    assert time.monotonic() - started < 10, "the 30 s hook outlived its 1 s deadline"
    assert [e.progress.message for e in events] == ["reading note"]
    assert bank.stored("n1") == []
    # The plugin stays healthy and takes the next call.
    done = await run(
        stub, hook(plugin_pb2.OPERATION_PROTECT, "n1", bank.section("n1", read_only=False))
    )
    assert done[-1].result.status == plugin_pb2.RESOURCE_STATUS_AVAILABLE


def test_protect_and_restore_through_the_mesh_with_the_go_plugin_attached(
    go_plugin: str, tmp_path: Path
) -> None:
    """Out-of-process means any language: a provider names the Go server by address, and the
    api protects and restores through it like any other plugin."""
    import yaml

    from smaug.v1 import checkpoints_pb2, common_pb2, plans_pb2, restores_pb2
    from support.mesh import smaug_up
    from support.sample_mesh import Api

    env = {**os.environ, "SMAUG_PLUGIN_CONFIG": json.dumps({"notes": NOTES})}
    server = subprocess.Popen(
        [go_plugin, "--listen", "127.0.0.1:0"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        address = server.stdout.readline().rsplit(" ", 1)[1].strip()
        provider = "0a0b0c0d-1111-4222-8333-444444444444"
        config = tmp_path / "smaug.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "providers": [
                        {
                            "id": provider,
                            "name": "Go",
                            "bank": {"backend": "filesystem", "path": str(tmp_path / "bank")},
                            "plugins": [{"name": "go-example", "address": address}],
                        }
                    ]
                }
            )
        )
        target = tmp_path / "restored"
        target.mkdir()
        with smaug_up(tmp_path / "data", {"SMAUG_CONFIG": str(config)}) as mesh:
            api = Api(mesh)
            plan = plans_pb2.Plan(name="notes", provider_id=provider)
            plan.resources.add(type=NOTE, id="n1", name="n1")
            plan_id = api.call(api.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan)).plan.id
            created = api.call(
                api.checkpoints.CreateCheckpoint,
                checkpoints_pb2.CreateCheckpointRequest(provider_id=provider, plan_id=plan_id),
            ).checkpoint
            settled = api.settle(provider, created.id)[-1]
            assert settled.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, settled

            restore = restores_pb2.Restore(provider_id=provider, checkpoint_id=created.id)
            restore.parameters[NOTE].update({"target": str(target)})
            started = api.call(
                api.restores.CreateRestore, restores_pb2.CreateRestoreRequest(restore=restore)
            ).restore
            final = list(
                api.restores.WatchRestore(
                    restores_pb2.WatchRestoreRequest(restore_id=started.id),
                    metadata=api.metadata,
                    timeout=60,
                )
            )[-1]
            assert final.status == common_pb2.OPERATION_STATUS_SUCCEEDED, final
            (state,) = final.resource_states
            assert state.new_resource_id == "restored-n1"
            assert (target / "n1.txt").read_text() == "hello"
            api.channel.close()
    finally:
        server.terminate()
        server.wait(10)
