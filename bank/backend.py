"""The object-store interface every bank backend implements.

Backends are synchronous and thread-safe: the data path runs them from worker threads (blake3,
zstd and socket/file I/O release the GIL), and asyncio callers go through `asyncio.to_thread`.
Keys reaching a backend are already validated (see keys.py); backends only store them.

Listing order is string order of keys, with one backend-specific wrinkle: where one key's
segment is a prefix of a sibling segment followed by '-' or '.' ('x/y' vs 'x.obj'), AWS S3 and
the filesystem sort by bytes while SeaweedFS walks directories ('x/y' first). The bank's own
ordered listings (indices) use fixed-width names in one folder, where all agree. `start_after` is
exclusive, in the listing's direction. Ascending listings cost in proportion to the page on
every backend; descending ones do on the filesystem, while S3 has to read the whole prefix, so
hot paths (checkpoint indices) keep a second, ascending-sorted copy of their keys instead of
listing backwards.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str
    modified: float  # unix seconds of the last write or touch


class Backend(abc.ABC):
    """Atomic get/put/delete/list of whole objects, plus the few conditional operations leases
    and garbage collection need."""

    #: Where the bank lives, for messages; never includes credentials.
    location: str
    #: Whether each request waits on a network round trip (S3): callers then run many at once;
    #: a local backend is CPU-bound and gains nothing from more threads than cores.
    latency_bound: bool = False

    @abc.abstractmethod
    def get(self, key: str) -> bytes:
        """The object's bytes; ObjectNotFound if there is none."""

    @abc.abstractmethod
    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo]:
        """Bytes and the matching metadata (etag for a later conditional put)."""

    @abc.abstractmethod
    def head(self, key: str) -> ObjectInfo | None:
        """Metadata of the object, or None if it does not exist."""

    @abc.abstractmethod
    def put(
        self,
        key: str,
        data: bytes,
        *,
        if_none_match: bool = False,
        if_match: str | None = None,
        durable: bool = True,
    ) -> str:
        """Store `data` atomically and return its etag.

        if_none_match: only create (PreconditionFailed if the key exists).
        if_match: only replace the version with this etag (PreconditionFailed otherwise).
        durable=False: the object need not survive a crash of the host (still atomic).
        """

    def put_parts(
        self, key: str, parts: Sequence[bytes | memoryview], *, deferred: bool = False
    ) -> str:
        """put() of the concatenation of `parts` (the filesystem writes them without joining).

        deferred=True: the object may stay invisible until the next sync(), which makes it
        durable and visible (the filesystem batches chunk durability that way); never visible
        before it is durable. Its etag is then unknown (""). Backends whose puts are durable at
        once (S3) ignore it."""
        return self.put(key, b"".join(parts))

    def read_into(self, key: str, buffer: bytearray) -> int | None:
        """Read the object into `buffer`; its size, or None if it does not fit."""
        data = self.get(key)
        if len(data) > len(buffer):
            return None
        buffer[: len(data)] = data
        return len(data)

    @abc.abstractmethod
    def delete(self, key: str, *, if_match: str | None = None) -> None:
        """Remove the object. A missing object is fine unless if_match is given."""

    @abc.abstractmethod
    def list(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> list[str]:
        """Keys starting with `prefix`, in key order (descending if reverse), after
        `start_after`, at most `limit` of them."""

    @abc.abstractmethod
    def scan(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object under `prefix` with its metadata, ascending (for GC and maintenance)."""

    @abc.abstractmethod
    def touch(self, key: str) -> bool:
        """Set the object's modified time to now; False if it does not exist."""

    @abc.abstractmethod
    def delete_if_stale(self, key: str, modified_before: float) -> bool:
        """Delete the object only if it was last written or touched before `modified_before`.

        Returns whether it was deleted. The filesystem does this atomically; S3 checks and deletes
        with one round trip between (see gc.py for why that window is harmless in practice).
        """

    def sync(self) -> None:  # noqa: B027 - optional hook
        """Make every completed put durable and every deferred put visible (the filesystem
        batches chunk durability here; the bank calls it before committing a manifest)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections or handles."""
