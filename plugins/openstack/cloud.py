"""Reaching OpenStack as the caller: an openstacksdk connection per caller token.

Settings (JSON in SMAUG_PLUGIN_CONFIG, as for every plugin): ``auth_url`` (Keystone, e.g.
http://keystone:5000/v3; default from SMAUG_OPENSTACK_AUTH_URL), ``region_name``, ``interface``
(public), ``cacert`` (a CA bundle path) or ``insecure`` (true skips TLS checks),
``status_timeout_seconds`` (how long to wait for one status transition; 600) and
``poll_seconds`` (1).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar

import grpc
from keystoneauth1 import access
from keystoneauth1.identity import base as identity_base

from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import PluginError, ResourcePlugin

T = TypeVar("T")
_CONNECTION_SECONDS = 300.0  # reuse a caller's connection this long (tokens outlive it)
_MAX_CONNECTIONS = 256


@dataclass(frozen=True)
class CloudSettings:
    """Where Keystone is and how patient to be with the services."""

    auth_url: str
    region_name: str = ""
    interface: str = "public"
    verify: bool | str = True
    status_timeout_seconds: float = 600.0
    poll_seconds: float = 1.0

    @classmethod
    def load(cls, environ: dict[str, str] | None = None) -> CloudSettings:
        env = dict(os.environ if environ is None else environ)
        raw: dict[str, Any] = json.loads(env.get("SMAUG_PLUGIN_CONFIG") or "{}")
        auth_url = str(raw.get("auth_url") or env.get("SMAUG_OPENSTACK_AUTH_URL", ""))
        verify: bool | str = True
        if raw.get("cacert"):
            verify = str(raw["cacert"])
        elif raw.get("insecure"):
            verify = False
        return cls(
            auth_url=auth_url.rstrip("/"),
            region_name=str(raw.get("region_name", "")),
            interface=str(raw.get("interface", "public")),
            verify=verify,
            status_timeout_seconds=float(raw.get("status_timeout_seconds", 600)),
            poll_seconds=float(raw.get("poll_seconds", 1.0)),
        )

    @property
    def keystone_v3(self) -> str:
        return self.auth_url if self.auth_url.endswith("/v3") else self.auth_url + "/v3"


class Cloud:
    """Connections to OpenStack, one per caller token, reused briefly."""

    def __init__(self, settings: CloudSettings | None = None) -> None:
        self.settings = settings or CloudSettings.load()
        self._connections: dict[str, tuple[float, Any]] = {}

    def connection(self, context: plugin_pb2.CallContext) -> Any:
        """An ``openstack.connection.Connection`` acting as the caller, scoped to their project."""
        if not self.settings.auth_url:
            raise PluginError(
                "the OpenStack plugin has no Keystone address: set auth_url in its settings "
                "(or SMAUG_OPENSTACK_AUTH_URL)"
            )
        if not context.auth_token:
            raise PluginError(
                "the call carries no Keystone token, and OpenStack plugins act only as the caller:"
                " run the api in Keystone mode (SMAUG_KEYSTONE_AUTH_URL) and call it with a"
                " Keystone token",
                grpc.StatusCode.UNAUTHENTICATED,
            )
        key = hashlib.sha256(f"{context.project_id}\0{context.auth_token}".encode()).hexdigest()
        now = time.monotonic()
        cached = self._connections.get(key)
        if cached and cached[0] > now:
            return cached[1]
        connection = self._connect(context)
        if len(self._connections) >= _MAX_CONNECTIONS:
            self._connections.clear()
        self._connections[key] = (now + _CONNECTION_SECONDS, connection)
        return connection

    def _connect(self, context: plugin_pb2.CallContext) -> Any:
        import openstack.connection
        from keystoneauth1 import session

        auth = CallerToken(self.settings.keystone_v3, context.auth_token, context.project_id)
        keystone_session = session.Session(auth=auth, verify=self.settings.verify)
        options: dict[str, Any] = {"interface": self.settings.interface}
        if self.settings.region_name:
            options["region_name"] = self.settings.region_name
        return openstack.connection.Connection(session=keystone_session, **options)


class CallerToken(identity_base.BaseIdentityPlugin):
    """The caller's own token, used as it is. Keystone refuses to mint new tokens from a
    trust-scoped one (scheduled runs), and to validate one to anybody but services, so the
    plugin only asks, with the token itself, for the service catalog (on first use, in a
    worker thread like every SDK call). An expired token surfaces as Keystone's 401."""

    def __init__(self, auth_url: str, token: str, project_id: str) -> None:
        super().__init__(auth_url=auth_url, reauthenticate=False)
        self._token = token
        self._project_id = project_id

    def get_auth_ref(self, session: Any, **kwargs: Any) -> Any:
        response = session.get(
            f"{self.auth_url}/auth/catalog",
            headers={"X-Auth-Token": self._token},
            authenticated=False,
        )
        # The token's own expiry is not visible without validating it; connections are
        # short-lived (see _CONNECTION_SECONDS), so an hour only bounds this cache entry.
        expires = datetime.now(UTC) + timedelta(hours=1)
        body = {
            "token": {
                "methods": ["token"],
                "catalog": response.json().get("catalog", []),
                "project": {"id": self._project_id},
                "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
            }
        }
        return access.AccessInfoV3(body, auth_token=self._token)


