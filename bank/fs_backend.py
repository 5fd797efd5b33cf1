"""The filesystem backend: the embedded default.

Layout under the root directory:
  objects/<segment>/.../<last segment>~   one file per object ('~' cannot occur in a key, so a
                                          key 'a' (file 'a~') and 'a/b' (dir 'a') never collide)
  objects/.../~tmp-<uuid>                  a put in progress, renamed into place when complete
  staging/                                chunks being deleted by GC (rename, check, unlink)
  locks/                                  flock files serialising conditional writes per key

Writes are atomic: write a temp file beside the target, fsync it, rename it over the target, so a
reader sees the old object or the new one, never half of one, even if the writer is killed
mid-write. The directory is fsynced too (durable=True). Conditional creates use os.link, which
fails if the name exists; compare-and-swap holds an exclusive flock on the key's lock file, which
works between processes on one host (not on NFS without lockd).

Deferred puts (put_parts(..., deferred=True), what the data paths use for chunks) batch that
durability: the temp file is written and its writeback started (sync_file_range), but it is
neither fsynced nor renamed; sync(), which the bank calls before committing a manifest, makes
every such file durable with one syncfs() of the bank's file system (or an fsync per file where
syncfs is missing), renames them into place, and syncs again for the directories. A chunk is
thus never visible under its name before its bytes are durable: after a crash, the chunk
is absent (a later protect uploads it again), never present with lost contents that dedup would
trust. A thousand chunks cost two device flushes instead of a thousand.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import os
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from smaug.bank.backend import Backend, ObjectInfo
from smaug.bank.errors import ObjectNotFound, PreconditionFailed

_SUFFIX = "~"
_TEMP = "~tmp-"  # temp files sit beside their destination; '~' never starts a key segment
#: Chunk writes come by the thousand: their renames are made durable in bulk by sync().
DEFERRED_SYNC_PREFIX = "chunks/"
#: Deferred puts waiting for sync() beyond this many are synced by the put that adds one more,
#: so temp files never wait long (clean_temp_files removes old ones) nor pile up.
DEFERRED_LIMIT = 2048
_SYNC_FILE_RANGE_WRITE = 2


def _libc_function(name: str) -> Any:
    found = ctypes.util.find_library("c")
    if not found:
        return None
    try:
        function = getattr(ctypes.CDLL(found, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    return function


_syncfs = _libc_function("syncfs")
_sync_file_range = _libc_function("sync_file_range")
if _sync_file_range is not None:
    _sync_file_range.argtypes = [ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint]


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
        self._unsynced_files: list[tuple[Path, Path]] = []  # deferred puts: (temp, target)
        self._unsynced_lock = threading.Lock()
        self._sync_lock = threading.Lock()  # one sync() at a time: see sync()
        self._prepare_chunk_folders()

    def __repr__(self) -> str:
        return f"FilesystemBackend({str(self.root)!r})"

    def _prepare_chunk_folders(self) -> None:
        """Make chunks/00 .. chunks/ff when the bank is new (as restic's init makes its data/
        folders), so the first protect does not pay 256 directory creations on the way."""
        top = self._objects / DEFERRED_SYNC_PREFIX.rstrip("/")
        if top.exists():
            return
        for index in range(256):
            (top / f"{index:02x}").mkdir(parents=True, exist_ok=True)

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

    def _stage(
        self,
        data: bytes | Sequence[bytes | memoryview],
        folder: Path,
        sync: bool,
        start_writeback: bool = False,
    ) -> Path:
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
            elif start_writeback and _sync_file_range is not None:
                # Start writing it out now, so sync() later waits for little.
                _sync_file_range(fd, 0, 0, _SYNC_FILE_RANGE_WRITE)
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

    def put_parts(
        self, key: str, parts: Sequence[bytes | memoryview], *, deferred: bool = False
    ) -> str:
        if not (deferred and self.durable):
            return self._put(key, parts, False, None, True)
        path = self._path(key)
        self._ensure_parent(path)
        temp = self._stage(parts, path.parent, sync=False, start_writeback=True)
        with self._unsynced_lock:
            self._unsynced_files.append((temp, path))
            full = len(self._unsynced_files) >= DEFERRED_LIMIT
        if full:
            self.sync()
        return ""

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
        """Make every completed put durable and every deferred put visible. Serialised: a
        sync() returns only once the puts that finished before it began are durable, even
        those another thread's sync() took over."""
        with self._sync_lock:
            with self._unsynced_lock:
                files, self._unsynced_files = self._unsynced_files, []
                folders, self._unsynced_dirs = self._unsynced_dirs, set()
            if files:
                self._flush_files([temp for temp, _ in files])
                failed: OSError | None = None
                for temp, path in files:
                    try:
                        self._rename_into_place(temp, path)
                    except OSError as error:
                        failed = failed or error
                    folders.add(path.parent)
                if failed is not None:
                    raise failed
            if folders and not self._flush_filesystem():
                for folder in folders:
                    with contextlib.suppress(FileNotFoundError):
                        self._sync_dir(folder)

    def _flush_filesystem(self) -> bool:
        """syncfs() of the bank's file system; False where the platform has none."""
        if not self.durable:
            return True
        if _syncfs is None:
            return False
        fd = os.open(self._objects, os.O_RDONLY | os.O_DIRECTORY)
        try:
            if _syncfs(fd) != 0:
                code = ctypes.get_errno()
                raise OSError(code, f"syncfs of {self.root}: {os.strerror(code)}")
        finally:
            os.close(fd)
        return True

    def _flush_files(self, temps: Sequence[Path]) -> None:
        if self._flush_filesystem():
            return
        for temp in temps:
            fd = os.open(temp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _rename_into_place(self, temp: Path, path: Path) -> None:
        try:
            os.replace(temp, path)
        except FileNotFoundError:
            if not temp.exists():
                raise OSError(
                    errno.ENOENT,
                    f"deferred write {temp} vanished before sync() (removed as a stale temp "
                    "file?); the stream that wrote it must be written again",
                ) from None
            path.parent.mkdir(parents=True, exist_ok=True)  # pruned by a concurrent delete
            os.replace(temp, path)

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
