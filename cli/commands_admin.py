"""`smaug quota ...`, `smaug quota-class ...`, `smaug service ...` and `smaug user ...`."""

from __future__ import annotations

import sys
from typing import Any

from google.protobuf import field_mask_pb2

from smaug.cli import output
from smaug.cli.client import USAGE, CliError
from smaug.cli.common import Context, command, group, quoted
from smaug.v1 import quotas_pb2, services_pb2


def register(sub: Any) -> None:
    quotas = group(sub, "quota", "project quotas (plans, checkpoints)", ["quotas"])
    show = command(quotas, "show", "show a project's limits (and usage)", quota_show, ["get"])
    show.add_argument("project", nargs="?", help="project id (default: yours, when known)")
    show.add_argument("--usage", "--detail", action="store_true", help="with usage")
    command(quotas, "defaults", "show the default limits", quota_defaults)
    update = command(quotas, "update", "set a project's limits (admin)", quota_update, ["set"])
    update.add_argument("project", help="project id")
    _limit_arguments(update)
    delete = command(
        quotas, "delete", "remove a project's overrides (admin)", quota_delete, ["reset"]
    )
    delete.add_argument("project", help="project id")
    recount = command(
        quotas,
        "recount",
        "repair a project's usage counters from what exists (admin)",
        quota_recount,
    )
    recount.add_argument("project", help="project id")

    classes = group(
        sub,
        "quota-class",
        'quota classes; "default" sets every project\'s defaults',
        ["quota-classes"],
    )
    cshow = command(classes, "show", "show a quota class", quota_class_show, ["get"])
    cshow.add_argument("name", nargs="?", default="default", help='class name (default "default")')
    cupdate = command(
        classes, "update", "set a quota class's limits (admin)", quota_class_update, ["set"]
    )
    cupdate.add_argument("name", help="class name")
    _limit_arguments(cupdate)

    services = group(sub, "service", "Smaug's own service instances (admin)", ["services"])
    listing = command(services, "list", "list service instances", service_list, ["ls"])
    listing.add_argument("--host")
    listing.add_argument("--binary")
    enable = command(services, "enable", "let a scheduler take work again", service_update)
    enable.add_argument("id", type=int, help="service instance id")
    enable.set_defaults(enable=True, reason=None)
    disable = command(
        services, "disable", "stop a scheduler from claiming triggers", service_update
    )
    disable.add_argument("id", type=int, help="service instance id")
    disable.add_argument("--reason", help="why (shown in the list)")
    disable.set_defaults(enable=False)

    users = group(
        sub, "user", "standalone users (on the api's machine, writes its database)", ["users"]
    )
    create = users.add_parser(
        "create",
        help="create a user and print its token (admin)",
        description="Create a user directly in the api's database (the "
        "database_url of Smaug's configuration) and print its token once.",
    )
    create.add_argument("name", help="user name")
    create.add_argument("--project", required=True, help="project the user belongs to")
    create.add_argument(
        "--role",
        action="append",
        dest="roles",
        help='role (repeatable; default "member"; "admin" for an admin)',
    )
    create.add_argument("-o", "--output", choices=["table", "json"], default=argparse_suppress())
    create.add_argument("--config", default=argparse_suppress(), help=argparse_suppress())
    create.add_argument("--data-dir", default=argparse_suppress(), help=argparse_suppress())
    create.set_defaults(func=user_create)


def argparse_suppress() -> str:
    import argparse

    return argparse.SUPPRESS


def _limit_arguments(parser: Any) -> None:
    parser.add_argument("--plans", type=int, help="maximum plans (-1: unlimited)")
    parser.add_argument("--checkpoints", type=int, help="maximum checkpoints (-1: unlimited)")


def _limits(args: Any, message: Any) -> list[str]:
    paths = []
    for name in ("plans", "checkpoints"):
        value = getattr(args, name)
        if value is not None:
            setattr(message, name, value)
            paths.append(name)
    if not paths:
        raise CliError("give --plans N and/or --checkpoints N", USAGE)
    return paths


