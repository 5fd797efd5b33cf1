"""smaug.bank.v1.BankService: plugins' access to their own section of a checkpoint.

The protection service hosts BankServicer on its gRPC server:

    servicer = BankServicer({"default": bank}, SectionTokenVerifier(secret))
    bank_pb2_grpc.add_BankServiceServicer_to_server(servicer, server)

and hands each hook a BankSection whose token comes from `issue_section_token`. The server (and
clients) need GRPC_MESSAGE_OPTIONS: a chunk is up to 8 MiB, above gRPC's 4 MiB default.

Every call checks the token first (malformed: INVALID_ARGUMENT; forged, expired or for another
bank: PERMISSION_DENIED), then confines keys to the token's section. Writes through a read-only
token are PERMISSION_DENIED; bad keys are INVALID_ARGUMENT with a BadRequest field violation.
Bank work runs in threads so the event loop never blocks on storage.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, NoReturn, TypeVar

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from smaug.bank.allocator import keep_freed_buffers
from smaug.bank.bank import Bank
from smaug.bank.checkpoints import IN_FLIGHT
from smaug.bank.chunks import MAX_CHUNK, chunk_hash, is_chunk_hash
from smaug.bank.errors import (
    ChunkCorrupt,
    ChunkMissing,
    InvalidKey,
    ObjectNotFound,
    ReadOnlySection,
)
from smaug.bank.manifests import ChunkRef
from smaug.bank.objects import Section
from smaug.bank.region_access import (
    UNAVAILABLE_REASON,
    OpenRegion,
    RegionFailed,
    RegionUnavailable,
    open_region,
)
from smaug.bank.tokens import SectionGrant, SectionTokenVerifier, TokenError
from smaug.bank.v1 import bank_pb2, bank_pb2_grpc
from smaug.mesh.errors import RpcError, failed_precondition, invalid_argument, not_found

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_OBJECT = 4 * 1024 * 1024
MAX_PAGE = 1000
MAX_MESSAGE = MAX_CHUNK + 1024 * 1024
GRPC_MESSAGE_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE),
    ("grpc.max_send_message_length", MAX_MESSAGE),
]
#: Parallel bank operations per UploadChunks / ReadChunks call (on the bank's own thread pool,
#: sized for its backend: the default executor has only cpu_count + 4 threads for everything).
CALL_PARALLELISM = 4


class _Recent:
    """Chunk hashes this process stored or found present lately (saves CommitStream lookups)."""

    def __init__(self, limit: int = 200_000) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._limit = limit

    def add(self, chunk: str) -> None:
        self._seen[chunk] = None
        self._seen.move_to_end(chunk)
        while len(self._seen) > self._limit:
            self._seen.popitem(last=False)

    def __contains__(self, chunk: object) -> bool:
        return chunk in self._seen


def _denied(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.PERMISSION_DENIED, message)


def _region_failed(error: RegionFailed) -> RpcError:
    # Storing a chunk twice is harmless, so the whole call may be retried, inline or not.
    return RpcError(
        grpc.StatusCode.ABORTED,
        f"{error}; retry the call (SMAUG_BANK_SHARED_MEMORY=0 keeps chunks in the messages)",
    )


class BankServicer(bank_pb2_grpc.BankServiceServicer):
    def __init__(self, banks: Mapping[str, Bank], verifier: SectionTokenVerifier) -> None:
        # Kept, not copied: the protection service adds banks (projects' accounts) while serving.
        self._banks = banks
        self._verifier = verifier
        # Per bank, made on first use (accounts' banks appear while serving).
        self._recent: dict[str, _Recent] = {}
        # Hashes FindMissingChunks answered as missing: their upload skips a second lookup.
        self._missing: dict[str, _Recent] = {}
        keep_freed_buffers()  # chunk-sized buffers by the thousand: reuse, don't page-fault
        # Chunk hash -> size of every stream of a section, for ReadChunks' checks and layout.
        self._section_hashes: OrderedDict[tuple[str, str, str], dict[str, int]] = OrderedDict()
        self._local = threading.local()

    # -- plumbing --------------------------------------------------------------------------
    def _open(self, token: str, *, write: bool) -> tuple[SectionGrant, Bank]:
        try:
            grant = self._verifier.verify(token)
        except TokenError as error:
            if error.invalid:
                raise invalid_argument(str(error), {"section": str(error)}) from None
            raise _denied(str(error)) from None
        bank = self._banks.get(grant.bank)
        if bank is None:
            raise _denied(f"section token names bank {grant.bank!r}, which this server lacks")
        if write and grant.read_only:
            raise _denied(
                f"section {grant.section!r} of checkpoint {grant.checkpoint_id} is read-only "
                "for this operation; writes are only allowed while protecting"
            )
        return grant, bank

    def _recent_of(self, bank_name: str) -> _Recent:
        return self._recent.setdefault(bank_name, _Recent())

    def _missing_of(self, bank_name: str) -> _Recent:
        return self._missing.setdefault(bank_name, _Recent(50_000))

    @staticmethod
    def _objects(grant: SectionGrant, bank: Bank) -> Section:
        return bank.checkpoints.objects(
            grant.checkpoint_id, grant.section, read_only=grant.read_only
        )

    async def _run(
        self, context: grpc.aio.ServicerContext[Any, Any], work: Callable[[], Awaitable[T]]
    ) -> T:
        try:
            return await work()
        except RpcError as error:
            await self._abort(context, error)
        except InvalidKey as error:
            # The rule starts with the name of what was checked (keys.validate_key's `field`).
            checked = error.rule.split(" ", 1)[0]
            field = {"marker": "page_token", "stream": "name"}.get(checked, checked)
            if field not in ("key", "prefix", "name", "page_token", "section"):
                field = "key"
            await self._abort(context, invalid_argument(str(error), {field: error.rule}))
        except ReadOnlySection as error:
            await self._abort(context, _denied(str(error)))
        except ObjectNotFound as error:
            await self._abort(context, not_found("object", error.key))
        except ChunkMissing as error:
            await self._abort(
                context, failed_precondition(str(error), error.chunk_hash, "CHUNK_MISSING")
            )
        except ChunkCorrupt as error:
            await self._abort(context, RpcError(grpc.StatusCode.DATA_LOSS, str(error)))
        except RegionFailed as error:
            await self._abort(context, _region_failed(error))
        raise AssertionError("unreachable")

    @staticmethod
    async def _abort(context: grpc.aio.ServicerContext[Any, Any], error: RpcError) -> NoReturn:
        await context.abort_with_status(error.to_status())
        raise AssertionError("abort returned")

    # -- objects ---------------------------------------------------------------------------
    async def GetObject(
        self, request: bank_pb2.GetObjectRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bank_pb2.GetObjectResponse:
        async def work() -> bank_pb2.GetObjectResponse:
            grant, bank = self._open(request.section, write=False)
            section = self._objects(grant, bank)
            data, info = await asyncio.to_thread(section.get_with_info, request.key)
            stamp = Timestamp()
            stamp.FromNanoseconds(int(info.modified * 1e9))
            return bank_pb2.GetObjectResponse(data=data, update_time=stamp)

        return await self._run(context, work)

    async def PutObject(
        self, request: bank_pb2.PutObjectRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bank_pb2.PutObjectResponse:
        async def work() -> bank_pb2.PutObjectResponse:
            grant, bank = self._open(request.section, write=True)
            if len(request.data) > MAX_OBJECT:
                raise invalid_argument(
                    f"object {request.key!r} is {len(request.data)} bytes; objects hold at most "
                    f"{MAX_OBJECT} bytes, write larger data as a stream",
                    {"data": f"at most {MAX_OBJECT} bytes"},
                )
            await asyncio.to_thread(self._objects(grant, bank).put, request.key, request.data)
            return bank_pb2.PutObjectResponse()

        return await self._run(context, work)

    async def DeleteObject(
        self, request: bank_pb2.DeleteObjectRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bank_pb2.DeleteObjectResponse:
        async def work() -> bank_pb2.DeleteObjectResponse:
            grant, bank = self._open(request.section, write=True)
            await asyncio.to_thread(self._objects(grant, bank).delete, request.key)
            return bank_pb2.DeleteObjectResponse()

        return await self._run(context, work)

    async def ListObjects(
        self, request: bank_pb2.ListObjectsRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bank_pb2.ListObjectsResponse:
        async def work() -> bank_pb2.ListObjectsResponse:
            grant, bank = self._open(request.section, write=False)
            if request.page_size < 0:
                raise invalid_argument("page_size must not be negative", {"page_size": ">= 0"})
            size = min(request.page_size or MAX_PAGE, MAX_PAGE)
            marker = None
            if request.page_token:
                try:
                    marker = base64.urlsafe_b64decode(request.page_token.encode()).decode()
                except (binascii.Error, UnicodeDecodeError, ValueError):
                    raise invalid_argument(
                        "page_token is not one this server issued; pass next_page_token back "
                        "unchanged",
                        {"page_token": "malformed"},
                    ) from None
            keys = await asyncio.to_thread(
                self._objects(grant, bank).list, request.prefix, marker=marker, limit=size + 1
            )
            token = ""
            if len(keys) > size:
                keys = keys[:size]
                token = base64.urlsafe_b64encode(keys[-1].encode()).decode()
            return bank_pb2.ListObjectsResponse(keys=keys, next_page_token=token)

        return await self._run(context, work)

    # -- chunks and streams ----------------------------------------------------------------
    @staticmethod
    def _check_hashes(hashes: Any, field: str) -> None:
        for index, value in enumerate(hashes):
            if not is_chunk_hash(value):
                raise invalid_argument(
                    f"{field}[{index}] {value!r} is not a lowercase hex BLAKE3-256 hash",
                    {f"{field}[{index}]": "64 lowercase hex digits"},
                )

    async def FindMissingChunks(
        self,
        request: bank_pb2.FindMissingChunksRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> bank_pb2.FindMissingChunksResponse:
        async def work() -> bank_pb2.FindMissingChunksResponse:
            grant, bank = self._open(request.section, write=True)
            hashes = list(request.hashes)
            self._check_hashes(hashes, "hashes")
            meta = await asyncio.to_thread(bank.checkpoints.get, grant.checkpoint_id)
            if meta.status in IN_FLIGHT:
                # Registered before looking, so a concurrent GC keeps what we find (gc.py).
                await asyncio.to_thread(bank.register_pending, grant.checkpoint_id, hashes)
            refresh = bank.clock() - bank.gc_grace / 2
            recent = self._recent_of(grant.bank)

            absent = self._missing_of(grant.bank)

            def lookup() -> list[str]:
                unique = list(dict.fromkeys(hashes))
                present = bank.pool.map(
                    lambda h: bank.chunks.has(h, refresh_older_than=refresh), unique
                )
                missing = []
                for value, ok in zip(unique, present, strict=True):
                    if ok:
                        recent.add(value)
                    else:
                        missing.append(value)
                        absent.add(value)
                return missing

            return bank_pb2.FindMissingChunksResponse(
                missing_hashes=await asyncio.to_thread(lookup)
            )

        return await self._run(context, work)

    async def UploadChunks(
        self,
        request_iterator: AsyncIterator[bank_pb2.UploadChunksRequest],
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> bank_pb2.UploadChunksResponse:
        async def work() -> bank_pb2.UploadChunksResponse:
            received = stored = stored_bytes = 0
            bank: Bank | None = None
            slots = asyncio.Semaphore(CALL_PARALLELISM)
            # Every task is kept to the end: its result counts, and a failure must reach the
            # caller (a store that failed unseen would surface only as CHUNK_MISSING later).
            tasks: list[asyncio.Task[int]] = []
            failed: list[asyncio.Task[int]] = []

            def note_failure(task: asyncio.Task[int]) -> None:
                if not task.cancelled() and task.exception() is not None:
                    failed.append(task)

            recent: _Recent | None = None
            absent: _Recent | None = None
            loop = asyncio.get_running_loop()

            region: OpenRegion | None = None

            def store(digest: str, carried: bytes | tuple[int, int]) -> int:
                assert bank is not None
                data: bytes | memoryview
                if isinstance(carried, tuple):  # (offset, size) in the caller's region
                    assert region is not None
                    offset, size = carried
                    data = self._buffer()[:size]
                    region.read_into(data, offset)
                else:
                    data = carried
                if digest != chunk_hash(data):
                    raise invalid_argument(
                        f"chunk {digest} does not match its data (BLAKE3-256 of the data "
                        "differs); send the plaintext with its own hash",
                        {"chunk.hash": "must be the BLAKE3-256 of chunk.data"},
                    )
                # Just reported missing: skip the existence check (a chunk stored meanwhile by
                # another writer is only written again, with the same content).
                known_missing = absent is not None and digest in absent
                # Deferred: durable and visible at the CommitStream that refers to it.
                stored = bank.chunks.put(digest, data, known_missing=known_missing, deferred=True)
                return stored.stored

            placed: list[tuple[str, tuple[int, int]]] = []

            def store_all(chunks: list[tuple[str, tuple[int, int]]]) -> list[int]:
                return [store(digest, carried) for digest, carried in chunks]

            async def one(digest: str, data: bytes | tuple[int, int]) -> int:
                try:
                    assert bank is not None
                    written = await loop.run_in_executor(bank.pool, store, digest, data)
                    if recent is not None:
                        recent.add(digest)
                    return written
                finally:
                    slots.release()

            try:
                async for message in request_iterator:
                    if bank is None:
                        grant, bank = self._open(message.section, write=True)
                        recent = self._recent_of(grant.bank)
                        absent = self._missing_of(grant.bank)
                        if message.HasField("region"):
                            region = await self._shared_source(context, message.region)
                    chunk = message.chunk
                    if not is_chunk_hash(chunk.hash):
                        raise invalid_argument(
                            f"chunk hash {chunk.hash!r} is not lowercase hex BLAKE3-256",
                            {"chunk.hash": "64 lowercase hex digits"},
                        )
                    data: bytes | tuple[int, int] = chunk.data
                    if message.HasField("placed"):
                        data = self._placed(region, chunk.hash, message.placed)
                    elif len(chunk.data) > MAX_CHUNK:
                        raise invalid_argument(
                            f"chunk {chunk.hash} is {len(chunk.data)} bytes, over {MAX_CHUNK}",
                            {"chunk.data": f"at most {MAX_CHUNK} bytes"},
                        )
                    received += 1
                    if isinstance(data, tuple) and not bank.backend.latency_bound:
                        placed.append((chunk.hash, data))  # stored by one thread, below
                        continue
                    await slots.acquire()
                    task = asyncio.create_task(one(chunk.hash, data))
                    tasks.append(task)
                    task.set_name(chunk.hash)
                    task.add_done_callback(note_failure)
                    if failed:
                        failed[0].result()  # the first failure ends the call now
                results = await asyncio.gather(*tasks)
                if placed and bank is not None:
                    # As ReadChunks: a thread handoff per chunk costs more than it gains on a
                    # local bank; the caller keeps several uploads in flight.
                    results += await loop.run_in_executor(bank.pool, store_all, placed)
                    for digest, _ in placed:
                        if recent is not None:
                            recent.add(digest)
                for task_result in results:
                    stored += 1 if task_result else 0
                    stored_bytes += task_result
            finally:
                for task in tasks:
                    task.cancel()
                if region is not None:
                    region.close()
            if bank is None:
                raise invalid_argument(
                    "UploadChunks got no messages; the first must carry the section token",
                    {"section": "required in the first message"},
                )
            return bank_pb2.UploadChunksResponse(
                chunks_received=received, chunks_stored=stored, stored_bytes=stored_bytes
            )

        return await self._run(context, work)

    async def _shared_source(
        self, context: grpc.aio.ServicerContext[Any, Any], region: bank_pb2.SharedRegion
    ) -> OpenRegion:
        try:
            return await self._open_region(context, region, writable=False)
        except RegionUnavailable as error:
            raise failed_precondition(
                f"the bank service cannot read the caller's shared region: {error}; send the "
                "chunks inside the messages instead",
                "region",
                UNAVAILABLE_REASON,
            ) from None

    @staticmethod
    def _placed(
        region: OpenRegion | None, digest: str, placed: bank_pb2.RegionSlice
    ) -> tuple[int, int]:
        if region is None:
            raise invalid_argument(
                f"chunk {digest} is placed in a shared region, but the upload's first message "
                "named none",
                {"region": "required in the first message when chunks are placed"},
            )
        if placed.size > MAX_CHUNK or not region.fits(placed.offset, placed.size):
            raise invalid_argument(
                f"chunk {digest} is placed at bytes {placed.offset}+{placed.size}, outside the "
                f"{region.size}-byte region or over {MAX_CHUNK} bytes",
                {"placed": f"within the region and at most {MAX_CHUNK} bytes"},
            )
        return placed.offset, placed.size

    async def CommitStream(
        self, request: bank_pb2.CommitStreamRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bank_pb2.CommitStreamResponse:
        async def work() -> bank_pb2.CommitStreamResponse:
            grant, bank = self._open(request.section, write=True)
            self._check_hashes([ref.hash for ref in request.chunks], "chunks")
            refs = [ChunkRef(ref.hash, ref.size) for ref in request.chunks]
            recent = self._recent_of(grant.bank)
            manifest = await asyncio.to_thread(
                bank.commit_stream,
                grant.checkpoint_id,
                grant.section,
                request.name,
                refs,
                verified=recent.__contains__,
            )
            self._section_hashes.pop((grant.bank, grant.checkpoint_id, grant.section), None)
            return bank_pb2.CommitStreamResponse(size=manifest.size)

        return await self._run(context, work)

    async def GetStream(
        self, request: bank_pb2.GetStreamRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> bank_pb2.GetStreamResponse:
        async def work() -> bank_pb2.GetStreamResponse:
            grant, bank = self._open(request.section, write=False)
            manifest = await asyncio.to_thread(
                bank.get_manifest, grant.checkpoint_id, grant.section, request.name
            )
            return bank_pb2.GetStreamResponse(
                chunks=[bank_pb2.ChunkRef(hash=r.hash, size=r.size) for r in manifest.chunks],
                size=manifest.size,
            )

        return await self._run(context, work)

    def _hashes_of_section(self, grant: SectionGrant, bank: Bank, fresh: bool) -> dict[str, int]:
        """Size of every chunk of the section's streams, by hash."""
        cache_key = (grant.bank, grant.checkpoint_id, grant.section)
        if not fresh and cache_key in self._section_hashes:
            return self._section_hashes[cache_key]
        streams = bank.checkpoints.streams(grant.checkpoint_id, grant.section, read_only=True)
        found: dict[str, int] = {}
        for name in streams.list("", limit=None):
            key = bank.checkpoints.area(grant.checkpoint_id, "streams", grant.section) + "/" + name
            found.update((ref.hash, ref.size) for ref in bank.manifest_at(key))
        self._section_hashes[cache_key] = found
        while len(self._section_hashes) > 64:
            self._section_hashes.popitem(last=False)
        return found

    def _buffer(self) -> memoryview:
        """This worker thread's chunk-sized buffer (reused: no page faults per chunk)."""
        buffer: bytearray | None = getattr(self._local, "buffer", None)
        if buffer is None:
            buffer = self._local.buffer = bytearray(MAX_CHUNK)
        return memoryview(buffer)

    @staticmethod
    async def _open_region(
        context: grpc.aio.ServicerContext[Any, Any],
        region: bank_pb2.SharedRegion,
        *,
        writable: bool,
    ) -> OpenRegion:
        return await asyncio.to_thread(open_region, context.peer(), region, writable=writable)

    @staticmethod
    def _read_answer(
        value: str, offset: int | None, size: int, data: bytes | memoryview | None
    ) -> bank_pb2.ReadChunksResponse:
        """The answer for one chunk: where it was placed (data None) or its bytes."""
        if data is None:
            assert offset is not None
            return bank_pb2.ReadChunksResponse(
                chunk=bank_pb2.Chunk(hash=value),
                placed=bank_pb2.RegionSlice(offset=offset, size=size),
            )
        payload = data if isinstance(data, bytes) else bytes(data)
        return bank_pb2.ReadChunksResponse(chunk=bank_pb2.Chunk(hash=value, data=payload))

    async def ReadChunks(
        self, request: bank_pb2.ReadChunksRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[bank_pb2.ReadChunksResponse]:
        region: OpenRegion | None = None
        try:
            grant, bank = self._open(request.section, write=False)
            hashes = list(request.hashes)
            self._check_hashes(hashes, "hashes")
            sizes = await asyncio.to_thread(self._hashes_of_section, grant, bank, False)
            if not sizes.keys() >= set(hashes):
                sizes = await asyncio.to_thread(self._hashes_of_section, grant, bank, True)
            outside = [value for value in hashes if value not in sizes]
            if outside:
                raise _denied(
                    f"chunk {outside[0]} is not part of any stream of section "
                    f"{grant.section!r}; a section reads only its own streams"
                )
            if request.HasField("region"):
                try:
                    region = await self._open_region(context, request.region, writable=True)
                except RegionUnavailable as error:
                    log.info("ReadChunks goes inline: %s", error)
            # Where each chunk goes in the region (back to back, in the order asked); None:
            # inline, because there is no region or the chunk does not fit.
            places: list[int | None] = []
            end = 0
            for value in hashes:
                fits = region is not None and region.fits(end, sizes[value])
                places.append(end if fits else None)
                end += sizes[value] if fits else 0
            window: list[tuple[str, int | None, asyncio.Future[bytes | memoryview | None]]] = []
            loop = asyncio.get_running_loop()

            def place(value: str, offset: int) -> bytes | memoryview | None:
                """The chunk written into the region; None, or its bytes if it is not the
                size its manifest says (then it goes inline, where the caller will notice)."""
                assert region is not None
                data = bank.chunks.get_reusing(value)
                if len(data) != sizes[value]:
                    return bytes(data)
                region.write(data, offset)
                return None

            if region is not None and not bank.backend.latency_bound:
                # One thread places the whole call: a handoff per chunk between threads costs
                # more here (GIL and futex traffic) than it gains; the caller's several calls
                # in flight keep the cores busy.
                def place_all() -> list[bytes | memoryview | None]:
                    return [
                        place(value, offset) if offset is not None else bank.chunks.get(value)
                        for value, offset in zip(hashes, places, strict=True)
                    ]

                for value, offset, data in zip(
                    hashes,
                    places,
                    await loop.run_in_executor(bank.pool, place_all),
                    strict=True,
                ):
                    yield self._read_answer(value, offset, sizes[value], data)
                return

            def fetch(value: str, offset: int | None) -> None:
                task: asyncio.Future[bytes | memoryview | None]
                if offset is None:
                    task = loop.run_in_executor(bank.pool, bank.chunks.get, value)
                else:
                    task = loop.run_in_executor(bank.pool, place, value, offset)
                window.append((value, offset, task))

            pending = iter(zip(hashes, places, strict=True))
            try:
                for value, offset in pending:
                    fetch(value, offset)
                    if len(window) >= CALL_PARALLELISM:
                        break
                while window:
                    value, offset, task = window.pop(0)
                    data = await task
                    following = next(pending, None)
                    if following is not None:
                        fetch(*following)
                    yield self._read_answer(value, offset, sizes[value], data)
            finally:
                for _, _, task in window:
                    task.cancel()
        except RpcError as error:
            await self._abort(context, error)
        except (ChunkCorrupt, ChunkMissing) as error:
            code = grpc.StatusCode.DATA_LOSS
            await self._abort(context, RpcError(code, str(error)))
        except InvalidKey as error:
            await self._abort(context, invalid_argument(str(error), {"section": error.rule}))
        except RegionFailed as error:
            await self._abort(context, _region_failed(error))
        finally:
            if region is not None:
                region.close()
