"""`smaug trigger ...` and `smaug scheduled-operation ...`: protecting on a schedule or when
events happen (calls, OpenStack notifications, a plan's new checkpoints)."""

from __future__ import annotations

import sys
import time
from typing import Any

from google.protobuf import field_mask_pb2

from smaug.cli import output
from smaug.cli.client import USAGE, CliError, find_by_id_or_name
from smaug.cli.commands_checkpoints import parse_time
from smaug.cli.common import Context, add_list_options, command, group, list_request, quoted
from smaug.v1 import scheduled_operations_pb2 as so_pb2
from smaug.v1 import triggers_pb2


def register(sub: Any) -> None:
    triggers = group(sub, "trigger", "triggers: when scheduled operations run", ["triggers"])
    listing = command(triggers, "list", "list triggers", trigger_list, ["ls"])
    listing.add_argument("--all-projects", action="store_true", help="admin: every project")
    add_list_options(listing)
    show = command(triggers, "show", "show a trigger", trigger_show, ["describe", "get"])
    show.add_argument("trigger", help="trigger id or name")
    create = command(
        triggers,
        "create",
        "create a time trigger (--cron, --calendar) or an event trigger (--on-call, "
        "--on-notification, --after-plan)",
        trigger_create,
    )
    create.add_argument("name", help="trigger name")
    _rule_arguments(create)
    update = command(triggers, "update", "change a trigger", trigger_update, ["set"])
    update.add_argument("trigger", help="trigger id or name")
    update.add_argument("--name")
    _rule_arguments(update)
    delete = command(triggers, "delete", "delete triggers", trigger_delete, ["rm"])
    delete.add_argument("triggers", nargs="+", metavar="TRIGGER", help="trigger id or name")
    fire = command(
        triggers,
        "fire",
        "fire an event trigger now (its operations run once its quiet period passes)",
        trigger_fire,
    )
    fire.add_argument("trigger", help="trigger id or name")
    fire.add_argument(
        "--request-id",
        default="",
        help="idempotency key: a retry with the same key starts nothing new (e.g. a CI run id)",
    )
    fire.add_argument("--description", default="", help="recorded with the event")
    fire.add_argument(
        "--wait",
        action="store_true",
        help="wait until the firing's runs have started and ended; exit 1 if one failed",
    )
    fire.add_argument(
        "--wait-seconds",
        type=float,
        default=600,
        metavar="SECONDS",
        help="with --wait: give up after SECONDS (600)",
    )
    firings = command(
        triggers, "firings", "list an event trigger's firings, newest first", trigger_firings
    )
    firings.add_argument("trigger", help="trigger id or name")
    firings.add_argument("--limit", type=int, default=50, help="at most this many (50)")
    firing = command(
        triggers, "firing", "show one firing with its events and runs", trigger_firing_show
    )
    firing.add_argument("trigger", help="trigger id or name")
    firing.add_argument("firing", help="firing id")

    ops = group(
        sub,
        "scheduled-operation",
        "scheduled operations: protect a plan on a trigger",
        ["scheduled-operations", "scheduledoperation", "schedule", "schedules"],
    )
    listing = command(ops, "list", "list scheduled operations", so_list, ["ls"])
    listing.add_argument("--plan", help="only those of this plan (id or name)")
    listing.add_argument("--trigger", help="only those of this trigger (id or name)")
    listing.add_argument("--all-projects", action="store_true", help="admin: every project")
    add_list_options(listing)
    show = command(
        ops, "show", "show a scheduled operation and its recent runs", so_show, ["describe", "get"]
    )
    show.add_argument("operation", help="scheduled operation id or name")
    create = command(ops, "create", "protect a plan whenever a trigger fires", so_create)
    create.add_argument("name", help="scheduled operation name")
    create.add_argument("--trigger", required=True, help="trigger id or name")
    create.add_argument("--plan", required=True, help="plan id or name")
    create.add_argument("--provider", help="provider id or name (default: the plan's)")
    create.add_argument(
        "--type",
        choices=["protect", "retention-protect", "copy"],
        help="default: retention-protect when a retention option is given, copy with "
        "--destination, else protect",
    )
    create.add_argument(
        "--destination",
        metavar="PROVIDER",
        help="copy: the provider (id or name) whose bank receives the copies",
    )
    create.add_argument(
        "--max-backups",
        type=int,
        default=0,
        help="retention: keep the newest N available checkpoints",
    )
    create.add_argument(
        "--retention-days",
        type=int,
        default=0,
        help="retention: delete available checkpoints older than N days",
    )
    create.add_argument("--description", default="")
    create.add_argument("--disabled", action="store_true", help="create it disabled")
    update = command(ops, "update", "change a scheduled operation", so_update, ["set"])
    update.add_argument("operation", help="scheduled operation id or name")
    update.add_argument("--name")
    update.add_argument("--description")
    update.add_argument("--trigger", help="trigger id or name")
    update.add_argument("--plan", help="plan id or name")
    update.add_argument("--max-backups", type=int)
    update.add_argument("--retention-days", type=int)
    for name, enabled in (("enable", True), ("disable", False)):
        verb = command(ops, name, f"{name} a scheduled operation", so_update)
        verb.add_argument("operation", help="scheduled operation id or name")
        verb.set_defaults(
            enabled=enabled,
            name=None,
            description=None,
            trigger=None,
            plan=None,
            max_backups=None,
            retention_days=None,
        )
    delete = command(ops, "delete", "delete scheduled operations", so_delete, ["rm"])
    delete.add_argument(
        "operations", nargs="+", metavar="OPERATION", help="scheduled operation id or name"
    )


