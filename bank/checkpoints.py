"""Checkpoints in the bank: metadata, status updates, indices, sections and streams.

Layout:
    checkpoints/<id>/meta                       the CheckpointMeta JSON
    checkpoints/<id>/objects/<section>/<key>    plugins' objects (a section per resource)
    checkpoints/<id>/streams/<section>/<name>   stream manifests
    checkpoints/<id>/pending/<uuid>             chunk hashes an in-flight checkpoint relies on
    idx/...                                     indices (indices.py)

Ordering of writes keeps readers consistent: create writes meta, then indices; delete marks the
meta 'deleted', then removes indices, then data. An index entry is only ever ahead of its meta
while a delete runs.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from smaug.bank import indices
from smaug.bank.backend import Backend
from smaug.bank.errors import CheckpointNotFound, ObjectNotFound, PreconditionFailed
from smaug.bank.keys import encode_segment, join, validate_key
from smaug.bank.objects import Section

PROTECTING = "protecting"
AVAILABLE = "available"
ERROR = "error"
DELETING = "deleting"
DELETED = "deleted"
ERROR_DELETING = "error-deleting"
WAIT_COPYING = "wait_copying"
COPYING = "copying"
STATUSES = frozenset(
    {PROTECTING, AVAILABLE, ERROR, DELETING, DELETED, ERROR_DELETING, WAIT_COPYING, COPYING}
)
# Statuses in which a checkpoint is still being written (its pending chunk references count).
IN_FLIGHT = frozenset({PROTECTING, WAIT_COPYING, COPYING})
FORMAT_VERSION = 1
CHECKPOINT_PREFIX = "checkpoints/"


@dataclass(frozen=True)
class CheckpointMeta:
    id: str
    project_id: str
    provider_id: str
    plan: dict[str, Any]  # summary: id, name, resources, ...
    status: str
    created_at: float  # unix seconds
    owner_id: str  # name of the lease of the protection service that writes it
    resource_graph: str = ""  # JSON text
    extra_info: dict[str, Any] = field(default_factory=dict)
    updated_at: float = 0.0
    version: int = FORMAT_VERSION

    @property
    def plan_id(self) -> str | None:
        value = self.plan.get("id")
        return str(value) if value else None

    def to_json(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> CheckpointMeta:
        record = json.loads(data)
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in record.items() if key in known})


def _as_unix(value: float | datetime | None) -> float | None:
    if value is None or isinstance(value, (int, float)):
        return value
    return value.timestamp()


def resource_section(resource_type: str, resource_id: str) -> str:
    """The section (relative to its checkpoint) for one resource, e.g.
    'resources/OS_3a_3aNova_3a_3aServer/7f3e…'."""
    return join("resources", encode_segment(resource_type), encode_segment(resource_id))


class CheckpointStore:
    def __init__(
        self, backend: Backend, bank_name: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.backend = backend
        self.bank_name = bank_name
        self._clock = clock
        self._root = Section(backend, bank_name=bank_name)

    # -- keys ------------------------------------------------------------------------------
    @staticmethod
    def meta_key(checkpoint_id: str) -> str:
        validate_key(checkpoint_id, field="checkpoint id")
        if "/" in checkpoint_id:
            raise ValueError(f"checkpoint id {checkpoint_id!r} must be a single key segment")
        return f"{CHECKPOINT_PREFIX}{checkpoint_id}/meta"

    @staticmethod
    def area(checkpoint_id: str, kind: str, section: str = "") -> str:
        """Key prefix of a checkpoint's objects/streams/pending area (no trailing '/')."""
        if section:
            validate_key(section, field="section")
        return join(CHECKPOINT_PREFIX, checkpoint_id, kind, section)

    # -- create / read / update --------------------------------------------------------------
    def create(
        self,
        *,
        project_id: str,
        provider_id: str,
        plan: dict[str, Any],
        owner_id: str,
        extra_info: dict[str, Any] | None = None,
        checkpoint_id: str | None = None,
        created_at: float | datetime | None = None,
        resource_graph: str = "",
        status: str = PROTECTING,
    ) -> CheckpointMeta:
        """A new checkpoint, protecting (or, for a copy, wait_copying) until its flow ends."""
        if status not in IN_FLIGHT:
            raise ValueError(f"a checkpoint starts in one of {sorted(IN_FLIGHT)}, not {status!r}")
        checkpoint_id = checkpoint_id or str(uuid.uuid4())
        for value, name in ((project_id, "project id"), (provider_id, "provider id")):
            validate_key(value, field=name)
        plan_id = plan.get("id")
        if plan_id:
            validate_key(str(plan_id), field="plan id")
        now = self._clock()
        meta = CheckpointMeta(
            id=checkpoint_id,
            project_id=project_id,
            provider_id=provider_id,
            plan=dict(plan),
            status=status,
            created_at=_as_unix(created_at) or now,
            owner_id=owner_id,
            resource_graph=resource_graph,
            extra_info=dict(extra_info or {}),
            updated_at=now,
        )
        self.backend.put(self.meta_key(checkpoint_id), meta.to_json(), if_none_match=True)
        stamp = indices.micros(meta.created_at)
        for scope in indices.scopes_for(provider_id, project_id, meta.plan_id):
            for newest in (True, False):
                name = indices.entry_name(stamp, checkpoint_id, newest)
                self.backend.put(scope.prefix(newest) + name, checkpoint_id.encode())
        return meta

    def get(self, checkpoint_id: str) -> CheckpointMeta:
        return self._get_with_etag(checkpoint_id)[0]

    def _get_with_etag(self, checkpoint_id: str) -> tuple[CheckpointMeta, str]:
        try:
            data, info = self.backend.get_with_info(self.meta_key(checkpoint_id))
        except ObjectNotFound:
            raise CheckpointNotFound(checkpoint_id, self.bank_name) from None
        return CheckpointMeta.from_json(data), info.etag

    def update(
        self,
        checkpoint_id: str,
        *,
        status: str | None = None,
        resource_graph: str | None = None,
        extra_info: dict[str, Any] | None = None,
        expect_status: str | None = None,
    ) -> CheckpointMeta:
        """Change fields with compare-and-swap (retried), so concurrent updaters never lose each
        other's writes. expect_status makes the update conditional (PreconditionFailed)."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown checkpoint status {status!r}; one of {sorted(STATUSES)}")
        for _ in range(50):
            meta, etag = self._get_with_etag(checkpoint_id)
            if expect_status is not None and meta.status != expect_status:
                raise PreconditionFailed(
                    self.meta_key(checkpoint_id),
                    f"checkpoint status is {meta.status!r}, expected {expect_status!r}",
                )
            changed = replace(
                meta,
                status=status if status is not None else meta.status,
                resource_graph=meta.resource_graph if resource_graph is None else resource_graph,
                extra_info=extra_info if extra_info is not None else meta.extra_info,
                updated_at=self._clock(),
            )
            try:
                self.backend.put(self.meta_key(checkpoint_id), changed.to_json(), if_match=etag)
            except PreconditionFailed:
                continue
            if changed.status not in IN_FLIGHT and meta.status in IN_FLIGHT:
                self.clear_pending(checkpoint_id)
            return changed
        raise PreconditionFailed(self.meta_key(checkpoint_id), "too many concurrent updates")

    def delete(self, checkpoint_id: str, *, purge: bool = False) -> None:
        """Mark deleted, drop index entries, then the checkpoint's data. The meta stays (status
        'deleted', as Karbor shows it) unless purge. Chunks are freed by gc.collect_garbage."""
        meta = self.update(checkpoint_id, status=DELETED)
        stamp = indices.micros(meta.created_at)
        for scope in indices.scopes_for(meta.provider_id, meta.project_id, meta.plan_id):
            for newest in (True, False):
                self.backend.delete(
                    scope.prefix(newest) + indices.entry_name(stamp, checkpoint_id, newest)
                )
        for kind in ("objects", "streams", "pending"):
            area = self.area(checkpoint_id, kind) + "/"
            for key in list(self._iter_keys(area)):
                self.backend.delete(key)
        if purge:
            self.backend.delete(self.meta_key(checkpoint_id))

    def _iter_keys(self, prefix: str) -> Iterator[str]:
        marker: str | None = None
        while True:
            page = self.backend.list(prefix, start_after=marker, limit=1000)
            yield from page
            if len(page) < 1000:
                return
            marker = page[-1]

    # -- listing -------------------------------------------------------------------------------
    def list_entries(
        self,
        *,
        provider_id: str | None = None,
        project_id: str | None = None,
        plan_id: str | None = None,
        start: float | datetime | None = None,
        end: float | datetime | None = None,
        limit: int | None = 1000,
        marker: str | None = None,
        sort: str = "desc",
        marker_time: float | None = None,
    ) -> list[tuple[int, str]]:
        """As ``list``, with each checkpoint's creation time (µs), so lists of several banks
        can be merged. ``marker_time`` is the marker's creation time, for a marker kept in
        another bank (without it the marker must be a checkpoint of this bank)."""
        if sort not in ("asc", "desc"):
            raise ValueError(f"sort must be 'asc' or 'desc', not {sort!r}")
        newest = sort == "desc"
        scope = indices.choose_scope(provider_id, project_id, plan_id)
        prefix = scope.prefix(newest)
        start_us = indices.micros(s) if (s := _as_unix(start)) is not None else None
        end_us = indices.micros(e) if (e := _as_unix(end)) is not None else None
        after: str | None = None
        if marker:
            created = self.get(marker).created_at if marker_time is None else marker_time
            after = prefix + indices.entry_name(indices.micros(created), marker, newest)
        # Where the date range starts in this direction ('~' sorts after every id character).
        if newest and end_us is not None:
            after = max(after or "", prefix + indices.time_key(end_us, True) + "~")
        if not newest and start_us:
            after = max(after or "", prefix + indices.time_key(start_us - 1, False) + "~")
        ids: list[tuple[int, str]] = []
        while limit is None or len(ids) < limit:
            want = None if limit is None else limit - len(ids)
            page = self.backend.list(prefix, start_after=after, limit=want)
            for key in page:
                stamp, checkpoint_id = indices.parse_entry(key[len(prefix) :], newest)
                if newest and start_us is not None and stamp < start_us:
                    return ids
                if not newest and end_us is not None and stamp >= end_us:
                    return ids
                ids.append((stamp, checkpoint_id))
            if not page or (want is not None and len(page) < want):
                return ids
            after = page[-1]
        return ids

    def list(
        self,
        *,
        provider_id: str | None = None,
        project_id: str | None = None,
        plan_id: str | None = None,
        start: float | datetime | None = None,
        end: float | datetime | None = None,
        limit: int | None = 1000,
        marker: str | None = None,
        sort: str = "desc",
        marker_time: float | None = None,
    ) -> list[str]:
        """Checkpoint ids, newest first by default ('asc' for oldest first), created in
        [start, end), after the checkpoint `marker`, at most `limit`. One index listing of about
        `limit` keys: the cost follows the page size, not the bank's size."""
        return [
            checkpoint_id
            for _, checkpoint_id in self.list_entries(
                provider_id=provider_id,
                project_id=project_id,
                plan_id=plan_id,
                start=start,
                end=end,
                limit=limit,
                marker=marker,
                sort=sort,
                marker_time=marker_time,
            )
        ]

    # -- sections, streams, pending references -------------------------------------------------
    def objects(self, checkpoint_id: str, section: str, *, read_only: bool = False) -> Section:
        return Section(
            self.backend,
            self.area(checkpoint_id, "objects", section),
            read_only=read_only,
            bank_name=self.bank_name,
        )

    def streams(self, checkpoint_id: str, section: str, *, read_only: bool = False) -> Section:
        return Section(
            self.backend,
            self.area(checkpoint_id, "streams", section),
            read_only=read_only,
            bank_name=self.bank_name,
        )

    def register_pending(self, checkpoint_id: str, names: Sequence[str]) -> None:
        """Record the chunk objects (storage keys, which reveal nothing in encrypted banks) an
        in-flight checkpoint is about to rely on; read by gc.py. Use Bank.register_pending."""
        if not names:
            return
        key = join(self.area(checkpoint_id, "pending"), uuid.uuid4().hex)
        # Needs no fsync: after a host crash its checkpoint fails and the list is moot.
        self.backend.put(key, "\n".join(names).encode(), durable=False)

    def pending_names(self, checkpoint_id: str) -> set[str]:
        found: set[str] = set()
        for key in self._iter_keys(self.area(checkpoint_id, "pending") + "/"):
            try:
                found.update(self.backend.get(key).decode().split())
            except ObjectNotFound:
                continue
        return found

    def clear_pending(self, checkpoint_id: str) -> None:
        for key in list(self._iter_keys(self.area(checkpoint_id, "pending") + "/")):
            self.backend.delete(key)

    def manifest_keys(self, checkpoint_id: str) -> Iterator[str]:
        """Bank keys of every stream manifest of the checkpoint."""
        return self._iter_keys(self.area(checkpoint_id, "streams") + "/")

    def all_ids(self) -> Iterator[str]:
        """Every indexed checkpoint, oldest first (for GC and maintenance)."""
        prefix = indices.IndexScope(("all",)).prefix(False)
        for key in self._iter_keys(prefix):
            yield indices.parse_entry(key[len(prefix) :], False)[1]
