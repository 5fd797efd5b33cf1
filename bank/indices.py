"""Checkpoint index keys: time-ordered, so listing is a prefix listing with a marker and a limit.

Each checkpoint gets one tiny object per index and direction:
    idx/<index>/<scope...>/new/<inverted time>-<checkpoint id>     newest first
    idx/<index>/<scope...>/old/<time>-<checkpoint id>              oldest first
with times as zero-padded microseconds since the epoch (the inverted form is 10^17-1 minus it),
so plain ascending key order is the wanted order on every backend, a page costs one listing of
`limit` keys, a marker is "start after this checkpoint's key", and a date range is a start key
plus a stop key. Checkpoints with the same microsecond come in id order in both directions.

Indices: plan (plan_id), provider-project (provider_id, project_id), provider (provider_id,
all projects), project (project_id, all providers) and all (the bank's whole timeline: by date).
"""

from __future__ import annotations

from dataclasses import dataclass

_SPAN = 10**17
_DIGITS = 17


def micros(timestamp: float) -> int:
    return round(timestamp * 1_000_000)


def time_key(timestamp_us: int, newest_first: bool) -> str:
    value = _SPAN - 1 - timestamp_us if newest_first else timestamp_us
    return f"{value:0{_DIGITS}d}"


def entry_name(timestamp_us: int, checkpoint_id: str, newest_first: bool) -> str:
    return f"{time_key(timestamp_us, newest_first)}-{checkpoint_id}"


def parse_entry(name: str, newest_first: bool) -> tuple[int, str]:
    """(timestamp in µs, checkpoint id) of an index entry name."""
    value, _, checkpoint_id = name.partition("-")
    number = int(value)
    return (_SPAN - 1 - number if newest_first else number), checkpoint_id


@dataclass(frozen=True)
class IndexScope:
    """One index a checkpoint appears in, e.g. ('plan', plan_id)."""

    parts: tuple[str, ...]

    def prefix(self, newest_first: bool) -> str:
        return "idx/" + "/".join(self.parts) + ("/new/" if newest_first else "/old/")


def scopes_for(provider_id: str, project_id: str, plan_id: str | None) -> list[IndexScope]:
    scopes = [
        IndexScope(("provider-project", provider_id, project_id)),
        IndexScope(("provider", provider_id)),
        IndexScope(("project", project_id)),
        IndexScope(("all",)),
    ]
    if plan_id:
        scopes.append(IndexScope(("plan", plan_id)))
    return scopes


def choose_scope(
    provider_id: str | None, project_id: str | None, plan_id: str | None
) -> IndexScope:
    """The narrowest index answering a query, so a page never scans other tenants' entries."""
    if plan_id:
        return IndexScope(("plan", plan_id))
    if provider_id and project_id:
        return IndexScope(("provider-project", provider_id, project_id))
    if provider_id:
        return IndexScope(("provider", provider_id))
    if project_id:
        return IndexScope(("project", project_id))
    return IndexScope(("all",))