def _limit(value: int) -> str:
    return "unlimited" if value < 0 else str(value)


def _project(ctx: Context) -> str:
    if ctx.args.project:
        return str(ctx.args.project)
    if ctx.settings.project:
        return ctx.settings.project
    raise CliError(
        "name the project (PROJECT); your own is not known to the CLI "
        "(`smaug login --project P` remembers it)",
        USAGE,
    )


def quota_show(ctx: Context) -> int:
    client = ctx.client
    project = _project(ctx)
    if ctx.args.usage:
        usage = client.call(
            client.quotas.GetQuotaUsage, quotas_pb2.GetQuotaUsageRequest(project_id=project)
        ).quota_usage
        if ctx.out.json:
            ctx.out.dump(usage)
            return 0
        ctx.out.line(f"Project {usage.project_id}")
        ctx.out.table(
            ["RESOURCE", "LIMIT", "IN USE", "RESERVED"],
            [
                [name, _limit(u.limit), u.in_use, u.reserved]
                for name, u in (("plans", usage.plans), ("checkpoints", usage.checkpoints))
            ],
        )
        return 0
    quota = client.call(
        client.quotas.GetQuota, quotas_pb2.GetQuotaRequest(project_id=project)
    ).quota
    _print_quota(ctx, quota, f"Project {quota.project_id}")
    return 0


def quota_recount(ctx: Context) -> int:
    client = ctx.client
    repaired = client.call(
        client.quotas.RecountQuotaUsage,
        quotas_pb2.RecountQuotaUsageRequest(project_id=ctx.args.project),
    )
    if ctx.out.json:
        ctx.out.dump(repaired)
        return 0
    if not repaired.corrections:
        ctx.out.line(f"Project {ctx.args.project}: usage counters were right")
        return 0
    ctx.out.line(f"Project {ctx.args.project}: corrected")
    ctx.out.table(
        ["RESOURCE", "RECORDED", "COUNTED", "STALE RESERVATIONS DROPPED"],
        [[c.resource, c.recorded, c.counted, c.dropped_reservations] for c in repaired.corrections],
    )
    return 0


def _print_quota(ctx: Context, quota: Any, title: str) -> None:
    if ctx.out.json:
        ctx.out.dump(quota)
        return
    ctx.out.line(title)
    ctx.out.table(
        ["RESOURCE", "LIMIT"],
        [["plans", _limit(quota.plans)], ["checkpoints", _limit(quota.checkpoints)]],
    )


def quota_defaults(ctx: Context) -> int:
    client = ctx.client
    quota = client.call(client.quotas.GetDefaultQuota, quotas_pb2.GetDefaultQuotaRequest()).quota
    _print_quota(ctx, quota, "Defaults")
    return 0


