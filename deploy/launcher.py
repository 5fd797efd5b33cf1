"""`smaug up`: the whole mesh on one machine.

Starts protection (which launches the providers' plugin servers), api and scheduler as separate
processes, waits until each reports SERVING, prints the endpoints, and on Ctrl-C or SIGTERM
stops them in reverse order. Each child's log goes to <data_dir>/logs/<name>.log. Children are
bound to the launcher's life, so even a SIGKILLed launcher leaves no process behind.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import signal
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from smaug.deploy import children
from smaug.deploy.config import Config
from smaug.deploy.health import wait_serving

STOP_GRACE_SECONDS = 15.0
START_DEADLINE_SECONDS = 60.0
GATEWAY_BINARY = Path(__file__).resolve().parent / "gateway" / "bin" / "smaug-gateway"


@dataclass
class Member:
    name: str
    address: str
    process: asyncio.subprocess.Process | None = None
    # A program other than `smaug serve <name>`, ready when GET http://<address>/healthz is 200.
    argv: list[str] = field(default_factory=list)
    shown: str = ""


def gateway_binary(config: Config) -> Path:
    return Path(config.gateway.binary) if config.gateway.binary else GATEWAY_BINARY


def members(config: Config) -> list[Member]:
    # Start order: what others call comes up first.
    mesh = [
        Member("protection", config.protection.listen),
        Member("api", config.api.listen),
        Member("scheduler", config.scheduler.listen),
    ]
    binary = gateway_binary(config)
    if binary.is_file() and os.access(binary, os.X_OK):
        gateway = config.gateway
        mesh.append(
            Member(
                "gateway",
                gateway.listen,
                argv=[str(binary), "-listen", gateway.listen, "-api", gateway.api_address],
                shown=f"http://{gateway.listen}  (REST: /v1/..., Karbor: /v1/<project_id>/...)",
            )
        )
    return mesh


async def up(config: Config, config_path: str | None, out: object = sys.stdout) -> int:
    env = dict(os.environ)
    env["SMAUG_DATA_DIR"] = str(config.data_dir)
    if config_path:
        env["SMAUG_CONFIG"] = os.path.abspath(config_path)
    logs = config.data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)

    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)

    mesh = members(config)
    try:
        for member in mesh:
            with open(logs / f"{member.name}.log", "ab") as log_file:
                member.process = await children.spawn(
                    member.argv or [sys.executable, "-m", "smaug.cli.main", "serve", member.name],
                    env=env,
                    stdout=log_file,
                    stderr=log_file,
                )
            await _wait_member(member, logs, stopping)
        _say(out, f"Smaug is up (data in {config.data_dir}); Ctrl-C stops it.")
        for member in mesh:
            _say(out, f"  {member.name:<11} {member.shown or member.address}")
        _say(out, f"  logs        {logs}")
        return await _watch(mesh, stopping, out)
    except (TimeoutError, RuntimeError) as error:
        _say(out, f"smaug up failed: {error}")
        return 1
    finally:
        for member in reversed(mesh):
            if member.process is not None:
                await children.stop(member.process, STOP_GRACE_SECONDS)
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


async def _wait_member(member: Member, logs: object, stopping: asyncio.Event) -> None:
    assert member.process is not None
    probe = (
        asyncio.wait_for(_wait_http(member.address), START_DEADLINE_SECONDS)
        if member.argv
        else wait_serving(member.address, START_DEADLINE_SECONDS)
    )
    ready = asyncio.ensure_future(probe)
    exited = asyncio.ensure_future(member.process.wait())
    interrupted = asyncio.ensure_future(stopping.wait())
    done, pending = await asyncio.wait(
        {ready, exited, interrupted}, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    if interrupted in done:
        raise RuntimeError("interrupted while starting")
    if exited in done:
        raise RuntimeError(
            f"{member.name} exited with code {member.process.returncode} while starting; "
            f"see {logs}/{member.name}.log"
        )
    ready.result()


async def _wait_http(address: str) -> None:
    """Until GET http://<address>/healthz answers 200."""
    url = f"http://{address}/healthz"

    def probe() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                return bool(reply.status == 200)
        except (OSError, http.client.HTTPException):
            # Not up yet, or something else holds the port (a gRPC server answers HTTP/2
            # frames): keep waiting; a member that cannot bind exits, which ends the wait.
            return False

    while True:
        if await asyncio.to_thread(probe):
            return
        await asyncio.sleep(0.1)


async def _watch(mesh: list[Member], stopping: asyncio.Event, out: object) -> int:
    """Wait for a stop request or for a member to die; a dead member takes the mesh down."""
    waits = {asyncio.ensure_future(m.process.wait()): m for m in mesh if m.process}
    stop = asyncio.ensure_future(stopping.wait())
    done, _ = await asyncio.wait({stop, *waits}, return_when=asyncio.FIRST_COMPLETED)
    for task in [stop, *waits]:
        if task not in done:
            task.cancel()
    if stop in done:
        _say(out, "stopping Smaug")
        return 0
    dead = next(waits[t] for t in done if t in waits)
    _say(out, f"{dead.name} exited unexpectedly (code {dead.process and dead.process.returncode})")
    return 1


def _say(out: object, text: str) -> None:
    print(text, file=out, flush=True)  # type: ignore[call-overload]
