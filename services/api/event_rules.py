"""EVENT triggers in the api: validating an EventRule, and rows (rules, firings, events) to
smaug.v1 messages."""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from smaug.api.convert import ts
from smaug.api.core import permission_denied
from smaug.api.validation import Violations, check_text_id, check_uuid
from smaug.mesh.errors import invalid_argument
from smaug.mesh.identity import Identity
from smaug.scheduler.notification_format import RESOURCE_TYPES
from smaug.store import events, records
from smaug.store.events import EventRule
from smaug.store.models import (
    ScheduledOperation,
    ScheduledOperationClaim,
    Trigger,
    TriggerEvent,
    TriggerFiring,
)
from smaug.v1 import triggers_pb2

MAX_PATTERNS = 20
EVENT_PATTERN = re.compile(r"^[A-Za-z0-9_.*?\[\]!-]{1,255}$")


def check_event_rule(
    v: Violations, field: str, rule: triggers_pb2.EventRule, present: bool, identity: Identity
) -> EventRule | None:
    """Validate an EVENT trigger's rule (not the plan's existence: check_event_plan)."""
    source = rule.WhichOneof("source")
    if not present or source is None:
        v.add(field, "required: set one of call, notification or checkpoint_available")
        return None
    quiet = rule.quiet_period_seconds
    if not 0 <= quiet <= events.MAX_QUIET_SECONDS:
        v.add(f"{field}.quiet_period_seconds", f"must be 0 to {events.MAX_QUIET_SECONDS}")
    delay = rule.max_delay_seconds
    if delay and not max(quiet, 1) <= delay <= events.MAX_DELAY_SECONDS:
        v.add(
            f"{field}.max_delay_seconds",
            "must be 0 (ten times the quiet period) or between quiet_period_seconds and "
            f"{events.MAX_DELAY_SECONDS}",
        )
    if source == "notification":
        found = rule.notification
        where = f"{field}.notification"
        if not found.event_types:
            v.add(
                f"{where}.event_types",
                'required: 1 to 20 patterns such as "volume.create.end" or "compute.instance.*"',
            )
        elif len(found.event_types) > MAX_PATTERNS:
            v.add(f"{where}.event_types", f"at most {MAX_PATTERNS} patterns")
        for index, pattern in enumerate(found.event_types):
            if not EVENT_PATTERN.match(pattern):
                v.add(
                    f"{where}.event_types[{index}]",
                    "must be 1 to 255 of letters, digits and _ . - * ? [ ] ! (shell-style "
                    'pattern such as "volume.create.end" or "compute.instance.*")',
                )
        project = found.project_id
        if project not in ("", "*"):
            check_text_id(v, f"{where}.project_id", project)
        if project not in ("", identity.project_id) and not identity.is_admin:
            raise permission_denied(
                f"only admins may watch notifications of other projects ({where}.project_id "
                f"{project[:64]!r}); leave it empty for your own project"
            )
        for index, name in enumerate(found.resource_types):
            if name not in RESOURCE_TYPES:
                v.add(
                    f"{where}.resource_types[{index}]",
                    f"unknown resource type {name[:100]!r}; known: {', '.join(RESOURCE_TYPES)}",
                )
        return EventRule(
            source="notification",
            quiet_period_seconds=quiet,
            max_delay_seconds=delay,
            event_types=tuple(found.event_types),
            project_id=project,
            resource_types=tuple(dict.fromkeys(found.resource_types)),
        )
    if source == "checkpoint_available":
        check_uuid(v, f"{field}.checkpoint_available.plan_id", rule.checkpoint_available.plan_id)
        return EventRule(
            source="checkpoint_available",
            quiet_period_seconds=quiet,
            max_delay_seconds=delay,
            plan_id=rule.checkpoint_available.plan_id.lower(),
        )
    return EventRule(source="call", quiet_period_seconds=quiet, max_delay_seconds=delay)


def check_event_plan(session: Session, field: str, rule: EventRule, project_id: str) -> None:
    """A checkpoint-available rule must name a plan of the trigger's project."""
    if rule.source != "checkpoint_available":
        return
    if records.get_plan(session, rule.plan_id, project_id) is None:
        raise invalid_argument(
            f"plan {rule.plan_id} does not exist",
            {f"{field}.checkpoint_available.plan_id": f"no plan {rule.plan_id} in this project"},
        )