def _rule_arguments(parser: Any) -> None:
    rule = parser.add_mutually_exclusive_group()
    rule.add_argument("--cron", metavar="EXPR", help='crontab expression in UTC, e.g. "0 2 * * *"')
    rule.add_argument(
        "--calendar",
        metavar="ICAL",
        help='iCalendar VEVENT with an RRULE, e.g. "BEGIN:VEVENT\\nRRULE:FREQ=DAILY\\nEND:VEVENT"',
    )
    rule.add_argument(
        "--on-call",
        action="store_true",
        help="event trigger fired by `smaug trigger fire` (FireTrigger) only",
    )
    rule.add_argument(
        "--on-notification",
        action="append",
        metavar="EVENT_TYPE",
        help="event trigger on OpenStack notifications of this type pattern, e.g. "
        '"volume.create.end" or "compute.instance.*" (repeatable)',
    )
    rule.add_argument(
        "--after-plan",
        metavar="PLAN",
        help="event trigger fired when a protect of PLAN (id or name) ends available",
    )
    parser.add_argument(
        "--project",
        help="--on-notification: the OpenStack project whose notifications count (default: "
        'your own; "*" any; admins only for others)',
    )
    parser.add_argument(
        "--resource-type",
        action="append",
        metavar="TYPE",
        help="--on-notification: only notifications about this resource type, e.g. "
        "OS::Cinder::Volume (repeatable)",
    )
    parser.add_argument(
        "--quiet-period",
        type=int,
        metavar="SECONDS",
        help="event triggers: fire once no new event came for SECONDS (default 0)",
    )
    parser.add_argument(
        "--max-delay",
        type=int,
        metavar="SECONDS",
        help="event triggers: fire at most SECONDS after a burst's first event (default: ten "
        "quiet periods)",
    )
    parser.add_argument("--start", metavar="TIME", help="no occurrence before TIME (RFC 3339)")
    parser.add_argument("--end", metavar="TIME", help="no occurrence after TIME (RFC 3339)")
    parser.add_argument(
        "--window",
        type=int,
        metavar="SECONDS",
        help="how late an occurrence's operations may still start",
    )


EVENT_OPTIONS = ("on_call", "on_notification", "after_plan", "project", "resource_type")
TUNING_OPTIONS = ("quiet_period", "max_delay")


