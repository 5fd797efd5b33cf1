"""The Bank service over a real grpc.aio server, used through the plugin client wrapper."""

from __future__ import annotations

import io
import random
from collections.abc import AsyncIterator

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from smaug.bank.chunks import CHUNK_PREFIX, chunk_hash
from smaug.bank.client import SectionClient
from smaug.bank.errors import ObjectNotFound
from smaug.bank.service import GRPC_MESSAGE_OPTIONS
from smaug.bank.v1 import bank_pb2, bank_pb2_grpc
from support.bank_service import Served

MiB = 1024 * 1024


def _violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    found = {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            found.update({v.field: v.description for v in bad.field_violations})
    return found


async def test_objects(served: Served) -> None:
    async with SectionClient(served.section()) as client:
        await client.put_object("metadata", b'{"size": 1}')
        for n in range(25):
            await client.put_object(f"parts/{n:02d}", b"x")
        assert await client.get_object("metadata") == b'{"size": 1}'
        keys = await client.list_objects("parts/", page_size=10)  # three pages
        assert keys == [f"parts/{n:02d}" for n in range(25)]
        await client.delete_object("metadata")
        with pytest.raises(ObjectNotFound):
            await client.get_object("metadata")
    # confined: stored under the checkpoint's section, invisible from another section
    assert served.bank.checkpoints.objects(served.checkpoint, "resources/volume/v1").list(
        limit=1
    ) == ["parts/00"]
    async with SectionClient(served.section("resources/volume/v2")) as other:
        assert await other.list_objects() == []


async def test_stream_round_trip_dedup_and_parallel_read(served: Served) -> None:
    data = random.Random(1).randbytes(40 * MiB) + b"abc" * MiB
    async with SectionClient(served.section(), parallelism=3) as client:
        assert await client.write_stream("data", io.BytesIO(data)) == len(data)
        chunks_after_first = len(served.bank.backend.list(CHUNK_PREFIX, limit=None))
        out = b"".join([block async for block in client.read_stream("data")])
        assert out == data
        # the same data again under another name uploads nothing new
        assert await client.write_stream("again", data) == len(data)
        assert len(served.bank.backend.list(CHUNK_PREFIX, limit=None)) == chunks_after_first
        manifest = await client.stream_manifest("again")
        assert manifest.size == len(data) and len(manifest.chunks) > 5
    restored = b"".join(served.bank.read_stream(served.checkpoint, "resources/volume/v1", "data"))
    assert restored == data
    async with SectionClient(served.section(read_only=True)) as reader:
        sink = io.BytesIO()
        assert await reader.read_stream_into("again", sink) == len(data)
        assert sink.getvalue() == data


async def test_upload_dedups_against_bank(served: Served) -> None:
    """FindMissingChunks reports only what the bank lacks, and the upload sends only that."""
    stub = bank_pb2_grpc.BankServiceStub(grpc.aio.insecure_channel(served.address))
    token = served.section().token
    known, fresh = b"k" * 1000, b"f" * 1000
    served.bank.chunks.put(chunk_hash(known), known)
    answer = await stub.FindMissingChunks(
        bank_pb2.FindMissingChunksRequest(
            section=token, hashes=[chunk_hash(known), chunk_hash(fresh)]
        )
    )
    assert list(answer.missing_hashes) == [chunk_hash(fresh)]

    async def upload() -> AsyncIterator[bank_pb2.UploadChunksRequest]:
        yield bank_pb2.UploadChunksRequest(
            section=token, chunk=bank_pb2.Chunk(hash=chunk_hash(fresh), data=fresh)
        )

    stored = await stub.UploadChunks(upload())
    assert (stored.chunks_received, stored.chunks_stored) == (1, 1) and stored.stored_bytes > 0
    committed = await stub.CommitStream(
        bank_pb2.CommitStreamRequest(
            section=token,
            name="s",
            chunks=[bank_pb2.ChunkRef(hash=chunk_hash(h), size=1000) for h in (known, fresh)],
        )
    )
    assert committed.size == 2000

    async def lying() -> AsyncIterator[bank_pb2.UploadChunksRequest]:
        yield bank_pb2.UploadChunksRequest(
            section=token, chunk=bank_pb2.Chunk(hash=chunk_hash(fresh), data=b"not it")
        )

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.UploadChunks(lying())
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "chunk.hash" in _violations(caught.value)


async def test_permissions_and_validation(served: Served) -> None:
    stub = bank_pb2_grpc.BankServiceStub(grpc.aio.insecure_channel(served.address))
    read_only = served.section(read_only=True).token
    writable = served.section().token

    async def code_of(call: object) -> grpc.aio.AioRpcError:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await call  # type: ignore[misc]
        return caught.value

    error = await code_of(stub.PutObject(bank_pb2.PutObjectRequest(section=read_only, key="k")))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED and "read-only" in (
        error.details() or ""
    )
    error = await code_of(
        stub.DeleteObject(bank_pb2.DeleteObjectRequest(section=read_only, key="k"))
    )
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = await code_of(stub.PutObject(bank_pb2.PutObjectRequest(section=writable, key="../x")))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "key" in _violations(error)
    error = await code_of(
        stub.ListObjects(bank_pb2.ListObjectsRequest(section=writable, prefix="a//"))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "prefix" in _violations(error)
    error = await code_of(stub.GetObject(bank_pb2.GetObjectRequest(section="junk", key="k")))
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "section" in _violations(error)
    forged = writable[:-4] + ("AAAA" if not writable.endswith("AAAA") else "BBBB")
    error = await code_of(stub.GetObject(bank_pb2.GetObjectRequest(section=forged, key="k")))
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    error = await code_of(stub.GetObject(bank_pb2.GetObjectRequest(section=writable, key="nope")))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    error = await code_of(
        stub.FindMissingChunks(bank_pb2.FindMissingChunksRequest(section=writable, hashes=["XY"]))
    )
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "hashes[0]" in _violations(error)
    missing = chunk_hash(b"never uploaded")
    error = await code_of(
        stub.CommitStream(
            bank_pb2.CommitStreamRequest(
                section=writable, name="s", chunks=[bank_pb2.ChunkRef(hash=missing, size=3)]
            )
        )
    )
    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION and missing in (
        error.details() or ""
    )


async def test_sections_read_only_their_own_chunks(served: Served) -> None:
    secret_data = random.Random(9).randbytes(MiB)
    async with SectionClient(served.section("resources/db/a")) as owner:
        await owner.write_stream("dump", secret_data)
    stub = bank_pb2_grpc.BankServiceStub(
        grpc.aio.insecure_channel(served.address, options=GRPC_MESSAGE_OPTIONS)
    )
    other = served.section("resources/db/b", read_only=True).token
    call = stub.ReadChunks(
        bank_pb2.ReadChunksRequest(section=other, hashes=[chunk_hash(secret_data)])
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        async for _ in call:
            pass
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_corrupt_chunk_fails_the_read_naming_it(served: Served) -> None:
    data = random.Random(4).randbytes(3 * MiB)
    async with SectionClient(served.section()) as client:
        await client.write_stream("data", data)
        manifest = await client.stream_manifest("data")
        victim = manifest.chunks[0].hash
        key = served.bank.chunks.storage_key(victim)
        raw = bytearray(served.bank.backend.get(key))
        raw[10] ^= 0xFF
        served.bank.backend.put(key, bytes(raw))
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for _ in client.read_stream("data"):
                pass
    assert caught.value.code() == grpc.StatusCode.DATA_LOSS
    assert victim in (caught.value.details() or "") and "'test'" in (caught.value.details() or "")
