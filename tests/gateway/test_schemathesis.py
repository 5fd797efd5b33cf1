"""schemathesis against the native face, driven by the OpenAPI document the gateway publishes:
no generated request may get a 5xx. (More examples by hand: the same command with -n 100.)"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from gateway.conftest import Cloud

from support.mesh import VENV_BIN

EXAMPLES = 5  # ~800 requests over 42 operations in ~10 s


def test_no_server_errors(cloud: Cloud, tmp_path: Path) -> None:
    done = subprocess.run(
        [
            str(VENV_BIN / "schemathesis"),
            "run",
            f"{cloud.url}/openapi/smaug.v1.json",
            "--url",
            cloud.url,
            "--header",
            f"X-Auth-Token: {cloud.token}",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            str(EXAMPLES),
            "--phases",
            "examples,coverage,fuzzing",
            # Server-streaming watches hold the connection open until the operation ends.
            "--exclude-path-regex",
            ":watch",
            "--seed",
            "1",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=170,
        cwd=tmp_path,  # schemathesis keeps a .schemathesis/ cache in its working directory
    )
    out = done.stdout + done.stderr
    assert "Server error" not in out and not re.search(r"\[5\d\d\]", out), out[-6000:]
    generated = re.search(r"(\d+) generated", out)
    assert generated and int(generated.group(1)) >= 300, out[-3000:]
