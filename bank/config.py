"""open_bank(config): build a Bank from a provider's bank configuration.

    {"backend": "filesystem", "path": "/var/lib/smaug/bank"}
    {"backend": "s3", "endpoint": "http://127.0.0.1:8333", "bucket": "smaug", "region": "...",
     "access_key": "...", "secret_key": "..."}     # or omit both: AWS_* env / boto3's chain
Common options: "name" (for messages; default "default"), "encryption_key" (base64 of 32 bytes,
or "env:VAR"), "zstd_level" (1-3), "workers", "gc_grace_seconds", "durable" (filesystem fsync,
default true), "prefix" (S3 key prefix inside the bucket). Secrets are passed on, never logged
or kept in a repr.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from smaug.bank.backend import Backend
from smaug.bank.bank import DEFAULT_GC_GRACE, Bank
from smaug.bank.fs_backend import FilesystemBackend
from smaug.bank.sealing import BankKey

SECRET_FIELDS = frozenset({"secret_key", "access_key", "session_token", "encryption_key"})
_KNOWN = (
    frozenset(
        {
            "backend",
            "name",
            "path",
            "endpoint",
            "bucket",
            "region",
            "prefix",
            "create_bucket",
            "max_connections",
            "zstd_level",
            "workers",
            "gc_grace_seconds",
            "durable",
        }
    )
    | SECRET_FIELDS
)


def redacted(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config with secrets replaced, safe to log."""
    return {key: ("***" if key in SECRET_FIELDS else value) for key, value in config.items()}


def _secret(config: Mapping[str, Any], field: str, env: str) -> str | None:
    value = config.get(field)
    if isinstance(value, str) and value.startswith("env:"):
        value = os.environ.get(value[4:])
    return str(value) if value else os.environ.get(env)


def open_backend(config: Mapping[str, Any]) -> Backend:
    kind = config.get("backend", "filesystem")
    if kind == "filesystem":
        path = config.get("path")
        if not path:
            raise ValueError("filesystem bank needs 'path': the directory to keep the bank in")
        return FilesystemBackend(path, durable=bool(config.get("durable", True)))
    if kind == "s3":
        from smaug.bank.s3_backend import S3Backend  # boto3 takes ~0.3 s to import: only if used

        bucket = config.get("bucket")
        if not bucket:
            raise ValueError("s3 bank needs 'bucket'")
        return S3Backend(
            bucket=str(bucket),
            endpoint=config.get("endpoint") or os.environ.get("AWS_ENDPOINT_URL"),
            region=config.get("region") or os.environ.get("AWS_REGION"),
            access_key=_secret(config, "access_key", "AWS_ACCESS_KEY_ID"),
            secret_key=_secret(config, "secret_key", "AWS_SECRET_ACCESS_KEY"),
            session_token=_secret(config, "session_token", "AWS_SESSION_TOKEN"),
            prefix=str(config.get("prefix", "")),
            create_bucket=bool(config.get("create_bucket", True)),
            max_connections=int(config.get("max_connections", 32)),
        )
    raise ValueError(f"unknown bank backend {kind!r}: use 'filesystem' or 's3'")


def open_bank(config: Mapping[str, Any]) -> Bank:
    unknown = set(config) - _KNOWN
    if unknown:
        raise ValueError(f"unknown bank settings {sorted(unknown)}; known: {sorted(_KNOWN)}")
    key_text = config.get("encryption_key")
    key = BankKey.parse(str(key_text)) if key_text else None
    backend = open_backend(config)
    try:
        return Bank(
            str(config.get("name", "default")),
            backend,
            key=key,
            zstd_level=int(config.get("zstd_level", 1)),
            workers=int(config["workers"]) if config.get("workers") else None,
            gc_grace=float(config.get("gc_grace_seconds", DEFAULT_GC_GRACE)),
        )
    except BaseException:
        backend.close()
        raise
