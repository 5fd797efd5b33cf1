"""The whole mesh on one machine, as an operator meets it: `smaug up`, grpcurl, SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from smaug.deploy.launcher import GATEWAY_BINARY
from support.mesh import processes_marked, smaug_up, tool, wait_gone


def grpcurl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("grpcurl"), "-plaintext", *args], capture_output=True, text=True, timeout=30
    )


def listed(address: str) -> set[str]:
    result = grpcurl(address, "list")
    assert result.returncode == 0, result.stderr
    return set(result.stdout.split())


def test_every_service_answers_reflection_and_health(tmp_path: Path) -> None:
    with smaug_up(tmp_path / "data") as mesh:
        api = listed(mesh.api)
        assert {"grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= api
        assert "smaug.v1.PlanService" in api
        assert "smaug.v1.CheckpointService" in api
        assert "grpc.health.v1.Health" in listed(mesh.scheduler)
        assert "smaug.bank.v1.BankService" in listed(mesh.protection)

        for address in (mesh.api, mesh.scheduler, mesh.protection):
            check = grpcurl(address, "grpc.health.v1.Health/Check")
            assert check.returncode == 0, check.stderr
            assert json.loads(check.stdout) == {"status": "SERVING"}
        per_service = grpcurl(
            "-d",
            '{"service": "smaug.bank.v1.BankService"}',
            mesh.protection,
            "grpc.health.v1.Health/Check",
        )
        assert json.loads(per_service.stdout) == {"status": "SERVING"}
        unknown = grpcurl(
            "-d", '{"service": "no.such.Service"}', mesh.api, "grpc.health.v1.Health/Check"
        )
        assert unknown.returncode != 0 and "NotFound" in unknown.stderr

        described = grpcurl(mesh.protection, "describe", "smaug.bank.v1.BankService")
        assert "rpc UploadChunks" in described.stdout

        # Launched plugin servers run beside the services and stop with them.
        plugins = [
            pid
            for pid in processes_marked(str(mesh.data_dir))
            if b"smaug.plugins.directory" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]
        assert len(plugins) == 1


def test_sigterm_leaves_no_process_behind(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with smaug_up(data) as mesh:
        members = processes_marked(str(data))
        # launcher, three services and the directory plugin
        assert len(members) >= 5, members
        assert mesh.stop(signal.SIGTERM) == 0
        assert wait_gone(str(data), 20) == []


def test_sigkill_of_the_launcher_takes_the_mesh_down(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with smaug_up(data) as mesh:
        mesh.process.kill()
        mesh.process.wait(10)
        assert wait_gone(str(data), 30) == []


def test_second_up_on_the_same_data_directory_keeps_its_state(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with smaug_up(data):
        secret = (data / "section-secret").read_text()
        logs = sorted(p.name for p in (data / "logs").iterdir())
    gateway = ["gateway.log"] if GATEWAY_BINARY.exists() else []  # deploy/gateway/build.sh
    assert logs == ["api.log", *gateway, "protection.log", "scheduler.log"]
    with smaug_up(data):
        assert (data / "section-secret").read_text() == secret


def test_busy_port_fails_fast_with_a_message(tmp_path: Path) -> None:
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        env = {
            **os.environ,
            "SMAUG_DATA_DIR": str(tmp_path / "data"),
            "SMAUG_PROTECTION__LISTEN": f"127.0.0.1:{port}",
        }
        result = subprocess.run(
            [tool("smaug"), "up"], env=env, capture_output=True, text=True, timeout=90
        )
    assert result.returncode == 1
    assert "protection exited" in result.stdout
    log = (tmp_path / "data" / "logs" / "protection.log").read_text()
    assert f"127.0.0.1:{port}" in log
