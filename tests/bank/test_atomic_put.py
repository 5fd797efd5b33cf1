"""kill -9 of a writer in the middle of a put never leaves a partial object visible."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from smaug.bank.backend import Backend
from smaug.bank.fs_backend import FilesystemBackend
from smaug.bank.s3_backend import S3Backend

from .conftest import SeaweedS3, s3_backend

WRITER = textwrap.dedent(
    """
    import sys
    from smaug.bank.fs_backend import FilesystemBackend
    from smaug.bank.s3_backend import S3Backend
    kind, where, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind == "fs":
        backend = FilesystemBackend(where)
    else:
        endpoint, bucket = where.split("|")
        backend = S3Backend(bucket=bucket, endpoint=endpoint, access_key="k", secret_key="s")
    value = 0
    while True:
        value = value % 250 + 1
        data = bytes([value]) * size
        print(value, flush=True)  # the put starts right after this line
        backend.put("victim", data)
    """
)


def _torture(backend: Backend, kind: str, where: str, size: int, trials: int) -> None:
    for trial in range(trials):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, kind, where, str(size)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert writer.stdout is not None
        # Let it complete a few puts, then kill it at a varying point inside the next one.
        for _ in range(2 + trial % 3):
            assert writer.stdout.readline(), "writer died early"
        time.sleep((trial % 4) * 0.008)
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
        data = backend.get("victim")
        assert len(data) == size, f"trial {trial}: saw {len(data)} of {size} bytes"
        assert data == bytes([data[0]]) * size, f"trial {trial}: object mixes two writes"


def test_kill_mid_put_filesystem(tmp_path: Path) -> None:
    root = tmp_path / "bank"
    backend = FilesystemBackend(root)
    _torture(backend, "fs", str(root), 48 * 1024 * 1024, trials=8)
    # The kills did land mid-write: temp files were left behind, yet never listed or read.
    leftovers = backend.temp_files()
    assert leftovers, "no kill interrupted a write; the test proved nothing"
    assert backend.list("") == ["victim"]
    assert backend.clean_temp_files(older_than=0) == len(leftovers)
    assert backend.temp_files() == []


def test_kill_mid_put_s3(seaweed: SeaweedS3) -> None:
    backend: S3Backend = s3_backend(seaweed)
    where = f"{seaweed.endpoint}|{backend.bucket}"
    _torture(backend, "s3", where, 16 * 1024 * 1024, trials=5)
    assert backend.list("") == ["victim"]


pytestmark = pytest.mark.timeout(120)
