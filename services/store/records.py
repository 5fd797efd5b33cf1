"""Rows the services write: restores, verifications, operation logs, scheduled-operation runs,
service heartbeats and idempotency records; plus plan look-ups for the protection service.

Call these inside ``with store.write() as session:`` (or ``store.read()`` for get_*). Enum
arguments are smaug.v1 enum numbers (``common_pb2.OPERATION_STATUS_SUCCEEDED`` ...). Resource
states and progress may be given as smaug.v1 messages or as their JSON mapping (dicts).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from google.protobuf import json_format
from google.protobuf.message import Message
from sqlalchemy.orm import Session

from smaug.store.db import new_id, utcnow
from smaug.store.models import (
    OperationLog,
    Plan,
    RequestRecord,
    Restore,
    ScheduledOperation,
    ScheduledOperationRun,
    ServiceRecord,
    Verification,
)

IN_PROGRESS = 1  # smaug.v1.OperationStatus.OPERATION_STATUS_IN_PROGRESS
_FINAL = (2, 3)  # SUCCEEDED, FAILED
# A service whose last heartbeat is older than this is DOWN (SMAUG_SERVICE_DOWN_SECONDS).
SERVICE_DOWN_SECONDS = int(os.environ.get("SMAUG_SERVICE_DOWN_SECONDS", "60") or 60)
REQUEST_RECORD_SECONDS = 24 * 3600


def _json(value: Message | Mapping[str, Any] | None) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Message):
        return json_format.MessageToDict(value, preserving_proto_field_name=True)
    return dict(value)


def _states(states: Iterable[Message | Mapping[str, Any]]) -> list[Any]:
    return [_json(state) for state in states]


def _parameters(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: _json(value) for key, value in (parameters or {}).items()}


# -- restores ----------------------------------------------------------------------------------


def create_restore(
    session: Session,
    *,
    project_id: str,
    provider_id: str,
    checkpoint_id: str,
    restore_target: str = "",
    parameters: Mapping[str, Any] | None = None,
    resource_states: Iterable[Message | Mapping[str, Any]] = (),
    restore_id: str | None = None,
) -> str:
    """Record a restore IN_PROGRESS; returns its id (``restore_id`` or a new UUID).

    ``parameters`` maps "<type>[#<id>]" to a Struct or dict. Credentials are never stored.
    """
    now = utcnow()
    row = Restore(
        id=restore_id or new_id(),
        project_id=project_id,
        provider_id=provider_id,
        checkpoint_id=checkpoint_id,
        restore_target=restore_target,
        parameters=_parameters(parameters),
        status=IN_PROGRESS,
        status_reason="",
        resource_states=_states(resource_states),
        progress={},
        create_time=now,
        update_time=now,
    )
    session.add(row)
    session.flush()
    return row.id


def _update_operation(
    row: Restore | Verification,
    status: int | None,
    resource_states: Iterable[Message | Mapping[str, Any]] | None,
    reason: str | None,
    progress: Message | Mapping[str, Any] | None,
) -> None:
    now = utcnow()
    if status is not None:
        row.status = int(status)
        if status in _FINAL and row.end_time is None:
            row.end_time = now
    if resource_states is not None:
        row.resource_states = _states(resource_states)
    if reason is not None:
        row.status_reason = reason
    if progress is not None:
        row.progress = _json(progress)
    row.update_time = now


def update_restore(
    session: Session,
    restore_id: str,
    *,
    status: int | None = None,
    resource_states: Iterable[Message | Mapping[str, Any]] | None = None,
    reason: str | None = None,
    progress: Message | Mapping[str, Any] | None = None,
) -> None:
    """Change a restore; None leaves a field alone. SUCCEEDED/FAILED set end_time once.

    KeyError when there is no such restore.
    """
    row = session.get(Restore, restore_id)
    if row is None:
        raise KeyError(restore_id)
    _update_operation(row, status, resource_states, reason, progress)


def get_restore(session: Session, restore_id: str, project_id: str | None = None) -> Restore | None:
    row = session.get(Restore, restore_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        return None
    return row


# -- verifications -----------------------------------------------------------------------------


def create_verification(
    session: Session,
    *,
    project_id: str,
    provider_id: str,
    checkpoint_id: str,
    parameters: Mapping[str, Any] | None = None,
    resource_states: Iterable[Message | Mapping[str, Any]] = (),
    verification_id: str | None = None,
) -> str:
    """Record a verification IN_PROGRESS; returns its id."""
    now = utcnow()
    row = Verification(
        id=verification_id or new_id(),
        project_id=project_id,
        provider_id=provider_id,
        checkpoint_id=checkpoint_id,
        parameters=_parameters(parameters),
        status=IN_PROGRESS,
        status_reason="",
        resource_states=_states(resource_states),
        progress={},
        create_time=now,
        update_time=now,
    )
    session.add(row)
    session.flush()
    return row.id


def update_verification(
    session: Session,
    verification_id: str,
    *,
    status: int | None = None,
    resource_states: Iterable[Message | Mapping[str, Any]] | None = None,
    reason: str | None = None,
    progress: Message | Mapping[str, Any] | None = None,
) -> None:
    """As update_restore, for a verification."""
    row = session.get(Verification, verification_id)
    if row is None:
        raise KeyError(verification_id)
    _update_operation(row, status, resource_states, reason, progress)


def get_verification(
    session: Session, verification_id: str, project_id: str | None = None
) -> Verification | None:
    row = session.get(Verification, verification_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        return None
    return row


# -- operation logs ----------------------------------------------------------------------------


def start_operation_log(
    session: Session,
    project_id: str,
    operation_type: int,
    *,
    checkpoint_id: str = "",
    plan_id: str = "",
    provider_id: str = "",
    restore_id: str = "",
    verification_id: str = "",
    scheduled_operation_id: str = "",
    extra_info: Mapping[str, Any] | None = None,
) -> str:
    """Log an operation IN_PROGRESS (operation_type: smaug.v1 OperationType); returns its id."""
    row = OperationLog(
        id=new_id(),
        project_id=project_id,
        operation_type=int(operation_type),
        status=IN_PROGRESS,
        checkpoint_id=checkpoint_id,
        plan_id=plan_id,
        provider_id=provider_id,
        restore_id=restore_id,
        verification_id=verification_id,
        scheduled_operation_id=scheduled_operation_id,
        start_time=utcnow(),
        end_time=None,
        error_info="",
        extra_info=dict(extra_info) if extra_info else None,
    )
    session.add(row)
    session.flush()
    return row.id


def finish_operation_log(
    session: Session,
    log_id: str,
    status: int,
    error_info: str | None = None,
    extra_info: Mapping[str, Any] | None = None,
) -> None:
    """End a log entry with SUCCEEDED or FAILED (KeyError when there is no such entry)."""
    row = session.get(OperationLog, log_id)
    if row is None:
        raise KeyError(log_id)
    row.status = int(status)
    row.end_time = utcnow()
    if error_info is not None:
        row.error_info = error_info
    if extra_info is not None:
        row.extra_info = {**(row.extra_info or {}), **extra_info}


# -- plans -------------------------------------------------------------------------------------


def get_plan(session: Session, plan_id: str, project_id: str | None = None) -> Plan | None:
    """A plan, or None when it does not exist or belongs to another project than project_id.

    ``plan.resources`` is a list of {"type", "id", "name", "extra_info"?}; ``plan.parameters``
    maps "<type>[#<id>]" to an options dict.
    """
    row = session.get(Plan, plan_id)
    if row is None or (project_id is not None and row.project_id != project_id):
        return None
    return row


# -- scheduled operations (for the scheduler) --------------------------------------------------


def get_scheduled_operation(session: Session, operation_id: str) -> ScheduledOperation | None:
    return session.get(ScheduledOperation, operation_id)


def start_scheduled_run(
    session: Session,
    scheduled_operation_id: str,
    expected_time: datetime,
    state: int = 1,
    *,
    triggered_time: datetime | None = None,
    reason: str = "",
    firing_id: str | None = None,
) -> int:
    """Record a run (state: ScheduledOperationRunState); keeps the newest 5 runs; returns id."""
    now = utcnow()
    row = ScheduledOperationRun(
        scheduled_operation_id=scheduled_operation_id,
        expected_time=expected_time,
        triggered_time=triggered_time or now,
        start_time=now,
        end_time=None if state == 1 else now,
        state=state,
        reason=reason,
        checkpoint_id="",
        firing_id=firing_id or "",
    )
    session.add(row)
    session.flush()
    keep = session.scalars(
        sa.select(ScheduledOperationRun.id)
        .where(ScheduledOperationRun.scheduled_operation_id == scheduled_operation_id)
        .order_by(ScheduledOperationRun.id.desc())
        .limit(5)
    ).all()
    session.execute(
        sa.delete(ScheduledOperationRun).where(
            ScheduledOperationRun.scheduled_operation_id == scheduled_operation_id,
            ScheduledOperationRun.id.not_in(keep),
        )
    )
    return row.id


def finish_scheduled_run(
    session: Session, run_id: int, state: int, *, reason: str = "", checkpoint_id: str = ""
) -> None:
    row = session.get(ScheduledOperationRun, run_id)
    if row is None:
        raise KeyError(run_id)
    row.state = state
    row.reason = reason
    row.checkpoint_id = checkpoint_id
    row.end_time = utcnow()


# -- service registry --------------------------------------------------------------------------


def heartbeat(session: Session, binary: str, host: str) -> int:
    """Record that ``binary`` (e.g. "smaug-protection") runs on ``host`` now; returns its id."""
    now = utcnow()
    row = session.scalar(
        sa.select(ServiceRecord).where(ServiceRecord.binary == binary, ServiceRecord.host == host)
    )
    if row is None:
        row = ServiceRecord(
            binary=binary,
            host=host,
            disabled=False,
            disabled_reason="",
            heartbeat_time=now,
            create_time=now,
            update_time=now,
        )
        session.add(row)
        session.flush()
    else:
        row.heartbeat_time = now
    return row.id


def service_enabled(session: Session, binary: str, host: str) -> bool:
    """False only when an operator disabled this instance."""
    row = session.scalar(
        sa.select(ServiceRecord).where(ServiceRecord.binary == binary, ServiceRecord.host == host)
    )
    return row is None or not row.disabled


def service_is_up(row: ServiceRecord, now: datetime | None = None) -> bool:
    return (now or utcnow()) - row.heartbeat_time <= timedelta(seconds=SERVICE_DOWN_SECONDS)


# -- idempotency -------------------------------------------------------------------------------


def recall_request(session: Session, project_id: str, kind: str, request_id: str) -> str | None:
    """The id a previous create with this client request id made (within 24 hours), or None."""
    row = session.get(RequestRecord, (project_id, kind, request_id))
    if row is None:
        return None
    if utcnow() - row.create_time > timedelta(seconds=REQUEST_RECORD_SECONDS):
        session.delete(row)
        session.flush()
        return None
    return row.result_id


def claim_request(session: Session, project_id: str, kind: str, request_id: str) -> bool:
    """Claim a client request id before acting on it: True for the first caller. A concurrent
    second claim on PostgreSQL fails at flush with IntegrityError (the caller's duplicate)."""
    if recall_request(session, project_id, kind, request_id) is not None:
        return False
    session.add(
        RequestRecord(
            project_id=project_id,
            kind=kind,
            request_id=request_id,
            result_id="",
            create_time=utcnow(),
        )
    )
    session.flush()
    return True


def forget_request(session: Session, project_id: str, kind: str, request_id: str) -> None:
    """Drop a claim whose action failed, so a retry may act."""
    row = session.get(RequestRecord, (project_id, kind, request_id))
    if row is not None:
        session.delete(row)


def remember_request(
    session: Session, project_id: str, kind: str, request_id: str, result_id: str
) -> None:
    session.merge(
        RequestRecord(
            project_id=project_id,
            kind=kind,
            request_id=request_id,
            result_id=result_id,
            create_time=utcnow(),
        )
    )
