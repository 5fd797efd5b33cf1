"""Bank accounts: each project's own place in a provider's bank (``bank_accounts``).

One row per (provider, project). The protection service writes rows, after checking the location
against the configuration and the banks; every service reads them. The S3 secret is stored only
sealed (see ``smaug.protection.accounts``) and never leaves the protection service. Every
function works inside the caller's session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from smaug.store.db import utcnow
from smaug.store.models import BankAccount
from smaug.v1 import bank_accounts_pb2


@dataclass(frozen=True)
class Account:
    """A bank account as stored: ``location`` is {"bucket", "prefix"} (s3) or {"path"}."""

    provider_id: str
    project_id: str
    backend: str
    location: Mapping[str, str] = field(default_factory=dict)
    access_key_id: str = ""
    sealed_secret: str = ""
    encrypted: bool = False
    create_time: datetime | None = None
    update_time: datetime | None = None


def _account(row: BankAccount) -> Account:
    return Account(
        provider_id=row.provider_id,
        project_id=row.project_id,
        backend=row.backend,
        location={str(k): str(v) for k, v in (row.location or {}).items()},
        access_key_id=row.access_key_id or "",
        sealed_secret=row.sealed_secret or "",
        encrypted=bool(row.encrypted),
        create_time=row.create_time,
        update_time=row.update_time,
    )


def get_account(session: Session, provider_id: str, project_id: str) -> Account | None:
    row = session.get(BankAccount, (provider_id, project_id))
    return None if row is None else _account(row)


def list_accounts(
    session: Session,
    *,
    provider_id: str | None = None,
    project_id: str | None = None,
    after: tuple[str, str] | None = None,
    limit: int | None = None,
) -> list[Account]:
    """Accounts ordered by (provider, project), optionally of one provider or project, starting
    after the (provider, project) ``after``."""
    query = sa.select(BankAccount).order_by(BankAccount.provider_id, BankAccount.project_id)
    if provider_id is not None:
        query = query.where(BankAccount.provider_id == provider_id)
    if project_id is not None:
        query = query.where(BankAccount.project_id == project_id)
    if after is not None:
        query = query.where(
            sa.tuple_(BankAccount.provider_id, BankAccount.project_id) > sa.tuple_(*after)
        )
    if limit is not None:
        query = query.limit(limit)
    return [_account(row) for row in session.scalars(query)]


def put_account(session: Session, account: Account) -> Account:
    """Create or replace the account of (provider, project); create_time is kept on replace."""
    row = session.get(BankAccount, (account.provider_id, account.project_id))
    now = utcnow()
    if row is None:
        row = BankAccount(
            provider_id=account.provider_id, project_id=account.project_id, create_time=now
        )
        session.add(row)
    values: dict[str, Any] = {
        "backend": account.backend,
        "location": dict(account.location),
        "access_key_id": account.access_key_id,
        "sealed_secret": account.sealed_secret,
        "encrypted": account.encrypted,
    }
    for name, value in values.items():
        setattr(row, name, value)
    row.update_time = now
    session.flush()
    return _account(row)


def delete_account(session: Session, provider_id: str, project_id: str) -> bool:
    """Remove the account; False when there was none."""
    row = session.get(BankAccount, (provider_id, project_id))
    if row is None:
        return False
    session.delete(row)
    return True


def uri(account: Account) -> str:
    """The account's location as a URI: s3://bucket/prefix/ or file:///path."""
    if account.backend == "s3":
        prefix = account.location.get("prefix", "").strip("/")
        return f"s3://{account.location.get('bucket', '')}/" + (f"{prefix}/" if prefix else "")
    return f"file://{account.location.get('path', '')}"


def to_proto(account: Account) -> bank_accounts_pb2.BankAccount:
    """The account as the API shows it: never with its secret."""
    message = bank_accounts_pb2.BankAccount(
        provider_id=account.provider_id,
        project_id=account.project_id,
        encrypted=account.encrypted,
        uri=uri(account),
    )
    if account.backend == "s3":
        message.s3.CopyFrom(
            bank_accounts_pb2.S3BankAccount(
                bucket=account.location.get("bucket", ""),
                prefix=account.location.get("prefix", ""),
                access_key_id=account.access_key_id,
                has_secret_access_key=bool(account.sealed_secret),
            )
        )
    else:
        message.filesystem.path = account.location.get("path", "")
    if account.create_time is not None:
        message.create_time.FromDatetime(account.create_time)
    if account.update_time is not None:
        message.update_time.FromDatetime(account.update_time)
    return message
