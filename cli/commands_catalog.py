"""`smaug provider ...` and `smaug protectable ...`: what can be protected, and by whom."""

from __future__ import annotations

from typing import Any

from google.protobuf import field_mask_pb2, json_format, struct_pb2

from smaug.cli import commands_accounts, output
from smaug.cli.client import USAGE, CliError
from smaug.cli.common import Context, command, group, parse_value
from smaug.v1 import common_pb2, protectables_pb2, providers_pb2, tenancy_pb2, tenancy_pb2_grpc


def register(sub: Any) -> None:
    providers = group(sub, "provider", "providers: plugin sets plus a bank", ["providers"])
    command(providers, "list", "list providers", provider_list, ["ls"])
    show = command(
        providers,
        "show",
        "show a provider, its resource types and parameters",
        provider_show,
        ["describe", "get"],
    )
    show.add_argument("provider", help="provider id or name")
    access_parser = providers.add_parser(
        "access",
        help="which providers a project may use (admin)",
        description='which providers a project may use (admin); project "*" is the default '
        "for projects without their own entry",
    )
    access = access_parser.add_subparsers(dest="access_command", required=True, metavar="COMMAND")
    access_show = command(access, "show", "show a project's provider access", access_show_cmd)
    access_show.add_argument("project", help='project id, or "*" for the default entry')
    access_set = command(
        access, "set", "set the providers a project may use", access_set_cmd, ["update"]
    )
    access_set.add_argument("project", help='project id, or "*" for the default entry')
    access_set.add_argument("providers", nargs="*", help="provider ids (none: no provider)")
    access_set.add_argument("--all", action="store_true", help="every provider")
    access_delete = command(
        access, "delete", "remove a project's entry (the default applies)", access_delete_cmd
    )
    access_delete.add_argument("project", help='project id, or "*" for the default entry')
    commands_accounts.register(providers)

    protectables = group(
        sub, "protectable", "protectable resource types and their instances", ["protectables"]
    )
    types = command(
        protectables, "list", "list protectable resource types", protectable_list, ["ls", "types"]
    )
    types.add_argument("--provider", help="only types of this provider (id or name)")
    show_type = command(
        protectables, "show", "show a resource type", protectable_show, ["describe", "get"]
    )
    show_type.add_argument("type", help='resource type, e.g. "Smaug::Directory"')

    instances = command(
        protectables,
        "instances",
        "list the instances of a resource type",
        protectable_instances,
        ["list-instances"],
    )
    instances.add_argument("type", help="resource type")
    instances.add_argument("--provider", help="ask this provider's plugin (id or name)")
    instances.add_argument(
        "--parameter",
        action="append",
        metavar="KEY=VALUE",
        help="type-specific query parameter (repeatable)",
    )
    instances.add_argument(
        "--dependents", action="store_true", help="also list each instance's dependent resources"
    )
    instances.add_argument("--limit", type=int, default=0, help="show at most N")
    instances.add_argument("--filter", help="e.g. 'name : \"data\"'")

    instance = command(
        protectables,
        "instance",
        "show one instance with its dependents",
        protectable_instance,
        ["show-instance"],
    )
    instance.add_argument("type", help="resource type")
    instance.add_argument("id", help="instance id")
    instance.add_argument("--provider", help="ask this provider's plugin (id or name)")
    instance.add_argument(
        "--parameter",
        action="append",
        metavar="KEY=VALUE",
        help="type-specific parameter (repeatable)",
    )

    dependents = command(
        protectables,
        "dependents",
        "list the resources an instance contains or depends on (one level)",
        protectable_dependents,
    )
    dependents.add_argument("type", help="resource type of the parent")
    dependents.add_argument("id", help="instance id of the parent")
    dependents.add_argument("--provider", help="ask this provider's plugins (id or name)")
    dependents.add_argument("--dependent-type", help="only children of this type")
    dependents.add_argument(
        "--parameter",
        action="append",
        metavar="KEY=VALUE",
        help="type-specific parameter (repeatable)",
    )


def _query(items: list[str] | None) -> struct_pb2.Struct | None:
    if not items:
        return None
    values: dict[str, Any] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise CliError(f"--parameter {item!r}: expected KEY=VALUE", USAGE)
        values[key] = parse_value(value)
    query = struct_pb2.Struct()
    query.update(values)
    return query


