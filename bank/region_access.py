"""The bank service's side of shared regions (regions.py): opening a caller's memfd.

The caller names a region by pid, descriptor and name. The service opens /proc/<pid>/fd/<fd>,
which the kernel allows only if the service may inspect that process (same user, or a
privileged service), and then checks what it opened: a memfd carrying exactly the random name
the caller sent, at least as large as claimed. A caller that does not own such a region cannot
name one (it would need the name, which only that region's process and those who may already
read its memory know), so the service never writes into or reads from memory the caller did not
hand it. Only loopback and Unix-socket peers are considered: a pid means nothing across hosts.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading
from collections.abc import Iterator

from smaug.bank.regions import NAME_PATTERN, same_host
from smaug.bank.v1 import bank_pb2

#: FAILED_PRECONDITION reason telling the caller to resend its chunks inline.
UNAVAILABLE_REASON = "SHARED_REGION_UNAVAILABLE"


class RegionUnavailable(Exception):
    """The caller's region cannot be used here; the message says why."""


class RegionFailed(Exception):
    """Reading or writing an opened region failed (it shrank, or the call ended)."""


class OpenRegion:
    """A caller's region opened by the service: positional reads and writes, bounds-checked.
    close() may come while worker threads still use it (a cancelled call): the descriptor is
    closed when the last of them is done, never under a read or write (its number could be
    reused by another file meanwhile)."""

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size
        self._lock = threading.Lock()
        self._users = 0
        self._closing = False

    def fits(self, offset: int, size: int) -> bool:
        return 0 <= offset and 0 <= size and offset + size <= self.size

    def write(self, data: bytes | memoryview, offset: int) -> None:
        view = memoryview(data)
        with self._use():
            while view:
                done = os.pwrite(self.fd, view, offset)
                view, offset = view[done:], offset + done

    def read_into(self, buffer: memoryview, offset: int) -> None:
        """Fill ``buffer`` from ``offset``."""
        with self._use():
            while buffer:
                done = os.preadv(self.fd, [buffer], offset)
                if done == 0:
                    raise RegionFailed(f"the shared region ends at byte {offset}")
                buffer, offset = buffer[done:], offset + done

    @contextlib.contextmanager
    def _use(self) -> Iterator[None]:
        with self._lock:
            if self._closing:
                raise RegionFailed("the shared region was closed: its call ended")
            self._users += 1
        try:
            yield
        except OSError as error:
            raise RegionFailed(f"the shared region failed: {error.strerror}") from None
        finally:
            with self._lock:
                self._users -= 1
                last = self._closing and self._users == 0
            if last:
                os.close(self.fd)

    def close(self) -> None:
        with self._lock:
            if self._closing:
                return
            self._closing = True
            idle = self._users == 0
        if idle:
            os.close(self.fd)


def open_region(peer: str, region: bank_pb2.SharedRegion, *, writable: bool) -> OpenRegion:
    """Open the caller's region, or RegionUnavailable naming why not (never the region's name:
    it is what lets a caller point the service at the region, so it stays out of messages and
    logs)."""
    if not same_host(peer):
        raise RegionUnavailable(f"the caller ({peer}) is not on this host")
    if not NAME_PATTERN.fullmatch(region.name):
        raise RegionUnavailable("the region's name is not smaug-region-<32 hex digits>")
    if region.pid <= 0 or region.fd < 0 or region.size <= 0:
        raise RegionUnavailable("region pid, fd and size must be positive")
    path = f"/proc/{region.pid}/fd/{region.fd}"
    expected = f"/memfd:{region.name} (deleted)"
    refused = RegionUnavailable(
        f"descriptor {region.fd} of process {region.pid} is not a region this service may use"
    )
    # Look before opening: opening a FIFO, a terminal or a device named by a caller could block
    # a thread or have side effects. Checked again on what was opened (the descriptor may have
    # been replaced in between).
    try:
        if os.readlink(path) != expected:
            raise refused
        fd = os.open(
            path,
            (os.O_RDWR if writable else os.O_RDONLY) | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOCTTY,
        )
    except OSError:
        raise refused from None
    try:
        info = os.fstat(fd)
        if os.readlink(f"/proc/self/fd/{fd}") != expected or not stat.S_ISREG(info.st_mode):
            raise refused
        if info.st_size < region.size:
            raise RegionUnavailable(
                f"the region holds {info.st_size} bytes, fewer than the {region.size} claimed"
            )
    except BaseException:
        os.close(fd)
        raise
    return OpenRegion(fd, region.size)
