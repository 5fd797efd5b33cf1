"""Quotas: limits per project (overrides), per quota class, and usage that stays exact under
concurrency.

Every function works inside the caller's ``Store.write()`` transaction. Usage rows are locked
with ``SELECT ... FOR UPDATE`` on PostgreSQL; on SQLite the write transaction already holds the
database write lock (``BEGIN IMMEDIATE``), so check-and-add is atomic on both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from smaug.store.db import new_id, utcnow
from smaug.store.models import QuotaClassLimit, QuotaLimit, QuotaUsage, Reservation

RESOURCES = ("plans", "checkpoints")
DEFAULT_LIMITS: Mapping[str, int] = {"plans": 50, "checkpoints": -1}
DEFAULT_CLASS = "default"


class QuotaExceeded(Exception):
    """Creating ``delta`` more of ``resource`` would exceed the project's ``limit``."""

    def __init__(self, project_id: str, resource: str, limit: int, in_use: int) -> None:
        super().__init__(f"quota {resource} of project {project_id} exceeded: limit {limit}")
        self.project_id = project_id
        self.resource = resource
        self.limit = limit
        self.in_use = in_use


@dataclass(frozen=True)
class ResourceUsage:
    limit: int
    in_use: int
    reserved: int


def class_limits(
    session: Session, class_name: str, defaults: Mapping[str, int] = DEFAULT_LIMITS
) -> dict[str, int]:
    """A quota class's limits; resources it does not set fall back to ``defaults``.

    Named classes other than "default" fall back to the "default" class first.
    """
    limits = dict(defaults)
    names = [DEFAULT_CLASS] if class_name == DEFAULT_CLASS else [DEFAULT_CLASS, class_name]
    rows = session.scalars(sa.select(QuotaClassLimit).where(QuotaClassLimit.class_name.in_(names)))
    by_class = {(r.class_name, r.resource): r.hard_limit for r in rows}
    for name in names:
        for resource in RESOURCES:
            if (name, resource) in by_class:
                limits[resource] = by_class[(name, resource)]
    return limits


def project_limits(
    session: Session, project_id: str, defaults: Mapping[str, int] = DEFAULT_LIMITS
) -> dict[str, int]:
    """A project's effective limits: its overrides, else the default class, else defaults."""
    limits = class_limits(session, DEFAULT_CLASS, defaults)
    for row in session.scalars(sa.select(QuotaLimit).where(QuotaLimit.project_id == project_id)):
        if row.resource in limits:
            limits[row.resource] = row.hard_limit
    return limits


def set_project_limits(session: Session, project_id: str, limits: Mapping[str, int]) -> None:
    for resource, value in limits.items():
        row = session.get(QuotaLimit, (project_id, resource))
        if row is None:
            session.add(QuotaLimit(project_id=project_id, resource=resource, hard_limit=value))
        else:
            row.hard_limit = value


def delete_project_limits(session: Session, project_id: str) -> None:
    session.execute(sa.delete(QuotaLimit).where(QuotaLimit.project_id == project_id))


def set_class_limits(session: Session, class_name: str, limits: Mapping[str, int]) -> None:
    for resource, value in limits.items():
        row = session.get(QuotaClassLimit, (class_name, resource))
        if row is None:
            session.add(QuotaClassLimit(class_name=class_name, resource=resource, hard_limit=value))
        else:
            row.hard_limit = value


