"""Keystone for the services of the mesh: where it is, Smaug's own service identity there, and
trusts, the delegation that lets scheduled operations act as their owner (as Karbor did).

A user creating a scheduled operation delegates their roles on their project to Smaug's service
user through a trust (impersonating, so OpenStack services see the owner). When the operation
runs, hours or months later, the scheduler trades the trust for a fresh token of the owner.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import grpc

from smaug.mesh.errors import RpcError

_TOKEN_MARGIN_SECONDS = 300.0  # trade a trust again this long before its token expires


@dataclass(frozen=True)
class KeystoneSettings:
    """Keystone's address and Smaug's service user there (SMAUG_KEYSTONE_* variables)."""

    auth_url: str
    username: str
    password: str
    project_name: str
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> KeystoneSettings | None:
        env = os.environ if environ is None else environ
        url = env.get("SMAUG_KEYSTONE_AUTH_URL", "")
        if not url:
            return None
        return cls(
            auth_url=url.rstrip("/"),
            username=env.get("SMAUG_KEYSTONE_USERNAME", "smaug"),
            password=env.get("SMAUG_KEYSTONE_PASSWORD", ""),
            project_name=env.get("SMAUG_KEYSTONE_PROJECT_NAME", "service"),
            user_domain_name=env.get("SMAUG_KEYSTONE_USER_DOMAIN_NAME", "Default"),
            project_domain_name=env.get("SMAUG_KEYSTONE_PROJECT_DOMAIN_NAME", "Default"),
        )

    @property
    def v3_url(self) -> str:
        return self.auth_url if self.auth_url.endswith("/v3") else self.auth_url + "/v3"

    def service_session(self) -> Any:
        """A keystoneauth session of Smaug's service user, scoped to its project."""
        from keystoneauth1 import session
        from keystoneauth1.identity import v3

        auth = v3.Password(
            auth_url=self.v3_url,
            username=self.username,
            password=self.password,
            project_name=self.project_name,
            user_domain_name=self.user_domain_name,
            project_domain_name=self.project_domain_name,
        )
        return session.Session(auth=auth, timeout=10)


def _keystone_unavailable(what: str, error: BaseException) -> RpcError:
    return RpcError(grpc.StatusCode.UNAVAILABLE, f"Keystone cannot {what} now: {error}")


class Trusts:
    """Create, delete and redeem trusts from users to Smaug's service user. Blocking calls:
    run them in a thread from asyncio code."""

    def __init__(self, settings: KeystoneSettings) -> None:
        self.settings = settings
        self._session = settings.service_session()
        self._tokens: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def create(self, user_token: str, user_id: str, project_id: str, roles: Sequence[str]) -> str:
        """A trust from the caller (their token) to Smaug's service user on ``project_id``
        with ``roles``; returns its id."""
        from keystoneauth1 import exceptions as ks_exceptions

        try:
            trustee = self._session.get_user_id()
            body = {
                "trust": {
                    "trustor_user_id": user_id,
                    "trustee_user_id": trustee,
                    "project_id": project_id,
                    "impersonation": True,
                    "roles": [{"name": role} for role in roles],
                }
            }
            response = self._session.post(
                f"{self.settings.v3_url}/OS-TRUST/trusts",
                json=body,
                headers={"X-Auth-Token": user_token},
                authenticated=False,
                raise_exc=False,
            )
        except ks_exceptions.ClientException as error:
            raise _keystone_unavailable("create the scheduled operation's trust", error) from None
        if response.status_code != 201:
            raise RpcError(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"Keystone refused to create the trust a scheduled operation needs "
                f"({response.status_code}: {_keystone_message(response)}); the caller must "
                "hold the roles it delegates and Smaug's service user must exist",
            )
        return str(response.json()["trust"]["id"])

    def delete(self, trust_id: str, user_token: str = "") -> bool:
        """Delete a trust (as its trustor when ``user_token`` is theirs, else as the service
        user, which Keystone allows to admins); False when Keystone refused."""
        from keystoneauth1 import exceptions as ks_exceptions

        with self._lock:
            self._tokens.pop(trust_id, None)
        url = f"{self.settings.v3_url}/OS-TRUST/trusts/{trust_id}"
        try:
            if user_token:
                response = self._session.delete(
                    url,
                    headers={"X-Auth-Token": user_token},
                    authenticated=False,
                    raise_exc=False,
                )
                if response.status_code in (204, 404):
                    return True
            response = self._session.delete(url, raise_exc=False)
        except ks_exceptions.ClientException:
            return False
        return bool(response.status_code in (204, 404))

    def token(self, trust_id: str) -> str:
        """A token of the trust's owner (impersonated), scoped to the trust's project."""
        from keystoneauth1 import exceptions as ks_exceptions
        from keystoneauth1 import session
        from keystoneauth1.identity import v3

        now = time.monotonic()
        with self._lock:
            cached = self._tokens.get(trust_id)
        if cached and cached[0] > now:
            return cached[1]
        auth = v3.Password(
            auth_url=self.settings.v3_url,
            username=self.settings.username,
            password=self.settings.password,
            user_domain_name=self.settings.user_domain_name,
            trust_id=trust_id,
        )
        try:
            access = auth.get_access(session.Session(timeout=10))
        except ks_exceptions.Unauthorized:
            raise RpcError(
                grpc.StatusCode.FAILED_PRECONDITION,
                f"trust {trust_id} no longer grants access (revoked, or its owner lost the "
                "roles); recreate the scheduled operation",
            ) from None
        except ks_exceptions.ClientException as error:
            raise _keystone_unavailable("redeem the scheduled operation's trust", error) from None
        token = str(access.auth_token)
        lifetime = (access.expires.timestamp() - time.time()) if access.expires else 3600.0
        with self._lock:
            self._tokens[trust_id] = (now + max(lifetime - _TOKEN_MARGIN_SECONDS, 30.0), token)
        return token


def _keystone_message(response: Any) -> str:
    try:
        return str(response.json()["error"]["message"])[:300]
    except Exception:
        return str(response.text)[:300]
