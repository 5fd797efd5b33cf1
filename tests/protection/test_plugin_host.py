"""Launching, attaching to and supervising real plugin server processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import grpc
import pytest

from smaug.deploy.config import PluginConfig
from smaug.mesh.errors import field_violations
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import to_struct
from smaug.protection.plugin_host import PluginHost, PluginStartError, parse_handshake

SAMPLE = str(Path(__file__).resolve().parent.parent / "support" / "sample_plugin.py")


def sample_plugin() -> PluginConfig:
    return PluginConfig(name="sample", command=(sys.executable, SAMPLE))


def directory_plugin(root: Path) -> PluginConfig:
    return PluginConfig(
        name="directory",
        command=(sys.executable, "-m", "smaug.plugins.directory"),
        settings={"roots": [str(root)]},
    )


@pytest.fixture
async def host() -> object:
    plugin_host = PluginHost(health_interval=0.2)
    yield plugin_host
    await plugin_host.stop()


def hook_request(mode: str = "", **fields: object) -> plugin_pb2.RunHookRequest:
    return plugin_pb2.RunHookRequest(
        operation=plugin_pb2.OPERATION_PROTECT,
        phase=plugin_pb2.PHASE_MAIN,
        resource=plugin_pb2.Resource(type="Test::Thing", id="t1", name="first thing"),
        parameters=to_struct({"mode": mode} if mode else {}),
        **fields,  # type: ignore[arg-type]
    )


async def test_launched_plugin_describes_itself_and_answers(host: PluginHost) -> None:
    await host.start([sample_plugin()])
    handle = host.for_type("Test::Thing")
    assert handle is not None and handle.process is not None
    assert handle.info.name == "sample" and list(handle.info.contract_versions) == [1]
    (info,) = handle.info.resource_types
    assert info.listable and plugin_pb2.OPERATION_PROTECT in info.operations
    assert plugin_pb2.OPERATION_RESTORE in info.operations
    assert plugin_pb2.OPERATION_VERIFY not in info.operations

    listed = await handle.stub.ListResources(
        plugin_pb2.ListResourcesRequest(resource_type="Test::Thing")
    )
    assert [r.id for r in listed.resources] == ["t1", "t2"]
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await handle.stub.GetResource(
            plugin_pb2.GetResourceRequest(resource_type="Test::Thing", resource_id="nope")
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND
    assert "Test::Thing nope not found" in (missing.value.details() or "")
    with pytest.raises(grpc.aio.AioRpcError) as wrong_type:
        await handle.stub.GetResource(
            plugin_pb2.GetResourceRequest(resource_type="Other::Type", resource_id="t1")
        )
    assert wrong_type.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "resource_type" in field_violations(wrong_type.value)


async def test_hook_streams_progress_then_result_with_state(host: PluginHost) -> None:
    await host.start([sample_plugin()])
    stub = host.handles[0].stub
    events = [e async for e in stub.RunHook(hook_request(), timeout=10)]
    assert [e.progress.bytes_done for e in events[:-1]] == [10, 20, 30]
    result = events[-1].result
    assert result.status == plugin_pb2.RESOURCE_STATUS_AVAILABLE
    assert dict(result.state) == {"copied": 30}

    restore = plugin_pb2.RunHookRequest(
        operation=plugin_pb2.OPERATION_RESTORE,
        phase=plugin_pb2.PHASE_PREPARE_BEGIN,
        resource=plugin_pb2.Resource(type="Test::Thing", id="t2"),
        state=to_struct({"earlier": "phase"}),
    )
    (only,) = [e async for e in stub.RunHook(restore, timeout=10)]
    assert dict(only.result.state) == {"earlier": "phase", "prepare_begin": True}


async def test_hook_failure_carries_the_plugins_reason(host: PluginHost) -> None:
    await host.start([sample_plugin()])
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        async for _ in host.handles[0].stub.RunHook(hook_request("fail"), timeout=10):
            pass
    assert failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert failed.value.details() == "thing t1 refused to be copied"


async def test_unsupported_operation_is_unimplemented_not_silent(host: PluginHost) -> None:
    await host.start([sample_plugin()])
    verify = hook_request()
    verify.operation = plugin_pb2.OPERATION_VERIFY
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        async for _ in host.handles[0].stub.RunHook(verify, timeout=10):
            pass
    assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "cannot verify Test::Thing" in (refused.value.details() or "")


async def test_deadline_cancels_a_slow_hook(host: PluginHost) -> None:
    await host.start([sample_plugin()])
    started = asyncio.get_running_loop().time()
    with pytest.raises(grpc.aio.AioRpcError) as late:
        async for _ in host.handles[0].stub.RunHook(hook_request("slow"), timeout=1):
            pass
    assert late.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert asyncio.get_running_loop().time() - started < 10
    # The plugin is still healthy and takes the next call.
    events = [e async for e in host.handles[0].stub.RunHook(hook_request(), timeout=10)]
    assert events[-1].HasField("result")


async def test_a_killed_plugin_is_restarted(host: PluginHost) -> None:
    await host.start([sample_plugin()])
    handle = host.handles[0]
    assert handle.process is not None
    first_pid = handle.process.pid
    handle.process.kill()
    for _ in range(150):
        await asyncio.sleep(0.1)
        if handle.restarts == 1 and handle.ready.is_set():
            break
    assert handle.restarts == 1
    assert handle.process is not None and handle.process.pid != first_pid
    listed = await handle.stub.ListResources(
        plugin_pb2.ListResourcesRequest(resource_type="Test::Thing")
    )
    assert len(listed.resources) == 2


async def test_plugin_that_dies_before_handshake_is_reported(host: PluginHost) -> None:
    broken = PluginConfig(name="broken", command=(sys.executable, "-c", "raise SystemExit(3)"))
    with pytest.raises(PluginStartError, match="broken exited with code 3 before its handshake"):
        await host.start([broken])


async def test_missing_command_is_reported(host: PluginHost) -> None:
    absent = PluginConfig(name="absent", command=("/nonexistent/plugin",))
    with pytest.raises(PluginStartError, match="absent: cannot run /nonexistent/plugin"):
        await host.start([absent])


def test_handshake_lines_are_checked() -> None:
    assert parse_handshake("SMAUG-PLUGIN|1|1|tcp|127.0.0.1:5000|grpc\n", "p") == "127.0.0.1:5000"
    assert parse_handshake("SMAUG-PLUGIN|1|1|unix|/run/p.sock|grpc", "p") == "unix:/run/p.sock"
    with pytest.raises(PluginStartError, match="contract version 2"):
        parse_handshake("SMAUG-PLUGIN|1|2|tcp|127.0.0.1:5000|grpc", "p")
    with pytest.raises(PluginStartError, match="malformed"):
        parse_handshake("hello", "p")
    with pytest.raises(PluginStartError, match="protocol 'netrpc'"):
        parse_handshake("SMAUG-PLUGIN|1|1|tcp|127.0.0.1:5000|netrpc", "p")


async def test_attach_to_a_plugin_somebody_else_runs(host: PluginHost, tmp_path: Path) -> None:
    env = {**os.environ, "SMAUG_PLUGIN_CONFIG": json.dumps({"roots": [str(tmp_path)]})}
    server = subprocess.Popen(
        [sys.executable, "-m", "smaug.plugins.directory", "--listen", "127.0.0.1:0"],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = server.stdout.readline()
        address = banner.rsplit(" ", 1)[1].strip()
        await host.start([PluginConfig(name="appliance", address=address)])
        handle = host.for_type("Smaug::Directory")
        assert handle is not None and handle.process is None
        found = await handle.stub.GetResource(
            plugin_pb2.GetResourceRequest(
                resource_type="Smaug::Directory", resource_id=str(tmp_path)
            )
        )
        assert found.resource.id == str(tmp_path)
    finally:
        server.terminate()
        server.wait(10)


async def test_directory_plugin_confines_itself_to_its_roots(
    host: PluginHost, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    await host.start([directory_plugin(root)])
    stub = host.handles[0].stub
    shown = await stub.GetResource(
        plugin_pb2.GetResourceRequest(
            resource_type="Smaug::Directory", resource_id=str(root / "sub")
        )
    )
    assert shown.resource.name == "sub"
    listed = await stub.ListResources(
        plugin_pb2.ListResourcesRequest(resource_type="Smaug::Directory")
    )
    assert [r.id for r in listed.resources] == [str(root)]
    with pytest.raises(grpc.aio.AioRpcError) as outside:
        await stub.GetResource(
            plugin_pb2.GetResourceRequest(resource_type="Smaug::Directory", resource_id="/etc")
        )
    assert outside.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as relative:
        await stub.GetResource(
            plugin_pb2.GetResourceRequest(resource_type="Smaug::Directory", resource_id="x/y")
        )
    assert relative.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(relative.value) == {"resource_id": "must be an absolute path"}


async def test_restart_budget_is_spent_with_a_clear_error() -> None:
    crashing = str(Path(SAMPLE).with_name("crashing_plugin.py"))
    plugin_host = PluginHost(health_interval=0.05, first_backoff=0.01)
    try:
        await plugin_host.start([PluginConfig(name="crashing", command=(sys.executable, crashing))])
        handle = plugin_host.handles[0]
        for _ in range(300):
            await asyncio.sleep(0.1)
            if handle.given_up:
                break
        assert "restart budget is spent" in handle.given_up
        assert handle.restarts == 5
        with pytest.raises(PluginStartError, match="crashing died 6 times"):
            await handle.ready_stub(timeout=1)
    finally:
        await plugin_host.stop()
