"""The scheduler's database side: what is due, and claiming occurrences exactly once.

Protocol (every function runs in one ``store.write()`` transaction):

* ``claim`` inserts the row (scheduled operation, occurrence) into scheduled_operation_claims,
  whose unique constraint lets exactly one replica succeed, in the same transaction that checks
  this replica is not disabled and the operation is still enabled and bound to the same trigger;
  it also records the run (ScheduledOperationRun, IN_PROGRESS).
* While the run goes on, the holder renews ``heartbeat_time`` (``renew``).
* ``take_over`` moves a claim still IN_PROGRESS whose heartbeat is older than the staleness limit
  to this replica with a compare-and-swap on (replica, heartbeat_time, attempts), so of several
  replicas noticing the same stale claim exactly one wins.
* ``finish`` ends the claim and the run; only the current holder may end the claim.
* ``drop`` records an occurrence nobody could start within its window (DROPPED_OUT_OF_WINDOW),
  through the same unique constraint, so a dropped occurrence is never run later either.

EVENT triggers use the same protocol: a FIRED firing (``smaug.store.events``) is an occurrence
whose time is the firing's ``fire_time``; its claims and runs carry the firing's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from smaug.store import records
from smaug.store.db import utcnow
from smaug.store.events import EventRule, FiringSummary
from smaug.store.models import (
    OperationLog,
    ScheduledOperation,
    ScheduledOperationClaim,
    ScheduledOperationRun,
    ServiceRecord,
    Trigger,
    User,
)

BINARY = "smaug-scheduler"
IN_PROGRESS, SUCCEEDED, FAILED, DROPPED = 1, 2, 3, 4  # ScheduledOperationRunState
COPY = 3  # smaug.v1.ScheduledOperationType.SCHEDULED_OPERATION_TYPE_COPY
OPERATION_PROTECT, OPERATION_COPY = 1, 5  # smaug.v1.OperationType
LOG_FAILED = 3  # smaug.v1.OperationStatus
TIME, EVENT = 1, 2  # smaug.v1.TriggerType


@dataclass(frozen=True)
class TriggerView:
    id: str
    format: int
    pattern: str
    start_time: datetime
    end_time: datetime | None
    window_seconds: int
    next_fire_time: datetime | None
    since: datetime  # occurrences of this rule count from here
    type: int = TIME
    event: EventRule | None = None

    @property
    def rule_key(self) -> tuple[Any, ...]:
        return (self.id, self.format, self.pattern, self.start_time, self.end_time)


@dataclass(frozen=True)
class OperationView:
    id: str
    project_id: str
    user_id: str
    operation_type: int
    trigger_id: str
    provider_id: str
    plan_id: str
    max_backups: int
    retention_duration_days: int
    since: datetime  # enabled (or bound to its trigger) since
    last_occurrence: datetime | None  # newest occurrence claimed or dropped
    destination_provider_id: str = ""
    trust_id: str = ""  # Keystone mode: the owner's trust, redeemed for their token per run


@dataclass(frozen=True)
class StaleClaim:
    id: int
    scheduled_operation_id: str
    occurrence_time: datetime
    replica: str
    heartbeat_time: datetime
    attempts: int


@dataclass(frozen=True)
class Snapshot:
    triggers: dict[str, TriggerView]
    operations: list[OperationView]
    stale: list[StaleClaim]


@dataclass(frozen=True)
class Claimed:
    """A claim this replica holds: what to run."""

    claim_id: int
    run_id: int | None
    occurrence: datetime
    operation: OperationView
    window_seconds: int
    roles: tuple[str, ...]
    attempts: int
    previous_replica: str = ""
    firing_id: str | None = None  # EVENT triggers: the firing this occurrence is


def _lock(query: Any, session: Session, read: bool = True) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(read=read)
    return query


def heartbeat(session: Session, replica: str) -> tuple[int, bool]:
    """Renew this replica's service heartbeat; returns (service id, enabled)."""
    service_id = records.heartbeat(session, BINARY, replica)
    row = session.get(ServiceRecord, service_id)
    return service_id, row is None or not row.disabled


def _enabled(session: Session, replica: str) -> bool:
    row = session.scalar(
        _lock(
            sa.select(ServiceRecord).where(
                ServiceRecord.binary == BINARY, ServiceRecord.host == replica
            ),
            session,
        )
    )
    return row is None or not row.disabled


