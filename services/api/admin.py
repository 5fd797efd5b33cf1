"""QuotaService and ServiceRegistryService."""

from __future__ import annotations

from typing import Any

import grpc
import sqlalchemy as sa
from sqlalchemy.orm import Session

from smaug.api import listing
from smaug.api.convert import ts
from smaug.api.core import ApiContext, permission_denied
from smaug.api.validation import Violations, bad, check_text_id, mask_paths
from smaug.mesh.errors import failed_precondition, invalid_argument, not_found
from smaug.mesh.identity import Identity
from smaug.store import quotas, records
from smaug.store.db import utcnow
from smaug.store.models import Plan, ServiceRecord
from smaug.v1 import (
    checkpoints_pb2,
    providers_pb2,
    quotas_pb2,
    quotas_pb2_grpc,
    services_pb2,
    services_pb2_grpc,
)

SCHEDULER_BINARY = "smaug-scheduler"
MAX_LIMIT = 2**62


def _project(identity: Identity, project_id: str, field: str = "project_id") -> str:
    v = Violations()
    check_text_id(v, field, project_id)
    v.raise_if_any()
    if project_id != identity.project_id and not identity.is_admin:
        raise permission_denied("only admins may see other projects' quotas")
    return project_id


def _limits(message: Any, mask: Any, field: str) -> dict[str, int]:
    if not mask.paths:
        raise invalid_argument(
            "update_mask is required",
            {"update_mask": "name the limits to set: plans and/or checkpoints"},
        )
    paths = mask_paths(mask, quotas.RESOURCES)
    v = Violations()
    limits = {}
    for path in paths:
        value = getattr(message, path)
        if value < -1 or value > MAX_LIMIT:
            v.add(f"{field}.{path}", "must be -1 (unlimited) or a number from 0")
        limits[path] = value
    v.raise_if_any()
    return limits


