"""Runs the api process: every smaug.v1 service, persisted in SQL."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import grpc

from smaug.api.admin import QuotaService, ServiceRegistryService
from smaug.api.auth import Authenticator
from smaug.api.bank_accounts import BankAccountService
from smaug.api.core import ApiContext, ProviderLookup, Settings
from smaug.api.forward import Forwarder
from smaug.api.karbor_face import KarborFace
from smaug.api.operations import OperationLogService, RestoreService, VerificationService
from smaug.api.plans import PlanService
from smaug.api.protection import CheckpointService, ProtectableService, ProviderService
from smaug.api.scheduled_operations import ScheduledOperationService
from smaug.api.tenancy import ProviderAccessService
from smaug.api.triggers import TriggerService
from smaug.compat.karbor.v1 import karbor_pb2_grpc
from smaug.deploy.config import Config
from smaug.mesh.keystone import KeystoneSettings, Trusts
from smaug.mesh.server import MeshServer
from smaug.store import identities
from smaug.store.db import Store
from smaug.v1 import (
    bank_accounts_pb2_grpc,
    checkpoints_pb2_grpc,
    operation_logs_pb2_grpc,
    plans_pb2_grpc,
    protectables_pb2_grpc,
    providers_pb2_grpc,
    quotas_pb2_grpc,
    restores_pb2_grpc,
    scheduled_operations_pb2_grpc,
    services_pb2_grpc,
    tenancy_pb2_grpc,
    triggers_pb2_grpc,
    verifications_pb2_grpc,
)

log = logging.getLogger(__name__)


def _register(
    add: Callable[[Any, grpc.aio.Server], None], servicer: Any, server: grpc.aio.Server
) -> None:
    add(servicer, server)


def build(
    config: Config,
    *,
    store: Store | None = None,
    settings: Settings | None = None,
    provider_lookup: ProviderLookup | None = None,
) -> MeshServer:
    """The api server: opens (and migrates) the store, makes the first admin on an empty
    standalone store, and registers every smaug.v1 service."""
    store = store or Store(config.api.database_url)
    keystone = KeystoneSettings.from_env()
    if keystone is None and identities.bootstrap_admin(store, config.data_dir):
        log.info(
            "created the admin user", extra={"token_file": str(config.data_dir / "admin-token")}
        )
    forwarder = Forwarder(config.api.protection_address, config.protection.section_secret)
    ctx = ApiContext(
        store,
        Authenticator(store, keystone, config.protection.section_secret),
        forwarder,
        settings or Settings.from_env(),
        provider_lookup,
        Trusts(keystone) if keystone else None,
    )
    server = MeshServer("api", config.api.listen)
    registrations = [
        (plans_pb2_grpc, "PlanService", PlanService(ctx)),
        (providers_pb2_grpc, "ProviderService", ProviderService(ctx)),
        (protectables_pb2_grpc, "ProtectableService", ProtectableService(ctx)),
        (checkpoints_pb2_grpc, "CheckpointService", CheckpointService(ctx)),
        (restores_pb2_grpc, "RestoreService", RestoreService(ctx)),
        (verifications_pb2_grpc, "VerificationService", VerificationService(ctx)),
        (triggers_pb2_grpc, "TriggerService", TriggerService(ctx)),
        (
            scheduled_operations_pb2_grpc,
            "ScheduledOperationService",
            ScheduledOperationService(ctx),
        ),
        (operation_logs_pb2_grpc, "OperationLogService", OperationLogService(ctx)),
        (quotas_pb2_grpc, "QuotaService", QuotaService(ctx)),
        (services_pb2_grpc, "ServiceRegistryService", ServiceRegistryService(ctx)),
        (tenancy_pb2_grpc, "ProviderAccessService", ProviderAccessService(ctx)),
        (bank_accounts_pb2_grpc, "BankAccountService", BankAccountService(ctx)),
    ]
    for module, name, servicer in registrations:
        add = getattr(module, f"add_{name}Servicer_to_server")
        server.add(f"smaug.v1.{name}", functools.partial(_register, add, servicer))
    # Karbor's v1 API for the REST gateway: a translation onto the servicers above, in-process.
    karbor = KarborFace(ctx, {name: servicer for _, name, servicer in registrations})
    server.add(
        "smaug.compat.karbor.v1.KarborService",
        functools.partial(_register, karbor_pb2_grpc.add_KarborServiceServicer_to_server, karbor),
    )

    async def close() -> None:
        await forwarder.close()
        store.dispose()

    server.on_shutdown(close)
    return server


async def run(config: Config) -> None:
    await build(config).serve()
