"""The data-plane benchmark still runs end to end and prints its ratios (on a small file: the
numbers are not checked here, only that every comparison is measured; bench/run is for them)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_benchmark_prints_every_ratio(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "data_plane.py"),
            "--size-mib",
            "32",
            "--repeat",
            "1",
            "--workdir",
            str(tmp_path / "work"),
            "--results",
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = results.read_text()
    wanted = {
        "full protect, block-device plugin,": "x throughput",
        "full protect, block-device plugin, chunks inside gRPC messages": "x throughput",
        "incremental protect after 1 % change, block-device plugin vs": "x time",
        "storage growth of that incremental, block-device plugin": "x",
        "restore (latest), block-device plugin vs": "x throughput",
        "protect into S3 bank (SeaweedFS), block-device plugin": "x throughput",
        "peak memory of protect (block-device plugin)": "x for 4x data",
    }
    for row, ratio in wanted.items():
        line = next((line for line in table.splitlines() if row in line), None)
        assert line is not None, f"no row {row!r} in\n{table}"
        assert re.search(r"\| \d+\.\d\d" + re.escape(ratio), line), line
