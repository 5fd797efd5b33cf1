"""GC frees unreferenced chunks, and never one a live or in-flight checkpoint needs."""

from __future__ import annotations

import io
import os
import random
import threading
import time
from pathlib import Path

from smaug.bank.bank import Bank
from smaug.bank.checkpoints import AVAILABLE
from smaug.bank.chunks import CHUNK_PREFIX
from smaug.bank.fs_backend import FilesystemBackend
from smaug.bank.gc import collect_garbage
from smaug.bank.verify import verify_checkpoint

MiB = 1024 * 1024
SECTION = "resources/volume/v1"


def _checkpoint(bank: Bank, data: bytes, *, finish: bool = True) -> str:
    checkpoint = bank.checkpoints.create(
        project_id="proj", provider_id="prov", plan={"id": "plan"}, owner_id="svc"
    ).id
    bank.write_stream(checkpoint, SECTION, "data", io.BytesIO(data))
    if finish:
        bank.checkpoints.update(checkpoint, status=AVAILABLE)
    return checkpoint


def _chunk_keys(bank: Bank) -> set[str]:
    return set(bank.backend.list(CHUNK_PREFIX, limit=None))


def test_delete_frees_only_unshared_chunks(bank: Bank) -> None:
    rng = random.Random(1)
    shared, only_a, only_b = rng.randbytes(4 * MiB), rng.randbytes(4 * MiB), rng.randbytes(4 * MiB)
    a = _checkpoint(bank, shared + only_a)
    b = _checkpoint(bank, shared + only_b)
    before = _chunk_keys(bank)
    # Nothing is garbage yet; and with the default grace, fresh chunks are spared anyway.
    assert collect_garbage(bank, grace=0).chunks_deleted == 0
    bank.checkpoints.delete(a)
    assert collect_garbage(bank).chunks_deleted == 0  # younger than the grace period
    report = collect_garbage(bank, grace=0)
    assert report.chunks_deleted > 0 and report.bytes_freed > 0
    assert _chunk_keys(bank) < before
    assert verify_checkpoint(bank, b).ok
    assert b"".join(bank.read_stream(b, SECTION, "data")) == shared + only_b
    bank.checkpoints.delete(b)
    collect_garbage(bank, grace=0)
    assert _chunk_keys(bank) == set()


def test_in_flight_checkpoint_keeps_its_chunks(bank: Bank) -> None:
    data = random.Random(2).randbytes(4 * MiB)
    old = _checkpoint(bank, data)
    bank.checkpoints.delete(old)
    # A protecting checkpoint registered these hashes (found them present) but has not
    # committed its manifest yet.
    writer = bank.checkpoints.create(
        project_id="proj", provider_id="prov", plan={"id": "plan"}, owner_id="svc"
    ).id
    from smaug.bank.streams import StreamWriter

    registered: list[str] = []
    StreamWriter(bank.chunks, pool=bank.pool, register=registered.extend).write(io.BytesIO(data))
    bank.register_pending(writer, registered)
    assert collect_garbage(bank, grace=0).chunks_deleted == 0
    bank.checkpoints.update(writer, status="error")  # failed: its pending list is dropped
    assert collect_garbage(bank, grace=0).chunks_deleted == len(set(registered))


def test_gc_racing_writers_never_loses_a_needed_chunk(tmp_path: Path) -> None:
    """Writers keep deduplicating against old chunks of deleted checkpoints while GC runs in a
    loop; every committed checkpoint must stay whole. GC and writers share the bank's grace
    period, as in a deployment (the writers refresh what they dedup against by it): a short
    one, with the garbage aged far past it, so the sweeps race the writers for every chunk."""
    backend = FilesystemBackend(tmp_path / "bank")
    bank = Bank("test", backend, workers=4, gc_grace=2.0)
    rng = random.Random(3)
    pool = [rng.randbytes(MiB) for _ in range(24)]
    # Garbage the writers will dedup against: chunks of deleted checkpoints, an hour old.
    for n in range(3):
        bank.checkpoints.delete(_checkpoint(bank, b"".join(pool[n * 8 : n * 8 + 8])))
    old = time.time() - 3600
    for key in _chunk_keys(bank):
        os.utime(backend._path(key), (old, old))
    stop = threading.Event()
    rounds = 0

    def collector() -> None:
        nonlocal rounds
        while not stop.is_set():
            collect_garbage(bank)
            rounds += 1

    written: list[tuple[str, bytes]] = []
    thread = threading.Thread(target=collector)
    thread.start()
    try:
        for n in range(12):
            picks = random.Random(n).sample(pool, 6)
            data = b"".join(picks) + random.Random(100 + n).randbytes(200_000)
            written.append((_checkpoint(bank, data), data))
    finally:
        stop.set()
        thread.join()
    assert rounds >= 3, "GC did not run alongside the writers"
    collect_garbage(bank, grace=0)
    for checkpoint, data in written:
        assert verify_checkpoint(bank, checkpoint).ok
        assert b"".join(bank.read_stream(checkpoint, SECTION, "data")) == data
    bank.close()
