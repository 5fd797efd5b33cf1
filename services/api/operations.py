"""Restores, verifications and operation logs: listed and shown from the store (the protection
service writes them); CreateRestore/CreateVerification and the Watch streams are forwarded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from smaug.api import listing
from smaug.api.convert import operation_log_pb, restore_pb, verification_pb
from smaug.api.core import ApiContext
from smaug.api.validation import Violations, check_parameters, check_text_id, uuid_arg
from smaug.mesh.errors import not_found
from smaug.store import records
from smaug.store.models import OperationLog, Restore, Verification
from smaug.v1 import (
    common_pb2,
    operation_logs_pb2,
    operation_logs_pb2_grpc,
    restores_pb2,
    restores_pb2_grpc,
    verifications_pb2,
    verifications_pb2_grpc,
)


def _status(column: Any) -> listing.Column:
    return listing.Column(column, listing.ENUM, common_pb2.OperationStatus, "OPERATION_STATUS_")


def _operation_collection(model: Any) -> listing.Collection:
    return listing.Collection(
        model=model,
        filters={
            "status": _status(model.status),
            "provider_id": listing.Column(model.provider_id),
            "checkpoint_id": listing.Column(model.checkpoint_id),
            "create_time": listing.Column(model.create_time, listing.TIME),
        },
        sortable={
            "create_time": listing.Column(model.create_time, listing.TIME),
            "status": listing.Column(model.status, listing.INT),
            "id": listing.Column(model.id),
        },
        default_order="create_time desc",
    )


RESTORES = _operation_collection(Restore)
VERIFICATIONS = _operation_collection(Verification)
LOGS = listing.Collection(
    model=OperationLog,
    filters={
        "operation_type": listing.Column(
            OperationLog.operation_type, listing.ENUM, common_pb2.OperationType, "OPERATION_TYPE_"
        ),
        "status": _status(OperationLog.status),
        **{
            name: listing.Column(getattr(OperationLog, name))
            for name in (
                "checkpoint_id",
                "plan_id",
                "provider_id",
                "restore_id",
                "verification_id",
                "scheduled_operation_id",
            )
        },
        "start_time": listing.Column(OperationLog.start_time, listing.TIME),
    },
    sortable={
        "start_time": listing.Column(OperationLog.start_time, listing.TIME),
        "end_time": listing.Column(OperationLog.end_time, listing.TIME, nullable=True),
        "status": listing.Column(OperationLog.status, listing.INT),
        "id": listing.Column(OperationLog.id),
    },
    default_order="start_time desc",
)


def _check_create(v: Violations, prefix: str, message: Any) -> None:
    check_text_id(v, f"{prefix}.provider_id", message.provider_id)
    check_text_id(v, f"{prefix}.checkpoint_id", message.checkpoint_id)
    check_parameters(v, f"{prefix}.parameters", message.parameters)


class RestoreService(restores_pb2_grpc.RestoreServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def ListRestores(
        self, request: restores_pb2.ListRestoresRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> restores_pb2.ListRestoresResponse:
        identity = await self.ctx.identify(context)
        query = listing.ListQuery(
            RESTORES,
            request.page_size,
            request.page_token,
            request.filter,
            request.order_by,
            self.ctx.scope(identity, request.all_projects),
        )
        page = await self.ctx.read(lambda s: listing.run_list(s, query))
        return restores_pb2.ListRestoresResponse(
            restores=[restore_pb(r) for r in page.rows], next_page_token=page.next_page_token
        )

    async def GetRestore(
        self, request: restores_pb2.GetRestoreRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> restores_pb2.GetRestoreResponse:
        identity = await self.ctx.identify(context)
        restore_id = uuid_arg("restore_id", request.restore_id)
        row = await self.ctx.read(lambda s: records.get_restore(s, restore_id, identity.project_id))
        if row is None:
            raise not_found("restore", restore_id)
        return restores_pb2.GetRestoreResponse(restore=restore_pb(row))

    async def CreateRestore(
        self,
        request: restores_pb2.CreateRestoreRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> restores_pb2.CreateRestoreResponse:
        identity = await self.ctx.identify(context)
        v = Violations()
        if not request.HasField("restore"):
            v.add("restore", "required: provider_id and checkpoint_id")
        _check_create(v, "restore", request.restore)
        if len(request.restore.restore_target) > 4096:
            v.add("restore.restore_target", "at most 4096 characters")
        v.raise_if_any("restore")
        await self.ctx.require_provider(identity, request.restore.provider_id)
        return await self.ctx.forwarder.unary(
            "/smaug.v1.RestoreService/CreateRestore",
            request,
            restores_pb2.CreateRestoreResponse,
            identity,
        )

    async def CancelRestore(
        self,
        request: restores_pb2.CancelRestoreRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> restores_pb2.CancelRestoreResponse:
        identity = await self.ctx.identify(context)
        uuid_arg("restore_id", request.restore_id)
        return await self.ctx.forwarder.unary(
            "/smaug.v1.RestoreService/CancelRestore",
            request,
            restores_pb2.CancelRestoreResponse,
            identity,
        )

    async def WatchRestore(
        self, request: restores_pb2.WatchRestoreRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[restores_pb2.WatchRestoreResponse]:
        identity = await self.ctx.identify(context)
        uuid_arg("restore_id", request.restore_id)
        async for event in self.ctx.forwarder.stream(
            "/smaug.v1.RestoreService/WatchRestore",
            request,
            restores_pb2.WatchRestoreResponse,
            identity,
        ):
            yield event


class VerificationService(verifications_pb2_grpc.VerificationServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def ListVerifications(
        self,
        request: verifications_pb2.ListVerificationsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> verifications_pb2.ListVerificationsResponse:
        identity = await self.ctx.identify(context)
        query = listing.ListQuery(
            VERIFICATIONS,
            request.page_size,
            request.page_token,
            request.filter,
            request.order_by,
            self.ctx.scope(identity, request.all_projects),
        )
        page = await self.ctx.read(lambda s: listing.run_list(s, query))
        return verifications_pb2.ListVerificationsResponse(
            verifications=[verification_pb(r) for r in page.rows],
            next_page_token=page.next_page_token,
        )

    async def GetVerification(
        self,
        request: verifications_pb2.GetVerificationRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> verifications_pb2.GetVerificationResponse:
        identity = await self.ctx.identify(context)
        verification_id = uuid_arg("verification_id", request.verification_id)
        row = await self.ctx.read(
            lambda s: records.get_verification(s, verification_id, identity.project_id)
        )
        if row is None:
            raise not_found("verification", verification_id)
        return verifications_pb2.GetVerificationResponse(verification=verification_pb(row))

    async def CreateVerification(
        self,
        request: verifications_pb2.CreateVerificationRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> verifications_pb2.CreateVerificationResponse:
        identity = await self.ctx.identify(context)
        v = Violations()
        if not request.HasField("verification"):
            v.add("verification", "required: provider_id and checkpoint_id")
        _check_create(v, "verification", request.verification)
        v.raise_if_any("verification")
        await self.ctx.require_provider(identity, request.verification.provider_id)
        return await self.ctx.forwarder.unary(
            "/smaug.v1.VerificationService/CreateVerification",
            request,
            verifications_pb2.CreateVerificationResponse,
            identity,
        )

    async def CancelVerification(
        self,
        request: verifications_pb2.CancelVerificationRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> verifications_pb2.CancelVerificationResponse:
        identity = await self.ctx.identify(context)
        uuid_arg("verification_id", request.verification_id)
        return await self.ctx.forwarder.unary(
            "/smaug.v1.VerificationService/CancelVerification",
            request,
            verifications_pb2.CancelVerificationResponse,
            identity,
        )

    async def WatchVerification(
        self,
        request: verifications_pb2.WatchVerificationRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncIterator[verifications_pb2.WatchVerificationResponse]:
        identity = await self.ctx.identify(context)
        uuid_arg("verification_id", request.verification_id)
        async for event in self.ctx.forwarder.stream(
            "/smaug.v1.VerificationService/WatchVerification",
            request,
            verifications_pb2.WatchVerificationResponse,
            identity,
        ):
            yield event


class OperationLogService(operation_logs_pb2_grpc.OperationLogServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def ListOperationLogs(
        self,
        request: operation_logs_pb2.ListOperationLogsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> operation_logs_pb2.ListOperationLogsResponse:
        identity = await self.ctx.identify(context)
        query = listing.ListQuery(
            LOGS,
            request.page_size,
            request.page_token,
            request.filter,
            request.order_by,
            self.ctx.scope(identity, request.all_projects),
        )
        page = await self.ctx.read(lambda s: listing.run_list(s, query))
        return operation_logs_pb2.ListOperationLogsResponse(
            operation_logs=[operation_log_pb(r) for r in page.rows],
            next_page_token=page.next_page_token,
        )

    async def GetOperationLog(
        self,
        request: operation_logs_pb2.GetOperationLogRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> operation_logs_pb2.GetOperationLogResponse:
        identity = await self.ctx.identify(context)
        log_id = uuid_arg("operation_log_id", request.operation_log_id)

        def get(session: Any) -> OperationLog | None:
            row = session.get(OperationLog, log_id)
            return row if row is not None and row.project_id == identity.project_id else None

        row = await self.ctx.read(get)
        if row is None:
            raise not_found("operation log", log_id)
        return operation_logs_pb2.GetOperationLogResponse(operation_log=operation_log_pb(row))