def snapshot(session: Session, now: datetime, stale_seconds: float) -> Snapshot:
    """The enabled operations with their triggers and cursors, and claims gone stale."""
    last = (
        sa.select(
            ScheduledOperationClaim.scheduled_operation_id.label("op"),
            sa.func.max(ScheduledOperationClaim.occurrence_time).label("last"),
        )
        .group_by(ScheduledOperationClaim.scheduled_operation_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(ScheduledOperation, Trigger, last.c.last)
        .join(Trigger, Trigger.id == ScheduledOperation.trigger_id)
        .outerjoin(last, last.c.op == ScheduledOperation.id)
        .where(ScheduledOperation.enabled.is_(True))
        .order_by(ScheduledOperation.id)
    ).all()
    triggers: dict[str, TriggerView] = {}
    operations = []
    for op, trigger, last_occurrence in rows:
        if trigger.id not in triggers:
            triggers[trigger.id] = TriggerView(
                id=trigger.id,
                format=trigger.format,
                pattern=trigger.pattern,
                start_time=trigger.start_time,
                end_time=trigger.end_time,
                window_seconds=trigger.window_seconds,
                next_fire_time=trigger.next_fire_time,
                since=trigger.rule_time or trigger.create_time,
                type=trigger.type,
                event=EventRule.from_json(trigger.event),
            )
        operations.append(
            OperationView(
                id=op.id,
                project_id=op.project_id,
                user_id=op.user_id,
                operation_type=op.operation_type,
                trigger_id=op.trigger_id,
                provider_id=op.provider_id,
                plan_id=op.plan_id,
                max_backups=op.max_backups,
                retention_duration_days=op.retention_duration_days,
                since=op.enabled_time or op.create_time,
                last_occurrence=last_occurrence,
                destination_provider_id=op.destination_provider_id,
                trust_id=op.trust_id or "",
            )
        )
    stale = [
        StaleClaim(
            c.id,
            c.scheduled_operation_id,
            c.occurrence_time,
            c.replica,
            c.heartbeat_time,
            c.attempts,
        )
        for c in session.scalars(
            sa.select(ScheduledOperationClaim)
            .where(
                ScheduledOperationClaim.state == IN_PROGRESS,
                ScheduledOperationClaim.heartbeat_time < now - timedelta(seconds=stale_seconds),
            )
            .order_by(ScheduledOperationClaim.occurrence_time)
            .limit(100)
        )
    ]
    return Snapshot(triggers, operations, stale)


def _insert_claim(session: Session, values: dict[str, Any]) -> int | None:
    """Insert a claim; None when another replica already holds this occurrence."""
    dialect = session.get_bind().dialect.name
    table: Any = ScheduledOperationClaim.__table__
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table)
    elif dialect == "sqlite":
        statement = sqlite.insert(table)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        raise RuntimeError(f"unsupported database {dialect}")
    statement = (
        statement.values(**values)
        .on_conflict_do_nothing(index_elements=["scheduled_operation_id", "occurrence_time"])
        .returning(table.c.id)
    )
    found = session.execute(statement).scalar()
    return int(found) if found is not None else None


def _current_operation(
    session: Session, operation_id: str, trigger_id: str
) -> ScheduledOperation | None:
    row: ScheduledOperation | None = session.scalar(
        _lock(sa.select(ScheduledOperation).where(ScheduledOperation.id == operation_id), session)
    )
    if row is None or not row.enabled or row.trigger_id != trigger_id:
        return None
    return row


def owner_roles(session: Session, user_id: str) -> tuple[str, ...]:
    """The owner's roles when it is a standalone user; ("member",) otherwise (Keystone)."""
    user = session.get(User, user_id)
    if user is None:
        return ("member",)
    return tuple(str(r) for r in user.roles)


