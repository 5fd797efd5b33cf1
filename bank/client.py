"""SectionClient: what a plugin uses to read and write its bank section over gRPC.

    async with SectionClient(request.bank_section) as bank:
        size = await bank.write_stream("data", open(path, "rb"))
        async for block in bank.read_stream("data"):
            ...

write_stream cuts the data into chunks here (the same content-defined chunking the bank uses),
asks the bank which chunks it lacks and uploads only those, several batches at a time;
read_stream fetches chunks with several ReadChunks calls in flight and yields them in order,
checking each against its hash. Memory stays bounded by batch size x parallelism.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Sequence
from types import TracebackType
from typing import IO, Any, Protocol

import grpc

from smaug.bank.chunking import Chunker, ChunkingParams
from smaug.bank.chunks import chunk_hash
from smaug.bank.errors import ChunkCorrupt, ObjectNotFound
from smaug.bank.region_access import UNAVAILABLE_REASON
from smaug.bank.regions import RegionPool, pool_for
from smaug.bank.service import GRPC_MESSAGE_OPTIONS
from smaug.bank.v1 import bank_pb2, bank_pb2_grpc
from smaug.bank.wire import (
    decode_read_chunk,
    placed_upload_messages,
    read_chunks,
    upload_chunks,
    upload_messages,
)
from smaug.mesh.errors import precondition_types

READ_BLOCK = 4 * 1024 * 1024
BATCH_BYTES = 32 * 1024 * 1024
READ_GROUP_BYTES = 8 * 1024 * 1024

Source = bytes | bytearray | memoryview | IO[bytes] | AsyncIterable[bytes] | Iterable[bytes]


class ChunkGroup(list[tuple[str, memoryview]]):
    """(hash, data) of consecutive chunks from one ReadChunks call. The data may be views into a
    shared region (regions.py): call release() once done with them, so the region serves the
    next call; until then they stay valid. Releasing twice is harmless.

    ``region`` is then the region's memory (page-aligned) and ``spans[i]`` the offset of chunk
    i in it (-1 for a chunk that came inside its message): chunks placed back to back are one
    contiguous run of memory, which a writer can hand to the kernel without copying. Placed
    chunks were verified by the bank service as it read them and came through memory only it
    and we share; chunks that came inline crossed the network."""

    def __init__(
        self,
        chunks: Iterable[tuple[str, memoryview]],
        release: Callable[[], None] | None = None,
        *,
        region: memoryview | None = None,
        spans: Sequence[int] = (),
    ) -> None:
        super().__init__(chunks)
        self._release = release
        self.region = region
        self.spans = list(spans) or [-1] * len(self)

    def release(self) -> None:
        release, self._release = self._release, None
        if release is not None:
            release()


def _region_refused(error: grpc.aio.AioRpcError) -> bool:
    return (
        error.code() == grpc.StatusCode.FAILED_PRECONDITION
        and UNAVAILABLE_REASON in precondition_types(error)
    )


async def upload_batch(
    upload: Any,
    token: str,
    chunks: list[tuple[str, bytes | memoryview]],
    regions: RegionPool | None,
) -> None:
    """One UploadChunks call for ``chunks`` (``upload``: wire.upload_chunks of the channel).
    Through a shared region when the pool has one: the chunks are copied into it and ``chunks``
    is emptied, so the caller's buffers can go while the upload runs (else the data would be
    held twice); nothing goes through gRPC but hashes and offsets. Inline otherwise, or when the
    bank service cannot use the region (sent from the region then; the pool stops offering
    regions)."""
    need = sum(len(data) for _, data in chunks)
    region = regions.acquire(need) if regions is not None else None
    if region is None:
        await upload(upload_messages(token, chunks))
        return
    assert regions is not None
    try:

        def copy_in() -> list[tuple[str, int, int]]:
            placed = []
            at = 0
            for digest, data in chunks:
                region.view[at : at + len(data)] = data
                placed.append((digest, at, len(data)))
                at += len(data)
            return placed

        placed = await asyncio.to_thread(copy_in)
        chunks.clear()
        try:
            await upload(placed_upload_messages(token, region.message(need), placed))
        except grpc.aio.AioRpcError as error:
            if not _region_refused(error):
                raise
            regions.refuse()
            inline = [(digest, region.view[at : at + size]) for digest, at, size in placed]
            await upload(upload_messages(token, inline))
    except BaseException:
        regions.discard(region)
        raise
    regions.release(region)


class SectionLike(Protocol):
    """smaug.plugin.v1.BankSection or anything with the same fields."""

    @property
    def address(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def read_only(self) -> bool: ...


async def _blocks(source: Source) -> AsyncIterator[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        view = memoryview(source)
        for offset in range(0, len(view), READ_BLOCK):
            yield bytes(view[offset : offset + READ_BLOCK])
    elif hasattr(source, "read"):
        reader: IO[bytes] = source  # type: ignore[assignment]
        while block := await asyncio.to_thread(reader.read, READ_BLOCK):
            yield block
    elif isinstance(source, AsyncIterable):
        async for block in source:
            yield bytes(block)
    else:
        for block in source:
            yield bytes(block)


class SectionClient:
    def __init__(
        self,
        section: SectionLike,
        *,
        channel: grpc.aio.Channel | None = None,
        parallelism: int = 4,
        chunking: ChunkingParams | None = None,
    ) -> None:
        self.section = section
        self._own_channel = channel is None
        self._channel = channel or grpc.aio.insecure_channel(
            section.address, options=GRPC_MESSAGE_OPTIONS
        )
        self._stub = bank_pb2_grpc.BankServiceStub(self._channel)
        self._read_chunks = read_chunks(self._channel)  # raw answers: chunk data not copied
        self._upload = upload_chunks(self._channel)  # hand-encoded messages (wire.py)
        self._parallelism = max(1, parallelism)
        self._chunking = chunking
        # Chunk bytes through shared memory when the bank service is on this host (regions.py).
        self.regions = pool_for(section.address)

    def __repr__(self) -> str:  # the token is a credential: never print it
        mode = "ro" if self.section.read_only else "rw"
        return f"SectionClient({self.section.address!r}, {mode})"

    async def __aenter__(self) -> SectionClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self.regions is not None:
            self.regions.close()
        if self._own_channel:
            await self._channel.close()

    # -- objects ---------------------------------------------------------------------------
    async def put_object(self, key: str, data: bytes) -> None:
        await self._stub.PutObject(
            bank_pb2.PutObjectRequest(section=self.section.token, key=key, data=data)
        )

    async def get_object(self, key: str) -> bytes:
        try:
            answer = await self._stub.GetObject(
                bank_pb2.GetObjectRequest(section=self.section.token, key=key)
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                raise ObjectNotFound(key) from None
            raise
        return bytes(answer.data)

    async def delete_object(self, key: str) -> None:
        await self._stub.DeleteObject(
            bank_pb2.DeleteObjectRequest(section=self.section.token, key=key)
        )

    async def list_objects(self, prefix: str = "", *, page_size: int = 0) -> list[str]:
        keys: list[str] = []
        token = ""
        while True:
            answer = await self._stub.ListObjects(
                bank_pb2.ListObjectsRequest(
                    section=self.section.token,
                    prefix=prefix,
                    page_size=page_size,
                    page_token=token,
                )
            )
            keys.extend(answer.keys)
            token = answer.next_page_token
            if not token:
                return keys

    # -- streams ---------------------------------------------------------------------------
    async def write_stream(self, name: str, source: Source) -> int:
        """Store `source` as the stream `name`; returns its size in bytes."""
        chunker = Chunker(self._chunking)
        refs: list[bank_pb2.ChunkRef] = []
        sent: set[str] = set()
        uploads: set[asyncio.Task[None]] = set()
        slots = asyncio.Semaphore(self._parallelism)
        batch: list[memoryview] = []
        batch_bytes = 0

        def forget_if_succeeded(task: asyncio.Task[None]) -> None:
            # A failed upload stays until the checks below raise its error.
            if not task.cancelled() and task.exception() is None:
                uploads.discard(task)

        async def upload(chunks: list[tuple[str, bytes | memoryview]]) -> None:
            try:
                await upload_batch(self._upload, self.section.token, chunks, self.regions)
            finally:
                slots.release()

        async def flush() -> None:
            nonlocal batch, batch_bytes
            chunks, batch, batch_bytes = batch, [], 0
            hashes = await asyncio.to_thread(lambda: [chunk_hash(data) for data in chunks])
            refs.extend(
                bank_pb2.ChunkRef(hash=digest, size=len(data))
                for digest, data in zip(hashes, chunks, strict=True)
            )
            offered = [digest for digest in dict.fromkeys(hashes) if digest not in sent]
            if not offered:
                return
            answer = await self._stub.FindMissingChunks(
                bank_pb2.FindMissingChunksRequest(section=self.section.token, hashes=offered)
            )
            sent.update(offered)
            missing = set(answer.missing_hashes)
            todo = {d: c for d, c in zip(hashes, chunks, strict=True) if d in missing}
            if todo:
                for task in [t for t in uploads if t.done()]:
                    task.result()
                await slots.acquire()
                owned: list[tuple[str, bytes | memoryview]] = list(todo.items())
                task = asyncio.create_task(upload(owned))
                uploads.add(task)
                task.add_done_callback(forget_if_succeeded)

        try:
            async for block in _blocks(source):
                for data in await asyncio.to_thread(chunker.feed, block):
                    batch.append(data)
                    batch_bytes += len(data)
                if batch_bytes >= BATCH_BYTES:
                    await flush()
            batch.extend(chunker.finish())
            if batch:
                await flush()
            await asyncio.gather(*uploads)
        finally:
            for task in uploads:
                task.cancel()
        answer = await self._stub.CommitStream(
            bank_pb2.CommitStreamRequest(section=self.section.token, name=name, chunks=refs)
        )
        return int(answer.size)

    async def stream_manifest(self, name: str) -> bank_pb2.GetStreamResponse:
        return await self._stub.GetStream(
            bank_pb2.GetStreamRequest(section=self.section.token, name=name)
        )

    async def read_stream(self, name: str) -> AsyncIterator[bytes]:
        """The stream's bytes in order, chunk by chunk, verified; fetched in parallel."""
        async for group in self.read_chunk_groups(name):
            try:
                for _, data in group:
                    yield bytes(data)
            finally:
                group.release()

    async def read_chunk_groups(
        self, name: str, *, verify: bool = True
    ) -> AsyncIterator[ChunkGroup]:
        """The stream's chunks in order, in ChunkGroups of about READ_GROUP_BYTES, one per
        ReadChunks call, several calls in flight; the data are views (no copy) into the message
        they came in or into a shared region: release() each group when done with it. Chunks
        that came inside a message are checked against their hash here, unless ``verify=False``:
        the caller must then check them itself (``check_chunk``; ``ChunkGroup.spans`` tells which
        they are), for instance in a worker thread, so the event loop does not spend its time
        hashing. Placed chunks were checked by the bank service as it read them, on this host,
        and are not hashed again."""
        manifest = await self.stream_manifest(name)
        groups: list[list[tuple[str, int]]] = []
        size = 0
        for ref in manifest.chunks:
            if not groups or size >= READ_GROUP_BYTES:
                groups.append([])
                size = 0
            groups[-1].append((ref.hash, ref.size))
            size += ref.size

        async def fetch(refs: list[tuple[str, int]]) -> ChunkGroup:
            hashes = [digest for digest, _ in refs]
            need = sum(size for _, size in refs)
            regions = self.regions
            region = regions.acquire(need) if regions is not None else None
            request = bank_pb2.ReadChunksRequest(section=self.section.token, hashes=hashes)
            if region is not None:
                request.region.CopyFrom(region.message(need))
            out: list[tuple[str, memoryview]] = []
            spans: list[int] = []
            end = 0  # where the next placed chunk must start
            try:
                async for message in self._read_chunks(request):
                    if len(out) == len(refs):
                        raise ChunkCorrupt(hashes[-1], self.section.address, "too many chunks")
                    expected, expected_size = refs[len(out)]
                    digest, data, placed = decode_read_chunk(message)
                    if digest != expected:
                        raise ChunkCorrupt(expected, self.section.address, "received another chunk")
                    span = -1
                    if placed is not None:
                        offset, length = placed
                        if region is None:
                            raise ChunkCorrupt(
                                expected, self.section.address, "placed, but no region offered"
                            )
                        # Back to back in the order asked, as the contract says: a chunk placed
                        # over another would otherwise go unnoticed (placed chunks are not
                        # hashed again here).
                        if offset != end or length != expected_size or end + length > need:
                            raise ChunkCorrupt(
                                expected,
                                self.section.address,
                                f"placed at {offset}+{length}; expected {end}+{expected_size}",
                            )
                        data = region.view[offset : offset + length]
                        span = offset
                        end += length
                    if verify and span < 0:  # placed chunks: the service checked them here
                        self.check_chunk(expected, data)
                    out.append((expected, data))
                    spans.append(span)
                if len(out) != len(refs):
                    raise ChunkCorrupt(hashes[len(out)], self.section.address, "stream ended early")
            except BaseException:
                if region is not None:
                    assert regions is not None
                    regions.discard(region)
                raise
            if region is None:
                return ChunkGroup(out)
            assert regions is not None
            if refs and max(spans) < 0:
                regions.refuse()  # the service answered inline: it cannot use our regions
                regions.release(region)
                return ChunkGroup(out)
            return ChunkGroup(out, lambda: regions.release(region), region=region.view, spans=spans)

        window: list[asyncio.Task[ChunkGroup]] = []
        pending = iter(groups)
        try:
            for group in pending:
                window.append(asyncio.create_task(fetch(group)))
                if len(window) >= self._parallelism:
                    break
            while window:
                chunks = await window.pop(0)
                following = next(pending, None)
                if following is not None:
                    window.append(asyncio.create_task(fetch(following)))
                yield chunks
        finally:
            for task in window:
                task.cancel()
            # Every fetch ends (failed, cancelled or done) and every fetched group is released.
            for result in await asyncio.gather(*window, return_exceptions=True):
                if isinstance(result, ChunkGroup):
                    result.release()

    def check_chunk(self, expected: str, data: bytes | memoryview) -> None:
        """ChunkCorrupt unless ``data`` hashes to ``expected`` (the chunk as received)."""
        if chunk_hash(data) != expected:
            raise ChunkCorrupt(expected, self.section.address, "received data mismatch")

    async def read_stream_into(self, name: str, sink: IO[bytes]) -> int:
        written = 0
        async for data in self.read_stream(name):
            await asyncio.to_thread(sink.write, data)
            written += len(data)
        return written
