"""Standalone identities: users with a project and roles, authenticated by bearer tokens that
are stored only as SHA-256 digests. Used when no Keystone is configured.

The CLI creates users with ``create_user`` (which returns the clear token once) and more tokens
with ``issue_token``. ``bootstrap_admin`` makes the first ``admin`` user (project ``admin``,
role ``admin``) on an empty store and writes its token to ``{data_dir}/admin-token`` (0600).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from smaug.store.db import Store, new_id, utcnow
from smaug.store.models import Token, User

ADMIN_USER = "admin"
ADMIN_PROJECT = "admin"
ADMIN_TOKEN_FILE = "admin-token"


@dataclass(frozen=True)
class UserInfo:
    user_id: str
    name: str
    project_id: str
    roles: tuple[str, ...]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token() -> str:
    return "smaug_" + secrets.token_urlsafe(32)


def create_user(
    session: Session, name: str, project_id: str, roles: Sequence[str] = ("member",)
) -> tuple[UserInfo, str]:
    """Create a user and a first token; returns the user and the clear token (shown once).

    ValueError when the name is taken or a value is empty.
    """
    if not name or not project_id:
        raise ValueError("a user needs a name and a project")
    if session.scalar(sa.select(User.id).where(User.name == name)) is not None:
        raise ValueError(f"user {name} already exists")
    user = User(
        id=new_id(), name=name, project_id=project_id, roles=list(roles), create_time=utcnow()
    )
    session.add(user)
    session.flush()
    return _info(user), issue_token(session, name)


def issue_token(session: Session, user_name: str) -> str:
    """A new token for an existing user (ValueError when there is no such user)."""
    user = session.scalar(sa.select(User).where(User.name == user_name))
    if user is None:
        raise ValueError(f"no user {user_name}")
    token = _new_token()
    session.add(Token(token_hash=hash_token(token), user_id=user.id, create_time=utcnow()))
    return token


def revoke_tokens(session: Session, user_name: str) -> int:
    user = session.scalar(sa.select(User).where(User.name == user_name))
    if user is None:
        return 0
    result = session.execute(sa.delete(Token).where(Token.user_id == user.id))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def authenticate(session: Session, token: str) -> UserInfo | None:
    """The user a clear token belongs to, or None."""
    row = session.execute(
        sa.select(User)
        .join(Token, Token.user_id == User.id)
        .where(Token.token_hash == hash_token(token))
    ).scalar_one_or_none()
    return _info(row) if row is not None else None


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.name, user.project_id, tuple(str(r) for r in user.roles))


def bootstrap_admin(store: Store, data_dir: Path) -> str | None:
    """On an empty store, create the admin user and write its token file; else do nothing.

    Returns the token when one was created.
    """
    with store.write() as session:
        if session.scalar(sa.select(sa.func.count()).select_from(User)):
            return None
        _, token = create_user(session, ADMIN_USER, ADMIN_PROJECT, ("admin",))
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / ADMIN_TOKEN_FILE
        temporary = path.with_suffix(".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(token + "\n")
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    return token
