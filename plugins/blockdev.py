"""The block-device plugin server: protects block devices and disk image files on this machine.

Its protectables are the configured devices (settings ``devices``: a list of absolute paths of
block devices or image files; the environment variable SMAUG_BLOCKDEV_PATHS, ``:``-separated,
adds more); a device is named by its path, which is also its id. ``extra_info`` shows its
``size`` (bytes), ``kind`` (``block device`` or ``image file``) and ``format`` (``raw``, or
``qcow2`` when the file starts with the qcow2 magic: such a file is protected and restored as the
file it is, byte for byte, not flattened). Run by the protection service, or standalone:
``python -m smaug.plugins.blockdev --listen ADDR``.

Settings (JSON in SMAUG_PLUGIN_CONFIG): ``devices`` (list of absolute paths), ``chunk_size``
(bytes, a power of two from 64 KiB to 8 MiB; default 1 MiB; changing it makes the next protect
of a device share nothing with its earlier checkpoints). Each checkpoint records its chunk size,
so checkpoints made with another (those of releases before 1 MiB became the default used 256 KiB)
restore and verify as before. 1 MiB keeps the per-chunk costs (a gRPC message, a bank object, a
file or an S3 request) at a quarter of 256 KiB's, while a scattered 1 % rewrite still grows the
bank less than restic's repository grows (bench/RESULTS.md).

Bank layout of one device's section (format ``smaug-blockdev/1``):

``segments/NNNNNN`` (streams)
    The image's bytes in order, ``segment_bytes`` (4 GiB) per stream, the last one shorter. Each
    stream is cut into fixed ``chunk_size`` chunks aligned to the start of the image (the last
    chunk of the image may be shorter), not content-defined: a block device changes in place,
    never by insertion, so fixed aligned chunks make a write of ``w`` bytes cost at most
    ``w + 2 x chunk_size`` in the bank. Every all-zero chunk is the same chunk, stored once per
    bank; zero regions and holes of sparse files cost a chunk reference each and are not even
    read when SEEK_HOLE says they are holes.
``image`` (object, JSON)
    ``{"format", "device", "kind", "source_format", "size", "chunk_size", "segment_bytes",
    "segments", "digest", "chunk_list_digest", "consistency", "bytes_read", "hole_bytes",
    "zero_bytes", "chunks", "new_chunks", "new_bytes", "seconds"}``. ``chunk_list_digest`` is
    ``blake3:<hex>``, the BLAKE3-256 of the image's chunk hashes (32 bytes each) in image
    order: with every chunk checked against its hash it pins down every byte, as a digest of the
    whole image would, without a second pass over the data on protect and restore. ``digest``,
    the whole image's BLAKE3-256, is only in images protected before that (and still checked for
    them); ``consistency`` is ``frozen``, ``snapshot`` or ``live``.

Protect parameters (the plan's options for this type): ``freeze_command`` and ``thaw_command``
run before and after the read (thaw always runs once freeze succeeded: after an error or a
cancellation too); or ``snapshot_command``, which prints on its last stdout line the absolute path
to read instead (a snapshot of the device), and ``release_command``, run afterwards. A command
given as a list is executed directly, without a shell; given as a string it runs under
``/bin/sh -c``. Commands get SMAUG_DEVICE (the device's path) and, for release_command,
SMAUG_SNAPSHOT (the path the snapshot command printed) in their environment and are killed after
``command_timeout`` seconds (default 60). Without a command the device is read live and the
checkpoint's reason says "read live, without freeze: the copy may be inconsistent".

Restore parameters: ``target``, an absolute path: a new image file (which must not exist unless
``overwrite`` is true; written as a sparse file to a temporary name beside it and renamed into
place once it is complete and checked), or an existing block device (refused if it is smaller than
the image, mounted, active swap or held by another device such as device-mapper or md; opened
with O_EXCL, so the kernel refuses it while in use too). Every chunk is checked against its hash
(by the bank as it reads it, and again here if it crossed a network) and the image against the
recorded size and chunk-list digest; the target is fsynced before the restore reports success.
Writes bypass the page cache (O_DIRECT, where the file system takes it), so the data reaches the
device while the transfer goes on and the final fsync has little left to do. On one host the
chunk bytes travel through shared memory, not gRPC (bank/regions.py). Verify re-reads every
chunk of every segment and checks the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import mmap
import os
import shlex
import signal
import stat
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import blake3
import grpc

from smaug.bank.allocator import keep_freed_buffers
from smaug.bank.chunks import chunk_hash
from smaug.bank.client import ChunkGroup, SectionClient, SectionLike, upload_batch
from smaug.bank.errors import ObjectNotFound
from smaug.bank.regions import pool_for
from smaug.bank.service import GRPC_MESSAGE_OPTIONS
from smaug.bank.v1 import bank_pb2, bank_pb2_grpc
from smaug.bank.wire import upload_chunks
from smaug.mesh.errors import RpcError, invalid_argument, not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import Hook, PluginError, PluginServer, Resource, ResourcePlugin

RESOURCE_TYPE = "Smaug::BlockDevice"
FORMAT = "smaug-blockdev/2"  # /2: chunk_list_digest instead of a whole-image digest
READABLE_FORMATS = ("smaug-blockdev/1", FORMAT)
MiB = 1024 * 1024
CHUNK_SIZE = 1024 * 1024
MIN_CHUNK = 64 * 1024
MAX_CHUNK = 8 * MiB
READ_BLOCK = 8 * MiB
SEGMENT_BYTES = 4 * 1024 * MiB
BATCH_BYTES = 16 * MiB  # non-zero chunk data collected before asking the bank what it lacks
BATCH_REFS = 4096  # at most this many hashes per FindMissingChunks
BATCHES_IN_FLIGHT = 3  # batches being looked up or uploaded at once
WRITE_THREADS = 2  # restore writes in flight to the target (O_DIRECT waits for the device)
WRITES_IN_FLIGHT = 4  # groups of chunks (one ReadChunks call each, ~8 MiB) held by the restore
ALIGN = 4096  # O_DIRECT offsets, lengths and buffers: fits 512- and 4096-byte sectors
PROGRESS_INTERVAL = 0.5
COMMAND_TIMEOUT = 60.0
LIVE_WARNING = "read live, without freeze: the copy may be inconsistent"
QCOW2_MAGIC = b"QFI\xfb"

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], Awaitable[None]]


def plugin_settings() -> dict[str, Any]:
    settings: dict[str, Any] = json.loads(os.environ.get("SMAUG_PLUGIN_CONFIG") or "{}")
    return settings


def configured_devices() -> list[str]:
    """Settings ``devices``, plus SMAUG_BLOCKDEV_PATHS (paths separated by ``:``); absolute paths
    only, normalised but not resolved (``/dev/disk/by-id/...`` names stay as given)."""
    paths = [str(path) for path in plugin_settings().get("devices", [])]
    paths += [p for p in os.environ.get("SMAUG_BLOCKDEV_PATHS", "").split(os.pathsep) if p]
    return list(dict.fromkeys(os.path.normpath(p) for p in paths if os.path.isabs(p)))


def configured_chunk_size() -> int:
    size = int(plugin_settings().get("chunk_size") or CHUNK_SIZE)
    if size < MIN_CHUNK or size > MAX_CHUNK or size & (size - 1):
        raise PluginError(
            f"setting chunk_size {size} must be a power of two from {MIN_CHUNK} to {MAX_CHUNK}"
        )
    return size


def human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


T = TypeVar("T")


async def in_thread(function: Callable[..., T], *args: Any) -> T:
    """``asyncio.to_thread``, but a cancelled caller still waits for the thread to finish, so a
    file is never closed under a read or write in flight."""
    work = asyncio.ensure_future(asyncio.to_thread(function, *args))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await work
        raise


class Meter:
    """Bytes done, with the rate, sent at most every PROGRESS_INTERVAL seconds."""

    def __init__(self, progress: Progress | None, verb: str, name: str, total: int) -> None:
        self.progress = progress
        self.verb = verb
        self.name = name
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self._last = 0.0

    def rate(self) -> float:
        return self.done / max(time.monotonic() - self.started, 1e-6)

    async def add(self, size: int, force: bool = False) -> None:
        self.done += size
        now = time.monotonic()
        if self.progress is not None and (force or now - self._last >= PROGRESS_INTERVAL):
            self._last = now
            message = (
                f"{self.verb} {self.name}: {human(self.done)} of {human(self.total)} at "
                f"{human(self.rate())}/s"
            )
            await self.progress(self.done, self.total, message)


# -- devices ------------------------------------------------------------------------------------
def _open_read(path: str) -> int:
    return os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))


def _size_of(handle: int) -> int:
    return os.lseek(handle, 0, os.SEEK_END)


def describe(path: str) -> dict[str, Any]:
    """What the protectable list shows: size, kind and format; raises OSError."""
    st = os.stat(path)
    if not (stat.S_ISBLK(st.st_mode) or stat.S_ISREG(st.st_mode)):
        raise PluginError(f"{path} is neither a block device nor a regular file")
    handle = _open_read(path)
    try:
        size = _size_of(handle)
        magic = os.pread(handle, 4, 0)
    finally:
        os.close(handle)
    return {
        "size": size,
        "size_human": human(size),
        "kind": "block device" if stat.S_ISBLK(st.st_mode) else "image file",
        "format": "qcow2" if magic == QCOW2_MAGIC else "raw",
    }


def _data_extents(handle: int, start: int, end: int) -> list[tuple[int, int]]:
    """The data extents of [start, end) of a regular file, from SEEK_DATA/SEEK_HOLE; the whole
    range when the file system cannot say."""
    extents: list[tuple[int, int]] = []
    position = start
    while position < end:
        try:
            data = os.lseek(handle, position, os.SEEK_DATA)
        except OSError as error:
            if error.errno == errno.ENXIO:  # no data after position
                break
            return [(start, end)]  # EINVAL: not supported here; read it all
        if data >= end:
            break
        hole = os.lseek(handle, data, os.SEEK_HOLE)
        extents.append((data, min(hole, end)))
        position = hole
    return extents


def _read_exact(handle: int, size: int, offset: int, path: str) -> bytes:
    block = os.pread(handle, size, offset)
    if len(block) == size:
        return block
    parts = [block]
    got = len(block)
    while got < size:
        more = os.pread(handle, size - got, offset + got)
        if not more:
            raise PluginError(
                f"{path} ended at byte {offset + got} while reading; it was {offset + size} "
                "bytes or more when the protect began (did it shrink?)"
            )
        parts.append(more)
        got += len(more)
    return b"".join(parts)


# -- the bank side ------------------------------------------------------------------------------
@dataclass
class ImageInfo:
    """The section's ``image`` object."""

    format: str
    device: str
    kind: str
    source_format: str
    size: int
    chunk_size: int
    segment_bytes: int
    segments: int
    digest: str
    consistency: str = "live"
    chunk_list_digest: str = ""
    bytes_read: int = 0
    hole_bytes: int = 0
    zero_bytes: int = 0
    chunks: int = 0
    new_chunks: int = 0
    new_bytes: int = 0
    seconds: float = 0.0

    @property
    def check_digest(self) -> str:
        """What a restore or verify checks: the chunk-list digest, or for images protected
        before it existed the whole-image digest."""
        return self.chunk_list_digest or self.digest

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ImageInfo:
        if raw.get("format") not in READABLE_FORMATS:
            raise PluginError(
                f"image format {raw.get('format')!r} is not one this plugin reads "
                f"({', '.join(READABLE_FORMATS)}); restore it with a newer plugin"
            )
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in raw.items() if k in known})


