"""A Bank: one backend with its checkpoints, chunk store, leases and data path.

The bank's format object (bank/format) fixes what must never change under existing data: the
chunking parameters (changing them would defeat dedup) and whether chunks are encrypted, with a
check value of the key so a wrong or missing key is caught on open.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from smaug.bank.backend import Backend
from smaug.bank.checkpoints import CheckpointStore
from smaug.bank.chunking import ChunkingParams
from smaug.bank.chunks import ChunkStore, is_chunk_hash
from smaug.bank.errors import ChunkMissing, EncryptionMismatch, ObjectNotFound, PreconditionFailed
from smaug.bank.keys import join, validate_key
from smaug.bank.leases import LeaseManager
from smaug.bank.manifests import ChunkRef, Manifest, decode_manifest, encode_manifest
from smaug.bank.objects import Section
from smaug.bank.sealing import BankKey
from smaug.bank.streams import StreamWriter, WriteResult, iter_chunks_ordered, read_into

FORMAT_KEY = "bank/format"
DEFAULT_GC_GRACE = 6 * 3600.0
DEFAULT_WORKERS = 16


class Bank:
    def __init__(
        self,
        name: str,
        backend: Backend,
        *,
        key: BankKey | None = None,
        chunking: ChunkingParams | None = None,
        zstd_level: int = 1,
        workers: int | None = None,
        gc_grace: float = DEFAULT_GC_GRACE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.backend = backend
        self.key = key
        self.gc_grace = gc_grace
        self.clock = clock
        self.chunking = self._open_format(chunking or ChunkingParams())
        self.objects = Section(backend, bank_name=name)
        self.chunks = ChunkStore(backend, name, key=key, zstd_level=zstd_level)
        self.checkpoints = CheckpointStore(backend, name, clock=clock)
        self.leases = LeaseManager(backend, name, clock=clock)
        # Mostly waiting on fsync or the network; hashing and zstd release the GIL.
        self.pool = ThreadPoolExecutor(
            max_workers=workers or getattr(backend, "preferred_workers", DEFAULT_WORKERS),
            thread_name_prefix=f"bank-{name}",
        )

    def __repr__(self) -> str:
        return f"Bank({self.name!r}, {self.backend!r}, encrypted={self.key is not None})"

    def _open_format(self, wanted: ChunkingParams) -> ChunkingParams:
        record: dict[str, Any] = {
            "version": 1,
            "chunking": wanted.to_dict(),
            "encryption": "aes-256-gcm" if self.key else "none",
            "key_check": self.key.check if self.key else "",
        }
        try:
            self.backend.put(FORMAT_KEY, json.dumps(record).encode(), if_none_match=True)
            return wanted
        except PreconditionFailed:
            record = json.loads(self.backend.get(FORMAT_KEY))
        if record["encryption"] != "none" and self.key is None:
            raise EncryptionMismatch(
                f"bank {self.name!r} is encrypted; configure its encryption_key to open it"
            )
        if record["encryption"] == "none" and self.key is not None:
            raise EncryptionMismatch(
                f"bank {self.name!r} was created without encryption; remove encryption_key "
                "or use a new bank"
            )
        if self.key is not None and record["key_check"] != self.key.check:
            raise EncryptionMismatch(
                f"the configured encryption key does not match bank {self.name!r}; "
                "use the key the bank was created with"
            )
        return ChunkingParams.from_dict(record["chunking"])

    def register_pending(self, checkpoint_id: str, hashes: Iterable[str]) -> None:
        """Tell garbage collection an in-flight checkpoint relies on these chunks (gc.py)."""
        names = [self.chunks.storage_key(chunk) for chunk in dict.fromkeys(hashes)]
        self.checkpoints.register_pending(checkpoint_id, names)

    # -- streams ---------------------------------------------------------------------------
    def _manifest_key(self, checkpoint_id: str, section: str, name: str) -> str:
        validate_key(name, field="stream name")
        return join(self.checkpoints.area(checkpoint_id, "streams", section), name)

    def write_stream(
        self,
        checkpoint_id: str,
        section: str,
        name: str,
        source: BinaryIO | Iterable[bytes],
    ) -> WriteResult:
        """Chunk, dedup and store a stream, then commit its manifest under the section."""
        manifest_key = self._manifest_key(checkpoint_id, section, name)
        writer = StreamWriter(
            self.chunks,
            pool=self.pool,
            params=self.chunking,
            register=lambda hashes: self.register_pending(checkpoint_id, hashes),
            refresh_older_than=self.clock() - self.gc_grace / 2,
        )
        result = writer.write(source)
        self.backend.sync()  # the chunks are durable before the manifest that refers to them
        self.backend.put(manifest_key, encode_manifest(result.manifest, manifest_key, self.key))
        return result

    def commit_stream(
        self,
        checkpoint_id: str,
        section: str,
        name: str,
        refs: Iterable[ChunkRef],
        *,
        verified: Callable[[str], bool] | None = None,
    ) -> Manifest:
        """Record a stream whose chunks were stored already (by a plugin). Every chunk must exist
        (ChunkMissing names the first that does not); `verified` may vouch for chunks this
        process stored or saw recently, to save a lookup each."""
        manifest = Manifest.of(refs)
        for ref in manifest.chunks:
            if not is_chunk_hash(ref.hash):
                raise ValueError(f"{ref.hash!r} is not a lowercase hex BLAKE3-256 chunk hash")
        # First: chunks uploaded with deferred durability become durable and visible.
        self.backend.sync()
        to_check = [h for h in set(manifest.hashes()) if verified is None or not verified(h)]
        refresh = self.clock() - self.gc_grace / 2
        present = self.pool.map(lambda h: self.chunks.has(h, refresh_older_than=refresh), to_check)
        for chunk_hash, ok in zip(to_check, present, strict=True):
            if not ok:
                raise ChunkMissing(chunk_hash, self.name)
        key = self._manifest_key(checkpoint_id, section, name)
        self.backend.put(key, encode_manifest(manifest, key, self.key))
        return manifest

    def manifest_at(self, key: str) -> Manifest:
        return decode_manifest(self.backend.get(key), key, self.key, self.name)

    def get_manifest(self, checkpoint_id: str, section: str, name: str) -> Manifest:
        key = self._manifest_key(checkpoint_id, section, name)
        try:
            return self.manifest_at(key)
        except ObjectNotFound:
            raise ObjectNotFound(f"stream {name!r} of section {section!r}", self.name) from None

    def read_stream(
        self, checkpoint_id: str, section: str, name: str
    ) -> Iterator[bytes | memoryview]:
        """The stream's bytes, chunk by chunk, verified, fetched ahead in parallel."""
        manifest = self.get_manifest(checkpoint_id, section, name)
        return iter_chunks_ordered(self.chunks, manifest.chunks, pool=self.pool)

    def restore_stream(self, checkpoint_id: str, section: str, name: str, sink: BinaryIO) -> int:
        manifest = self.get_manifest(checkpoint_id, section, name)
        return read_into(self.chunks, manifest, sink, pool=self.pool)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.backend.close()
