"""The PostgreSQL plugin server: protects the databases of one PostgreSQL server.

Resource type ``Smaug::PostgreSQL::Database``; its protectables are the server's databases
(templates and databases that refuse connections are not listed), each named and identified by
its database name. Run by the protection service, or standalone:
``python -m smaug.plugins.postgres --listen ADDR``.

Settings (JSON in SMAUG_PLUGIN_CONFIG), all optional: ``host`` (default 127.0.0.1; a directory
means a Unix socket), ``port`` (5432), ``user`` (postgres), the password as ``password_env`` (the
name of an environment variable of the plugin process holding it; preferred), ``passfile`` (a
pgpass file) or ``password`` (literal), ``maintenance_db`` (postgres), ``sslmode``, ``bin_dir``
(where pg_dump and pg_restore are; default the highest /usr/lib/postgresql/*/bin, else PATH),
``exclude`` (database names not to list), ``name`` (a label for the server, shown in
``extra_info``). The password reaches pg_dump and pg_restore only through PGPASSWORD (or
PGPASSFILE) in their environment, never their arguments, and is never logged or stored.

Protect runs ``pg_dump --format=custom`` (a consistent snapshot of one database) and streams its
stdout straight into the bank, never staging the dump on disk; the same bytes go through
``pg_restore --list`` on the way to record the dump's table of contents. Compression defaults to
0, so the bank's chunk store deduplicates unchanged table data between checkpoints and its own
zstd compresses it; option ``compression`` (0-9) trades that for a smaller stream.

Bank layout of one database's section: ``dump`` (stream: the pg_dump custom-format archive),
``toc`` (stream: the ``pg_restore --list`` table of contents), ``info`` (object, JSON: database,
owner, encoding, collation, ctype, locale provider, server and pg_dump versions, dump size, TOC
entry count, compression).

Restore creates a new database (restore parameter ``database``, default
``<name>_restored_<first 8 of the restore id>``) with the original's encoding and locale and
loads it with ``pg_restore --exit-on-error --single-transaction`` reading from a pipe fed by the
bank stream; on failure or cancellation the new database is dropped. With ``replace: true`` it
restores into a scratch database first and only then drops the original (``database``, default
the protected one) and renames the scratch database into its place. Verify streams the dump
through ``pg_restore --list`` (the table of contents must match the one recorded) and through a
full ``pg_restore --file=/dev/null`` (every data block must parse), while the bank client checks
every chunk's hash.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import psycopg
from psycopg import sql

from smaug.bank.client import SectionClient
from smaug.bank.errors import ObjectNotFound
from smaug.mesh.errors import not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import Hook, PluginError, PluginServer, Resource, ResourcePlugin

RESOURCE_TYPE = "Smaug::PostgreSQL::Database"
FORMAT = "smaug-postgres/1"
READ_BLOCK = 1024 * 1024
STDERR_TAIL = 4096
STOP_GRACE_SECONDS = 5.0
PROGRESS_INTERVAL = 0.5
MAX_IDENTIFIER = 63  # bytes: PostgreSQL's NAMEDATALEN - 1


def plugin_settings() -> dict[str, Any]:
    settings: dict[str, Any] = json.loads(os.environ.get("SMAUG_PLUGIN_CONFIG") or "{}")
    return settings


def find_bin_dir(configured: str = "") -> Path:
    """Where pg_dump and pg_restore live: the setting, the newest Debian install, or PATH."""
    if configured:
        return Path(configured)

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", path.parent.name)) or (0,)

    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version)
    for candidate in reversed(installed):
        if (candidate / "pg_dump").exists():
            return candidate
    found = shutil.which("pg_dump")
    if found:
        return Path(found).parent
    raise PluginError(
        "pg_dump is not installed: install the PostgreSQL client (apt-get install "
        "postgresql-client) or set bin_dir in the plugin's settings"
    )


def conninfo_quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def human(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@dataclass(frozen=True)
class Server:
    """How to reach the configured server. ``repr`` never shows the password."""

    host: str
    port: int
    user: str
    maintenance_db: str
    sslmode: str
    passfile: str
    label: str
    exclude: tuple[str, ...]
    bin_dir: str
    hint: str
    _password: str | None

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Server:
        password: str | None = None
        hint = ""
        if settings.get("password_env"):
            password = os.environ.get(str(settings["password_env"]))
            if password is None:
                hint = (
                    f" (setting password_env names {settings['password_env']}, which is not set "
                    "in the plugin's environment)"
                )
        elif settings.get("password") is not None:
            password = str(settings["password"])
        host = str(settings.get("host") or "127.0.0.1")
        port = int(settings.get("port") or 5432)
        return cls(
            host=host,
            port=port,
            user=str(settings.get("user") or "postgres"),
            maintenance_db=str(settings.get("maintenance_db") or "postgres"),
            sslmode=str(settings.get("sslmode") or ""),
            passfile=str(settings.get("passfile") or ""),
            label=str(settings.get("name") or f"{host}:{port}"),
            exclude=tuple(str(n) for n in settings.get("exclude") or ()),
            bin_dir=str(settings.get("bin_dir") or ""),
            hint=hint,
            _password=password,
        )

    def __repr__(self) -> str:
        return f"Server({self.label!r}, user={self.user!r})"

    def tool(self, name: str) -> str:
        return str(find_bin_dir(self.bin_dir) / name)

    def child_env(self) -> dict[str, str]:
        """Environment of pg_dump and pg_restore: the connection, and the password only here."""
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("PG") and k != "SMAUG_PLUGIN_CONFIG"
        }
        env.update(
            PGHOST=self.host,
            PGPORT=str(self.port),
            PGUSER=self.user,
            PGAPPNAME="smaug",
            PGCONNECT_TIMEOUT="15",
        )
        if self.sslmode:
            env["PGSSLMODE"] = self.sslmode
        if self.passfile:
            env["PGPASSFILE"] = self.passfile
        if self._password is not None:
            env["PGPASSWORD"] = self._password
        return env

    def conninfo(self, database: str) -> str:
        """A connection string naming only the database; the rest comes from child_env."""
        return f"dbname={conninfo_quote(database)}"

    async def connect(self, database: str = "") -> psycopg.AsyncConnection[Any]:
        options: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "dbname": database or self.maintenance_db,
            "application_name": "smaug",
            "connect_timeout": 15,
            "autocommit": True,
        }
        if self.sslmode:
            options["sslmode"] = self.sslmode
        if self.passfile:
            options["passfile"] = self.passfile
        if self._password is not None:
            options["password"] = self._password
        try:
            return await psycopg.AsyncConnection.connect(**options)
        except psycopg.Error as error:
            raise PluginError(
                f"cannot connect to PostgreSQL server {self.label} as {self.user}: "
                f"{str(error).strip()}{self.hint}",
                grpc.StatusCode.UNAVAILABLE,
            ) from None


# -- child processes ----------------------------------------------------------------------------
_libc: Any = None


def _die_with_parent() -> None:
    """preexec_fn: SIGTERM the child if the plugin dies, even by SIGKILL."""
    if _libc is not None:
        _libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


class Child:
    """A pg_dump or pg_restore process: stderr tail kept, stopped for sure on exit."""

    def __init__(self, name: str, process: asyncio.subprocess.Process) -> None:
        self.name = name
        self.process = process
        self._stderr = asyncio.ensure_future(self._tail())

    @classmethod
    async def start(cls, args: list[str], env: dict[str, str], *, stdin: int, stdout: int) -> Child:
        global _libc
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        try:
            process = await asyncio.create_subprocess_exec(
                *args,
                env=env,
                stdin=stdin,
                stdout=stdout,
                stderr=asyncio.subprocess.PIPE,
                preexec_fn=_die_with_parent,
                start_new_session=True,
            )
        except OSError as error:
            raise PluginError(f"cannot run {args[0]}: {error.strerror}") from None
        return cls(Path(args[0]).name, process)

    async def _tail(self) -> bytes:
        assert self.process.stderr is not None
        kept = b""
        while block := await self.process.stderr.read(65536):
            kept = (kept + block)[-STDERR_TAIL:]
        return kept

    async def finish(self) -> tuple[int, str]:
        code = await self.process.wait()
        text = (await self._stderr).decode(errors="replace").strip()
        return code, " ".join(text.split())[-1000:]

    async def stop(self) -> None:
        process = self.process
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_GRACE_SECONDS)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if not self._stderr.done():
            self._stderr.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._stderr


@contextlib.asynccontextmanager
async def supervised() -> AsyncIterator[list[Child]]:
    """Children appended to the yielded list are stopped when the block ends, however it ends
    (cancellation included)."""
    children: list[Child] = []
    try:
        yield children
    finally:
        await finish_anyway(asyncio.gather(*(child.stop() for child in children)))


async def finish_anyway(work: Awaitable[Any]) -> None:
    """Await cleanup to the end even if the caller is cancelled meanwhile."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):
            await task
        raise


