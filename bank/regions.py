"""Shared regions: chunk bytes between a plugin and a bank service on the same host without gRPC.

Moving a gigabyte through gRPC between two Python processes costs more than a second of CPU on
each side (framing, flow control, copies into and out of messages), more than everything else a
restore does. When the plugin and the bank service share a host, the plugin instead creates a
memfd (a Region), and the service opens it as /proc/<pid>/fd/<fd> and writes the chunks it
reads there (ReadChunks) or reads the chunks to store from there (UploadChunks); the messages
carry only hashes and offsets (smaug.bank.v1 SharedRegion, RegionSlice).

This module is the caller's side: regions and a pool that reuses them (a fresh mapping costs a
page fault per 4 KiB, which on a virtual machine costs more than the copy it saves). The
service's side is region_access.py. Anything that goes wrong falls back to chunks inside the
messages, so a plugin on another host, in another pid namespace or under another user works as
before.
"""

from __future__ import annotations

import contextlib
import ipaddress
import mmap
import os
import re
import secrets
import urllib.parse
import weakref

from smaug.bank.v1 import bank_pb2

NAME_PREFIX = "smaug-region-"
NAME_PATTERN = re.compile(r"smaug-region-[0-9a-f]{32}")
#: Regions alive at once per pool; beyond it a call goes inline instead of waiting.
POOL_LIMIT = 12
#: Smallest region made, so regions are reused across calls of slightly different sizes.
MIN_CAPACITY = 8 * 1024 * 1024
GRAIN = 1024 * 1024
#: Set to 0 to keep chunk bytes inside the messages even on one host.
SWITCH = "SMAUG_BANK_SHARED_MEMORY"


def same_host(address: str) -> bool:
    """Whether a bank address (or a gRPC peer string) can only be this host: a Unix socket or a
    loopback address."""
    address = urllib.parse.unquote(address)  # gRPC peers read "ipv6:%5B::1%5D:port"
    if address.startswith(("unix:", "unix-abstract:")):
        return True
    rest = address
    for scheme in ("ipv4:", "ipv6:", "dns:///", "dns:"):
        if rest.startswith(scheme):
            rest = rest[len(scheme) :]
            break
    if rest.startswith("["):
        host = rest[1:].split("]", 1)[0]
    else:
        host = rest.rsplit(":", 1)[0] if ":" in rest else rest
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def shared_memory_possible(address: str) -> bool:
    return hasattr(os, "memfd_create") and os.environ.get(SWITCH, "1") != "0" and same_host(address)


def pool_for(address: str) -> RegionPool | None:
    """A pool of regions for a bank service at ``address``, or None where none can help."""
    return RegionPool() if shared_memory_possible(address) else None


class Region:
    """A memfd mapped into this process, named so the bank service can tell it is one."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.name = NAME_PREFIX + secrets.token_hex(16)
        self.fd = os.memfd_create(self.name, os.MFD_CLOEXEC)
        try:
            os.ftruncate(self.fd, capacity)
            flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
            self._map = mmap.mmap(self.fd, capacity, flags=flags)
        except BaseException:
            os.close(self.fd)
            raise
        self.view = memoryview(self._map)
        # The descriptor goes with the object even if nobody calls close() (a group never
        # released), and at most once.
        self._close_fd = weakref.finalize(self, os.close, self.fd)

    def message(self, size: int) -> bank_pb2.SharedRegion:
        """The SharedRegion naming this region's first ``size`` bytes."""
        return bank_pb2.SharedRegion(pid=os.getpid(), fd=self.fd, name=self.name, size=size)

    def close(self) -> None:
        if not self._close_fd.alive:
            return
        # A slice still referenced somewhere keeps the mapping alive: it goes with the slice.
        with contextlib.suppress(BufferError):
            self.view.release()
            self._map.close()
        self._close_fd()


class RegionPool:
    """Regions reused across calls; at most ``limit`` exist. ``acquire`` never waits: with every
    region in use (or the service having refused one) it returns None and the call goes inline,
    so a consumer that holds its chunks long costs speed, never a deadlock."""

    def __init__(self, limit: int = POOL_LIMIT) -> None:
        self.limit = limit
        self.free: list[Region] = []
        self.count = 0
        self.refused = False
        self.closed = False

    def acquire(self, size: int) -> Region | None:
        if self.refused or self.closed or size <= 0:
            return None
        for region in self.free:
            if region.capacity >= size:
                self.free.remove(region)
                return region
        if self.count >= self.limit:
            if not self.free:
                return None
            self.free.pop(0).close()  # too small for this call: make room for a bigger one
            self.count -= 1
        capacity = max(MIN_CAPACITY, -(-size // GRAIN) * GRAIN)
        try:
            region = Region(capacity)
        except OSError:  # out of memory or descriptors: this call goes inline
            return None
        self.count += 1
        return region

    def release(self, region: Region) -> None:
        if self.refused or self.closed:
            region.close()
            self.count -= 1
        else:
            self.free.append(region)

    def discard(self, region: Region) -> None:
        """Drop a region whose call failed or was cancelled: the bank service may still be
        writing into it (its work for a cancelled call can outlive the call), so it is never
        handed to another call."""
        region.close()
        self.count -= 1

    def refuse(self) -> None:
        """The bank service cannot use our regions (another host or user): stop offering them."""
        self.refused = True
        self._close_free()

    def close(self) -> None:
        """Close the free regions now; those still in use close when released."""
        self.closed = True
        self._close_free()

    def _close_free(self) -> None:
        for region in self.free:
            region.close()
        self.count -= len(self.free)
        self.free = []
