"""What every client command shares: the per-invocation context (connection, output), finding
providers, plans and checkpoints by id or name, and parsing --resource and --parameter."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from typing import Any

import grpc

from smaug.cli.client import (
    NOT_FOUND,
    USAGE,
    Client,
    CliError,
    Settings,
    find_by_id_or_name,
    not_found,
    resolve_settings,
)
from smaug.cli.output import Output
from smaug.v1 import (
    checkpoints_pb2,
    plans_pb2,
    protectables_pb2,
    providers_pb2,
    resources_pb2,
)

Handler = Callable[["Context"], int]


def client_options(local_options: bool) -> argparse.ArgumentParser:
    """Options every client command accepts, before or after its name (``local_options``: also
    --config and --data-dir, which the top level defines itself)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("connection and output")
    group.add_argument(
        "--api",
        default=argparse.SUPPRESS,
        metavar="HOST:PORT",
        help="api address (default: $SMAUG_API, cli.yaml, or the local deployment's, "
        "127.0.0.1:8790)",
    )
    group.add_argument(
        "--token",
        default=argparse.SUPPRESS,
        help="bearer token (default: $SMAUG_TOKEN, cli.yaml, or <data_dir>/admin-token)",
    )
    group.add_argument(
        "-o",
        "--output",
        choices=["table", "json"],
        default=argparse.SUPPRESS,
        help="output format: table (default) or json (protobuf JSON, .proto field names)",
    )
    group.add_argument(
        "--timeout",
        type=float,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help="deadline of each call (default 30)",
    )
    if local_options:
        group.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        group.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parent


CLIENT_OPTIONS = client_options(True)


# Other names of command groups (`smaug plans`, `smaug oplog`), resolved before parsing so that
# they work without cluttering the help.
GROUP_ALIASES: dict[str, str] = {}


def group(sub: Any, name: str, help_text: str, aliases: Iterable[str] = ()) -> Any:
    """A command group (`smaug plan ...`); returns its sub-command table."""
    for alias in aliases:
        GROUP_ALIASES[alias] = name
    parser = sub.add_parser(name, help=help_text, description=help_text)
    return parser.add_subparsers(dest="subcommand", required=True, metavar="COMMAND")


def command(
    sub: Any,
    name: str,
    help_text: str,
    handler: Handler,
    aliases: Iterable[str] = (),
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A client command: it takes the connection and output options."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help_text,
        description=description or help_text,
        aliases=list(aliases),
        parents=[CLIENT_OPTIONS],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=handler)
    return parser


class Context:
    """One command's arguments, output and (lazily) its client."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out = Output(getattr(args, "output", None) or "table")
        self._client: Client | None = None
        self._providers: list[providers_pb2.Provider] | None = None

    @property
    def settings(self) -> Settings:
        return self.client.settings

    @property
    def client(self) -> Client:
        if self._client is None:
            settings = resolve_settings(
                getattr(self.args, "api", None),
                getattr(self.args, "token", None),
                getattr(self.args, "config", None),
                getattr(self.args, "data_dir", None),
                float(getattr(self.args, "timeout", None) or 30.0),
            )
            self._client = Client(settings)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # Providers -------------------------------------------------------------------------------

    def providers(self) -> list[providers_pb2.Provider]:
        if self._providers is None:
            client = self.client
            self._providers = list(
                client.pages(
                    client.providers.ListProviders,
                    providers_pb2.ListProvidersRequest(),
                    "providers",
                )
            )
        return self._providers

    def provider(self, key: str) -> providers_pb2.Provider:
        """A provider by id or name."""
        client = self.client

        def get(ident: str) -> providers_pb2.Provider | None:
            reply, _ = client.attempt(
                client.providers.GetProvider, providers_pb2.GetProviderRequest(provider_id=ident)
            )
            return reply.provider if reply is not None else None

        found: providers_pb2.Provider = find_by_id_or_name(
            client, "provider", key, get, lambda: iter(self.providers())
        )
        return found

    def provider_id(self, given: str | None) -> str:
        """--provider (id or name), else the only provider there is."""
        if given:
            return self.provider(given).id
        providers = self.providers()
        if len(providers) == 1:
            return providers[0].id
        if not providers:
            raise CliError("the api has no provider loaded; check its configuration's providers")
        names = ", ".join(f"{p.name} ({p.id})" for p in providers)
        raise CliError(
            f"there are {len(providers)} providers, choose one with --provider: {names}", USAGE
        )

    # Plans -----------------------------------------------------------------------------------

    def plan(self, key: str) -> plans_pb2.Plan:
        """A plan by id or name."""
        client = self.client

        def get(ident: str) -> plans_pb2.Plan | None:
            reply, _ = client.attempt(client.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=ident))
            return reply.plan if reply is not None else None

        def listing() -> Any:
            request = plans_pb2.ListPlansRequest()
            if '"' not in key and "\\" not in key:
                request.filter = f'name = "{key}"'
            return client.pages(client.plans.ListPlans, request, "plans")

        found: plans_pb2.Plan = find_by_id_or_name(client, "plan", key, get, listing)
        return found

    # Checkpoints -----------------------------------------------------------------------------

    def checkpoint(self, checkpoint_id: str, provider: str | None) -> checkpoints_pb2.Checkpoint:
        """A checkpoint of --provider, else of whichever provider holds it."""
        client = self.client
        candidates = [self.provider_id(provider)] if provider else [p.id for p in self.providers()]
        denied = False
        for provider_id in candidates:
            reply, code = client.attempt(
                client.checkpoints.GetCheckpoint,
                checkpoints_pb2.GetCheckpointRequest(
                    provider_id=provider_id, checkpoint_id=checkpoint_id
                ),
            )
            if reply is not None:
                found: checkpoints_pb2.Checkpoint = reply.checkpoint
                return found
            if code == grpc.StatusCode.PERMISSION_DENIED:
                denied = True
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise CliError(f"{checkpoint_id!r} is not a checkpoint id", USAGE)
        if denied:
            raise CliError(f"checkpoint {checkpoint_id} belongs to another project")
        where = f"provider {candidates[0]}" if provider else "any provider"
        raise not_found("checkpoint", checkpoint_id, f"looked in {where}")


# Argument parsing helpers ----------------------------------------------------------------------


def parse_value(text: str) -> Any:
    """A parameter value: JSON when it parses as JSON (numbers, true, lists, ...), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_parameters(
    items: Iterable[str] | None, json_text: str | None = None
) -> dict[str, dict[str, Any]]:
    """--parameter TYPE[#ID].KEY=VALUE (repeatable) and --parameters-json '{"TYPE": {...}}'."""
    parameters: dict[str, dict[str, Any]] = {}
    if json_text:
        try:
            loaded = json.loads(json_text)
        except ValueError as error:
            raise CliError(f"--parameters-json is not JSON: {error}", USAGE) from None
        if not isinstance(loaded, dict) or not all(isinstance(v, dict) for v in loaded.values()):
            raise CliError(
                '--parameters-json must map "TYPE" or "TYPE#ID" to an object of options', USAGE
            )
        for key, value in loaded.items():
            parameters.setdefault(key, {}).update(value)
    for item in items or ():
        left, equals, value = item.partition("=")
        scope, dot, key = left.rpartition(".")
        if not equals or not dot or not scope or not key:
            raise CliError(
                f"--parameter {item!r}: expected TYPE.KEY=VALUE or TYPE#ID.KEY=VALUE, "
                'e.g. Smaug::Directory.target=/srv/restore or Smaug::Directory.exclude=["*.tmp"]',
                USAGE,
            )
        parameters.setdefault(scope, {})[key] = parse_value(value)
    return parameters


