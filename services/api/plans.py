"""PlanService: plans in the store, validated against their provider's schemas."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import json_format
from sqlalchemy.orm import Session

from smaug.api import listing
from smaug.api.convert import resource_dict, resource_pb, ts
from smaug.api.core import ApiContext
from smaug.api.validation import (
    Violations,
    check_description,
    check_name,
    check_parameters,
    check_text_id,
    mask_paths,
    uuid_arg,
)
from smaug.mesh.errors import failed_precondition, invalid_argument, not_found
from smaug.mesh.identity import Identity
from smaug.mesh.parameters import violations
from smaug.store import quotas, records
from smaug.store.db import new_id, utcnow
from smaug.store.models import Plan
from smaug.v1 import plans_pb2, plans_pb2_grpc, providers_pb2

SUSPENDED = plans_pb2.PLAN_STATUS_SUSPENDED
STARTED = plans_pb2.PLAN_STATUS_STARTED
MAX_RESOURCES = 1000

COLLECTION = listing.Collection(
    model=Plan,
    filters={
        "name": listing.Column(Plan.name),
        "description": listing.Column(Plan.description),
        "status": listing.Column(Plan.status, listing.ENUM, plans_pb2.PlanStatus, "PLAN_STATUS_"),
        "provider_id": listing.Column(Plan.provider_id),
    },
    sortable={
        "create_time": listing.Column(Plan.create_time, listing.TIME),
        "update_time": listing.Column(Plan.update_time, listing.TIME),
        "name": listing.Column(Plan.name),
        "status": listing.Column(Plan.status, listing.INT),
        "id": listing.Column(Plan.id),
    },
    default_order="create_time desc",
)


def plan_pb(row: Plan) -> plans_pb2.Plan:
    message = plans_pb2.Plan(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        description=row.description,
        provider_id=row.provider_id,
        status=row.status,  # type: ignore[arg-type]
        resources=[resource_pb(r) for r in row.resources],
        create_time=ts(row.create_time),
        update_time=ts(row.update_time),
    )
    for key, value in row.parameters.items():
        message.parameters[key].update(value)
    return message


def check_resources(v: Violations, field: str, resources: Any) -> list[dict[str, Any]]:
    if not resources:
        v.add(field, "at least one resource {type, id, name} is required")
        return []
    if len(resources) > MAX_RESOURCES:
        v.add(field, f"at most {MAX_RESOURCES} resources")
        return []
    seen: set[tuple[str, str]] = set()
    result = []
    for i, resource in enumerate(resources):
        for name in ("type", "id", "name"):
            check_text_id(v, f"{field}[{i}].{name}", getattr(resource, name))
        if (resource.type, resource.id) in seen:
            v.add(
                f"{field}[{i}]",
                f"resource {resource.type[:255]} {resource.id[:255]} is listed twice",
            )
        seen.add((resource.type, resource.id))
        result.append(resource_dict(resource))
    return result


def check_options(provider: providers_pb2.Provider, parameters: dict[str, dict[str, Any]]) -> None:
    """Each option of a type the provider serves must be a property of its options_schema, and
    the options must satisfy that schema."""
    types = {t.resource_type: t for t in provider.resource_types}
    v = Violations()
    for key, options in parameters.items():
        served = types.get(key.partition("#")[0])
        if served is None:
            continue
        schema = json_format.MessageToDict(served.options_schema)
        properties = schema.get("properties") or {}
        unknown = [k for k in options if k not in properties]
        if unknown:
            allowed = ", ".join(sorted(properties)) or "none"
            v.add(
                f"plan.parameters[{key!r}]",
                f"unknown option(s) {', '.join(sorted(unknown))[:200]} for "
                f"{served.resource_type} with provider {provider.id}; allowed: {allowed}",
            )
            continue
        for name, message in violations(schema, options, f"plan.parameters[{key!r}]").items():
            v.add(name, message)
    v.raise_if_any("plan parameters")


class PlanService(plans_pb2_grpc.PlanServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def _provider(self, identity: Identity, provider_id: str) -> providers_pb2.Provider:
        # A provider the project may not use is answered exactly as an unknown one.
        visible = (await self.ctx.provider_access(identity)).allows(provider_id)
        provider = await self.ctx.provider_lookup(identity, provider_id) if visible else None
        if provider is None:
            raise invalid_argument(
                f"provider {provider_id} does not exist",
                {"plan.provider_id": f"no provider {provider_id}; ListProviders shows them"},
            )
        return provider

    async def ListPlans(
        self, request: plans_pb2.ListPlansRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> plans_pb2.ListPlansResponse:
        identity = await self.ctx.identify(context)
        query = listing.ListQuery(
            COLLECTION,
            request.page_size,
            request.page_token,
            request.filter,
            request.order_by,
            self.ctx.scope(identity, request.all_projects),
        )
        page = await self.ctx.read(lambda s: listing.run_list(s, query))
        return plans_pb2.ListPlansResponse(
            plans=[plan_pb(r) for r in page.rows], next_page_token=page.next_page_token
        )

    async def GetPlan(
        self, request: plans_pb2.GetPlanRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> plans_pb2.GetPlanResponse:
        identity = await self.ctx.identify(context)
        plan_id = uuid_arg("plan_id", request.plan_id)
        row = await self.ctx.read(lambda s: records.get_plan(s, plan_id, identity.project_id))
        if row is None:
            raise not_found("plan", plan_id)
        return plans_pb2.GetPlanResponse(plan=plan_pb(row))

    async def CreatePlan(
        self, request: plans_pb2.CreatePlanRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> plans_pb2.CreatePlanResponse:
        identity = await self.ctx.identify(context)
        plan = request.plan
        v = Violations()
        if not request.HasField("plan"):
            v.add("plan", "required: the plan to create")
        name = check_name(v, "plan.name", plan.name)
        check_description(v, "plan.description", plan.description)
        check_text_id(v, "plan.provider_id", plan.provider_id)
        resources = check_resources(v, "plan.resources", plan.resources)
        parameters = check_parameters(v, "plan.parameters", plan.parameters)
        v.raise_if_any("plan")
        provider = await self._provider(identity, plan.provider_id)
        check_options(provider, parameters)
        request_key = idempotency_key(context)

        def create(session: Session) -> Plan:
            if request_key:
                earlier = records.recall_request(session, identity.project_id, "plan", request_key)
                found = records.get_plan(session, earlier, identity.project_id) if earlier else None
                if found is not None:
                    return found
            quotas.consume(
                session, identity.project_id, "plans", 1, self.ctx.settings.quota_defaults
            )
            now = utcnow()
            row = Plan(
                id=new_id(),
                project_id=identity.project_id,
                name=name,
                description=plan.description,
                provider_id=plan.provider_id,
                status=SUSPENDED,
                resources=resources,
                parameters=parameters,
                create_time=now,
                update_time=now,
            )
            session.add(row)
            if request_key:
                records.remember_request(session, identity.project_id, "plan", request_key, row.id)
            return row

        row = await self.ctx.write(create)
        return plans_pb2.CreatePlanResponse(plan=plan_pb(row))

    async def UpdatePlan(
        self, request: plans_pb2.UpdatePlanRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> plans_pb2.UpdatePlanResponse:
        identity = await self.ctx.identify(context)
        plan = request.plan
        plan_id = uuid_arg("plan.id", plan.id)
        updatable = ("name", "description", "status", "resources", "parameters")
        paths = mask_paths(
            request.update_mask,
            updatable,
            ("id", "project_id", "provider_id", "create_time", "update_time"),
        )
        if not paths:
            paths = [
                p
                for p, is_set in (
                    ("name", bool(plan.name)),
                    ("description", bool(plan.description)),
                    ("status", plan.status != 0),
                    ("resources", len(plan.resources) > 0),
                    ("parameters", len(plan.parameters) > 0),
                )
                if is_set
            ]
        if not paths:
            raise invalid_argument(
                "nothing to update",
                {"update_mask": f"name at least one of {', '.join(updatable)}"},
            )
        v = Violations()
        name = check_name(v, "plan.name", plan.name) if "name" in paths else ""
        if "description" in paths:
            check_description(v, "plan.description", plan.description)
        if "status" in paths and plan.status not in (SUSPENDED, STARTED):
            v.add("plan.status", "must be PLAN_STATUS_SUSPENDED or PLAN_STATUS_STARTED")
        resources = (
            check_resources(v, "plan.resources", plan.resources) if "resources" in paths else []
        )
        parameters = (
            check_parameters(v, "plan.parameters", plan.parameters) if "parameters" in paths else {}
        )
        v.raise_if_any("plan")
        existing = await self.ctx.read(lambda s: records.get_plan(s, plan_id, identity.project_id))
        if existing is None:
            raise not_found("plan", plan_id)
        if "parameters" in paths:
            check_options(await self._provider(identity, existing.provider_id), parameters)

        def update(session: Session) -> Plan:
            row = records.get_plan(session, plan_id, identity.project_id)
            if row is None:
                raise not_found("plan", plan_id)
            frozen = {"resources", "parameters"} & set(paths)
            resuspended = "status" in paths and plan.status == SUSPENDED
            if frozen and row.status == STARTED and not resuspended:
                raise failed_precondition(
                    f"plan {plan_id} is STARTED: its {' and '.join(sorted(frozen))} cannot "
                    "change unless the same update sets status to PLAN_STATUS_SUSPENDED",
                    f"plan:{plan_id}",
                    "PLAN_STARTED",
                )
            if "name" in paths:
                row.name = name
            if "description" in paths:
                row.description = plan.description
            if "status" in paths:
                row.status = plan.status
            if "resources" in paths:
                row.resources = resources
            if "parameters" in paths:
                row.parameters = parameters
            row.update_time = utcnow()
            return row

        row = await self.ctx.write(update)
        return plans_pb2.UpdatePlanResponse(plan=plan_pb(row))

    async def DeletePlan(
        self, request: plans_pb2.DeletePlanRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> plans_pb2.DeletePlanResponse:
        identity = await self.ctx.identify(context)
        plan_id = uuid_arg("plan_id", request.plan_id)

        def delete(session: Session) -> None:
            row = records.get_plan(session, plan_id, identity.project_id)
            if row is None:
                raise not_found("plan", plan_id)
            session.delete(row)
            quotas.release(session, identity.project_id, "plans", 1)

        await self.ctx.write(delete)
        return plans_pb2.DeletePlanResponse()


def idempotency_key(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    """The client's idempotency key for a create (metadata ``idempotency-key``), or ""."""
    for key, value in context.invocation_metadata() or ():
        if key == "idempotency-key":
            text = value.decode(errors="replace") if isinstance(value, bytes) else value
            return text.strip()[:255]
    return ""