class QuotaService(quotas_pb2_grpc.QuotaServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    def _quota(self, session: Session, project_id: str) -> quotas_pb2.Quota:
        limits = quotas.project_limits(session, project_id, self.ctx.settings.quota_defaults)
        return quotas_pb2.Quota(
            project_id=project_id, plans=limits["plans"], checkpoints=limits["checkpoints"]
        )

    async def GetQuota(
        self, request: quotas_pb2.GetQuotaRequest, context: Any
    ) -> quotas_pb2.GetQuotaResponse:
        project = _project(await self.ctx.identify(context), request.project_id)
        return quotas_pb2.GetQuotaResponse(
            quota=await self.ctx.read(lambda s: self._quota(s, project))
        )

    async def GetQuotaUsage(
        self, request: quotas_pb2.GetQuotaUsageRequest, context: Any
    ) -> quotas_pb2.GetQuotaUsageResponse:
        project = _project(await self.ctx.identify(context), request.project_id)
        found = await self.ctx.read(
            lambda s: quotas.usage(s, project, self.ctx.settings.quota_defaults)
        )
        usage = quotas_pb2.QuotaUsage(
            project_id=project,
            **{
                name: quotas_pb2.QuotaResourceUsage(
                    limit=u.limit, in_use=u.in_use, reserved=u.reserved
                )
                for name, u in found.items()
            },
        )
        return quotas_pb2.GetQuotaUsageResponse(quota_usage=usage)

    async def RecountQuotaUsage(
        self, request: quotas_pb2.RecountQuotaUsageRequest, context: Any
    ) -> quotas_pb2.RecountQuotaUsageResponse:
        identity = await self.ctx.admin(context, "RecountQuotaUsage")
        project = _project(identity, request.project_id)
        checkpoints = await self._count_checkpoints(project)

        def recount(session: Session) -> list[quotas.Correction]:
            plans = session.scalar(
                sa.select(sa.func.count()).select_from(Plan).where(Plan.project_id == project)
            )
            counted = {"plans": int(plans or 0), "checkpoints": checkpoints}
            return quotas.recount(session, project, counted)

        corrections = await self.ctx.write(recount)
        usage = await self.GetQuotaUsage(
            quotas_pb2.GetQuotaUsageRequest(project_id=project), context
        )
        return quotas_pb2.RecountQuotaUsageResponse(
            quota_usage=usage.quota_usage,
            corrections=[
                quotas_pb2.QuotaCorrection(
                    resource=c.resource,
                    recorded=c.recorded,
                    counted=c.counted,
                    dropped_reservations=c.dropped_reservations,
                )
                for c in corrections
            ],
        )

    async def _count_checkpoints(self, project: str) -> int:
        """Checkpoints of ``project`` (not DELETED) in every provider's bank, as protection
        lists them to the project itself."""
        scoped = Identity(user_id="smaug-quota-recount", project_id=project, roles=())
        providers = await self.ctx.forwarder.unary(
            "/smaug.v1.ProviderService/ListProviders",
            providers_pb2.ListProvidersRequest(),
            providers_pb2.ListProvidersResponse,
            scoped,
        )
        total = 0
        for provider in providers.providers:
            token = ""
            while True:
                page = await self.ctx.forwarder.unary(
                    "/smaug.v1.CheckpointService/ListCheckpoints",
                    checkpoints_pb2.ListCheckpointsRequest(
                        provider_id=provider.id, page_size=1000, page_token=token
                    ),
                    checkpoints_pb2.ListCheckpointsResponse,
                    scoped,
                )
                total += sum(
                    1
                    for c in page.checkpoints
                    if c.status != checkpoints_pb2.CHECKPOINT_STATUS_DELETED
                )
                token = page.next_page_token
                if not token:
                    break
        return total

    async def GetDefaultQuota(
        self, request: quotas_pb2.GetDefaultQuotaRequest, context: Any
    ) -> quotas_pb2.GetDefaultQuotaResponse:
        await self.ctx.identify(context)
        limits = await self.ctx.read(
            lambda s: quotas.class_limits(s, quotas.DEFAULT_CLASS, self.ctx.settings.quota_defaults)
        )
        return quotas_pb2.GetDefaultQuotaResponse(
            quota=quotas_pb2.Quota(plans=limits["plans"], checkpoints=limits["checkpoints"])
        )

    async def UpdateQuota(
        self, request: quotas_pb2.UpdateQuotaRequest, context: Any
    ) -> quotas_pb2.UpdateQuotaResponse:
        identity = await self.ctx.admin(context, "UpdateQuota")
        project = _project(identity, request.quota.project_id, "quota.project_id")
        limits = _limits(request.quota, request.update_mask, "quota")

        def update(session: Session) -> quotas_pb2.Quota:
            quotas.set_project_limits(session, project, limits)
            session.flush()
            return self._quota(session, project)

        return quotas_pb2.UpdateQuotaResponse(quota=await self.ctx.write(update))

    async def DeleteQuota(
        self, request: quotas_pb2.DeleteQuotaRequest, context: Any
    ) -> quotas_pb2.DeleteQuotaResponse:
        identity = await self.ctx.admin(context, "DeleteQuota")
        project = _project(identity, request.project_id)
        await self.ctx.write(lambda s: quotas.delete_project_limits(s, project))
        return quotas_pb2.DeleteQuotaResponse()

    async def GetQuotaClass(
        self, request: quotas_pb2.GetQuotaClassRequest, context: Any
    ) -> quotas_pb2.GetQuotaClassResponse:
        await self.ctx.identify(context)
        v = Violations()
        check_text_id(v, "quota_class_name", request.quota_class_name)
        v.raise_if_any()
        name = request.quota_class_name
        limits = await self.ctx.read(
            lambda s: quotas.class_limits(s, name, self.ctx.settings.quota_defaults)
        )
        return quotas_pb2.GetQuotaClassResponse(
            quota_class=quotas_pb2.QuotaClass(name=name, **limits)
        )

    async def UpdateQuotaClass(
        self, request: quotas_pb2.UpdateQuotaClassRequest, context: Any
    ) -> quotas_pb2.UpdateQuotaClassResponse:
        await self.ctx.admin(context, "UpdateQuotaClass")
        v = Violations()
        check_text_id(v, "quota_class.name", request.quota_class.name)
        v.raise_if_any()
        name = request.quota_class.name
        limits = _limits(request.quota_class, request.update_mask, "quota_class")

        def update(session: Session) -> quotas_pb2.QuotaClass:
            quotas.set_class_limits(session, name, limits)
            session.flush()
            found = quotas.class_limits(session, name, self.ctx.settings.quota_defaults)
            return quotas_pb2.QuotaClass(name=name, **found)

        return quotas_pb2.UpdateQuotaClassResponse(quota_class=await self.ctx.write(update))


def _up_expression() -> Any:
    return ServiceRecord.heartbeat_time


def service_pb(row: ServiceRecord) -> services_pb2.ServiceInstance:
    return services_pb2.ServiceInstance(
        id=row.id,
        binary=row.binary,
        host=row.host,
        status=services_pb2.SERVICE_INSTANCE_STATUS_DISABLED
        if row.disabled
        else services_pb2.SERVICE_INSTANCE_STATUS_ENABLED,
        disabled_reason=row.disabled_reason,
        state=services_pb2.SERVICE_INSTANCE_STATE_UP
        if records.service_is_up(row)
        else services_pb2.SERVICE_INSTANCE_STATE_DOWN,
        heartbeat_time=ts(row.heartbeat_time),
        create_time=ts(row.create_time),
        update_time=ts(row.update_time),
    )


SERVICES = listing.Collection(
    model=ServiceRecord,
    filters={
        "host": listing.Column(ServiceRecord.host),
        "binary": listing.Column(ServiceRecord.binary),
    },
    sortable={"id": listing.Column(ServiceRecord.id, listing.INT)},
    default_order="id",
    project_column=None,
    id_kind=listing.INT,
)


def _status_and_state(text: str) -> tuple[str, list[Any]]:
    """Pull `status = X` / `state = X` comparisons out of a filter (they are computed)."""
    kept, extra = [], []
    for part in listing._split_and(text) if text.strip() else []:
        words = part.replace("=", " = ").split()
        if len(words) == 3 and words[0] in ("status", "state") and words[1] == "=":
            value = words[2].strip('"').upper()
            if words[0] == "status":
                if value.removeprefix("SERVICE_INSTANCE_STATUS_") not in ("ENABLED", "DISABLED"):
                    raise bad("filter", "status must be ENABLED or DISABLED")
                extra.append(ServiceRecord.disabled == value.endswith("DISABLED"))
            else:
                if value.removeprefix("SERVICE_INSTANCE_STATE_") not in ("UP", "DOWN"):
                    raise bad("filter", "state must be UP or DOWN")
                from datetime import timedelta

                limit = utcnow() - timedelta(seconds=records.SERVICE_DOWN_SECONDS)
                up = ServiceRecord.heartbeat_time >= limit
                extra.append(up if value.endswith("UP") else sa.not_(up))
        else:
            kept.append(part)
    return " AND ".join(kept), extra


class ServiceRegistryService(services_pb2_grpc.ServiceRegistryServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def ListServiceInstances(
        self, request: services_pb2.ListServiceInstancesRequest, context: Any
    ) -> services_pb2.ListServiceInstancesResponse:
        await self.ctx.admin(context, "ListServiceInstances")
        text, extra = _status_and_state(request.filter)
        query = listing.ListQuery(
            SERVICES,
            request.page_size,
            request.page_token,
            text,
            "",
            None,
            extra,
            fingerprint_extra=request.filter,
        )
        page = await self.ctx.read(lambda s: listing.run_list(s, query))
        return services_pb2.ListServiceInstancesResponse(
            service_instances=[service_pb(r) for r in page.rows],
            next_page_token=page.next_page_token,
        )

    async def UpdateServiceInstance(
        self, request: services_pb2.UpdateServiceInstanceRequest, context: Any
    ) -> services_pb2.UpdateServiceInstanceResponse:
        await self.ctx.admin(context, "UpdateServiceInstance")
        instance = request.service_instance
        paths = mask_paths(
            request.update_mask,
            ("status", "disabled_reason"),
            ("id", "binary", "host", "state", "heartbeat_time"),
        )
        paths = paths or ["status", "disabled_reason"]
        v = Violations()
        if instance.id <= 0:
            v.add("service_instance.id", "required: the instance's id from ListServiceInstances")
        if "status" in paths and instance.status not in (
            services_pb2.SERVICE_INSTANCE_STATUS_ENABLED,
            services_pb2.SERVICE_INSTANCE_STATUS_DISABLED,
        ):
            v.add("service_instance.status", "must be SERVICE_INSTANCE_STATUS_ENABLED or _DISABLED")
        if len(instance.disabled_reason) > 255:
            v.add("service_instance.disabled_reason", "at most 255 characters")
        if (
            "disabled_reason" in paths
            and instance.disabled_reason
            and "status" in paths
            and instance.status == services_pb2.SERVICE_INSTANCE_STATUS_ENABLED
        ):
            v.add("service_instance.disabled_reason", "must be empty when enabling")
        v.raise_if_any("service instance")

        def update(session: Session) -> services_pb2.ServiceInstance:
            row = session.get(ServiceRecord, instance.id) if instance.id < 2**31 else None
            if row is None:
                raise not_found("service instance", str(instance.id))
            if row.binary != SCHEDULER_BINARY:
                raise failed_precondition(
                    f"only {SCHEDULER_BINARY} instances can be enabled or disabled; "
                    f"{instance.id} is {row.binary}",
                    f"service:{instance.id}",
                    "NOT_A_SCHEDULER",
                )
            if "status" in paths:
                row.disabled = instance.status == services_pb2.SERVICE_INSTANCE_STATUS_DISABLED
                if not row.disabled:
                    row.disabled_reason = ""
            if "disabled_reason" in paths and row.disabled:
                row.disabled_reason = instance.disabled_reason
            row.update_time = utcnow()
            return service_pb(row)

        return services_pb2.UpdateServiceInstanceResponse(
            service_instance=await self.ctx.write(update)
        )


__all__ = ["QuotaService", "ServiceRegistryService", "grpc"]
