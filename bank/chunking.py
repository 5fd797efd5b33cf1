"""Content-defined chunking of byte streams.

Boundaries come from FastCDC (the 2020 gear-hash variant, via the Cython `pyfastcdc` package,
~5 GB/s and GIL-free while cutting): a cut depends only on nearby content, so inserting or
changing bytes moves only the boundaries around the change and the rest of a stream dedups
against the previous checkpoint. A pure-Python rolling hash runs at a few MB/s, far too slow.

The parameters are part of a bank's format (stored in its format object): changing them would
make new checkpoints cut differently from old ones and defeat deduplication.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from pyfastcdc import FastCDC

# FastCDC's effective average is about avg + min (cut-point skipping), so these give
# chunks of 384 KiB .. 8 MiB averaging about 1 MiB.
DEFAULT_MIN = 384 * 1024
DEFAULT_AVG = 512 * 1024
DEFAULT_MAX = 8 * 1024 * 1024


@dataclass(frozen=True)
class ChunkingParams:
    min_size: int = DEFAULT_MIN
    avg_size: int = DEFAULT_AVG
    max_size: int = DEFAULT_MAX

    def to_dict(self) -> dict[str, int]:
        return {"min_size": self.min_size, "avg_size": self.avg_size, "max_size": self.max_size}

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> ChunkingParams:
        return cls(int(data["min_size"]), int(data["avg_size"]), int(data["max_size"]))


class Chunker:
    """Incremental cutter: feed() bytes as they arrive, then finish().

    Cut points equal those of cutting the whole stream at once: the tail after the last cut is
    carried over and re-cut with the next data, since FastCDC's decision depends only on bytes
    from the current chunk's start. Chunks come back as read-only memoryviews into immutable
    buffers, so each byte is copied once here (when the pending pieces are joined), not per chunk.
    """

    def __init__(self, params: ChunkingParams | None = None) -> None:
        self.params = params or ChunkingParams()
        self._cdc = FastCDC(
            self.params.avg_size,
            min_size=self.params.min_size,
            max_size=self.params.max_size,
        )
        self._pieces: list[bytes] = []
        self._pending = 0

    def feed(self, data: bytes | bytearray | memoryview) -> list[memoryview]:
        """Add data; return the chunks that are now final."""
        if not data:
            return []
        self._pieces.append(bytes(data) if not isinstance(data, bytes) else data)
        self._pending += len(data)
        if self._pending < self.params.max_size * 2:
            return []
        return self._cut(final=False)

    def finish(self) -> list[memoryview]:
        """The remaining chunks at end of stream."""
        return self._cut(final=True)

    def _cut(self, final: bool) -> list[memoryview]:
        buffer = self._pieces[0] if len(self._pieces) == 1 else b"".join(self._pieces)
        self._pieces, self._pending = [], 0
        if not buffer:
            return []
        bounds = [(piece.offset, piece.length) for piece in self._cdc.cut_buf(buffer)]
        if not final and bounds:
            # The last piece may only end because the data ran out: cut it again later.
            keep_from = bounds.pop()[0]
            self._pieces, self._pending = [buffer[keep_from:]], len(buffer) - keep_from
        view = memoryview(buffer)
        return [view[offset : offset + length] for offset, length in bounds]


class ReadsInto(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


class BufferPool:
    """Recycles cut_reader's block buffers once every chunk cut from them is released.

    Fresh memory costs a page fault per 4 KiB on first touch, which on some hosts costs more
    than the hashing; recycling keeps a protect's working set in pages already mapped."""

    def __init__(self, keep: int = 8) -> None:
        self._keep = keep
        self._free: list[bytearray] = []
        self._lent: dict[int, list[Any]] = {}
        self._lock = threading.Lock()

    def take(self, size: int) -> bytearray:
        with self._lock:
            while self._free:
                buffer = self._free.pop()
                if len(buffer) == size:
                    return buffer
        return bytearray(size)

    def lend(self, buffer: bytearray, count: int) -> None:
        """`count` chunks now refer to `buffer`; each must be release()d once."""
        if count == 0:
            self._give_back(buffer)
            return
        with self._lock:
            self._lent[id(buffer)] = [buffer, count]

    def release(self, chunk: memoryview) -> None:
        """A chunk cut from a lent buffer is no longer used (its view must not be read again)."""
        with self._lock:
            entry = self._lent.get(id(chunk.obj))
            if entry is None:
                return
            entry[1] -= 1
            if entry[1]:
                return
            del self._lent[id(chunk.obj)]
        self._give_back(entry[0])

    def _give_back(self, buffer: bytearray) -> None:
        with self._lock:
            if len(self._free) < self._keep:
                self._free.append(buffer)


def cut_reader(
    reader: ReadsInto,
    params: ChunkingParams | None = None,
    block: int = 16 * 1024 * 1024,
    pool: BufferPool | None = None,
) -> Iterator[list[memoryview]]:
    """Chunks of a file, a list per block read. Reads straight into a buffer per block
    (readinto), so the data is copied once, by the kernel; the cut tail is moved to the front
    of the next buffer. With a pool, buffers are recycled once their chunks are released."""
    params = params or ChunkingParams()
    cdc = FastCDC(params.avg_size, min_size=params.min_size, max_size=params.max_size)
    block = max(block, params.max_size * 2)
    tail = b""
    while True:
        buffer = pool.take(block + params.max_size) if pool else bytearray(len(tail) + block)
        buffer[: len(tail)] = tail
        with memoryview(buffer) as target:
            got = reader.readinto(target[len(tail) : len(tail) + block]) or 0
        size = len(tail) + got
        if size == 0:
            if pool:
                pool.lend(buffer, 0)
            return
        final = got == 0
        view = memoryview(buffer)[:size]
        bounds = [(piece.offset, piece.length) for piece in cdc.cut_buf(view)]
        tail = b""
        if not final and bounds:
            keep_from = bounds.pop()[0]
            tail = bytes(view[keep_from:])
        if pool:
            pool.lend(buffer, len(bounds))
        yield [view[offset : offset + length] for offset, length in bounds]
        if final:
            return


def iter_chunks(
    reader: Iterator[bytes], params: ChunkingParams | None = None
) -> Iterator[memoryview]:
    """Chunks of a stream given as an iterator of byte blocks."""
    chunker = Chunker(params)
    for block in reader:
        yield from chunker.feed(block)
    yield from chunker.finish()
