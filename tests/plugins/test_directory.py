"""The directory plugin's hooks in-process against a real bank service: a full tree round trip,
incremental protect through the change cache, restore refusals, verify and cancellation."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

import pytest

from plugins.conftest import LocalBank, Runner, tree_size
from plugins.trees import MiB, build_tree, snapshot
from smaug.plugins import directory
from smaug.plugins.sdk import PluginError, Resource


def counters(reason: str) -> dict[str, int]:
    found = re.search(
        r"read (\d+) files, (\d+) bytes; reused (\d+) unchanged files, (\d+) bytes", reason
    )
    assert found, reason
    files_read, bytes_read, files_reused, bytes_reused = map(int, found.groups())
    return {
        "files_read": files_read,
        "bytes_read": bytes_read,
        "files_reused": files_reused,
        "bytes_reused": bytes_reused,
    }


@pytest.fixture
def tree(tmp_path: Path, plugin_env: Any) -> tuple[Path, Runner]:
    root = tmp_path / "data" / "tree"
    root.mkdir(parents=True)
    build_tree(root, big_mib=12, small_files=1500)
    plugin_env({"roots": [str(tmp_path / "data")], "cache_dir": str(tmp_path / "cache")})
    return root, Runner(directory.Directories())


async def test_round_trip_and_incremental_protect(
    tree: tuple[Path, Runner], local_bank: LocalBank, tmp_path: Path
) -> None:
    root, runner = tree
    resource = Resource(directory.RESOURCE_TYPE, str(root), "tree")
    before = snapshot(root)

    first = local_bank.checkpoint()
    hook = await runner.run("protect", resource, local_bank.section(first, False))
    one = counters(hook.reason)
    assert one["files_reused"] == 0 and one["bytes_read"] == sum(
        r.get("size", 0) for p, r in before.items() if r.get("nlink", 1) == 1 or p != "hard"
    )
    assert "pipe" not in hook.reason  # fifos are kept, not skipped
    after_first = tree_size(local_bank.root)

    # Change one small file, append to the big one, protect again.
    os.utime(root / "many" / "f0007.txt", ns=(0, 0))  # mtime change only: re-read, same bytes
    (root / "many" / "f0010.txt").write_text("changed\n")
    with open(root / "big.bin", "ab") as out:
        out.write(b"appended" * 1000)
    changed = snapshot(root)
    second = local_bank.checkpoint()
    hook = await runner.run("protect", resource, local_bank.section(second, False))
    two = counters(hook.reason)
    # Exactly the big file and the packs holding the two changed small files are read.
    entries, _ = directory.walk(root, [])
    small = [e for e in entries if e.type == "file" and 0 < e.size < directory.SMALL_FILE]
    touched = [
        pack
        for pack in directory.make_packs(small)
        if {"many/f0007.txt", "many/f0010.txt"} & {m.path for m in pack}
    ]
    assert two["files_read"] == 1 + sum(len(pack) for pack in touched)
    assert two["bytes_read"] == (root / "big.bin").stat().st_size + sum(
        m.size for pack in touched for m in pack
    )
    assert two["files_reused"] == one["files_read"] - two["files_read"]
    growth = tree_size(local_bank.root) - after_first
    assert growth < 3 * MiB, growth  # a few new chunks plus index and manifests

    # Restore both checkpoints and compare with the tree as it was each time.
    for checkpoint, expected, name in ((first, before, "one"), (second, changed, "two")):
        target = tmp_path / "restored" / name
        hook = await runner.run(
            "restore", resource, local_bank.section(checkpoint, True), {"target": str(target)}
        )
        assert hook.new_resource_id == str(target)
        assert snapshot(target) == expected
        hook = await runner.run("verify", resource, local_bank.section(checkpoint, True))
        assert "verified" in hook.reason


async def test_unchanged_tree_reads_nothing_and_missing_chunks_are_read_again(
    tree: tuple[Path, Runner], local_bank: LocalBank
) -> None:
    root, runner = tree
    resource = Resource(directory.RESOURCE_TYPE, str(root), "tree")
    await runner.run("protect", resource, local_bank.section(local_bank.checkpoint(), False))
    hook = await runner.run("protect", resource, local_bank.section(local_bank.checkpoint(), False))
    assert counters(hook.reason)["bytes_read"] == 0
    # Lose every chunk: the cache's references are refused and everything is read again.
    chunks = [p for p in local_bank.root.rglob("*") if "chunks" in p.parts and p.is_file()]
    assert chunks
    for chunk in chunks:
        chunk.unlink()
    hook = await runner.run("protect", resource, local_bank.section(local_bank.checkpoint(), False))
    assert counters(hook.reason)["files_reused"] == 0


async def test_restore_refuses_unsafe_targets(
    tree: tuple[Path, Runner], local_bank: LocalBank, tmp_path: Path
) -> None:
    root, runner = tree
    resource = Resource(directory.RESOURCE_TYPE, str(root), "tree")
    checkpoint = local_bank.checkpoint()
    await runner.run("protect", resource, local_bank.section(checkpoint, False))
    section = local_bank.section(checkpoint, True)
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep").write_text("mine")
    for target, message in (
        ("", "needs the parameter target"),
        ("relative/path", "must be an absolute path"),
        (str(full), "is not empty"),
        (str(root), "would write into the protected directory"),
        (str(root / "sub"), "would write into the protected directory"),
    ):
        with pytest.raises(PluginError, match=message):
            await runner.run("restore", resource, section, {"target": target})
    assert (full / "keep").read_text() == "mine"


async def test_unreadable_file_fails_naming_it(
    tree: tuple[Path, Runner], local_bank: LocalBank, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, runner = tree
    resource = Resource(directory.RESOURCE_TYPE, str(root), "tree")
    secret = root / "a" / "secret"
    secret.write_text("no")
    os.chmod(secret, 0)
    if os.geteuid() == 0:  # root reads every file: refuse this one as the kernel would
        opener = directory._open_nofollow

        def refuse(path: str) -> int:
            if path == str(secret):
                raise PermissionError(13, "Permission denied", path)
            return opener(path)

        monkeypatch.setattr(directory, "_open_nofollow", refuse)
    with pytest.raises(PluginError, match=f"cannot read {secret}: Permission denied"):
        await runner.run("protect", resource, local_bank.section(local_bank.checkpoint(), False))


async def test_cancelled_restore_removes_the_partial_tree(
    tree: tuple[Path, Runner], local_bank: LocalBank, tmp_path: Path
) -> None:
    root, runner = tree
    resource = Resource(directory.RESOURCE_TYPE, str(root), "tree")
    checkpoint = local_bank.checkpoint()
    await runner.run("protect", resource, local_bank.section(checkpoint, False))
    target = tmp_path / "partial"
    task = asyncio.ensure_future(
        runner.run(
            "restore", resource, local_bank.section(checkpoint, True), {"target": str(target)}
        )
    )
    for _ in range(10_000):  # until the restore has started writing
        if target.exists():
            break
        await asyncio.sleep(0.001)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not target.exists()


async def test_copy_then_restore_the_copy(
    tree: tuple[Path, Runner], local_bank: LocalBank, tmp_path: Path
) -> None:
    root, runner = tree
    resource = Resource(directory.RESOURCE_TYPE, str(root), "tree")
    source = local_bank.checkpoint()
    await runner.run("protect", resource, local_bank.section(source, False))
    destination = local_bank.checkpoint()
    hook = await runner.run(
        "copy",
        resource,
        local_bank.section(source, True),
        copy_section=local_bank.section(destination, False),
    )
    assert "copied" in hook.reason
    target = tmp_path / "from-copy"
    await runner.run(
        "restore", resource, local_bank.section(destination, True), {"target": str(target)}
    )
    assert snapshot(target) == snapshot(root)


def test_roots_come_from_settings_and_the_environment(
    plugin_env: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    plugin_env({"roots": [str(tmp_path / "a")]})
    monkeypatch.setenv("SMAUG_DIRECTORY_ROOTS", f"{tmp_path / 'b'}:relative:{tmp_path / 'a'}")
    assert directory.configured_roots() == [tmp_path / "a", tmp_path / "b"]
