"""keep_freed_buffers tunes glibc malloc once per process, where there is a glibc."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

SCRIPT = """
from smaug.bank.allocator import keep_freed_buffers
first = keep_freed_buffers()
print(first, keep_freed_buffers())
"""


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_tuning_takes_effect_once() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["True", "True"]
