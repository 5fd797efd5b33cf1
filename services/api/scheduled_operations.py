"""ScheduledOperationService: operations bound to triggers, run by the scheduler."""

from __future__ import annotations

from typing import Any

import grpc
import sqlalchemy as sa
from sqlalchemy.orm import Session

from smaug.api import listing
from smaug.api.convert import ts
from smaug.api.core import ApiContext
from smaug.api.event_rules import chain_cycle, refuse_cycle
from smaug.api.plans import idempotency_key
from smaug.api.triggers import get_trigger
from smaug.api.validation import (
    Violations,
    check_description,
    check_name,
    check_text_id,
    check_uuid,
    mask_paths,
    uuid_arg,
)
from smaug.mesh.errors import invalid_argument, not_found
from smaug.store import records
from smaug.store.db import new_id, utcnow
from smaug.store.models import (
    ScheduledOperation,
    ScheduledOperationClaim,
    ScheduledOperationRun,
)
from smaug.v1 import scheduled_operations_pb2 as so_pb2
from smaug.v1 import scheduled_operations_pb2_grpc as so_grpc

PROTECT = so_pb2.SCHEDULED_OPERATION_TYPE_PROTECT
RETENTION = so_pb2.SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT
COPY = so_pb2.SCHEDULED_OPERATION_TYPE_COPY
TYPES = (PROTECT, RETENTION, COPY)

COLLECTION = listing.Collection(
    model=ScheduledOperation,
    filters={
        "name": listing.Column(ScheduledOperation.name),
        "operation_type": listing.Column(
            ScheduledOperation.operation_type,
            listing.ENUM,
            so_pb2.ScheduledOperationType,
            "SCHEDULED_OPERATION_TYPE_",
        ),
        "trigger_id": listing.Column(ScheduledOperation.trigger_id),
        "enabled": listing.Column(ScheduledOperation.enabled, listing.BOOL),
        "operation_definition.provider_id": listing.Column(ScheduledOperation.provider_id),
        "operation_definition.plan_id": listing.Column(ScheduledOperation.plan_id),
    },
    sortable={
        "create_time": listing.Column(ScheduledOperation.create_time, listing.TIME),
        "name": listing.Column(ScheduledOperation.name),
        "id": listing.Column(ScheduledOperation.id),
    },
    default_order="create_time desc",
)


def operation_pb(
    row: ScheduledOperation, runs: list[ScheduledOperationRun]
) -> so_pb2.ScheduledOperation:
    return so_pb2.ScheduledOperation(
        id=row.id,
        project_id=row.project_id,
        user_id=row.user_id,
        name=row.name,
        description=row.description,
        operation_type=row.operation_type,  # type: ignore[arg-type]
        trigger_id=row.trigger_id,
        operation_definition=so_pb2.ScheduledOperationDefinition(
            provider_id=row.provider_id,
            plan_id=row.plan_id,
            max_backups=row.max_backups,
            retention_duration_days=row.retention_duration_days,
            destination_provider_id=row.destination_provider_id,
        ),
        enabled=row.enabled,
        recent_runs=[
            so_pb2.ScheduledOperationRun(
                expected_time=ts(r.expected_time),
                triggered_time=ts(r.triggered_time),
                start_time=ts(r.start_time),
                end_time=ts(r.end_time),
                state=r.state,  # type: ignore[arg-type]
                reason=r.reason,
                checkpoint_id=r.checkpoint_id,
                trigger_firing_id=r.firing_id,
            )
            for r in runs
        ],
        create_time=ts(row.create_time),
        update_time=ts(row.update_time),
    )


