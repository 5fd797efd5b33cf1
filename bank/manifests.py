"""Stream manifests: a resource's data as the ordered list of its chunk references.

Encoding: b"SMM1" | flags | payload, payload = zstd(count (u64) | count x (32-byte hash, u64
plaintext size)), AES-GCM sealed with the manifest's key as associated data in encrypted banks
(hashes of plaintext are as sensitive as chunk names). 40 bytes per chunk before compression:
a 1 TiB stream of 1 MiB chunks has a 40 MB manifest.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import zstandard
from cryptography.exceptions import InvalidTag

from smaug.bank.errors import BankError
from smaug.bank.sealing import BankKey

MAGIC = b"SMM1"
_ENTRY = struct.Struct(">32sQ")
_COUNT = struct.Struct(">Q")
_MAX_MANIFEST = 1 << 31


@dataclass(frozen=True)
class ChunkRef:
    hash: str
    size: int


@dataclass(frozen=True)
class Manifest:
    chunks: tuple[ChunkRef, ...]

    @classmethod
    def of(cls, refs: Iterable[ChunkRef | tuple[str, int]]) -> Manifest:
        return cls(tuple(ref if isinstance(ref, ChunkRef) else ChunkRef(*ref) for ref in refs))

    @property
    def size(self) -> int:
        return sum(ref.size for ref in self.chunks)

    def __iter__(self) -> Iterator[ChunkRef]:
        return iter(self.chunks)

    def __len__(self) -> int:
        return len(self.chunks)

    def hashes(self) -> Sequence[str]:
        return [ref.hash for ref in self.chunks]


class ManifestCorrupt(BankError):
    def __init__(self, key: str, bank: str, why: str) -> None:
        super().__init__(
            f"manifest {key!r} in bank {bank!r} is corrupt ({why}); "
            "the stream cannot be read, run verify on its checkpoint"
        )


def encode_manifest(manifest: Manifest, key_name: str, bank_key: BankKey | None) -> bytes:
    body = bytearray(_COUNT.pack(len(manifest.chunks)))
    for ref in manifest.chunks:
        body += _ENTRY.pack(bytes.fromhex(ref.hash), ref.size)
    payload = zstandard.ZstdCompressor(level=3).compress(bytes(body))
    flags = 1
    if bank_key is not None:
        payload = bank_key.seal(payload, key_name.encode())
        flags |= 2
    return MAGIC + bytes((flags,)) + payload


def decode_manifest(
    data: bytes, key_name: str, bank_key: BankKey | None, bank_name: str
) -> Manifest:
    if len(data) < 5 or data[:4] != MAGIC:
        raise ManifestCorrupt(key_name, bank_name, "bad header")
    flags, payload = data[4], data[5:]
    if flags & 2:
        if bank_key is None:
            raise ManifestCorrupt(key_name, bank_name, "encrypted but no key configured")
        try:
            payload = bank_key.open(payload, key_name.encode())
        except InvalidTag:
            raise ManifestCorrupt(key_name, bank_name, "authentication failed") from None
    try:
        body = zstandard.ZstdDecompressor().decompress(payload, max_output_size=_MAX_MANIFEST)
    except zstandard.ZstdError as error:
        raise ManifestCorrupt(key_name, bank_name, f"decompression failed: {error}") from None
    if len(body) < _COUNT.size:
        raise ManifestCorrupt(key_name, bank_name, "truncated")
    (count,) = _COUNT.unpack_from(body)
    if len(body) != _COUNT.size + count * _ENTRY.size:
        raise ManifestCorrupt(key_name, bank_name, "length does not match chunk count")
    refs = tuple(
        ChunkRef(digest.hex(), size)
        for digest, size in _ENTRY.iter_unpack(memoryview(body)[_COUNT.size :])
    )
    return Manifest(refs)
