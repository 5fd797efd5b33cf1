"""The block-device plugin's hooks in-process against a real bank service: an image with random,
repeated, zero, sparse and text regions protected, changed by 1 %, protected again (the bank grows
by about the change), both checkpoints restored and compared byte for byte; zero dedup, bounded
memory, freeze/thaw and snapshot commands, cancellation, restore refusals and a loop device.

The image size defaults to 256 MiB; SMAUG_BLOCKDEV_TEST_MIB=1024 runs the round trip at 1 GiB."""

from __future__ import annotations

import asyncio
import contextlib
import filecmp
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import blake3
import pytest

from plugins.conftest import LocalBank, Runner, tree_size
from smaug.bank.client import ChunkGroup, SectionClient
from smaug.mesh.errors import RpcError
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins import blockdev
from smaug.plugins.sdk import PluginError, Resource

MiB = 1024 * 1024
SEGMENT = 4 * MiB
IMAGE_MIB = int(os.environ.get("SMAUG_BLOCKDEV_TEST_MIB", "256"))
WRITE = 168 * 1024  # the bank benchmark's scattered write size


# -- images -------------------------------------------------------------------------------------
def make_image(path: Path, size_mib: int, seed: int = 20251124) -> dict[str, int]:
    """4 MiB segments: random (50 %), exact repeats of earlier random ones (15 %), written zeros
    (10 %), holes (10 %, the file is sparse there) and hex text (15 %). Returns the byte count
    of each kind."""
    rng = random.Random(seed)
    segments = size_mib * MiB // SEGMENT
    kinds = rng.choices(
        ["random", "repeat", "zero", "hole", "text"], [50, 15, 10, 10, 15], k=segments
    )
    kinds[0] = "random"
    written: list[bytes] = []
    counts = dict.fromkeys(("random", "repeat", "zero", "hole", "text"), 0)
    with open(path, "wb") as out:
        for kind in kinds:
            counts[kind] += SEGMENT
            if kind == "random":
                data = rng.randbytes(SEGMENT)
                if len(written) < 8:
                    written.append(data)
                out.write(data)
            elif kind == "repeat":
                out.write(rng.choice(written))
            elif kind == "zero":
                out.write(bytes(SEGMENT))
            elif kind == "hole":
                out.seek(SEGMENT, os.SEEK_CUR)
            else:
                out.write(rng.randbytes(SEGMENT // 2).hex().encode())
        out.truncate(segments * SEGMENT)
    return counts


def scatter_writes(path: Path, fraction: float = 0.01, seed: int = 7) -> int:
    """Overwrite ``fraction`` of the image with random data in WRITE-sized pieces at random
    places; returns the bytes written."""
    rng = random.Random(seed)
    size = path.stat().st_size
    writes = max(1, round(size * fraction / WRITE))
    with open(path, "r+b") as handle:
        for _ in range(writes):
            handle.seek(rng.randrange(0, size - WRITE))
            handle.write(rng.randbytes(WRITE))
    return writes * WRITE


def expected_unique_chunks(path: Path, chunk_size: int) -> tuple[int, int]:
    """(distinct non-zero chunks, all-zero chunks) of the image cut at ``chunk_size``."""
    seen: set[bytes] = set()
    zeros = 0
    zero = bytes(chunk_size)
    with open(path, "rb") as source:
        while block := source.read(chunk_size):
            if block == zero[: len(block)]:
                zeros += 1
            else:
                seen.add(blake3.blake3(block).digest())
    return len(seen), zeros


def b3sum(path: Path) -> str:
    digest = blake3.blake3(max_threads=blake3.blake3.AUTO)
    with open(path, "rb") as source:
        while block := source.read(8 * MiB):
            digest.update(block)
    return "blake3:" + digest.hexdigest()


def chunk_list(path: Path, chunk_size: int = blockdev.CHUNK_SIZE) -> str:
    """The chunk-list digest of an image: BLAKE3 of its chunks' BLAKE3 hashes, in order."""
    digest = blake3.blake3()
    with open(path, "rb") as source:
        while block := source.read(chunk_size):
            digest.update(blake3.blake3(block).digest())
    return "blake3:" + digest.hexdigest()


async def image_info(bank: LocalBank, checkpoint: str) -> blockdev.ImageInfo:
    async with SectionClient(bank.section(checkpoint, True)) as client:
        return await blockdev.read_image_info(client)


@pytest.fixture
def image(tmp_path: Path, plugin_env: Any) -> tuple[Path, Runner, dict[str, int]]:
    path = tmp_path / "images" / "disk.img"
    path.parent.mkdir()
    counts = make_image(path, IMAGE_MIB)
    plugin_env({"devices": [str(path)]})
    return path, Runner(blockdev.BlockDevices()), counts


def resource_of(path: Path | str) -> Resource:
    return Resource(blockdev.RESOURCE_TYPE, str(path), os.path.basename(path))


# -- the round trip -----------------------------------------------------------------------------
async def test_round_trip_incremental_and_zero_dedup(
    image: tuple[Path, Runner, dict[str, int]], local_bank: LocalBank, tmp_path: Path
) -> None:
    path, runner, counts = image
    resource = resource_of(path)
    size = path.stat().st_size
    original = tmp_path / "original.img"
    shutil.copyfile(path, original)
    unique, zero_chunks = expected_unique_chunks(path, blockdev.CHUNK_SIZE)

    first = local_bank.checkpoint()
    started = time.monotonic()
    hook = await runner.run("protect", resource, local_bank.section(first, False))
    first_seconds = time.monotonic() - started
    assert blockdev.LIVE_WARNING in hook.reason
    info = await image_info(local_bank, first)
    assert info.size == size and info.chunk_list_digest == chunk_list(path)
    assert info.digest == "" and info.consistency == "live"
    # Zero dedup: every all-zero chunk (written zeros and holes) is the same one chunk, and the
    # repeated segments cost nothing: exactly the distinct chunks were uploaded.
    assert info.new_chunks == unique + 1, (info.new_chunks, unique, zero_chunks)
    assert info.hole_bytes == counts["hole"]  # holes were skipped, not read
    assert info.zero_bytes == zero_chunks * blockdev.CHUNK_SIZE
    assert info.bytes_read == size - info.hole_bytes
    bank_first = tree_size(local_bank.root)
    stored_data = counts["random"] + counts["text"]
    assert bank_first < stored_data * 1.05 + 2 * MiB, (bank_first, stored_data)
    assert any("MiB/s" in p.message for p in runner.progress)
    assert runner.progress[-1].bytes_done == size

    changed = scatter_writes(path)
    after_change = tmp_path / "changed.img"
    shutil.copyfile(path, after_change)
    second = local_bank.checkpoint()
    started = time.monotonic()
    hook = await runner.run("protect", resource, local_bank.section(second, False))
    second_seconds = time.monotonic() - started
    info2 = await image_info(local_bank, second)
    growth = tree_size(local_bank.root) - bank_first
    print(
        f"\n{IMAGE_MIB} MiB image: first protect {first_seconds:.2f} s "
        f"({size / MiB / first_seconds:.0f} MiB/s), bank {bank_first / MiB:.1f} MiB, "
        f"{info.new_chunks} chunks; changed {changed / MiB:.2f} MiB in {changed // WRITE} "
        f"writes; second protect {second_seconds:.2f} s ({size / MiB / second_seconds:.0f} "
        f"MiB/s), uploaded {info2.new_chunks} chunks / {info2.new_bytes / MiB:.2f} MiB, bank "
        f"grew {growth / MiB:.2f} MiB ({growth / changed:.2f}x the change)"
    )
    # A write of w bytes dirties the chunks it touches, at most w / chunk_size + 2 of them;
    # nothing else is uploaded, and the bank grows by no more than those chunks (plus the new
    # checkpoint's manifests and objects).
    writes = changed // WRITE
    touched = writes * (WRITE // blockdev.CHUNK_SIZE + 2) * blockdev.CHUNK_SIZE
    assert info2.new_bytes <= touched
    assert growth <= touched + 1 * MiB, (growth, changed)

    for checkpoint, expected, name in ((first, original, "one"), (second, after_change, "two")):
        target = tmp_path / "restored" / f"{name}.img"
        target.parent.mkdir(exist_ok=True)
        hook = await runner.run(
            "restore", resource, local_bank.section(checkpoint, True), {"target": str(target)}
        )
        assert hook.new_resource_id == str(target)
        assert "digest" in hook.reason and "checked" in hook.reason
        assert filecmp.cmp(target, expected, shallow=False)
        # Zero regions are holes in the restored file.
        assert target.stat().st_blocks * 512 <= size - counts["hole"] - counts["zero"] + 64 * MiB
        hook = await runner.run("verify", resource, local_bank.section(checkpoint, True))
        assert "digest" in hook.reason and "matches" in hook.reason


async def test_copy_keeps_chunk_boundaries(
    tmp_path: Path, plugin_env: Any, local_bank: LocalBank
) -> None:
    path = tmp_path / "small.img"
    make_image(path, 32)
    plugin_env({"devices": [str(path)]})
    runner = Runner(blockdev.BlockDevices())
    source = local_bank.checkpoint()
    await runner.run("protect", resource_of(path), local_bank.section(source, False))
    destination = local_bank.checkpoint()
    hook = await runner.run(
        "copy",
        resource_of(path),
        local_bank.section(source, True),
        copy_section=local_bank.section(destination, False),
    )
    assert "0 chunks sent" in hook.reason  # same bank: every chunk is already there
    target = tmp_path / "from-copy.img"
    await runner.run(
        "restore", resource_of(path), local_bank.section(destination, True), {"target": str(target)}
    )
    assert filecmp.cmp(target, path, shallow=False)


@pytest.mark.parametrize("direct", [True, False], ids=["o_direct", "buffered"])
async def test_old_chunk_size_and_unaligned_tail_restore(
    tmp_path: Path, plugin_env: Any, local_bank: LocalBank, direct: bool, monkeypatch: Any
) -> None:
    """A checkpoint as protected before 1 MiB chunks and chunk-list digests (cut at 256 KiB,
    checked by its whole-image digest) restores and verifies with its own chunk size and
    digest; an image whose size is not a multiple of the O_DIRECT alignment restores byte for
    byte, through O_DIRECT and through the buffered fallback alike."""
    path = tmp_path / "odd.img"
    make_image(path, 24)
    with open(path, "ab") as out:
        out.write(os.urandom(300_000 + 1234))  # a short last chunk, not 4096-aligned
    plugin_env({"devices": [str(path)], "chunk_size": 256 * 1024})
    runner = Runner(blockdev.BlockDevices())
    checkpoint = local_bank.checkpoint()
    await runner.run("protect", resource_of(path), local_bank.section(checkpoint, False))
    info = await image_info(local_bank, checkpoint)
    assert info.chunk_size == 256 * 1024 and info.size == path.stat().st_size
    # As the image object of a checkpoint from before chunk-list digests read.
    old = {**asdict(info), "format": "smaug-blockdev/1", "digest": b3sum(path)}
    del old["chunk_list_digest"]
    async with SectionClient(local_bank.section(checkpoint, False)) as client:
        await client.put_object("image", json.dumps(old).encode())
    if not direct:
        monkeypatch.setattr(blockdev, "_open_direct", lambda _path: -1)
    target = tmp_path / "restored.img"
    plugin_env({"devices": [str(path)]})  # today's default chunk size
    runner = Runner(blockdev.BlockDevices())
    section = local_bank.section(checkpoint, True)
    hook = await runner.run("restore", resource_of(path), section, {"target": str(target)})
    assert b3sum(path) in hook.reason
    assert filecmp.cmp(target, path, shallow=False)
    await runner.run("verify", resource_of(path), section)


@pytest.mark.parametrize("shared_memory", [True, False], ids=["shared-memory", "inline"])
async def test_a_wrong_chunk_list_fails_restore_and_verify(
    tmp_path: Path,
    plugin_env: Any,
    local_bank: LocalBank,
    shared_memory: bool,
    monkeypatch: Any,
) -> None:
    """The chunk-list digest is what ties the chunks to the image: one that does not match what
    comes back (here, a recorded digest altered) fails restore, which leaves no file, and
    verify, both naming it; chunks through shared memory and inside messages alike."""
    if not shared_memory:
        monkeypatch.setenv("SMAUG_BANK_SHARED_MEMORY", "0")
    path = tmp_path / "disk.img"
    make_image(path, 8)
    plugin_env({"devices": [str(path)]})
    runner = Runner(blockdev.BlockDevices())
    checkpoint = local_bank.checkpoint()
    await runner.run("protect", resource_of(path), local_bank.section(checkpoint, False))
    info = await image_info(local_bank, checkpoint)
    section = local_bank.section(checkpoint, True)
    target = tmp_path / "restored.img"
    await runner.run("restore", resource_of(path), section, {"target": str(target)})
    assert filecmp.cmp(target, path, shallow=False)
    target.unlink()
    altered = {**asdict(info), "chunk_list_digest": "blake3:" + "0" * 64}
    async with SectionClient(local_bank.section(checkpoint, False)) as client:
        await client.put_object("image", json.dumps(altered).encode())
    for operation, parameters in (("restore", {"target": str(target)}), ("verify", {})):
        with pytest.raises(PluginError, match="chunk-list digest"):
            await runner.run(operation, resource_of(path), section, parameters)
    assert not target.exists()


# -- memory -------------------------------------------------------------------------------------
PEAK_SCRIPT = """
import asyncio, json, sys
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins import blockdev

async def main():
    section = plugin_pb2.BankSection(address=sys.argv[2], token=sys.argv[3])
    info = await blockdev.protect_device(sys.argv[1], section)
    # VmHWM, not ru_maxrss: a child's ru_maxrss starts at its parent's RSS when it forked.
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    peak = int(status.split()[0]) * 1024
    print(json.dumps({"peak": peak, "new_bytes": info.new_bytes, "seconds": info.seconds}))

asyncio.run(main())
"""


def measure_protect(path: Path, bank: LocalBank) -> dict[str, Any]:
    section = bank.section(bank.checkpoint(), False)
    done = subprocess.run(
        [sys.executable, "-c", PEAK_SCRIPT, str(path), section.address, section.token],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


async def test_protect_memory_is_bounded(tmp_path: Path, local_bank: LocalBank) -> None:
    """Peak RSS of a protect process (new random data, so every chunk is uploaded): the same
    for the image and for half of it, once the pipeline is full."""
    small, big = tmp_path / "small.img", tmp_path / "big.img"
    for path, mib, seed in ((small, IMAGE_MIB // 2, 1), (big, IMAGE_MIB, 2)):
        with open(path, "wb") as out:
            rng = random.Random(seed)
            for _ in range(mib // 4):
                out.write(rng.randbytes(4 * MiB))
    one = await asyncio.to_thread(measure_protect, small, local_bank)
    two = await asyncio.to_thread(measure_protect, big, local_bank)
    print(
        f"\npeak RSS of protect: {IMAGE_MIB // 2} MiB image {one['peak'] / MiB:.0f} MiB, "
        f"{IMAGE_MIB} MiB "
        f"image {two['peak'] / MiB:.0f} MiB ({IMAGE_MIB / two['seconds']:.0f} MiB/s, all new)"
    )
    assert two["new_bytes"] == IMAGE_MIB * MiB
    # Twice the data may fill the pipeline (16 MiB batches, 3 uploads in flight) where the
    # smaller run did not: allow that much, far less than the 128 MiB more data it read.
    assert two["peak"] < one["peak"] + 48 * MiB
    assert two["peak"] < 200 * MiB  # well below the 256 MiB of data it uploaded


# -- consistency commands -----------------------------------------------------------------------
@pytest.fixture
def small_image(tmp_path: Path, plugin_env: Any) -> tuple[Path, Runner]:
    path = tmp_path / "small.img"
    make_image(path, 16)
    plugin_env({"devices": [str(path)]})
    return path, Runner(blockdev.BlockDevices())


async def test_freeze_and_thaw_commands_run_around_the_read(
    small_image: tuple[Path, Runner], local_bank: LocalBank, tmp_path: Path
) -> None:
    path, runner = small_image
    log = tmp_path / "commands.log"
    parameters = {
        "freeze_command": ["/bin/sh", "-c", f'echo "freeze $SMAUG_DEVICE" >> {log}'],
        "thaw_command": f"echo thaw >> {log}",  # a string runs under /bin/sh
    }
    checkpoint = local_bank.checkpoint()
    hook = await runner.run(
        "protect", resource_of(path), local_bank.section(checkpoint, False), parameters
    )
    assert log.read_text().splitlines() == [f"freeze {path}", "thaw"]
    assert "consistency: frozen" in hook.reason and blockdev.LIVE_WARNING not in hook.reason
    assert (await image_info(local_bank, checkpoint)).consistency == "frozen"

    # A failing freeze fails the protect naming the device, and still thaws.
    log.unlink()
    parameters["freeze_command"] = ["/bin/sh", "-c", "echo no such filesystem >&2; exit 3"]
    with pytest.raises(PluginError, match=f"freeze_command for {path} failed .exit status 3.: no"):
        await runner.run(
            "protect",
            resource_of(path),
            local_bank.section(local_bank.checkpoint(), False),
            parameters,
        )
    assert log.read_text() == "thaw\n"

    # A failing thaw fails the protect: the device may still be frozen.
    parameters = {"freeze_command": "true", "thaw_command": "exit 4"}
    with pytest.raises(PluginError, match=r"thaw_command .* failed .*; the copy itself was made"):
        await runner.run(
            "protect",
            resource_of(path),
            local_bank.section(local_bank.checkpoint(), False),
            parameters,
        )

    # A hanging command is killed at the timeout.
    parameters = {"freeze_command": ["sleep", "30"], "command_timeout": 0.5}
    started = time.monotonic()
    with pytest.raises(PluginError, match=r"did not finish within 0\.5 s and was killed"):
        await runner.run(
            "protect",
            resource_of(path),
            local_bank.section(local_bank.checkpoint(), False),
            parameters,
        )
    assert time.monotonic() - started < 5


async def test_snapshot_command_reads_the_path_it_prints(
    small_image: tuple[Path, Runner], local_bank: LocalBank, tmp_path: Path
) -> None:
    path, runner = small_image
    snapshot = tmp_path / "snap.img"
    shutil.copyfile(path, snapshot)
    with open(path, "r+b") as live:  # the live device moves on; the snapshot is what we keep
        live.write(b"changed after the snapshot")
    parameters = {
        "snapshot_command": f"echo making snapshot; echo {snapshot}",
        "release_command": ["/bin/sh", "-c", 'rm "$SMAUG_SNAPSHOT"'],
    }
    checkpoint = local_bank.checkpoint()
    hook = await runner.run(
        "protect", resource_of(path), local_bank.section(checkpoint, False), parameters
    )
    assert "consistency: snapshot" in hook.reason
    assert not snapshot.exists()  # released
    info = await image_info(local_bank, checkpoint)
    assert info.device == str(path) and info.consistency == "snapshot"
    target = tmp_path / "restored.img"
    await runner.run(
        "restore", resource_of(path), local_bank.section(checkpoint, True), {"target": str(target)}
    )
    assert target.read_bytes()[:26] != b"changed after the snapshot"
    bad = {"snapshot_command": "echo not-a-path"}
    with pytest.raises(PluginError, match="printed 'not-a-path'"):
        await runner.run(
            "protect", resource_of(path), local_bank.section(local_bank.checkpoint(), False), bad
        )


# -- cancellation -------------------------------------------------------------------------------
def open_files_of_this_process(path: Path) -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/self/fd/{fd}") == str(path):
                count += 1
    return count


async def test_cancelled_protect_stops_closes_and_thaws(
    image: tuple[Path, Runner, dict[str, int]], local_bank: LocalBank, tmp_path: Path
) -> None:
    path, runner, _ = image
    log = tmp_path / "thawed"
    parameters = {"freeze_command": "true", "thaw_command": f"touch {log}"}
    task = asyncio.ensure_future(
        runner.run(
            "protect",
            resource_of(path),
            local_bank.section(local_bank.checkpoint(), False),
            parameters,
        )
    )
    for _ in range(5000):  # until the read is under way
        if open_files_of_this_process(path):
            break
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.05)
    assert open_files_of_this_process(path)
    cancelled = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - cancelled < 3
    assert log.exists()
    assert open_files_of_this_process(path) == 0


async def test_cancelled_restore_leaves_no_file(
    image: tuple[Path, Runner, dict[str, int]], local_bank: LocalBank, tmp_path: Path
) -> None:
    path, runner, _ = image
    checkpoint = local_bank.checkpoint()
    await runner.run("protect", resource_of(path), local_bank.section(checkpoint, False))
    target = tmp_path / "out" / "partial.img"
    target.parent.mkdir()
    task = asyncio.ensure_future(
        runner.run(
            "restore",
            resource_of(path),
            local_bank.section(checkpoint, True),
            {"target": str(target)},
        )
    )
    for _ in range(5000):
        if any(target.parent.iterdir()):
            break
        await asyncio.sleep(0.001)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(target.parent.iterdir()) == []


# -- restore targets and protectables -----------------------------------------------------------
async def test_restore_refuses_unsafe_targets(
    small_image: tuple[Path, Runner], local_bank: LocalBank, tmp_path: Path
) -> None:
    path, runner = small_image
    checkpoint = local_bank.checkpoint()
    await runner.run("protect", resource_of(path), local_bank.section(checkpoint, False))
    section = local_bank.section(checkpoint, True)
    existing = tmp_path / "existing.img"
    existing.write_bytes(b"mine")
    for target, message in (
        ("", "needs the parameter target"),
        ("relative.img", "must be an absolute path"),
        (str(existing), "exists; name a new file, or pass overwrite: true"),
        (str(tmp_path / "no" / "dir.img"), "does not exist"),
        (str(tmp_path), "neither a block device nor a regular file"),
        ("/dev/null", "neither a block device nor a regular file"),
    ):
        with pytest.raises(PluginError, match=message):
            await runner.run("restore", resource_of(path), section, {"target": target})
    assert existing.read_bytes() == b"mine"
    await runner.run(
        "restore", resource_of(path), section, {"target": str(existing), "overwrite": True}
    )
    assert filecmp.cmp(existing, path, shallow=False)


async def test_protectables_are_the_configured_devices(
    tmp_path: Path, plugin_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, two = tmp_path / "one.img", tmp_path / "two.qcow2"
    one.write_bytes(bytes(3 * MiB))
    two.write_bytes(b"QFI\xfb" + bytes(1020))
    plugin_env({"devices": [str(one), "relative.img"]})
    monkeypatch.setenv("SMAUG_BLOCKDEV_PATHS", f"{two}:{tmp_path / 'missing.img'}")
    plugin = blockdev.BlockDevices()
    assert plugin.devices == [str(one), str(two), str(tmp_path / "missing.img")]
    found = await plugin.list_instances({}, plugin_pb2.CallContext())
    assert [(r.id, r.extra_info["size"], r.extra_info["format"]) for r in found] == [
        (str(one), 3 * MiB, "raw"),
        (str(two), 1024, "qcow2"),
    ]
    assert found[0].extra_info["kind"] == "image file"
    with pytest.raises(RpcError, match="not a configured device"):
        await plugin.show_instance(str(tmp_path / "other.img"), {}, plugin_pb2.CallContext())
    shown = await plugin.show_instance(
        str(tmp_path / "." / "one.img"), {}, plugin_pb2.CallContext()
    )
    assert shown.id == str(one)


async def test_unreadable_device_fails_naming_it(
    tmp_path: Path, plugin_env: Any, local_bank: LocalBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.img"
    path.write_bytes(bytes(MiB))
    plugin_env({"devices": [str(path)]})

    def refuse(name: str) -> int:
        raise PermissionError(13, "Permission denied", name)

    monkeypatch.setattr(blockdev, "_open_read", refuse)
    with pytest.raises(PluginError, match=f"cannot open {path}: Permission denied"):
        await Runner(blockdev.BlockDevices()).run(
            "protect", resource_of(path), local_bank.section(local_bank.checkpoint(), False)
        )


# -- a loop device ------------------------------------------------------------------------------
def losetup(image: Path) -> str:
    """Attach ``image`` to a free loop device; skip (naming losetup's own words) only when this
    machine has no loop device to give."""
    if shutil.which("losetup") is None:
        pytest.skip("losetup is not installed on this machine")
    done = subprocess.run(
        ["losetup", "-f", "--show", str(image)], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.skip(
            f"no loop device in this environment: losetup -f --show said: {done.stderr.strip()}"
        )
    return done.stdout.strip()


@pytest.fixture
def loops(tmp_path: Path) -> Iterator[list[str]]:
    attached: list[str] = []
    yield attached
    for device in attached:
        subprocess.run(["losetup", "-d", device], check=False)


async def test_loop_device_round_trip(
    tmp_path: Path, plugin_env: Any, local_bank: LocalBank, loops: list[str]
) -> None:
    source_image = tmp_path / "loop-source.img"
    make_image(source_image, 64)
    loops.append(losetup(source_image))
    device = loops[0]
    plugin_env({"devices": [device]})
    runner = Runner(blockdev.BlockDevices())
    shown = await runner.plugin.show_instance(device, {}, plugin_pb2.CallContext())
    assert shown.extra_info["kind"] == "block device" and shown.extra_info["size"] == 64 * MiB
    checkpoint = local_bank.checkpoint()
    hook = await runner.run("protect", resource_of(device), local_bank.section(checkpoint, False))
    assert f"protected {device}" in hook.reason
    info = await image_info(local_bank, checkpoint)
    assert info.kind == "block device" and info.chunk_list_digest == chunk_list(source_image)
    section = local_bank.section(checkpoint, True)

    # Into a file, and onto another loop device of the same size.
    target_file = tmp_path / "from-loop.img"
    await runner.run("restore", resource_of(device), section, {"target": str(target_file)})
    assert filecmp.cmp(target_file, source_image, shallow=False)
    target_image = tmp_path / "loop-target.img"
    with open(target_image, "wb") as out:
        out.write(os.urandom(64 * MiB))  # old contents, zero regions included, are overwritten
    loops.append(losetup(target_image))
    hook = await runner.run("restore", resource_of(device), section, {"target": loops[1]})
    assert hook.new_resource_id == loops[1]
    with open(loops[1], "rb") as restored:
        assert (
            hashlib.sha256(restored.read()).digest()
            == hashlib.sha256(source_image.read_bytes()).digest()
        )

    # A smaller device is refused.
    small_image = tmp_path / "loop-small.img"
    small_image.write_bytes(bytes(32 * MiB))
    loops.append(losetup(small_image))
    with pytest.raises(PluginError, match="smaller than the image"):
        await runner.run("restore", resource_of(device), section, {"target": loops[2]})

    # A mounted device is refused, and left alone.
    subprocess.run(["mkfs.ext4", "-q", "-F", loops[1]], check=True, capture_output=True)
    mountpoint = tmp_path / "mnt"
    mountpoint.mkdir()
    mounted = subprocess.run(["mount", loops[1], str(mountpoint)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount in this environment: mount said: {mounted.stderr.strip()}")
    try:
        (mountpoint / "keep").write_text("mine")
        with pytest.raises(PluginError, match=f"restore target {loops[1]} is in use .*mounted at"):
            await runner.run("restore", resource_of(device), section, {"target": loops[1]})
        assert (mountpoint / "keep").read_text() == "mine"
    finally:
        subprocess.run(["umount", str(mountpoint)], check=False)


async def test_mounted_device_is_refused(tmp_path: Path) -> None:
    """The mount check itself, on whatever block device backs a mounted file system here."""
    for line in Path("/proc/self/mounts").read_text().splitlines():
        source = line.split()[0]
        if source.startswith("/dev/") and os.path.exists(source):
            st = os.stat(source)
            if os.path.isabs(source) and (st.st_mode & 0o170000) == 0o060000:
                assert "mounted at" in blockdev.device_in_use(st.st_rdev) or "held by" in (
                    blockdev.device_in_use(st.st_rdev)
                )
                with pytest.raises(PluginError, match="is in use"):
                    blockdev.check_target(source, 1, False)
                return
    pytest.skip("no block device is mounted in this environment (/proc/self/mounts)")


async def test_a_failed_write_fails_the_restore_at_once_and_releases_every_group() -> None:
    """A group whose write fails stops the restore at the next group (not after the whole
    image), and every group's region goes back only once its threads are done with it."""
    info = blockdev.ImageInfo(
        format=blockdev.FORMAT,
        device="/dev/test",
        kind="image file",
        source_format="raw",
        size=3 * MiB,
        chunk_size=MiB,
        segment_bytes=blockdev.SEGMENT_BYTES,
        segments=1,
        digest="",
        chunk_list_digest="blake3:" + "0" * 64,
    )
    released: list[int] = []
    handle = os.open(os.devnull, os.O_WRONLY)
    sink = blockdev._ImageSink(None, info, handle)  # type: ignore[arg-type]
    calls = 0

    def failing_write(offset: int, group: Any) -> None:
        nonlocal calls
        calls += 1
        time.sleep(0.05)  # still running when the caller moves on
        raise OSError(28, "No space left on device")

    sink._write = failing_write  # type: ignore[method-assign]
    data = memoryview(bytes(MiB))

    def group(index: int) -> ChunkGroup:
        return ChunkGroup([(blake3.blake3(data).hexdigest(), data)], lambda: released.append(index))

    try:
        await sink.add(0, group(0))
        assert released == []  # its thread still runs: the region stays out
        await asyncio.sleep(0.2)
        with pytest.raises(OSError, match="No space"):
            await sink.add(MiB, group(1))
        assert sorted(released) == [0, 1] and calls == 1
    finally:
        await sink.close()
        os.close(handle)
