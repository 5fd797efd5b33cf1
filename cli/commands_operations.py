"""`smaug restore ...`, `smaug verification ...` and `smaug operation-log ...`."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from smaug.cli import output, progress
from smaug.cli.client import USAGE, CliError
from smaug.cli.commands_checkpoints import WAIT_HELP, report_outcome
from smaug.cli.common import (
    Context,
    add_list_options,
    command,
    fill_parameters,
    group,
    list_request,
    parse_parameters,
    quoted,
    short,
)
from smaug.v1 import (
    checkpoints_pb2,
    common_pb2,
    operation_logs_pb2,
    resources_pb2,
    restores_pb2,
    verifications_pb2,
)

OperationStatus = common_pb2.OperationStatus
FINISHED = {OperationStatus.OPERATION_STATUS_SUCCEEDED, OperationStatus.OPERATION_STATUS_FAILED}


def register(sub: Any) -> None:
    restores = group(sub, "restore", "restores: recreate a checkpoint's resources", ["restores"])
    create = command(restores, "create", "restore a checkpoint", restore_create)
    create.add_argument("checkpoint", help="checkpoint id")
    create.add_argument("--provider", help="provider id or name (default: the one holding it)")
    create.add_argument(
        "--target",
        default="",
        help="where to restore to, passed to the plugins (default: where the resources came from)",
    )
    create.add_argument("--username", help="user name at the target (restore_auth)")
    create.add_argument(
        "--password",
        help="password at the target; $SMAUG_RESTORE_PASSWORD, or "
        "asked for when --username is given",
    )
    create.add_argument(
        "--parameter",
        action="append",
        metavar="TYPE[#ID].KEY=VALUE",
        help="restore parameter (repeatable), e.g. Smaug::Directory.target=/srv/restored",
    )
    create.add_argument("--parameters-json", metavar="JSON", help="all restore parameters at once")
    create.add_argument("--wait", action="store_true", help=WAIT_HELP)
    _operation_commands(
        restores, "restore", restore_list, restore_show, restore_cancel, restore_watch
    )

    verifications = group(
        sub,
        "verification",
        "verifications: check a checkpoint could be restored",
        ["verifications", "verify"],
    )
    vcreate = command(verifications, "create", "verify a checkpoint", verification_create)
    vcreate.add_argument("checkpoint", help="checkpoint id")
    vcreate.add_argument("--provider", help="provider id or name (default: the one holding it)")
    vcreate.add_argument(
        "--parameter",
        action="append",
        metavar="TYPE[#ID].KEY=VALUE",
        help="verify parameter (repeatable)",
    )
    vcreate.add_argument("--parameters-json", metavar="JSON", help="all verify parameters at once")
    vcreate.add_argument("--wait", action="store_true", help=WAIT_HELP)
    _operation_commands(
        verifications,
        "verification",
        verification_list,
        verification_show,
        verification_cancel,
        verification_watch,
    )

    logs = group(
        sub,
        "operation-log",
        "the log of operations run (protect, delete, copy, restore, verify)",
        ["operation-logs", "operationlog", "oplog", "log", "logs"],
    )
    listing = command(logs, "list", "list operation log entries, newest first", log_list, ["ls"])
    listing.add_argument("--type", choices=["protect", "restore", "verify", "delete", "copy"])
    listing.add_argument("--status", choices=["in_progress", "succeeded", "failed"])
    listing.add_argument("--checkpoint", help="only entries of this checkpoint")
    listing.add_argument("--plan", help="only entries of this plan (id or name)")
    listing.add_argument("--all-projects", action="store_true", help="admin: every project")
    add_list_options(listing)
    show = command(logs, "show", "show an operation log entry", log_show, ["describe", "get"])
    show.add_argument("operation_log", help="entry id")


def _operation_commands(
    sub: Any,
    kind: str,
    list_handler: Any,
    show_handler: Any,
    cancel_handler: Any,
    watch_handler: Any,
) -> None:
    listing = command(sub, "list", f"list {kind}s, newest first", list_handler, ["ls"])
    listing.add_argument("--checkpoint", help="only those of this checkpoint")
    listing.add_argument("--provider", help="only those of this provider (id or name)")
    listing.add_argument("--status", choices=["in_progress", "succeeded", "failed"])
    listing.add_argument("--all-projects", action="store_true", help="admin: every project")
    add_list_options(listing)
    show = command(
        sub,
        "show",
        f"show a {kind} with its per-resource status",
        show_handler,
        ["describe", "get"],
    )
    show.add_argument("id", help=f"{kind} id")
    cancel = command(sub, "cancel", f"cancel a running {kind}", cancel_handler)
    cancel.add_argument("id", help=f"{kind} id")
    cancel.add_argument("--wait", action="store_true", help="wait for the final status")
    watch = command(
        sub, "watch", f"follow a running {kind} (Ctrl-C stops watching)", watch_handler, ["wait"]
    )
    watch.add_argument("id", help=f"{kind} id")


def _filters(ctx: Context) -> list[str]:
    args = ctx.args
    extra = []
    if getattr(args, "checkpoint", None):
        extra.append(f"checkpoint_id = {quoted(args.checkpoint)}")
    if getattr(args, "provider", None):
        extra.append(f"provider_id = {quoted(ctx.provider_id(args.provider))}")
    if getattr(args, "status", None):
        extra.append(f"status = {args.status.upper()}")
    return extra


def _graph(ctx: Context, provider_id: str, checkpoint_id: str) -> resources_pb2.ResourceGraph:
    client = ctx.client
    reply, _ = client.attempt(
        client.checkpoints.GetCheckpoint,
        checkpoints_pb2.GetCheckpointRequest(provider_id=provider_id, checkpoint_id=checkpoint_id),
    )
    return reply.checkpoint.resource_graph if reply is not None else resources_pb2.ResourceGraph()


def _operation(ctx: Context, kind: str, ident: str, watch: Any, cancel: Any) -> progress.Operation:
    return progress.Operation(
        label=f"{kind} {short(ident)}",
        watch=watch,
        cancel=cancel,
        finished=lambda event: event.status in FINISHED,
        succeeded=lambda event: event.status == OperationStatus.OPERATION_STATUS_SUCCEEDED,
    )


def _show_operation(ctx: Context, kind: str, item: Any, rows: list[tuple[str, Any]]) -> None:
    out = ctx.out
    if out.json:
        out.dump(item)
        return
    out.detail(
        [
            (kind, item.id),
            ("Status", output.enum_label(item, "status")),
            ("Reason", item.status_reason or None),
            ("Checkpoint", item.checkpoint_id),
            ("Provider", item.provider_id),
            *rows,
            ("Project", item.project_id),
            ("Created", output.when(item.create_time)),
            ("Ended", output.when(item.end_time)),
            ("Progress", output.progress_text(item.progress)),
        ]
    )
    if item.parameters:
        out.section("Parameters")
        for line in output.parameters_text(item.parameters):
            out.line("  " + line)
    out.section("Resources")
    graph = _graph(ctx, item.provider_id, item.checkpoint_id)
    output.resource_table(out, graph, list(item.resource_states), with_new_id=kind == "Restore")
    related = [
        (output.resource_label(state.resource), key, value)
        for state in item.resource_states
        for key, value in sorted(state.related_resource_ids.items())
    ]
    if related:
        # What restoring a resource made or reused inside it (networks, ports, floating IPs).
        out.section("Related resources")
        for owner, key, value in related:
            out.line(f"  {owner}: {key} -> {value}")


def _operation_rows(items: list[Any]) -> list[list[str]]:
    return [
        [
            i.id,
            i.checkpoint_id,
            output.enum_label(i, "status"),
            output.progress_text(i.progress),
            output.when(i.create_time),
            output.when(i.end_time),
            i.status_reason or "-",
        ]
        for i in items
    ]


OPERATION_HEADERS = ["ID", "CHECKPOINT", "STATUS", "PROGRESS", "CREATED", "ENDED", "REASON"]


# Restores ------------------------------------------------------------------------------------


def _get_restore(ctx: Context, ident: str) -> restores_pb2.Restore:
    client = ctx.client
    return client.call(
        client.restores.GetRestore, restores_pb2.GetRestoreRequest(restore_id=ident)
    ).restore


def _restore_operation(ctx: Context, ident: str, cancel: bool) -> progress.Operation:
    client = ctx.client
    return _operation(
        ctx,
        "restore",
        ident,
        lambda: client.stream(
            client.restores.WatchRestore, restores_pb2.WatchRestoreRequest(restore_id=ident)
        ),
        (
            lambda: client.call(
                client.restores.CancelRestore, restores_pb2.CancelRestoreRequest(restore_id=ident)
            )
        )
        if cancel
        else None,
    )


def _wait_restore(ctx: Context, ident: str, cancel: bool) -> int:
    outcome = progress.follow(ctx.client, _restore_operation(ctx, ident, cancel))
    report_outcome(ctx, "Restore", _get_restore(ctx, ident), outcome, f"smaug restore show {ident}")
    return 0 if outcome.succeeded else 1


def restore_create(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    parameters = parse_parameters(args.parameter, args.parameters_json)
    found = ctx.checkpoint(args.checkpoint, args.provider)
    restore = restores_pb2.Restore(
        provider_id=found.provider_id, checkpoint_id=found.id, restore_target=args.target
    )
    fill_parameters(restore.parameters, parameters)
    if args.username:
        password = args.password or os.environ.get("SMAUG_RESTORE_PASSWORD")
        if password is None:
            if not sys.stdin.isatty():
                raise CliError("--username needs --password or $SMAUG_RESTORE_PASSWORD", USAGE)
            password = getpass.getpass(f"password for {args.username} at the target: ")
        restore.restore_auth.CopyFrom(
            restores_pb2.RestoreAuth(type="password", username=args.username, password=password)
        )
    elif args.password:
        raise CliError("--password needs --username", USAGE)
    created = client.call(
        client.restores.CreateRestore, restores_pb2.CreateRestoreRequest(restore=restore)
    ).restore
    if not args.wait:
        if ctx.out.json:
            ctx.out.dump(created)
        else:
            ctx.out.line(f"Restore {created.id} started from checkpoint {found.id}.")
            ctx.out.line(f"Follow it with `smaug restore watch {created.id}`.")
        return 0
    print(f"Restore {created.id} started from checkpoint {found.id}.", file=sys.stderr)
    return _wait_restore(ctx, created.id, cancel=True)


def restore_list(ctx: Context) -> int:
    client = ctx.client
    request = list_request(restores_pb2.ListRestoresRequest(), ctx, _filters(ctx))
    items = list(client.pages(client.restores.ListRestores, request, "restores", ctx.args.limit))
    if ctx.out.json:
        ctx.out.dump_list("restores", items)
        return 0
    ctx.out.table(OPERATION_HEADERS, _operation_rows(items))
    return 0


def restore_show(ctx: Context) -> int:
    restore = _get_restore(ctx, ctx.args.id)
    _show_operation(ctx, "Restore", restore, [("Target", restore.restore_target or None)])
    return 0


def restore_cancel(ctx: Context) -> int:
    client = ctx.client
    reply = client.call(
        client.restores.CancelRestore, restores_pb2.CancelRestoreRequest(restore_id=ctx.args.id)
    )
    if ctx.args.wait:
        _wait_restore(ctx, ctx.args.id, cancel=False)
        return 0
    if ctx.out.json:
        ctx.out.dump(reply.restore)
    else:
        ctx.out.line(f"Restore {ctx.args.id}: cancellation requested.")
    return 0


def restore_watch(ctx: Context) -> int:
    return _wait_restore(ctx, ctx.args.id, cancel=False)


# Verifications --------------------------------------------------------------------------------


def _get_verification(ctx: Context, ident: str) -> verifications_pb2.Verification:
    client = ctx.client
    return client.call(
        client.verifications.GetVerification,
        verifications_pb2.GetVerificationRequest(verification_id=ident),
    ).verification


def _wait_verification(ctx: Context, ident: str, cancel: bool) -> int:
    client = ctx.client
    operation = _operation(
        ctx,
        "verify",
        ident,
        lambda: client.stream(
            client.verifications.WatchVerification,
            verifications_pb2.WatchVerificationRequest(verification_id=ident),
        ),
        (
            lambda: client.call(
                client.verifications.CancelVerification,
                verifications_pb2.CancelVerificationRequest(verification_id=ident),
            )
        )
        if cancel
        else None,
    )
    outcome = progress.follow(client, operation)
    report_outcome(
        ctx,
        "Verification",
        _get_verification(ctx, ident),
        outcome,
        f"smaug verification show {ident}",
    )
    return 0 if outcome.succeeded else 1


def verification_create(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    parameters = parse_parameters(args.parameter, args.parameters_json)
    found = ctx.checkpoint(args.checkpoint, args.provider)
    verification = verifications_pb2.Verification(
        provider_id=found.provider_id, checkpoint_id=found.id
    )
    fill_parameters(verification.parameters, parameters)
    created = client.call(
        client.verifications.CreateVerification,
        verifications_pb2.CreateVerificationRequest(verification=verification),
    ).verification
    if not args.wait:
        if ctx.out.json:
            ctx.out.dump(created)
        else:
            ctx.out.line(f"Verification {created.id} started on checkpoint {found.id}.")
            ctx.out.line(f"Follow it with `smaug verification watch {created.id}`.")
        return 0
    print(f"Verification {created.id} started on checkpoint {found.id}.", file=sys.stderr)
    return _wait_verification(ctx, created.id, cancel=True)


def verification_list(ctx: Context) -> int:
    client = ctx.client
    request = list_request(verifications_pb2.ListVerificationsRequest(), ctx, _filters(ctx))
    items = list(
        client.pages(
            client.verifications.ListVerifications, request, "verifications", ctx.args.limit
        )
    )
    if ctx.out.json:
        ctx.out.dump_list("verifications", items)
        return 0
    ctx.out.table(OPERATION_HEADERS, _operation_rows(items))
    return 0


def verification_show(ctx: Context) -> int:
    _show_operation(ctx, "Verification", _get_verification(ctx, ctx.args.id), [])
    return 0


def verification_cancel(ctx: Context) -> int:
    client = ctx.client
    reply = client.call(
        client.verifications.CancelVerification,
        verifications_pb2.CancelVerificationRequest(verification_id=ctx.args.id),
    )
    if ctx.args.wait:
        _wait_verification(ctx, ctx.args.id, cancel=False)
        return 0
    if ctx.out.json:
        ctx.out.dump(reply.verification)
    else:
        ctx.out.line(f"Verification {ctx.args.id}: cancellation requested.")
    return 0


def verification_watch(ctx: Context) -> int:
    return _wait_verification(ctx, ctx.args.id, cancel=False)


# Operation logs -------------------------------------------------------------------------------


def log_list(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    extra = []
    if args.type:
        extra.append(f"operation_type = {args.type.upper()}")
    if args.status:
        extra.append(f"status = {args.status.upper()}")
    if args.checkpoint:
        extra.append(f"checkpoint_id = {quoted(args.checkpoint)}")
    if args.plan:
        extra.append(f"plan_id = {quoted(ctx.plan(args.plan).id)}")
    request = list_request(operation_logs_pb2.ListOperationLogsRequest(), ctx, extra)
    items = list(
        client.pages(client.operation_logs.ListOperationLogs, request, "operation_logs", args.limit)
    )
    if ctx.out.json:
        ctx.out.dump_list("operation_logs", items)
        return 0
    ctx.out.table(
        ["ID", "TYPE", "STATUS", "CHECKPOINT", "STARTED", "ENDED", "ERROR"],
        [
            [
                i.id,
                output.enum_label(i, "operation_type"),
                output.enum_label(i, "status"),
                i.checkpoint_id,
                output.when(i.start_time),
                output.when(i.end_time),
                i.error_info or "-",
            ]
            for i in items
        ],
    )
    return 0


def log_show(ctx: Context) -> int:
    client = ctx.client
    entry = client.call(
        client.operation_logs.GetOperationLog,
        operation_logs_pb2.GetOperationLogRequest(operation_log_id=ctx.args.operation_log),
    ).operation_log
    if ctx.out.json:
        ctx.out.dump(entry)
        return 0
    ctx.out.detail(
        [
            ("ID", entry.id),
            ("Type", output.enum_label(entry, "operation_type")),
            ("Status", output.enum_label(entry, "status")),
            ("Error", entry.error_info or None),
            ("Checkpoint", entry.checkpoint_id or "-"),
            ("Plan", entry.plan_id or None),
            ("Provider", entry.provider_id or "-"),
            ("Restore", entry.restore_id or None),
            ("Verification", entry.verification_id or None),
            ("Scheduled operation", entry.scheduled_operation_id or None),
            ("Project", entry.project_id),
            ("Started", output.when(entry.start_time)),
            ("Ended", output.when(entry.end_time)),
            ("Extra info", output.struct_text(entry.extra_info)),
        ]
    )
    return 0
