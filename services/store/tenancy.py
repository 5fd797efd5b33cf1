"""Tenancy: which providers each project may use.

A project's own ``provider_access`` row wins; otherwise the default row (project_id ``"*"``);
with neither, every provider is visible. Every function works inside the caller's session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from sqlalchemy.orm import Session

from smaug.store.db import utcnow
from smaug.store.models import ProviderAccess

DEFAULT_PROJECT = "*"


class Source(Enum):
    """Where a project's effective access comes from."""

    PROJECT = "project"
    DEFAULT = "default"
    NONE = "none"


@dataclass(frozen=True)
class Access:
    """A project's effective access: ``provider_ids`` is ignored when ``all_providers``."""

    all_providers: bool
    provider_ids: tuple[str, ...]
    source: Source

    def allows(self, provider_id: str) -> bool:
        return self.all_providers or provider_id in self.provider_ids


EVERYTHING = Access(True, (), Source.NONE)


def _access(row: ProviderAccess, source: Source) -> Access:
    return Access(bool(row.all_providers), tuple(sorted(row.provider_ids or [])), source)


def effective_access(session: Session, project_id: str) -> Access:
    """The access that applies to ``project_id`` (``"*"``: the default entry itself)."""
    row = session.get(ProviderAccess, project_id)
    if row is not None:
        source = Source.DEFAULT if project_id == DEFAULT_PROJECT else Source.PROJECT
        return _access(row, source)
    if project_id != DEFAULT_PROJECT:
        default = session.get(ProviderAccess, DEFAULT_PROJECT)
        if default is not None:
            return _access(default, Source.DEFAULT)
    return EVERYTHING


def set_access(
    session: Session,
    project_id: str,
    *,
    all_providers: bool | None = None,
    provider_ids: Iterable[str] | None = None,
) -> None:
    """Create or update a project's (or the default) row; None leaves a field as it is (or
    false / empty on a new row)."""
    row = session.get(ProviderAccess, project_id)
    if row is None:
        row = ProviderAccess(project_id=project_id, all_providers=False, provider_ids=[])
        session.add(row)
    if all_providers is not None:
        row.all_providers = all_providers
    if provider_ids is not None:
        row.provider_ids = sorted(set(provider_ids))
    row.update_time = utcnow()


def delete_access(session: Session, project_id: str) -> None:
    """Remove a project's (or the default) row; nothing happens when there is none."""
    row = session.get(ProviderAccess, project_id)
    if row is not None:
        session.delete(row)
