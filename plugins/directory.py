"""The directory-tree plugin server: protects directory trees on this machine.

Its protectables are the configured roots (settings ``roots``: a list of absolute paths) and any
directory under them; a directory is named by its absolute path, which is also its id.
Run by the protection service, or standalone: ``python -m smaug.plugins.directory --listen ADDR``.

Settings (JSON in SMAUG_PLUGIN_CONFIG): ``roots`` (list of absolute paths; the environment
variable SMAUG_DIRECTORY_ROOTS, ``:``-separated, adds more), ``cache_dir`` (where
the change cache lives; default ``$XDG_CACHE_HOME/smaug/directory``, else
``~/.cache/smaug/directory``).

Bank layout of one directory's section (format ``smaug-directory/1``):

``index`` (stream)
    JSON lines. Line 1 is a header ``{"format", "root", "entries", "bytes", "packs", "files"}``;
    then one entry per file system object in walk order (every parent before its children):
    ``{"path", "type", "mode", "uid", "gid", "mtime_ns", "atime_ns"}`` plus, by type: ``file``:
    ``size`` and where its bytes are (``pack`` + ``offset``, or ``stream``; none when empty);
    ``symlink``: ``target``; ``hardlink``: ``target`` (the path of the first link, stored as a
    file); ``dir`` and ``fifo``: nothing more. ``path`` is relative to the root (``.`` is the
    root itself); names that are not UTF-8 round-trip as JSON ``\\udcXX`` escapes.
``packs/NNNNNN`` (streams)
    Small files (under 1 MiB), concatenated in walk order. Pack boundaries are content-defined
    over the file list (cut after a file whose path hash hits, once the pack holds 512 KiB or 256
    files; forced at 8 MiB), so adding or removing a file changes only its own pack. Thousands
    of small files cost a handful of streams, and one index stream. A changed small file costs
    re-reading its pack (at most 8 MiB); only the pack's changed chunks are uploaded.
``files/NNNNNN`` (streams)
    One stream per file of 1 MiB or more.
``summary`` (object)
    The header line again plus what this protect read and reused, for people and tools.

Incremental protect: the plugin keeps a cache on its own host (one JSON file per provider and
directory under ``cache_dir``) recording, for each big file, its size, mtime and inode with the
chunk references of its stream, and for each pack a signature of its members (path, size, mtime,
inode) with the pack's chunk references. On the next protect a big file or pack whose stat is
unchanged is not read: its cached references are offered to the bank (FindMissingChunks, which
also pins them against garbage collection) and committed with CommitStream. If any chunk is gone,
or the commit fails, the file or pack is read again. Changed files are read in full but, as the
chunk store deduplicates content-defined chunks, only their changed chunks are uploaded.

Restore writes into the restore parameter ``target`` (an absolute path of a missing or empty
directory, never inside the protected directory while that exists), never follows a symlink while
writing, sets ownership where permitted, then modes and times; what it could not do is reported in
the resource's reason. Verify re-reads every chunk of every stream and checks the sizes against
the index.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fnmatch
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc

from smaug.bank.client import SectionClient
from smaug.bank.service import GRPC_MESSAGE_OPTIONS
from smaug.bank.v1 import bank_pb2, bank_pb2_grpc
from smaug.mesh.errors import invalid_argument, not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import Hook, PluginError, PluginServer, Resource, ResourcePlugin

RESOURCE_TYPE = "Smaug::Directory"
FORMAT = "smaug-directory/1"
SMALL_FILE = 1024 * 1024
PACK_MIN_BYTES = 512 * 1024
PACK_MIN_FILES = 256
PACK_MAX_BYTES = 8 * 1024 * 1024
PACK_CUT = 8  # after the minimum, one file in 8 (by path hash) ends a pack
READ_BLOCK = 4 * 1024 * 1024
FIND_BATCH = 4096
PROGRESS_INTERVAL = 0.5
CACHE_FORMAT = 1


def plugin_settings() -> dict[str, Any]:
    settings: dict[str, Any] = json.loads(os.environ.get("SMAUG_PLUGIN_CONFIG") or "{}")
    return settings


def configured_roots() -> list[Path]:
    """Settings ``roots``, plus SMAUG_DIRECTORY_ROOTS (paths separated by ``:``), which the
    plugin inherits from ``smaug up`` and so needs no configuration file."""
    roots = [str(root) for root in plugin_settings().get("roots", [])]
    roots += [r for r in os.environ.get("SMAUG_DIRECTORY_ROOTS", "").split(os.pathsep) if r]
    return list(dict.fromkeys(Path(root).resolve() for root in roots if os.path.isabs(root)))


def cache_dir() -> Path:
    configured = plugin_settings().get("cache_dir")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "smaug" / "directory"


def human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


# -- the tree -----------------------------------------------------------------------------------
@dataclass
class Entry:
    path: str
    type: str  # dir, file, symlink, hardlink, fifo
    mode: int
    uid: int
    gid: int
    mtime_ns: int
    atime_ns: int
    size: int = 0
    ino: int = 0
    target: str = ""
    pack: str = ""
    offset: int = 0
    stream: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "type": self.type,
            "mode": self.mode,
            "uid": self.uid,
            "gid": self.gid,
            "mtime_ns": self.mtime_ns,
            "atime_ns": self.atime_ns,
        }
        if self.type == "file":
            out["size"] = self.size
            if self.pack:
                out["pack"], out["offset"] = self.pack, self.offset
            elif self.stream:
                out["stream"] = self.stream
        if self.type in ("symlink", "hardlink"):
            out["target"] = self.target
        return out

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Entry:
        return cls(
            path=str(raw["path"]),
            type=str(raw["type"]),
            mode=int(raw["mode"]),
            uid=int(raw["uid"]),
            gid=int(raw["gid"]),
            mtime_ns=int(raw["mtime_ns"]),
            atime_ns=int(raw.get("atime_ns", raw["mtime_ns"])),
            size=int(raw.get("size", 0)),
            target=str(raw.get("target", "")),
            pack=str(raw.get("pack", "")),
            offset=int(raw.get("offset", 0)),
            stream=str(raw.get("stream", "")),
        )

    def signature(self) -> list[Any]:
        return [self.path, self.size, self.mtime_ns, self.ino]


def _entry(path: str, kind: str, st: os.stat_result) -> Entry:
    return Entry(
        path=path,
        type=kind,
        mode=stat.S_IMODE(st.st_mode),
        uid=st.st_uid,
        gid=st.st_gid,
        mtime_ns=st.st_mtime_ns,
        atime_ns=st.st_atime_ns,
        size=st.st_size if kind == "file" else 0,
        ino=st.st_ino,
    )


def walk(root: Path, excludes: list[str]) -> tuple[list[Entry], list[str]]:
    """Every object under ``root`` (not following symlinks), parents first, in a stable order;
    and what was skipped, with why."""
    skipped: list[str] = []
    try:
        top = os.lstat(root)
    except OSError as error:
        raise PluginError(f"cannot read directory {root}: {error.strerror}") from None
    if not stat.S_ISDIR(top.st_mode):
        raise PluginError(f"{root} is not a directory")
    entries = [_entry(".", "dir", top)]
    first_link: dict[tuple[int, int], str] = {}
    pending: list[tuple[str, str]] = [(str(root), ".")]
    while pending:
        directory, relative = pending.pop()
        try:
            with os.scandir(directory) as listing:
                children = sorted(listing, key=lambda item: item.name)
        except FileNotFoundError:
            skipped.append(f"{relative}: vanished during protect")
            continue
        except OSError as error:
            raise PluginError(f"cannot list directory {directory}: {error.strerror}") from None
        subdirectories: list[tuple[str, str]] = []
        for child in children:
            path = child.name if relative == "." else f"{relative}/{child.name}"
            if any(fnmatch.fnmatch(path, p) or fnmatch.fnmatch(child.name, p) for p in excludes):
                continue
            try:
                st = child.stat(follow_symlinks=False)
            except FileNotFoundError:
                skipped.append(f"{path}: vanished during protect")
                continue
            except OSError as error:
                raise PluginError(f"cannot stat {child.path}: {error.strerror}") from None
            mode = st.st_mode
            if stat.S_ISDIR(mode):
                entries.append(_entry(path, "dir", st))
                subdirectories.append((child.path, path))
            elif stat.S_ISREG(mode):
                key = (st.st_dev, st.st_ino)
                if st.st_nlink > 1 and key in first_link:
                    link = _entry(path, "hardlink", st)
                    link.target = first_link[key]
                    entries.append(link)
                else:
                    if st.st_nlink > 1:
                        first_link[key] = path
                    entries.append(_entry(path, "file", st))
            elif stat.S_ISLNK(mode):
                link = _entry(path, "symlink", st)
                try:
                    link.target = os.readlink(child.path)
                except FileNotFoundError:
                    skipped.append(f"{path}: vanished during protect")
                    continue
                entries.append(link)
            elif stat.S_ISFIFO(mode):
                entries.append(_entry(path, "fifo", st))
            else:
                kind = "socket" if stat.S_ISSOCK(mode) else "device file"
                skipped.append(f"{path}: a {kind} is not protected")
        pending.extend(reversed(subdirectories))
    return entries, skipped


def make_packs(files: list[Entry]) -> list[list[Entry]]:
    """Group small files into packs with content-defined boundaries over the file list."""
    packs: list[list[Entry]] = []
    current: list[Entry] = []
    size = 0
    for entry in files:
        current.append(entry)
        size += entry.size
        digest = hashlib.blake2b(
            entry.path.encode("utf-8", "surrogateescape"), digest_size=4
        ).digest()
        hit = int.from_bytes(digest, "big") % PACK_CUT == 0
        big_enough = size >= PACK_MIN_BYTES or len(current) >= PACK_MIN_FILES
        if size >= PACK_MAX_BYTES or (big_enough and hit):
            packs.append(current)
            current, size = [], 0
    if current:
        packs.append(current)
    return packs


def pack_signature(members: list[Entry]) -> str:
    body = json.dumps([m.signature() for m in members], separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8", "surrogateescape")).hexdigest()


def safe_relative(path: str) -> str:
    """A path from an index, refused if it could leave the restore target."""
    parts = path.split("/")
    if path == ".":
        return path
    if path.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise PluginError(f"index entry {path!r} is not a safe relative path; refusing to restore")
    return path


# -- the change cache on this host --------------------------------------------------------------
Refs = list[list[Any]]  # [[hash, size], ...]


@dataclass
class Cache:
    path: Path
    resource: str
    packs: dict[str, Refs] = field(default_factory=dict)
    files: dict[str, list[Any]] = field(default_factory=dict)  # path: [size, mtime, ino, refs]

    @classmethod
    def load(cls, provider_id: str, resource_id: str) -> Cache:
        key = hashlib.sha256(f"{provider_id}\0{resource_id}".encode()).hexdigest()[:32]
        path = cache_dir() / f"{key}.json"
        try:
            raw = json.loads(path.read_text())
            if raw.get("format") == CACHE_FORMAT and raw.get("resource") == resource_id:
                return cls(
                    path, resource_id, dict(raw.get("packs", {})), dict(raw.get("files", {}))
                )
        except (OSError, ValueError, AttributeError):
            pass
        return cls(path, resource_id)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        body = {
            "format": CACHE_FORMAT,
            "resource": self.resource,
            "packs": self.packs,
            "files": self.files,
        }
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".cache-")
        try:
            with os.fdopen(handle, "w") as out:
                json.dump(body, out, separators=(",", ":"))
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


# -- progress -----------------------------------------------------------------------------------
class Reporter:
    """Counts bytes and items and sends progress at most every PROGRESS_INTERVAL seconds."""

    def __init__(self, hook: Hook, verb: str, bytes_total: int, items_total: int) -> None:
        self.hook = hook
        self.verb = verb
        self.bytes_total = bytes_total
        self.items_total = items_total
        self.bytes_done = 0
        self.items_done = 0
        self._last = 0.0

    def message(self) -> str:
        return (
            f"{self.verb} {self.items_done}/{self.items_total} items, "
            f"{human(self.bytes_done)} of {human(self.bytes_total)}"
        )

    async def add(self, size: int = 0, items: int = 0, force: bool = False) -> None:
        self.bytes_done += size
        self.items_done += items
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            await self.hook.progress(self.bytes_done, self.bytes_total, self.message())


# -- bank access --------------------------------------------------------------------------------
class Bank:
    """A SectionClient plus the raw stub, for committing streams from known chunk references."""

    def __init__(self, section: plugin_pb2.BankSection) -> None:
        self.section = section
        self.channel = grpc.aio.insecure_channel(section.address, options=GRPC_MESSAGE_OPTIONS)
        self.client = SectionClient(section, channel=self.channel)
        self.stub = bank_pb2_grpc.BankServiceStub(self.channel)

    async def __aenter__(self) -> Bank:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.channel.close()

    async def missing(self, hashes: list[str]) -> set[str]:
        """Which of ``hashes`` the bank lacks; asking also pins the others for this checkpoint."""
        unique = list(dict.fromkeys(hashes))
        missing: set[str] = set()
        for start in range(0, len(unique), FIND_BATCH):
            answer = await self.stub.FindMissingChunks(
                bank_pb2.FindMissingChunksRequest(
                    section=self.section.token, hashes=unique[start : start + FIND_BATCH]
                )
            )
            missing.update(answer.missing_hashes)
        return missing

    async def commit(self, name: str, refs: Refs) -> int | None:
        """Commit a stream of known chunks; None when the bank refuses (a chunk went missing)."""
        try:
            answer = await self.stub.CommitStream(
                bank_pb2.CommitStreamRequest(
                    section=self.section.token,
                    name=name,
                    chunks=[bank_pb2.ChunkRef(hash=h, size=int(s)) for h, s in refs],
                )
            )
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.FAILED_PRECONDITION:
                return None
            raise
        return int(answer.size)

    async def refs(self, name: str) -> Refs:
        manifest = await self.client.stream_manifest(name)
        return [[ref.hash, int(ref.size)] for ref in manifest.chunks]


T = TypeVar("T")


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``asyncio.to_thread``, but a cancelled caller still waits for the thread to finish, so
    cleanup never races with file system work in flight."""
    work = asyncio.ensure_future(asyncio.to_thread(function, *args, **kwargs))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await work
        raise