async def feed(child: Child, block: bytes) -> bool:
    """Write to a child's stdin; False once it stopped reading."""
    stdin = child.process.stdin
    assert stdin is not None
    if stdin.is_closing():
        return False
    try:
        stdin.write(block)
        await stdin.drain()
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True


async def close_stdin(child: Child) -> None:
    stdin = child.process.stdin
    assert stdin is not None
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        stdin.close()
        await stdin.wait_closed()


def toc_entries(listing: bytes) -> int:
    return sum(
        1 for line in listing.decode(errors="replace").splitlines() if line and line[0] != ";"
    )


class Reporter:
    def __init__(self, hook: Hook, render: Callable[[int], str], total: int = 0) -> None:
        self.hook = hook
        self.render = render
        self.total = total
        self.done = 0
        self._last = 0.0

    async def add(self, size: int, force: bool = False) -> None:
        self.done += size
        now = time.monotonic()
        if force or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            await self.hook.progress(self.done, self.total, self.render(self.done))


# -- the plugin ---------------------------------------------------------------------------------
class Databases(ResourcePlugin):
    resource_type = RESOURCE_TYPE
    options_schema = {
        "type": "object",
        "title": "PostgreSQL database protect options",
        "properties": {
            "compression": {
                "type": "integer",
                "minimum": 0,
                "maximum": 9,
                "default": 0,
                "description": "pg_dump compression level; 0 (default) lets the bank "
                "deduplicate unchanged data between checkpoints and compress it itself",
            }
        },
    }
    restore_schema = {
        "type": "object",
        "title": "PostgreSQL database restore parameters",
        "properties": {
            "database": {
                "type": "string",
                "description": "Database to restore into: created, and must not exist (default "
                "<name>_restored_<restore id prefix>); with replace, the database to replace "
                "(default the protected one)",
            },
            "replace": {
                "type": "boolean",
                "default": False,
                "description": "Replace the database: restore into a scratch database, then drop "
                "the existing one and rename the scratch database into its place",
            },
            "no_owner": {
                "type": "boolean",
                "default": False,
                "description": "Do not restore object ownership (pg_restore --no-owner); "
                "everything then belongs to the plugin's user",
            },
        },
    }
    verify_schema = {
        "type": "object",
        "title": "PostgreSQL database verify parameters",
        "description": "Verify streams the dump through pg_restore --list and a full "
        "pg_restore to /dev/null; no parameters",
        "properties": {},
    }
    saved_info_schema = {
        "type": "object",
        "title": "What the object 'info' of a database's section holds",
        "properties": {
            "format": {"type": "string"},
            "database": {"type": "string"},
            "owner": {"type": "string"},
            "encoding": {"type": "string"},
            "collate": {"type": "string"},
            "ctype": {"type": "string"},
            "locale_provider": {"type": "string"},
            "icu_locale": {"type": "string"},
            "server_version": {"type": "string"},
            "pg_dump_version": {"type": "string"},
            "dump_bytes": {"type": "integer"},
            "toc_entries": {"type": "integer"},
            "compression": {"type": "integer"},
        },
    }

    def __init__(self) -> None:
        self._settings = plugin_settings()

    @property
    def server(self) -> Server:
        return Server.from_settings(self._settings)

    async def _describe(self, name: str = "") -> list[dict[str, Any]]:
        server = self.server
        connection = await server.connect()
        try:
            version = connection.info.server_version
            locale = (
                "d.datlocprovider::text, coalesce(d.daticulocale, '')"
                if version >= 150000
                else "'c', ''"
            )
            query = (
                "SELECT d.datname, pg_get_userbyid(d.datdba), pg_encoding_to_char(d.encoding), "
                f"d.datcollate, d.datctype, {locale}, "
                "CASE WHEN has_database_privilege(d.oid, 'CONNECT') "
                "THEN pg_database_size(d.oid) ELSE 0 END "
                "FROM pg_database d WHERE NOT d.datistemplate AND d.datallowconn"
            )
            parameters: tuple[str, ...] = ()
            if name:
                query += " AND d.datname = %s"
                parameters = (name,)
            cursor = await connection.execute(query + " ORDER BY d.datname", parameters)
            rows = await cursor.fetchall()
        finally:
            await connection.close()
        return [
            {
                "database": row[0],
                "owner": row[1],
                "encoding": row[2],
                "collate": row[3],
                "ctype": row[4],
                "locale_provider": row[5],
                "icu_locale": row[6],
                "size_bytes": int(row[7]),
                "server_version": str(version),
            }
            for row in rows
        ]

    def _resource(self, found: dict[str, Any]) -> Resource:
        return Resource(
            type=RESOURCE_TYPE,
            id=found["database"],
            name=found["database"],
            extra_info={
                "server": self.server.label,
                "owner": found["owner"],
                "size_bytes": found["size_bytes"],
            },
        )

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        excluded = set(self.server.exclude)
        return [self._resource(d) for d in await self._describe() if d["database"] not in excluded]

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        found = await self._describe(resource_id)
        if not found:
            raise not_found(RESOURCE_TYPE, f"{resource_id} (on server {self.server.label})")
        return self._resource(found[0])

    # -- protect ---------------------------------------------------------------------------------
    async def protect_main(self, hook: Hook) -> None:
        server = self.server
        database = hook.resource.id
        found = await self._describe(database)
        if not found:
            raise PluginError(f"database {database} does not exist on server {server.label}")
        info: dict[str, Any] = {"format": FORMAT, **found[0]}
        level = int(hook.parameters.get("compression") or 0)
        if not 0 <= level <= 9:
            raise PluginError(f"compression must be 0-9, got {level}")
        report = Reporter(hook, lambda done: f"dumped database {database}: {human(done)}")
        env = server.child_env()
        async with supervised() as children, SectionClient(hook.bank_section) as bank:
            dump = await Child.start(
                [
                    server.tool("pg_dump"),
                    "--format=custom",
                    f"--compress={level}",
                    "--no-password",
                    f"--dbname={server.conninfo(database)}",
                ],
                env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
            )
            children.append(dump)
            lister = await Child.start(
                [server.tool("pg_restore"), "--list"],
                env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            children.append(lister)
            assert lister.process.stdout is not None and dump.process.stdout is not None
            listing = asyncio.ensure_future(lister.process.stdout.read())
            dump_out = dump.process.stdout

            async def source() -> AsyncIterator[bytes]:
                listening = True
                while block := await dump_out.read(READ_BLOCK):
                    if listening:
                        listening = await feed(lister, block)
                    await report.add(len(block))
                    yield block
                code, errors = await dump.finish()
                if code != 0:
                    raise PluginError(
                        f"pg_dump of database {database} on {server.label} failed "
                        f"(exit {code}): {errors}"
                    )
                await close_stdin(lister)

            try:
                size = await bank.write_stream("dump", source())
            except BaseException:
                listing.cancel()
                raise
            toc = await listing
            code, errors = await lister.finish()
            if code != 0 or not toc:
                raise PluginError(
                    f"the dump of database {database} is not readable by pg_restore --list "
                    f"(exit {code}): {errors}"
                )
            version = await self._tool_version(server.tool("pg_dump"))
            info.update(
                dump_bytes=size,
                toc_entries=toc_entries(toc),
                compression=level,
                pg_dump_version=version,
            )
            info.pop("size_bytes", None)
            await bank.write_stream("toc", toc)
            await bank.put_object("info", json.dumps(info).encode())
        await report.add(0, force=True)
        reason = (
            f"dumped database {database} from {server.label}: {size} bytes "
            f"({human(size)}), {info['toc_entries']} table of contents entries"
        )
        hook.state.update(dump_bytes=size, toc_entries=info["toc_entries"])
        hook.state["reason"] = hook.reason = reason

    async def _tool_version(self, tool: str) -> str:
        process = await asyncio.create_subprocess_exec(
            tool, "--version", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        out, _ = await process.communicate()
        return out.decode(errors="replace").strip()

    # -- restore ---------------------------------------------------------------------------------
    async def _info(self, bank: SectionClient) -> dict[str, Any]:
        try:
            info: dict[str, Any] = json.loads(await bank.get_object("info"))
        except ObjectNotFound:
            raise PluginError("this checkpoint holds no PostgreSQL dump (object info)") from None
        if info.get("format") != FORMAT:
            raise PluginError(f"dump format {info.get('format')!r} is not {FORMAT}")
        return info

    async def _exists(self, connection: psycopg.AsyncConnection[Any], name: str) -> bool:
        cursor = await connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return await cursor.fetchone() is not None

    async def _create(
        self, connection: psycopg.AsyncConnection[Any], name: str, info: dict[str, Any]
    ) -> None:
        parts = [sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name))]
        parts.append(sql.SQL("ENCODING {}").format(sql.Literal(info["encoding"])))
        parts.append(sql.SQL("LC_COLLATE {}").format(sql.Literal(info["collate"])))
        parts.append(sql.SQL("LC_CTYPE {}").format(sql.Literal(info["ctype"])))
        if info.get("locale_provider") == "i" and connection.info.server_version >= 150000:
            parts.append(
                sql.SQL("LOCALE_PROVIDER icu ICU_LOCALE {}").format(
                    sql.Literal(info.get("icu_locale") or "und")
                )
            )
        cursor = await connection.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (info.get("owner") or "",)
        )
        if await cursor.fetchone() is not None:
            parts.append(sql.SQL("OWNER {}").format(sql.Identifier(info["owner"])))
        try:
            await connection.execute(sql.SQL(" ").join(parts))
        except psycopg.Error as error:
            raise PluginError(f"cannot create database {name}: {str(error).strip()}") from None

    async def _drop(self, connection: psycopg.AsyncConnection[Any], name: str) -> None:
        await connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        force = (
            sql.SQL(" WITH (FORCE)") if connection.info.server_version >= 130000 else sql.SQL("")
        )
        await connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)) + force
        )

    async def restore_main(self, hook: Hook) -> None:
        server = self.server
        short = (hook.operation_id or "restore").replace("-", "")[:8]
        async with SectionClient(hook.bank_section) as bank:
            info = await self._info(bank)
            original = str(info["database"])
            replace = truthy(hook.parameters.get("replace"))
            requested = str(hook.parameters.get("database") or hook.restore_target or "")
            default = f"{_fit(original, 24)}_restored_{short}"
            target = requested or (original if replace else default)
            scratch = f"{_fit(target, 40)}_smaug_{short}" if replace else target
            for name in {target, scratch}:
                if len(name.encode()) > MAX_IDENTIFIER or not name:
                    raise PluginError(f"database name {name!r} must be 1-63 bytes")
            connection = await server.connect()
            created = False
            try:
                if not replace and await self._exists(connection, target):
                    raise PluginError(
                        f"database {target} already exists on {server.label}; name another "
                        "with the restore parameter database, or pass replace: true"
                    )
                if await self._exists(connection, scratch):
                    raise PluginError(f"database {scratch} already exists on {server.label}")
                await self._create(connection, scratch, info)
                created = True
                await self._load(hook, server, bank, scratch, info)
                if replace:
                    await self._drop(connection, target)
                    await connection.execute(
                        sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                            sql.Identifier(scratch), sql.Identifier(target)
                        )
                    )
                created = False
            finally:
                if created:
                    with contextlib.suppress(psycopg.Error):
                        await finish_anyway(self._drop(connection, scratch))
                await connection.close()
        verb = "replaced database" if replace else "restored into new database"
        reason = (
            f"{verb} {target} on {server.label} from the dump of {original} "
            f"({info.get('dump_bytes', 0)} bytes)"
        )
        hook.new_resource_id = target
        hook.state["reason"] = hook.reason = reason

    async def _load(
        self,
        hook: Hook,
        server: Server,
        bank: SectionClient,
        database: str,
        info: dict[str, Any],
    ) -> None:
        total = int(info.get("dump_bytes", 0))
        report = Reporter(hook, lambda done: f"loaded {human(done)} into {database}", total)
        arguments = [
            server.tool("pg_restore"),
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={server.conninfo(database)}",
        ]
        if truthy(hook.parameters.get("no_owner")):
            arguments.append("--no-owner")
        async with supervised() as children:
            loader = await Child.start(
                arguments,
                server.child_env(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
            )
            children.append(loader)
            async for block in bank.read_stream("dump"):
                if not await feed(loader, block):
                    break
                await report.add(len(block))
            await close_stdin(loader)
            code, errors = await loader.finish()
        if code != 0:
            raise PluginError(
                f"pg_restore of database {info['database']} into {database} failed "
                f"(exit {code}): {errors}"
            )
        await report.add(0, force=True)

    # -- verify ----------------------------------------------------------------------------------
    async def verify_main(self, hook: Hook) -> None:
        server = self.server
        env = server.child_env()
        async with SectionClient(hook.bank_section) as bank, supervised() as children:
            info = await self._info(bank)
            database = info["database"]
            total = int(info.get("dump_bytes", 0))
            report = Reporter(hook, lambda done: f"verified {human(done)} of the dump", total)
            lister = await Child.start(
                [server.tool("pg_restore"), "--list"],
                env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
            )
            children.append(lister)
            parser = await Child.start(
                [server.tool("pg_restore"), "--file=/dev/null"],
                env,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
            )
            children.append(parser)
            assert lister.process.stdout is not None
            listing = asyncio.ensure_future(lister.process.stdout.read())
            listening = parsing = True
            size = 0
            try:
                async for block in bank.read_stream("dump"):
                    size += len(block)
                    if listening:
                        listening = await feed(lister, block)
                    if parsing:
                        parsing = await feed(parser, block)
                    await report.add(len(block))
            except grpc.aio.AioRpcError as error:
                raise PluginError(
                    f"the dump of database {database} is unreadable: {error.code().name}: "
                    f"{error.details()}"
                ) from None
            except Exception as error:  # ChunkCorrupt from the client's hash check
                if isinstance(error, PluginError):
                    raise
                raise PluginError(f"the dump of database {database} is corrupt: {error}") from None
            await close_stdin(lister)
            await close_stdin(parser)
            toc = await listing
            list_code, list_errors = await lister.finish()
            parse_code, parse_errors = await parser.finish()
        problems = []
        if size != total:
            problems.append(f"it holds {size} bytes, {total} were stored")
        if list_code != 0:
            problems.append(f"pg_restore --list failed (exit {list_code}): {list_errors}")
        elif toc_entries(toc) != info.get("toc_entries"):
            problems.append(
                f"its table of contents has {toc_entries(toc)} entries, "
                f"{info.get('toc_entries')} were recorded"
            )
        if parse_code != 0:
            problems.append(f"pg_restore could not read it all (exit {parse_code}): {parse_errors}")
        if problems:
            raise PluginError(f"the dump of database {database} is damaged: " + "; ".join(problems))
        await report.add(0, force=True)
        reason = (
            f"verified the dump of database {database}: {size} bytes, every chunk checked, "
            f"{toc_entries(toc)} table of contents entries, every data block readable"
        )
        hook.state["reason"] = hook.reason = reason

    # -- copy and delete -------------------------------------------------------------------------
    async def copy_main(self, hook: Hook) -> None:
        async with (
            SectionClient(hook.bank_section) as source,
            SectionClient(hook.copy_bank_section) as destination,
        ):
            info = await self._info(source)
            copied = 0
            for name in ("dump", "toc"):
                copied += await destination.write_stream(name, source.read_stream(name))
                await hook.progress(copied, 0, f"copied {name}")
            await destination.put_object("info", json.dumps(info).encode())
        hook.state["reason"] = hook.reason = (
            f"copied the dump of {info['database']}: {copied} bytes"
        )

    async def delete_main(self, hook: Hook) -> None:
        """Nothing outside the bank: deleting the checkpoint drops the section."""

    async def _carry_reason(self, hook: Hook) -> None:
        hook.reason = str(hook.state.get("reason", ""))

    protect_complete = restore_complete = verify_complete = copy_complete = _carry_reason


def _fit(name: str, limit: int) -> str:
    """``name`` cut to at most ``limit`` bytes of UTF-8, on a character boundary."""
    encoded = name.encode()[:limit]
    return encoded.decode(errors="ignore")


def main() -> None:
    PluginServer(name="smaug-postgres", vendor="Smaug", version="0.1.0").register(Databases).serve()


if __name__ == "__main__":
    main()