def _event_rule(
    ctx: Context, args: Any, current: triggers_pb2.EventRule | None
) -> triggers_pb2.EventRule | None:
    """The event rule the options describe, starting from ``current``; None when no event
    option was given."""
    given = [o for o in (*EVENT_OPTIONS, *TUNING_OPTIONS) if getattr(args, o, None)]
    given += [o for o in TUNING_OPTIONS if getattr(args, o, None) == 0]
    if not given:
        return None
    rule = triggers_pb2.EventRule()
    if current is not None:
        rule.CopyFrom(current)
    if args.on_call:
        rule.call.SetInParent()
    elif args.on_notification:
        rule.notification.CopyFrom(
            triggers_pb2.NotificationEventSource(event_types=args.on_notification)
        )
    elif args.after_plan:
        rule.checkpoint_available.plan_id = ctx.plan(args.after_plan).id
    if args.project is not None or args.resource_type:
        if rule.WhichOneof("source") != "notification":
            raise CliError("--project and --resource-type go with --on-notification", USAGE)
        if args.project is not None:
            rule.notification.project_id = args.project
        if args.resource_type:
            del rule.notification.resource_types[:]
            rule.notification.resource_types.extend(args.resource_type)
    if args.quiet_period is not None:
        rule.quiet_period_seconds = args.quiet_period
    if args.max_delay is not None:
        rule.max_delay_seconds = args.max_delay
    if rule.WhichOneof("source") is None:
        raise CliError("give the event source: --on-call, --on-notification or --after-plan", USAGE)
    return rule


def _trigger(ctx: Context, key: str) -> triggers_pb2.Trigger:
    client = ctx.client

    def get(ident: str) -> triggers_pb2.Trigger | None:
        reply, _ = client.attempt(
            client.triggers.GetTrigger, triggers_pb2.GetTriggerRequest(trigger_id=ident)
        )
        return reply.trigger if reply is not None else None

    def listing() -> Any:
        return client.pages(
            client.triggers.ListTriggers, triggers_pb2.ListTriggersRequest(), "triggers"
        )

    found: triggers_pb2.Trigger = find_by_id_or_name(client, "trigger", key, get, listing)
    return found


def _rule(args: Any, properties: triggers_pb2.TriggerProperties) -> list[str]:
    paths = []
    if args.cron:
        properties.format = triggers_pb2.TRIGGER_FORMAT_CRONTAB
        properties.pattern = args.cron
        paths += ["properties.format", "properties.pattern"]
    if args.calendar:
        properties.format = triggers_pb2.TRIGGER_FORMAT_CALENDAR
        properties.pattern = args.calendar.replace("\\n", "\n")
        paths += ["properties.format", "properties.pattern"]
    if args.start:
        properties.start_time.CopyFrom(parse_time(args.start))
        paths.append("properties.start_time")
    if args.end:
        properties.end_time.CopyFrom(parse_time(args.end))
        paths.append("properties.end_time")
    if args.window is not None:
        properties.window_seconds = args.window
        paths.append("properties.window_seconds")
    return paths


def _event_text(rule: triggers_pb2.EventRule) -> str:
    source = rule.WhichOneof("source")
    if source == "notification":
        text = "notification: " + ", ".join(rule.notification.event_types)
        if rule.notification.resource_types:
            text += " on " + ", ".join(rule.notification.resource_types)
        if rule.notification.project_id:
            text += f" in project {rule.notification.project_id}"
    elif source == "checkpoint_available":
        text = f"after plan {rule.checkpoint_available.plan_id}"
    else:
        text = "call"
    if rule.quiet_period_seconds:
        text += f" (quiet {rule.quiet_period_seconds} s)"
    return text


def _rule_text(trigger: triggers_pb2.Trigger) -> str:
    properties = trigger.properties
    if trigger.type == triggers_pb2.TRIGGER_TYPE_EVENT:
        return _event_text(properties.event)
    kind = output.enum_label(properties, "format")
    return f"{kind}: {properties.pattern.replace(chr(10), ' ')}"


