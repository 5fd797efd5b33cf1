"""Configuration: defaults, the file, environment overrides, and errors that name the setting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smaug.deploy.config import LOCAL_PROVIDER_ID, ConfigError, load
from smaug.scheduler.settings import SchedulerSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "smaug.example.yaml"


def test_embedded_defaults_need_no_file(tmp_path: Path) -> None:
    config = load(None, {"SMAUG_DATA_DIR": str(tmp_path)})
    assert config.data_dir == tmp_path
    assert config.api.database_url == f"sqlite:///{tmp_path}/smaug.db"
    (provider,) = config.providers
    assert provider.id == LOCAL_PROVIDER_ID
    assert provider.bank == {"backend": "filesystem", "path": f"{tmp_path}/bank"}
    assert [p.name for p in provider.plugins] == ["directory", "postgres", "blockdev"]
    # The section secret is made once and kept.
    assert load(None, {"SMAUG_DATA_DIR": str(tmp_path)}).protection.section_secret == (
        config.protection.section_secret
    )
    assert len(config.protection.section_secret) == 64


def test_the_annotated_example_loads(tmp_path: Path) -> None:
    config = load(str(EXAMPLE), {"SMAUG_DATA_DIR": str(tmp_path)})
    directory, postgres, blockdev = config.providers[0].plugins
    assert blockdev.settings["chunk_size"] == 1048576
    assert directory.settings == {
        "roots": ["/srv/data"],
        "cache_dir": f"{tmp_path}/cache/directory",
    }
    assert postgres.settings["password_env"] == "SMAUG_POSTGRES_PASSWORD"


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config = load(
        str(EXAMPLE),
        {
            "SMAUG_DATA_DIR": str(tmp_path),
            "SMAUG_API__LISTEN": "0.0.0.0:9999",
            "SMAUG_API__DATABASE_URL": "postgresql+psycopg://u:p@db/smaug",
            "SMAUG_LOG_LEVEL": "debug",
        },
    )
    assert config.api.listen == "0.0.0.0:9999"
    assert config.api.database_url == "postgresql+psycopg://u:p@db/smaug"
    assert config.log_level == "debug"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("api: 3", "api must be a mapping"),
        ("api: {listen: ''}", "api.listen must be a non-empty string"),
        ("providers: [{id: a, name: b}]", "providers[0].bank must be a mapping with a backend"),
        (
            "providers: [{id: a, name: b, bank: {backend: filesystem}, plugins: [{name: p}]}]",
            "providers[0].plugins[0] (p) needs exactly one of command or address",
        ),
        (
            "providers: [{id: a, name: b, bank: {backend: s3}},"
            " {id: a, name: c, bank: {backend: s3}}]",
            "ids must be unique",
        ),
        (
            "providers: [{id: a, name: b, bank: {backend: s3}, accounts: always}]",
            "providers[0].accounts must be optional",
        ),
        (
            "providers: [{id: a, name: b, bank: {backend: filesystem}, account_roots: [rel]}]",
            "providers[0].account_roots must be a list of absolute directories",
        ),
        ("[1, 2]", "must hold a mapping at the top level"),
        ("api: [", "is not valid YAML"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "smaug.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load(str(path), {"SMAUG_DATA_DIR": str(tmp_path)})


def test_errors_in_a_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "smaug.yaml"
    path.write_text("providers: [{id: a, name: b}]")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: providers[0].bank")):
        load(str(path), {"SMAUG_DATA_DIR": str(tmp_path)})


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("cannot read configuration file /nonexistent")):
        load("/nonexistent.yaml", {"SMAUG_DATA_DIR": str(tmp_path)})


def test_bank_accounts_settings(tmp_path: Path) -> None:
    (local,) = load(None, {"SMAUG_DATA_DIR": str(tmp_path)}).providers
    # Optional by default: projects without an account keep using the shared bank.
    assert not local.accounts_required
    assert local.account_roots == (str(tmp_path / "accounts"),)
    path = tmp_path / "smaug.yaml"
    path.write_text(
        "providers: [{id: a, name: b, accounts: required, account_roots: [/srv/banks/],"
        " bank: {backend: filesystem}}, {id: c, name: d, bank: {backend: s3, bucket: x}}]"
    )
    vault, s3 = load(str(path), {"SMAUG_DATA_DIR": str(tmp_path)}).providers
    assert vault.accounts_required and vault.account_roots == ("/srv/banks",)
    assert not s3.accounts_required and s3.account_roots == ()


def test_notification_listening_comes_from_the_file_or_its_overrides(tmp_path: Path) -> None:
    config = load(str(EXAMPLE), {"SMAUG_DATA_DIR": str(tmp_path)}).scheduler
    assert config.notification_url == ""
    assert config.notification_exchanges == ("openstack", "nova", "neutron", "glance")
    assert config.notification_topics == ("notifications",)
    assert config.notification_queue == "smaug-scheduler.notifications"
    assert config.notification_durable_exchanges is False
    assert load(None, {"SMAUG_DATA_DIR": str(tmp_path)}).scheduler == config
    written = tmp_path / "smaug.yaml"
    written.write_text(
        "scheduler:\n"
        "  notification_url: rabbit://guest:guest@mq:5672/\n"
        "  notification_exchanges: [cinder]\n"
        "  notification_durable_exchanges:\n"  # null: false
    )
    config = load(
        str(written),
        {
            "SMAUG_DATA_DIR": str(tmp_path),
            "SMAUG_SCHEDULER__NOTIFICATION_TOPICS": "notifications, audit",
            "SMAUG_SCHEDULER__NOTIFICATION_QUEUE": "smaug-a.notifications",
            "SMAUG_SCHEDULER__NOTIFICATION_DURABLE_EXCHANGES": "true",
        },
    ).scheduler
    assert config.notification_url == "rabbit://guest:guest@mq:5672/"
    assert config.notification_exchanges == ("cinder",)
    assert config.notification_topics == ("notifications", "audit")
    assert config.notification_queue == "smaug-a.notifications"
    assert config.notification_durable_exchanges is True
    # An empty override means the default.
    assert load(
        str(written),
        {"SMAUG_DATA_DIR": str(tmp_path), "SMAUG_SCHEDULER__NOTIFICATION_EXCHANGES": ""},
    ).scheduler.notification_exchanges == ("openstack", "nova", "neutron", "glance")

    # The scheduler listens with exactly what was configured.
    settings = SchedulerSettings.from_env({}, config)
    assert (
        settings.notification_url,
        settings.notification_exchanges,
        settings.notification_topics,
        settings.notification_queue,
        settings.notification_durable_exchanges,
    ) == (
        config.notification_url,
        config.notification_exchanges,
        config.notification_topics,
        config.notification_queue,
        config.notification_durable_exchanges,
    )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("notification_exchanges", "[]", "must name at least one"),
        ("notification_topics", "{a: 1}", "must be a list of names"),
        ("notification_exchanges", "['[nova', 'glance]']", "names may not hold spaces"),
        ("notification_durable_exchanges", "maybe", "must be true or false"),
    ],
)
def test_bad_notification_settings_name_the_setting(
    tmp_path: Path, key: str, value: str, message: str
) -> None:
    written = tmp_path / "smaug.yaml"
    written.write_text(f"scheduler:\n  {key}: {value}\n")
    with pytest.raises(ConfigError, match=f"scheduler.{key} {message}"):
        load(str(written), {"SMAUG_DATA_DIR": str(tmp_path)})


def test_the_older_notification_variables_stop_start_up_naming_the_new_setting(
    tmp_path: Path,
) -> None:
    environ = {"SMAUG_DATA_DIR": str(tmp_path), "SMAUG_SCHEDULER_NOTIFICATION_URL": "amqp://mq//"}
    with pytest.raises(
        ConfigError,
        match=re.escape(
            "SMAUG_SCHEDULER_NOTIFICATION_URL is no longer read: set "
            "scheduler.notification_url in the configuration file, or "
            "SMAUG_SCHEDULER__NOTIFICATION_URL"
        ),
    ):
        load(None, environ)
