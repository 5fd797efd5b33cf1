"""Runs the scheduler process: health and reflection on its own port, plus the engine that runs
scheduled operations through the api. Several replicas may share one database (PostgreSQL);
each occurrence of each operation runs exactly once among them."""

from __future__ import annotations

import asyncio

from smaug.deploy.config import Config
from smaug.mesh.keystone import KeystoneSettings, Trusts
from smaug.mesh.server import MeshServer
from smaug.scheduler.engine import Engine
from smaug.scheduler.notifications import NotificationListener
from smaug.scheduler.runner import ApiClient
from smaug.scheduler.settings import SchedulerSettings, default_replica
from smaug.store.db import Store


def build(config: Config) -> MeshServer:
    # The scheduler calls the api; it serves only health and reflection of its own.
    return MeshServer("scheduler", config.scheduler.listen)


async def run(config: Config, settings: SchedulerSettings | None = None) -> None:
    settings = settings or SchedulerSettings.from_env(config=config.scheduler)
    server = build(config)
    port = await server.start()
    store = Store(config.scheduler.database_url)
    api = ApiClient(
        config.scheduler.api_address,
        config.protection.section_secret,
        settings.call_timeout_seconds,
    )
    keystone = KeystoneSettings.from_env()
    trusts = Trusts(keystone) if keystone else None
    engine = Engine(store, api, settings, settings.replica or default_replica(port), trusts)
    await engine.start()
    listener = None
    if settings.notification_url:
        listener = NotificationListener(store, settings)
        listener.start()

    async def close() -> None:
        if listener is not None:
            await asyncio.to_thread(listener.stop)
        await engine.stop()
        store.dispose()

    server.on_shutdown(close)
    await server.serve()
