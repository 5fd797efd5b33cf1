"""Runs the protection process: launches the providers' plugins, opens their banks and
projects' bank accounts, holds a lease in each, fails checkpoints orphaned by services that
died, and serves the providers, protectables, checkpoints, restores, verifications, bank
accounts (set and delete) and the Bank service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from typing import Any

from smaug.bank.checkpoints import resource_section
from smaug.bank.service import BankServicer
from smaug.bank.tokens import SectionTokenVerifier
from smaug.bank.v1 import bank_pb2, bank_pb2_grpc
from smaug.deploy.config import Config, PluginConfig
from smaug.mesh import identity as mesh_identity
from smaug.mesh.server import MeshServer
from smaug.plugin.v1 import plugin_pb2
from smaug.protection.account_service import BankAccountServicer
from smaug.protection.accounts import AccountBank, BankAccounts, SecretBox
from smaug.protection.checkpoint_service import CheckpointServicer
from smaug.protection.checkpoints import CheckpointEngine
from smaug.protection.graph import Node
from smaug.protection.jobs import JobEngine, RestoreServicer, VerificationServicer
from smaug.protection.plugin_host import PluginHost
from smaug.protection.protectables import ProtectableServicer
from smaug.protection.providers import ProviderRegistry, ProviderServicer
from smaug.protection.records import StoreRecords
from smaug.store import records as store_records
from smaug.store.db import Store
from smaug.v1 import (
    bank_accounts_pb2,
    bank_accounts_pb2_grpc,
    checkpoints_pb2,
    checkpoints_pb2_grpc,
    protectables_pb2,
    protectables_pb2_grpc,
    providers_pb2,
    providers_pb2_grpc,
    restores_pb2,
    restores_pb2_grpc,
    verifications_pb2,
    verifications_pb2_grpc,
)

log = logging.getLogger(__name__)


def plugin_configs(config: Config) -> list[PluginConfig]:
    """Each distinct plugin once, even when several providers share it."""
    seen: dict[str, PluginConfig] = {}
    for provider in config.providers:
        for plugin in provider.plugins:
            seen.setdefault(plugin.name, plugin)
    return list(seen.values())


def advertised(listen: str) -> str:
    """The address plugins use to reach our Bank service (a wildcard bind is not dialable)."""
    host, _, port = listen.rpartition(":")
    if host in ("0.0.0.0", "[::]", ""):
        host = "127.0.0.1"
    return f"{host}:{port}"


def _service(module: Any, name: str) -> str:
    return str(module.DESCRIPTOR.services_by_name[name].full_name)


async def run(config: Config) -> None:
    host = PluginHost()
    server = MeshServer("protection", config.protection.listen)
    server.on_shutdown(host.stop)
    try:
        # Plugins first: the service reports SERVING only once every plugin answers.
        await host.start(plugin_configs(config))
    except BaseException:
        await host.stop()
        raise
    registry = ProviderRegistry(config.providers, host)
    server.on_shutdown(registry.close)
    database = Store(config.api.database_url)
    records = StoreRecords(database)
    secret = config.protection.section_secret
    verifier = SectionTokenVerifier(secret.encode())
    owner = f"protection-{socket.gethostname()}-{uuid.uuid4().hex[:12]}"

    settings = config.protection
    # Every bank (shared or an account's) holds our lease from the moment it is opened.
    accounts = BankAccounts(registry, records, SecretBox(secret), owner, settings.lease_ttl_seconds)
    server.on_shutdown(accounts.close)
    await accounts.start()

    def authenticate(context: Any) -> mesh_identity.Identity:
        return mesh_identity.from_context(context.invocation_metadata(), secret)

    # The port is known only after binding; sections are issued after start, so read it late.
    def section_for(
        where: AccountBank, checkpoint_id: str, node: Node, read_only: bool
    ) -> plugin_pb2.BankSection:
        token = verifier.issue(
            bank=where.key,
            checkpoint_id=checkpoint_id,
            section=resource_section(node.type, node.id),
            read_only=read_only,
        )
        return plugin_pb2.BankSection(
            address=advertised(server.bound_address), token=token, read_only=read_only
        )

    engine = CheckpointEngine(
        registry,
        records,
        owner,
        section_for,
        accounts,
        hook_timeout=settings.hook_timeout_seconds,
        concurrency=settings.concurrency,
    )
    jobs = JobEngine(registry, engine)

    server.add(
        _service(providers_pb2, "ProviderService"),
        lambda s: providers_pb2_grpc.add_ProviderServiceServicer_to_server(
            ProviderServicer(registry, authenticate), s
        ),
    )
    server.add(
        _service(protectables_pb2, "ProtectableService"),
        lambda s: protectables_pb2_grpc.add_ProtectableServiceServicer_to_server(
            ProtectableServicer(registry, authenticate), s
        ),
    )
    server.add(
        _service(checkpoints_pb2, "CheckpointService"),
        lambda s: checkpoints_pb2_grpc.add_CheckpointServiceServicer_to_server(
            CheckpointServicer(registry, engine, authenticate), s
        ),
    )
    server.add(
        _service(restores_pb2, "RestoreService"),
        lambda s: restores_pb2_grpc.add_RestoreServiceServicer_to_server(
            RestoreServicer(jobs, authenticate), s
        ),
    )
    server.add(
        _service(verifications_pb2, "VerificationService"),
        lambda s: verifications_pb2_grpc.add_VerificationServiceServicer_to_server(
            VerificationServicer(jobs, authenticate), s
        ),
    )
    server.add(
        _service(bank_pb2, "BankService"),
        # Reads accounts.banks live: account banks are opened while serving.
        lambda s: bank_pb2_grpc.add_BankServiceServicer_to_server(
            BankServicer(accounts.banks, verifier), s
        ),
    )
    server.add(
        _service(bank_accounts_pb2, "BankAccountService"),
        lambda s: bank_accounts_pb2_grpc.add_BankAccountServiceServicer_to_server(
            BankAccountServicer(accounts, authenticate), s
        ),
    )

    async def maintain() -> None:
        """Fail checkpoints whose owner died, and report that this service is alive."""
        hostname = socket.gethostname()
        while True:
            for provider in registry.providers.values():
                try:
                    await engine.reap(provider)
                except Exception:
                    log.exception(
                        "reaping orphaned checkpoints failed", extra={"provider": provider.id}
                    )
            try:
                await asyncio.to_thread(_heartbeat, database, hostname)
            except Exception:
                log.exception("service heartbeat failed")
            await asyncio.sleep(settings.reap_interval_seconds)

    maintenance = asyncio.ensure_future(maintain())

    async def stop_work() -> None:
        maintenance.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await maintenance
        # Running operations record a clear status (cancelled) before plugins and leases stop.
        await jobs.stop()
        await engine.stop()
        await asyncio.to_thread(database.dispose)

    server.on_shutdown(stop_work)
    await server.serve()


def _heartbeat(database: Store, hostname: str) -> None:
    with database.write() as session:
        store_records.heartbeat(session, "smaug-protection", hostname)
