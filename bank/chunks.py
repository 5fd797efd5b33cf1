"""The chunk store: content-addressed, deduplicated, compressed, verified, optionally sealed.

A chunk is named by the lowercase hex BLAKE3-256 of its plaintext and stored once per bank at
chunks/<2 hex>/<name> (name = the hash, or a keyed hash of it in encrypted banks). The stored
envelope is:

    b"SMC1" | flags (1 byte: 1 = zstd, 2 = sealed) | payload

where payload is zstd(plaintext) when that saves at least 3 %, else the plaintext, and is then
AES-256-GCM sealed (nonce | ciphertext | tag, chunk hash as associated data) when the bank has a
key. Every read decodes and re-hashes: a chunk whose bytes were altered raises ChunkCorrupt naming
the chunk and the bank; bad data is never returned.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import blake3
import zstandard
from cryptography.exceptions import InvalidTag

from smaug.bank.backend import Backend
from smaug.bank.errors import ChunkCorrupt, ChunkMissing, ObjectNotFound
from smaug.bank.sealing import BankKey

MAGIC = b"SMC1"
FLAG_ZSTD = 1
FLAG_SEALED = 2
#: Largest plaintext chunk accepted (the proto's limit); also bounds decompression.
MAX_CHUNK = 8 * 1024 * 1024
HASH_HEX = 64
SAMPLE = 16 * 1024
CHUNK_PREFIX = "chunks/"


def chunk_hash(data: bytes | bytearray | memoryview) -> str:
    """Lowercase hex BLAKE3-256, the name of a chunk in every bank."""
    return blake3.blake3(data).hexdigest()


def is_chunk_hash(text: str) -> bool:
    return len(text) == HASH_HEX and all(c in "0123456789abcdef" for c in text)


@dataclass(frozen=True)
class StoredChunk:
    hash: str
    size: int  # plaintext bytes
    stored: int  # bytes written now (0 when it was already there)


class ChunkStore:
    def __init__(
        self,
        backend: Backend,
        bank_name: str,
        *,
        key: BankKey | None = None,
        zstd_level: int = 1,
    ) -> None:
        self.backend = backend
        self.bank_name = bank_name
        self.key = key
        self.zstd_level = zstd_level
        self._local = threading.local()

    # -- naming ----------------------------------------------------------------------------
    def storage_key(self, chunk_hash_hex: str) -> str:
        name = self.key.storage_name(chunk_hash_hex) if self.key else chunk_hash_hex
        return f"{CHUNK_PREFIX}{name[:2]}/{name}"

    # -- codec -----------------------------------------------------------------------------
    def _compressor(self) -> zstandard.ZstdCompressor:
        compressor = getattr(self._local, "compressor", None)
        if compressor is None:
            compressor = zstandard.ZstdCompressor(level=self.zstd_level)
            self._local.compressor = compressor
        return compressor

    def _decompressor(self) -> zstandard.ZstdDecompressor:
        decompressor = getattr(self._local, "decompressor", None)
        if decompressor is None:
            decompressor = zstandard.ZstdDecompressor()
            self._local.decompressor = decompressor
        return decompressor

    def _compressible(self, data: bytes | memoryview) -> bool:
        """Cheap test on a few samples: random or already-compressed data is stored raw without
        paying for a full compression attempt."""
        if len(data) <= 3 * SAMPLE:
            return True
        compressor = self._compressor()
        step = (len(data) - SAMPLE) // 2
        saved = sum(
            SAMPLE - len(compressor.compress(data[at : at + SAMPLE]))
            for at in (0, step, len(data) - SAMPLE)
        )
        return saved > 3 * SAMPLE * 0.03

    def encode_parts(
        self, chunk_hash_hex: str, data: bytes | memoryview
    ) -> tuple[bytes, bytes | memoryview]:
        """The stored form as (header, payload), so backends can write it without a join."""
        flags = 0
        payload: bytes | memoryview = data
        if self._compressible(data):
            compressed = self._compressor().compress(data)
            if len(compressed) <= len(data) * 0.97:
                payload, flags = compressed, flags | FLAG_ZSTD
        if self.key is not None:
            payload = self.key.seal(bytes(payload), chunk_hash_hex.encode())
            flags |= FLAG_SEALED
        return MAGIC + bytes((flags,)), payload

    def encode(self, chunk_hash_hex: str, data: bytes | memoryview) -> bytes:
        return b"".join(self.encode_parts(chunk_hash_hex, data))

    def decode(self, chunk_hash_hex: str, stored: bytes | memoryview) -> bytes | memoryview:
        """Plaintext of a stored chunk, verified against its hash (ChunkCorrupt otherwise).
        A chunk stored raw comes back as a view into `stored`, saving a copy."""
        if len(stored) < 5 or bytes(stored[:4]) != MAGIC:
            raise ChunkCorrupt(chunk_hash_hex, self.bank_name, "bad header")
        flags = stored[4]
        payload = memoryview(stored)[5:]
        if flags & FLAG_SEALED:
            if self.key is None:
                raise ChunkCorrupt(
                    chunk_hash_hex, self.bank_name, "chunk is encrypted but no key is configured"
                )
            try:
                payload = memoryview(self.key.open(bytes(payload), chunk_hash_hex.encode()))
            except InvalidTag:
                raise ChunkCorrupt(
                    chunk_hash_hex, self.bank_name, "authentication failed"
                ) from None
        elif self.key is not None:
            raise ChunkCorrupt(chunk_hash_hex, self.bank_name, "chunk is not encrypted")
        plain: bytes | memoryview
        if flags & FLAG_ZSTD:
            try:
                plain = self._decompressor().decompress(payload, max_output_size=MAX_CHUNK)
            except zstandard.ZstdError as error:
                raise ChunkCorrupt(
                    chunk_hash_hex, self.bank_name, f"decompression failed: {error}"
                ) from None
        else:
            plain = payload
        if chunk_hash(plain) != chunk_hash_hex:
            raise ChunkCorrupt(chunk_hash_hex, self.bank_name, "content hash mismatch")
        return plain

    # -- operations ------------------------------------------------------------------------
    def has(self, chunk_hash_hex: str, *, refresh_older_than: float | None = None) -> bool:
        """Whether the chunk is stored. With refresh_older_than (unix time), a chunk last written
        before then is touched, so a garbage collection already under way keeps it (gc.py)."""
        key = self.storage_key(chunk_hash_hex)
        info = self.backend.head(key)
        if info is None:
            return False
        if refresh_older_than is not None and info.modified < refresh_older_than:
            return self.backend.touch(key)
        return True

    def put(
        self,
        chunk_hash_hex: str,
        data: bytes | memoryview,
        *,
        known_missing: bool = False,
        deferred: bool = False,
    ) -> StoredChunk:
        """Store a chunk whose hash the caller computed; skip it if already stored. With
        ``deferred`` the chunk may only become visible (and durable) at the backend's next
        sync(), which the bank runs before committing a manifest (Backend.put_parts)."""
        if len(data) > MAX_CHUNK:
            raise ValueError(
                f"chunk {chunk_hash_hex} is {len(data)} bytes, over the {MAX_CHUNK}-byte limit"
            )
        if not known_missing and self.backend.head(self.storage_key(chunk_hash_hex)) is not None:
            return StoredChunk(chunk_hash_hex, len(data), 0)
        parts = self.encode_parts(chunk_hash_hex, data)
        self.backend.put_parts(self.storage_key(chunk_hash_hex), parts, deferred=deferred)
        return StoredChunk(chunk_hash_hex, len(data), sum(len(part) for part in parts))

    def get(self, chunk_hash_hex: str) -> bytes | memoryview:
        try:
            stored = self.backend.get(self.storage_key(chunk_hash_hex))
        except ObjectNotFound:
            raise ChunkMissing(chunk_hash_hex, self.bank_name) from None
        return self.decode(chunk_hash_hex, stored)

    def get_reusing(self, chunk_hash_hex: str) -> bytes | memoryview:
        """get() reading into this thread's reusable buffer: no fresh memory per chunk, so no
        page faults. The result is only valid until this thread's next get_reusing()."""
        buffer = getattr(self._local, "buffer", None)
        if buffer is None:
            buffer = self._local.buffer = bytearray(MAX_CHUNK + 64 * 1024)
        try:
            size = self.backend.read_into(self.storage_key(chunk_hash_hex), buffer)
        except ObjectNotFound:
            raise ChunkMissing(chunk_hash_hex, self.bank_name) from None
        if size is None:  # larger than any valid chunk
            raise ChunkCorrupt(chunk_hash_hex, self.bank_name, "stored object is too large")
        return self.decode(chunk_hash_hex, memoryview(buffer)[:size])