def event_rule_pb(rule: EventRule) -> triggers_pb2.EventRule:
    out = triggers_pb2.EventRule(
        quiet_period_seconds=rule.quiet_period_seconds, max_delay_seconds=rule.max_delay_seconds
    )
    if rule.source == "notification":
        out.notification.CopyFrom(
            triggers_pb2.NotificationEventSource(
                event_types=list(rule.event_types),
                project_id=rule.project_id,
                resource_types=list(rule.resource_types),
            )
        )
    elif rule.source == "checkpoint_available":
        out.checkpoint_available.plan_id = rule.plan_id
    else:
        out.call.SetInParent()
    return out


def firing_event_pb(row: TriggerEvent) -> triggers_pb2.TriggerEvent:
    key = row.event_key
    return triggers_pb2.TriggerEvent(
        id=key,
        source=row.source,  # type: ignore[arg-type]
        event_type=row.event_type,
        receive_time=ts(row.receive_time),
        event_time=ts(row.event_time),
        project_id=row.project_id,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        user_id=row.user_id,
        publisher_id=row.publisher_id,
        request_id=key.removeprefix("call:") if row.source == events.CALL else "",
        description=row.description,
    )


def firing_pb(
    session: Session, row: TriggerFiring, *, with_events: bool
) -> triggers_pb2.TriggerFiring:
    claims = session.scalars(
        sa.select(ScheduledOperationClaim)
        .where(ScheduledOperationClaim.firing_id == row.id)
        .order_by(ScheduledOperationClaim.scheduled_operation_id)
    ).all()
    out = triggers_pb2.TriggerFiring(
        id=row.id,
        trigger_id=row.trigger_id,
        state=row.state,  # type: ignore[arg-type]
        first_event_time=ts(row.first_event_time),
        last_event_time=ts(row.last_event_time),
        fire_time=ts(row.fire_time),
        event_count=row.event_count,
        runs=[
            triggers_pb2.TriggerFiringRun(
                scheduled_operation_id=c.scheduled_operation_id,
                state=c.state,  # type: ignore[arg-type]
                reason=c.reason,
                checkpoint_ids=[str(i) for i in (c.checkpoint_ids or []) if i]
                or ([c.checkpoint_id] if c.checkpoint_id else []),
            )
            for c in claims
        ],
    )
    if with_events:
        out.events.extend(firing_event_pb(e) for e in events.events_of(session, row.id))
    return out


PROTECTING_TYPES = (1, 2)  # smaug.v1.ScheduledOperationType PROTECT, RETENTION_PROTECT


def chain_cycle(
    session: Session,
    project_id: str,
    *,
    trigger_plans: dict[str, str] | None = None,
    operation: tuple[str, str, str, int] | None = None,
) -> list[str] | None:
    """A cycle of plans (as a list of plan ids) that chained triggers would run forever: a
    protect of plan B bound to a checkpoint-available trigger of plan A is an edge A -> B.
    ``trigger_plans`` overrides triggers' plans and ``operation`` (id, trigger id, plan id,
    type) adds or replaces one operation, to check a change before making it."""
    plans: dict[str, str] = {}
    for trigger in session.scalars(
        sa.select(Trigger).where(Trigger.project_id == project_id, Trigger.type == events.EVENT)
    ):
        rule = EventRule.from_json(trigger.event)
        if rule is not None and rule.source == "checkpoint_available":
            plans[trigger.id] = rule.plan_id
    plans.update(trigger_plans or {})
    bound = [
        (op.id, op.trigger_id, op.plan_id, op.operation_type)
        for op in session.scalars(
            sa.select(ScheduledOperation).where(ScheduledOperation.project_id == project_id)
        )
    ]
    if operation is not None:
        bound = [b for b in bound if b[0] != operation[0]] + [operation]
    edges: dict[str, set[str]] = {}
    for _op_id, trigger_id, plan_id, kind in bound:
        if trigger_id in plans and kind in PROTECTING_TYPES:
            edges.setdefault(plans[trigger_id], set()).add(plan_id)
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(plan: str) -> list[str] | None:
        state[plan] = 1
        path.append(plan)
        for following in sorted(edges.get(plan, ())):
            if state.get(following) == 1:
                return [*path[path.index(following) :], following]
            if following not in state:
                found = visit(following)
                if found:
                    return found
        state[plan] = 2
        path.pop()
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def refuse_cycle(cycle: list[str] | None, field: str) -> None:
    if cycle:
        raise invalid_argument(
            "the chain of checkpoint-available triggers would protect forever: "
            + " -> ".join(cycle),
            {
                field: "a protect bound to a checkpoint-available trigger must not (directly or "
                "through other chained triggers) protect the plan the trigger waits for; "
                "plans: " + " -> ".join(cycle)
            },
        )
