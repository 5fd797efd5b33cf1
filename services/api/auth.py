"""Who is calling: bearer tokens checked against Keystone or the store's standalone users.

Clients send ``authorization: Bearer <token>`` (or ``x-auth-token: <token>``, as Karbor clients
do). Services of the mesh (the scheduler, acting for a scheduled operation's owner) send instead
a signed ``x-smaug-identity`` assertion (``smaug.mesh.identity``) under the mesh secret; such an
identity carries the role ``SERVICE_ROLE``, which tokens can never grant.

With Keystone configured (``SMAUG_KEYSTONE_AUTH_URL`` and service credentials, see
``KeystoneSettings.from_env``) the token is validated with ``GET /v3/auth/tokens``; otherwise it
must be a token issued by ``smaug.store.identities``. Validations are cached briefly.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Sequence
from typing import Any

import grpc

from smaug.mesh import identity as mesh_identity
from smaug.mesh.errors import RpcError
from smaug.mesh.identity import Identity
from smaug.mesh.keystone import KeystoneSettings
from smaug.store import identities
from smaug.store.db import Store

CACHE_SECONDS = 30.0
# Marks an identity asserted by a service of the mesh (never granted through a token).
SERVICE_ROLE = "smaug:service"
_MAX_CACHE = 10_000


def _unauthenticated(message: str) -> RpcError:
    return RpcError(grpc.StatusCode.UNAUTHENTICATED, message)


def token_from_metadata(metadata: Sequence[tuple[str, str | bytes]] | None) -> str:
    for key, value in metadata or ():
        text = value.decode(errors="replace") if isinstance(value, bytes) else value
        if key == "authorization":
            scheme, _, token = text.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            raise _unauthenticated("authorization metadata must be `Bearer <token>`")
        if key == "x-auth-token" and text.strip():
            return text.strip()
    raise _unauthenticated(
        "no credentials: send metadata `authorization: Bearer <token>` (standalone tokens: "
        "{data_dir}/admin-token, or `smaug` user commands)"
    )


def request_id_from_metadata(metadata: Sequence[tuple[str, str | bytes]] | None) -> str:
    for key, value in metadata or ():
        if key in ("x-request-id", "x-openstack-request-id"):
            text = value.decode(errors="replace") if isinstance(value, bytes) else value
            return text[:255]
    return f"req-{uuid.uuid4()}"


class KeystoneValidator:
    """Validates user tokens with the service's own Keystone session."""

    def __init__(self, settings: KeystoneSettings) -> None:
        self._session = settings.service_session()
        self._url = settings.v3_url + "/auth/tokens"

    def validate(self, token: str) -> Identity:
        from keystoneauth1 import exceptions as ks_exceptions

        try:
            response = self._session.get(
                self._url, headers={"X-Subject-Token": token}, raise_exc=False
            )
        except ks_exceptions.ClientException as error:
            raise RpcError(
                grpc.StatusCode.UNAVAILABLE, f"Keystone cannot validate tokens now: {error}"
            ) from None
        if response.status_code in (401, 403, 404):
            raise _unauthenticated("the token is not valid (Keystone refused it)")
        if response.status_code != 200:
            raise RpcError(
                grpc.StatusCode.UNAVAILABLE,
                f"Keystone answered {response.status_code} validating the token; retry",
            )
        body: dict[str, Any] = response.json().get("token", {})
        project = body.get("project") or {}
        if not project.get("id"):
            raise _unauthenticated("the token is not scoped to a project; use a project token")
        return Identity(
            user_id=str((body.get("user") or {}).get("id", "")),
            project_id=str(project["id"]),
            roles=tuple(str(r.get("name", "")) for r in body.get("roles") or ()),
            auth_token=token,
        )


class Authenticator:
    """Turns call metadata into an Identity (UNAUTHENTICATED when it cannot)."""

    def __init__(
        self, store: Store, keystone: KeystoneSettings | None = None, mesh_secret: str = ""
    ) -> None:
        self.store = store
        self.mesh_secret = mesh_secret
        self.keystone = KeystoneValidator(keystone) if keystone else None
        self._cache: dict[str, tuple[float, Identity]] = {}

    async def identify(self, metadata: Sequence[tuple[str, str | bytes]] | None) -> Identity:
        if self.mesh_secret and any(k == mesh_identity.METADATA_KEY for k, _ in metadata or ()):
            # A service of the mesh acting for a user; the assertion is checked, not trusted.
            asserted = mesh_identity.from_context(metadata, self.mesh_secret)
            roles = (
                asserted.roles
                if SERVICE_ROLE in asserted.roles
                else (
                    *asserted.roles,
                    SERVICE_ROLE,
                )
            )
            return Identity(
                asserted.user_id,
                asserted.project_id,
                roles,
                asserted.auth_token,
                asserted.request_id or request_id_from_metadata(metadata),
            )
        token = token_from_metadata(metadata)
        request_id = request_id_from_metadata(metadata)
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        cached = self._cache.get(key)
        if cached and cached[0] > now:
            identity = cached[1]
        else:
            identity = await asyncio.to_thread(self._validate, token)
            if len(self._cache) > _MAX_CACHE:
                self._cache.clear()
            self._cache[key] = (now + CACHE_SECONDS, identity)
        roles = tuple(r for r in identity.roles if r != SERVICE_ROLE)
        return Identity(
            identity.user_id, identity.project_id, roles, identity.auth_token, request_id
        )

    def _validate(self, token: str) -> Identity:
        if self.keystone is not None:
            return self.keystone.validate(token)
        if len(token) > 512:
            raise _unauthenticated("the token is not valid")
        with self.store.read() as session:
            user = identities.authenticate(session, token)
        if user is None:
            raise _unauthenticated("the token is not valid; ask an admin for a new one")
        return Identity(user_id=user.user_id, project_id=user.project_id, roles=user.roles)

    def forget(self) -> None:
        self._cache.clear()
