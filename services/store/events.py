"""Events on EVENT triggers and the firings that coalesce them (shared by the api, which records
FireTrigger calls, and the scheduler, which records notifications and new checkpoints, fires due
firings and runs them).

Rule (one per trigger, under a lock on the trigger row, so api and scheduler replicas agree):

* An event is recorded once per (trigger, event key): a redelivered notification (same message
  id), a retried call (same request id) or a checkpoint seen again is a duplicate and changes
  nothing.
* A new event joins the trigger's PENDING firing, or opens one when there is none.
* A PENDING firing is due at ``min(last event + quiet period, first event + max delay)`` (max
  delay 0 means ten times the quiet period); once due, a scheduler replica marks it FIRED, and
  each enabled scheduled operation of the trigger then runs once for it, its occurrence time
  being the firing's ``fire_time``. Events after that open the next firing.

Times are the recording clock's (``utcnow`` at insertion), not the emitter's, so clock skew or a
late redelivery cannot move a firing into the past.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from smaug.store.db import new_id, utcnow
from smaug.store.models import Trigger, TriggerEvent, TriggerFiring

EVENT = 2  # smaug.v1.TriggerType.TRIGGER_TYPE_EVENT
PENDING, FIRED = 1, 2  # smaug.v1.TriggerFiringState
CALL, NOTIFICATION, CHECKPOINT = 1, 2, 3  # smaug.v1.TriggerEventSource
SOURCES = {"call": CALL, "notification": NOTIFICATION, "checkpoint_available": CHECKPOINT}
SOURCE_NAMES = {v: k for k, v in SOURCES.items()}
MAX_QUIET_SECONDS = 86400
MAX_DELAY_SECONDS = 7 * 86400
DELAY_FACTOR = 10  # max_delay_seconds 0 means this many quiet periods
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class EventRule:
    """A trigger's event rule, as stored in ``triggers.event`` (JSON)."""

    source: str  # "call" | "notification" | "checkpoint_available"
    quiet_period_seconds: int = 0
    max_delay_seconds: int = 0
    event_types: tuple[str, ...] = ()
    project_id: str = ""  # "" = the trigger's project, "*" = any
    resource_types: tuple[str, ...] = ()
    plan_id: str = ""

    @classmethod
    def from_json(cls, value: Mapping[str, Any] | None) -> EventRule | None:
        if not value or value.get("source") not in SOURCES:
            return None
        return cls(
            source=str(value["source"]),
            quiet_period_seconds=int(value.get("quiet_period_seconds", 0)),
            max_delay_seconds=int(value.get("max_delay_seconds", 0)),
            event_types=tuple(str(t) for t in value.get("event_types", ())),
            project_id=str(value.get("project_id", "")),
            resource_types=tuple(str(t) for t in value.get("resource_types", ())),
            plan_id=str(value.get("plan_id", "")),
        )

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "quiet_period_seconds": self.quiet_period_seconds,
            "max_delay_seconds": self.max_delay_seconds,
        }
        if self.source == "notification":
            out["event_types"] = list(self.event_types)
            out["project_id"] = self.project_id
            out["resource_types"] = list(self.resource_types)
        elif self.source == "checkpoint_available":
            out["plan_id"] = self.plan_id
        return out

    @property
    def max_delay(self) -> int:
        return self.max_delay_seconds or DELAY_FACTOR * self.quiet_period_seconds

    def due(self, first: datetime, last: datetime) -> datetime:
        """When a firing whose first and latest events were recorded at these times fires."""
        return min(
            last + timedelta(seconds=self.quiet_period_seconds),
            first + timedelta(seconds=self.max_delay),
        )

    def matches_notification(
        self, trigger_project: str, event_type: str, project_id: str, resource_type: str
    ) -> bool:
        if self.source != "notification":
            return False
        if not any(fnmatchcase(event_type, pattern) for pattern in self.event_types):
            return False
        wanted = self.project_id or trigger_project
        if wanted != "*" and project_id != wanted:
            return False
        return not self.resource_types or resource_type in self.resource_types


@dataclass
class NewEvent:
    """An event to record; ``key`` is unique per trigger ("call:<request id>", ...)."""

    key: str
    source: int
    event_type: str
    event_time: datetime | None = None
    project_id: str = ""
    resource_type: str = ""
    resource_id: str = ""
    user_id: str = ""
    publisher_id: str = ""
    description: str = ""


@dataclass
class Recorded:
    event: TriggerEvent
    firing: TriggerFiring
    duplicate: bool


