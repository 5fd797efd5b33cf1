"""The chunk store and data path: round trips, dedup, scattered changes, corruption, verify."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from smaug.bank.bank import Bank
from smaug.bank.chunking import Chunker
from smaug.bank.chunks import CHUNK_PREFIX, chunk_hash
from smaug.bank.errors import ChunkCorrupt, ChunkMissing
from smaug.bank.verify import verify_checkpoint

MiB = 1024 * 1024
SECTION = "resources/volume/v1"


def data_of(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def new_checkpoint(bank: Bank, plan: str = "p1") -> str:
    return bank.checkpoints.create(
        project_id="proj", provider_id="prov", plan={"id": plan}, owner_id="svc"
    ).id


def stored_chunks(bank: Bank) -> int:
    return len(bank.backend.list(CHUNK_PREFIX, limit=None))


def test_chunker_is_content_defined() -> None:
    data = data_of(24 * MiB)
    chunks = Chunker().feed(data) + Chunker().finish()
    whole = Chunker()
    chunks = whole.feed(data) + whole.finish()
    assert b"".join(chunks) == data
    assert all(len(c) <= 8 * MiB for c in chunks) and len(chunks) > 10
    shifted = Chunker()
    moved = shifted.feed(b"inserted!" + data) + shifted.finish()
    # an insertion at the front changes only the first chunk(s); the rest line up again
    assert len({chunk_hash(c) for c in chunks} & {chunk_hash(c) for c in moved}) >= len(chunks) - 2


def test_round_trip_and_dedup(bank: Bank) -> None:
    data = data_of(20 * MiB) + b"text " * 400_000  # random plus compressible text
    first = new_checkpoint(bank)
    result = bank.write_stream(first, SECTION, "data", io.BytesIO(data))
    assert result.size == len(data) and result.chunks_new == len(set(result.manifest.hashes()))
    assert result.bytes_stored < len(data)  # the text compressed
    assert b"".join(bank.read_stream(first, SECTION, "data")) == data
    chunks_before = stored_chunks(bank)
    second = new_checkpoint(bank)
    again = bank.write_stream(
        second, SECTION, "data", [data[i : i + MiB] for i in range(0, len(data), MiB)]
    )
    assert again.chunks_new == 0 and again.bytes_stored == 0
    assert stored_chunks(bank) == chunks_before
    out = io.BytesIO()
    assert bank.restore_stream(second, SECTION, "data", out) == len(data)
    assert out.getvalue() == data


def test_scattered_one_percent_change_stores_a_small_fraction(fs_bank: Bank) -> None:
    size = 128 * MiB
    data = bytearray(data_of(size))
    first = fs_bank.write_stream(new_checkpoint(fs_bank), SECTION, "data", io.BytesIO(data))
    rng = random.Random(11)
    for _ in range(8):  # 8 writes of 168 KiB: ~1 % of the stream, spread out
        at = rng.randrange(0, size - 168 * 1024)
        data[at : at + 168 * 1024] = rng.randbytes(168 * 1024)
    second_id = new_checkpoint(fs_bank)
    second = fs_bank.write_stream(second_id, SECTION, "data", io.BytesIO(bytes(data)))
    assert second.bytes_stored < 0.2 * first.bytes_stored, (second.bytes_stored, first.bytes_stored)
    assert b"".join(fs_bank.read_stream(second_id, SECTION, "data")) == bytes(data)


def _corrupt_one_byte(bank: Bank, chunk: str) -> None:
    key = bank.chunks.storage_key(chunk)
    stored = bytearray(bank.backend.get(key))
    stored[len(stored) // 2] ^= 0x40
    bank.backend.put(key, bytes(stored))


def test_corrupt_chunk_is_never_returned_and_verify_finds_it(bank: Bank) -> None:
    data = data_of(12 * MiB, seed=3)
    checkpoint = new_checkpoint(bank)
    manifest = bank.write_stream(checkpoint, SECTION, "data", io.BytesIO(data)).manifest
    victim = manifest.chunks[1].hash
    _corrupt_one_byte(bank, victim)
    with pytest.raises(ChunkCorrupt) as caught:
        b"".join(bank.read_stream(checkpoint, SECTION, "data"))
    message = str(caught.value)
    assert victim in message and "'test'" in message and "verify" in message
    report = verify_checkpoint(bank, checkpoint)
    assert not report.ok and report.chunks_checked == len(set(manifest.hashes()))
    assert [p.chunk_hash for p in report.problems] == [victim]
    assert report.problems[0].stream.endswith(f"{SECTION}/data")


def test_verify_reports_missing_chunk_and_commit_refuses_it(bank: Bank) -> None:
    data = data_of(6 * MiB, seed=5)
    checkpoint = new_checkpoint(bank)
    manifest = bank.write_stream(checkpoint, SECTION, "data", io.BytesIO(data)).manifest
    assert verify_checkpoint(bank, checkpoint).ok
    gone = manifest.chunks[0].hash
    bank.backend.delete(bank.chunks.storage_key(gone))
    report = verify_checkpoint(bank, checkpoint, read_data=False)
    assert [p.chunk_hash for p in report.problems] == [gone] and "missing" in report.problems[
        0
    ].message
    with pytest.raises(ChunkMissing, match=gone):
        bank.commit_stream(checkpoint, SECTION, "copy", manifest.chunks)


def test_corrupted_file_on_disk_is_detected(tmp_path: Path) -> None:
    from smaug.bank.fs_backend import FilesystemBackend

    bank = Bank("disk", FilesystemBackend(tmp_path / "b"))
    checkpoint = new_checkpoint(bank)
    manifest = bank.write_stream(checkpoint, SECTION, "d", io.BytesIO(data_of(3 * MiB))).manifest
    victim = manifest.chunks[-1].hash
    path = tmp_path / "b" / "objects" / (bank.chunks.storage_key(victim) + "~")
    raw = bytearray(path.read_bytes())
    raw[-1] ^= 1
    path.write_bytes(bytes(raw))
    with pytest.raises(ChunkCorrupt, match=victim):
        bank.chunks.get(victim)
    assert [p.chunk_hash for p in verify_checkpoint(bank, checkpoint).problems] == [victim]
    bank.close()