async def call(what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking openstacksdk call in a thread; its errors become PluginErrors that carry
    the service's own message, prefixed with ``what`` was being done."""
    try:
        return await asyncio.to_thread(function, *args, **kwargs)
    except PluginError:
        raise
    except Exception as error:  # openstacksdk and keystoneauth raise many kinds
        raise cloud_error(what, error) from None


def cloud_error(what: str, error: BaseException) -> PluginError:
    """Translate an openstacksdk / keystoneauth error into the status a caller can act on."""
    from keystoneauth1 import exceptions as ks_exceptions
    from openstack import exceptions as os_exceptions

    if isinstance(error, os_exceptions.NotFoundException):
        return PluginError(
            f"{what}: not found ({service_message(error)})", grpc.StatusCode.NOT_FOUND
        )
    if isinstance(error, os_exceptions.ForbiddenException):
        return PluginError(
            f"{what}: forbidden by OpenStack ({service_message(error)})",
            grpc.StatusCode.PERMISSION_DENIED,
        )
    if isinstance(error, ks_exceptions.Unauthorized) or (
        isinstance(error, os_exceptions.HttpException) and error.status_code == 401
    ):
        return PluginError(
            f"{what}: Keystone refused the caller's token; it may have expired",
            grpc.StatusCode.UNAUTHENTICATED,
        )
    if isinstance(error, os_exceptions.BadRequestException):
        return PluginError(f"{what}: {service_message(error)}", grpc.StatusCode.INVALID_ARGUMENT)
    if isinstance(error, os_exceptions.ConflictException):
        return PluginError(f"{what}: {service_message(error)}", grpc.StatusCode.FAILED_PRECONDITION)
    if isinstance(error, os_exceptions.HttpException):
        return PluginError(f"{what}: {service_message(error)}", grpc.StatusCode.UNAVAILABLE)
    if isinstance(error, (ks_exceptions.ConnectFailure, ks_exceptions.EndpointNotFound)):
        return PluginError(f"{what}: cannot reach OpenStack ({error})", grpc.StatusCode.UNAVAILABLE)
    return PluginError(f"{what}: {type(error).__name__}: {error}", grpc.StatusCode.UNKNOWN)


def service_message(error: BaseException) -> str:
    """The message the OpenStack service itself gave, without the SDK's request dump."""
    details = getattr(error, "details", None)
    if details:
        return str(details)
    message = getattr(error, "message", None) or str(error)
    return str(message).strip()


class OpenStackPlugin(ResourcePlugin):
    """Base of the OpenStack resource plugins: a shared ``Cloud`` for connections."""

    cloud: ClassVar[Cloud | None] = None

    def __init__(self) -> None:
        if OpenStackPlugin.cloud is None:
            OpenStackPlugin.cloud = Cloud()
        self._cloud = OpenStackPlugin.cloud

    def connection(self, context: plugin_pb2.CallContext) -> Any:
        """The caller's connection. Its service proxies (``.compute``, ``.block_storage``...)
        talk to Keystone on first use: touch them inside ``call`` (a lambda), not on the event
        loop."""
        return self._cloud.connection(context)

    def translate_error(self, error: BaseException) -> PluginError | None:
        """An OpenStack error escaping a hook outside ``call`` still reaches the user with the
        service's message."""
        module = type(error).__module__
        if module.startswith(("openstack", "keystoneauth1")):
            return cloud_error("OpenStack", error)
        return None

    @property
    def settings(self) -> CloudSettings:
        return self._cloud.settings
