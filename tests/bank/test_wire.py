"""Hand-encoded UploadChunksRequest and hand-decoded ReadChunksResponse match protobuf."""

from __future__ import annotations

import os

import pytest

from smaug.bank.v1 import bank_pb2
from smaug.bank.wire import (
    decode_read_chunk,
    encode_upload,
    placed_upload_messages,
    upload_messages,
)

HASH = "ab" * 32


@pytest.mark.parametrize("section", ["", "token." * 60])
@pytest.mark.parametrize("size", [0, 1, 127, 128, 300, 16384, 1 << 20, (1 << 20) + 5])
def test_upload_encoding_is_protobufs(section: str, size: int) -> None:
    data = os.urandom(size)
    expected = bank_pb2.UploadChunksRequest(
        section=section, chunk=bank_pb2.Chunk(hash=HASH, data=data)
    ).SerializeToString()
    assert encode_upload(section, HASH, data) == expected
    assert encode_upload(section, HASH, memoryview(data)) == expected
    parsed = bank_pb2.UploadChunksRequest.FromString(encode_upload(section, HASH, data))
    assert (parsed.section, parsed.chunk.hash, parsed.chunk.data) == (section, HASH, data)


def test_only_the_first_upload_message_carries_the_section() -> None:
    messages = list(upload_messages("tok", [(HASH, b"a"), (HASH, b"b")]))
    parsed = [bank_pb2.UploadChunksRequest.FromString(m) for m in messages]
    assert [p.section for p in parsed] == ["tok", ""]
    assert [p.chunk.data for p in parsed] == [b"a", b"b"]


@pytest.mark.parametrize("size", [0, 5, 1 << 20])
def test_read_decoding_gives_a_view_of_the_data(size: int) -> None:
    data = os.urandom(size)
    message = bank_pb2.ReadChunksResponse(
        chunk=bank_pb2.Chunk(hash=HASH, data=data)
    ).SerializeToString()
    digest, view, placed = decode_read_chunk(message)
    assert (digest, bytes(view), placed) == (HASH, data, None)
    assert isinstance(view, memoryview)


def test_read_decoding_skips_unknown_fields_and_merges_split_chunks() -> None:
    chunk = bank_pb2.Chunk(hash=HASH, data=b"payload").SerializeToString()
    unknown = b"\x18\x07" + b"\x25\x01\x02\x03\x04"  # field 3 varint, field 4 fixed32
    message = b"\x0a" + bytes([len(chunk + unknown)]) + chunk + unknown + b"\x18\x01"
    assert decode_read_chunk(message)[0] == HASH
    assert bytes(decode_read_chunk(message)[1]) == b"payload"
    # The chunk field twice: protobuf merges the parts; the decoder defers to protobuf.
    first = bank_pb2.Chunk(hash=HASH).SerializeToString()
    second = bank_pb2.Chunk(data=b"later").SerializeToString()
    split = b"\x0a" + bytes([len(first)]) + first + b"\x0a" + bytes([len(second)]) + second
    digest, view, placed = decode_read_chunk(split)
    assert (digest, bytes(view), placed) == (HASH, b"later", None)


def test_read_decoding_reports_a_chunk_placed_in_the_region() -> None:
    message = bank_pb2.ReadChunksResponse(
        chunk=bank_pb2.Chunk(hash=HASH), placed=bank_pb2.RegionSlice(offset=4096, size=77)
    ).SerializeToString()
    digest, view, placed = decode_read_chunk(message)
    assert (digest, bytes(view), placed) == (HASH, b"", (4096, 77))


def test_placed_upload_names_the_region_in_the_first_message_only() -> None:
    region = bank_pb2.SharedRegion(pid=7, fd=9, name="smaug-region-" + "0" * 32, size=100)
    messages = list(placed_upload_messages("tok", region, [(HASH, 0, 60), (HASH, 60, 40)]))
    parsed = [bank_pb2.UploadChunksRequest.FromString(m) for m in messages]
    assert [p.section for p in parsed] == ["tok", ""]
    assert [p.HasField("region") for p in parsed] == [True, False]
    assert parsed[0].region == region
    assert [(p.placed.offset, p.placed.size, p.chunk.data) for p in parsed] == [
        (0, 60, b""),
        (60, 40, b""),
    ]
