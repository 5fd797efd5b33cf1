"""The PostgreSQL plugin's hooks in-process against a real PostgreSQL server and a real bank
service: protect, drop, restore and compare; replace; verify; credentials; cancellation."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import pytest

from plugins.conftest import LocalBank, Runner
from plugins.databases import create_database, database_exists, drop_database, fingerprint
from smaug.plugins import postgres
from smaug.plugins.sdk import PluginError, Resource
from support.postgres import PostgresServer, postgres_server  # noqa: F401

PASSWORD = "Sm4ug-pg-pa55-d0-not-leak"


@pytest.fixture
def pg(postgres_server: PostgresServer, plugin_env: Any) -> PostgresServer:  # noqa: F811
    plugin_env({"host": "127.0.0.1", "port": postgres_server.port, "user": "postgres"})
    return postgres_server


def database_name(tag: str) -> str:
    return f"pg_plugin_{tag}_{os.getpid()}"


async def test_protect_drop_restore_and_compare(pg: PostgresServer, local_bank: LocalBank) -> None:
    name = database_name("shop")
    drop_database(pg, name)
    create_database(pg, name)
    before = fingerprint(pg, name)
    runner = Runner(postgres.Databases())
    listed = await runner.plugin.list_instances({}, None)  # type: ignore[arg-type]
    assert name in [r.id for r in listed]
    assert not any(r.id.startswith("template") for r in listed)
    resource = Resource(postgres.RESOURCE_TYPE, name, name)
    checkpoint = local_bank.checkpoint()
    hook = await runner.run("protect", resource, local_bank.section(checkpoint, False))
    assert f"dumped database {name}" in hook.reason
    assert hook.state["dump_bytes"] > 2 * 1024 * 1024
    assert runner.progress and runner.progress[-1].bytes_done == hook.state["dump_bytes"]
    section = local_bank.section(checkpoint, True)
    hook = await runner.run("verify", resource, section)
    assert "every data block readable" in hook.reason

    copied = local_bank.checkpoint()
    hook = await runner.run(
        "copy", resource, section, copy_section=local_bank.section(copied, False)
    )
    assert "copied the dump" in hook.reason
    section = local_bank.section(copied, True)  # restore from the copy from here on

    drop_database(pg, name)
    hook = await runner.run("restore", resource, section, operation_id="abcdef12-3456")
    restored = f"{name}_restored_abcdef12"
    assert hook.new_resource_id == restored
    assert fingerprint(pg, restored) == before

    # Refuses to write over an existing database without replace.
    with pytest.raises(PluginError, match="already exists"):
        await runner.run("restore", resource, section, operation_id="abcdef12-3456")

    # Replace: the original (recreated and changed meanwhile) is replaced by the checkpoint.
    create_database(pg, name, orders=10)
    hook = await runner.run("restore", resource, section, {"replace": True}, operation_id="r2")
    assert hook.new_resource_id == name and "replaced database" in hook.reason
    assert fingerprint(pg, name) == before
    assert not database_exists(pg, f"{name}_smaug_r2")
    for leftover in (name, restored):
        drop_database(pg, leftover)


async def test_password_reaches_only_the_childrens_environment(
    postgres_server: PostgresServer,  # noqa: F811
    plugin_env: Any,
    local_bank: LocalBank,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    postgres_server.password_role("smaug_pw", PASSWORD)
    monkeypatch.setenv("SMAUG_TEST_PG_PASSWORD", PASSWORD)
    plugin_env(
        {
            "host": "127.0.0.1",
            "port": postgres_server.port,
            "user": "smaug_pw",
            "password_env": "SMAUG_TEST_PG_PASSWORD",
        }
    )
    name = database_name("pw")
    drop_database(postgres_server, name)
    create_database(postgres_server, name, orders=100)
    seen: list[tuple[list[str], dict[str, str]]] = []
    start = postgres.Child.start.__func__  # type: ignore[attr-defined]

    async def spy(cls: Any, args: list[str], env: dict[str, str], **kw: Any) -> Any:
        seen.append((args, env))
        return await start(cls, args, env, **kw)

    monkeypatch.setattr(postgres.Child, "start", classmethod(spy))
    runner = Runner(postgres.Databases())
    resource = Resource(postgres.RESOURCE_TYPE, name, name)
    checkpoint = local_bank.checkpoint()
    await runner.run("protect", resource, local_bank.section(checkpoint, False))
    hook = await runner.run(
        "restore", resource, local_bank.section(checkpoint, True), {"database": f"{name}_copy"}
    )
    assert database_exists(postgres_server, f"{name}_copy")
    assert seen and all(PASSWORD not in " ".join(args) for args, _ in seen)
    assert all(env.get("PGPASSWORD") == PASSWORD for _, env in seen)
    assert all("SMAUG_PLUGIN_CONFIG" not in env for _, env in seen)
    assert PASSWORD not in repr(runner.plugin.server)  # type: ignore[attr-defined]
    assert PASSWORD not in caplog.text and PASSWORD not in hook.reason
    for path in Path(local_bank.root).rglob("*"):
        if path.is_file():
            assert PASSWORD.encode() not in path.read_bytes()
    # A wrong password fails naming the server, and never shows the password.
    monkeypatch.setenv("SMAUG_TEST_PG_PASSWORD", "wrong-" + PASSWORD)
    with pytest.raises(PluginError) as failed:
        await runner.run("protect", resource, local_bank.section(local_bank.checkpoint(), False))
    assert "password authentication failed" in failed.value.message
    assert PASSWORD not in failed.value.message
    for leftover in (name, f"{name}_copy"):
        drop_database(postgres_server, leftover)


async def test_failures_name_the_database(pg: PostgresServer, local_bank: LocalBank) -> None:
    runner = Runner(postgres.Databases())
    missing = Resource(postgres.RESOURCE_TYPE, "no_such_db", "no_such_db")
    with pytest.raises(PluginError, match="database no_such_db does not exist"):
        await runner.run("protect", missing, local_bank.section(local_bank.checkpoint(), False))


async def test_verify_detects_a_damaged_chunk(pg: PostgresServer, local_bank: LocalBank) -> None:
    name = database_name("damaged")
    drop_database(pg, name)
    create_database(pg, name, orders=2000)
    runner = Runner(postgres.Databases())
    resource = Resource(postgres.RESOURCE_TYPE, name, name)
    checkpoint = local_bank.checkpoint()
    await runner.run("protect", resource, local_bank.section(checkpoint, False))
    for chunk in [p for p in local_bank.root.rglob("*") if "chunks" in p.parts and p.is_file()]:
        data = bytearray(chunk.read_bytes())
        data[len(data) // 2] ^= 0xFF
        chunk.write_bytes(bytes(data))
    with pytest.raises(PluginError, match=f"the dump of database {name} is"):
        await runner.run("verify", resource, local_bank.section(checkpoint, True))
    drop_database(pg, name)


def pg_dumps_running(database: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"pg_dump" in command and database.encode() in command:
                found.append(int(entry.name))
    return found


async def test_cancelled_protect_stops_pg_dump(pg: PostgresServer, local_bank: LocalBank) -> None:
    import psycopg

    name = database_name("locked")
    drop_database(pg, name)
    create_database(pg, name, orders=100)
    runner = Runner(postgres.Databases())
    resource = Resource(postgres.RESOURCE_TYPE, name, name)
    # An exclusive lock makes pg_dump wait, so the hook is cancelled while it runs.
    with psycopg.connect(pg.dsn(name)) as locker:
        locker.execute("LOCK TABLE app.orders IN ACCESS EXCLUSIVE MODE")
        task = asyncio.ensure_future(
            runner.run("protect", resource, local_bank.section(local_bank.checkpoint(), False))
        )
        for _ in range(200):
            await asyncio.sleep(0.05)
            if pg_dumps_running(name):
                break
        assert pg_dumps_running(name)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert pg_dumps_running(name) == []
        locker.rollback()
    drop_database(pg, name)
