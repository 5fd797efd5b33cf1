"""Leases: proof that a protection service is alive, safe against concurrent contenders.

A lease is the object leases/<name> holding its holder, expiry and renewal count. Every change is
a conditional write, so of any set of contenders at most one succeeds:
  - acquire: create with if-none-match (S3 If-None-Match: *, filesystem os.link); if the lease
    exists but has expired, take it over with if-match on the etag we read;
  - renew: if-match on the etag of our last write (LeaseLost if anyone else wrote since);
  - release: delete with if-match.
Expiry is judged with the local clock, so hosts' clocks must agree to well within a TTL (NTP).
`is_alive(name)` is what the protection service asks about a checkpoint's owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from smaug.bank.backend import Backend
from smaug.bank.errors import LeaseHeld, LeaseLost, ObjectNotFound, PreconditionFailed
from smaug.bank.keys import validate_key

LEASE_PREFIX = "leases/"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    expires_at: float
    ttl: float
    etag: str
    renewals: int = 0


@dataclass(frozen=True)
class LeaseRecord:
    name: str
    holder: str
    expires_at: float
    renewals: int
    etag: str


class LeaseManager:
    def __init__(
        self, backend: Backend, bank_name: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._backend = backend
        self._bank = bank_name
        self._clock = clock

    @staticmethod
    def _key(name: str) -> str:
        validate_key(name, field="lease name")
        return LEASE_PREFIX + name

    def _body(self, name: str, holder: str, expires_at: float, renewals: int) -> bytes:
        record = {"name": name, "holder": holder, "expires_at": expires_at, "renewals": renewals}
        return json.dumps(record, sort_keys=True).encode()

    def read(self, name: str) -> LeaseRecord | None:
        try:
            data, info = self._backend.get_with_info(self._key(name))
        except ObjectNotFound:
            return None
        record = json.loads(data)
        return LeaseRecord(
            name,
            str(record["holder"]),
            float(record["expires_at"]),
            int(record["renewals"]),
            info.etag,
        )

    def acquire(self, name: str, holder: str, ttl: float) -> Lease:
        """Take the lease for `holder` for `ttl` seconds; LeaseHeld if someone holds it."""
        key = self._key(name)
        expires = self._clock() + ttl
        body = self._body(name, holder, expires, 0)
        try:
            etag = self._backend.put(key, body, if_none_match=True)
            return Lease(name, holder, expires, ttl, etag)
        except PreconditionFailed:
            pass
        current = self.read(name)
        if current is None:  # released in between: one more create attempt, then give up
            try:
                etag = self._backend.put(key, body, if_none_match=True)
                return Lease(name, holder, expires, ttl, etag)
            except PreconditionFailed:
                current = self.read(name)
                if current is None:
                    raise LeaseHeld(name, "<unknown>", expires) from None
        if current.expires_at > self._clock() and current.holder != holder:
            raise LeaseHeld(name, current.holder, current.expires_at)
        # Expired, or ours already (the same holder reopening the bank, e.g. with new
        # credentials): take it over by compare-and-swap.
        body = self._body(name, holder, expires, current.renewals + 1)
        try:
            etag = self._backend.put(key, body, if_match=current.etag)
        except PreconditionFailed:
            winner = self.read(name)
            raise LeaseHeld(
                name, winner.holder if winner else "<unknown>", winner.expires_at if winner else 0
            ) from None
        if current.holder != holder:
            log.info("lease %s taken over from expired holder %s", name, current.holder)
        return Lease(name, holder, expires, ttl, etag, current.renewals + 1)

    def renew(self, lease: Lease) -> Lease:
        """Extend our lease by its TTL; LeaseLost if it changed hands or vanished."""
        now = self._clock()
        if now >= lease.expires_at:
            # Someone may already have taken it over; our if-match would tell, but a lease that
            # lapsed may have been judged dead by others in the meantime: treat it as lost.
            raise LeaseLost(lease.name, f"expired {now - lease.expires_at:.1f} s before renewal")
        expires = now + lease.ttl
        body = self._body(lease.name, lease.holder, expires, lease.renewals + 1)
        try:
            etag = self._backend.put(self._key(lease.name), body, if_match=lease.etag)
        except PreconditionFailed:
            raise LeaseLost(lease.name, "another holder wrote it since our last renewal") from None
        return Lease(lease.name, lease.holder, expires, lease.ttl, etag, lease.renewals + 1)

    def release(self, lease: Lease) -> None:
        try:
            self._backend.delete(self._key(lease.name), if_match=lease.etag)
        except PreconditionFailed:
            log.warning("lease %s was no longer ours at release", lease.name)

    def is_alive(self, name: str) -> bool:
        """Whether a lease of this name is held and not expired."""
        record = self.read(name)
        return record is not None and record.expires_at > self._clock()


class LeaseKeeper:
    """Holds a lease in the background: renews it every ttl/3 from the event loop.

    `lost` is set if renewal fails for good; the owner must stop acting (its checkpoints will be
    failed by whoever sees the lease expired).
    """

    def __init__(self, manager: LeaseManager, name: str, holder: str, ttl: float = 60.0) -> None:
        self._manager = manager
        self._name = name
        self._holder = holder
        self._ttl = ttl
        self.lease: Lease | None = None
        self.lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> Lease:
        self.lease = await asyncio.to_thread(
            self._manager.acquire, self._name, self._holder, self._ttl
        )
        self._task = asyncio.create_task(self._renew_forever(), name=f"lease-{self._name}")
        return self.lease

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            assert self.lease is not None
            try:
                self.lease = await asyncio.to_thread(self._manager.renew, self.lease)
            except LeaseLost:
                log.error("lease %s lost; stopping renewals", self._name)
                self.lost.set()
                return
            except Exception:  # transient store errors: retry until the lease runs out
                log.exception("renewing lease %s failed; will retry", self._name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.lease is not None and not self.lost.is_set():
            await asyncio.to_thread(self._manager.release, self.lease)
        self.lease = None
