"""Bank account building blocks: sealed secrets, per-account keys, overlapping locations and the
settings an account's bank is opened with."""

from __future__ import annotations

import base64
import os

import pytest

from smaug.bank.sealing import BankKey
from smaug.deploy.config import ProviderConfig
from smaug.protection.accounts import (
    Location,
    SecretBox,
    SecretUnreadable,
    account_key,
    account_location,
    account_settings,
    shared_location,
)
from smaug.store.accounts import Account

PROVIDER_KEY = base64.b64encode(bytes(range(32))).decode()


def provider(bank: dict[str, object], accounts: str = "optional") -> ProviderConfig:
    return ProviderConfig("p1", "P", "", dict(bank), (), accounts=accounts)


def test_sealed_secrets_open_only_for_their_account_and_mesh_secret() -> None:
    box = SecretBox("mesh-secret")
    sealed = box.seal("s3cr3t", "p1", "alpha")
    assert "s3cr3t" not in sealed
    assert box.open(sealed, "p1", "alpha") == "s3cr3t"
    assert box.seal("s3cr3t", "p1", "alpha") != sealed  # a fresh nonce every time
    for opener, project in ((box, "beta"), (SecretBox("another-mesh-secret"), "alpha")):
        with pytest.raises(SecretUnreadable, match="SetBankAccount"):
            opener.open(sealed, "p1", project)
    with pytest.raises(SecretUnreadable):
        box.open("v1.not-base64!", "p1", "alpha")


def test_every_account_has_its_own_key(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = {
        account_key(PROVIDER_KEY, provider_id, project)
        for provider_id in ("p1", "p2")
        for project in ("alpha", "beta")
    }
    assert len(keys) == 4 and PROVIDER_KEY not in keys
    assert account_key(PROVIDER_KEY, "p1", "alpha") == account_key(PROVIDER_KEY, "p1", "alpha")
    checks = {BankKey.parse(key).check for key in keys}
    assert len(checks) == 4  # a bank opened with one account's key refuses another's
    monkeypatch.setenv("SMAUG_TEST_KEY", PROVIDER_KEY)
    assert account_key("env:SMAUG_TEST_KEY", "p1", "alpha") == account_key(
        PROVIDER_KEY, "p1", "alpha"
    )
    with pytest.raises(ValueError, match="32 bytes"):
        account_key(base64.b64encode(b"short").decode(), "p1", "alpha")


@pytest.mark.parametrize(
    ("one", "other", "overlap"),
    [
        (("e", "b", ""), ("e", "b", "x/"), True),  # the whole bucket holds every prefix
        (("e", "b", "x/"), ("e", "b", "x/y/"), True),
        (("e", "b", "x/"), ("e", "b", "xy/"), False),  # prefixes end at a segment
        (("e", "b", "x/"), ("e", "c", "x/"), False),
        (("e", "b", ""), ("f", "b", ""), False),  # another endpoint, another bucket
    ],
)
def test_s3_locations_overlap_by_bucket_and_prefix(
    one: tuple[str, ...], other: tuple[str, ...], overlap: bool
) -> None:
    assert Location("s3", one).overlaps(Location("s3", other)) is overlap
    assert Location("s3", other).overlaps(Location("s3", one)) is overlap


def test_directories_overlap_when_nested() -> None:
    def fs(path: str) -> Location:
        return Location("filesystem", (path,))

    assert fs("/srv/a").overlaps(fs("/srv/a/b"))
    assert fs("/srv/a").overlaps(fs("/srv/a"))
    assert not fs("/srv/a").overlaps(fs("/srv/ab"))
    assert not fs("/srv/a").overlaps(Location("s3", ("e", "b", "")))


def test_shared_location_only_when_projects_may_use_it() -> None:
    s3 = {"backend": "s3", "endpoint": "http://S3:8333/", "bucket": "b", "prefix": "/x"}
    assert shared_location(provider(s3)) == Location("s3", ("http://s3:8333", "b", "x/"))
    assert shared_location(provider(s3, "required")) is None
    fs = {"backend": "filesystem", "path": "/srv/bank/"}
    assert shared_location(provider(fs)) == Location("filesystem", ("/srv/bank",))


def test_account_settings_bring_their_own_location_credentials_and_key() -> None:
    config = provider(
        {
            "backend": "s3",
            "endpoint": "http://s3:8333",
            "region": "eu-1",
            "bucket": "shared",
            "prefix": "shared",
            "access_key": "provider-key",
            "secret_key": "provider-secret",
            "encryption_key": PROVIDER_KEY,
            "workers": 4,
        }
    )
    own = Account("p1", "alpha", "s3", {"bucket": "a", "prefix": "t/alpha"}, "alpha-key")
    settings = account_settings(config, own, "alpha-secret")
    assert settings == {
        "backend": "s3",
        "endpoint": "http://s3:8333",
        "region": "eu-1",
        "workers": 4,
        "name": "P/alpha",
        "bucket": "a",
        "prefix": "t/alpha",
        "create_bucket": False,
        "access_key": "alpha-key",
        "secret_key": "alpha-secret",
        "encryption_key": account_key(PROVIDER_KEY, "p1", "alpha"),
    }
    assert account_location(config, own) == Location("s3", ("http://s3:8333", "a", "t/alpha/"))
    # Without credentials of its own an account uses the provider's.
    borrowed = account_settings(config, Account("p1", "beta", "s3", {"bucket": "b"}), "")
    assert (borrowed["access_key"], borrowed["secret_key"]) == ("provider-key", "provider-secret")
    path = f"/srv/accounts/{os.getpid()}"
    fs = account_settings(
        provider({"backend": "filesystem", "path": "/srv/bank"}),
        Account("p1", "gamma", "filesystem", {"path": path}),
        "",
    )
    assert fs == {"backend": "filesystem", "name": "P/gamma", "path": path}