def claim(
    session: Session,
    replica: str,
    operation: OperationView,
    occurrence: datetime,
    window_seconds: int,
    firing_id: str | None = None,
) -> Claimed | None:
    """Claim (operation, occurrence) for this replica; None when it may not or lost the race."""
    if not _enabled(session, replica):
        return None
    if _current_operation(session, operation.id, operation.trigger_id) is None:
        return None
    now = utcnow()
    claim_id = _insert_claim(
        session,
        {
            "scheduled_operation_id": operation.id,
            "occurrence_time": occurrence,
            "trigger_id": operation.trigger_id,
            "replica": replica,
            "state": IN_PROGRESS,
            "attempts": 1,
            "claim_time": now,
            "heartbeat_time": now,
            "end_time": None,
            "run_id": None,
            "checkpoint_id": "",
            "reason": "",
            "firing_id": firing_id,
        },
    )
    if claim_id is None:
        return None
    run_id = records.start_scheduled_run(
        session, operation.id, occurrence, IN_PROGRESS, triggered_time=now, firing_id=firing_id
    )
    session.execute(
        sa.update(ScheduledOperationClaim)
        .where(ScheduledOperationClaim.id == claim_id)
        .values(run_id=run_id)
    )
    return Claimed(
        claim_id,
        run_id,
        occurrence,
        operation,
        window_seconds,
        owner_roles(session, operation.user_id),
        1,
        firing_id=firing_id,
    )


def drop(
    session: Session,
    replica: str,
    operation: OperationView,
    occurrence: datetime,
    reason: str,
    firing: FiringSummary | None = None,
) -> bool:
    """Record that (operation, occurrence) could not start within its window; False when the
    occurrence was already claimed or dropped (or this replica may not act)."""
    if not _enabled(session, replica):
        return False
    if _current_operation(session, operation.id, operation.trigger_id) is None:
        return False
    now = utcnow()
    claim_id = _insert_claim(
        session,
        {
            "scheduled_operation_id": operation.id,
            "occurrence_time": occurrence,
            "trigger_id": operation.trigger_id,
            "replica": replica,
            "state": DROPPED,
            "attempts": 0,
            "claim_time": now,
            "heartbeat_time": now,
            "end_time": now,
            "run_id": None,
            "checkpoint_id": "",
            "reason": reason,
            "firing_id": firing.firing_id if firing else None,
        },
    )
    if claim_id is None:
        return False
    run_id = records.start_scheduled_run(
        session,
        operation.id,
        occurrence,
        DROPPED,
        triggered_time=now,
        reason=reason,
        firing_id=firing.firing_id if firing else None,
    )
    session.execute(
        sa.update(ScheduledOperationClaim)
        .where(ScheduledOperationClaim.id == claim_id)
        .values(run_id=run_id)
    )
    failed_log(session, operation, occurrence, reason, dropped=True, firing=firing)
    return True


def failed_log(
    session: Session,
    operation: OperationView,
    occurrence: datetime,
    reason: str,
    *,
    dropped: bool = False,
    firing: FiringSummary | None = None,
) -> None:
    """An operation log entry (PROTECT or COPY, FAILED) for a run that made no checkpoint."""
    extra: dict[str, Any] = {"scheduled_time": occurrence.isoformat() + "Z"}
    if dropped:
        extra["dropped_out_of_window"] = True
    if firing is not None:
        extra.update(firing.log_info())
    log_id = records.start_operation_log(
        session,
        operation.project_id,
        OPERATION_COPY if operation.operation_type == COPY else OPERATION_PROTECT,
        plan_id=operation.plan_id,
        provider_id=operation.provider_id,
        scheduled_operation_id=operation.id,
        extra_info=extra,
    )
    records.finish_operation_log(session, log_id, LOG_FAILED, reason[:4000])


