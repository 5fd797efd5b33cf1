"""Bank accounts in the protection service: the bank each project's checkpoints live in.

A project's checkpoints on a provider live in its bank account (a ``bank_accounts`` row) when it
has one, else in the provider's shared bank; a provider with ``accounts: required`` has no shared
bank for them. ``BankAccounts`` resolves that on every call (the row is read each time, so an
admin's change applies to the next call on every replica), opens each bank once and keeps it
open, holds this service's lease in it (so the reaper of any replica can judge this service's
checkpoints there), and keeps the live name -> bank map the Bank service checks section tokens
against.

Names of banks in section tokens: the provider id for a shared bank, and
``<provider>/<project>/<digest of the location>`` for an account, so neither a token nor the Bank
service's memory of which chunks a bank holds can ever reach another location, even after an
account moved.

Each account's data is sealed under its own key when the provider's bank is encrypted: BLAKE3's
key derivation over the provider's key and the account's (provider, project). The S3 secret of an
account is kept in the store only sealed (AES-256-GCM) under a key derived from the mesh secret,
bound to its account, and is never returned by the API.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from typing import Any

import blake3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from smaug.bank.bank import Bank
from smaug.bank.config import open_bank
from smaug.bank.leases import LeaseKeeper
from smaug.deploy.config import ProviderConfig
from smaug.mesh.errors import RpcError, failed_precondition
from smaug.protection.providers import Provider, ProviderRegistry
from smaug.protection.records import Records
from smaug.store.accounts import Account, uri

log = logging.getLogger(__name__)

ACCOUNT_KEY_CONTEXT = "smaug.bank 2025 account key"
SECRET_CONTEXT = "smaug.protection 2025 bank account secrets"
# Settings of the provider's bank that say where and as whom; an account brings its own.
_LOCATION_SETTINGS = frozenset(
    {
        "path",
        "bucket",
        "prefix",
        "create_bucket",
        "access_key",
        "secret_key",
        "session_token",
        "encryption_key",
    }
)


# -- keys and secrets ------------------------------------------------------------------------------
def _key_material(text: str) -> bytes:
    """The provider's encryption key: base64 of 32 bytes, or env:VARIABLE holding that."""
    if text.startswith("env:"):
        value = os.environ.get(text[4:])
        if not value:
            raise ValueError(f"bank encryption key variable {text[4:]} is not set")
        text = value
    try:
        material = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the provider's bank encryption key is not valid base64") from None
    if len(material) != 32:
        raise ValueError("the provider's bank encryption key must be 32 bytes")
    return material


def account_key(provider_key: str, provider_id: str, project_id: str) -> str:
    """The account's own encryption key (base64), derived from the provider's."""
    material = _key_material(provider_key)
    account = f"{provider_id}\0{project_id}".encode()  # ids never hold control characters
    derived = blake3.blake3(material + b"\0" + account, derive_key_context=ACCOUNT_KEY_CONTEXT)
    return base64.b64encode(derived.digest()).decode()


class SecretUnreadable(Exception):
    """A sealed account secret does not open: the mesh secret changed, or the row was edited."""


class SecretBox:
    """Seals account secrets for the store under a key derived from the mesh secret; each seal
    is bound to its account, so a sealed secret copied to another row does not open."""

    def __init__(self, mesh_secret: str) -> None:
        key = blake3.blake3(mesh_secret.encode(), derive_key_context=SECRET_CONTEXT).digest()
        self._aead = AESGCM(key)

    @staticmethod
    def _bound(provider_id: str, project_id: str) -> bytes:
        return f"bank account\0{provider_id}\0{project_id}".encode()

    def seal(self, secret: str, provider_id: str, project_id: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), self._bound(provider_id, project_id))
        return "v1." + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, sealed: str, provider_id: str, project_id: str) -> str:
        try:
            version, _, body = sealed.partition(".")
            raw = base64.urlsafe_b64decode(body.encode())
            if version != "v1" or len(raw) < 28:
                raise ValueError(sealed[:3])
            plain = self._aead.decrypt(raw[:12], raw[12:], self._bound(provider_id, project_id))
            return plain.decode()
        except (InvalidTag, ValueError, binascii.Error):
            raise SecretUnreadable(
                f"the stored secret of the bank account of project {project_id} on provider "
                f"{provider_id} does not open (was protection.section_secret changed?); an "
                "admin sets the account's credentials again with SetBankAccount"
            ) from None


# -- locations -------------------------------------------------------------------------------------
def s3_endpoint(config: ProviderConfig) -> str:
    value = config.bank.get("endpoint") or os.environ.get("AWS_ENDPOINT_URL") or "aws"
    return str(value).rstrip("/").lower()


def normal_prefix(prefix: str) -> str:
    """'' (the whole bucket) or segments ending in '/'."""
    stripped = prefix.strip("/")
    return stripped + "/" if stripped else ""


