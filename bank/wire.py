"""UploadChunksRequest on the wire, encoded by hand: the chunk's bytes are copied once.

Building the message the ordinary way copies a chunk three times before gRPC sees it (into a
bytes object, into the message, into the serialized string); at a gigabyte per protect that is
a tenth of the plugin's CPU. ``encode_upload`` writes the protobuf encoding of
``UploadChunksRequest{section, chunk: {hash, data}}`` directly, and ``upload_chunks`` is the
UploadChunks call that takes such encoded messages (no serializer). The encoding is the
standard one (fields in number order, empty proto3 fields left out), so the server parses it
with the generated classes; tests/bank/test_service.py checks it byte for byte against
``SerializeToString``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import grpc

from smaug.bank.v1 import bank_pb2

UPLOAD_METHOD = "/smaug.bank.v1.BankService/UploadChunks"
_LEN = 2  # wire type of strings, bytes and messages


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload_size: int) -> bytes:
    """Tag and length prefix of a length-delimited field."""
    return _varint(number << 3 | _LEN) + _varint(payload_size)


def encode_upload(section: str, digest: str, data: bytes | memoryview) -> bytes:
    """The serialized UploadChunksRequest carrying one chunk."""
    parts: list[bytes | memoryview] = []
    if section:
        token = section.encode()
        parts += [_field(1, len(token)), token]
    chunk: list[bytes | memoryview] = []
    if digest:
        name = digest.encode()
        chunk += [_field(1, len(name)), name]
    if len(data):
        chunk += [_field(2, len(data)), data]
    parts.append(_field(2, sum(len(part) for part in chunk)))
    return b"".join(parts + chunk)


def upload_chunks(channel: grpc.aio.Channel) -> Any:
    """The UploadChunks call, taking messages made by ``encode_upload``."""
    return channel.stream_unary(
        UPLOAD_METHOD,
        request_serializer=None,
        response_deserializer=bank_pb2.UploadChunksResponse.FromString,
    )


def upload_messages(
    section: str, chunks: Iterable[tuple[str, bytes | memoryview]]
) -> Iterator[bytes]:
    """The messages of one upload: the section token in the first only."""
    for index, (digest, data) in enumerate(chunks):
        yield encode_upload(section if index == 0 else "", digest, data)


def placed_upload_messages(
    section: str, region: bank_pb2.SharedRegion, chunks: Iterable[tuple[str, int, int]]
) -> Iterator[bytes]:
    """The messages of an upload whose chunks wait in a shared region: (hash, offset, size)
    each, no data (messages of a few dozen bytes: the generated encoder will do)."""
    for index, (digest, offset, size) in enumerate(chunks):
        message = bank_pb2.UploadChunksRequest(
            chunk=bank_pb2.Chunk(hash=digest),
            placed=bank_pb2.RegionSlice(offset=offset, size=size),
        )
        if index == 0:
            message.section = section
            message.region.CopyFrom(region)
        yield message.SerializeToString()


# -- ReadChunksResponse -------------------------------------------------------------------------
READ_METHOD = "/smaug.bank.v1.BankService/ReadChunks"


def read_chunks(channel: grpc.aio.Channel) -> Any:
    """The ReadChunks call, answering raw messages for ``decode_read_chunk``."""
    return channel.unary_stream(
        READ_METHOD,
        request_serializer=bank_pb2.ReadChunksRequest.SerializeToString,
        response_deserializer=None,
    )


def _read_varint(view: memoryview, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(view) or shift > 63:
            raise ValueError("truncated or overlong varint")
        byte = view[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def _fields(view: memoryview) -> list[tuple[int, memoryview | None]]:
    """(field number, payload) of each field; payload None for non-length-delimited ones."""
    out: list[tuple[int, memoryview | None]] = []
    at = 0
    while at < len(view):
        tag, at = _read_varint(view, at)
        number, kind = tag >> 3, tag & 7
        if kind == 0:
            _, at = _read_varint(view, at)
            out.append((number, None))
        elif kind == 1 or kind == 5:
            at += 8 if kind == 1 else 4
            out.append((number, None))
        elif kind == _LEN:
            size, at = _read_varint(view, at)
            if at + size > len(view):
                raise ValueError("field runs past the end of the message")
            out.append((number, view[at : at + size]))
            at += size
        else:
            raise ValueError(f"unsupported wire type {kind}")
    if at != len(view):
        raise ValueError("truncated message")
    return out


def decode_read_chunk(message: bytes) -> tuple[str, memoryview, tuple[int, int] | None]:
    """(hash, data, placed) of a serialized ReadChunksResponse: the data is a view into
    ``message``, not a copy; placed is (offset, size) in the call's shared region when the chunk
    went there instead (data then empty). Falls back to the generated parser for what this
    reader does not take apart itself (a placed chunk, a chunk field split in parts)."""
    view = memoryview(message)
    try:
        fields = _fields(view)
        chunks = [payload for number, payload in fields if number == 1]
        if len(chunks) == 1 and chunks[0] is not None and len(fields) == 1:
            digest, data = "", view[:0]
            for number, payload in _fields(chunks[0]):
                if number == 1 and payload is not None:
                    digest = bytes(payload).decode()
                elif number == 2 and payload is not None:
                    data = payload  # proto3: the last occurrence wins
            return digest, data, None
    except (ValueError, UnicodeDecodeError):
        pass
    parsed = bank_pb2.ReadChunksResponse.FromString(message)
    placed = None
    if parsed.HasField("placed"):
        placed = (parsed.placed.offset, parsed.placed.size)
    return parsed.chunk.hash, memoryview(parsed.chunk.data), placed
