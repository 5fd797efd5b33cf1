"""TriggerService: time triggers (crontab or iCalendar RRULE) and event triggers (calls,
OpenStack notifications, a plan's new checkpoints) in the store; FireTrigger and the firings
of event triggers (``smaug.store.events`` holds the coalescing rule)."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Any

import grpc
import sqlalchemy as sa
from google.protobuf import timestamp_pb2
from sqlalchemy.orm import Session

from smaug.api import listing
from smaug.api.convert import ts
from smaug.api.core import ApiContext
from smaug.api.event_rules import (
    chain_cycle,
    check_event_plan,
    check_event_rule,
    event_rule_pb,
    firing_event_pb,
    firing_pb,
    refuse_cycle,
)
from smaug.api.plans import idempotency_key
from smaug.api.schedules import Rule, RuleError
from smaug.api.validation import (
    Violations,
    check_description,
    check_name,
    mask_paths,
    page_size,
    uuid_arg,
)
from smaug.mesh.errors import failed_precondition, invalid_argument, not_found
from smaug.store import events, records
from smaug.store.db import new_id, utcnow
from smaug.store.models import ScheduledOperation, Trigger, TriggerFiring
from smaug.v1 import triggers_pb2, triggers_pb2_grpc

TIME = triggers_pb2.TRIGGER_TYPE_TIME
EVENT = triggers_pb2.TRIGGER_TYPE_EVENT
RULE_SECONDS = 3.0
REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_MAX_TS = 253402300799  # 9999-12-31T23:59:59Z

COLLECTION = listing.Collection(
    model=Trigger,
    filters={
        "name": listing.Column(Trigger.name),
        "type": listing.Column(
            Trigger.type, listing.ENUM, triggers_pb2.TriggerType, "TRIGGER_TYPE_"
        ),
        "properties.format": listing.Column(
            Trigger.format, listing.ENUM, triggers_pb2.TriggerFormat, "TRIGGER_FORMAT_"
        ),
        "properties.pattern": listing.Column(Trigger.pattern),
    },
    sortable={
        "create_time": listing.Column(Trigger.create_time, listing.TIME),
        "name": listing.Column(Trigger.name),
        "next_fire_time": listing.Column(Trigger.next_fire_time, listing.TIME, nullable=True),
        "id": listing.Column(Trigger.id),
    },
    default_order="create_time desc",
)


def trigger_pb(row: Trigger) -> triggers_pb2.Trigger:
    rule = events.EventRule.from_json(row.event)
    return triggers_pb2.Trigger(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        type=row.type,  # type: ignore[arg-type]
        properties=triggers_pb2.TriggerProperties(
            format=row.format,  # type: ignore[arg-type]
            pattern=row.pattern,
            start_time=ts(row.start_time),
            end_time=ts(row.end_time),
            window_seconds=row.window_seconds,
            event=event_rule_pb(rule) if rule is not None else None,
        ),
        next_fire_time=ts(row.next_fire_time),
        create_time=ts(row.create_time),
        update_time=ts(row.update_time),
    )


def _time(v: Violations, field: str, stamp: timestamp_pb2.Timestamp) -> datetime | None:
    if not 0 <= stamp.seconds <= _MAX_TS or not 0 <= stamp.nanos < 1_000_000_000:
        v.add(field, "must be between 1970-01-01 and 9999-12-31")
        return None
    return stamp.ToDatetime().replace(microsecond=0)


class TriggerService(triggers_pb2_grpc.TriggerServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    def _window(self, v: Violations, window: int) -> int:
        settings = self.ctx.settings
        if window == 0:
            window = settings.trigger_min_window
        if not settings.trigger_min_window <= window <= settings.trigger_max_window:
            v.add(
                "trigger.properties.window_seconds",
                f"must be 0 (meaning {settings.trigger_min_window}) or between "
                f"{settings.trigger_min_window} and {settings.trigger_max_window}",
            )
        return window

    async def _rule(
        self, fmt: int, pattern: str, start: datetime, end: datetime | None, window: int
    ) -> tuple[int, datetime]:
        """Validate a rule; returns (window, next fire time)."""
        settings = self.ctx.settings
        v = Violations()
        if fmt not in (triggers_pb2.TRIGGER_FORMAT_CALENDAR, triggers_pb2.TRIGGER_FORMAT_CRONTAB):
            v.add(
                "trigger.properties.format",
                "must be TRIGGER_FORMAT_CALENDAR or TRIGGER_FORMAT_CRONTAB",
            )
        window = self._window(v, window)
        if end is not None and end <= start:
            v.add("trigger.properties.end_time", "must be after start_time")
        v.raise_if_any("trigger")

        def evaluate() -> datetime | None:
            rule = Rule(fmt, pattern, start, end)
            rule.check_interval(settings.trigger_min_interval)
            return rule.next_after(utcnow().replace(microsecond=0))

        try:
            next_fire = await asyncio.wait_for(asyncio.to_thread(evaluate), RULE_SECONDS)
        except RuleError as error:
            raise invalid_argument(
                f"invalid trigger pattern: {error}", {"trigger.properties.pattern": str(error)}
            ) from None
        except TimeoutError:
            next_fire = None
        if next_fire is None:
            raise invalid_argument(
                "the rule has no occurrence after now",
                {
                    "trigger.properties.pattern": "the rule (within start_time and end_time) has "
                    "no occurrence after now"
                },
            )
        return window, next_fire

    async def ListTriggers(
        self, request: triggers_pb2.ListTriggersRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> triggers_pb2.ListTriggersResponse:
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
        return triggers_pb2.ListTriggersResponse(
            triggers=[trigger_pb(r) for r in page.rows], next_page_token=page.next_page_token
        )

    async def GetTrigger(
        self, request: triggers_pb2.GetTriggerRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> triggers_pb2.GetTriggerResponse:
        identity = await self.ctx.identify(context)
        trigger_id = uuid_arg("trigger_id", request.trigger_id)
        row = await self.ctx.read(lambda s: get_trigger(s, trigger_id, identity.project_id))
        return triggers_pb2.GetTriggerResponse(trigger=trigger_pb(row))

    async def CreateTrigger(
        self,
        request: triggers_pb2.CreateTriggerRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> triggers_pb2.CreateTriggerResponse:
        identity = await self.ctx.identify(context)
        trigger = request.trigger
        props = trigger.properties
        v = Violations()
        if not request.HasField("trigger"):
            v.add("trigger", "required: the trigger to create")
        name = check_name(v, "trigger.name", trigger.name)
        if trigger.type not in (TIME, EVENT):
            v.add("trigger.type", "must be TRIGGER_TYPE_TIME or TRIGGER_TYPE_EVENT")
        if not trigger.HasField("properties"):
            v.add(
                "trigger.properties",
                "required: format and pattern (TIME) or event (EVENT)",
            )
        rule = None
        if trigger.type == EVENT:
            if props.format or props.pattern:
                v.add(
                    "trigger.properties.format" if props.format else "trigger.properties.pattern",
                    "only for TRIGGER_TYPE_TIME; an EVENT trigger's rule is properties.event",
                )
            rule = check_event_rule(
                v, "trigger.properties.event", props.event, props.HasField("event"), identity
            )
        else:
            if props.HasField("event"):
                v.add("trigger.properties.event", "only for TRIGGER_TYPE_EVENT")
            if not props.pattern:
                v.add("trigger.properties.pattern", "required: a crontab or iCalendar RRULE rule")
        start = (
            _time(v, "trigger.properties.start_time", props.start_time)
            if props.HasField("start_time")
            else utcnow().replace(microsecond=0)
        )
        end = (
            _time(v, "trigger.properties.end_time", props.end_time)
            if props.HasField("end_time")
            else None
        )
        if rule is not None:
            window = self._window(v, props.window_seconds)
            if end is not None and start is not None and end <= start:
                v.add("trigger.properties.end_time", "must be after start_time")
        v.raise_if_any("trigger")
        assert start is not None
        next_fire: datetime | None = None
        if rule is None:
            window, next_fire = await self._rule(
                props.format, props.pattern, start, end, props.window_seconds
            )
        request_key = idempotency_key(context)

        def create(session: Session) -> Trigger:
            if request_key:
                earlier = records.recall_request(
                    session, identity.project_id, "trigger", request_key
                )
                found = session.get(Trigger, earlier) if earlier else None
                if found is not None and found.project_id == identity.project_id:
                    return found
            if rule is not None:
                check_event_plan(session, "trigger.properties.event", rule, identity.project_id)
            now = utcnow()
            row = Trigger(
                id=new_id(),
                project_id=identity.project_id,
                name=name,
                type=EVENT if rule is not None else TIME,
                format=props.format if rule is None else 0,
                pattern=props.pattern if rule is None else "",
                start_time=start,
                end_time=end,
                window_seconds=window,
                next_fire_time=next_fire,
                create_time=now,
                update_time=now,
                rule_time=now,
                event=rule.to_json() if rule is not None else None,
            )
            session.add(row)
            if request_key:
                records.remember_request(
                    session, identity.project_id, "trigger", request_key, row.id
                )
            return row

        row = await self.ctx.write(create)
        return triggers_pb2.CreateTriggerResponse(trigger=trigger_pb(row))

    async def UpdateTrigger(
        self,
        request: triggers_pb2.UpdateTriggerRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> triggers_pb2.UpdateTriggerResponse:
        identity = await self.ctx.identify(context)
        trigger = request.trigger
        trigger_id = uuid_arg("trigger.id", trigger.id)
        rule_fields = ("pattern", "format", "start_time", "end_time", "window_seconds", "event")
        paths = mask_paths(
            request.update_mask,
            ["name", "properties", *(f"properties.{f}" for f in rule_fields)],
            ("type", "id", "project_id", "next_fire_time", "create_time", "update_time"),
        )
        if not paths:
            paths = [
                p
                for p, s in (
                    ("name", bool(trigger.name)),
                    ("properties", trigger.HasField("properties")),
                )
                if s
            ]
        if not paths:
            raise invalid_argument("nothing to update", {"update_mask": "name name or properties"})
        current = await self.ctx.read(lambda s: get_trigger(s, trigger_id, identity.project_id))
        v = Violations()
        name = check_name(v, "trigger.name", trigger.name) if "name" in paths else current.name
        props = trigger.properties
        whole = "properties" in paths
        changed = {f for f in rule_fields if whole or f"properties.{f}" in paths}
        if current.type == EVENT:
            return await self._update_event(request, current, name, changed, identity)
        if "event" in changed:
            if props.HasField("event"):
                v.add("trigger.properties.event", "only for TRIGGER_TYPE_EVENT triggers")
            changed.discard("event")
        fmt = props.format if "format" in changed else current.format
        pattern = props.pattern if "pattern" in changed else current.pattern
        if "pattern" in changed and not pattern:
            v.add("trigger.properties.pattern", "required: a crontab or iCalendar RRULE rule")
        start, end = _updated_bounds(v, props, changed, current)
        window = props.window_seconds if "window_seconds" in changed else current.window_seconds
        v.raise_if_any("trigger")
        assert start is not None
        next_fire = current.next_fire_time
        if changed:
            window, next_fire = await self._rule(fmt, pattern, start, end, window)

        def update(session: Session) -> Trigger:
            row = get_trigger(session, trigger_id, identity.project_id)
            row.name = name
            if changed:
                row.format, row.pattern, row.start_time, row.end_time = fmt, pattern, start, end
                row.window_seconds, row.next_fire_time = window, next_fire
                # The scheduler counts occurrences of the new rule from now on only.
                row.rule_time = utcnow()
            row.update_time = utcnow()
            return row

        row = await self.ctx.write(update)
        return triggers_pb2.UpdateTriggerResponse(trigger=trigger_pb(row))

    async def _update_event(
        self,
        request: triggers_pb2.UpdateTriggerRequest,
        current: Trigger,
        name: str,
        changed: set[str],
        identity: Any,
    ) -> triggers_pb2.UpdateTriggerResponse:
        props = request.trigger.properties
        v = Violations()
        check_name(v, "trigger.name", name)
        for field in ("format", "pattern"):
            if field in changed and getattr(props, field):
                v.add(f"trigger.properties.{field}", "only for TRIGGER_TYPE_TIME triggers")
        rule = events.EventRule.from_json(current.event)
        if "event" in changed:
            rule = check_event_rule(
                v, "trigger.properties.event", props.event, props.HasField("event"), identity
            )
        start, end = _updated_bounds(v, props, changed, current)
        window = current.window_seconds
        if "window_seconds" in changed:
            window = self._window(v, props.window_seconds)
        if end is not None and start is not None and end <= start:
            v.add("trigger.properties.end_time", "must be after start_time")
        v.raise_if_any("trigger")
        assert rule is not None and start is not None

        def update(session: Session) -> Trigger:
            row = get_trigger(session, current.id, identity.project_id)
            check_event_plan(session, "trigger.properties.event", rule, identity.project_id)
            if rule.source == "checkpoint_available":
                refuse_cycle(
                    chain_cycle(session, identity.project_id, trigger_plans={row.id: rule.plan_id}),
                    "trigger.properties.event.checkpoint_available.plan_id",
                )
            row.name = name
            row.event, row.start_time, row.end_time = rule.to_json(), start, end
            row.window_seconds = window
            row.update_time = utcnow()
            session.flush()
            events.reschedule(session, row.id)
            return row

        row = await self.ctx.write(update)
        return triggers_pb2.UpdateTriggerResponse(trigger=trigger_pb(row))

    async def DeleteTrigger(
        self,
        request: triggers_pb2.DeleteTriggerRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> triggers_pb2.DeleteTriggerResponse:
        identity = await self.ctx.identify(context)
        trigger_id = uuid_arg("trigger_id", request.trigger_id)

        def delete(session: Session) -> None:
            row = get_trigger(session, trigger_id, identity.project_id)
            users = session.scalars(
                sa.select(ScheduledOperation.id)
                .where(ScheduledOperation.trigger_id == trigger_id)
                .order_by(ScheduledOperation.id)
            ).all()
            if users:
                names = ", ".join(users[:10]) + (" ..." if len(users) > 10 else "")
                raise failed_precondition(
                    f"trigger {trigger_id} is used by scheduled operation(s) {names}; delete "
                    "them or bind them to another trigger first",
                    f"trigger:{trigger_id}",
                    "TRIGGER_IN_USE",
                )
            events.delete_for_trigger(session, trigger_id)
            session.delete(row)

        await self.ctx.write(delete)
        return triggers_pb2.DeleteTriggerResponse()

    async def FireTrigger(
        self,
        request: triggers_pb2.FireTriggerRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> triggers_pb2.FireTriggerResponse:
        identity = await self.ctx.identify(context)
        trigger_id = uuid_arg("trigger_id", request.trigger_id)
        v = Violations()
        if request.request_id and not REQUEST_ID.match(request.request_id):
            v.add(
                "request_id",
                "must be 1 to 128 characters from letters, digits and ._:- (a UUID, a pipeline "
                "run id...)",
            )
        check_description(v, "description", request.description)
        v.raise_if_any()
        request_id = request.request_id or new_id()
        event = events.NewEvent(
            key=f"call:{request_id}",
            source=events.CALL,
            event_type="call",
            project_id=identity.project_id,
            user_id=identity.user_id,
            description=request.description,
        )

        def fire(session: Session) -> triggers_pb2.FireTriggerResponse:
            row = get_trigger(session, trigger_id, identity.project_id)
            if row.type != EVENT:
                raise failed_precondition(
                    f"trigger {trigger_id} is a TIME trigger; only EVENT triggers can be fired "
                    "(create one with type TRIGGER_TYPE_EVENT)",
                    f"trigger:{trigger_id}",
                    "TRIGGER_TYPE",
                )
            try:
                recorded = events.record_event(session, trigger_id, event)
            except events.OutsideWindow as error:
                raise failed_precondition(
                    f"{error}; change the trigger's start_time or end_time to fire it now",
                    f"trigger:{trigger_id}",
                    "TRIGGER_WINDOW",
                ) from None
            if recorded is None:
                raise not_found("trigger", trigger_id)
            return triggers_pb2.FireTriggerResponse(
                event=firing_event_pb(recorded.event),
                duplicate=recorded.duplicate,
                firing=firing_pb(session, recorded.firing, with_events=True),
            )

        return await self.ctx.write(fire)

    async def ListTriggerFirings(
        self,
        request: triggers_pb2.ListTriggerFiringsRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> triggers_pb2.ListTriggerFiringsResponse:
        identity = await self.ctx.identify(context)
        trigger_id = uuid_arg("trigger_id", request.trigger_id)
        size = page_size(request.page_size)
        offset = _offset(request.page_token)

        def work(session: Session) -> triggers_pb2.ListTriggerFiringsResponse:
            get_trigger(session, trigger_id, identity.project_id)
            rows = session.scalars(
                sa.select(TriggerFiring)
                .where(TriggerFiring.trigger_id == trigger_id)
                .order_by(TriggerFiring.first_event_time.desc(), TriggerFiring.id.desc())
                .offset(offset)
                .limit(size + 1)
            ).all()
            more = len(rows) > size
            return triggers_pb2.ListTriggerFiringsResponse(
                firings=[firing_pb(session, r, with_events=False) for r in rows[:size]],
                next_page_token=str(offset + size) if more else "",
            )

        return await self.ctx.read(work)

    async def GetTriggerFiring(
        self,
        request: triggers_pb2.GetTriggerFiringRequest,
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> triggers_pb2.GetTriggerFiringResponse:
        identity = await self.ctx.identify(context)
        trigger_id = uuid_arg("trigger_id", request.trigger_id)
        firing_id = uuid_arg("firing_id", request.firing_id)

        def work(session: Session) -> triggers_pb2.GetTriggerFiringResponse:
            get_trigger(session, trigger_id, identity.project_id)
            row = session.get(TriggerFiring, firing_id)
            if row is None or row.trigger_id != trigger_id:
                raise not_found("trigger firing", firing_id)
            return triggers_pb2.GetTriggerFiringResponse(
                firing=firing_pb(session, row, with_events=True)
            )

        return await self.ctx.read(work)


def _offset(token: str) -> int:
    if not token:
        return 0
    if not token.isdigit() or len(token) > 9:
        raise invalid_argument(
            "invalid page_token", {"page_token": "not a next_page_token of this list"}
        )
    return int(token)


def get_trigger(session: Session, trigger_id: str, project_id: str) -> Trigger:
    row = session.get(Trigger, trigger_id)
    if row is None or row.project_id != project_id:
        raise not_found("trigger", trigger_id)
    return row


def _updated_bounds(
    v: Violations, props: Any, changed: set[str], current: Trigger
) -> tuple[datetime | None, datetime | None]:
    """start_time and end_time after an update: a changed field cleared means now (start) or
    never (end)."""
    start: datetime | None = current.start_time
    if "start_time" in changed:
        start = (
            _time(v, "trigger.properties.start_time", props.start_time)
            if props.HasField("start_time")
            else utcnow().replace(microsecond=0)
        )
    end = current.end_time
    if "end_time" in changed:
        end = (
            _time(v, "trigger.properties.end_time", props.end_time)
            if props.HasField("end_time")
            else None
        )
    return start, end