def quota_update(ctx: Context) -> int:
    client = ctx.client
    quota = quotas_pb2.Quota(project_id=ctx.args.project)
    paths = _limits(ctx.args, quota)
    updated = client.call(
        client.quotas.UpdateQuota,
        quotas_pb2.UpdateQuotaRequest(
            quota=quota, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    ).quota
    _print_quota(ctx, updated, f"Project {updated.project_id}")
    return 0


def quota_delete(ctx: Context) -> int:
    client = ctx.client
    client.call(
        client.quotas.DeleteQuota, quotas_pb2.DeleteQuotaRequest(project_id=ctx.args.project)
    )
    ctx.out.line(f"Project {ctx.args.project}: overrides removed, the defaults apply.")
    return 0


def quota_class_show(ctx: Context) -> int:
    client = ctx.client
    quota_class = client.call(
        client.quotas.GetQuotaClass, quotas_pb2.GetQuotaClassRequest(quota_class_name=ctx.args.name)
    ).quota_class
    _print_quota(ctx, quota_class, f"Quota class {quota_class.name}")
    return 0


def quota_class_update(ctx: Context) -> int:
    client = ctx.client
    quota_class = quotas_pb2.QuotaClass(name=ctx.args.name)
    paths = _limits(ctx.args, quota_class)
    updated = client.call(
        client.quotas.UpdateQuotaClass,
        quotas_pb2.UpdateQuotaClassRequest(
            quota_class=quota_class, update_mask=field_mask_pb2.FieldMask(paths=paths)
        ),
    ).quota_class
    _print_quota(ctx, updated, f"Quota class {updated.name}")
    return 0


def service_list(ctx: Context) -> int:
    client = ctx.client
    filters = []
    if ctx.args.host:
        filters.append(f"host = {quoted(ctx.args.host)}")
    if ctx.args.binary:
        filters.append(f"binary = {quoted(ctx.args.binary)}")
    request = services_pb2.ListServiceInstancesRequest(filter=" AND ".join(filters))
    items = list(client.pages(client.services.ListServiceInstances, request, "service_instances"))
    if ctx.out.json:
        ctx.out.dump_list("service_instances", items)
        return 0
    ctx.out.table(
        ["ID", "BINARY", "HOST", "STATUS", "STATE", "HEARTBEAT", "DISABLED REASON"],
        [
            [
                str(s.id),
                s.binary,
                s.host,
                output.enum_label(s, "status"),
                output.enum_label(s, "state"),
                output.when(s.heartbeat_time),
                s.disabled_reason or "-",
            ]
            for s in items
        ],
    )
    return 0


def service_update(ctx: Context) -> int:
    client = ctx.client
    args = ctx.args
    instance = services_pb2.ServiceInstance(
        id=args.id,
        status=services_pb2.SERVICE_INSTANCE_STATUS_ENABLED
        if args.enable
        else services_pb2.SERVICE_INSTANCE_STATUS_DISABLED,
        disabled_reason="" if args.enable else (args.reason or ""),
    )
    updated = client.call(
        client.services.UpdateServiceInstance,
        services_pb2.UpdateServiceInstanceRequest(
            service_instance=instance,
            update_mask=field_mask_pb2.FieldMask(paths=["status", "disabled_reason"]),
        ),
    ).service_instance
    if ctx.out.json:
        ctx.out.dump(updated)
    else:
        ctx.out.line(
            f"Service {updated.id} ({updated.binary} on {updated.host}): "
            f"{output.enum_label(updated, 'status')}."
        )
    return 0


def user_create(ctx: Context) -> int:
    from smaug.cli.client import _local_deployment
    from smaug.store import identities
    from smaug.store.db import Store

    args = ctx.args
    deployment = _local_deployment(getattr(args, "config", None), getattr(args, "data_dir", None))
    if deployment is None:
        raise CliError(
            "cannot load Smaug's configuration (--config, SMAUG_CONFIG) to find the api's database"
        )
    url = deployment.api.database_url
    try:
        store = Store(url)
        with store.write() as session:
            user, token = identities.create_user(
                session, args.name, args.project, roles=tuple(args.roles or ["member"])
            )
    except ValueError as error:
        raise CliError(str(error), USAGE) from None
    except Exception as error:  # the database is not reachable or not writable
        raise CliError(f"cannot write the api's database {url}: {error}") from None
    if ctx.out.json:
        ctx.out.dump(
            {
                "id": user.user_id,
                "name": user.name,
                "project_id": user.project_id,
                "roles": list(user.roles),
                "token": token,
            }
        )
        return 0
    print(
        f"User {user.name} ({user.user_id}) created in project {user.project_id} with roles "
        f"{', '.join(user.roles)}.",
        file=sys.stderr,
    )
    print(
        "Its token (shown once; `smaug login --token TOKEN` on the user's machine):",
        file=sys.stderr,
    )
    print(token)
    return 0
