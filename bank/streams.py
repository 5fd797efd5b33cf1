"""The bank-side data path: cut a byte stream into chunks and store it; read it back.

Work runs on a thread pool (blake3, zstd, AES-GCM, file and socket I/O release the GIL), with a
byte budget on chunks in flight so memory stays bounded whatever the stream's size. For each
batch of chunks the writer first registers their hashes with the checkpoint (so a concurrent
garbage collection treats them as live, see gc.py), then checks which the bank lacks and stores
only those.
"""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar

from smaug.bank.chunking import BufferPool, Chunker, ChunkingParams, cut_reader
from smaug.bank.chunks import ChunkStore, chunk_hash
from smaug.bank.manifests import ChunkRef, Manifest

READ_BLOCK = 8 * 1024 * 1024
BATCH_CHUNKS = 32
#: Plaintext bytes of chunks in flight, writing and reading (plus the chunker's <= 16 MiB).
DEFAULT_BUDGET = 64 * 1024 * 1024
READ_BUDGET = 48 * 1024 * 1024
PARALLEL_FILE_WRITERS = 4

Registrar = Callable[[list[str]], None]
T = TypeVar("T")


@dataclass
class WriteResult:
    manifest: Manifest
    size: int = 0
    chunks_new: int = 0
    bytes_stored: int = 0


class _Budget:
    """Blocks producers while too many bytes are in flight."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._used = 0
        self._cond = threading.Condition()

    def take(self, amount: int) -> None:
        with self._cond:
            while self._used and self._used + amount > self._limit:
                self._cond.wait()
            self._used += amount

    def give(self, amount: int) -> None:
        with self._cond:
            self._used -= amount
            self._cond.notify_all()


def _chunk_lists(
    source: BinaryIO | Iterable[bytes], params: ChunkingParams | None, buffers: BufferPool
) -> Iterator[list[memoryview]]:
    if hasattr(source, "readinto"):
        yield from cut_reader(source, params, pool=buffers)  # type: ignore[arg-type]
        return
    chunker = Chunker(params)
    if hasattr(source, "read"):
        reader: BinaryIO = source  # type: ignore[assignment]
        while block := reader.read(READ_BLOCK):
            yield chunker.feed(block)
    else:
        for block in source:
            yield chunker.feed(block)
    yield chunker.finish()


def _prefetched(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Run `items` in its own thread, `depth` ahead: reading and cutting (both GIL-free) then
    overlap with the caller's work."""
    slots: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                slots.put((True, item))
            slots.put((False, None))
        except BaseException as error:  # handed to the consumer
            slots.put((False, error))

    thread = threading.Thread(target=produce, name="bank-reader", daemon=True)
    thread.start()
    try:
        while True:
            more, item = slots.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                slots.get(timeout=0.05)
        thread.join()


class StreamWriter:
    def __init__(
        self,
        store: ChunkStore,
        *,
        pool: ThreadPoolExecutor,
        params: ChunkingParams | None = None,
        register: Registrar | None = None,
        refresh_older_than: float | None = None,
        budget: int = DEFAULT_BUDGET,
    ) -> None:
        self._store = store
        self._pool = pool
        self._params = params
        self._register = register
        self._refresh = refresh_older_than
        self._budget = _Budget(budget)
        self._lock = threading.Lock()
        self._claimed: set[str] = set()
        self._buffers = BufferPool()
        self._stores: deque[Future[None]] = deque()
        self._result = WriteResult(Manifest(()))

    def write(self, source: BinaryIO | Iterable[bytes]) -> WriteResult:
        """Chunk, register, dedup and store; returns when every chunk is stored."""
        batches: list[Future[list[ChunkRef]]] = []
        batch: list[memoryview] = []
        try:
            for chunks in _prefetched(_chunk_lists(source, self._params, self._buffers)):
                for data in chunks:
                    self._budget.take(len(data))
                    batch.append(data)
                    if len(batch) >= BATCH_CHUNKS:
                        batches.append(self._pool.submit(self._batch, batch))
                        batch = []
            if batch:
                batches.append(self._pool.submit(self._batch, batch))
            refs = [ref for future in batches for ref in future.result()]
            while self._stores:
                self._stores.popleft().result()
        finally:
            for batch_future in batches:
                batch_future.cancel()
            for store_future in self._stores:
                store_future.cancel()
        self._result.manifest = Manifest(tuple(refs))
        self._result.size = sum(ref.size for ref in refs)
        return self._result

    def _batch(self, chunks: list[memoryview]) -> list[ChunkRef]:
        """Hash a batch, register it, then queue the stores of chunks not seen before."""
        hashes = [chunk_hash(data) for data in chunks]
        if self._register is not None:
            self._register(hashes)  # before any existence check: see gc.py
        for digest, data in zip(hashes, chunks, strict=True):
            with self._lock:
                fresh = digest not in self._claimed
                self._claimed.add(digest)
            if fresh:
                self._stores.append(self._pool.submit(self._store_one, digest, data))
            else:
                self._budget.give(len(data))
                self._buffers.release(data)
        return [ChunkRef(digest, len(data)) for digest, data in zip(hashes, chunks, strict=True)]

    def _store_one(self, digest: str, data: memoryview) -> None:
        try:
            if self._store.has(digest, refresh_older_than=self._refresh):
                return
            stored = self._store.put(digest, data, known_missing=True, deferred=True)
            with self._lock:
                self._result.chunks_new += 1
                self._result.bytes_stored += stored.stored
        finally:
            self._budget.give(len(data))
            self._buffers.release(data)


