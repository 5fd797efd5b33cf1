"""ProviderAccessService: which providers each project may use (admin only). The api enforces
the access on every provider-scoped call through ``ApiContext.require_provider``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smaug.api.core import ApiContext
from smaug.api.validation import Violations, check_text_id, mask_paths
from smaug.mesh.errors import invalid_argument
from smaug.store import tenancy
from smaug.v1 import tenancy_pb2, tenancy_pb2_grpc

MAX_PROVIDERS = 1000
_SOURCES = {
    tenancy.Source.PROJECT: tenancy_pb2.PROVIDER_ACCESS_SOURCE_PROJECT,
    tenancy.Source.DEFAULT: tenancy_pb2.PROVIDER_ACCESS_SOURCE_DEFAULT,
    tenancy.Source.NONE: tenancy_pb2.PROVIDER_ACCESS_SOURCE_NONE,
}


def _project(project_id: str, field: str = "project_id") -> str:
    v = Violations()
    check_text_id(v, field, project_id)
    v.raise_if_any()
    return project_id


def access_pb(project_id: str, access: tenancy.Access) -> tenancy_pb2.ProviderAccess:
    return tenancy_pb2.ProviderAccess(
        project_id=project_id,
        all_providers=access.all_providers,
        provider_ids=list(access.provider_ids),
        source=_SOURCES[access.source],
    )


class ProviderAccessService(tenancy_pb2_grpc.ProviderAccessServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def GetProviderAccess(
        self, request: tenancy_pb2.GetProviderAccessRequest, context: Any
    ) -> tenancy_pb2.GetProviderAccessResponse:
        await self.ctx.admin(context, "GetProviderAccess")
        project = _project(request.project_id)
        access = await self.ctx.read(lambda s: tenancy.effective_access(s, project))
        return tenancy_pb2.GetProviderAccessResponse(provider_access=access_pb(project, access))

    async def SetProviderAccess(
        self, request: tenancy_pb2.SetProviderAccessRequest, context: Any
    ) -> tenancy_pb2.SetProviderAccessResponse:
        await self.ctx.admin(context, "SetProviderAccess")
        wanted = request.provider_access
        project = _project(wanted.project_id, "provider_access.project_id")
        if not request.update_mask.paths:
            raise invalid_argument(
                "update_mask is required",
                {"update_mask": "name the fields to set: provider_ids and/or all_providers"},
            )
        paths = mask_paths(request.update_mask, ("provider_ids", "all_providers"), ("source",))
        v = Violations()
        if len(wanted.provider_ids) > MAX_PROVIDERS:
            v.add("provider_access.provider_ids", f"at most {MAX_PROVIDERS} providers")
        for i, provider_id in enumerate(wanted.provider_ids[:MAX_PROVIDERS]):
            check_text_id(v, f"provider_access.provider_ids[{i}]", provider_id)
        v.raise_if_any("provider access")
        all_providers = wanted.all_providers if "all_providers" in paths else None
        provider_ids = list(wanted.provider_ids) if "provider_ids" in paths else None

        def update(session: Session) -> tenancy.Access:
            tenancy.set_access(
                session, project, all_providers=all_providers, provider_ids=provider_ids
            )
            session.flush()
            return tenancy.effective_access(session, project)

        access = await self.ctx.write(update)
        return tenancy_pb2.SetProviderAccessResponse(provider_access=access_pb(project, access))

    async def DeleteProviderAccess(
        self, request: tenancy_pb2.DeleteProviderAccessRequest, context: Any
    ) -> tenancy_pb2.DeleteProviderAccessResponse:
        await self.ctx.admin(context, "DeleteProviderAccess")
        project = _project(request.project_id)
        await self.ctx.write(lambda s: tenancy.delete_access(s, project))
        return tenancy_pb2.DeleteProviderAccessResponse()
