"""The CLI's side of the public API: where the api is, who we are, one channel with every stub,
and gRPC errors turned into messages and exit codes.

Connection settings, first found wins: flags (--api, --token), environment (SMAUG_API,
SMAUG_TOKEN), the CLI config file (~/.config/smaug/cli.yaml, written by `smaug login`;
SMAUG_CLI_CONFIG names another), then the local deployment: the api's listen address from
Smaug's own configuration (default 127.0.0.1:8790) and the standalone admin token in
<data_dir>/admin-token.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import grpc
import yaml
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from smaug.v1 import (
    checkpoints_pb2_grpc,
    operation_logs_pb2_grpc,
    plans_pb2_grpc,
    protectables_pb2_grpc,
    providers_pb2_grpc,
    quotas_pb2_grpc,
    restores_pb2_grpc,
    scheduled_operations_pb2_grpc,
    services_pb2_grpc,
    triggers_pb2_grpc,
    verifications_pb2_grpc,
)

DEFAULT_API = "127.0.0.1:8790"

# Exit codes.
OK = 0
FAILURE = 1
USAGE = 2
NOT_FOUND = 3
INTERRUPTED = 130

Req = TypeVar("Req")
Resp = TypeVar("Resp")


class CliError(Exception):
    """An error to print (without a traceback) before exiting with ``code``."""

    def __init__(self, message: str, code: int = FAILURE, details: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []


def cli_config_path(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("SMAUG_CLI_CONFIG"):
        return Path(env["SMAUG_CLI_CONFIG"]).expanduser()
    base = Path(env.get("XDG_CONFIG_HOME") or "~/.config").expanduser()
    return base / "smaug" / "cli.yaml"


def read_cli_config(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, yaml.YAMLError) as error:
        raise CliError(f"cannot read {path}: {error}") from error
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise CliError(f"{path} must be a mapping (api: ADDR, token: TOKEN)")
    return loaded


def write_cli_config(path: Path, values: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        yaml.safe_dump(values, out, default_flow_style=False)
    os.replace(tmp, path)


@dataclass
class Settings:
    """Where the api is and how we authenticate; ``*_source`` says where each came from."""

    api: str
    token: str
    api_source: str
    token_source: str
    project: str = ""
    timeout: float = 30.0
    deployment: Any = field(default=None, repr=False)


def _local_deployment(config_file: str | None, data_dir: str | None) -> Any:
    """Smaug's own configuration (as `smaug up` would load it), or None when it is broken."""
    from smaug.deploy import config as config_module

    environ = dict(os.environ)
    if data_dir:
        environ["SMAUG_DATA_DIR"] = data_dir
    try:
        return config_module.load(config_file, environ)
    except (config_module.ConfigError, OSError):
        return None


def _connectable(listen: str) -> str:
    host, _, port = listen.rpartition(":")
    if host in ("0.0.0.0", "[::]", "::", ""):
        host = "127.0.0.1"
    return f"{host}:{port}"


def resolve_settings(
    api: str | None,
    token: str | None,
    config_file: str | None,
    data_dir: str | None,
    timeout: float = 30.0,
) -> Settings:
    saved_path = cli_config_path()
    saved = read_cli_config(saved_path)
    deployment = None
    if api:
        api_value, api_source = api, "--api"
    elif os.environ.get("SMAUG_API"):
        api_value, api_source = os.environ["SMAUG_API"], "SMAUG_API"
    elif saved.get("api"):
        api_value, api_source = str(saved["api"]), str(saved_path)
    else:
        deployment = _local_deployment(config_file, data_dir)
        listen = deployment.api.listen if deployment is not None else DEFAULT_API
        api_value, api_source = _connectable(listen), "local deployment"
    project = str(saved.get("project") or "")
    if token:
        token_value, token_source = token, "--token"
    elif os.environ.get("SMAUG_TOKEN"):
        token_value, token_source = os.environ["SMAUG_TOKEN"], "SMAUG_TOKEN"
    elif saved.get("token"):
        token_value, token_source = str(saved["token"]), str(saved_path)
    else:
        if deployment is None:
            deployment = _local_deployment(config_file, data_dir)
        token_value, token_source = "", "none"
        if deployment is not None:
            token_file = Path(deployment.data_dir) / "admin-token"
            try:
                token_value = token_file.read_text().strip()
                token_source = str(token_file)
                project = project or "admin"
            except OSError:
                token_source = f"none ({token_file} not readable)"
    return Settings(
        api=api_value,
        token=token_value,
        api_source=api_source,
        token_source=token_source,
        project=project,
        timeout=timeout,
        deployment=deployment,
    )