def take_over(
    session: Session,
    replica: str,
    stale: StaleClaim,
    operations: dict[str, OperationView],
    window_seconds: dict[str, int],
) -> Claimed | None:
    """Take a stale claim over (compare-and-swap); None when another replica was faster."""
    if not _enabled(session, replica):
        return None
    operation = operations.get(stale.scheduled_operation_id)
    if operation is None:
        return None
    now = utcnow()
    result = session.execute(
        sa.update(ScheduledOperationClaim)
        .where(
            ScheduledOperationClaim.id == stale.id,
            ScheduledOperationClaim.state == IN_PROGRESS,
            ScheduledOperationClaim.replica == stale.replica,
            ScheduledOperationClaim.heartbeat_time == stale.heartbeat_time,
            ScheduledOperationClaim.attempts == stale.attempts,
        )
        .values(replica=replica, heartbeat_time=now, attempts=stale.attempts + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(ScheduledOperationClaim, stale.id)
    assert row is not None
    run = session.get(ScheduledOperationRun, row.run_id) if row.run_id is not None else None
    if run is not None:
        run.reason = f"taken over from replica {stale.replica} (attempt {stale.attempts + 1})"
    return Claimed(
        stale.id,
        row.run_id,
        stale.occurrence_time,
        operation,
        window_seconds.get(operation.trigger_id, 0),
        owner_roles(session, operation.user_id),
        stale.attempts + 1,
        stale.replica,
        firing_id=row.firing_id,
    )


def abandon_orphan(session: Session, stale: StaleClaim, reason: str) -> None:
    """End a stale claim whose operation is gone or disabled (nothing to take over)."""
    session.execute(
        sa.update(ScheduledOperationClaim)
        .where(
            ScheduledOperationClaim.id == stale.id,
            ScheduledOperationClaim.state == IN_PROGRESS,
            ScheduledOperationClaim.heartbeat_time == stale.heartbeat_time,
        )
        .values(state=FAILED, end_time=utcnow(), reason=reason)
    )


def renew(session: Session, replica: str, claim_ids: list[int]) -> None:
    if claim_ids:
        session.execute(
            sa.update(ScheduledOperationClaim)
            .where(
                ScheduledOperationClaim.id.in_(claim_ids),
                ScheduledOperationClaim.replica == replica,
                ScheduledOperationClaim.state == IN_PROGRESS,
            )
            .values(heartbeat_time=utcnow())
        )


def note_checkpoint(
    session: Session, claimed: Claimed, checkpoint_id: str, checkpoint_ids: list[str] | None = None
) -> None:
    """Record what the run made: its checkpoint (protect) or the copies (copy)."""
    session.execute(
        sa.update(ScheduledOperationClaim)
        .where(ScheduledOperationClaim.id == claimed.claim_id)
        .values(
            checkpoint_id=checkpoint_id,
            checkpoint_ids=checkpoint_ids if checkpoint_ids is not None else [checkpoint_id],
        )
    )
    if claimed.run_id is not None:
        run = session.get(ScheduledOperationRun, claimed.run_id)
        if run is not None:
            run.checkpoint_id = checkpoint_id


def annotate_logs(
    session: Session,
    checkpoint_ids: list[str],
    operation_type: int,
    scheduled_operation_id: str,
    extra: dict[str, Any],
) -> int:
    """Add what fired a run to the operation logs protection wrote for its checkpoints."""
    if not checkpoint_ids:
        return 0
    rows = session.scalars(
        sa.select(OperationLog).where(
            OperationLog.checkpoint_id.in_(checkpoint_ids),
            OperationLog.operation_type == operation_type,
        )
    ).all()
    for row in rows:
        row.scheduled_operation_id = scheduled_operation_id
        row.extra_info = {**(row.extra_info or {}), **extra}
    return len(rows)


def finish(
    session: Session,
    replica: str,
    claimed: Claimed,
    state: int,
    reason: str = "",
    checkpoint_id: str = "",
) -> bool:
    """End the run; False when this replica no longer holds the claim (it was taken over)."""
    result = session.execute(
        sa.update(ScheduledOperationClaim)
        .where(
            ScheduledOperationClaim.id == claimed.claim_id,
            ScheduledOperationClaim.replica == replica,
            ScheduledOperationClaim.state == IN_PROGRESS,
        )
        .values(state=state, end_time=utcnow(), reason=reason[:4000], checkpoint_id=checkpoint_id)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if claimed.run_id is not None:
        try:
            records.finish_scheduled_run(
                session, claimed.run_id, state, reason=reason[:4000], checkpoint_id=checkpoint_id
            )
        except KeyError:
            pass  # only the newest runs are kept
    return True


def set_next_fire(session: Session, updates: dict[str, datetime | None]) -> None:
    for trigger_id, value in updates.items():
        row = session.get(Trigger, trigger_id)
        if row is not None and row.next_fire_time != value:
            row.next_fire_time = value


def prune(session: Session, now: datetime, retention_seconds: float) -> int:
    result = session.execute(
        sa.delete(ScheduledOperationClaim).where(
            ScheduledOperationClaim.occurrence_time < now - timedelta(seconds=retention_seconds),
            ScheduledOperationClaim.state != IN_PROGRESS,
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
