"""Building directory trees for the directory plugin's tests, and comparing them."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

MiB = 1024 * 1024


def build_tree(root: Path, big_mib: int = 8, small_files: int = 300) -> None:
    """Nested directories, many small files, a symlink, a dangling symlink, an empty file, a
    hard link, a file and a directory with unusual permissions, and one big file."""
    (root / "a" / "b" / "c").mkdir(parents=True)
    (root / "many").mkdir()
    for n in range(small_files):
        (root / "many" / f"f{n:04d}.txt").write_bytes(f"small file {n}\n".encode() * (n % 50 + 1))
    (root / "a" / "b" / "c" / "deep.txt").write_text("deep\n")
    (root / "a" / "notes.md").write_text("# notes\n" * 100)
    (root / "empty").write_bytes(b"")
    (root / "link").symlink_to("a/notes.md")
    (root / "dangling").symlink_to("/nonexistent/target")
    (root / "odd").write_text("odd permissions\n")
    os.chmod(root / "odd", 0o4751)
    (root / "a" / "locked").mkdir()
    (root / "a" / "locked" / "inside").write_text("x")
    os.chmod(root / "a" / "locked", 0o550)
    os.link(root / "a" / "notes.md", root / "hard")
    os.chown(root / "a" / "notes.md", 1234, 4321, follow_symlinks=False)
    os.mkfifo(root / "pipe")
    os.utime(root / "a" / "b" / "c" / "deep.txt", ns=(1_000_000_000, 1_500_000_000_123))
    block = os.urandom(MiB)
    with open(root / "big.bin", "wb") as out:
        for n in range(big_mib):
            out.write(block[n:] + block[:n])
    medium = os.urandom(3 * MiB)
    (root / "a" / "medium.bin").write_bytes(medium)


def snapshot(root: Path) -> dict[str, Any]:
    """Everything the plugin promises to keep, per relative path."""
    found: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            path = Path(dirpath) / name
            st = path.lstat()
            relative = str(path.relative_to(root))
            record: dict[str, Any] = {
                "mode": st.st_mode,
                "uid": st.st_uid,
                "gid": st.st_gid,
            }
            if stat.S_ISLNK(st.st_mode):
                record["target"] = os.readlink(path)
            else:
                record["mtime_ns"] = st.st_mtime_ns
            if stat.S_ISREG(st.st_mode):
                record["size"] = st.st_size
                record["data"] = _digest(path)
                record["nlink"] = st.st_nlink
            found[relative] = record
    top = root.stat()
    found["."] = {"mode": top.st_mode, "mtime_ns": top.st_mtime_ns}
    return found


def _digest(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while block := source.read(MiB):
            digest.update(block)
    return digest.hexdigest()
