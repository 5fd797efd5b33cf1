"""Chunk bytes through shared regions (memfds) when plugin and bank service share a host, and
the fall back to bytes inside the messages whenever the service cannot use a region."""

from __future__ import annotations

import concurrent.futures
import io
import os
import random
import socket

import grpc
import pytest

from smaug.bank.bank import Bank
from smaug.bank.chunks import chunk_hash
from smaug.bank.client import SectionClient
from smaug.bank.region_access import RegionUnavailable, open_region
from smaug.bank.regions import Region, RegionPool, same_host
from smaug.bank.service import GRPC_MESSAGE_OPTIONS
from smaug.bank.v1 import bank_pb2, bank_pb2_grpc
from smaug.mesh.errors import field_violations, precondition_types
from support.bank_service import Served, serve_bank

MiB = 1024 * 1024
HASH = "ab" * 32


@pytest.mark.parametrize(
    ("address", "local"),
    [
        ("127.0.0.1:5000", True),
        ("localhost:5000", True),
        ("[::1]:5000", True),
        ("ipv4:127.0.0.1:40000", True),
        ("ipv6:[::1]:40000", True),
        ("ipv6:%5B::1%5D:47954", True),  # how grpc.aio spells an IPv6 loopback peer
        ("unix:/run/smaug/bank.sock", True),
        ("10.1.2.3:5000", False),
        ("ipv4:192.168.1.5:40000", False),
        ("bank.example.org:443", False),
    ],
)
def test_same_host_recognises_loopback_and_unix_addresses(address: str, local: bool) -> None:
    assert same_host(address) is local


def test_the_service_opens_only_a_named_memfd_of_a_local_caller() -> None:
    region = Region(MiB)
    try:
        claimed = region.message(MiB)
        opened = open_region("ipv4:127.0.0.1:1234", claimed, writable=True)
        opened.write(b"hello", 10)
        opened.close()
        assert bytes(region.view[10:15]) == b"hello"
        wrong = [
            ("ipv4:10.0.0.7:1234", claimed, "not on this host"),
            (
                "ipv4:127.0.0.1:1",
                bank_pb2.SharedRegion(pid=os.getpid(), fd=region.fd, name="x", size=1),
                "not smaug-region",
            ),
            (
                "ipv4:127.0.0.1:1",
                bank_pb2.SharedRegion(
                    pid=os.getpid(), fd=region.fd, name="smaug-region-" + "0" * 32, size=1
                ),
                "is not a region this service may use",
            ),
            (
                "ipv4:127.0.0.1:1",
                bank_pb2.SharedRegion(
                    pid=os.getpid(), fd=region.fd, name=region.name, size=2 * MiB
                ),
                "fewer than",
            ),
        ]
        for peer, message, why in wrong:
            with pytest.raises(RegionUnavailable, match=why):
                open_region(peer, message, writable=True)
        # a pipe with no writer, named like the region: refused before any open (which would
        # block a thread of the service for good)
        reader, writer = os.pipe()
        os.close(writer)
        try:
            fifo = bank_pb2.SharedRegion(pid=os.getpid(), fd=reader, name=region.name, size=1)
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                attempt = pool.submit(open_region, "unix:/x", fifo, writable=False)
                with pytest.raises(RegionUnavailable, match="may use"):
                    attempt.result(timeout=5)
        finally:
            os.close(reader)
        # a descriptor that is an ordinary file, named like a region: refused
        with open(os.devnull, "rb") as other:
            fake = bank_pb2.SharedRegion(
                pid=os.getpid(), fd=other.fileno(), name=region.name, size=1
            )
            with pytest.raises(RegionUnavailable, match="is not a region this service may use"):
                open_region("unix:/x", fake, writable=False)
    finally:
        region.close()


def test_the_pool_reuses_regions_and_never_waits() -> None:
    pool = RegionPool(limit=2)
    first = pool.acquire(MiB)
    second = pool.acquire(3 * MiB)
    assert first is not None and second is not None
    assert pool.acquire(MiB) is None  # both in use: the caller goes inline
    pool.release(first)
    assert pool.acquire(MiB) is first
    pool.discard(first)  # a failed call's region is never handed out again
    assert pool.count == 1
    pool.release(second)
    pool.refuse()
    assert pool.acquire(MiB) is None
    pool.close()


