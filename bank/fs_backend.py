"""The filesystem backend: the embedded default.

Layout under the root directory:
  objects/<segment>/.../<last segment>~   one file per object ('~' cannot occur in a key, so a
                                          key 'a' (file 'a~') and 'a/b' (dir 'a') never collide)
  objects/.../~tmp-<uuid>                  a put in progress, renamed into place when complete
  staging/                                chunks being deleted by GC (rename, check, unlink)
  locks/                                  flock files serialising conditional writes per key

Writes are atomic: write a temp file beside the target, fsync it, rename it over the target, so a
reader sees the old object or the new one, never half of one, even if the writer is killed
mid-write. The directory is fsynced too (durable=True), at once for ordinary objects and in bulk
at sync() for chunks, which the bank calls before committing a manifest that refers to them.
Conditional creates use os.link, which fails
if the name exists; compare-and-swap holds an exclusive flock on the key's lock file, which works
between processes on one host (not on NFS without lockd).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from smaug.bank.backend import Backend, ObjectInfo
from smaug.bank.errors import ObjectNotFound, PreconditionFailed

_SUFFIX = "~"
_TEMP = "~tmp-"  # temp files sit beside their destination; '~' never starts a key segment
#: Chunk writes come by the thousand: their renames are made durable in bulk by sync().
DEFERRED_SYNC_PREFIX = "chunks/"


class FilesystemBackend(Backend):
    #: Threads that keep a local disk busy without queueing on kernel locks.
    preferred_workers = 8

    def __init__(self, root: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.root = Path(root)
        self.location = f"file://{self.root}"
        self.durable = durable
        self._objects = self.root / "objects"
        self._staging = self.root / "staging"
        self._locks = self.root / "locks"
        for folder in (self._objects, self._staging, self._locks):
            folder.mkdir(parents=True, exist_ok=True)
        self._made_dirs: set[Path] = set()
        self._unsynced_dirs: set[Path] = set()
        self._unsynced_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FilesystemBackend({str(self.root)!r})"

    # -- paths -----------------------------------------------------------------------------
    def _path(self, key: str) -> Path:
        return self._objects / (key + _SUFFIX)

    def _key_of(self, path: Path) -> str:
        return path.relative_to(self._objects).as_posix()[: -len(_SUFFIX)]

    @staticmethod
    def _etag(stat: os.stat_result) -> str:
        # A rename-over gives a new inode and mtime, so the triple changes on every write.
        return f"{stat.st_ino:x}.{stat.st_mtime_ns:x}.{stat.st_size:x}"

    def _info(self, key: str, stat: os.stat_result) -> ObjectInfo:
        return ObjectInfo(key, stat.st_size, self._etag(stat), stat.st_mtime)

    @contextlib.contextmanager
    def _locked(self, key: str) -> Iterator[None]:
        name = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        fd = os.open(self._locks / name, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing drops the flock

    def _stage(self, data: bytes | Sequence[bytes | memoryview], folder: Path, sync: bool) -> Path:
        # Beside its destination: the rename stays in one directory, and parallel writers do
        # not all contend for one staging directory's lock.
        temp = folder / f"{_TEMP}{uuid.uuid4().hex}"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:  # a concurrent delete pruned the folder
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            pieces = [data] if isinstance(data, bytes) else data
            parts: list[memoryview] = [memoryview(piece) for piece in pieces]
            while parts:
                written = os.writev(fd, parts)
                while parts and written >= len(parts[0]):
                    written -= len(parts[0])
                    parts.pop(0)
                if parts and written:
                    parts[0] = parts[0][written:]
            if sync:
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            temp.unlink(missing_ok=True)
            raise
        os.close(fd)
        return temp

    def _ensure_parent(self, path: Path) -> None:
        parent = path.parent
        if parent not in self._made_dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._made_dirs.add(parent)

    def _sync_dir(self, path: Path) -> None:
        if self.durable:
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    # -- Backend ---------------------------------------------------------------------------
    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None

    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo]:
        try:
            with open(self._path(key), "rb") as handle:
                stat = os.fstat(handle.fileno())
                return handle.read(), self._info(key, stat)
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None

    def read_into(self, key: str, buffer: bytearray) -> int | None:
        try:
            fd = os.open(self._path(key), os.O_RDONLY)
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        try:
            size = 0
            with memoryview(buffer) as view:
                while size < len(view):
                    got = os.readv(fd, [view[size:]])
                    if got == 0:
                        return size
                    size += got
            return None if os.read(fd, 1) else size
        finally:
            os.close(fd)

    def head(self, key: str) -> ObjectInfo | None:
        try:
            return self._info(key, os.stat(self._path(key)))
        except (FileNotFoundError, NotADirectoryError):
            return None

    def put_parts(self, key: str, parts: Sequence[bytes | memoryview]) -> str:
        return self._put(key, parts, False, None, True)

    def put(
        self,
        key: str,
        data: bytes,
        *,
        if_none_match: bool = False,
        if_match: str | None = None,
        durable: bool = True,
    ) -> str:
        return self._put(key, data, if_none_match, if_match, durable)

    def _put(
        self,
        key: str,
        data: bytes | Sequence[bytes | memoryview],
        if_none_match: bool,
        if_match: str | None,
        durable: bool,
    ) -> str:
        path = self._path(key)
        self._ensure_parent(path)
        sync = self.durable and durable
        temp = self._stage(data, path.parent, sync)
        try:
            if if_none_match or if_match is not None:
                with self._locked(key):
                    self._place_conditionally(key, path, temp, if_none_match, if_match)
            else:
                try:
                    os.replace(temp, path)
                except FileNotFoundError:  # parent removed by a concurrent delete; remake it
                    path.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(temp, path)
            if not sync:
                pass
            elif key.startswith(DEFERRED_SYNC_PREFIX) and not (if_none_match or if_match):
                with self._unsynced_lock:
                    self._unsynced_dirs.add(path.parent)
            else:
                self._sync_dir(path.parent)
            return self._etag(os.stat(path))
        finally:
            temp.unlink(missing_ok=True)

    def _place_conditionally(
        self, key: str, path: Path, temp: Path, if_none_match: bool, if_match: str | None
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)  # a concurrent delete may have pruned it
        if if_none_match:
            try:
                os.link(temp, path)  # atomic: fails if the name exists
            except FileExistsError:
                raise PreconditionFailed(key, "object already exists") from None
            return
        current = self.head(key)
        if current is None or current.etag != if_match:
            raise PreconditionFailed(key, "object changed since it was read")
        os.replace(temp, path)

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        path = self._path(key)
        if if_match is not None:
            with self._locked(key):
                current = self.head(key)
                if current is None or current.etag != if_match:
                    raise PreconditionFailed(key, "object changed since it was read")
                path.unlink(missing_ok=True)
        else:
            with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                path.unlink()
        self._prune_dirs(path.parent)

    def _prune_dirs(self, folder: Path) -> None:
        # Drop emptied directories so listings stay cheap; a racing writer remakes what it needs.
        while folder != self._objects:
            try:
                folder.rmdir()
            except OSError:
                return
            self._made_dirs.discard(folder)
            folder = folder.parent

    def list(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> list[str]:
        keys: list[str] = []
        if limit is not None and limit <= 0:
            return keys
        for key in self._walk(prefix, start_after, reverse):
            keys.append(key)
            if limit is not None and len(keys) >= limit:
                break
        return keys

    def _walk(self, prefix: str, start_after: str | None, reverse: bool) -> Iterator[str]:
        folder_part, _, _ = prefix.rpartition("/")
        base = self._objects / folder_part if folder_part else self._objects
        base_key = folder_part + "/" if folder_part else ""
        yield from self._walk_dir(base, base_key, prefix, start_after, reverse)

    def _walk_dir(
        self, folder: Path, base_key: str, prefix: str, start_after: str | None, reverse: bool
    ) -> Iterator[str]:
        try:
            names = os.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return
        entries: list[tuple[str, bool]] = []  # (sort key, is_dir)
        for name in names:
            if name.startswith(_TEMP):
                continue
            if name.endswith(_SUFFIX):
                entries.append((base_key + name[: -len(_SUFFIX)], False))
            else:
                entries.append((base_key + name + "/", True))
        entries.sort(reverse=reverse)
        for sort_key, is_dir in entries:
            # Keep only entries that can hold keys with the prefix.
            if not (sort_key.startswith(prefix) or (is_dir and prefix.startswith(sort_key))):
                continue
            if is_dir:
                if start_after is not None and not start_after.startswith(sort_key):
                    # The whole subtree lies on one side of the marker.
                    if (not reverse and start_after > sort_key) or (
                        reverse and start_after < sort_key
                    ):
                        continue
                yield from self._walk_dir(
                    folder / sort_key[len(base_key) : -1], sort_key, prefix, start_after, reverse
                )
            else:
                if start_after is not None and (
                    (not reverse and sort_key <= start_after)
                    or (reverse and sort_key >= start_after)
                ):
                    continue
                yield sort_key

    def scan(self, prefix: str) -> Iterator[ObjectInfo]:
        for key in self._walk(prefix, None, False):
            info = self.head(key)
            if info is not None:
                yield info

    def touch(self, key: str) -> bool:
        try:
            os.utime(self._path(key))
            return True
        except (FileNotFoundError, NotADirectoryError):
            return False

    def delete_if_stale(self, key: str, modified_before: float) -> bool:
        path = self._path(key)
        trash = self._staging / f"{uuid.uuid4().hex}.gc"
        try:
            os.rename(path, trash)  # atomic: a writer now sees the object missing, not stale
        except (FileNotFoundError, NotADirectoryError):
            return False
        if os.stat(trash).st_mtime >= modified_before:
            # Touched or rewritten just before we took it: put it back unless rewritten since.
            try:
                os.link(trash, path)
            except FileExistsError:
                pass
            except OSError as error:
                if error.errno != errno.ENOENT:
                    raise
                path.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(FileExistsError):
                    os.link(trash, path)
            trash.unlink()
            return False
        trash.unlink()
        self._prune_dirs(path.parent)
        return True

    def sync(self) -> None:
        with self._unsynced_lock:
            folders, self._unsynced_dirs = self._unsynced_dirs, set()
        for folder in folders:
            with contextlib.suppress(FileNotFoundError):
                self._sync_dir(folder)

    def temp_files(self) -> Sequence[Path]:
        """Temp files left by writers that died mid-put (never visible as objects)."""
        found = [Path(entry.path) for entry in os.scandir(self._staging)]
        for folder, _, names in os.walk(self._objects):
            found += [Path(folder) / name for name in names if name.startswith(_TEMP)]
        return found

    def clean_temp_files(self, older_than: float = 3600.0) -> int:
        """Remove temp files older than `older_than` seconds (maintenance); returns how many."""
        removed = 0
        cutoff = time.time() - older_than
        for path in self.temp_files():
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        return removed