def _open_nofollow(path: str) -> int:
    return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))


def _read_small(root: str, members: list[Entry]) -> list[bytes | None]:
    """Contents of small files; None for a file that vanished or stopped being a file."""
    out: list[bytes | None] = []
    for member in members:
        full = os.path.join(root, member.path)
        try:
            handle = _open_nofollow(full)
        except FileNotFoundError:
            out.append(None)
            continue
        except OSError as error:
            if error.errno == errno.ELOOP:
                out.append(None)
                continue
            raise PluginError(f"cannot read {full}: {error.strerror}") from None
        try:
            with os.fdopen(handle, "rb") as source:
                out.append(source.read())
        except OSError as error:
            raise PluginError(f"cannot read {full}: {error.strerror}") from None
    return out


# -- the plugin ---------------------------------------------------------------------------------
class Directories(ResourcePlugin):
    resource_type = RESOURCE_TYPE
    options_schema = {
        "type": "object",
        "title": "Directory protect options",
        "properties": {
            "exclude": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Glob patterns of paths (relative to the directory) or names "
                "to skip",
            }
        },
    }
    restore_schema = {
        "type": "object",
        "title": "Directory restore parameters",
        "properties": {
            "target": {
                "type": "string",
                "description": "Absolute path of an empty or missing directory to restore into",
            }
        },
        "required": ["target"],
    }
    verify_schema = {
        "type": "object",
        "title": "Directory verify parameters",
        "description": "Verify re-reads and checks every chunk of every stream; no parameters",
        "properties": {},
    }
    saved_info_schema = {
        "type": "object",
        "title": "Directory checkpoint summary (object 'summary' of the section)",
        "properties": {
            "format": {"type": "string"},
            "root": {"type": "string"},
            "entries": {"type": "integer"},
            "bytes": {"type": "integer"},
            "packs": {"type": "integer"},
            "files": {"type": "integer"},
            "bytes_read": {"type": "integer"},
            "bytes_reused": {"type": "integer"},
        },
    }

    def __init__(self) -> None:
        self.roots = configured_roots()

    def _resource(self, path: Path) -> Resource:
        return Resource(type=RESOURCE_TYPE, id=str(path), name=path.name or str(path))

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        return [self._resource(root) for root in self.roots if root.is_dir()]

    def _confined(self, resource_id: str) -> Path:
        path = Path(resource_id)
        if not path.is_absolute():
            raise invalid_argument(
                f"directory {resource_id!r} is not an absolute path",
                {"resource_id": "must be an absolute path"},
            )
        path = path.resolve()
        if not any(path == root or root in path.parents for root in self.roots):
            raise not_found(RESOURCE_TYPE, f"{resource_id} (not under a configured root)")
        return path

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        path = self._confined(resource_id)
        if not path.is_dir():
            raise not_found(RESOURCE_TYPE, resource_id)
        return self._resource(path)

    # -- protect ---------------------------------------------------------------------------------
    async def protect_main(self, hook: Hook) -> None:
        root = self._confined(hook.resource.id)
        excludes = [str(p) for p in hook.parameters.get("exclude") or []]
        entries, skipped = await in_thread(walk, root, excludes)
        files = [e for e in entries if e.type == "file" and e.size > 0]
        big = [e for e in files if e.size >= SMALL_FILE]
        packs = make_packs([e for e in files if e.size < SMALL_FILE])
        total = sum(e.size for e in files)
        report = Reporter(hook, "protected", total, len(entries))
        cache = Cache.load(hook.checkpoint.provider_id, hook.resource.id)
        fresh = Cache(cache.path, cache.resource)
        counts = {"bytes_read": 0, "bytes_reused": 0, "files_read": 0, "files_reused": 0}
        vanished: set[str] = set()
        await report.add(0, len(entries) - len(files), force=True)

        async with Bank(hook.bank_section) as bank:
            # Which cached references can stand in for reading: all their chunks still exist.
            pack_names = {id(p): f"packs/{i:06d}" for i, p in enumerate(packs, 1)}
            file_names = {id(e): f"files/{i:06d}" for i, e in enumerate(big, 1)}
            candidates: dict[int, Refs] = {}
            for pack in packs:
                refs = cache.packs.get(pack_signature(pack))
                if refs is not None:
                    candidates[id(pack)] = refs
            for entry in big:
                known = cache.files.get(entry.path)
                if known and known[:3] == [entry.size, entry.mtime_ns, entry.ino]:
                    candidates[id(entry)] = known[3]
            wanted = [h for refs in candidates.values() for h, _ in refs]
            missing = await bank.missing(wanted) if wanted else set()

            async def reuse(key: int, name: str, expected: int) -> bool:
                refs = candidates.get(key)
                if refs is None or any(h in missing for h, _ in refs):
                    return False
                size = await bank.commit(name, refs)
                return size == expected

            for pack in packs:
                name = pack_names[id(pack)]
                size = sum(m.size for m in pack)
                if await reuse(id(pack), name, size):
                    offset = 0
                    for member in pack:
                        member.pack, member.offset = name, offset
                        offset += member.size
                    fresh.packs[pack_signature(pack)] = candidates[id(pack)]
                    counts["bytes_reused"] += size
                    counts["files_reused"] += len(pack)
                    await report.add(size, len(pack))
                    continue
                await self._write_pack(bank, root, name, pack, vanished, report, counts)
                if not any(m.path in vanished for m in pack):
                    fresh.packs[pack_signature(pack)] = await bank.refs(name)

            for entry in big:
                name = file_names[id(entry)]
                if await reuse(id(entry), name, entry.size):
                    entry.stream = name
                    fresh.files[entry.path] = [*entry.signature()[1:], candidates[id(entry)]]
                    counts["bytes_reused"] += entry.size
                    counts["files_reused"] += 1
                    await report.add(entry.size, 1)
                    continue
                stat_size = entry.size
                await self._write_file(bank, root, name, entry, vanished, report, counts)
                if entry.path not in vanished and entry.size == stat_size:
                    fresh.files[entry.path] = [*entry.signature()[1:], await bank.refs(name)]

            kept = [e for e in entries if e.path not in vanished]
            skipped.extend(f"{path}: vanished during protect" for path in sorted(vanished))
            stored = sum(e.size for e in kept if e.type == "file")
            header: dict[str, Any] = {
                "format": FORMAT,
                "root": str(root),
                "entries": len(kept),
                "bytes": stored,
                "packs": len(packs),
                "files": len(big),
            }
            lines = [json.dumps(header)] + [json.dumps(e.to_json()) for e in kept]
            await bank.client.write_stream("index", ("\n".join(lines) + "\n").encode())
            summary = header | counts | {"skipped": skipped[:100]}
            await bank.client.put_object("summary", json.dumps(summary).encode())
        await report.add(0, 0, force=True)
        await in_thread(fresh.save)

        reason = (
            f"protected {len(kept)} entries ({human(stored)}): read "
            f"{counts['files_read']} files, {counts['bytes_read']} bytes; reused "
            f"{counts['files_reused']} unchanged files, {counts['bytes_reused']} bytes"
        )
        if skipped:
            reason += f"; skipped {len(skipped)}: " + "; ".join(skipped[:5])
            if len(skipped) > 5:
                reason += "; ..."
        hook.state.update(counts | {"entries": len(kept), "skipped": len(skipped)})
        hook.state["reason"] = hook.reason = reason

    async def _write_pack(
        self,
        bank: Bank,
        root: Path,
        name: str,
        pack: list[Entry],
        vanished: set[str],
        report: Reporter,
        counts: dict[str, int],
    ) -> None:
        async def source() -> AsyncIterator[bytes]:
            offset = 0
            group: list[Entry] = []
            group_bytes = 0
            for position, member in enumerate(pack):
                group.append(member)
                group_bytes += member.size
                if group_bytes < READ_BLOCK and position < len(pack) - 1:
                    continue
                contents = await in_thread(_read_small, str(root), group)
                block: list[bytes] = []
                for item, data in zip(group, contents, strict=True):
                    if data is None:
                        vanished.add(item.path)
                        continue
                    item.pack, item.offset, item.size = name, offset, len(data)
                    offset += len(data)
                    block.append(data)
                read = sum(len(b) for b in block)
                counts["bytes_read"] += read
                counts["files_read"] += len(block)
                await report.add(read, len(group))
                group, group_bytes = [], 0
                if block:
                    yield b"".join(block)

        await bank.client.write_stream(name, source())

    async def _write_file(
        self,
        bank: Bank,
        root: Path,
        name: str,
        entry: Entry,
        vanished: set[str],
        report: Reporter,
        counts: dict[str, int],
    ) -> None:
        full = os.path.join(root, entry.path)
        try:
            handle = await in_thread(_open_nofollow, full)
        except FileNotFoundError:
            vanished.add(entry.path)
            return
        except OSError as error:
            if error.errno == errno.ELOOP:
                vanished.add(entry.path)
                return
            raise PluginError(f"cannot read {full}: {error.strerror}") from None
        size = 0

        async def source() -> AsyncIterator[bytes]:
            nonlocal size
            while True:
                try:
                    block = await in_thread(os.read, handle, READ_BLOCK)
                except OSError as error:
                    raise PluginError(f"cannot read {full}: {error.strerror}") from None
                if not block:
                    return
                size += len(block)
                counts["bytes_read"] += len(block)
                await report.add(len(block))
                yield block

        try:
            await bank.client.write_stream(name, source())
        finally:
            os.close(handle)
        entry.stream, entry.size = name, size
        counts["files_read"] += 1
        await report.add(0, 1)

    # -- restore ---------------------------------------------------------------------------------
    def _target(self, hook: Hook) -> Path:
        raw = str(hook.parameters.get("target") or hook.restore_target or "")
        if not raw:
            raise PluginError(
                f"restore of directory {hook.resource.id} needs the parameter target: the "
                "absolute path of a missing or empty directory to restore into"
            )
        if not os.path.isabs(raw):
            raise PluginError(f"restore target {raw!r} must be an absolute path")
        target = Path(os.path.abspath(raw))
        if target.is_symlink():
            raise PluginError(f"restore target {target} is a symlink; name a real directory")
        resolved = target.resolve()
        original = Path(hook.resource.id)
        if (resolved == original or original in resolved.parents) and original.exists():
            if resolved != original or any(original.iterdir()):
                raise PluginError(
                    f"restore target {target} would write into the protected directory "
                    f"{original}; restore into a missing or empty directory outside it"
                )
        if target.exists():
            if not target.is_dir():
                raise PluginError(f"restore target {target} exists and is not a directory")
            if any(target.iterdir()):
                raise PluginError(
                    f"restore target {target} is not empty; restore into a missing or empty "
                    "directory"
                )
        return target

    async def _index(self, bank: SectionClient) -> tuple[dict[str, Any], list[Entry]]:
        data = bytearray()
        try:
            async for block in bank.read_stream("index"):
                data += block
        except grpc.aio.AioRpcError as error:
            raise PluginError(
                f"cannot read the index of this directory: {error.details()}"
            ) from None
        lines = data.decode().splitlines()
        header = json.loads(lines[0]) if lines else {}
        if header.get("format") != FORMAT:
            raise PluginError(f"index format {header.get('format')!r} is not {FORMAT}")
        return header, [Entry.from_json(json.loads(line)) for line in lines[1:] if line]

    async def restore_main(self, hook: Hook) -> None:
        target = self._target(hook)
        created_target = not target.exists()
        try:
            await self._restore_into(hook, target)
        except BaseException as error:
            await in_thread(_remove_partial, target, created_target)
            if isinstance(error, PluginError):
                raise PluginError(f"{error.message}; the partial restore was removed") from None
            if isinstance(error, OSError):
                raise PluginError(
                    f"restore into {target} failed: {error}; the partial restore was removed"
                ) from None
            raise

    async def _restore_into(self, hook: Hook, target: Path) -> None:
        async with SectionClient(hook.bank_section) as bank:
            _, entries = await self._index(bank)
            for entry in entries:
                safe_relative(entry.path)
            files = [e for e in entries if e.type == "file"]
            report = Reporter(hook, "restored", sum(e.size for e in files), len(entries))
            await in_thread(target.mkdir, parents=True, exist_ok=True)

            def full(entry: Entry) -> str:
                return str(target) if entry.path == "." else os.path.join(target, entry.path)

            def make_dirs() -> None:
                for entry in entries:
                    if entry.type == "dir" and entry.path != ".":
                        os.mkdir(full(entry), 0o700)

            await in_thread(make_dirs)
            await report.add(0, sum(1 for e in entries if e.type == "dir"))
            packs: dict[str, list[Entry]] = {}
            for entry in files:
                if entry.pack:
                    packs.setdefault(entry.pack, []).append(entry)
                elif not entry.stream:
                    await in_thread(_create_file, full(entry), b"")
                    await report.add(0, 1)
            for name, members in packs.items():
                members.sort(key=lambda e: e.offset)
                sink = _PackSink([full(m) for m in members], [m.size for m in members])
                try:
                    async for block in bank.read_stream(name):
                        done = await in_thread(sink.feed, block)
                        await report.add(len(block), done)
                finally:
                    sink.close()
                if not sink.finished():
                    raise PluginError(f"pack {name} ended early, before {sink.current_path()}")
            for entry in files:
                if entry.stream:
                    await self._restore_file(bank, entry.stream, full(entry), entry, report)

            def make_links() -> None:
                for entry in entries:
                    if entry.type == "hardlink":
                        os.link(os.path.join(target, safe_relative(entry.target)), full(entry))
                    elif entry.type == "symlink":
                        os.symlink(entry.target, full(entry))
                    elif entry.type == "fifo":
                        os.mkfifo(full(entry), 0o600)

            await in_thread(make_links)
            skipped = await in_thread(_apply_metadata, entries, full)
        await report.add(0, len(entries) - report.items_done, force=True)
        reason = (
            f"restored {len(entries)} entries ({human(report.bytes_done)}, "
            f"{report.bytes_done} bytes) into {target}"
        )
        if skipped:
            reason += "; skipped: " + "; ".join(skipped)
        hook.new_resource_id = str(target)
        hook.state["reason"] = hook.reason = reason

    async def _restore_file(
        self, bank: SectionClient, name: str, path: str, entry: Entry, report: Reporter
    ) -> None:
        handle = await in_thread(_create_file, path, None)
        written = 0
        try:
            async for block in bank.read_stream(name):
                await in_thread(_write_all, handle, block)
                written += len(block)
                await report.add(len(block))
        finally:
            os.close(handle)
        if written != entry.size:
            raise PluginError(
                f"stream {name} of {entry.path} holds {written} bytes; the index says {entry.size}"
            )
        await report.add(0, 1)

    # -- verify ----------------------------------------------------------------------------------
    async def verify_main(self, hook: Hook) -> None:
        async with SectionClient(hook.bank_section) as bank:
            _, entries = await self._index(bank)
            expected: dict[str, int] = {}
            owners: dict[str, str] = {}
            for entry in entries:
                safe_relative(entry.path)
                if entry.type != "file":
                    continue
                name = entry.pack or entry.stream
                if name:
                    end = entry.offset + entry.size if entry.pack else entry.size
                    expected[name] = max(expected.get(name, 0), end)
                    owners.setdefault(name, entry.path)
            report = Reporter(hook, "verified", sum(expected.values()), len(expected))
            for name, size in expected.items():
                got = 0
                try:
                    async for block in bank.read_stream(name):
                        got += len(block)
                        await report.add(len(block))
                except grpc.aio.AioRpcError as error:
                    raise PluginError(
                        f"stream {name} (holding {owners[name]}) is unreadable: "
                        f"{error.code().name}: {error.details()}"
                    ) from None
                except Exception as error:  # ChunkCorrupt from the client's hash check
                    raise PluginError(
                        f"stream {name} (holding {owners[name]}) is corrupt: {error}"
                    ) from None
                if got != size:
                    raise PluginError(
                        f"stream {name} (holding {owners[name]}) holds {got} bytes; the index "
                        f"needs {size}"
                    )
                await report.add(0, 1)
        await report.add(0, 0, force=True)
        reason = (
            f"verified {len(entries)} entries: {len(expected)} streams, "
            f"{report.bytes_done} bytes re-read and checked"
        )
        hook.state["reason"] = hook.reason = reason

    # -- copy and delete -------------------------------------------------------------------------
    async def copy_main(self, hook: Hook) -> None:
        async with (
            SectionClient(hook.bank_section) as source,
            SectionClient(hook.copy_bank_section) as destination,
        ):
            _, entries = await self._index(source)
            streams = dict.fromkeys(e.pack or e.stream for e in entries if e.pack or e.stream)
            names = ["index", *streams]
            copied = 0
            for name in names:
                copied += await destination.write_stream(name, source.read_stream(name))
                await hook.progress(copied, 0, f"copied {name}")
            for key in await source.list_objects():
                await destination.put_object(key, await source.get_object(key))
        hook.state["reason"] = hook.reason = f"copied {len(names)} streams, {copied} bytes"

    async def delete_main(self, hook: Hook) -> None:
        """Nothing outside the bank: deleting the checkpoint drops the section."""

    async def _carry_reason(self, hook: Hook) -> None:
        hook.reason = str(hook.state.get("reason", ""))

    protect_complete = restore_complete = verify_complete = copy_complete = _carry_reason