def show_trigger(ctx: Context, trigger: triggers_pb2.Trigger) -> None:
    if ctx.out.json:
        ctx.out.dump(trigger)
        return
    p = trigger.properties
    if trigger.type == triggers_pb2.TRIGGER_TYPE_EVENT:
        rule = p.event
        delay = rule.max_delay_seconds or 10 * rule.quiet_period_seconds
        rows: list[tuple[str, Any]] = [
            ("Events", _event_text(rule)),
            ("Quiet period", f"{rule.quiet_period_seconds} s"),
            ("Max delay", f"{delay} s"),
        ]
    else:
        rows = [("Format", output.enum_label(p, "format")), ("Pattern", p.pattern)]
    ctx.out.detail(
        [
            ("ID", trigger.id),
            ("Name", trigger.name),
            ("Type", output.enum_label(trigger, "type")),
            *rows,
            ("Start", output.when(p.start_time)),
            ("End", output.when(p.end_time)),
            ("Window", f"{p.window_seconds} s" if p.window_seconds else "default"),
            ("Next fire", output.when(trigger.next_fire_time)),
            ("Project", trigger.project_id),
            ("Created", output.when(trigger.create_time)),
        ]
    )


def trigger_list(ctx: Context) -> int:
    client = ctx.client
    request = list_request(triggers_pb2.ListTriggersRequest(), ctx)
    items = list(client.pages(client.triggers.ListTriggers, request, "triggers", ctx.args.limit))
    if ctx.out.json:
        ctx.out.dump_list("triggers", items)
        return 0
    ctx.out.table(
        ["ID", "NAME", "TYPE", "RULE", "NEXT FIRE", "CREATED"],
        [
            [
                t.id,
                t.name,
                output.enum_label(t, "type"),
                _rule_text(t),
                output.when(t.next_fire_time),
                output.when(t.create_time),
            ]
            for t in items
        ],
    )
    return 0


def trigger_show(ctx: Context) -> int:
    show_trigger(ctx, _trigger(ctx, ctx.args.trigger))
    return 0


def trigger_create(ctx: Context) -> int:
    client = ctx.client
    trigger = triggers_pb2.Trigger(name=ctx.args.name, type=triggers_pb2.TRIGGER_TYPE_TIME)
    rule = _event_rule(ctx, ctx.args, None)
    if rule is not None:
        trigger.type = triggers_pb2.TRIGGER_TYPE_EVENT
        trigger.properties.event.CopyFrom(rule)
    elif not ctx.args.cron and not ctx.args.calendar:
        raise CliError(
            "give the rule: --cron EXPR or --calendar ICAL (time), or --on-call, "
            "--on-notification EVENT_TYPE or --after-plan PLAN (events)",
            USAGE,
        )
    _rule(ctx.args, trigger.properties)
    created = client.call(
        client.triggers.CreateTrigger, triggers_pb2.CreateTriggerRequest(trigger=trigger)
    ).trigger
    show_trigger(ctx, created)
    return 0


def trigger_update(ctx: Context) -> int:
    client = ctx.client
    current = _trigger(ctx, ctx.args.trigger)
    change = triggers_pb2.Trigger(id=current.id)
    paths = _rule(ctx.args, change.properties)
    rule = _event_rule(ctx, ctx.args, current.properties.event)
    if rule is not None:
        change.properties.event.CopyFrom(rule)
        paths.append("properties.event")
    if ctx.args.name:
        change.name = ctx.args.name
        paths.append("name")
    if not paths:
        raise CliError(
            "nothing to change: give --name, the rule (--cron, --calendar; --on-call, "
            "--on-notification, --after-plan, --quiet-period...), --start, --end or --window",
            USAGE,
        )
    updated = client.call(
        client.triggers.UpdateTrigger,
        triggers_pb2.UpdateTriggerRequest(
            trigger=change, update_mask=field_mask_pb2.FieldMask(paths=sorted(set(paths)))
        ),
    ).trigger
    show_trigger(ctx, updated)
    return 0


def trigger_delete(ctx: Context) -> int:
    client = ctx.client
    worst = 0
    for key in ctx.args.triggers:
        try:
            trigger = _trigger(ctx, key)
            client.call(
                client.triggers.DeleteTrigger,
                triggers_pb2.DeleteTriggerRequest(trigger_id=trigger.id),
            )
        except CliError as error:
            print(f"smaug: trigger {key}: {error.message}", file=sys.stderr)
            worst = max(worst, error.code)
            continue
        ctx.out.line(f"Trigger {trigger.id} deleted.")
    return worst