def segment_name(index: int) -> str:
    return f"segments/{index:06d}"


class _Writer:
    """Fixed-size chunks into the bank: each batch of chunks asks the bank which it lacks and
    uploads only those, as a task of its own, so reading and hashing go on meanwhile; commits one
    stream per segment once its batches are done. Holds at most BATCH_BYTES of pending chunk data
    plus BATCHES_IN_FLIGHT batches, whatever the image size."""

    def __init__(self, channel: grpc.aio.Channel, section: SectionLike) -> None:
        self.stub = bank_pb2_grpc.BankServiceStub(channel)
        self.upload = upload_chunks(channel)  # takes messages encoded by hand (bank/wire.py)
        self.token = section.token
        # Chunk bytes through shared memory when the bank is on this host (bank/regions.py).
        self.regions = pool_for(section.address)
        self.offered: set[str] = set()  # each hash goes to the bank once per protect
        self.pending: list[tuple[str, bytes | memoryview]] = []
        self.pending_bytes = 0
        self.refs: list[bank_pb2.ChunkRef] = []
        self.slots = asyncio.Semaphore(BATCHES_IN_FLIGHT)
        self.uploads: set[asyncio.Task[None]] = set()
        self.new_chunks = 0
        self.new_bytes = 0
        # The image's chunk-list digest: BLAKE3 of its chunk hashes in order (ImageInfo).
        self.chunk_list = blake3.blake3()

    async def add(self, digest: str, data: bytes | memoryview, counts: bool = True) -> None:
        self.refs.append(bank_pb2.ChunkRef(hash=digest, size=len(data)))
        self.chunk_list.update(bytes.fromhex(digest))
        if digest in self.offered:
            return
        self.offered.add(digest)
        self.pending.append((digest, data))
        if counts:
            self.pending_bytes += len(data)
        if self.pending_bytes >= BATCH_BYTES or len(self.pending) >= BATCH_REFS:
            await self.flush()

    async def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending, self.pending_bytes = self.pending, [], 0
        for task in [t for t in self.uploads if t.done()]:
            task.result()  # a failed batch fails the protect now
        await self.slots.acquire()
        task = asyncio.create_task(self._send(batch))
        self.uploads.add(task)
        task.add_done_callback(self._forget_if_succeeded)

    def _forget_if_succeeded(self, task: asyncio.Task[None]) -> None:
        # A failed batch stays until flush() or drain() raises its error.
        if not task.cancelled() and task.exception() is None:
            self.uploads.discard(task)

    async def _send(self, batch: list[tuple[str, bytes | memoryview]]) -> None:
        try:
            answer = await self.stub.FindMissingChunks(
                bank_pb2.FindMissingChunksRequest(
                    section=self.token, hashes=[digest for digest, _ in batch]
                )
            )
            missing = set(answer.missing_hashes)
            todo = [(digest, data) for digest, data in batch if digest in missing]
            batch.clear()  # the chunks the bank has: their read buffers can go
            if not todo:
                return
            count, size = len(todo), sum(len(data) for _, data in todo)
            await upload_batch(self.upload, self.token, todo, self.regions)
            self.new_chunks += count
            self.new_bytes += size
        finally:
            self.slots.release()

    async def drain(self) -> None:
        """Wait until every batch so far is stored (raising the first failure)."""
        await self.flush()
        while self.uploads:
            await asyncio.gather(*list(self.uploads))

    async def commit(self, name: str) -> int:
        await self.drain()
        answer = await self.stub.CommitStream(
            bank_pb2.CommitStreamRequest(section=self.token, name=name, chunks=self.refs)
        )
        self.refs = []
        return int(answer.size)

    async def abort(self) -> None:
        """Cancel what is still uploading and let go of the shared regions."""
        for task in list(self.uploads):
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*self.uploads, return_exceptions=True)
        if self.regions is not None:
            self.regions.close()


