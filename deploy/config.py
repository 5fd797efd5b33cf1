"""Smaug's configuration: one YAML file (optional), environment overrides, embedded defaults.

Precedence, lowest first: the defaults below, the file named by ``--config`` or ``SMAUG_CONFIG``,
then environment variables. ``SMAUG_DATA_DIR`` sets ``data_dir``; any other scalar setting is
``SMAUG_<SECTION>__<KEY>`` in upper case, for example ``SMAUG_API__LISTEN=0.0.0.0:8790`` or
``SMAUG_API__DATABASE_URL=postgresql+psycopg://smaug:pw@db/smaug``. Strings may use
``{data_dir}``. deploy/smaug.example.yaml is the annotated reference.

With no file at all, Smaug runs on one machine: SQLite and a filesystem bank under the data
directory, and the in-tree plugins launched as child processes.
"""

from __future__ import annotations

import os
import re
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# The provider every embedded deployment has; its id is fixed so that a second `smaug up` on the
# same data directory finds the checkpoints it made before.
LOCAL_PROVIDER_ID = "cf56bd3e-97a7-4078-b6d5-f36246333fd9"


class ConfigError(ValueError):
    """A setting is missing or wrong; the message names the setting and the fix."""


@dataclass(frozen=True)
class PluginConfig:
    """A protection plugin: launched by command, or reached at an address someone else runs."""

    name: str
    command: tuple[str, ...] = ()
    address: str = ""
    # Plugin-specific settings, handed to a launched plugin as JSON in SMAUG_PLUGIN_CONFIG.
    settings: dict[str, Any] = field(default_factory=dict)


ACCOUNT_MODES = ("optional", "required")


@dataclass(frozen=True)
class ProviderConfig:
    """A provider: a named set of plugins plus one bank."""

    id: str
    name: str
    description: str
    bank: dict[str, Any]
    plugins: tuple[PluginConfig, ...]
    # Per-project bank accounts (assigned through BankAccountService): "optional" lets projects
    # without one use the provider's shared bank; "required" refuses them (the shared bank is
    # then never opened, and its settings are only the defaults of the accounts).
    accounts: str = "optional"
    # Directories under which filesystem accounts may live.
    account_roots: tuple[str, ...] = ()

    @property
    def accounts_required(self) -> bool:
        return self.accounts == "required"


# Defaults of the scheduler's notification listening (see SchedulerConfig).
NOTIFICATION_EXCHANGES = ("openstack", "nova", "neutron", "glance")
NOTIFICATION_TOPICS = ("notifications",)
NOTIFICATION_QUEUE = "smaug-scheduler.notifications"
# The prefix of the environment variables that configured it before it moved into the file.
_RENAMED_NOTIFICATION_VARIABLES = "SMAUG_SCHEDULER_NOTIFICATION_"


@dataclass(frozen=True)
class ApiConfig:
    listen: str
    database_url: str
    protection_address: str


@dataclass(frozen=True)
class SchedulerConfig:
    listen: str
    api_address: str
    database_url: str
    # OpenStack notifications (event triggers): the RabbitMQ the services notify on, as an
    # amqp:// or oslo.messaging rabbit:// URL; empty means no listening.
    notification_url: str = ""
    # Exchanges to listen on: each service's control_exchange (Cinder uses oslo.messaging's
    # default "openstack"; Nova, Neutron and Glance their own names).
    notification_exchanges: tuple[str, ...] = NOTIFICATION_EXCHANGES
    # Notification topics ([oslo_messaging_notifications] topics); the routing key is
    # "<topic>.info".
    notification_topics: tuple[str, ...] = NOTIFICATION_TOPICS
    # The queue all replicas share (durable; one replica gets each message).
    notification_queue: str = NOTIFICATION_QUEUE
    # Whether the exchanges are declared durable: must match the services'
    # [oslo_messaging_rabbit] amqp_durable_queues (default false).
    notification_durable_exchanges: bool = False


@dataclass(frozen=True)
class ProtectionConfig:
    listen: str
    section_secret: str
    # How long a protection service's lease in each bank lasts without renewal; checkpoints it
    # was writing are failed by a surviving service once it expires.
    lease_ttl_seconds: float = 30.0
    # How often each service looks for checkpoints orphaned by services that died.
    reap_interval_seconds: float = 10.0
    # Deadline of one plugin hook call.
    hook_timeout_seconds: float = 6 * 3600.0
    # Hooks of one operation running at the same time.
    concurrency: int = 8