def _runs(session: Session, ids: list[str]) -> dict[str, list[ScheduledOperationRun]]:
    found: dict[str, list[ScheduledOperationRun]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = session.scalars(
        sa.select(ScheduledOperationRun)
        .where(ScheduledOperationRun.scheduled_operation_id.in_(ids))
        .order_by(ScheduledOperationRun.id.desc())
    )
    for row in rows:
        if len(found[row.scheduled_operation_id]) < 5:
            found[row.scheduled_operation_id].append(row)
    return found


def _check_definition(
    v: Violations, operation_type: int, definition: so_pb2.ScheduledOperationDefinition
) -> None:
    field = "scheduled_operation.operation_definition"
    check_text_id(v, f"{field}.provider_id", definition.provider_id)
    check_uuid(v, f"{field}.plan_id", definition.plan_id)
    for name in ("max_backups", "retention_duration_days"):
        value = getattr(definition, name)
        if value < 0:
            v.add(f"{field}.{name}", "must be 0 (no limit) or positive")
        elif value and operation_type in (PROTECT, COPY):
            v.add(f"{field}.{name}", "only for SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT")
    if definition.destination_provider_id:
        if operation_type != COPY:
            v.add(f"{field}.destination_provider_id", "only for SCHEDULED_OPERATION_TYPE_COPY")
        else:
            check_text_id(v, f"{field}.destination_provider_id", definition.destination_provider_id)


def _check_plan(
    session: Session, project_id: str, definition: so_pb2.ScheduledOperationDefinition
) -> None:
    field = "scheduled_operation.operation_definition"
    plan = records.get_plan(session, definition.plan_id.lower(), project_id)
    if plan is None:
        raise invalid_argument(
            f"plan {definition.plan_id} does not exist",
            {f"{field}.plan_id": f"no plan {definition.plan_id} in this project"},
        )
    if plan.provider_id != definition.provider_id:
        raise invalid_argument(
            "the plan belongs to another provider",
            {f"{field}.provider_id": f"must be the plan's provider {plan.provider_id}"},
        )


class ScheduledOperationService(so_grpc.ScheduledOperationServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def ListScheduledOperations(
        self,
        request: so_pb2.ListScheduledOperationsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> so_pb2.ListScheduledOperationsResponse:
        identity = await self.ctx.identify(context)
        query = listing.ListQuery(
            COLLECTION,
            request.page_size,
            request.page_token,
            request.filter,
            request.order_by,
            self.ctx.scope(identity, request.all_projects),
        )

        def work(session: Session) -> tuple[listing.Page, dict[str, list[ScheduledOperationRun]]]:
            page = listing.run_list(session, query)
            return page, _runs(session, [r.id for r in page.rows])

        page, runs = await self.ctx.read(work)
        return so_pb2.ListScheduledOperationsResponse(
            scheduled_operations=[operation_pb(r, runs[r.id]) for r in page.rows],
            next_page_token=page.next_page_token,
        )

    async def GetScheduledOperation(
        self,
        request: so_pb2.GetScheduledOperationRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> so_pb2.GetScheduledOperationResponse:
        identity = await self.ctx.identify(context)
        op_id = uuid_arg("scheduled_operation_id", request.scheduled_operation_id)

        def work(session: Session) -> so_pb2.ScheduledOperation:
            row = _get(session, op_id, identity.project_id)
            return operation_pb(row, _runs(session, [row.id])[row.id])

        return so_pb2.GetScheduledOperationResponse(scheduled_operation=await self.ctx.read(work))

    async def CreateScheduledOperation(
        self,
        request: so_pb2.CreateScheduledOperationRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> so_pb2.CreateScheduledOperationResponse:
        identity = await self.ctx.identify(context)
        op = request.scheduled_operation
        v = Violations()
        if not request.HasField("scheduled_operation"):
            v.add("scheduled_operation", "required: the operation to create")
        name = check_name(v, "scheduled_operation.name", op.name)
        check_description(v, "scheduled_operation.description", op.description)
        if op.operation_type not in TYPES:
            v.add(
                "scheduled_operation.operation_type",
                "must be SCHEDULED_OPERATION_TYPE_PROTECT, "
                "SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT or SCHEDULED_OPERATION_TYPE_COPY",
            )
        check_uuid(v, "scheduled_operation.trigger_id", op.trigger_id)
        if not op.HasField("operation_definition"):
            v.add("scheduled_operation.operation_definition", "required: provider_id and plan_id")
        _check_definition(v, op.operation_type, op.operation_definition)
        v.raise_if_any("scheduled operation")
        request_key = idempotency_key(context)
        definition = op.operation_definition
        if definition.destination_provider_id:
            await self.ctx.require_provider(identity, definition.destination_provider_id)
        # Runs happen long after this token expires: in Keystone mode the owner delegates
        # their roles to Smaug through a trust, redeemed by the scheduler at each run.
        trust_id = await self.ctx.delegate(identity)
        replayed = False

        def create(session: Session) -> so_pb2.ScheduledOperation:
            nonlocal replayed
            if request_key:
                earlier = records.recall_request(
                    session, identity.project_id, "scheduled_operation", request_key
                )
                found = session.get(ScheduledOperation, earlier) if earlier else None
                if found is not None and found.project_id == identity.project_id:
                    replayed = True
                    return operation_pb(found, _runs(session, [found.id])[found.id])
            get_trigger(session, op.trigger_id.lower(), identity.project_id)
            _check_plan(session, identity.project_id, definition)
            refuse_cycle(
                chain_cycle(
                    session,
                    identity.project_id,
                    operation=(
                        "",
                        op.trigger_id.lower(),
                        definition.plan_id.lower(),
                        op.operation_type,
                    ),
                ),
                "scheduled_operation.trigger_id",
            )
            now = utcnow()
            row = ScheduledOperation(
                id=new_id(),
                project_id=identity.project_id,
                user_id=identity.user_id,
                name=name,
                description=op.description,
                operation_type=op.operation_type,
                trigger_id=op.trigger_id.lower(),
                provider_id=definition.provider_id,
                plan_id=definition.plan_id.lower(),
                max_backups=definition.max_backups,
                retention_duration_days=definition.retention_duration_days,
                destination_provider_id=definition.destination_provider_id,
                enabled=op.enabled if op.HasField("enabled") else True,
                create_time=now,
                update_time=now,
                enabled_time=now,
                trust_id=trust_id,
            )
            session.add(row)
            if request_key:
                records.remember_request(
                    session, identity.project_id, "scheduled_operation", request_key, row.id
                )
            return operation_pb(row, [])

        try:
            created = await self.ctx.write(create)
        except BaseException:
            await self.ctx.revoke(trust_id, identity)
            raise
        if replayed:  # the earlier request made the operation (and its trust) already
            await self.ctx.revoke(trust_id, identity)
        return so_pb2.CreateScheduledOperationResponse(scheduled_operation=created)

    async def UpdateScheduledOperation(
        self,
        request: so_pb2.UpdateScheduledOperationRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> so_pb2.UpdateScheduledOperationResponse:
        identity = await self.ctx.identify(context)
        op = request.scheduled_operation
        op_id = uuid_arg("scheduled_operation.id", op.id)
        updatable = ("name", "description", "enabled", "trigger_id", "operation_definition")
        paths = mask_paths(
            request.update_mask,
            updatable,
            (
                "operation_type",
                "id",
                "project_id",
                "user_id",
                "recent_runs",
                "create_time",
                "update_time",
            ),
        )
        if not paths:
            paths = [
                p
                for p, s in (
                    ("name", bool(op.name)),
                    ("description", bool(op.description)),
                    ("enabled", op.HasField("enabled")),
                    ("trigger_id", bool(op.trigger_id)),
                    ("operation_definition", op.HasField("operation_definition")),
                )
                if s
            ]
        if not paths:
            raise invalid_argument(
                "nothing to update", {"update_mask": f"name one of {', '.join(updatable)}"}
            )
        v = Violations()
        name = check_name(v, "scheduled_operation.name", op.name) if "name" in paths else ""
        if "description" in paths:
            check_description(v, "scheduled_operation.description", op.description)
        if "trigger_id" in paths:
            check_uuid(v, "scheduled_operation.trigger_id", op.trigger_id)
        v.raise_if_any("scheduled operation")
        definition = op.operation_definition
        if "operation_definition" in paths and definition.destination_provider_id:
            await self.ctx.require_provider(identity, definition.destination_provider_id)

        def update(session: Session) -> so_pb2.ScheduledOperation:
            row = _get(session, op_id, identity.project_id)
            if "operation_definition" in paths:
                dv = Violations()
                _check_definition(dv, row.operation_type, definition)
                dv.raise_if_any("scheduled operation")
                _check_plan(session, identity.project_id, definition)
                row.provider_id = definition.provider_id
                row.plan_id = definition.plan_id.lower()
                row.max_backups = definition.max_backups
                row.retention_duration_days = definition.retention_duration_days
                row.destination_provider_id = definition.destination_provider_id
            if "trigger_id" in paths:
                new_trigger = get_trigger(session, op.trigger_id.lower(), identity.project_id).id
                if new_trigger != row.trigger_id:
                    # Occurrences of the new trigger count from now on only.
                    row.enabled_time = utcnow()
                row.trigger_id = new_trigger
            if "name" in paths:
                row.name = name
            if "description" in paths:
                row.description = op.description
            if "enabled" in paths:
                if op.enabled and not row.enabled:
                    # Occurrences while it was disabled are not due (and not "dropped").
                    row.enabled_time = utcnow()
                row.enabled = op.enabled
            refuse_cycle(
                chain_cycle(
                    session,
                    identity.project_id,
                    operation=(row.id, row.trigger_id, row.plan_id, row.operation_type),
                ),
                "scheduled_operation.trigger_id",
            )
            row.update_time = utcnow()
            return operation_pb(row, _runs(session, [row.id])[row.id])

        return so_pb2.UpdateScheduledOperationResponse(
            scheduled_operation=await self.ctx.write(update)
        )

    async def DeleteScheduledOperation(
        self,
        request: so_pb2.DeleteScheduledOperationRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> so_pb2.DeleteScheduledOperationResponse:
        identity = await self.ctx.identify(context)
        op_id = uuid_arg("scheduled_operation_id", request.scheduled_operation_id)

        def delete(session: Session) -> str:
            row = _get(session, op_id, identity.project_id)
            trust_id = row.trust_id
            session.execute(
                sa.delete(ScheduledOperationRun).where(
                    ScheduledOperationRun.scheduled_operation_id == row.id
                )
            )
            session.execute(
                sa.delete(ScheduledOperationClaim).where(
                    ScheduledOperationClaim.scheduled_operation_id == row.id
                )
            )
            session.delete(row)
            return trust_id

        await self.ctx.revoke(await self.ctx.write(delete), identity)
        return so_pb2.DeleteScheduledOperationResponse()


def _get(session: Session, op_id: str, project_id: str) -> ScheduledOperation:
    row = session.get(ScheduledOperation, op_id)
    if row is None or row.project_id != project_id:
        raise not_found("scheduled operation", op_id)
    return row