def iter_chunks_ordered(
    store: ChunkStore,
    refs: Iterable[ChunkRef],
    *,
    pool: ThreadPoolExecutor,
    budget: int = READ_BUDGET,
) -> Iterator[bytes | memoryview]:
    """Yield the plaintext of each chunk in order, fetching ahead in parallel within `budget`."""
    window: deque[tuple[Future[bytes | memoryview], int]] = deque()
    in_flight = 0
    pending = iter(refs)
    exhausted = False
    try:
        while True:
            while not exhausted and (not window or in_flight < budget):
                ref = next(pending, None)
                if ref is None:
                    exhausted = True
                    break
                window.append((pool.submit(store.get, ref.hash), ref.size))
                in_flight += ref.size
            if not window:
                return
            future, size = window.popleft()
            in_flight -= size
            yield future.result()
    finally:
        for future, _ in window:
            future.cancel()


def read_into(
    store: ChunkStore,
    manifest: Manifest,
    sink: BinaryIO,
    *,
    pool: ThreadPoolExecutor,
    budget: int = READ_BUDGET,
) -> int:
    """Write the stream into `sink`. A regular file is written by the workers themselves at each
    chunk's offset (pwrite), so filling the page cache runs on every core, not one."""
    try:
        seekable = sink.seekable()
        fd = sink.fileno()
    except (AttributeError, OSError, ValueError):
        seekable = False
    if not seekable:
        written = 0
        for data in iter_chunks_ordered(store, manifest.chunks, pool=pool, budget=budget):
            sink.write(data)
            written += len(data)
        return written
    sink.flush()
    start = sink.tell()
    if stat.S_ISREG(os.fstat(fd).st_mode) and manifest.size:
        # Allocating the extent up front roughly halves the cost of filling a new file.
        with contextlib.suppress(OSError):
            os.posix_fallocate(fd, start, manifest.size)
    # Each worker reads into its own reused buffer, verifies, and writes at the chunk's offset:
    # no per-chunk allocations (page faults are the dominant cost on some hosts). A few writers
    # at a time: more would only queue on the file's inode lock.
    writers = threading.Semaphore(PARALLEL_FILE_WRITERS)

    def place(chunk: str, at: int) -> None:
        with writers:
            view = memoryview(store.get_reusing(chunk))
            while view:
                written = os.pwrite(fd, view, at)
                view, at = view[written:], at + written

    window: deque[tuple[Future[None], int]] = deque()
    in_flight = offset = 0
    try:
        for ref in manifest.chunks:
            while window and in_flight + ref.size > budget:
                future, size = window.popleft()
                future.result()
                in_flight -= size
            window.append((pool.submit(place, ref.hash, start + offset), ref.size))
            in_flight += ref.size
            offset += ref.size
        while window:
            window.popleft()[0].result()
    finally:
        for future, _ in window:
            future.cancel()
    sink.seek(start + offset)
    return offset