@dataclass(frozen=True)
class GatewayConfig:
    """The REST bridge (deploy/gateway): the native API and Karbor's v1 API over HTTP."""

    # Address the gateway serves REST on (Karbor's port by default).
    listen: str = "127.0.0.1:8799"
    # The api it calls; empty means api.listen.
    api_address: str = ""
    # The gateway program; empty means deploy/gateway/bin/smaug-gateway, as built by
    # `deploy/gateway/build.sh`. `smaug up` starts it only when the file exists.
    binary: str = ""


@dataclass(frozen=True)
class Config:
    data_dir: Path
    log_level: str
    api: ApiConfig
    scheduler: SchedulerConfig
    protection: ProtectionConfig
    providers: tuple[ProviderConfig, ...] = field(default_factory=tuple)
    gateway: GatewayConfig = field(default_factory=GatewayConfig)

    def provider(self, provider_id: str) -> ProviderConfig | None:
        return next((p for p in self.providers if p.id == provider_id), None)


def in_tree_plugin(name: str, module: str) -> dict[str, Any]:
    """A plugin entry that launches one of Smaug's own plugin servers with this interpreter."""
    return {"name": name, "command": [sys.executable, "-m", module]}


def _defaults() -> dict[str, Any]:
    return {
        "data_dir": str(Path(os.environ.get("XDG_DATA_HOME", "~/.local/share")) / "smaug"),
        "log_level": "info",
        "api": {
            "listen": "127.0.0.1:8790",
            "database_url": "sqlite:///{data_dir}/smaug.db",
            "protection_address": "127.0.0.1:8792",
        },
        "scheduler": {
            "listen": "127.0.0.1:8791",
            "api_address": "127.0.0.1:8790",
            "database_url": "sqlite:///{data_dir}/smaug.db",
        },
        "protection": {
            "listen": "127.0.0.1:8792",
            "section_secret": "",
            "lease_ttl_seconds": 30,
            "reap_interval_seconds": 10,
            "hook_timeout_seconds": 6 * 3600,
            "concurrency": 8,
        },
        "gateway": {"listen": "127.0.0.1:8799", "api_address": "", "binary": ""},
        "providers": [
            {
                "id": LOCAL_PROVIDER_ID,
                "name": "Local",
                "description": "Embedded provider: a filesystem bank under the data directory "
                "and the in-tree plugins",
                "bank": {"backend": "filesystem", "path": "{data_dir}/bank"},
                "plugins": [
                    {
                        **in_tree_plugin("directory", "smaug.plugins.directory"),
                        # Roots may also come from SMAUG_DIRECTORY_ROOTS (a:b:c).
                        "settings": {"roots": [], "cache_dir": "{data_dir}/cache/directory"},
                    },
                    {
                        **in_tree_plugin("postgres", "smaug.plugins.postgres"),
                        "settings": {
                            "host": "127.0.0.1",
                            "port": 5432,
                            "user": "smaug",
                            "password_env": "SMAUG_POSTGRES_PASSWORD",
                            "exclude": ["postgres"],
                        },
                    },
                    {
                        **in_tree_plugin("blockdev", "smaug.plugins.blockdev"),
                        # Devices may also come from SMAUG_BLOCKDEV_PATHS (a:b:c).
                        "settings": {"devices": [], "chunk_size": 1048576},
                    },
                ],
            }
        ],
    }


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _env_overrides(environ: dict[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for name, value in environ.items():
        if name == "SMAUG_DATA_DIR":
            overrides["data_dir"] = value
        elif name == "SMAUG_LOG_LEVEL":
            overrides["log_level"] = value
        elif name.startswith("SMAUG_") and "__" in name:
            section, _, key = name[len("SMAUG_") :].lower().partition("__")
            overrides.setdefault(section, {})[key] = value
    return overrides


def _require_str(raw: dict[str, Any], path: str, key: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}.{key} must be a non-empty string, got {value!r}")
    return value


def _number(raw: dict[str, Any], path: str, key: str, minimum: float) -> float:
    value = raw.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{path}.{key} must be a number, got {value!r}") from None
    if number < minimum:
        raise ConfigError(f"{path}.{key} must be at least {minimum}, got {number}")
    return number


_NAME = re.compile(r"[^\s\[\]{},]+")


def _names(raw: dict[str, Any], path: str, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """Names (of exchanges, topics): a YAML list, or "a,b" from an environment override; unset
    or empty means ``default``."""
    value = raw.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}.{key} must be a list of names, got {value!r}")
    names = tuple(v.strip() for v in value if v.strip())
    if not names:
        raise ConfigError(f"{path}.{key} must name at least one, got {value!r}")
    odd = [n for n in names if not _NAME.fullmatch(n)]
    if odd:
        raise ConfigError(
            f"{path}.{key} names may not hold spaces, brackets, braces or commas, got {odd!r} "
            '(from the environment, give them as "a,b")'
        )
    return names


def _flag(raw: dict[str, Any], path: str, key: str) -> bool:
    """A boolean, from YAML or from an environment override ("true", "0"...); unset is false."""
    value = raw.get(key)
    if isinstance(value, bool):
        return value
    text = "" if value is None else str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{path}.{key} must be true or false, got {value!r}")


def _refuse_renamed(environ: dict[str, str]) -> None:
    """Variables of an older release must not be ignored silently: listening would stop."""
    for name in sorted(environ):
        if name.startswith(_RENAMED_NOTIFICATION_VARIABLES):
            setting = name[len("SMAUG_SCHEDULER_") :].lower()
            raise ConfigError(
                f"{name} is no longer read: set scheduler.{setting} in the configuration file, "
                f"or SMAUG_SCHEDULER__{setting.upper()}"
            )


def _expand(value: Any, data_dir: Path) -> Any:
    if isinstance(value, str):
        return value.replace("{data_dir}", str(data_dir))
    if isinstance(value, dict):
        return {k: _expand(v, data_dir) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, data_dir) for v in value]
    return value


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    section = raw.get(name)
    if not isinstance(section, dict):
        raise ConfigError(f"{name} must be a mapping of settings, got {section!r}")
    return section


def _plugin(raw: Any, path: str) -> PluginConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must be a mapping with name and command or address")
    name = _require_str(raw, path, "name")
    command = raw.get("command") or []
    address = raw.get("address") or ""
    if isinstance(command, str):
        command = command.split()
    if bool(command) == bool(address):
        raise ConfigError(f"{path} ({name}) needs exactly one of command or address")
    settings = raw.get("settings") or {}
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}.settings must be a mapping")
    return PluginConfig(
        name=name,
        command=tuple(str(c) for c in command),
        address=str(address),
        settings=dict(settings),
    )