def _status_details(error: grpc.RpcError) -> list[Any] | None:
    """The google.rpc.Status details the server attached, or None when it attached none."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except (ValueError, AttributeError):
        return None
    if status is None:
        return None
    return list(status.details)


def describe_error(error: grpc.RpcError, settings: Settings) -> CliError:
    """A gRPC error as a message for people, with the matching exit code."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or str(code)
    details = _status_details(error)
    lines: list[str] = []
    for detail in details or []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            lines += [f"{v.field}: {v.description}" for v in bad.field_violations]
        elif detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(failure)
            lines += [
                f"{v.subject}: {v.description}"
                for v in failure.violations
                if v.description and v.description != message
            ]
        elif detail.Is(error_details_pb2.QuotaFailure.DESCRIPTOR):
            quota = error_details_pb2.QuotaFailure()
            detail.Unpack(quota)
            lines += [f"{v.subject}: {v.description}" for v in quota.violations]
    if code == grpc.StatusCode.UNAVAILABLE and details is None:
        return CliError(
            f"the Smaug api is not reachable at {settings.api} ({settings.api_source}): {message}",
            FAILURE,
            [
                "start Smaug on this machine with `smaug up` (or tools/up in a checkout),",
                "or point the CLI at a running api: --api HOST:PORT, SMAUG_API, or "
                "`smaug login --api HOST:PORT --token TOKEN`",
            ],
        )
    if code == grpc.StatusCode.UNAUTHENTICATED:
        lines.append(
            f"token from {settings.token_source}; give one with --token, SMAUG_TOKEN or "
            "`smaug login --token TOKEN`"
        )
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        lines.append(f"no answer within {settings.timeout:g} s (--timeout)")
    exit_code = NOT_FOUND if code == grpc.StatusCode.NOT_FOUND else FAILURE
    return CliError(f"{message} ({code.name})", exit_code, lines)


class Client:
    """One channel to the api with every smaug.v1 stub; ``call`` adds identity and deadline and
    turns errors into ``CliError``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.channel = grpc.insecure_channel(
            settings.api,
            options=[("grpc.max_receive_message_length", 64 * 1024 * 1024)],
        )
        self.metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {settings.token}"),) if settings.token else ()
        )
        self.plans = plans_pb2_grpc.PlanServiceStub(self.channel)
        self.checkpoints = checkpoints_pb2_grpc.CheckpointServiceStub(self.channel)
        self.restores = restores_pb2_grpc.RestoreServiceStub(self.channel)
        self.verifications = verifications_pb2_grpc.VerificationServiceStub(self.channel)
        self.providers = providers_pb2_grpc.ProviderServiceStub(self.channel)
        self.protectables = protectables_pb2_grpc.ProtectableServiceStub(self.channel)
        self.triggers = triggers_pb2_grpc.TriggerServiceStub(self.channel)
        self.scheduled_operations = scheduled_operations_pb2_grpc.ScheduledOperationServiceStub(
            self.channel
        )
        self.operation_logs = operation_logs_pb2_grpc.OperationLogServiceStub(self.channel)
        self.quotas = quotas_pb2_grpc.QuotaServiceStub(self.channel)
        self.services = services_pb2_grpc.ServiceRegistryServiceStub(self.channel)

    def close(self) -> None:
        self.channel.close()

    def error(self, error: grpc.RpcError) -> CliError:
        return describe_error(error, self.settings)

    def call(self, method: grpc.UnaryUnaryMultiCallable[Req, Resp], request: Req) -> Resp:
        try:
            return method(request, metadata=self.metadata, timeout=self.settings.timeout)
        except grpc.RpcError as error:
            raise self.error(error) from None

    def attempt(self, method: Any, request: Any) -> tuple[Any, grpc.StatusCode | None]:
        """Call; on an error answer (not a transport failure) return its code instead."""
        try:
            return method(request, metadata=self.metadata, timeout=self.settings.timeout), None
        except grpc.RpcError as error:
            code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
            if code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT) or (
                code == grpc.StatusCode.PERMISSION_DENIED
            ):
                return None, code
            raise self.error(error) from None

    def stream(self, method: grpc.UnaryStreamMultiCallable[Req, Resp], request: Req) -> Any:
        return method(request, metadata=self.metadata)

    def pages(
        self,
        method: grpc.UnaryUnaryMultiCallable[Req, Resp],
        request: Any,
        items: str,
        limit: int = 0,
    ) -> Iterator[Any]:
        """Every item of a paginated List call (at most ``limit`` when positive)."""
        count = 0
        request.page_size = min(limit, 1000) if 0 < limit < 1000 else 1000
        while True:
            reply: Any = self.call(method, request)
            for item in getattr(reply, items):
                yield item
                count += 1
                if limit and count >= limit:
                    return
            if not reply.next_page_token:
                return
            request.page_token = reply.next_page_token


def not_found(kind: str, name: str, hint: str = "") -> CliError:
    return CliError(f"{kind} {name} not found" + (f"; {hint}" if hint else ""), NOT_FOUND)


def find_by_id_or_name(
    client: Client,
    kind: str,
    key: str,
    get: Callable[[str], Any | None],
    listing: Callable[[], Iterator[Any]],
) -> Any:
    """Karbor's find_resource: by id first, then by exact name (which must be unique)."""
    found = get(key)
    if found is not None:
        return found
    matches = [item for item in listing() if getattr(item, "name", None) == key]
    if not matches:
        raise not_found(kind, key)
    if len(matches) > 1:
        ids = ", ".join(m.id for m in matches)
        raise CliError(f"{len(matches)} {kind}s are named {key!r} ({ids}); give the id", USAGE)
    return matches[0]