@dataclass(frozen=True)
class Location:
    """Where a bank keeps its objects, comparable across providers: ("s3", endpoint, bucket,
    prefix) or ("filesystem", path)."""

    kind: str
    parts: tuple[str, ...]

    def overlaps(self, other: Location) -> bool:
        if self.kind != other.kind:
            return False
        if self.kind == "s3":
            if self.parts[:2] != other.parts[:2]:
                return False
            mine, theirs = self.parts[2], other.parts[2]
            return mine.startswith(theirs) or theirs.startswith(mine)
        mine, theirs = self.parts[0], other.parts[0]
        return os.path.commonpath([mine, theirs]) in (mine, theirs)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps([self.kind, *self.parts]).encode()).hexdigest()[:16]


def account_location(config: ProviderConfig, account: Account) -> Location:
    if account.backend == "s3":
        return Location(
            "s3",
            (
                s3_endpoint(config),
                account.location.get("bucket", ""),
                normal_prefix(account.location.get("prefix", "")),
            ),
        )
    return Location("filesystem", (os.path.normpath(account.location.get("path", "")),))


def shared_location(config: ProviderConfig) -> Location | None:
    """The provider's shared bank, when projects may use it (``accounts: optional``)."""
    if config.accounts_required:
        return None
    bank = config.bank
    if bank.get("backend") == "s3" and bank.get("bucket"):
        prefix = normal_prefix(str(bank.get("prefix", "")))
        return Location("s3", (s3_endpoint(config), str(bank["bucket"]), prefix))
    if bank.get("backend", "filesystem") == "filesystem" and bank.get("path"):
        return Location("filesystem", (os.path.normpath(str(bank["path"])),))
    return None


def account_settings(config: ProviderConfig, account: Account, secret: str) -> dict[str, Any]:
    """open_bank settings of an account: the provider's bank settings (endpoint, region,
    tuning) with the account's location, credentials and key."""
    settings = {k: v for k, v in config.bank.items() if k not in _LOCATION_SETTINGS}
    settings["name"] = f"{config.name}/{account.project_id}"
    if account.backend == "s3":
        settings["bucket"] = account.location.get("bucket", "")
        settings["prefix"] = account.location.get("prefix", "")
        settings["create_bucket"] = False  # account keys rarely may; the bucket must exist
        if account.access_key_id:
            settings["access_key"] = account.access_key_id
            settings["secret_key"] = secret
        else:
            for name in ("access_key", "secret_key", "session_token"):
                if config.bank.get(name):
                    settings[name] = config.bank[name]
    else:
        settings["path"] = account.location.get("path", "")
    if config.bank.get("encryption_key"):
        settings["encryption_key"] = account_key(
            str(config.bank["encryption_key"]), config.id, account.project_id
        )
    return settings


# -- opened banks ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountBank:
    """An opened bank holding some project's checkpoints on one provider."""

    key: str  # names the bank in section tokens
    bank: Bank
    provider: Provider
    project_id: str | None  # the account's project; None for the provider's shared bank
    uri: str

    def describe(self) -> str:
        name = f"provider {self.provider.config.name} ({self.provider.id})"
        if self.project_id is None:
            return f"the shared bank of {name} at {self.uri}"
        return f"the bank account of project {self.project_id} on {name} at {self.uri}"


@dataclass
class _Held:
    fingerprint: str
    handle: AccountBank
    keeper: LeaseKeeper


def no_account(provider: Provider, project_id: str) -> RpcError:
    return failed_precondition(
        f"project {project_id} has no bank account on provider {provider.config.name} "
        f"({provider.id}), which requires one to protect; an admin assigns it with "
        f"SetBankAccount (smaug provider account set {provider.id} {project_id} ...)",
        subject=f"provider/{provider.id}",
        kind="BANK_ACCOUNT_REQUIRED",
    )


def unusable(provider: Provider, account: Account, error: BaseException) -> RpcError:
    return failed_precondition(
        f"the bank account of project {account.project_id} on provider {provider.config.name} "
        f"({uri(account)}) cannot be opened: {error}; an admin fixes its location or "
        "credentials with SetBankAccount",
        subject=f"provider/{provider.id}/bank_accounts/{account.project_id}",
        kind="BANK_ACCOUNT_UNUSABLE",
    )