def _provider(raw: Any, path: str) -> ProviderConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must be a mapping with id, name, bank and plugins")
    bank = raw.get("bank")
    if not isinstance(bank, dict) or "backend" not in bank:
        raise ConfigError(f"{path}.bank must be a mapping with a backend (filesystem or s3)")
    plugins = raw.get("plugins") or []
    if not isinstance(plugins, list):
        raise ConfigError(f"{path}.plugins must be a list")
    accounts = raw.get("accounts") or "optional"
    if accounts not in ACCOUNT_MODES:
        raise ConfigError(
            f"{path}.accounts must be optional (projects without a bank account use the shared "
            f"bank) or required (they cannot protect), got {accounts!r}"
        )
    return ProviderConfig(
        id=_require_str(raw, path, "id"),
        name=_require_str(raw, path, "name"),
        description=str(raw.get("description") or ""),
        bank=dict(bank),
        plugins=tuple(_plugin(p, f"{path}.plugins[{i}]") for i, p in enumerate(plugins)),
        accounts=accounts,
        account_roots=_account_roots(raw, path, bank),
    )


def _account_roots(raw: dict[str, Any], path: str, bank: dict[str, Any]) -> tuple[str, ...]:
    """Where filesystem accounts may live: ``account_roots``, else the directory ``accounts``
    beside the shared bank's."""
    roots = raw.get("account_roots")
    if roots is None:
        shared = bank.get("path")
        if bank.get("backend") != "filesystem" or not shared:
            return ()
        return (str(Path(str(shared)).parent / "accounts"),)
    if not isinstance(roots, list) or not all(
        isinstance(r, str) and r.startswith("/") for r in roots
    ):
        raise ConfigError(f"{path}.account_roots must be a list of absolute directories")
    return tuple(os.path.normpath(r) for r in roots)


