"""`smaug plan ...`: which resources to protect, with which provider and options."""

from __future__ import annotations

import sys
from typing import Any

from google.protobuf import field_mask_pb2

from smaug.cli import output
from smaug.cli.client import USAGE, CliError
from smaug.cli.common import (
    Context,
    add_list_options,
    command,
    fill_parameters,
    group,
    list_request,
    parse_parameters,
    quoted,
    resolve_resource,
)
from smaug.v1 import plans_pb2

RESOURCE_HELP = (
    "resource to protect, TYPE=ID[=NAME] (repeatable), e.g. Smaug::Directory=/srv/data; "
    "without NAME the provider's plugin is asked for it"
)
PARAMETER_HELP = (
    "protect option TYPE[#ID].KEY=VALUE (repeatable); VALUE is JSON or text, "
    'e.g. Smaug::Directory.exclude=["*.tmp"]'
)


def register(sub: Any) -> None:
    plans = group(sub, "plan", "protection plans", ["plans"])
    listing = command(plans, "list", "list plans", plan_list, ["ls"])
    listing.add_argument("--provider", help="only plans of this provider (id or name)")
    listing.add_argument("--status", choices=["started", "suspended"])
    listing.add_argument("--all-projects", action="store_true", help="admin: every project")
    add_list_options(listing)

    show = command(plans, "show", "show a plan", plan_show, ["describe", "get"])
    show.add_argument("plan", help="plan id or name")

    create = command(plans, "create", "create a plan", plan_create)
    create.add_argument("name", nargs="?", help="plan name (default: from the resources)")
    create.add_argument("--name", dest="name_option", metavar="NAME", help="plan name")
    create.add_argument("--provider", help="provider id or name (default: the only one)")
    create.add_argument(
        "--resource", action="append", required=True, metavar="TYPE=ID[=NAME]", help=RESOURCE_HELP
    )
    create.add_argument(
        "--parameter", action="append", metavar="TYPE[#ID].KEY=VALUE", help=PARAMETER_HELP
    )
    create.add_argument(
        "--parameters-json",
        metavar="JSON",
        help='all protect options at once: {"TYPE[#ID]": {"KEY": VALUE}}',
    )
    create.add_argument("--description", default="")

    update = command(plans, "update", "change a plan", plan_update, ["set"])
    update.add_argument("plan", help="plan id or name")
    update.add_argument("--name")
    update.add_argument("--description")
    update.add_argument("--status", choices=["started", "suspended"])
    update.add_argument(
        "--resource",
        action="append",
        metavar="TYPE=ID[=NAME]",
        help="replace the resources with these (repeatable)",
    )
    update.add_argument(
        "--add-resource",
        action="append",
        metavar="TYPE=ID[=NAME]",
        help="add a resource (repeatable)",
    )
    update.add_argument(
        "--remove-resource",
        action="append",
        metavar="TYPE=ID",
        help="remove a resource (repeatable)",
    )
    update.add_argument(
        "--parameter",
        action="append",
        metavar="TYPE[#ID].KEY=VALUE",
        help="set a protect option, keeping the others (repeatable)",
    )
    update.add_argument("--parameters-json", metavar="JSON", help="replace all protect options")

    for name, status, text in (
        ("start", "started", "mark a plan started (frozen)"),
        ("suspend", "suspended", "mark a plan suspended (editable)"),
    ):
        verb = command(plans, name, text, plan_update)
        verb.add_argument("plan", help="plan id or name")
        verb.set_defaults(
            status=status,
            name=None,
            description=None,
            resource=None,
            add_resource=None,
            remove_resource=None,
            parameter=None,
            parameters_json=None,
        )

    delete = command(plans, "delete", "delete plans", plan_delete, ["rm"])
    delete.add_argument("plans", nargs="+", metavar="PLAN", help="plan id or name")


def plan_rows(plans: list[plans_pb2.Plan]) -> list[list[str]]:
    return [
        [
            p.id,
            p.name,
            p.provider_id,
            output.enum_label(p, "status"),
            ", ".join(f"{r.type}={r.id}" for r in p.resources),
            output.when(p.create_time),
        ]
        for p in plans
    ]


def plan_list(ctx: Context) -> int:
    client = ctx.client
    args = ctx.args
    extra = []
    if args.provider:
        extra.append(f"provider_id = {quoted(ctx.provider_id(args.provider))}")
    if args.status:
        extra.append(f"status = {args.status.upper()}")
    request = list_request(plans_pb2.ListPlansRequest(), ctx, extra)
    plans = list(client.pages(client.plans.ListPlans, request, "plans", args.limit))
    if ctx.out.json:
        ctx.out.dump_list("plans", plans)
        return 0
    ctx.out.table(["ID", "NAME", "PROVIDER", "STATUS", "RESOURCES", "CREATED"], plan_rows(plans))
    return 0


