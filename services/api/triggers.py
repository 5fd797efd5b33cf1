"""TriggerService: time triggers (crontab or iCalendar RRULE) in the store."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import grpc
import sqlalchemy as sa
from google.protobuf import timestamp_pb2
from sqlalchemy.orm import Session

from smaug.api import listing
from smaug.api.convert import ts
from smaug.api.core import ApiContext
from smaug.api.plans import idempotency_key
from smaug.api.schedules import Rule, RuleError
from smaug.api.validation import Violations, check_name, mask_paths, uuid_arg
from smaug.mesh.errors import failed_precondition, invalid_argument, not_found
from smaug.store import records
from smaug.store.db import new_id, utcnow
from smaug.store.models import ScheduledOperation, Trigger
from smaug.v1 import triggers_pb2, triggers_pb2_grpc

TIME = triggers_pb2.TRIGGER_TYPE_TIME
RULE_SECONDS = 3.0
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
        if window == 0:
            window = settings.trigger_min_window
        if not settings.trigger_min_window <= window <= settings.trigger_max_window:
            v.add(
                "trigger.properties.window_seconds",
                f"must be 0 (meaning {settings.trigger_min_window}) or between "
                f"{settings.trigger_min_window} and {settings.trigger_max_window}",
            )
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
        if trigger.type == triggers_pb2.TRIGGER_TYPE_EVENT:
            v.add(
                "trigger.type", "TRIGGER_TYPE_EVENT is reserved; only TRIGGER_TYPE_TIME is accepted"
            )
        elif trigger.type != TIME:
            v.add("trigger.type", "must be TRIGGER_TYPE_TIME")
        if not trigger.HasField("properties"):
            v.add("trigger.properties", "required: format and pattern")
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
        v.raise_if_any("trigger")
        assert start is not None
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
            now = utcnow()
            row = Trigger(
                id=new_id(),
                project_id=identity.project_id,
                name=name,
                type=TIME,
                format=props.format,
                pattern=props.pattern,
                start_time=start,
                end_time=end,
                window_seconds=window,
                next_fire_time=next_fire,
                create_time=now,
                update_time=now,
                rule_time=now,
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
        rule_fields = ("pattern", "format", "start_time", "end_time", "window_seconds")
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
        fmt = props.format if "format" in changed else current.format
        pattern = props.pattern if "pattern" in changed else current.pattern
        if "pattern" in changed and not pattern:
            v.add("trigger.properties.pattern", "required: a crontab or iCalendar RRULE rule")
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
            session.delete(row)

        await self.ctx.write(delete)
        return triggers_pb2.DeleteTriggerResponse()


def get_trigger(session: Session, trigger_id: str, project_id: str) -> Trigger:
    row = session.get(Trigger, trigger_id)
    if row is None or row.project_id != project_id:
        raise not_found("trigger", trigger_id)
    return row
