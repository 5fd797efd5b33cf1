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
        """Fill ``buffer`` from ``offset``: ValueError if the region ends first."""
        with self._use():
            while buffer:
                done = os.preadv(self.fd, [buffer], offset)
                if done == 0:
                    raise ValueError(f"the shared region ends at byte {offset}")
                buffer, offset = buffer[done:], offset + done

    @contextlib.contextmanager
    def _use(self) -> Iterator[None]:
        with self._lock:
            if self._closing:
                raise ValueError("the shared region was closed: its call ended")
            self._users += 1
        try:
            yield
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
    """Open the caller's region, or RegionUnavailable naming why not."""
    if not same_host(peer):
        raise RegionUnavailable(f"the caller ({peer}) is not on this host")
    if not NAME_PATTERN.fullmatch(region.name):
        raise RegionUnavailable(f"region name {region.name!r} is not smaug-region-<32 hex>")
    if region.pid <= 0 or region.fd < 0 or region.size <= 0:
        raise RegionUnavailable("region pid, fd and size must be positive")
    try:
        fd = os.open(
            f"/proc/{region.pid}/fd/{region.fd}",
            (os.O_RDWR if writable else os.O_RDONLY) | os.O_CLOEXEC,
        )
    except OSError as error:
        raise RegionUnavailable(
            f"cannot open descriptor {region.fd} of process {region.pid}: {error.strerror}"
        ) from None
    try:
        opened = os.readlink(f"/proc/self/fd/{fd}")
        if opened != f"/memfd:{region.name} (deleted)":
            raise RegionUnavailable(
                f"descriptor {region.fd} of process {region.pid} is not the region {region.name}"
            )
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size < region.size:
            raise RegionUnavailable(
                f"region {region.name} holds {info.st_size} bytes, fewer than the "
                f"{region.size} claimed"
            )
    except BaseException:
        os.close(fd)
        raise
    return OpenRegion(fd, region.size)