def fill_parameters(target: Any, parameters: dict[str, dict[str, Any]]) -> None:
    """Copy parsed parameters into a proto map<string, Struct>."""
    for key, values in parameters.items():
        target[key].update(values)


def parse_resource(text: str) -> tuple[str, str, str]:
    """--resource TYPE=ID[=NAME]."""
    parts = text.split("=", 2)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise CliError(
            f"--resource {text!r}: expected TYPE=ID or TYPE=ID=NAME, "
            "e.g. Smaug::Directory=/srv/data",
            USAGE,
        )
    return parts[0], parts[1], parts[2] if len(parts) == 3 else ""


def resolve_resource(ctx: Context, text: str, provider_id: str) -> resources_pb2.Resource:
    """A --resource, its name looked up from the provider's plugin when not given."""
    kind, ident, name = parse_resource(text)
    if name:
        return resources_pb2.Resource(type=kind, id=ident, name=name)
    client = ctx.client
    try:
        reply = client.protectables.GetProtectableInstance(
            protectables_pb2.GetProtectableInstanceRequest(
                protectable_type=kind, instance_id=ident, provider_id=provider_id
            ),
            metadata=client.metadata,
            timeout=client.settings.timeout,
        )
    except grpc.RpcError as error:
        code = error.code() if hasattr(error, "code") else None
        if code == grpc.StatusCode.NOT_FOUND:
            problem = client.error(error)
            raise CliError(
                f"resource {kind} {ident}: {problem.message}",
                NOT_FOUND,
                [*problem.details, "name it TYPE=ID=NAME to add it without asking the plugin"],
            ) from None
        if code == grpc.StatusCode.UNAVAILABLE and "not reachable" in client.error(error).message:
            raise client.error(error) from None
        return resources_pb2.Resource(type=kind, id=ident, name=ident)
    found = reply.instance.resource
    return resources_pb2.Resource(
        type=kind, id=ident, name=found.name or ident, extra_info=found.extra_info
    )


def short(ident: str) -> str:
    return ident[:8] if len(ident) > 8 else ident


def add_list_options(parser: argparse.ArgumentParser, sort: bool = True) -> None:
    parser.add_argument("--limit", type=int, default=0, help="show at most N (default: all)")
    parser.add_argument("--filter", help="server-side filter, e.g. 'status = AVAILABLE'")
    if sort:
        parser.add_argument("--sort", help='order, e.g. "create_time" or "name desc"')


def list_request(request: Any, ctx: Context, extra: list[str] | None = None) -> Any:
    args = ctx.args
    filters = [f for f in [getattr(args, "filter", None), *(extra or [])] if f]
    if filters:
        request.filter = " AND ".join(filters)
    if getattr(args, "sort", None):
        request.order_by = args.sort
    if getattr(args, "all_projects", False):
        request.all_projects = True
    return request


def quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
