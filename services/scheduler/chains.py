"""Chained triggers: a plan's new checkpoints, found in the operation logs protection writes (a
PROTECT entry that SUCCEEDED is a checkpoint that became AVAILABLE), as events for the
checkpoint-available triggers that name the plan. Copies are not counted, so a copy chained
after a protect cannot fire its own trigger."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from smaug.scheduler.claims import TriggerView
from smaug.store import events
from smaug.store.events import EventRule, NewEvent
from smaug.store.models import OperationLog, Trigger

PROTECT, SUCCEEDED = 1, 2  # smaug.v1.OperationType, smaug.v1.OperationStatus
EVENT_TYPE = "checkpoint.available"
MAX_PER_POLL = 500


def event_key(checkpoint_id: str) -> str:
    return f"checkpoint:{checkpoint_id}"


def new_checkpoints(
    session: Session, trigger: TriggerView, rule: EventRule, lookback: datetime
) -> list[NewEvent]:
    """Checkpoints of the rule's plan that became available after the trigger started counting
    (and within the lookback) and are not recorded on the trigger yet, oldest first."""
    row = session.get(Trigger, trigger.id)
    if row is None or not rule.plan_id:
        return []
    after = max(trigger.since, row.start_time, lookback)
    logs = session.execute(
        sa.select(
            OperationLog.checkpoint_id,
            OperationLog.end_time,
            OperationLog.provider_id,
            OperationLog.scheduled_operation_id,
        )
        .where(
            OperationLog.plan_id == rule.plan_id,
            OperationLog.project_id == row.project_id,
            OperationLog.operation_type == PROTECT,
            OperationLog.status == SUCCEEDED,
            OperationLog.end_time > after,
        )
        .order_by(OperationLog.end_time)
        .limit(MAX_PER_POLL)
    ).all()
    if row.end_time is not None:
        logs = [log for log in logs if log[1] is not None and log[1] <= row.end_time]
    keys = [event_key(str(log[0])) for log in logs if log[0]]
    known = events.known_keys(session, trigger.id, keys)
    found = []
    for checkpoint_id, end_time, provider_id, scheduled_operation_id in logs:
        if not checkpoint_id or event_key(checkpoint_id) in known:
            continue
        found.append(
            NewEvent(
                key=event_key(checkpoint_id),
                source=events.CHECKPOINT,
                event_type=EVENT_TYPE,
                event_time=end_time,
                project_id=row.project_id,
                resource_type="checkpoint",
                resource_id=checkpoint_id,
                publisher_id=provider_id,
                description=(
                    f"protected by scheduled operation {scheduled_operation_id}"
                    if scheduled_operation_id
                    else ""
                ),
            )
        )
    return found
