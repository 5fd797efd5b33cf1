"""Running real Smaug processes in tests: free ports, a private data directory, and a check that
nothing is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from support.ports import free_port

VENV_BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A command-line tool installed in the test environment (grpcurl, buf, weed)."""
    path = VENV_BIN / name
    assert path.exists(), f"{name} is not installed in {VENV_BIN}; run tools/setup"
    return str(path)


def mesh_env(data_dir: Path) -> dict[str, str]:
    """Environment for a mesh on free ports with its own data directory."""
    api, scheduler, protection = (f"127.0.0.1:{free_port()}" for _ in range(3))
    return {
        **os.environ,
        "SMAUG_DATA_DIR": str(data_dir),
        "SMAUG_API__LISTEN": api,
        "SMAUG_API__PROTECTION_ADDRESS": protection,
        "SMAUG_SCHEDULER__LISTEN": scheduler,
        "SMAUG_SCHEDULER__API_ADDRESS": api,
        "SMAUG_PROTECTION__LISTEN": protection,
        "SMAUG_GATEWAY__LISTEN": f"127.0.0.1:{free_port()}",
    }


def processes_marked(marker: str) -> list[int]:
    """PIDs of live processes whose environment contains ``marker`` (our data directory)."""
    found = []
    needle = marker.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if needle in environ and state != "Z":
            found.append(int(entry.name))
    return found


def wait_gone(marker: str, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    left = processes_marked(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = processes_marked(marker)
    return left


def stop_served(children: list[subprocess.Popen[bytes]], marker: str) -> None:
    """SIGTERM the processes ``serve`` started, wait for each, and check that nothing of theirs
    (no plugin server) outlives them."""
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        child.wait(30)
    assert wait_gone(marker, 20) == []


def health_status(address: str, service: str = "") -> str:
    with grpc.insecure_channel(address) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=service), timeout=5
        )
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


@dataclass
class Mesh:
    """A running `smaug up`."""

    process: subprocess.Popen[str]
    env: dict[str, str]
    data_dir: Path
    banner: list[str]

    @property
    def api(self) -> str:
        return self.env["SMAUG_API__LISTEN"]

    @property
    def scheduler(self) -> str:
        return self.env["SMAUG_SCHEDULER__LISTEN"]

    @property
    def protection(self) -> str:
        return self.env["SMAUG_PROTECTION__LISTEN"]

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signum)
        return self.process.wait(timeout)


@contextmanager
def smaug_up(data_dir: Path, extra_env: dict[str, str] | None = None) -> Iterator[Mesh]:
    """`smaug up` until its banner is printed; stopped (and checked for leftovers) on exit."""
    env = {**mesh_env(data_dir), **(extra_env or {})}
    process = subprocess.Popen(
        [tool("smaug"), "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    banner: list[str] = []
    assert process.stdout is not None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        banner.append(line.rstrip())
        if line.strip().startswith("logs"):
            break
    mesh = Mesh(process, env, data_dir, banner)
    try:
        assert any("Smaug is up" in line for line in banner), "\n".join(banner)
        yield mesh
    finally:
        mesh.stop()
        left = wait_gone(str(data_dir), 20)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert not left, f"processes left behind after smaug up stopped: {left}"


def wait_serving(address: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if health_status(address) == "SERVING":
                return
        except grpc.RpcError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{address} did not report SERVING within {seconds:.0f}s")


def serve(process: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`smaug serve PROCESS` on its own (no launcher), logging to ``log``; SERVING on return."""
    with open(log, "ab") as out:
        child = subprocess.Popen([tool("smaug"), "serve", process], env=env, stdout=out, stderr=out)
    address = env[f"SMAUG_{process.upper()}__LISTEN"]
    try:
        wait_serving(address)
    except TimeoutError:
        child.kill()
        raise
    return child
