"""Keep freed chunk-sized buffers in the process for reuse (glibc malloc tuning).

The data path moves gigabytes through short-lived buffers of 1-16 MiB (reads, chunks, gRPC
messages). glibc serves blocks that large with mmap and hands them back to the kernel when they
are freed, so every new buffer page-faults its memory in again; on virtual machines a fresh page
costs more than the copy into it (measured here: the bank service spends ~20 % less CPU on a
protect or a restore with this tuning, the plugin ~5-10 %). Raising the mmap and trim thresholds
makes malloc reuse freed buffers instead. The price is memory kept for reuse: at most
TRIM_THRESHOLD per arena, with ARENAS arenas (glibc's default is 8 per core, each keeping its
own), plus fragmentation; the bank service's peak rose by ~30 MiB in the benchmark.

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
M_ARENA_MAX = -8
#: Blocks up to this size come from the heap and are reused; glibc caps it at 32 MiB.
LARGEST_REUSED = 32 * MiB
#: Free memory at the top of a heap kept rather than returned to the kernel.
TRIM_THRESHOLD = 16 * MiB
#: Heaps (arenas) threads allocate from: each keeps its own free memory, so a pool of 16 threads
#: with glibc's default (8 per core) would keep up to 16 x TRIM_THRESHOLD.
ARENAS = 2

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
    return all(
        mallopt(option, value)
        for option, value in (
            (M_ARENA_MAX, ARENAS),
            (M_MMAP_THRESHOLD, LARGEST_REUSED),
            (M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        )
    )