class _Zeros:
    """All-zero buffers and their chunk hashes, made once per size."""

    def __init__(self, chunk_size: int) -> None:
        self.block = bytes(max(READ_BLOCK, chunk_size))
        self.view = memoryview(self.block)
        self._hashes: dict[int, str] = {}

    def hash(self, size: int) -> str:
        found = self._hashes.get(size)
        if found is None:
            found = self._hashes[size] = chunk_hash(self.view[:size])
        return found


def _hash_block(block: bytes, chunk_size: int, zeros: _Zeros) -> list[tuple[str, int, int, bool]]:
    """(hash, start, length, is_zero) of each chunk of ``block``. Runs in a thread (BLAKE3
    releases the GIL)."""
    out: list[tuple[str, int, int, bool]] = []
    for start in range(0, len(block), chunk_size):
        end = min(start + chunk_size, len(block))
        if block.startswith(zeros.view[: end - start], start, end):
            out.append((zeros.hash(end - start), start, end - start, True))
        else:
            out.append((chunk_hash(memoryview(block)[start:end]), start, end - start, False))
    return out


def _channel_for(section: SectionLike, channel: grpc.aio.Channel | None) -> grpc.aio.Channel:
    return channel or grpc.aio.insecure_channel(section.address, options=GRPC_MESSAGE_OPTIONS)


