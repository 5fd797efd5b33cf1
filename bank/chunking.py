"""Content-defined chunking of byte streams.

Boundaries come from FastCDC (the 2020 gear-hash variant, via the Cython `pyfastcdc` package,
~5 GB/s and GIL-free while cutting): a cut depends only on nearby content, so inserting or
changing bytes moves only the boundaries around the change and the rest of a stream dedups
against the previous checkpoint. A pure-Python rolling hash runs at a few MB/s, far too slow.

The parameters are part of a bank's format (stored in its format object): changing them would
make new checkpoints cut differently from old ones and defeat deduplication.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

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


def cut_reader(
    reader: ReadsInto, params: ChunkingParams | None = None, block: int = 16 * 1024 * 1024
) -> Iterator[list[memoryview]]:
    """Chunks of a file, a list per block read. Reads straight into a fresh buffer per block
    (readinto), so the data is copied once, by the kernel; the cut tail is moved to the front
    of the next buffer."""
    params = params or ChunkingParams()
    cdc = FastCDC(params.avg_size, min_size=params.min_size, max_size=params.max_size)
    block = max(block, params.max_size * 2)
    tail = b""
    while True:
        buffer = bytearray(len(tail) + block)
        buffer[: len(tail)] = tail
        with memoryview(buffer) as target:
            got = reader.readinto(target[len(tail) :]) or 0
        size = len(tail) + got
        if size == 0:
            return
        final = got == 0
        view = memoryview(buffer)[:size]
        bounds = [(piece.offset, piece.length) for piece in cdc.cut_buf(view)]
        tail = b""
        if not final and bounds:
            keep_from = bounds.pop()[0]
            tail = bytes(view[keep_from:])
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
