"""Reaching plugin servers: launching them (handshake, health, restart with backoff, stop) or
attaching to servers somebody else runs. Both end in a ``PluginHandle`` holding a channel and the
plugin's self-description."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass, field

import grpc

from smaug.deploy import children
from smaug.deploy.config import PluginConfig
from smaug.deploy.health import serving
from smaug.mesh.logs import safe_extra
from smaug.plugin.v1 import plugin_pb2, plugin_pb2_grpc
from smaug.plugins import sdk

log = logging.getLogger(__name__)

HANDSHAKE_TIMEOUT_SECONDS = 30.0
HEALTH_INTERVAL_SECONDS = 5.0
STOP_GRACE_SECONDS = 5.0
MAX_BACKOFF_SECONDS = 30.0
READY_WAIT_SECONDS = 30.0
# Restart budget: at most this many restarts within the window, then the host gives up.
RESTART_BUDGET = 5
RESTART_WINDOW_SECONDS = 600.0


class PluginStartError(RuntimeError):
    """A plugin could not be started or reached; the message says which and why."""


def parse_handshake(line: str, plugin: str) -> str:
    """The address in a handshake line, after checking its versions and protocol."""
    parts = line.strip().split("|")
    if len(parts) != 6 or parts[0] != sdk.HANDSHAKE_PREFIX:
        raise PluginStartError(f"plugin {plugin}: malformed handshake line {line.strip()!r}")
    _, core, contract, network, address, protocol = parts
    if core != str(sdk.CORE_VERSION):
        raise PluginStartError(
            f"plugin {plugin} speaks core protocol {core}; this host speaks {sdk.CORE_VERSION}"
        )
    if contract != str(sdk.CONTRACT_VERSION):
        raise PluginStartError(
            f"plugin {plugin} picked contract version {contract}; "
            f"this host speaks {sdk.CONTRACT_VERSION}: upgrade one of them"
        )
    if protocol != "grpc":
        raise PluginStartError(f"plugin {plugin}: unsupported protocol {protocol!r}")
    if network == "unix":
        return f"unix:{address}"
    if network != "tcp":
        raise PluginStartError(f"plugin {plugin}: unsupported network {network!r}")
    return address


@dataclass
class PluginHandle:
    """A reachable plugin server."""

    config: PluginConfig
    address: str = ""
    channel: grpc.aio.Channel | None = None
    info: plugin_pb2.GetPluginInfoResponse = field(default_factory=plugin_pb2.GetPluginInfoResponse)
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    # Set when the restart budget is spent: why the host stopped restarting the plugin.
    given_up: str = ""
    recent_restarts: list[float] = field(default_factory=list)
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    # Readers of the launched process's stdout and stderr, kept so they are not collected.
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def stub(self) -> plugin_pb2_grpc.ProtectionPluginServiceAsyncStub:
        if self.given_up:
            raise PluginStartError(self.given_up)
        if self.channel is None or not self.ready.is_set():
            raise PluginStartError(f"plugin {self.name} is not running (restarting or stopped)")
        return plugin_pb2_grpc.ProtectionPluginServiceStub(self.channel)

    async def ready_stub(
        self, timeout: float = READY_WAIT_SECONDS
    ) -> plugin_pb2_grpc.ProtectionPluginServiceAsyncStub:
        """The stub once the plugin is up, waiting out a restart in progress."""
        if not self.ready.is_set() and not self.given_up:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.ready.wait(), timeout)
        return self.stub

    def resource_types(self) -> list[str]:
        return [t.type for t in self.info.resource_types]


class PluginHost:
    """Starts and supervises every plugin of the providers this protection service serves."""

    def __init__(
        self,
        host_env: dict[str, str] | None = None,
        health_interval: float = HEALTH_INTERVAL_SECONDS,
        first_backoff: float = 1.0,
    ) -> None:
        self._first_backoff = first_backoff
        self._env = dict(os.environ if host_env is None else host_env)
        self._health_interval = health_interval
        self.handles: list[PluginHandle] = []
        self._supervisors: list[asyncio.Task[None]] = []
        self._stopping = False

    async def start(self, configs: list[PluginConfig]) -> None:
        """Reach every plugin; fails naming the first that cannot be started."""
        for config in configs:
            handle = PluginHandle(config)
            self.handles.append(handle)
            await self._bring_up(handle)
            self._supervisors.append(asyncio.ensure_future(self._supervise(handle)))

    async def _bring_up(self, handle: PluginHandle) -> None:
        if handle.config.command:
            handle.address = await self._launch(handle)
        else:
            handle.address = handle.config.address
        handle.channel = grpc.aio.insecure_channel(handle.address)
        stub = plugin_pb2_grpc.ProtectionPluginServiceStub(handle.channel)
        try:
            handle.info = await stub.GetPluginInfo(plugin_pb2.GetPluginInfoRequest(), timeout=10)
        except grpc.aio.AioRpcError as error:
            raise PluginStartError(
                f"plugin {handle.name} at {handle.address} did not describe itself: "
                f"{error.code().name}: {error.details()}"
            ) from None
        if sdk.CONTRACT_VERSION not in handle.info.contract_versions:
            raise PluginStartError(
                f"plugin {handle.name} speaks contract versions "
                f"{list(handle.info.contract_versions)}; this host speaks {sdk.CONTRACT_VERSION}"
            )
        handle.ready.set()
        log.info(
            "plugin ready",
            extra={
                "plugin": handle.name,
                "address": handle.address,
                "types": handle.resource_types(),
                "pid": handle.process.pid if handle.process else None,
            },
        )

    async def _launch(self, handle: PluginHandle) -> str:
        env = {
            **self._env,
            sdk.MAGIC_COOKIE_KEY: sdk.MAGIC_COOKIE_VALUE,
            "SMAUG_PLUGIN_CONTRACT_VERSIONS": str(sdk.CONTRACT_VERSION),
            "SMAUG_PLUGIN_LISTEN": "127.0.0.1:0",
            "SMAUG_PLUGIN_CONFIG": json.dumps(handle.config.settings),
        }
        try:
            process = await children.spawn(
                handle.config.command,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as error:
            raise PluginStartError(
                f"plugin {handle.name}: cannot run {' '.join(handle.config.command)}: "
                f"{error.strerror}"
            ) from None
        handle.process = process
        assert process.stdout is not None and process.stderr is not None
        handle.readers = [asyncio.ensure_future(_relay_stderr(handle.name, process.stderr))]
        deadline = time.monotonic() + HANDSHAKE_TIMEOUT_SECONDS
        while True:
            remaining = deadline - time.monotonic()
            try:
                raw = await asyncio.wait_for(process.stdout.readline(), max(remaining, 0.01))
            except TimeoutError:
                await children.stop(process, STOP_GRACE_SECONDS)
                raise PluginStartError(
                    f"plugin {handle.name} printed no handshake line within "
                    f"{HANDSHAKE_TIMEOUT_SECONDS:.0f}s"
                ) from None
            if not raw:
                code = await process.wait()
                raise PluginStartError(
                    f"plugin {handle.name} exited with code {code} before its handshake; "
                    "its stderr is in the protection log"
                )
            line = raw.decode(errors="replace")
            if line.startswith(sdk.HANDSHAKE_PREFIX):
                address = parse_handshake(line, handle.name)
                handle.readers.append(asyncio.ensure_future(_drain(handle.name, process.stdout)))
                return address

    async def _supervise(self, handle: PluginHandle) -> None:
        """Restart a launched plugin that dies or stops answering, with exponential backoff."""
        backoff = self._first_backoff
        while not self._stopping:
            died = handle.process is not None and handle.process.returncode is not None
            healthy = not died and await serving(handle.address, sdk.HEALTH_NAME)
            if healthy:
                backoff = self._first_backoff
                await asyncio.sleep(self._health_interval)
                continue
            if self._stopping:
                return
            handle.ready.clear()
            if not handle.config.command:
                log.warning("plugin unreachable", extra={"plugin": handle.name})
                await asyncio.sleep(self._health_interval)
                handle.ready.set()
                continue
            now = time.monotonic()
            handle.recent_restarts = [
                t for t in handle.recent_restarts if now - t < RESTART_WINDOW_SECONDS
            ]
            if len(handle.recent_restarts) >= RESTART_BUDGET:
                handle.given_up = (
                    f"plugin {handle.name} died {RESTART_BUDGET + 1} times within "
                    f"{RESTART_WINDOW_SECONDS / 60:.0f} minutes; its restart budget is spent. "
                    "Fix the plugin (its stderr is in the protection log) and restart the "
                    "protection service"
                )
                log.error("plugin restart budget spent", extra={"plugin": handle.name})
                await self._discard(handle)
                return
            handle.recent_restarts.append(now)
            log.warning("plugin died; restarting", extra={"plugin": handle.name, "in": backoff})
            await self._discard(handle)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            try:
                await self._bring_up(handle)
                handle.restarts += 1
            except PluginStartError as error:
                log.error(
                    "plugin restart failed", extra={"plugin": handle.name, "error": str(error)}
                )

    async def _discard(self, handle: PluginHandle) -> None:
        if handle.channel is not None:
            await handle.channel.close()
            handle.channel = None
        if handle.process is not None:
            await children.stop(handle.process, STOP_GRACE_SECONDS)

    async def stop(self) -> None:
        """Stop supervising, close channels, and stop every launched plugin."""
        self._stopping = True
        for task in self._supervisors:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await asyncio.gather(*(self._discard(h) for h in self.handles))

    def for_type(self, resource_type: str) -> PluginHandle | None:
        """The plugin serving ``resource_type`` (a later plugin overrides an earlier one)."""
        found = None
        for handle in self.handles:
            if resource_type in handle.resource_types():
                found = handle
        return found


async def _relay_stderr(plugin: str, stream: asyncio.StreamReader) -> None:
    """Copy a plugin's stderr into our log: JSON lines keep their fields, others are text."""
    plugin_log = logging.getLogger(f"plugin.{plugin}")
    async for raw in stream:
        line = raw.decode(errors="replace").rstrip()
        if not line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            plugin_log.warning(line)
            continue
        if not isinstance(entry, dict):
            plugin_log.info(line)
            continue
        level = logging.getLevelName(str(entry.pop("level", "info")).upper())
        message = str(entry.pop("msg", ""))
        for reserved in ("ts", "process", "logger"):
            entry.pop(reserved, None)
        plugin_log.log(
            level if isinstance(level, int) else logging.INFO, message, extra=safe_extra(entry)
        )


async def _drain(plugin: str, stream: asyncio.StreamReader) -> None:
    """Keep reading stdout after the handshake so the plugin never blocks on a full pipe."""
    async for raw in stream:
        log.info("plugin stdout", extra={"plugin": plugin, "line": raw.decode(errors="replace")})