class BankAccounts:
    """Resolves, opens and keeps the banks of every provider and account this service uses."""

    def __init__(
        self,
        registry: ProviderRegistry,
        records: Records,
        secrets: SecretBox,
        owner: str,
        lease_ttl: float,
    ) -> None:
        self.registry = registry
        self.records = records
        self.secrets = secrets
        self.owner = owner
        self.lease_ttl = lease_ttl
        #: Every bank opened, by its name in section tokens (the Bank service reads it live).
        self.banks: dict[str, Bank] = {}
        self._held: dict[str, _Held] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        # Banks replaced by newer credentials: operations may still use them; closed at the end.
        self._retired: list[_Held] = []

    async def start(self) -> None:
        """Open the shared bank of every provider whose projects may use it, so a misconfigured
        bank stops the service at start-up as before accounts existed."""
        for provider in self.registry.providers.values():
            if not provider.config.accounts_required:
                await self.shared(provider)

    # -- resolving ---------------------------------------------------------------------------
    async def shared(self, provider: Provider) -> AccountBank:
        held = self._held.get(provider.id)
        if held is not None:
            return held.handle
        async with self._locks.setdefault(provider.id, asyncio.Lock()):
            held = self._held.get(provider.id)
            if held is None:
                bank = await provider.bank()
                handle = AccountBank(provider.id, bank, provider, None, bank.backend.location)
                held = await self._hold(handle, "shared")
            return held.handle

    async def of(self, provider: Provider, project_id: str) -> AccountBank | None:
        """The bank holding ``project_id``'s checkpoints on ``provider``: its account, else the
        shared bank; None when it has no account and the provider requires one."""
        account = await self.records.account(provider.id, project_id)
        if account is None:
            return None if provider.config.accounts_required else await self.shared(provider)
        return await self.open_account(provider, account)

    async def to_write(self, provider: Provider, project_id: str) -> AccountBank:
        """The bank new checkpoints of ``project_id`` go to; FAILED_PRECONDITION saying how to
        fix it when the provider requires an account and the project has none."""
        found = await self.of(provider, project_id)
        if found is None:
            raise no_account(provider, project_id)
        return found

    async def every(self, provider: Provider) -> list[AccountBank]:
        """The shared bank (when used) and every account of ``provider``; accounts that cannot
        be opened are logged and left out."""
        found = [] if provider.config.accounts_required else [await self.shared(provider)]
        for account in await self.records.accounts(provider.id):
            try:
                found.append(await self.open_account(provider, account))
            except RpcError as error:
                log.warning(
                    "skipping a bank account that cannot be opened",
                    extra={"provider": provider.id, "project": account.project_id},
                    exc_info=error,
                )
        return found

    def opened(self) -> list[AccountBank]:
        return [held.handle for held in self._held.values()]

    # -- opening -----------------------------------------------------------------------------
    def settings_of(self, provider: Provider, account: Account) -> dict[str, Any]:
        secret = ""
        if account.sealed_secret:
            secret = self.secrets.open(account.sealed_secret, provider.id, account.project_id)
        return account_settings(provider.config, account, secret)

    @staticmethod
    def key_of(provider: Provider, account: Account) -> str:
        location = account_location(provider.config, account)
        return f"{provider.id}/{account.project_id}/{location.digest()}"

    async def open_account(self, provider: Provider, account: Account) -> AccountBank:
        """The opened bank of ``account``, opening it (or reopening it with new credentials)
        when needed; FAILED_PRECONDITION when it cannot be opened."""
        try:
            settings = self.settings_of(provider, account)
        except (SecretUnreadable, ValueError) as error:
            raise unusable(provider, account, error) from None
        fingerprint = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
        key = self.key_of(provider, account)
        held = self._held.get(key)
        if held is not None and held.fingerprint == fingerprint:
            return held.handle
        async with self._locks.setdefault(key, asyncio.Lock()):
            held = self._held.get(key)
            if held is not None and held.fingerprint == fingerprint:
                return held.handle
            try:
                bank = await asyncio.to_thread(open_bank, settings)
            except Exception as error:  # storage errors of every kind: say what it answered
                raise unusable(provider, account, error) from None
            handle = AccountBank(key, bank, provider, account.project_id, uri(account))
            try:
                return (await self._hold(handle, fingerprint)).handle
            except BaseException:
                await asyncio.to_thread(bank.close)
                raise

    async def _hold(self, handle: AccountBank, fingerprint: str) -> _Held:
        """Keep ``handle`` (replacing an older bank of the same location) with our lease in it."""
        keeper = LeaseKeeper(handle.bank.leases, self.owner, self.owner, self.lease_ttl)
        try:
            await keeper.start()
        except Exception as error:
            if handle.project_id is None:
                raise
            raise failed_precondition(
                f"cannot hold a lease in {handle.describe()}: {error}; check that the "
                "account's credentials may write there",
                subject=f"provider/{handle.provider.id}/bank_accounts/{handle.project_id}",
                kind="BANK_ACCOUNT_UNUSABLE",
            ) from None
        held = _Held(fingerprint, handle, keeper)
        older = self._held.get(handle.key)
        self._held[handle.key] = held
        self.banks[handle.key] = handle.bank
        if older is not None:
            self._retired.append(older)
            await self._stop_keeper(older)
        return held

    async def retire(self, key: str) -> None:
        """Stop using the bank of a location no account points at any more (an account moved or
        was removed): release our lease there; the bank is closed at shutdown, as operations
        started before may still hold it."""
        held = self._held.pop(key, None)
        self.banks.pop(key, None)
        if held is not None:
            self._retired.append(held)
            await self._stop_keeper(held)

    @staticmethod
    async def _stop_keeper(held: _Held) -> None:
        # Our lease was taken over by the newer keeper (or the old credentials were revoked).
        with contextlib.suppress(Exception):
            await held.keeper.stop()

    async def close(self) -> None:
        """Release our leases and close every account bank (shared banks belong to their
        providers, closed by the registry)."""
        for held in list(self._held.values()):
            await self._stop_keeper(held)
        for held in [*self._held.values(), *self._retired]:
            if held.handle.project_id is not None:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(held.handle.bank.close)
        self._held.clear()
        self._retired.clear()
        self.banks.clear()
