"""Keep freed chunk-sized buffers in the process for reuse (glibc malloc tuning).

The data path moves gigabytes through short-lived buffers of 1-16 MiB (reads, chunks, gRPC
messages). glibc serves blocks that large with mmap and hands them back to the kernel when they
are freed, so every new buffer page-faults its memory in again; on virtual machines a fresh page
costs more than the copy into it (perf showed page faults at ~10 % of the bank service's CPU
during a protect, and more in the plugin). Raising the mmap and trim thresholds makes malloc
reuse freed buffers instead: resident memory settles at the working set's peak rather than
shrinking between buffers, and that peak does not grow (the pipeline's byte budgets bound it).

Processes that move bulk data call ``keep_freed_buffers()`` once (the bank service, the
block-device plugin); it does nothing where the C library has no mallopt (musl, macOS).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading

MiB = 1024 * 1024
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap and are reused; glibc caps it at 32 MiB.
LARGEST_REUSED = 32 * MiB
#: Free memory at the top of the heap kept rather than returned to the kernel.
TRIM_THRESHOLD = 64 * MiB

_lock = threading.Lock()
_done: bool | None = None


def keep_freed_buffers() -> bool:
    """Tune malloc once per process; whether it took effect."""
    global _done
    with _lock:
        if _done is None:
            _done = _tune()
        return _done


def _tune() -> bool:
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, LARGEST_REUSED)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
