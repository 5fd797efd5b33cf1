"""Section tokens: stateless capabilities naming what a plugin may touch in the bank.

A token is "v1.<payload>.<mac>": payload is base64url JSON {bank, checkpoint, section, ro, exp};
mac is HMAC-SHA256 over "v1.<payload>" with a secret shared by the protection replicas (from
configuration), so any replica can check a token another issued, and nobody without the secret
can widen one. Several secrets may be configured for rotation: the first signs, all verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from smaug.bank.errors import BankError
from smaug.bank.keys import validate_key

_VERSION = "v1"


@dataclass(frozen=True)
class SectionGrant:
    bank: str
    checkpoint_id: str
    section: str  # relative to the checkpoint, e.g. resources/<type>/<id>
    read_only: bool
    expires_at: float


class TokenError(BankError):
    """invalid: the token is malformed (INVALID_ARGUMENT); otherwise it is refused
    (PERMISSION_DENIED: bad signature, expired, unknown bank)."""

    def __init__(self, message: str, *, invalid: bool) -> None:
        super().__init__(message)
        self.invalid = invalid


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, signed: str) -> str:
    return _b64(hmac.new(secret, signed.encode(), hashlib.sha256).digest())


def issue_section_token(
    secret: bytes,
    *,
    bank: str,
    checkpoint_id: str,
    section: str,
    read_only: bool,
    ttl: float = 24 * 3600,
    now: float | None = None,
) -> str:
    """Sign a capability for one section of one checkpoint, valid for `ttl` seconds."""
    if len(secret) < 16:
        raise ValueError("section token secret must be at least 16 bytes")
    validate_key(checkpoint_id, field="checkpoint id")
    validate_key(section, field="section")
    payload = {
        "bank": bank,
        "checkpoint": checkpoint_id,
        "section": section,
        "ro": bool(read_only),
        "exp": round((time.time() if now is None else now) + ttl, 3),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    signed = f"{_VERSION}.{body}"
    return f"{signed}.{_mac(secret, signed)}"


class SectionTokenVerifier:
    def __init__(
        self, secrets: bytes | Sequence[bytes], *, clock: Callable[[], float] = time.time
    ) -> None:
        self._secrets = [secrets] if isinstance(secrets, bytes) else list(secrets)
        if not self._secrets:
            raise ValueError("SectionTokenVerifier needs at least one secret")
        self._clock = clock

    def __repr__(self) -> str:
        return f"SectionTokenVerifier({len(self._secrets)} secret(s))"

    def issue(self, **grant: object) -> str:
        """issue_section_token with the signing (first) secret."""
        return issue_section_token(self._secrets[0], **grant)  # type: ignore[arg-type]

    def verify(self, token: str) -> SectionGrant:
        if not token:
            raise TokenError(
                "section token is empty; pass the token from the hook's BankSection", invalid=True
            )
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != _VERSION:
            raise TokenError(
                "section token is malformed; pass the BankSection token unchanged", invalid=True
            )
        signed = f"{parts[0]}.{parts[1]}"
        if not any(hmac.compare_digest(_mac(s, signed), parts[2]) for s in self._secrets):
            raise TokenError(
                "section token signature does not verify: it was altered or signed with "
                "another secret",
                invalid=False,
            )
        try:
            payload = json.loads(_unb64(parts[1]))
            grant = SectionGrant(
                bank=str(payload["bank"]),
                checkpoint_id=str(payload["checkpoint"]),
                section=str(payload["section"]),
                read_only=bool(payload["ro"]),
                expires_at=float(payload["exp"]),
            )
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise TokenError("section token payload is malformed", invalid=True) from None
        if grant.expires_at <= self._clock():
            raise TokenError(
                f"section token for checkpoint {grant.checkpoint_id} expired at "
                f"{grant.expires_at:.0f}; ask for the operation to be retried",
                invalid=False,
            )
        return grant