def _schema_properties(schema: struct_pb2.Struct) -> str:
    data = json_format.MessageToDict(schema)
    properties = data.get("properties") or {}
    required = set(data.get("required") or [])
    return ", ".join(
        f"{name}{'*' if name in required else ''}"
        + (f" ({spec['type']})" if isinstance(spec, dict) and "type" in spec else "")
        for name, spec in properties.items()
    )


def _operations(kind: providers_pb2.ProviderResourceType) -> str:
    descriptor = common_pb2.OperationType.DESCRIPTOR
    return ",".join(output.value_label(descriptor, op) for op in kind.operations) or "-"


def provider_list(ctx: Context) -> int:
    providers = ctx.providers()
    if ctx.out.json:
        ctx.out.dump_list("providers", providers)
        return 0
    ctx.out.table(
        ["ID", "NAME", "BANK", "RESOURCE TYPES", "DESCRIPTION"],
        [
            [
                p.id,
                p.name,
                p.bank_type,
                ",".join(t.resource_type for t in p.resource_types),
                p.description,
            ]
            for p in providers
        ],
    )
    return 0


def provider_show(ctx: Context) -> int:
    provider = ctx.provider(ctx.args.provider)
    if ctx.out.json:
        ctx.out.dump(provider)
        return 0
    out = ctx.out
    out.detail(
        [
            ("ID", provider.id),
            ("Name", provider.name),
            ("Description", provider.description or "-"),
            ("Bank", provider.bank_type),
            (
                "Bank accounts",
                "required: each project needs its own"
                if provider.bank_accounts_required
                else "optional: projects without one use the shared bank",
            ),
        ]
    )
    out.section("Resource types")
    out.table(
        [
            "TYPE",
            "PLUGIN",
            "OPERATIONS",
            "PROTECT OPTIONS",
            "RESTORE PARAMETERS",
            "VERIFY PARAMETERS",
        ],
        [
            [
                t.resource_type,
                t.plugin_name,
                _operations(t),
                _schema_properties(t.options_schema),
                _schema_properties(t.restore_schema),
                _schema_properties(t.verify_schema),
            ]
            for t in provider.resource_types
        ],
    )
    out.line("\n(* required; set them with --parameter TYPE.KEY=VALUE)")
    return 0


def protectable_list(ctx: Context) -> int:
    client = ctx.client
    request = protectables_pb2.ListProtectableTypesRequest()
    if ctx.args.provider:
        request.provider_id = ctx.provider_id(ctx.args.provider)
    types = list(
        client.pages(client.protectables.ListProtectableTypes, request, "protectable_types")
    )
    if ctx.out.json:
        ctx.out.dump_list("protectable_types", types)
        return 0
    ctx.out.table(
        ["TYPE", "LISTABLE", "PARENT TYPES", "DEPENDENT TYPES", "PROVIDERS"],
        [
            [
                t.name,
                "yes" if t.listable else "no",
                ",".join(t.parent_types),
                ",".join(t.dependent_types),
                ",".join(t.provider_ids),
            ]
            for t in types
        ],
    )
    return 0


def protectable_show(ctx: Context) -> int:
    client = ctx.client
    reply = client.call(
        client.protectables.GetProtectableType,
        protectables_pb2.GetProtectableTypeRequest(protectable_type=ctx.args.type),
    )
    kind = reply.protectable_type
    if ctx.out.json:
        ctx.out.dump(kind)
        return 0
    ctx.out.detail(
        [
            ("Type", kind.name),
            ("Listable", "yes" if kind.listable else "no (name instances in plans by id)"),
            ("Parent types", ", ".join(kind.parent_types) or "-"),
            ("Dependent types", ", ".join(kind.dependent_types) or "-"),
            ("Providers", ", ".join(kind.provider_ids) or "-"),
        ]
    )
    return 0


def protectable_instances(ctx: Context) -> int:
    client = ctx.client
    args = ctx.args
    request = protectables_pb2.ListProtectableInstancesRequest(
        protectable_type=args.type, include_dependents=args.dependents
    )
    if args.provider:
        request.provider_id = ctx.provider_id(args.provider)
    query = _query(args.parameter)
    if query is not None:
        request.parameters.CopyFrom(query)
    if args.filter:
        request.filter = args.filter
    instances = list(
        client.pages(client.protectables.ListProtectableInstances, request, "instances", args.limit)
    )
    if ctx.out.json:
        ctx.out.dump_list("instances", instances)
        return 0
    headers = ["TYPE", "ID", "NAME"] + (["DEPENDENTS"] if args.dependents else [])
    rows = []
    for item in instances:
        row = [item.resource.type, item.resource.id, item.resource.name]
        if args.dependents:
            row.append(", ".join(f"{d.type} {d.id}" for d in item.dependent_resources) or "-")
        rows.append(row)
    ctx.out.table(headers, rows)
    return 0