def _create_file(path: str, data: bytes | None) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    handle = os.open(path, flags, 0o600)
    if data is None:
        return handle
    try:
        _write_all(handle, data)
    finally:
        os.close(handle)
    return -1


def _write_all(handle: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view) :]


class _PackSink:
    """Cuts a pack stream back into its member files."""

    def __init__(self, paths: list[str], sizes: list[int]) -> None:
        self.paths = paths
        self.sizes = sizes
        self.index = 0
        self.left = 0
        self.handle = -1

    def feed(self, block: bytes) -> int:
        """Write ``block``; returns how many files it completed."""
        view = memoryview(block)
        done = 0
        while view:
            if self.handle < 0:
                if self.index >= len(self.paths):
                    raise PluginError(
                        f"pack holds more bytes than its files (after {self.paths[-1]})"
                    )
                self.handle = _create_file(self.paths[self.index], None)
                self.left = self.sizes[self.index]
            take = min(self.left, len(view))
            _write_all(self.handle, view[:take])
            view = view[take:]
            self.left -= take
            if self.left == 0:
                os.close(self.handle)
                self.handle = -1
                self.index += 1
                done += 1
        return done

    def finished(self) -> bool:
        return self.index == len(self.paths)

    def current_path(self) -> str:
        return self.paths[min(self.index, len(self.paths) - 1)]

    def close(self) -> None:
        if self.handle >= 0:
            os.close(self.handle)
            self.handle = -1