async def protect_device(
    path: str,
    section: SectionLike,
    progress: Progress | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
    channel: grpc.aio.Channel | None = None,
    name: str = "",
    consistency: str = "live",
) -> ImageInfo:
    """Read ``path`` (a block device or image file) sequentially in READ_BLOCK reads and store it
    in the bank section as segment streams of fixed chunks, plus the ``image`` object. Only chunks
    the bank lacks are uploaded. ``name`` is how errors and progress call the device (default
    ``path``; a snapshot's reads are named after the device they copy). Returns what was
    stored."""
    keep_freed_buffers()
    label = name or path
    where = label if path == label else f"{label} (reading {path})"
    started = time.monotonic()
    try:
        handle = await in_thread(_open_read, path)
    except OSError as error:
        raise PluginError(f"cannot open {where}: {error.strerror}") from None
    own_channel = channel is None
    channel = _channel_for(section, channel)
    writer = _Writer(channel, section)
    try:
        st = os.fstat(handle)
        regular = stat.S_ISREG(st.st_mode)
        size = await in_thread(_size_of, handle)
        magic = await in_thread(os.pread, handle, 4, 0)
        with contextlib.suppress(OSError):
            os.posix_fadvise(handle, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        zeros = _Zeros(chunk_size)
        info = ImageInfo(
            format=FORMAT,
            device=label,
            kind="image file" if regular else "block device",
            source_format="qcow2" if magic == QCOW2_MAGIC else "raw",
            size=size,
            chunk_size=chunk_size,
            segment_bytes=SEGMENT_BYTES,
            segments=max(1, -(-size // SEGMENT_BYTES)),
            digest="",
            consistency=consistency,
        )
        meter = Meter(progress, "protected", label, size)

        def read(offset: int) -> tuple[bytes | None, int, list[tuple[str, int, int, bool]]]:
            """(block or None for a hole, bytes of holes in it, its chunks)."""
            length = min(READ_BLOCK, size - offset)
            extents = _data_extents(handle, offset, offset + length) if regular else []
            if regular and not extents:
                return None, length, []
            block: bytes | bytearray
            holes = 0
            try:
                if not regular or extents == [(offset, offset + length)]:
                    block = _read_exact(handle, length, offset, where)
                else:  # only the data extents are read; the holes stay zero
                    block = bytearray(length)
                    for start, stop in extents:
                        part = _read_exact(handle, stop - start, start, where)
                        block[start - offset : stop - offset] = part
                    holes = length - sum(stop - start for start, stop in extents)
            except OSError as error:
                raise PluginError(
                    f"cannot read {where} at byte {offset}: {error.strerror}"
                ) from None
            data = block if isinstance(block, bytes) else bytes(block)
            return data, holes, _hash_block(data, chunk_size, zeros)

        offset = 0
        segment = 0
        segment_end = min(SEGMENT_BYTES, size)
        following = asyncio.ensure_future(in_thread(read, 0)) if size else None
        try:
            while following is not None:
                block, holes, chunks = await following
                length = min(READ_BLOCK, size - offset)
                info.hole_bytes += holes
                following = None
                if offset + length < size:  # read ahead while this block goes to the bank
                    following = asyncio.ensure_future(in_thread(read, offset + length))
                if block is None:
                    info.zero_bytes += length
                    for start in range(0, length, chunk_size):
                        part = min(chunk_size, length - start)
                        await writer.add(zeros.hash(part), zeros.view[:part], counts=False)
                else:
                    info.bytes_read += length - holes
                    view = memoryview(block)
                    for digest_hex, start, part, zero in chunks:
                        if zero:
                            info.zero_bytes += part
                            await writer.add(digest_hex, zeros.view[:part], counts=False)
                        else:
                            await writer.add(digest_hex, view[start : start + part])
                info.chunks += len(chunks) if block is not None else -(-length // chunk_size)
                offset += length
                await meter.add(length)
                if offset == segment_end:
                    await writer.commit(segment_name(segment))
                    segment += 1
                    segment_end = min(segment_end + SEGMENT_BYTES, size)
            if size == 0:
                await writer.commit(segment_name(0))
        finally:
            if following is not None:
                following.cancel()
                with contextlib.suppress(BaseException):
                    await following
        await writer.drain()
        info.chunk_list_digest = "blake3:" + writer.chunk_list.hexdigest()
        info.new_chunks, info.new_bytes = writer.new_chunks, writer.new_bytes
        info.seconds = round(time.monotonic() - started, 3)
        await SectionClient(section, channel=channel).put_object(
            "image", json.dumps(asdict(info)).encode()
        )
        await meter.add(0, force=True)
        return info
    except grpc.aio.AioRpcError as error:
        raise PluginError(
            f"storing {where} in the bank failed: {error.code().name}: {error.details()}"
        ) from None
    finally:
        await writer.abort()
        os.close(handle)
        if own_channel:
            await channel.close()


async def read_image_info(client: SectionClient) -> ImageInfo:
    try:
        raw = await client.get_object("image")
    except ObjectNotFound:
        raise PluginError(
            "this checkpoint holds no image object; it is not a block device's"
        ) from None
    return ImageInfo.from_json(json.loads(raw))


async def _image_groups(
    client: SectionClient, info: ImageInfo
) -> AsyncIterator[tuple[int, ChunkGroup]]:
    """(offset, ChunkGroup) of the whole image in order, a group of consecutive chunks per
    ReadChunks call. Chunks that came inside a message are not verified yet: the caller checks
    them in a worker thread (``_ImageSink``); placed chunks the bank service checked."""
    offset = 0
    for index in range(info.segments):
        name = segment_name(index)
        try:
            async for group in client.read_chunk_groups(name, verify=False):
                yield offset, group
                offset += sum(len(data) for _, data in group)
        except grpc.aio.AioRpcError as error:
            raise PluginError(
                f"segment {name} of {info.device} is unreadable: {error.code().name}: "
                f"{error.details()}"
            ) from None
        except PluginError:
            raise
        except Exception as error:  # ChunkCorrupt: the bank sent another chunk or too few
            if isinstance(error, (asyncio.CancelledError, GeneratorExit)):
                raise
            raise PluginError(f"segment {name} of {info.device} is corrupt: {error}") from None
        expected = min(info.size, (index + 1) * info.segment_bytes)
        if offset != expected:
            raise PluginError(
                f"segment {name} of {info.device} ends at byte {offset}; the image says {expected}"
            )


def _open_direct(path: str) -> int:
    """A second, O_DIRECT descriptor for ``path``, or -1 where the file system refuses it
    (tmpfs) or the platform has none. Not O_EXCL: the restore's own handle holds that."""
    flag = getattr(os, "O_DIRECT", 0)
    if not flag:
        return -1
    try:
        return os.open(path, os.O_WRONLY | flag | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return -1


class _ImageSink:
    """Takes the image's chunks group by group, in order, and writes each group at its offset in
    worker threads (a few groups in flight), checking the image as it goes.

    The check. Images protected now record a chunk-list digest (BLAKE3 of their chunk hashes in
    order): the sink hashes the hashes it was given in order, and checks the bytes of every
    chunk that came inside a message (across a network) against its hash in the worker thread;
    a chunk placed in shared memory was checked by the bank service as it read it, on this
    host, and is not hashed again. Older images record only the whole-image digest: the sink
    then feeds every byte to it, in image order, from a thread of its own.

    Writes go through O_DIRECT when the target allows it: straight to the device without
    filling the page cache (which costs more CPU than the whole transfer on a virtual machine)
    and without leaving gigabytes of dirty pages for the final fsync; writeback thus overlaps
    the transfer. Chunks placed back to back in a shared region are written from there; others
    are gathered into a page-aligned buffer first. The unaligned tail of an image, and every
    write where O_DIRECT is unavailable or refused, go through the ordinary descriptor. In a
    sparse target, zero chunks are skipped. With no handle (verify) the chunks are only
    checked."""

    def __init__(
        self,
        client: SectionClient,
        info: ImageInfo,
        handle: int | None = None,
        direct: int = -1,
        sparse: bool = False,
    ) -> None:
        self.client = client
        self.label = info.device
        self.handle = handle
        self.direct = direct
        self.use_direct = direct >= 0
        self.sparse = sparse
        self.zero = bytes(max(info.chunk_size, MIN_CHUNK))
        self.expected = info.check_digest
        self.by_chunk_list = bool(info.chunk_list_digest)
        self.digest = blake3.blake3(max_threads=1 if self.by_chunk_list else blake3.blake3.AUTO)
        self.workers = ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="blockdev-write")
        self.hasher = ThreadPoolExecutor(1, thread_name_prefix="blockdev-digest")
        self.slots = asyncio.Semaphore(WRITES_IN_FLIGHT)
        self.futures: set[asyncio.Future[Any]] = set()
        self.local = threading.local()
        self.zero_hashes: dict[int, str] = {}

    async def add(self, offset: int, group: ChunkGroup) -> None:
        """Schedule the group's write; the group is released once its threads are done."""
        try:
            self._raise_failure()  # a failed group fails the restore now
            await self.slots.acquire()
        except BaseException:
            group.release()
            raise
        loop = asyncio.get_running_loop()
        jobs = [self.workers.submit(self._write, offset, group)]
        if self.by_chunk_list:
            for digest, _ in group:  # in image order: add() is called in order
                self.digest.update(bytes.fromhex(digest))
        else:
            jobs.append(self.hasher.submit(self._hash, group))
        # Settled when the threads themselves are done (not when a waiter gives up): only then
        # may the group's region serve another call.
        settled: asyncio.Future[BaseException | None] = loop.create_future()
        self.futures.add(settled)
        left = len(jobs)

        def one_done() -> None:
            nonlocal left
            left -= 1
            if left:
                return
            group.release()
            self.slots.release()
            failures = [j.exception() for j in jobs if not j.cancelled() and j.exception()]
            settled.set_result(failures[0] if failures else None)

        for job in jobs:
            job.add_done_callback(lambda _: loop.call_soon_threadsafe(one_done))

    def _raise_failure(self) -> None:
        for future in [f for f in self.futures if f.done()]:
            self.futures.discard(future)
            failure = future.result()
            if failure is not None:
                raise failure

    async def finish(self) -> None:
        """Wait for every group; PluginError unless the image checks out."""
        while self.futures:
            await asyncio.wait(self.futures, return_when=asyncio.FIRST_COMPLETED)
            self._raise_failure()
        found = "blake3:" + self.digest.hexdigest()
        if found != self.expected:
            what = "chunk-list digest" if self.by_chunk_list else "digest"
            raise PluginError(
                f"the image of {self.label} read back has {what} {found}; protect recorded "
                f"{self.expected}"
            )

    async def close(self) -> None:
        """Wait for the threads (even if cancelled), so no write outlives the descriptors and
        no region goes back while a thread still reads it."""
        pending = [f for f in self.futures if not f.done()]
        if pending:
            with contextlib.suppress(BaseException):
                await asyncio.shield(asyncio.wait(pending))
        await asyncio.to_thread(self._shutdown)

    def _shutdown(self) -> None:
        self.workers.shutdown(wait=True, cancel_futures=True)
        self.hasher.shutdown(wait=True, cancel_futures=True)
        if self.direct >= 0:
            os.close(self.direct)
            self.direct = -1

    # -- worker threads --------------------------------------------------------------------------
    def _hash(self, group: ChunkGroup) -> None:
        for _, data in group:
            self.digest.update(data)

    def _zero_hash(self, size: int) -> str:
        found = self.zero_hashes.get(size)
        if found is None:
            found = self.zero_hashes[size] = chunk_hash(memoryview(self.zero)[:size])
        return found

    def _write(self, offset: int, group: ChunkGroup) -> None:
        check = self.by_chunk_list
        run: list[int] = []  # indices of consecutive chunks to write as one
        run_at = offset
        for index, (digest, data) in enumerate(group):
            if check and group.spans[index] < 0:
                try:
                    self.client.check_chunk(digest, data)
                except Exception as error:
                    raise PluginError(
                        f"the image of {self.label} at byte {offset}: {error}"
                    ) from None
            if self.handle is None:
                offset += len(data)
                continue
            # The zero chunk's hash picks the candidates; the bytes confirm (memcmp speed).
            if (
                self.sparse
                and len(data) <= len(self.zero)
                and digest == self._zero_hash(len(data))
                and self.zero.startswith(data)
            ):
                self._write_run(group, run, run_at)
                offset += len(data)
                run, run_at = [], offset
                continue
            run.append(index)
            offset += len(data)
        self._write_run(group, run, run_at)

    def _buffer(self, size: int) -> mmap.mmap:
        """This thread's page-aligned buffer, at least ``size`` bytes, reused across writes."""
        buffer: mmap.mmap | None = getattr(self.local, "buffer", None)
        if buffer is None or len(buffer) < size:
            if buffer is not None:
                buffer.close()
            buffer = self.local.buffer = mmap.mmap(-1, -(-size // ALIGN) * ALIGN)
        return buffer

    def _contiguous(self, group: ChunkGroup, run: list[int]) -> memoryview | None:
        """The run as one slice of the shared region, if its chunks lie there back to back from
        a page boundary (the region's mapping is page-aligned)."""
        if group.region is None or group.spans[run[0]] < 0 or group.spans[run[0]] % ALIGN:
            return None
        start = at = group.spans[run[0]]
        for index in run:
            if group.spans[index] != at:
                return None
            at += len(group[index][1])
        return group.region[start:at]

    def _write_run(self, group: ChunkGroup, run: list[int], offset: int) -> None:
        if not run:
            return
        assert self.handle is not None
        parts = [group[index][1] for index in run]
        total = sum(len(part) for part in parts)
        aligned = total - total % ALIGN if self.use_direct and offset % ALIGN == 0 else 0
        if not aligned:
            _pwrite_all(self.handle, memoryview(b"".join(parts)), offset)
            return
        view = self._contiguous(group, run)
        if view is None:
            view = memoryview(self._buffer(total))[:total]
            at = 0
            for part in parts:
                view[at : at + len(part)] = part
                at += len(part)
        try:
            done = os.pwrite(self.direct, view[:aligned], offset)
        except OSError as error:
            if error.errno != errno.EINVAL:
                raise
            self.use_direct = False  # refused after all (alignment rules of this device)
            done = 0
        # The unaligned tail, a short write or a refusal: the ordinary descriptor.
        _pwrite_all(self.handle, view[done:total], offset + done)
        view.release()


def _pwrite_all(handle: int, view: memoryview, offset: int) -> None:
    while view:
        written = os.pwrite(handle, view, offset)
        view, offset = view[written:], offset + written


async def restore_device(
    section: SectionLike,
    target: str,
    progress: Progress | None = None,
    *,
    overwrite: bool = False,
    channel: grpc.aio.Channel | None = None,
) -> ImageInfo:
    """Write the image of ``section`` to ``target``: a new (sparse) image file, an existing one
    when ``overwrite``, or an unused block device at least as big as the image. Checks every
    chunk, the size and the image's digest (``ImageInfo.check_digest``), and fsyncs the target
    before returning; a file target only appears once it checked out."""
    keep_freed_buffers()
    async with SectionClient(section, channel=channel) as client:
        info = await read_image_info(client)
        plan = await in_thread(check_target, target, info.size, overwrite)
        if plan.device:
            handle = await in_thread(_open_device, target)
            temporary = ""
        else:
            handle, temporary = await in_thread(_create_temporary, target)
        ok = False
        sink: _ImageSink | None = None
        try:
            if not plan.device:
                await in_thread(os.ftruncate, handle, info.size)
            direct = await in_thread(_open_direct, temporary or target)
            sink = _ImageSink(client, info, handle, direct, sparse=not plan.device)
            meter = Meter(progress, "restored", info.device, info.size)
            async for offset, group in _image_groups(client, info):
                await sink.add(offset, group)
                await meter.add(sum(len(data) for _, data in group))
            await sink.finish()
            await in_thread(os.fsync, handle)
            if meter.done != info.size:
                raise PluginError(
                    f"the checkpoint of {info.device} holds {meter.done} bytes; it recorded "
                    f"{info.size}"
                )
            await meter.add(0, force=True)
            ok = True
        except OSError as error:
            raise PluginError(f"writing {target} failed: {error.strerror}") from None
        finally:
            if sink is not None:
                await sink.close()
            os.close(handle)
            if temporary:
                if ok:
                    await in_thread(_place, temporary, target, overwrite)
                else:
                    with contextlib.suppress(OSError):
                        os.unlink(temporary)
        return info


async def verify_image(
    section: SectionLike, progress: Progress | None = None, channel: grpc.aio.Channel | None = None
) -> ImageInfo:
    """Re-read every chunk of every segment; check each, the size and the image's digest."""
    keep_freed_buffers()
    async with SectionClient(section, channel=channel) as client:
        info = await read_image_info(client)
        meter = Meter(progress, "verified", info.device, info.size)
        sink = _ImageSink(client, info)
        try:
            async for offset, group in _image_groups(client, info):
                await sink.add(offset, group)
                await meter.add(sum(len(data) for _, data in group))
            await sink.finish()
        finally:
            await sink.close()
        await meter.add(0, force=True)
        if meter.done != info.size:
            raise PluginError(
                f"the checkpoint of {info.device} holds {meter.done} bytes; it recorded {info.size}"
            )
        return info


# -- restore targets ----------------------------------------------------------------------------
@dataclass
class TargetPlan:
    device: bool


def check_target(target: str, size: int, overwrite: bool) -> TargetPlan:
    """Refuse a target the restore must not write; see the module's documentation."""
    if not target:
        raise PluginError(
            "restore needs the parameter target: the absolute path of a new image file, or "
            "of a block device to overwrite"
        )
    if not os.path.isabs(target):
        raise PluginError(f"restore target {target!r} must be an absolute path")
    try:
        st = os.stat(target)
    except FileNotFoundError:
        parent = os.path.dirname(target)
        if not os.path.isdir(parent):
            raise PluginError(
                f"restore target {target}: directory {parent} does not exist"
            ) from None
        return TargetPlan(device=False)
    if stat.S_ISBLK(st.st_mode):
        busy = device_in_use(st.st_rdev)
        if busy:
            raise PluginError(f"restore target {target} is in use ({busy}); refusing to write it")
        handle = os.open(target, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        try:
            capacity = _size_of(handle)
        finally:
            os.close(handle)
        if capacity < size:
            raise PluginError(
                f"restore target {target} holds {capacity} bytes, smaller than the image's {size}"
            )
        return TargetPlan(device=True)
    if stat.S_ISREG(st.st_mode):
        if not overwrite:
            raise PluginError(
                f"restore target {target} exists; name a new file, or pass overwrite: true"
            )
        return TargetPlan(device=False)
    raise PluginError(f"restore target {target} is neither a block device nor a regular file")


def _sysfs(rdev: int) -> str:
    return f"/sys/dev/block/{os.major(rdev)}:{os.minor(rdev)}"


def _family(rdev: int) -> dict[int, str]:
    """The device and its partitions: rdev -> sysfs directory."""
    found = {rdev: os.path.realpath(_sysfs(rdev))}
    base = found[rdev]
    with contextlib.suppress(OSError):
        for child in os.listdir(base):
            dev_file = os.path.join(base, child, "dev")
            if os.path.exists(os.path.join(base, child, "partition")):
                major, minor = Path(dev_file).read_text().strip().split(":")
                found[os.makedev(int(major), int(minor))] = os.path.join(base, child)
    return found


def _unescape_mount(field: str) -> str:
    return field.encode().decode("unicode_escape") if "\\" in field else field


def device_in_use(rdev: int) -> str:
    """Why the block device ``rdev`` (or a partition of it) is in use, or "": mounted (from
    /proc/self/mounts), active swap (/proc/swaps) or held by another device (sysfs holders)."""
    family = _family(rdev)
    for directory in family.values():
        with contextlib.suppress(OSError):
            holders = os.listdir(os.path.join(directory, "holders"))
            if holders:
                return f"held by {', '.join(sorted(holders))}"
    for table, what in (("/proc/self/mounts", "mounted at"), ("/proc/swaps", "swap")):
        try:
            lines = Path(table).read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if not fields or not fields[0].startswith("/"):
                continue
            with contextlib.suppress(OSError):
                source = os.stat(_unescape_mount(fields[0]))
                if stat.S_ISBLK(source.st_mode) and source.st_rdev in family:
                    where = _unescape_mount(fields[1]) if what == "mounted at" else "active"
                    return f"{fields[0]} {what} {where}"
    return ""


def _open_device(path: str) -> int:
    try:
        return os.open(path, os.O_WRONLY | os.O_EXCL | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        if error.errno == errno.EBUSY:
            raise PluginError(
                f"restore target {path} is busy (the kernel refused exclusive access); is it "
                "mounted or part of another device?"
            ) from None
        raise PluginError(f"cannot open restore target {path}: {error.strerror}") from None


def _create_temporary(target: str) -> tuple[int, str]:
    directory, base = os.path.split(target)
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{base}.smaug-restore-")
    except OSError as error:
        raise PluginError(f"cannot create a file in {directory}: {error.strerror}") from None
    return handle, temporary


def _place(temporary: str, target: str, overwrite: bool) -> None:
    os.chmod(temporary, 0o600)
    try:
        if overwrite:
            os.replace(temporary, target)
        else:
            os.link(temporary, target)  # fails if the target appeared meanwhile
            os.unlink(temporary)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise PluginError(f"cannot put the restored image at {target}: {error.strerror}") from None


# -- consistency commands -----------------------------------------------------------------------
def _argv(command: Any, what: str, label: str) -> list[str]:
    if isinstance(command, str):
        return ["/bin/sh", "-c", command]
    if isinstance(command, list) and command and all(isinstance(a, str) for a in command):
        return list(command)
    raise PluginError(f"{what} for {label} must be a string (run by /bin/sh) or a list of strings")


async def run_command(
    command: Any, what: str, label: str, timeout: float, env: dict[str, str]
) -> str:
    """Run a freeze/thaw/snapshot/release command; its stdout, or PluginError naming it. Killed
    (its whole process group) on timeout or cancellation."""
    argv = _argv(command, what, label)
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**os.environ, **env},
            start_new_session=True,
        )
    except OSError as error:
        raise PluginError(
            f"{what} for {label} ({shlex.join(argv)}) cannot start: {error}"
        ) from None
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except BaseException as error:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(BaseException):
            await process.wait()
        if isinstance(error, TimeoutError):
            raise PluginError(
                f"{what} for {label} did not finish within {timeout:g} s and was killed"
            ) from None
        raise
    if process.returncode != 0:
        tail = err.decode(errors="replace").strip()[-500:]
        raise PluginError(
            f"{what} for {label} failed (exit status {process.returncode})"
            + (f": {tail}" if tail else "")
        )
    return out.decode(errors="replace")


async def _shielded(work: Awaitable[T]) -> T:
    """Run ``work`` to its end even if the caller is cancelled meanwhile (a thaw must happen)."""
    task = asyncio.ensure_future(work)
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await task
        raise


# -- the plugin ---------------------------------------------------------------------------------
_COMMAND = {
    "description": "A list (run without a shell) or a string (run by /bin/sh -c)",
    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
}


class BlockDevices(ResourcePlugin):
    resource_type = RESOURCE_TYPE
    options_schema = {
        "type": "object",
        "title": "Block device protect options",
        "properties": {
            "freeze_command": _COMMAND | {"title": "Run before reading (e.g. fsfreeze -f /mnt)"},
            "thaw_command": _COMMAND | {"title": "Run after reading, always once frozen"},
            "snapshot_command": _COMMAND
            | {"title": "Run before reading; its last stdout line is the path to read instead"},
            "release_command": _COMMAND
            | {"title": "Run after reading the snapshot (SMAUG_SNAPSHOT names it)"},
            "command_timeout": {"type": "number", "default": COMMAND_TIMEOUT},
        },
    }
    restore_schema = {
        "type": "object",
        "title": "Block device restore parameters",
        "properties": {
            "target": {
                "type": "string",
                "description": "Absolute path of a new image file, or of an unused block "
                "device at least as big as the image",
            },
            "overwrite": {
                "type": "boolean",
                "default": False,
                "description": "Replace an existing image file",
            },
        },
        "required": ["target"],
    }
    verify_schema = {
        "type": "object",
        "title": "Block device verify parameters",
        "description": "Verify re-reads every chunk and checks the size and digest",
        "properties": {},
    }
    saved_info_schema = {
        "type": "object",
        "title": "Block device checkpoint (object 'image' of the section)",
        "properties": {
            "format": {"type": "string"},
            "device": {"type": "string"},
            "kind": {"type": "string"},
            "source_format": {"type": "string"},
            "size": {"type": "integer"},
            "chunk_size": {"type": "integer"},
            "segment_bytes": {"type": "integer"},
            "segments": {"type": "integer"},
            "digest": {
                "type": "string",
                "description": "blake3:<hex> of the whole image; images protected before "
                "chunk_list_digest existed only",
            },
            "chunk_list_digest": {
                "type": "string",
                "description": "blake3:<hex> of the image's chunk hashes (32 bytes each) in order",
            },
            "consistency": {"type": "string", "enum": ["frozen", "snapshot", "live"]},
            "bytes_read": {"type": "integer"},
            "hole_bytes": {"type": "integer"},
            "zero_bytes": {"type": "integer"},
            "chunks": {"type": "integer"},
            "new_chunks": {"type": "integer"},
            "new_bytes": {"type": "integer"},
            "seconds": {"type": "number"},
        },
    }

    def __init__(self) -> None:
        self.devices = configured_devices()

    def _configured(self, resource_id: str) -> str:
        if not os.path.isabs(resource_id):
            raise invalid_argument(
                f"device {resource_id!r} is not an absolute path",
                {"resource_id": "must be an absolute path"},
            )
        path = os.path.normpath(resource_id)
        if path in self.devices:
            return path
        real = os.path.realpath(path)
        for device in self.devices:
            if os.path.realpath(device) == real:
                return device
        raise not_found(RESOURCE_TYPE, f"{resource_id} (not a configured device)")

    async def _resource(self, path: str) -> Resource:
        try:
            extra = await in_thread(describe, path)
        except FileNotFoundError:
            raise not_found(RESOURCE_TYPE, path) from None
        except OSError as error:
            extra = {"error": f"cannot open {path}: {error.strerror}"}
        return Resource(type=RESOURCE_TYPE, id=path, name=os.path.basename(path), extra_info=extra)

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        found = []
        for path in self.devices:
            with contextlib.suppress(RpcError):
                found.append(await self._resource(path))
        return found

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        return await self._resource(self._configured(resource_id))

    # -- protect ---------------------------------------------------------------------------------
    async def protect_main(self, hook: Hook) -> None:
        device = self._configured(hook.resource.id)
        params = hook.parameters
        timeout = float(params.get("command_timeout") or COMMAND_TIMEOUT)
        env = {"SMAUG_DEVICE": device}
        chunk_size = configured_chunk_size()
        freeze, thaw = params.get("freeze_command"), params.get("thaw_command")
        snapshot, release = params.get("snapshot_command"), params.get("release_command")
        if snapshot and freeze:
            raise PluginError(
                f"protect of {device}: give snapshot_command or freeze_command, not both"
            )
        consistency = "frozen" if freeze else "snapshot" if snapshot else "live"
        undo: tuple[Any, str, dict[str, str]] | None = None
        try:
            source = device
            if snapshot:
                out = await run_command(snapshot, "snapshot_command", device, timeout, env)
                lines = [line.strip() for line in out.splitlines() if line.strip()]
                source = lines[-1] if lines else ""
                if release:
                    undo = (release, "release_command", {**env, "SMAUG_SNAPSHOT": source})
                if not os.path.isabs(source) or not os.path.exists(source):
                    raise PluginError(
                        f"snapshot_command for {device} printed {source!r}, not the absolute "
                        "path of an existing device or file to read"
                    )
            elif freeze:
                if thaw:  # thawed even if the freeze command fails or is killed half-way
                    undo = (thaw, "thaw_command", env)
                await run_command(freeze, "freeze_command", device, timeout, env)
            info = await protect_device(
                source,
                hook.bank_section,
                hook.progress,
                chunk_size=chunk_size,
                name=device,
                consistency=consistency,
            )
        except BaseException as error:
            if undo is not None:
                try:
                    await _shielded(run_command(undo[0], undo[1], device, timeout, undo[2]))
                except PluginError as undo_error:
                    if isinstance(error, PluginError):
                        raise PluginError(f"{error.message}; then {undo_error.message}") from None
                    log.error("%s (after %r)", undo_error.message, error)
            raise
        if undo is not None:
            try:
                await _shielded(run_command(undo[0], undo[1], device, timeout, undo[2]))
            except PluginError as error:
                raise PluginError(f"{error.message}; the copy itself was made") from None
        rate = info.size / max(info.seconds, 1e-3)
        reason = (
            f"protected {device} ({human(info.size)}, {info.size} bytes) at {human(rate)}/s: "
            f"read {info.bytes_read} bytes, skipped {info.hole_bytes} bytes of holes, "
            f"{info.zero_bytes} zero bytes; uploaded {info.new_chunks} new chunks, "
            f"{info.new_bytes} bytes; digest {info.check_digest}"
        )
        if consistency == "live":
            reason += f"; {LIVE_WARNING}"
        else:
            reason += f"; consistency: {consistency}"
        hook.state.update(
            {
                k: getattr(info, k)
                for k in ("size", "digest", "chunk_list_digest", "consistency", "new_bytes")
            }
        )
        hook.state["reason"] = hook.reason = reason

    # -- restore and verify ----------------------------------------------------------------------
    async def restore_main(self, hook: Hook) -> None:
        target = str(hook.parameters.get("target") or hook.restore_target or "")
        overwrite = bool(hook.parameters.get("overwrite", False))
        if target:
            target = os.path.normpath(target) if os.path.isabs(target) else target
        info = await restore_device(hook.bank_section, target, hook.progress, overwrite=overwrite)
        hook.new_resource_id = target
        reason = (
            f"restored {info.device} ({human(info.size)}, {info.size} bytes) into {target}; "
            f"size and digest {info.check_digest} checked"
        )
        hook.state["reason"] = hook.reason = reason

    async def verify_main(self, hook: Hook) -> None:
        info = await verify_image(hook.bank_section, hook.progress)
        reason = (
            f"verified {info.device}: {info.size} bytes in {info.segments} segments re-read and "
            f"checked; digest {info.check_digest} matches"
        )
        hook.state["reason"] = hook.reason = reason

    # -- copy and delete -------------------------------------------------------------------------
    async def copy_main(self, hook: Hook) -> None:
        """Copy chunk for chunk (the same fixed boundaries, so the destination bank dedups
        the next protect of the device against the copy); only chunks it lacks are sent."""
        channel = _channel_for(hook.copy_bank_section, None)
        try:
            async with SectionClient(hook.bank_section) as source:
                info = await read_image_info(source)
                writer = _Writer(channel, hook.copy_bank_section)
                meter = Meter(hook.progress, "copied", info.device, info.size)
                try:
                    for index in range(info.segments):
                        name = segment_name(index)
                        manifest = await source.stream_manifest(name)
                        refs = iter(manifest.chunks)
                        async for data in source.read_stream(name):
                            await writer.add(next(refs).hash, data)
                            await meter.add(len(data))
                        await writer.commit(name)
                finally:
                    await writer.abort()
                destination = SectionClient(hook.copy_bank_section, channel=channel)
                for key in await source.list_objects():
                    await destination.put_object(key, await source.get_object(key))
        finally:
            await channel.close()
        await meter.add(0, force=True)
        hook.state["reason"] = hook.reason = (
            f"copied {info.device}: {meter.done} bytes, {writer.new_chunks} chunks sent"
        )

    async def delete_main(self, hook: Hook) -> None:
        """Nothing outside the bank: deleting the checkpoint drops the section."""

    async def _carry_reason(self, hook: Hook) -> None:
        hook.reason = str(hook.state.get("reason", ""))

    protect_complete = restore_complete = verify_complete = copy_complete = _carry_reason


def main() -> None:
    PluginServer(name="smaug-blockdev", vendor="Smaug", version="0.1.0").register(
        BlockDevices
    ).serve()


if __name__ == "__main__":
    main()