def show_plan(ctx: Context, plan: plans_pb2.Plan) -> None:
    if ctx.out.json:
        ctx.out.dump(plan)
        return
    out = ctx.out
    out.detail(
        [
            ("ID", plan.id),
            ("Name", plan.name),
            ("Description", plan.description or "-"),
            ("Provider", plan.provider_id),
            ("Status", output.enum_label(plan, "status")),
            ("Project", plan.project_id),
            ("Created", output.when(plan.create_time)),
            ("Updated", output.when(plan.update_time)),
        ]
    )
    out.section("Resources")
    out.table(
        ["TYPE", "ID", "NAME", "EXTRA INFO"],
        [[r.type, r.id, r.name, output.struct_text(r.extra_info)] for r in plan.resources],
    )
    out.section("Parameters")
    for line in output.parameters_text(plan.parameters) or ["-"]:
        out.line("  " + line)


def plan_show(ctx: Context) -> int:
    show_plan(ctx, ctx.plan(ctx.args.plan))
    return 0


def plan_create(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    parameters = parse_parameters(args.parameter, args.parameters_json)
    provider_id = ctx.provider_id(args.provider)
    resources = [resolve_resource(ctx, text, provider_id) for text in args.resource]
    name = args.name_option or args.name
    if args.name_option and args.name and args.name_option != args.name:
        raise CliError("give the plan name once (NAME or --name)", USAGE)
    if not name:
        name = ", ".join(r.name or r.id for r in resources)
        name = name if len(name) <= 255 else name[:254] + "…"
    plan = plans_pb2.Plan(
        name=name, description=args.description, provider_id=provider_id, resources=resources
    )
    fill_parameters(plan.parameters, parameters)
    created = client.call(client.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan)).plan
    if not ctx.out.json:
        print(f"Plan {created.id} created.", file=sys.stderr)
    show_plan(ctx, created)
    return 0


def plan_update(ctx: Context) -> int:
    args = ctx.args
    client = ctx.client
    current = ctx.plan(args.plan)
    change = plans_pb2.Plan(id=current.id)
    paths: list[str] = []
    if args.name is not None:
        change.name = args.name
        paths.append("name")
    if args.description is not None:
        change.description = args.description
        paths.append("description")
    if args.status:
        change.status = output.parse_enum(plans_pb2.PlanStatus.DESCRIPTOR, args.status)
        paths.append("status")
    if args.resource or args.add_resource or args.remove_resource:
        if args.resource:
            resources = [resolve_resource(ctx, t, current.provider_id) for t in args.resource]
        else:
            resources = list(current.resources)
        for text in args.add_resource or []:
            resources.append(resolve_resource(ctx, text, current.provider_id))
        for text in args.remove_resource or []:
            kind, _, ident = text.partition("=")
            ident = ident.split("=", 1)[0]
            kept = [r for r in resources if not (r.type == kind and r.id == ident)]
            if len(kept) == len(resources):
                raise CliError(f"the plan has no resource {kind}={ident}", USAGE)
            resources = kept
        change.resources.extend(resources)
        paths.append("resources")
    if args.parameter or args.parameters_json:
        if args.parameters_json:
            merged = parse_parameters(None, args.parameters_json)
        else:
            merged = {k: output.to_dict(v) for k, v in current.parameters.items()}
        for key, values in parse_parameters(args.parameter).items():
            merged.setdefault(key, {}).update(values)
        fill_parameters(change.parameters, merged)
        paths.append("parameters")
    if not paths:
        raise CliError(
            "nothing to change: give --name, --description, --status, --resource, "
            "--add-resource, --remove-resource or --parameter",
            USAGE,
        )
    updated = client.call(
        client.plans.UpdatePlan,
        plans_pb2.UpdatePlanRequest(plan=change, update_mask=field_mask_pb2.FieldMask(paths=paths)),
    ).plan
    show_plan(ctx, updated)
    return 0


def plan_delete(ctx: Context) -> int:
    client = ctx.client
    worst = 0
    deleted = []
    for key in ctx.args.plans:
        try:
            plan = ctx.plan(key)
            client.call(client.plans.DeletePlan, plans_pb2.DeletePlanRequest(plan_id=plan.id))
        except CliError as error:
            print(f"smaug: plan {key}: {error.message}", file=sys.stderr)
            worst = max(worst, error.code)
            continue
        deleted.append(plan.id)
        if not ctx.out.json:
            ctx.out.line(f"Plan {plan.id} deleted.")
    if ctx.out.json:
        ctx.out.dump({"deleted_plan_ids": deleted})
    return worst