def _apply_metadata(entries: list[Entry], full: Callable[[Entry], str]) -> list[str]:
    """Ownership (where permitted), modes and times; directories last, deepest first.
    Returns what could not be applied."""
    not_owned: list[str] = []
    failures: list[str] = []
    dirs = sorted(
        (e for e in entries if e.type == "dir"),
        key=lambda e: (e.path != ".", e.path.count("/")),
        reverse=True,
    )
    for entry in [e for e in entries if e.type != "dir"] + dirs:
        path = full(entry)
        try:
            os.lchown(path, entry.uid, entry.gid)
        except PermissionError:
            not_owned.append(entry.path)
        except OSError as error:
            failures.append(f"ownership of {entry.path}: {error.strerror}")
        try:
            if entry.type != "symlink":
                os.chmod(path, entry.mode)
            os.utime(path, ns=(entry.atime_ns, entry.mtime_ns), follow_symlinks=False)
        except OSError as error:
            failures.append(f"mode or times of {entry.path}: {error.strerror}")
    skipped = []
    if not_owned:
        skipped.append(
            f"ownership of {len(not_owned)} entries not restored (not permitted for uid "
            f"{os.geteuid()}), e.g. {', '.join(not_owned[:3])}"
        )
    return skipped + failures[:10]


def _remove_partial(target: Path, created_target: bool) -> None:
    """Remove what a failed restore wrote (only below ``target``, which it found empty)."""

    def writable(function: Any, path: str, _: Any) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), 0o700)
            function(path)

    if not target.exists() or target.is_symlink():
        return
    if created_target:
        shutil.rmtree(target, onerror=writable)
        return
    for child in target.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, onerror=writable)
        else:
            with contextlib.suppress(OSError):
                child.unlink()


def main() -> None:
    PluginServer(name="smaug-directory", vendor="Smaug", version="0.1.0").register(
        Directories
    ).serve()


if __name__ == "__main__":
    main()