def protectable_instance(ctx: Context) -> int:
    client = ctx.client
    args = ctx.args
    request = protectables_pb2.GetProtectableInstanceRequest(
        protectable_type=args.type, instance_id=args.id
    )
    if args.provider:
        request.provider_id = ctx.provider_id(args.provider)
    query = _query(args.parameter)
    if query is not None:
        request.parameters.CopyFrom(query)
    instance = client.call(client.protectables.GetProtectableInstance, request).instance
    if ctx.out.json:
        ctx.out.dump(instance)
        return 0
    resource = instance.resource
    ctx.out.detail(
        [
            ("Type", resource.type),
            ("ID", resource.id),
            ("Name", resource.name),
            ("Extra info", output.struct_text(resource.extra_info)),
        ]
    )
    ctx.out.section("Dependent resources")
    ctx.out.table(
        ["TYPE", "ID", "NAME"], [[d.type, d.id, d.name] for d in instance.dependent_resources]
    )
    return 0


def protectable_dependents(ctx: Context) -> int:
    client = ctx.client
    args = ctx.args
    request = protectables_pb2.ListDependentResourcesRequest(
        protectable_type=args.type,
        instance_id=args.id,
        dependent_type=args.dependent_type or "",
    )
    if args.provider:
        request.provider_id = ctx.provider_id(args.provider)
    query = _query(args.parameter)
    if query is not None:
        request.parameters.CopyFrom(query)
    resources = list(client.pages(client.protectables.ListDependentResources, request, "resources"))
    if ctx.out.json:
        ctx.out.dump_list("resources", resources)
        return 0
    ctx.out.table(["TYPE", "ID", "NAME"], [[r.type, r.id, r.name] for r in resources])
    return 0


_SOURCES = {
    tenancy_pb2.PROVIDER_ACCESS_SOURCE_PROJECT: "the project's own entry",
    tenancy_pb2.PROVIDER_ACCESS_SOURCE_DEFAULT: 'the default entry ("*")',
    tenancy_pb2.PROVIDER_ACCESS_SOURCE_NONE: "no entry: every provider",
}


def _access_stub(ctx: Context) -> tenancy_pb2_grpc.ProviderAccessServiceStub:
    return tenancy_pb2_grpc.ProviderAccessServiceStub(ctx.client.channel)


def _print_access(ctx: Context, access: tenancy_pb2.ProviderAccess) -> None:
    if ctx.out.json:
        ctx.out.dump(access)
        return
    ctx.out.line(f"Project {access.project_id}: {_SOURCES.get(access.source, '?')}")
    if access.all_providers:
        ctx.out.line("Providers: all")
    else:
        ctx.out.line(f"Providers: {', '.join(access.provider_ids) or '(none)'}")


def access_show_cmd(ctx: Context) -> int:
    got = ctx.client.call(
        _access_stub(ctx).GetProviderAccess,
        tenancy_pb2.GetProviderAccessRequest(project_id=ctx.args.project),
    )
    _print_access(ctx, got.provider_access)
    return 0


def access_set_cmd(ctx: Context) -> int:
    if ctx.args.all and ctx.args.providers:
        raise CliError("give provider ids or --all, not both", USAGE)
    got = ctx.client.call(
        _access_stub(ctx).SetProviderAccess,
        tenancy_pb2.SetProviderAccessRequest(
            provider_access=tenancy_pb2.ProviderAccess(
                project_id=ctx.args.project,
                provider_ids=ctx.args.providers,
                all_providers=ctx.args.all,
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["provider_ids", "all_providers"]),
        ),
    )
    _print_access(ctx, got.provider_access)
    return 0


def access_delete_cmd(ctx: Context) -> int:
    ctx.client.call(
        _access_stub(ctx).DeleteProviderAccess,
        tenancy_pb2.DeleteProviderAccessRequest(project_id=ctx.args.project),
    )
    ctx.out.line(f"Project {ctx.args.project}: entry removed.")
    return 0
