"""A mesh with the REST gateway and a fake cloud provider, shared by the gateway tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from smaug.store import identities
from smaug.store.db import Store
from support.mesh import Mesh, smaug_up

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "deploy" / "gateway"
BINARY = GATEWAY / "bin" / "smaug-gateway"
CLOUD = str(Path(__file__).resolve().parent / "cloud_plugin.py")
PROVIDER = "11111111-2222-4333-8444-555555555555"


@dataclass
class Cloud:
    mesh: Mesh
    url: str  # http://host:port
    token: str  # the admin's (project "admin")
    member_token: str  # a member of project "demo"

    def karbor_url(self, project: str = "admin") -> str:
        return f"{self.url}/v1/{project}"


@pytest.fixture(scope="session")
def gateway_binary() -> Path:
    """The gateway program, built from the committed generated code when it is missing."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    sources = [*GATEWAY.glob("*.go"), *GATEWAY.glob("gen/*/*.go"), GATEWAY / "go.mod"]
    stale = not BINARY.exists() or max(p.stat().st_mtime for p in sources) > BINARY.stat().st_mtime
    if stale:
        assert Path(go).exists(), (
            "Go >= 1.26 is needed to build deploy/gateway: put it on PATH or at /usr/local/go"
        )
        subprocess.run([str(GATEWAY / "build.sh")], check=True, env={**os.environ, "GO": go})
    return BINARY


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory, gateway_binary: Path) -> Iterator[Cloud]:
    tmp = tmp_path_factory.mktemp("gateway")
    config = {
        "providers": [
            {
                "id": PROVIDER,
                "name": "Cloud",
                "description": "a fake cloud",
                "bank": {"backend": "filesystem", "path": str(tmp / "bank")},
                "plugins": [{"name": "cloud", "command": [sys.executable, CLOUD]}],
            }
        ]
    }
    path = tmp / "smaug.yaml"
    path.write_text(yaml.safe_dump(config))
    data = tmp / "data"
    with smaug_up(data, {"SMAUG_CONFIG": str(path)}) as mesh:
        line = next(line for line in mesh.banner if line.strip().startswith("gateway"))
        url = line.split()[1]
        store = Store(f"sqlite:///{data}/smaug.db", migrate_to=None)
        try:
            with store.write() as session:
                _, member = identities.create_user(session, "demo-member", "demo")
        finally:
            store.dispose()
        yield Cloud(mesh, url, (data / "admin-token").read_text().strip(), member)