class OutsideWindow(Exception):
    """The trigger does not count events now (before its start_time or after its end_time)."""


@dataclass
class FiringSummary:
    """What a firing coalesced, for the checkpoints and operation logs of its runs."""

    firing_id: str
    source: str
    event_count: int
    first_key: str = ""
    first_type: str = ""
    keys: list[str] = field(default_factory=list)

    def extra_info(self) -> dict[str, Any]:
        """Keys added to a run's checkpoint extra_info and operation log (scalars only)."""
        return {
            "trigger_firing_id": self.firing_id,
            "event_source": self.source,
            "event_type": self.first_type,
            "event_id": self.first_key,
            "event_count": self.event_count,
        }

    def log_info(self) -> dict[str, Any]:
        return {**self.extra_info(), "event_ids": ",".join(self.keys)[:2000]}


def _lock_trigger(session: Session, trigger_id: str) -> Trigger | None:
    query = sa.select(Trigger).where(Trigger.id == trigger_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    row: Trigger | None = session.scalar(query)
    return row


def _clip(text: str, size: int = 255) -> str:
    return text[:size]


def pending_firing(session: Session, trigger_id: str) -> TriggerFiring | None:
    found: TriggerFiring | None = session.scalar(
        sa.select(TriggerFiring)
        .where(TriggerFiring.trigger_id == trigger_id, TriggerFiring.state == PENDING)
        .order_by(TriggerFiring.first_event_time)
        .limit(1)
    )
    return found


def record_event(
    session: Session, trigger_id: str, event: NewEvent, now: datetime | None = None
) -> Recorded | None:
    """Record ``event`` on an EVENT trigger and join (or open) its pending firing.

    None when the trigger is gone or is not an EVENT trigger; OutsideWindow when it does not
    count events now. A duplicate key returns the first event and its firing (duplicate=True).
    """
    trigger = _lock_trigger(session, trigger_id)
    if trigger is None or trigger.type != EVENT:
        return None
    rule = EventRule.from_json(trigger.event)
    if rule is None:
        return None
    key = _clip(event.key, 300)
    earlier = session.scalar(
        sa.select(TriggerEvent).where(
            TriggerEvent.trigger_id == trigger_id, TriggerEvent.event_key == key
        )
    )
    if earlier is not None:
        firing = session.get(TriggerFiring, earlier.firing_id)
        if firing is not None:
            return Recorded(earlier, firing, True)
    now = now or utcnow()
    if now < trigger.start_time or (trigger.end_time is not None and now > trigger.end_time):
        raise OutsideWindow(
            f"trigger {trigger_id} counts events from {trigger.start_time.isoformat()}Z"
            + (f" to {trigger.end_time.isoformat()}Z" if trigger.end_time else "")
        )
    firing = pending_firing(session, trigger_id)
    if firing is None:
        firing = TriggerFiring(
            id=new_id(),
            trigger_id=trigger_id,
            project_id=trigger.project_id,
            state=PENDING,
            first_event_time=now,
            last_event_time=now,
            fire_time=now,
            fired_time=None,
            event_count=0,
        )
        session.add(firing)
    firing.last_event_time = now
    firing.event_count += 1
    firing.fire_time = _after_previous(session, trigger_id, rule.due(firing.first_event_time, now))
    row = TriggerEvent(
        trigger_id=trigger_id,
        event_key=key,
        firing_id=firing.id,
        source=event.source,
        event_type=_clip(event.event_type),
        receive_time=now,
        event_time=event.event_time or now,
        project_id=_clip(event.project_id),
        resource_type=_clip(event.resource_type),
        resource_id=_clip(event.resource_id),
        user_id=_clip(event.user_id),
        publisher_id=_clip(event.publisher_id),
        description=_clip(event.description),
    )
    session.add(row)
    trigger.next_fire_time = firing.fire_time
    session.flush()
    return Recorded(row, firing, False)


def _after_previous(session: Session, trigger_id: str, due: datetime) -> datetime:
    """``due``, moved just past the trigger's latest fired firing: occurrence times of one
    trigger's firings stay strictly increasing (the scheduler's cursor relies on it)."""
    latest = session.scalar(
        sa.select(sa.func.max(TriggerFiring.fire_time)).where(
            TriggerFiring.trigger_id == trigger_id, TriggerFiring.state == FIRED
        )
    )
    if latest is not None and due <= latest:
        return latest + _TICK
    return due


def reschedule(session: Session, trigger_id: str) -> None:
    """Recompute the pending firing's fire time after the trigger's rule changed."""
    trigger = _lock_trigger(session, trigger_id)
    if trigger is None:
        return
    rule = EventRule.from_json(trigger.event)
    firing = pending_firing(session, trigger_id)
    if rule is None or firing is None:
        return
    firing.fire_time = _after_previous(
        session, trigger_id, rule.due(firing.first_event_time, firing.last_event_time)
    )
    trigger.next_fire_time = firing.fire_time


def due_firings(session: Session, now: datetime, limit: int = 100) -> list[tuple[str, str]]:
    """(firing id, trigger id) of PENDING firings due at ``now``."""
    rows = session.execute(
        sa.select(TriggerFiring.id, TriggerFiring.trigger_id)
        .where(TriggerFiring.state == PENDING, TriggerFiring.fire_time <= now)
        .order_by(TriggerFiring.fire_time)
        .limit(limit)
    ).all()
    return [(str(r[0]), str(r[1])) for r in rows]


def fire(session: Session, firing_id: str, trigger_id: str, now: datetime) -> bool:
    """Mark a due PENDING firing FIRED; False when it is not due (an event pushed it later) or
    another replica fired it first."""
    trigger = _lock_trigger(session, trigger_id)
    firing = session.get(TriggerFiring, firing_id)
    if firing is None or firing.state != PENDING or firing.fire_time > now:
        return False
    firing.state = FIRED
    firing.fired_time = now
    if trigger is not None and trigger.next_fire_time == firing.fire_time:
        trigger.next_fire_time = None
    return True


def fired_since(
    session: Session, trigger_id: str, after: datetime, until: datetime, limit: int
) -> list[tuple[str, datetime]]:
    """(firing id, fire time) of the trigger's FIRED firings in (after, until], oldest first."""
    rows = session.execute(
        sa.select(TriggerFiring.id, TriggerFiring.fire_time)
        .where(
            TriggerFiring.trigger_id == trigger_id,
            TriggerFiring.state == FIRED,
            TriggerFiring.fire_time > after,
            TriggerFiring.fire_time <= until,
        )
        .order_by(TriggerFiring.fire_time)
        .limit(limit)
    ).all()
    return [(str(r[0]), r[1]) for r in rows]


def summary(session: Session, firing_id: str, keys: int = 20) -> FiringSummary:
    firing = session.get(TriggerFiring, firing_id)
    events = session.scalars(
        sa.select(TriggerEvent)
        .where(TriggerEvent.firing_id == firing_id)
        .order_by(TriggerEvent.id)
        .limit(keys)
    ).all()
    first = events[0] if events else None
    return FiringSummary(
        firing_id=firing_id,
        source=SOURCE_NAMES.get(first.source, "") if first else "",
        event_count=firing.event_count if firing else len(events),
        first_key=first.event_key if first else "",
        first_type=first.event_type if first else "",
        keys=[e.event_key for e in events],
    )


def events_of(session: Session, firing_id: str, limit: int = 100) -> list[TriggerEvent]:
    return list(
        session.scalars(
            sa.select(TriggerEvent)
            .where(TriggerEvent.firing_id == firing_id)
            .order_by(TriggerEvent.id)
            .limit(limit)
        ).all()
    )


def known_keys(session: Session, trigger_id: str, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(
        session.scalars(
            sa.select(TriggerEvent.event_key).where(
                TriggerEvent.trigger_id == trigger_id, TriggerEvent.event_key.in_(keys)
            )
        ).all()
    )


def delete_for_trigger(session: Session, trigger_id: str) -> None:
    session.execute(sa.delete(TriggerEvent).where(TriggerEvent.trigger_id == trigger_id))
    session.execute(sa.delete(TriggerFiring).where(TriggerFiring.trigger_id == trigger_id))


def prune(session: Session, now: datetime, retention_seconds: float) -> int:
    """Forget fired firings and their events older than the retention (their keys, such as
    call request ids, may then be used again)."""
    cutoff = now - timedelta(seconds=retention_seconds)
    old = (
        sa.select(TriggerFiring.id)
        .where(TriggerFiring.state == FIRED, TriggerFiring.fire_time < cutoff)
        .scalar_subquery()
    )
    session.execute(sa.delete(TriggerEvent).where(TriggerEvent.firing_id.in_(old)))
    result = session.execute(
        sa.delete(TriggerFiring).where(
            TriggerFiring.state == FIRED, TriggerFiring.fire_time < cutoff
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
