"""`smaug checkpoint ...` and `smaug copy ...`: protecting plans, and managing checkpoints."""

from __future__ import annotations

import re
import sys
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from smaug.cli import output, progress
from smaug.cli.client import USAGE, CliError
from smaug.cli.common import (
    Context,
    command,
    fill_parameters,
    group,
    list_request,
    parse_parameters,
    parse_value,
    short,
)
from smaug.v1 import checkpoints_pb2

Status = checkpoints_pb2.CheckpointStatus
RUNNING = {
    Status.CHECKPOINT_STATUS_PROTECTING,
    Status.CHECKPOINT_STATUS_DELETING,
    Status.CHECKPOINT_STATUS_WAIT_COPYING,
    Status.CHECKPOINT_STATUS_COPYING,
}
WAIT_HELP = (
    "follow the operation with a progress bar until it ends; exit 0 only on success. "
    "Ctrl-C asks the server to cancel it (a second Ctrl-C stops waiting)"
)


def register(sub: Any) -> None:
    checkpoints = group(
        sub, "checkpoint", "checkpoints: protect plans, list, show, delete", ["checkpoints"]
    )
    listing = command(
        checkpoints, "list", "list checkpoints, newest first", checkpoint_list, ["ls"]
    )
    listing.add_argument("--plan", help="only checkpoints of this plan (id or name)")
    listing.add_argument("--provider", help="provider id or name (default: every provider)")
    listing.add_argument("--status", help="only this status, e.g. available or error")
    listing.add_argument(
        "--since",
        metavar="TIME",
        help="created at or after TIME: RFC 3339, a date, or an age like 24h, 7d",
    )
    listing.add_argument("--until", metavar="TIME", help="created before TIME")
    listing.add_argument("--all-projects", action="store_true", help="admin: every project")
    listing.add_argument("--limit", type=int, default=0, help="show at most N (default: all)")
    listing.add_argument("--filter", help="server-side filter, e.g. 'status = AVAILABLE'")
    listing.add_argument("--oldest-first", action="store_true", help="oldest first")

    show = command(
        checkpoints,
        "show",
        "show a checkpoint, its resource tree and statuses",
        checkpoint_show,
        ["describe", "get"],
    )
    show.add_argument("checkpoint", help="checkpoint id")
    show.add_argument("--provider", help="provider id or name (default: the one holding it)")

    create = command(
        checkpoints, "create", "protect a plan: take a checkpoint", checkpoint_create, ["protect"]
    )
    create.add_argument("plan", help="plan id or name")
    create.add_argument("--provider", help="provider id or name (default: the plan's)")
    create.add_argument(
        "--extra-info",
        action="append",
        metavar="KEY=VALUE",
        help="metadata kept with the checkpoint (repeatable)",
    )
    create.add_argument("--request-id", help="idempotency key (a UUID)")
    create.add_argument("--wait", action="store_true", help=WAIT_HELP)

    delete = command(
        checkpoints, "delete", "delete checkpoints' data from the bank", checkpoint_delete, ["rm"]
    )
    delete.add_argument("checkpoints", nargs="+", metavar="CHECKPOINT", help="checkpoint id")
    delete.add_argument("--provider", help="provider id or name (default: the one holding it)")
    delete.add_argument("--wait", action="store_true", help=WAIT_HELP)

    reset = command(
        checkpoints,
        "reset-state",
        "force a checkpoint's status (operators)",
        checkpoint_reset_state,
        ["reset"],
    )
    reset.add_argument("checkpoints", nargs="+", metavar="CHECKPOINT", help="checkpoint id")
    reset.add_argument("--provider", help="provider id or name (default: the one holding it)")
    state = reset.add_mutually_exclusive_group()
    state.add_argument(
        "--available", dest="state", action="store_const", const="available", help="set AVAILABLE"
    )
    state.add_argument(
        "--error", dest="state", action="store_const", const="error", help="set ERROR (the default)"
    )
    state.add_argument("--state", choices=["available", "error"])

    cancel = command(
        checkpoints,
        "cancel",
        "cancel the protect, copy or delete running on a checkpoint",
        checkpoint_cancel,
    )
    cancel.add_argument("checkpoint", help="checkpoint id")
    cancel.add_argument("--provider", help="provider id or name (default: the one holding it)")
    cancel.add_argument("--wait", action="store_true", help="wait for the final status")

    watch = command(
        checkpoints,
        "watch",
        "follow the operation running on a checkpoint (Ctrl-C stops watching)",
        checkpoint_watch,
        ["wait"],
    )
    watch.add_argument("checkpoint", help="checkpoint id")
    watch.add_argument("--provider", help="provider id or name (default: the one holding it)")

    copy_arguments(
        command(checkpoints, "copy", "copy a plan's checkpoints (see `smaug copy`)", copy_create)
    )

    copies = group(
        sub, "copy", "copies of checkpoints into the same or another provider", ["copies"]
    )
    copy_arguments(
        command(
            copies,
            "create",
            "copy every available checkpoint of a plan not copied yet",
            copy_create,
        )
    )
    copy_list = command(
        copies, "list", "list checkpoints that are copies", copy_list_command, ["ls"]
    )
    copy_list.add_argument("--provider", help="provider holding the copies (default: every one)")
    copy_list.add_argument("--plan", help="only copies of this plan's checkpoints")


