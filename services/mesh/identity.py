"""Who a call is for, carried between the services of the mesh.

The api authenticates the caller (Keystone or its own tokens) and forwards work to the other
services with an identity assertion in the ``x-smaug-identity`` metadata entry: the identity as
JSON, base64url-encoded, then ``.`` and an HMAC-SHA256 signature under the mesh secret (the
``protection.section_secret`` setting every replica shares). Services behind the api trust only a
correctly signed, unexpired assertion, so reaching their port is not enough to act for a project.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import grpc

from smaug.mesh.errors import RpcError

METADATA_KEY = "x-smaug-identity"
LIFETIME_SECONDS = 300


@dataclass(frozen=True)
class Identity:
    """An authenticated caller."""

    user_id: str
    project_id: str
    roles: tuple[str, ...] = ()
    # Keystone token (or other cloud credential) that plugins may use for the caller; not logged.
    auth_token: str = field(default="", repr=False)
    request_id: str = ""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(identity: Identity, secret: str, now: float | None = None) -> str:
    """The assertion for ``identity``, valid for LIFETIME_SECONDS."""
    body = {
        "user_id": identity.user_id,
        "project_id": identity.project_id,
        "roles": list(identity.roles),
        "auth_token": identity.auth_token,
        "request_id": identity.request_id,
        "expires": int((now or time.time()) + LIFETIME_SECONDS),
    }
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return f"{payload}.{_b64(mac)}"


def verify(assertion: str, secret: str, now: float | None = None) -> Identity:
    """The identity in a signed assertion; RpcError UNAUTHENTICATED when it is not valid."""
    payload, _, signature = assertion.partition(".")
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    try:
        valid = hmac.compare_digest(expected, _unb64(signature))
        body = json.loads(_unb64(payload)) if valid else {}
    except ValueError:
        valid = False
    if not valid:
        raise RpcError(
            grpc.StatusCode.UNAUTHENTICATED,
            "identity assertion is not signed by this mesh; call the api, not the service behind",
        )
    if body["expires"] < (now or time.time()):
        raise RpcError(grpc.StatusCode.UNAUTHENTICATED, "identity assertion expired; retry")
    return Identity(
        user_id=body["user_id"],
        project_id=body["project_id"],
        roles=tuple(body["roles"]),
        auth_token=body["auth_token"],
        request_id=body["request_id"],
    )


def metadata(identity: Identity, secret: str) -> tuple[tuple[str, str], ...]:
    """Call metadata carrying ``identity`` to a service behind the api."""
    return ((METADATA_KEY, sign(identity, secret)),)


def from_context(
    invocation_metadata: Sequence[tuple[str, str | bytes]] | None, secret: str
) -> Identity:
    """Server side: the caller's identity from the call's metadata."""
    for key, value in invocation_metadata or ():
        if key == METADATA_KEY:
            return verify(value if isinstance(value, str) else value.decode(), secret)
    raise RpcError(
        grpc.StatusCode.UNAUTHENTICATED,
        f"missing {METADATA_KEY}: services behind the api take calls only from the mesh",
    )