def _section_secret(configured: str, data_dir: Path) -> str:
    """The key signing bank section tokens: configured for replicas, else kept in the data dir."""
    if configured:
        return configured
    secret_file = data_dir / "section-secret"
    if not secret_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return secret_file.read_text().strip()


def load(path: str | None = None, environ: dict[str, str] | None = None) -> Config:
    """Build the configuration from defaults, the optional file, and the environment; errors
    name the file (when one was read) and the setting."""
    environ = dict(os.environ if environ is None else environ)
    source = path or environ.get("SMAUG_CONFIG")
    try:
        return _load(source, environ)
    except ConfigError as error:
        if source and not str(error).startswith(("cannot read", "configuration file")):
            raise ConfigError(f"{source}: {error}") from None
        raise


def _load(path: str | None, environ: dict[str, str]) -> Config:
    raw = _defaults()
    if path:
        try:
            loaded = yaml.safe_load(Path(path).read_text()) or {}
        except OSError as error:
            raise ConfigError(f"cannot read configuration file {path}: {error.strerror}") from None
        except yaml.YAMLError as error:
            raise ConfigError(f"configuration file {path} is not valid YAML: {error}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"configuration file {path} must hold a mapping at the top level")
        raw = _merge(raw, loaded)
    _refuse_renamed(environ)
    raw = _merge(raw, _env_overrides(environ))

    data_dir = Path(_require_str(raw, "", "data_dir")).expanduser().resolve()
    raw = _expand(raw, data_dir)
    api, scheduler, protection, gateway = (
        _section(raw, n) for n in ("api", "scheduler", "protection", "gateway")
    )
    providers = raw.get("providers") or []
    if not isinstance(providers, list):
        raise ConfigError("providers must be a list")
    parsed = tuple(_provider(p, f"providers[{i}]") for i, p in enumerate(providers))
    ids = [p.id for p in parsed]
    if len(ids) != len(set(ids)):
        raise ConfigError(f"providers: ids must be unique, got {ids}")
    return Config(
        data_dir=data_dir,
        log_level=str(raw.get("log_level") or "info"),
        api=ApiConfig(
            listen=_require_str(api, "api", "listen"),
            database_url=_require_str(api, "api", "database_url"),
            protection_address=_require_str(api, "api", "protection_address"),
        ),
        scheduler=SchedulerConfig(
            listen=_require_str(scheduler, "scheduler", "listen"),
            api_address=_require_str(scheduler, "scheduler", "api_address"),
            database_url=_require_str(scheduler, "scheduler", "database_url"),
            notification_url=str(scheduler.get("notification_url") or "").strip(),
            notification_exchanges=_names(
                scheduler, "scheduler", "notification_exchanges", NOTIFICATION_EXCHANGES
            ),
            notification_topics=_names(
                scheduler, "scheduler", "notification_topics", NOTIFICATION_TOPICS
            ),
            notification_queue=str(scheduler.get("notification_queue") or "").strip()
            or NOTIFICATION_QUEUE,
            notification_durable_exchanges=_flag(
                scheduler, "scheduler", "notification_durable_exchanges"
            ),
        ),
        protection=ProtectionConfig(
            listen=_require_str(protection, "protection", "listen"),
            section_secret=_section_secret(str(protection.get("section_secret") or ""), data_dir),
            lease_ttl_seconds=_number(protection, "protection", "lease_ttl_seconds", 1),
            reap_interval_seconds=_number(protection, "protection", "reap_interval_seconds", 0.1),
            hook_timeout_seconds=_number(protection, "protection", "hook_timeout_seconds", 1),
            concurrency=int(_number(protection, "protection", "concurrency", 1)),
        ),
        providers=parsed,
        gateway=GatewayConfig(
            listen=_require_str(gateway, "gateway", "listen"),
            api_address=str(gateway.get("api_address") or "") or _require_str(api, "api", "listen"),
            binary=str(gateway.get("binary") or ""),
        ),
    )