def copy_arguments(parser: Any) -> None:
    parser.add_argument("plan_positional", nargs="?", metavar="PLAN", help="plan id or name")
    parser.add_argument("--plan", help="plan id or name")
    parser.add_argument("--provider", help="provider holding the checkpoints (default: the plan's)")
    parser.add_argument(
        "--to",
        "--destination",
        dest="destination",
        metavar="PROVIDER",
        help="provider receiving the copies (default: the same provider)",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        metavar="TYPE[#ID].KEY=VALUE",
        help="copy parameter (repeatable)",
    )
    parser.add_argument("--parameters-json", metavar="JSON", help="all copy parameters at once")
    parser.add_argument("--wait", action="store_true", help=WAIT_HELP)


# Helpers ------------------------------------------------------------------------------------


def parse_time(text: str, now: datetime | None = None) -> timestamp_pb2.Timestamp:
    now = now or datetime.now(UTC)
    match = re.fullmatch(r"(\d+)\s*([smhdw])", text.strip())
    if match:
        unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
        moment = now - timedelta(**{unit[match.group(2)]: int(match.group(1))})
    else:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise CliError(
                f"{text!r} is not a time: use RFC 3339 (2024-05-01T12:00:00Z), a date "
                "(2024-05-01) or an age (90m, 24h, 7d)",
                USAGE,
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _extra_info(items: list[str] | None) -> struct_pb2.Struct | None:
    if not items:
        return None
    values: dict[str, Any] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise CliError(f"--extra-info {item!r}: expected KEY=VALUE", USAGE)
        values[key] = parse_value(value)
    info = struct_pb2.Struct()
    info.update(values)
    return info


def _provider_names(ctx: Context) -> dict[str, str]:
    return {p.id: p.name for p in ctx.providers()}


def checkpoint_rows(ctx: Context, items: list[checkpoints_pb2.Checkpoint]) -> list[list[str]]:
    names = _provider_names(ctx)
    rows = []
    for c in items:
        p = c.progress
        rows.append(
            [
                c.id,
                c.protection_plan.name or c.protection_plan.id,
                output.enum_label(c, "status"),
                names.get(c.provider_id, c.provider_id),
                str(len(c.resource_graph.nodes)),
                output.size(p.bytes_done) if p.bytes_done else "-",
                output.when(c.create_time),
                c.source_checkpoint_id or "-",
            ]
        )
    return rows


CHECKPOINT_HEADERS = ["ID", "PLAN", "STATUS", "PROVIDER", "RESOURCES", "SIZE", "CREATED", "COPY OF"]


def show_checkpoint(ctx: Context, checkpoint: checkpoints_pb2.Checkpoint) -> None:
    out = ctx.out
    if out.json:
        out.dump(checkpoint)
        return
    plan = checkpoint.protection_plan
    names = _provider_names(ctx)
    out.detail(
        [
            ("Checkpoint", checkpoint.id),
            ("Status", output.enum_label(checkpoint, "status")),
            ("Reason", checkpoint.status_reason or None),
            ("Provider", f"{names.get(checkpoint.provider_id, '?')} ({checkpoint.provider_id})"),
            ("Plan", f"{plan.name} ({plan.id})"),
            ("Project", checkpoint.project_id),
            ("Created", output.when(checkpoint.create_time)),
            ("Updated", output.when(checkpoint.update_time)),
            ("Copy of", checkpoint.source_checkpoint_id or None),
            ("Progress", output.progress_text(checkpoint.progress)),
            ("Extra info", output.struct_text(checkpoint.extra_info)),
        ]
    )
    if plan.parameters:
        out.section("Parameters")
        for line in output.parameters_text(plan.parameters):
            out.line("  " + line)
    out.section("Resources")
    output.resource_table(out, checkpoint.resource_graph, list(checkpoint.resource_states))


def checkpoint_operation(
    ctx: Context, provider_id: str, checkpoint_id: str, verb: str, cancel: bool = True
) -> progress.Operation:
    client = ctx.client
    watch_request = checkpoints_pb2.WatchCheckpointRequest(
        provider_id=provider_id, checkpoint_id=checkpoint_id
    )
    cancel_request = checkpoints_pb2.CancelCheckpointRequest(
        provider_id=provider_id, checkpoint_id=checkpoint_id
    )
    goal = (
        Status.CHECKPOINT_STATUS_DELETED
        if verb == "delete"
        else (Status.CHECKPOINT_STATUS_AVAILABLE)
    )
    return progress.Operation(
        label=f"{verb} {short(checkpoint_id)}",
        watch=lambda: client.stream(client.checkpoints.WatchCheckpoint, watch_request),
        cancel=(lambda: client.call(client.checkpoints.CancelCheckpoint, cancel_request))
        if cancel
        else None,
        finished=lambda event: event.status not in RUNNING,
        succeeded=lambda event: event.status == goal,
    )


def wait_checkpoint(
    ctx: Context, provider_id: str, checkpoint_id: str, verb: str, cancel: bool = True
) -> int:
    """Follow a checkpoint's operation; print the outcome; 0 only on success."""
    outcome = progress.follow(
        ctx.client, checkpoint_operation(ctx, provider_id, checkpoint_id, verb, cancel)
    )
    client = ctx.client
    final = client.call(
        client.checkpoints.GetCheckpoint,
        checkpoints_pb2.GetCheckpointRequest(provider_id=provider_id, checkpoint_id=checkpoint_id),
    ).checkpoint
    report_outcome(ctx, "Checkpoint", final, outcome, f"smaug checkpoint show {checkpoint_id}")
    return 0 if outcome.succeeded else 1


def report_outcome(
    ctx: Context, kind: str, final: Any, outcome: progress.Outcome, hint: str
) -> None:
    """The end of a waited operation: the final object (JSON) or a summary with the failed
    resources and their reasons (table)."""
    if ctx.out.json:
        ctx.out.dump(final)
        return
    status = output.enum_label(final, "status")
    summary = f"{kind} {final.id}: {status}"
    p = final.progress
    facts = []
    if p.resources_total:
        facts.append(f"{p.resources_done}/{p.resources_total} resources")
    if p.bytes_done:
        facts.append(output.size(p.bytes_done))
    facts.append(f"in {output.duration(outcome.elapsed)}")
    summary += f" ({', '.join(facts)})"
    if outcome.cancelled:
        summary += ", cancelled on request"
    ctx.out.line(summary)
    if not outcome.succeeded:
        if final.status_reason:
            ctx.out.line(f"  reason: {final.status_reason}")
        for state in final.resource_states:
            if state.reason:
                ctx.out.line(
                    f"  {output.resource_label(state.resource)}: "
                    f"{output.enum_label(state, 'status')}: {state.reason}"
                )
        ctx.out.line(f"  details: {hint}")


# Commands -----------------------------------------------------------------------------------


def checkpoint_list(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    plan_id = ""
    if args.plan:
        plan = ctx.plan(args.plan)
        plan_id = plan.id
        provider_ids = [ctx.provider_id(args.provider) if args.provider else plan.provider_id]
    elif args.provider:
        provider_ids = [ctx.provider_id(args.provider)]
    else:
        provider_ids = [p.id for p in ctx.providers()]
    extra = []
    if args.status:
        try:
            number = output.parse_enum(Status.DESCRIPTOR, args.status)
        except ValueError:
            choices = ", ".join(
                v.name.removeprefix("CHECKPOINT_STATUS_").lower()
                for v in Status.DESCRIPTOR.values[1:]
            )
            raise CliError(f"--status {args.status!r}: choose one of {choices}", USAGE) from None
        extra.append(f"status = {Status.Name(number)}")
    found: list[checkpoints_pb2.Checkpoint] = []
    for provider_id in provider_ids:
        request = list_request(
            checkpoints_pb2.ListCheckpointsRequest(provider_id=provider_id, plan_id=plan_id),
            ctx,
            extra,
        )
        if args.since:
            request.start_time.CopyFrom(parse_time(args.since))
        if args.until:
            request.end_time.CopyFrom(parse_time(args.until))
        if args.oldest_first:
            request.order_by = "create_time"
        found += client.pages(
            client.checkpoints.ListCheckpoints, request, "checkpoints", args.limit
        )
    found.sort(
        key=lambda c: (c.create_time.seconds, c.create_time.nanos), reverse=not args.oldest_first
    )
    if args.limit:
        found = found[: args.limit]
    if ctx.out.json:
        ctx.out.dump_list("checkpoints", found)
        return 0
    ctx.out.table(CHECKPOINT_HEADERS, checkpoint_rows(ctx, found))
    return 0


def checkpoint_show(ctx: Context) -> int:
    show_checkpoint(ctx, ctx.checkpoint(ctx.args.checkpoint, ctx.args.provider))
    return 0


def checkpoint_create(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    plan = ctx.plan(args.plan)
    provider_id = ctx.provider_id(args.provider) if args.provider else plan.provider_id
    request = checkpoints_pb2.CreateCheckpointRequest(
        provider_id=provider_id,
        plan_id=plan.id,
        request_id=args.request_id or str(uuid.uuid4()),
    )
    info = _extra_info(args.extra_info)
    if info is not None:
        request.extra_info.CopyFrom(info)
    checkpoint = client.call(client.checkpoints.CreateCheckpoint, request).checkpoint
    if not args.wait:
        if ctx.out.json:
            ctx.out.dump(checkpoint)
        else:
            ctx.out.line(f"Checkpoint {checkpoint.id} created: protecting plan {plan.name!r}.")
            ctx.out.line(f"Follow it with `smaug checkpoint watch {checkpoint.id}`.")
        return 0
    print(
        f"Checkpoint {checkpoint.id} created: protecting plan {plan.name!r} "
        f"({output.count(len(checkpoint.resource_graph.nodes), 'resource')}).",
        file=sys.stderr,
    )
    return wait_checkpoint(ctx, provider_id, checkpoint.id, "protect")


def checkpoint_delete(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    worst = 0
    started: list[tuple[str, str]] = []
    for checkpoint_id in args.checkpoints:
        try:
            found = ctx.checkpoint(checkpoint_id, args.provider)
            reply = client.call(
                client.checkpoints.DeleteCheckpoint,
                checkpoints_pb2.DeleteCheckpointRequest(
                    provider_id=found.provider_id, checkpoint_id=found.id
                ),
            )
        except CliError as error:
            print(f"smaug: checkpoint {checkpoint_id}: {error.message}", file=sys.stderr)
            for line in error.details:
                print(f"  {line}", file=sys.stderr)
            worst = max(worst, error.code)
            continue
        started.append((found.provider_id, found.id))
        if not args.wait:
            if ctx.out.json:
                ctx.out.dump(reply.checkpoint)
            else:
                ctx.out.line(f"Checkpoint {found.id}: deleting.")
    if args.wait:
        for provider_id, checkpoint_id in started:
            code = wait_checkpoint(ctx, provider_id, checkpoint_id, "delete")
            worst = max(worst, code)
    return worst


def checkpoint_reset_state(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    state = args.state or "error"
    status = output.parse_enum(Status.DESCRIPTOR, state)
    worst = 0
    for checkpoint_id in args.checkpoints:
        try:
            found = ctx.checkpoint(checkpoint_id, args.provider)
            reply = client.call(
                client.checkpoints.ResetCheckpointState,
                checkpoints_pb2.ResetCheckpointStateRequest(
                    provider_id=found.provider_id, checkpoint_id=found.id, status=status
                ),
            )
        except CliError as error:
            print(f"smaug: checkpoint {checkpoint_id}: {error.message}", file=sys.stderr)
            worst = max(worst, error.code)
            continue
        if ctx.out.json:
            ctx.out.dump(reply.checkpoint)
        else:
            ctx.out.line(f"Checkpoint {found.id}: {output.enum_label(reply.checkpoint, 'status')}.")
    return worst


def checkpoint_cancel(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    found = ctx.checkpoint(args.checkpoint, args.provider)
    reply = client.call(
        client.checkpoints.CancelCheckpoint,
        checkpoints_pb2.CancelCheckpointRequest(
            provider_id=found.provider_id, checkpoint_id=found.id
        ),
    )
    if not args.wait:
        if ctx.out.json:
            ctx.out.dump(reply.checkpoint)
        else:
            ctx.out.line(f"Checkpoint {found.id}: cancellation requested.")
        return 0
    verb = _verb(found)
    wait_checkpoint(ctx, found.provider_id, found.id, verb, cancel=False)
    return 0


def _verb(checkpoint: checkpoints_pb2.Checkpoint) -> str:
    return {
        Status.CHECKPOINT_STATUS_DELETING: "delete",
        Status.CHECKPOINT_STATUS_COPYING: "copy",
        Status.CHECKPOINT_STATUS_WAIT_COPYING: "copy",
    }.get(checkpoint.status, "protect")


def checkpoint_watch(ctx: Context) -> int:
    found = ctx.checkpoint(ctx.args.checkpoint, ctx.args.provider)
    return wait_checkpoint(ctx, found.provider_id, found.id, _verb(found), cancel=False)


def copy_create(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    key = args.plan or args.plan_positional
    if not key:
        raise CliError("name the plan whose checkpoints to copy: PLAN or --plan PLAN", USAGE)
    if args.plan and args.plan_positional and args.plan != args.plan_positional:
        raise CliError("give the plan once (PLAN or --plan)", USAGE)
    plan = ctx.plan(key)
    provider_id = ctx.provider_id(args.provider) if args.provider else plan.provider_id
    request = checkpoints_pb2.CopyCheckpointsRequest(provider_id=provider_id, plan_id=plan.id)
    if args.destination:
        request.destination_provider_id = ctx.provider_id(args.destination)
    fill_parameters(request.parameters, parse_parameters(args.parameter, args.parameters_json))
    reply = client.call(client.checkpoints.CopyCheckpoints, request)
    destination = reply.destination_provider_id or provider_id
    if not args.wait or not reply.copies:
        if ctx.out.json:
            ctx.out.dump(reply)
        elif not reply.copies:
            ctx.out.line(
                f"Nothing to copy: every available checkpoint of plan {plan.name!r} "
                "already has a copy there."
            )
        else:
            ctx.out.table(
                ["SOURCE CHECKPOINT", "COPY"],
                [[c.source_checkpoint_id, c.copy_checkpoint_id] for c in reply.copies],
            )
        return 0
    print(f"Copying {len(reply.copies)} checkpoint(s) of plan {plan.name!r}.", file=sys.stderr)
    worst = 0
    finals = []
    for pair in reply.copies:
        outcome = progress.follow(
            client, checkpoint_operation(ctx, destination, pair.copy_checkpoint_id, "copy")
        )
        final = client.call(
            client.checkpoints.GetCheckpoint,
            checkpoints_pb2.GetCheckpointRequest(
                provider_id=destination, checkpoint_id=pair.copy_checkpoint_id
            ),
        ).checkpoint
        finals.append(final)
        if not ctx.out.json:
            report_outcome(
                ctx,
                "Copy",
                final,
                outcome,
                f"smaug checkpoint show {final.id} --provider {destination}",
            )
        worst = max(worst, 0 if outcome.succeeded else 1)
    if ctx.out.json:
        ctx.out.dump_list("checkpoints", finals)
    return worst


def copy_list_command(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    provider_ids = (
        [ctx.provider_id(args.provider)] if args.provider else [p.id for p in ctx.providers()]
    )
    plan_id = ctx.plan(args.plan).id if args.plan else ""
    found = []
    for provider_id in provider_ids:
        request = checkpoints_pb2.ListCheckpointsRequest(provider_id=provider_id, plan_id=plan_id)
        found += [
            c
            for c in client.pages(client.checkpoints.ListCheckpoints, request, "checkpoints")
            if c.source_checkpoint_id
        ]
    if ctx.out.json:
        ctx.out.dump_list("checkpoints", found)
        return 0
    ctx.out.table(CHECKPOINT_HEADERS, checkpoint_rows(ctx, found))
    return 0