def _firing_runs_table(ctx: Context, firing: triggers_pb2.TriggerFiring) -> None:
    ctx.out.section("Runs")
    ctx.out.table(
        ["SCHEDULED OPERATION", "STATE", "CHECKPOINTS", "REASON"],
        [
            [
                r.scheduled_operation_id,
                output.enum_label(r, "state"),
                ", ".join(r.checkpoint_ids) or "-",
                r.reason or "-",
            ]
            for r in firing.runs
        ],
    )


def show_firing(ctx: Context, firing: triggers_pb2.TriggerFiring) -> None:
    if ctx.out.json:
        ctx.out.dump(firing)
        return
    ctx.out.detail(
        [
            ("Firing", firing.id),
            ("Trigger", firing.trigger_id),
            ("State", output.enum_label(firing, "state")),
            ("Events", str(firing.event_count)),
            ("First event", output.when(firing.first_event_time)),
            ("Last event", output.when(firing.last_event_time)),
            (
                "Fires" if firing.state == triggers_pb2.TRIGGER_FIRING_STATE_PENDING else "Fired",
                output.when(firing.fire_time),
            ),
        ]
    )
    if firing.events:
        ctx.out.section("Events")
        ctx.out.table(
            ["EVENT", "TYPE", "RECEIVED", "RESOURCE", "PROJECT"],
            [
                [
                    e.id,
                    e.event_type,
                    output.when(e.receive_time),
                    f"{e.resource_type} {e.resource_id}".strip() or "-",
                    e.project_id or "-",
                ]
                for e in firing.events
            ],
        )
    _firing_runs_table(ctx, firing)


def _get_firing(ctx: Context, trigger_id: str, firing_id: str) -> triggers_pb2.TriggerFiring:
    client = ctx.client
    reply = client.call(
        client.triggers.GetTriggerFiring,
        triggers_pb2.GetTriggerFiringRequest(trigger_id=trigger_id, firing_id=firing_id),
    )
    firing: triggers_pb2.TriggerFiring = reply.firing
    return firing


def _enabled_operations(ctx: Context, trigger_id: str) -> int:
    client = ctx.client
    request = so_pb2.ListScheduledOperationsRequest(
        filter=f"trigger_id = {quoted(trigger_id)} AND enabled = true"
    )
    return len(
        list(
            client.pages(
                client.scheduled_operations.ListScheduledOperations,
                request,
                "scheduled_operations",
            )
        )
    )


def _wait_firing(
    ctx: Context, trigger_id: str, firing_id: str, timeout: float
) -> triggers_pb2.TriggerFiring:
    """Poll the firing until it fired and the runs of the trigger's enabled operations ended."""
    expected = _enabled_operations(ctx, trigger_id)
    deadline = time.monotonic() + timeout
    in_progress = so_pb2.SCHEDULED_OPERATION_RUN_STATE_IN_PROGRESS
    while True:
        firing = _get_firing(ctx, trigger_id, firing_id)
        fired = firing.state == triggers_pb2.TRIGGER_FIRING_STATE_FIRED
        if (
            fired
            and len(firing.runs) >= expected
            and all(r.state != in_progress for r in firing.runs)
        ):
            return firing
        if time.monotonic() >= deadline:
            raise CliError(
                f"firing {firing_id} did not finish within {timeout:.0f} s (is the scheduler "
                "running?); follow it with `smaug trigger firing`"
            )
        time.sleep(1.0)


