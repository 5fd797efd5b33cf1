import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetObjectRequest(_message.Message):
    __slots__ = ("section", "key")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    section: str
    key: str
    def __init__(self, section: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class GetObjectResponse(_message.Message):
    __slots__ = ("data", "update_time")
    DATA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, data: _Optional[bytes] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PutObjectRequest(_message.Message):
    __slots__ = ("section", "key", "data")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    section: str
    key: str
    data: bytes
    def __init__(self, section: _Optional[str] = ..., key: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class PutObjectResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DeleteObjectRequest(_message.Message):
    __slots__ = ("section", "key")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    section: str
    key: str
    def __init__(self, section: _Optional[str] = ..., key: _Optional[str] = ...) -> None: ...

class DeleteObjectResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListObjectsRequest(_message.Message):
    __slots__ = ("section", "prefix", "page_size", "page_token")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    section: str
    prefix: str
    page_size: int
    page_token: str
    def __init__(self, section: _Optional[str] = ..., prefix: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListObjectsResponse(_message.Message):
    __slots__ = ("keys", "next_page_token")
    KEYS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    keys: _containers.RepeatedScalarFieldContainer[str]
    next_page_token: str
    def __init__(self, keys: _Optional[_Iterable[str]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class FindMissingChunksRequest(_message.Message):
    __slots__ = ("section", "hashes")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    section: str
    hashes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, section: _Optional[str] = ..., hashes: _Optional[_Iterable[str]] = ...) -> None: ...

class FindMissingChunksResponse(_message.Message):
    __slots__ = ("missing_hashes",)
    MISSING_HASHES_FIELD_NUMBER: _ClassVar[int]
    missing_hashes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, missing_hashes: _Optional[_Iterable[str]] = ...) -> None: ...

class Chunk(_message.Message):
    __slots__ = ("hash", "data")
    HASH_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    hash: str
    data: bytes
    def __init__(self, hash: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class SharedRegion(_message.Message):
    __slots__ = ("pid", "fd", "name", "size")
    PID_FIELD_NUMBER: _ClassVar[int]
    FD_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    pid: int
    fd: int
    name: str
    size: int
    def __init__(self, pid: _Optional[int] = ..., fd: _Optional[int] = ..., name: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class RegionSlice(_message.Message):
    __slots__ = ("offset", "size")
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    offset: int
    size: int
    def __init__(self, offset: _Optional[int] = ..., size: _Optional[int] = ...) -> None: ...

class UploadChunksRequest(_message.Message):
    __slots__ = ("section", "chunk", "region", "placed")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    PLACED_FIELD_NUMBER: _ClassVar[int]
    section: str
    chunk: Chunk
    region: SharedRegion
    placed: RegionSlice
    def __init__(self, section: _Optional[str] = ..., chunk: _Optional[_Union[Chunk, _Mapping]] = ..., region: _Optional[_Union[SharedRegion, _Mapping]] = ..., placed: _Optional[_Union[RegionSlice, _Mapping]] = ...) -> None: ...

class UploadChunksResponse(_message.Message):
    __slots__ = ("chunks_received", "chunks_stored", "stored_bytes")
    CHUNKS_RECEIVED_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_STORED_FIELD_NUMBER: _ClassVar[int]
    STORED_BYTES_FIELD_NUMBER: _ClassVar[int]
    chunks_received: int
    chunks_stored: int
    stored_bytes: int
    def __init__(self, chunks_received: _Optional[int] = ..., chunks_stored: _Optional[int] = ..., stored_bytes: _Optional[int] = ...) -> None: ...

class ChunkRef(_message.Message):
    __slots__ = ("hash", "size")
    HASH_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    hash: str
    size: int
    def __init__(self, hash: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class CommitStreamRequest(_message.Message):
    __slots__ = ("section", "name", "chunks")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    section: str
    name: str
    chunks: _containers.RepeatedCompositeFieldContainer[ChunkRef]
    def __init__(self, section: _Optional[str] = ..., name: _Optional[str] = ..., chunks: _Optional[_Iterable[_Union[ChunkRef, _Mapping]]] = ...) -> None: ...

class CommitStreamResponse(_message.Message):
    __slots__ = ("size",)
    SIZE_FIELD_NUMBER: _ClassVar[int]
    size: int
    def __init__(self, size: _Optional[int] = ...) -> None: ...

class GetStreamRequest(_message.Message):
    __slots__ = ("section", "name")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    section: str
    name: str
    def __init__(self, section: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class GetStreamResponse(_message.Message):
    __slots__ = ("chunks", "size")
    CHUNKS_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    chunks: _containers.RepeatedCompositeFieldContainer[ChunkRef]
    size: int
    def __init__(self, chunks: _Optional[_Iterable[_Union[ChunkRef, _Mapping]]] = ..., size: _Optional[int] = ...) -> None: ...

class ReadChunksRequest(_message.Message):
    __slots__ = ("section", "hashes", "region")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    HASHES_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    section: str
    hashes: _containers.RepeatedScalarFieldContainer[str]
    region: SharedRegion
    def __init__(self, section: _Optional[str] = ..., hashes: _Optional[_Iterable[str]] = ..., region: _Optional[_Union[SharedRegion, _Mapping]] = ...) -> None: ...

class ReadChunksResponse(_message.Message):
    __slots__ = ("chunk", "placed")
    CHUNK_FIELD_NUMBER: _ClassVar[int]
    PLACED_FIELD_NUMBER: _ClassVar[int]
    chunk: Chunk
    placed: RegionSlice
    def __init__(self, chunk: _Optional[_Union[Chunk, _Mapping]] = ..., placed: _Optional[_Union[RegionSlice, _Mapping]] = ...) -> None: ...