async def test_streams_move_through_a_region_on_one_host(served: Served) -> None:
    data = random.Random(3).randbytes(20 * MiB) + b"text " * MiB
    async with SectionClient(served.section(), parallelism=3) as client:
        assert client.regions is not None
        assert await client.write_stream("data", io.BytesIO(data)) == len(data)
        assert client.regions.count > 0 and not client.regions.refused
        restored = b"".join([block async for block in client.read_stream("data")])
        assert restored == data
        assert not client.regions.refused
        # every region came back to the pool: none is held after the reads
        assert len(client.regions.free) == client.regions.count


async def test_inline_when_shared_memory_is_switched_off(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMAUG_BANK_SHARED_MEMORY", "0")
    data = random.Random(4).randbytes(3 * MiB)
    async with SectionClient(served.section()) as client:
        assert client.regions is None
        await client.write_stream("data", data)
        assert b"".join([block async for block in client.read_stream("data")]) == data


async def test_a_service_that_cannot_use_the_region_gets_the_chunks_inline(
    bank: Bank,
) -> None:
    """Served on a non-loopback address the caller still reaches (the host's own address),
    the service sees a peer it will not trust with a pid: uploads are refused with
    SHARED_REGION_UNAVAILABLE and resent inline, reads come inline; the data is intact."""
    host = _own_address()
    if host is None:
        pytest.fail("this host has no non-loopback IPv4 address to serve on")
    async with serve_bank(bank, host) as served:
        data = random.Random(5).randbytes(5 * MiB)
        async with SectionClient(served.section()) as client:
            client.regions = RegionPool()  # the address is not loopback: force the attempt
            await client.write_stream("data", data)
            assert client.regions.refused
            client.regions = RegionPool()
            assert b"".join([block async for block in client.read_stream("data")]) == data
            assert client.regions.refused  # answered inline: no more regions offered


async def test_placed_chunks_are_checked(served: Served) -> None:
    region = Region(MiB)
    channel = grpc.aio.insecure_channel(served.address, options=GRPC_MESSAGE_OPTIONS)
    stub = bank_pb2_grpc.BankServiceStub(channel)
    token = served.section().token
    try:
        data = random.Random(6).randbytes(4096)
        region.view[: len(data)] = data
        digest = chunk_hash(data)

        def upload(*messages: bank_pb2.UploadChunksRequest) -> object:
            return stub.UploadChunks(iter(messages))

        first = bank_pb2.UploadChunksRequest(section=token, region=region.message(MiB))
        # outside the region
        first.chunk.hash = digest
        first.placed.offset, first.placed.size = MiB - 10, 4096
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await upload(first)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "placed" in field_violations(caught.value)
        # placed, but no region named
        lone = bank_pb2.UploadChunksRequest(section=token, chunk=bank_pb2.Chunk(hash=digest))
        lone.placed.offset, lone.placed.size = 0, 4096
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await upload(lone)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "region" in field_violations(caught.value)
        # a region that is not ours: FAILED_PRECONDITION telling the caller to go inline
        stranger = bank_pb2.UploadChunksRequest(
            section=token,
            chunk=bank_pb2.Chunk(hash=digest),
            region=bank_pb2.SharedRegion(
                pid=os.getpid(), fd=region.fd, name="smaug-region-" + "1" * 32, size=MiB
            ),
        )
        stranger.placed.offset, stranger.placed.size = 0, 4096
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await upload(stranger)
        assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert precondition_types(caught.value) == {"SHARED_REGION_UNAVAILABLE"}
        # the hash still rules: bytes in the region that do not match are refused
        first.placed.offset, first.placed.size = 1, 4096
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await upload(first)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        # and the right slice is stored
        first.placed.offset = 0
        answer = await upload(first)
        assert answer.chunks_stored == 1  # type: ignore[attr-defined]
        await stub.CommitStream(
            bank_pb2.CommitStreamRequest(
                section=token, name="one", chunks=[bank_pb2.ChunkRef(hash=digest, size=4096)]
            )
        )
        assert bytes(served.bank.chunks.get(digest)) == data
    finally:
        await channel.close()
        region.close()


def _own_address() -> str | None:
    """A non-loopback IPv4 address of this host (the one a route out would use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for UDP connect
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address
