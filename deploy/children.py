"""Child processes that cannot outlive their parent, and that stop politely."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import signal
import subprocess
from collections.abc import Callable, Sequence
from typing import IO, Any

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None]:
    """preexec_fn asking Linux to SIGTERM the child when its parent dies, even by SIGKILL."""
    libc = ctypes.CDLL(None, use_errno=True)

    def arm() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)

    return arm


async def spawn(
    argv: Sequence[str],
    env: dict[str, str],
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
) -> asyncio.subprocess.Process:
    """Start a child bound to this process's life."""
    return await asyncio.create_subprocess_exec(
        *argv,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=stderr,
        preexec_fn=_die_with_parent(),
        # Own session: Ctrl-C in a terminal reaches only the parent, which stops children in
        # order instead of every process dying at once.
        start_new_session=True,
    )


async def stop(process: asyncio.subprocess.Process, grace_seconds: float) -> int:
    """SIGTERM, wait up to ``grace_seconds``, then SIGKILL; returns the exit code."""
    if process.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
        try:
            await asyncio.wait_for(process.wait(), grace_seconds)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
    assert process.returncode is not None
    return process.returncode