def trigger_fire(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    trigger = _trigger(ctx, args.trigger)
    reply = client.call(
        client.triggers.FireTrigger,
        triggers_pb2.FireTriggerRequest(
            trigger_id=trigger.id, request_id=args.request_id, description=args.description
        ),
    )
    firing = reply.firing
    if not ctx.out.json:
        verb = "already recorded (duplicate request id)" if reply.duplicate else "recorded"
        ctx.out.line(f"Event {reply.event.id} {verb}; firing {firing.id}.")
    if args.wait:
        firing = _wait_firing(ctx, trigger.id, firing.id, args.wait_seconds)
    if ctx.out.json:
        ctx.out.dump(
            {
                "event": output.to_dict(reply.event),
                "duplicate": reply.duplicate,
                "firing": output.to_dict(firing),
            }
        )
    else:
        show_firing(ctx, firing)
    succeeded = so_pb2.SCHEDULED_OPERATION_RUN_STATE_SUCCEEDED
    if args.wait and any(r.state != succeeded for r in firing.runs):
        return 1
    return 0


def trigger_firings(ctx: Context) -> int:
    client = ctx.client
    trigger = _trigger(ctx, ctx.args.trigger)
    items = list(
        client.pages(
            client.triggers.ListTriggerFirings,
            triggers_pb2.ListTriggerFiringsRequest(trigger_id=trigger.id),
            "firings",
            ctx.args.limit,
        )
    )
    if ctx.out.json:
        ctx.out.dump_list("firings", items)
        return 0
    ctx.out.table(
        ["FIRING", "STATE", "EVENTS", "FIRST EVENT", "FIRE TIME", "RUNS"],
        [
            [
                f.id,
                output.enum_label(f, "state"),
                str(f.event_count),
                output.when(f.first_event_time),
                output.when(f.fire_time),
                ", ".join(output.enum_label(r, "state") for r in f.runs) or "-",
            ]
            for f in items
        ],
    )
    return 0


def trigger_firing_show(ctx: Context) -> int:
    trigger = _trigger(ctx, ctx.args.trigger)
    show_firing(ctx, _get_firing(ctx, trigger.id, ctx.args.firing))
    return 0


# Scheduled operations -------------------------------------------------------------------------


def _operation(ctx: Context, key: str) -> so_pb2.ScheduledOperation:
    client = ctx.client

    def get(ident: str) -> so_pb2.ScheduledOperation | None:
        reply, _ = client.attempt(
            client.scheduled_operations.GetScheduledOperation,
            so_pb2.GetScheduledOperationRequest(scheduled_operation_id=ident),
        )
        return reply.scheduled_operation if reply is not None else None

    def listing() -> Any:
        return client.pages(
            client.scheduled_operations.ListScheduledOperations,
            so_pb2.ListScheduledOperationsRequest(),
            "scheduled_operations",
        )

    found: so_pb2.ScheduledOperation = find_by_id_or_name(
        client, "scheduled operation", key, get, listing
    )
    return found


def show_operation(ctx: Context, op: so_pb2.ScheduledOperation) -> None:
    if ctx.out.json:
        ctx.out.dump(op)
        return
    d = op.operation_definition
    ctx.out.detail(
        [
            ("ID", op.id),
            ("Name", op.name),
            ("Description", op.description or "-"),
            ("Type", output.enum_label(op, "operation_type")),
            ("Enabled", "yes" if op.enabled else "no"),
            ("Trigger", op.trigger_id),
            ("Plan", d.plan_id),
            ("Provider", d.provider_id),
            ("Destination", d.destination_provider_id or None),
            ("Max backups", str(d.max_backups) if d.max_backups else None),
            (
                "Retention days",
                str(d.retention_duration_days) if d.retention_duration_days else None,
            ),
            ("User", op.user_id),
            ("Project", op.project_id),
            ("Created", output.when(op.create_time)),
        ]
    )
    ctx.out.section("Recent runs")
    ctx.out.table(
        ["EXPECTED", "STARTED", "ENDED", "STATE", "CHECKPOINT", "REASON"],
        [
            [
                output.when(r.expected_time),
                output.when(r.start_time),
                output.when(r.end_time),
                output.enum_label(r, "state"),
                r.checkpoint_id or "-",
                r.reason or "-",
            ]
            for r in op.recent_runs
        ],
    )


def so_list(ctx: Context) -> int:
    client = ctx.client
    extra = []
    if ctx.args.plan:
        extra.append(f"operation_definition.plan_id = {quoted(ctx.plan(ctx.args.plan).id)}")
    if ctx.args.trigger:
        extra.append(f"trigger_id = {quoted(_trigger(ctx, ctx.args.trigger).id)}")
    request = list_request(so_pb2.ListScheduledOperationsRequest(), ctx, extra)
    items = list(
        client.pages(
            client.scheduled_operations.ListScheduledOperations,
            request,
            "scheduled_operations",
            ctx.args.limit,
        )
    )
    if ctx.out.json:
        ctx.out.dump_list("scheduled_operations", items)
        return 0
    ctx.out.table(
        ["ID", "NAME", "TYPE", "ENABLED", "TRIGGER", "PLAN", "LAST RUN"],
        [
            [
                o.id,
                o.name,
                output.enum_label(o, "operation_type"),
                "yes" if o.enabled else "no",
                o.trigger_id,
                o.operation_definition.plan_id,
                output.enum_label(o.recent_runs[0], "state") if o.recent_runs else "-",
            ]
            for o in items
        ],
    )
    return 0


def so_show(ctx: Context) -> int:
    show_operation(ctx, _operation(ctx, ctx.args.operation))
    return 0


def so_create(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    plan = ctx.plan(args.plan)
    provider_id = ctx.provider_id(args.provider) if args.provider else plan.provider_id
    retention = bool(args.max_backups or args.retention_days)
    kind = args.type or (
        "retention-protect" if retention else "copy" if args.destination else "protect"
    )
    destination = ctx.provider_id(args.destination) if args.destination else ""
    op = so_pb2.ScheduledOperation(
        name=args.name,
        description=args.description,
        operation_type=output.parse_enum(so_pb2.ScheduledOperationType.DESCRIPTOR, kind),
        trigger_id=_trigger(ctx, args.trigger).id,
        operation_definition=so_pb2.ScheduledOperationDefinition(
            provider_id=provider_id,
            plan_id=plan.id,
            max_backups=args.max_backups,
            retention_duration_days=args.retention_days,
            destination_provider_id=destination,
        ),
        enabled=not args.disabled,
    )
    created = client.call(
        client.scheduled_operations.CreateScheduledOperation,
        so_pb2.CreateScheduledOperationRequest(scheduled_operation=op),
    ).scheduled_operation
    show_operation(ctx, created)
    return 0


def so_update(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    current = _operation(ctx, args.operation)
    change = so_pb2.ScheduledOperation(id=current.id)
    paths = []
    if args.name is not None:
        change.name = args.name
        paths.append("name")
    if args.description is not None:
        change.description = args.description
        paths.append("description")
    if getattr(args, "enabled", None) is not None:
        change.enabled = args.enabled
        paths.append("enabled")
    if args.trigger:
        change.trigger_id = _trigger(ctx, args.trigger).id
        paths.append("trigger_id")
    if args.plan or args.max_backups is not None or args.retention_days is not None:
        definition = so_pb2.ScheduledOperationDefinition()
        definition.CopyFrom(current.operation_definition)
        if args.plan:
            plan = ctx.plan(args.plan)
            definition.plan_id = plan.id
            definition.provider_id = plan.provider_id
        if args.max_backups is not None:
            definition.max_backups = args.max_backups
        if args.retention_days is not None:
            definition.retention_duration_days = args.retention_days
        change.operation_definition.CopyFrom(definition)
        paths.append("operation_definition")
    if not paths:
        raise CliError(
            "nothing to change: give --name, --description, --trigger, --plan, "
            "--max-backups or --retention-days",
            USAGE,
        )
    updated = client.call(
        client.scheduled_operations.UpdateScheduledOperation,
        so_pb2.UpdateScheduledOperationRequest(
            scheduled_operation=change, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    ).scheduled_operation
    show_operation(ctx, updated)
    return 0


def so_delete(ctx: Context) -> int:
    client = ctx.client
    worst = 0
    for key in ctx.args.operations:
        try:
            op = _operation(ctx, key)
            client.call(
                client.scheduled_operations.DeleteScheduledOperation,
                so_pb2.DeleteScheduledOperationRequest(scheduled_operation_id=op.id),
            )
        except CliError as error:
            print(f"smaug: scheduled operation {key}: {error.message}", file=sys.stderr)
            worst = max(worst, error.code)
            continue
        ctx.out.line(f"Scheduled operation {op.id} deleted.")
    return worst