def _locked_usage(session: Session, project_id: str, resource: str) -> QuotaUsage:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        session.execute(
            insert(QuotaUsage)
            .values(project_id=project_id, resource=resource, in_use=0, reserved=0)
            .on_conflict_do_nothing()
        )
        return session.scalars(
            sa.select(QuotaUsage)
            .where(QuotaUsage.project_id == project_id, QuotaUsage.resource == resource)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
    row = session.get(QuotaUsage, (project_id, resource), populate_existing=True)
    if row is None:
        row = QuotaUsage(project_id=project_id, resource=resource, in_use=0, reserved=0)
        session.add(row)
        session.flush()
    return row


def _check(
    session: Session,
    project_id: str,
    resource: str,
    usage: QuotaUsage,
    delta: int,
    defaults: Mapping[str, int],
) -> None:
    limit = project_limits(session, project_id, defaults)[resource]
    if limit >= 0 and usage.in_use + usage.reserved + delta > limit:
        raise QuotaExceeded(project_id, resource, limit, usage.in_use)


def consume(
    session: Session,
    project_id: str,
    resource: str,
    delta: int = 1,
    defaults: Mapping[str, int] = DEFAULT_LIMITS,
) -> None:
    """Take ``delta`` units now (QuotaExceeded when over the limit)."""
    usage = _locked_usage(session, project_id, resource)
    _check(session, project_id, resource, usage, delta, defaults)
    usage.in_use += delta


def add_usage(session: Session, project_id: str, resource: str, delta: int) -> None:
    """Add (or, negative, remove) units without a limit check; usage never goes below 0."""
    usage = _locked_usage(session, project_id, resource)
    usage.in_use = max(0, usage.in_use + delta)


def release(session: Session, project_id: str, resource: str, delta: int = 1) -> None:
    add_usage(session, project_id, resource, -delta)


def reserve(
    session: Session,
    project_id: str,
    resource: str,
    delta: int = 1,
    defaults: Mapping[str, int] = DEFAULT_LIMITS,
) -> str:
    """Reserve ``delta`` units for a creation under way; returns the reservation id."""
    usage = _locked_usage(session, project_id, resource)
    _check(session, project_id, resource, usage, delta, defaults)
    usage.reserved += delta
    reservation = Reservation(
        id=new_id(), project_id=project_id, resource=resource, delta=delta, create_time=utcnow()
    )
    session.add(reservation)
    return reservation.id


def _end_reservation(session: Session, reservation_id: str, commit: bool) -> None:
    reservation = session.get(Reservation, reservation_id)
    if reservation is None:
        return
    usage = _locked_usage(session, reservation.project_id, reservation.resource)
    usage.reserved = max(0, usage.reserved - reservation.delta)
    if commit:
        usage.in_use += reservation.delta
    session.delete(reservation)


def commit_reservation(session: Session, reservation_id: str) -> None:
    """The creation succeeded: the reserved units become in use."""
    _end_reservation(session, reservation_id, commit=True)


def rollback_reservation(session: Session, reservation_id: str) -> None:
    """The creation failed: the reserved units are freed."""
    _end_reservation(session, reservation_id, commit=False)


def usage(
    session: Session, project_id: str, defaults: Mapping[str, int] = DEFAULT_LIMITS
) -> dict[str, ResourceUsage]:
    limits = project_limits(session, project_id, defaults)
    rows = {
        r.resource: r
        for r in session.scalars(sa.select(QuotaUsage).where(QuotaUsage.project_id == project_id))
    }
    found: dict[str, ResourceUsage] = {}
    for resource in RESOURCES:
        row = rows.get(resource)
        found[resource] = ResourceUsage(
            limits[resource], row.in_use if row else 0, row.reserved if row else 0
        )
    return found


@dataclass(frozen=True)
class Correction:
    resource: str
    recorded: int
    counted: int
    dropped_reservations: int


STALE_RESERVATION_SECONDS = 3600.0  # a create commits within seconds of protection's answer


def recount(
    session: Session, project_id: str, counted: Mapping[str, int], now: datetime | None = None
) -> list[Correction]:
    """Set the project's in-use counters to what was ``counted`` and drop reservations too old
    to belong to a create still under way; returns what changed."""
    cutoff = (now or utcnow()) - timedelta(seconds=STALE_RESERVATION_SECONDS)
    corrections: list[Correction] = []
    for resource, actual in counted.items():
        usage = _locked_usage(session, project_id, resource)
        stale = list(
            session.scalars(
                sa.select(Reservation).where(
                    Reservation.project_id == project_id,
                    Reservation.resource == resource,
                    Reservation.create_time < cutoff,
                )
            )
        )
        dropped = sum(r.delta for r in stale)
        for reservation in stale:
            session.delete(reservation)
        usage.reserved = max(0, usage.reserved - dropped)
        if usage.in_use != actual or stale:
            corrections.append(Correction(resource, usage.in_use, actual, len(stale)))
        usage.in_use = actual
    return corrections
