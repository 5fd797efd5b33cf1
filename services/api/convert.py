"""Rows to smaug.v1 messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from google.protobuf import json_format, struct_pb2, timestamp_pb2

from smaug.store import models
from smaug.v1 import (
    common_pb2,
    operation_logs_pb2,
    resources_pb2,
    restores_pb2,
    verifications_pb2,
)


def ts(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def to_datetime(stamp: timestamp_pb2.Timestamp) -> datetime:
    return stamp.ToDatetime()


def struct(value: dict[str, Any] | None) -> struct_pb2.Struct | None:
    if value is None:
        return None
    holder = struct_pb2.Struct()
    holder.update(value)
    return holder


def resource_pb(value: dict[str, Any]) -> resources_pb2.Resource:
    resource = resources_pb2.Resource(
        type=value.get("type", ""), id=value.get("id", ""), name=value.get("name", "")
    )
    if value.get("extra_info") is not None:
        resource.extra_info.update(value["extra_info"])
    return resource


def resource_dict(resource: resources_pb2.Resource) -> dict[str, Any]:
    value: dict[str, Any] = {"type": resource.type, "id": resource.id, "name": resource.name}
    if resource.HasField("extra_info"):
        value["extra_info"] = json_format.MessageToDict(resource.extra_info)
    return value


def states(values: list[Any]) -> list[resources_pb2.ResourceState]:
    found = []
    for value in values or ():
        state = resources_pb2.ResourceState()
        json_format.ParseDict(value, state, ignore_unknown_fields=True)
        found.append(state)
    return found


def progress(value: dict[str, Any] | None) -> common_pb2.Progress:
    result = common_pb2.Progress()
    if value:
        json_format.ParseDict(value, result, ignore_unknown_fields=True)
    return result


def restore_pb(row: models.Restore) -> restores_pb2.Restore:
    message = restores_pb2.Restore(
        id=row.id,
        project_id=row.project_id,
        provider_id=row.provider_id,
        checkpoint_id=row.checkpoint_id,
        restore_target=row.restore_target,
        status=row.status,  # type: ignore[arg-type]
        status_reason=row.status_reason,
        resource_states=states(row.resource_states),
        progress=progress(row.progress),
        create_time=ts(row.create_time),
        update_time=ts(row.update_time),
        end_time=ts(row.end_time),
    )
    for key, value in (row.parameters or {}).items():
        message.parameters[key].update(value)
    return message


def verification_pb(row: models.Verification) -> verifications_pb2.Verification:
    message = verifications_pb2.Verification(
        id=row.id,
        project_id=row.project_id,
        provider_id=row.provider_id,
        checkpoint_id=row.checkpoint_id,
        status=row.status,  # type: ignore[arg-type]
        status_reason=row.status_reason,
        resource_states=states(row.resource_states),
        progress=progress(row.progress),
        create_time=ts(row.create_time),
        update_time=ts(row.update_time),
        end_time=ts(row.end_time),
    )
    for key, value in (row.parameters or {}).items():
        message.parameters[key].update(value)
    return message


def operation_log_pb(row: models.OperationLog) -> operation_logs_pb2.OperationLog:
    return operation_logs_pb2.OperationLog(
        id=row.id,
        project_id=row.project_id,
        operation_type=row.operation_type,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        checkpoint_id=row.checkpoint_id,
        plan_id=row.plan_id,
        provider_id=row.provider_id,
        restore_id=row.restore_id,
        verification_id=row.verification_id,
        scheduled_operation_id=row.scheduled_operation_id,
        start_time=ts(row.start_time),
        end_time=ts(row.end_time),
        error_info=row.error_info,
        extra_info=struct(row.extra_info),
    )
