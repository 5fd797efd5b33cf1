"""The scheduler engine: every replica polls the store, claims due occurrences exactly once
(``smaug.scheduler.claims``), takes over runs whose replica stopped renewing its lease, records
occurrences nobody could start within the window as dropped, and runs the claimed ones through
the api (``smaug.scheduler.runner``).

EVENT triggers: each poll also records the new checkpoints chained triggers wait for
(``smaug.scheduler.chains``), fires the firings whose quiet period passed
(``smaug.store.events``), and treats every FIRED firing as one occurrence of the trigger. The
notification listener (``smaug.scheduler.notifications``) records notifications as they come."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from smaug.api.schedules import Rule, RuleError
from smaug.mesh.errors import RpcError
from smaug.mesh.identity import Identity
from smaug.mesh.keystone import Trusts
from smaug.scheduler import chains, claims, runner
from smaug.scheduler.claims import Claimed, OperationView, Snapshot, TriggerView
from smaug.scheduler.settings import SchedulerSettings
from smaug.store import events
from smaug.store.db import Store, utcnow
from smaug.store.events import FiringSummary

log = logging.getLogger(__name__)
T = TypeVar("T")
RETENTION = 2  # smaug.v1.ScheduledOperationType.SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT
COPY = 3  # smaug.v1.ScheduledOperationType.SCHEDULED_OPERATION_TYPE_COPY
MAX_PER_OPERATION = 200  # occurrences of one operation handled per poll
ORPHANED = "the scheduled operation was disabled or deleted while its run was lost"


class Engine:
    def __init__(
        self,
        store: Store,
        api: runner.ApiClient,
        settings: SchedulerSettings,
        replica: str,
        trusts: Trusts | None = None,
    ) -> None:
        self.store = store
        self.trusts = trusts
        self.api = api
        self.settings = settings
        self.replica = replica
        self.enabled = True
        self.service_id = 0
        self.inflight: dict[int, asyncio.Task[None]] = {}
        self._rules: dict[tuple[Any, ...], Rule | None] = {}
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._polls = 0

    # -- database helpers --------------------------------------------------------------------

    def _write_sync(self, work: Callable[[Session], T]) -> T:
        with self.store.write() as session:
            return work(session)

    async def write(self, work: Callable[[Session], T]) -> T:
        return await asyncio.to_thread(self._write_sync, work)

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        await self.beat()
        self._tasks = [
            asyncio.ensure_future(self._loop(self.beat, self.settings.heartbeat_seconds)),
            asyncio.ensure_future(self._loop(self.poll, self.settings.poll_seconds)),
        ]
        log.info(
            "scheduler engine started",
            extra={"replica": self.replica, "service_id": self.service_id},
        )

    async def stop(self) -> None:
        """Stop claiming; runs under way get stop_grace_seconds to finish, then are abandoned
        (their claims go stale and another replica takes them over)."""
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        pending = list(self.inflight.values())
        if pending:
            _done, left = await asyncio.wait(pending, timeout=self.settings.stop_grace_seconds)
            for task in left:
                task.cancel()
            await asyncio.gather(*left, return_exceptions=True)
            if left:
                log.warning("abandoned runs at stop", extra={"runs": len(left)})
        await self.api.close()

    async def _loop(self, step: Callable[[], Any], interval: float) -> None:
        while not self._stopping.is_set():
            try:
                await step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("scheduler step failed; retrying", extra={"step": step.__name__})
            try:
                await asyncio.wait_for(self._stopping.wait(), interval)
            except TimeoutError:
                pass

    async def beat(self) -> None:
        """Service heartbeat, and renewal of the leases of the runs this replica holds."""
        ids = list(self.inflight)

        def work(session: Session) -> tuple[int, bool]:
            found = claims.heartbeat(session, self.replica)
            claims.renew(session, self.replica, ids)
            return found

        self.service_id, enabled = await self.write(work)
        if enabled != self.enabled:
            log.info(
                "replica %s", "enabled" if enabled else "disabled", extra={"replica": self.replica}
            )
        self.enabled = enabled

    # -- polling -----------------------------------------------------------------------------

    async def poll(self) -> None:
        if not self.enabled or self._stopping.is_set():
            return
        capacity = self.settings.max_concurrent_runs - len(self.inflight)
        for claimed in await asyncio.to_thread(self._poll_sync, capacity):
            self._spawn(claimed)

    def _rule(self, trigger: TriggerView) -> Rule | None:
        key = trigger.rule_key
        if key not in self._rules:
            if len(self._rules) > 10_000:
                self._rules.clear()
            try:
                self._rules[key] = Rule(
                    trigger.format, trigger.pattern, trigger.start_time, trigger.end_time
                )
            except RuleError as error:
                log.error(
                    "trigger rule does not parse",
                    extra={"trigger_id": trigger.id, "error": str(error)},
                )
                self._rules[key] = None
        return self._rules[key]

    def _poll_sync(self, capacity: int) -> list[Claimed]:
        now = utcnow()
        with self.store.read() as session:
            snap = claims.snapshot(session, now, self.settings.claim_stale_seconds)
        claimed: list[Claimed] = []
        claimed.extend(self._take_over(snap, capacity))
        capacity -= len(claimed)
        lookback = now - timedelta(seconds=self.settings.lookback_seconds)
        self._collect_chains(snap, lookback)
        now = utcnow()
        self._fire_due(now)
        for operation in snap.operations:
            trigger = snap.triggers[operation.trigger_id]
            if trigger.type == claims.EVENT:
                capacity -= self._claim_firings(
                    operation, trigger, lookback, now, capacity, claimed
                )
                continue
            rule = self._rule(trigger)
            if rule is None:
                continue
            bounds = (operation.last_occurrence, operation.since, trigger.since, lookback)
            lower = max(t for t in bounds if t is not None)
            for count, occurrence in enumerate(rule.occurrences(lower)):
                if occurrence > now or count >= MAX_PER_OPERATION or self._stopping.is_set():
                    break
                late = (utcnow() - occurrence).total_seconds()
                if late > trigger.window_seconds:
                    self._drop(operation, occurrence, trigger.window_seconds, late)
                    continue
                if capacity <= 0:
                    break
                got = self._write_sync(
                    functools.partial(
                        claims.claim,
                        replica=self.replica,
                        operation=operation,
                        occurrence=occurrence,
                        window_seconds=trigger.window_seconds,
                    )
                )
                if got is not None:
                    claimed.append(got)
                    capacity -= 1
        self._housekeeping(snap, now)
        return claimed

    # -- event triggers ----------------------------------------------------------------------

    def _collect_chains(self, snap: Snapshot, lookback: datetime) -> None:
        """Record, on every checkpoint-available trigger with an enabled operation, the plan's
        protects that ended AVAILABLE since the trigger counts events (each once)."""
        for trigger in snap.triggers.values():
            rule = trigger.event
            if trigger.type != claims.EVENT or rule is None:
                continue
            if rule.source != "checkpoint_available":
                continue
            with self.store.read() as session:
                found = chains.new_checkpoints(session, trigger, rule, lookback)
            for event in found:
                try:
                    recorded = self._write_sync(
                        functools.partial(events.record_event, trigger_id=trigger.id, event=event)
                    )
                except events.OutsideWindow:
                    continue
                if recorded is not None and not recorded.duplicate:
                    log.info(
                        "checkpoint event recorded",
                        extra={
                            "trigger_id": trigger.id,
                            "checkpoint_id": event.resource_id,
                            "firing_id": recorded.firing.id,
                        },
                    )

    def _fire_due(self, now: datetime) -> None:
        with self.store.read() as session:
            due = events.due_firings(session, now)
        for firing_id, trigger_id in due:
            if self._write_sync(
                functools.partial(events.fire, firing_id=firing_id, trigger_id=trigger_id, now=now)
            ):
                log.info("trigger fired", extra={"trigger_id": trigger_id, "firing_id": firing_id})

    def _claim_firings(
        self,
        operation: OperationView,
        trigger: TriggerView,
        lookback: datetime,
        now: datetime,
        capacity: int,
        claimed: list[Claimed],
    ) -> int:
        """Claim (or drop, when too late) the operation's share of its trigger's FIRED firings;
        returns how many runs were claimed."""
        bounds = (operation.last_occurrence, operation.since, trigger.since, lookback)
        lower = max(t for t in bounds if t is not None)
        with self.store.read() as session:
            fired = events.fired_since(session, trigger.id, lower, now, MAX_PER_OPERATION)
        taken = 0
        for firing_id, occurrence in fired:
            if self._stopping.is_set():
                break
            late = (utcnow() - occurrence).total_seconds()
            if late > trigger.window_seconds:
                self._drop(operation, occurrence, trigger.window_seconds, late, firing_id)
                continue
            if capacity - taken <= 0:
                break
            got = self._write_sync(
                functools.partial(
                    claims.claim,
                    replica=self.replica,
                    operation=operation,
                    occurrence=occurrence,
                    window_seconds=trigger.window_seconds,
                    firing_id=firing_id,
                )
            )
            if got is not None:
                claimed.append(got)
                taken += 1
        return taken

    def _drop(
        self,
        operation: OperationView,
        occurrence: datetime,
        window: int,
        late: float,
        firing_id: str | None = None,
    ) -> None:
        what = (
            f"firing {firing_id} (due {occurrence.isoformat()}Z)"
            if firing_id
            else (f"{occurrence.isoformat()}Z occurrence")
        )
        reason = (
            f"dropped: no scheduler replica could start the {what} "
            f"within its {window} s window (looked at {late:.0f} s after it)"
        )

        def work(session: Session) -> bool:
            firing = events.summary(session, firing_id) if firing_id else None
            return claims.drop(session, self.replica, operation, occurrence, reason, firing)

        if self._write_sync(work):
            log.warning(
                "occurrence dropped out of window",
                extra={
                    "scheduled_operation_id": operation.id,
                    "occurrence": occurrence.isoformat(),
                },
            )

    def _take_over(self, snap: Snapshot, capacity: int) -> list[Claimed]:
        if not snap.stale:
            return []
        operations = {o.id: o for o in snap.operations}
        windows = {t.id: t.window_seconds for t in snap.triggers.values()}
        taken: list[Claimed] = []
        for stale in snap.stale:
            if stale.id in self.inflight:
                continue  # ours, still running (the heartbeat lagged)
            if stale.scheduled_operation_id not in operations:
                self._write_sync(
                    functools.partial(claims.abandon_orphan, stale=stale, reason=ORPHANED)
                )
                continue
            if len(taken) >= capacity:
                break
            got = self._write_sync(
                functools.partial(
                    claims.take_over,
                    replica=self.replica,
                    stale=stale,
                    operations=operations,
                    window_seconds=windows,
                )
            )
            if got is not None:
                log.warning(
                    "took over a stale run",
                    extra={
                        "scheduled_operation_id": stale.scheduled_operation_id,
                        "occurrence": stale.occurrence_time.isoformat(),
                        "from_replica": stale.replica,
                    },
                )
                taken.append(got)
        return taken

    def _housekeeping(self, snap: Snapshot, now: datetime) -> None:
        updates: dict[str, datetime | None] = {}
        for trigger in snap.triggers.values():
            if trigger.type == claims.EVENT:
                continue  # next_fire_time follows the pending firing (smaug.store.events)
            if trigger.next_fire_time is not None and trigger.next_fire_time > now:
                continue
            rule = self._rule(trigger)
            if rule is None:
                continue
            following = rule.next_after(now)
            if following != trigger.next_fire_time:
                updates[trigger.id] = following
        if updates:
            self._write_sync(lambda s: claims.set_next_fire(s, updates))
        self._polls += 1
        if self._polls % 100 == 1:
            retention = self.settings.claim_retention_seconds
            self._write_sync(lambda s: claims.prune(s, now, retention))
            self._write_sync(lambda s: events.prune(s, now, retention))

    # -- runs --------------------------------------------------------------------------------

    async def _as_owner(self, identity: Identity, trust_id: str) -> Identity:
        """The owner's identity carrying a token redeemed from their trust, so the plugins
        reach OpenStack as the owner."""
        assert self.trusts is not None
        try:
            token = await asyncio.to_thread(self.trusts.token, trust_id)
        except RpcError as error:
            raise runner.StepFailed("acting as the owner", error.message) from None
        return dataclasses.replace(identity, auth_token=token)

    def _spawn(self, claimed: Claimed) -> None:
        task = asyncio.ensure_future(self._run(claimed))
        self.inflight[claimed.claim_id] = task
        task.add_done_callback(lambda _: self.inflight.pop(claimed.claim_id, None))

    async def _run(self, claimed: Claimed) -> None:
        op = claimed.operation
        rid = runner.request_id(op.id, claimed.occurrence)
        identity = runner.owner_identity(op.project_id, op.user_id, claimed.roles, rid)
        checkpoint_id = ""
        firing: FiringSummary | None = None
        try:
            if claimed.firing_id:
                firing_id = claimed.firing_id
                firing = await self.write(lambda s: events.summary(s, firing_id))
            if op.trust_id and self.trusts is not None:
                identity = await self._as_owner(identity, op.trust_id)
            if self.settings.run_delay_seconds:
                await asyncio.sleep(self.settings.run_delay_seconds)
            if op.operation_type == COPY:
                await self._copy(claimed, identity, firing)
                return
            earlier = None
            if claimed.attempts > 1:
                earlier = await runner.find_earlier_checkpoint(
                    self.api,
                    identity,
                    op.provider_id,
                    op.plan_id,
                    op.id,
                    claimed.occurrence,
                    claimed.firing_id,
                )
            if earlier is None:
                late = (utcnow() - claimed.occurrence).total_seconds()
                if claimed.attempts > 1 and late > claimed.window_seconds:
                    reason = (
                        f"dropped: replica {claimed.previous_replica} claimed the occurrence but "
                        f"stopped before protecting, and the {claimed.window_seconds} s window "
                        "ended before another replica could retry"
                    )
                    await self._finish(
                        claimed, claims.DROPPED, reason, "", log_failure=True, firing=firing
                    )
                    return
                checkpoint = await runner.protect(
                    self.api,
                    identity,
                    provider_id=op.provider_id,
                    plan_id=op.plan_id,
                    operation_id=op.id,
                    trigger_id=op.trigger_id,
                    occurrence=claimed.occurrence,
                    event_info=firing.extra_info() if firing else None,
                )
            else:
                checkpoint = earlier
            checkpoint_id = checkpoint.id

            def note(session: Session) -> None:
                claims.note_checkpoint(session, claimed, checkpoint_id)
                if firing is not None:
                    claims.annotate_logs(
                        session, [checkpoint_id], claims.OPERATION_PROTECT, op.id, firing.log_info()
                    )

            await self.write(note)
            reason = ""
            if op.operation_type == RETENTION:
                deleted = await runner.apply_retention(
                    self.api,
                    identity,
                    provider_id=op.provider_id,
                    plan_id=op.plan_id,
                    max_backups=op.max_backups,
                    retention_days=op.retention_duration_days,
                    now=utcnow(),
                )
                reason = f"retention deleted {deleted} checkpoint(s)" if deleted else ""
            await self._finish(claimed, claims.SUCCEEDED, reason, checkpoint_id)
        except runner.StepFailed as error:
            log.warning(
                "scheduled run failed",
                extra={"scheduled_operation_id": op.id, "error": str(error)},
            )
            await self._finish(
                claimed,
                claims.FAILED,
                str(error),
                checkpoint_id,
                log_failure=not checkpoint_id,
                firing=firing,
            )
        except asyncio.CancelledError:
            raise  # stopping: the claim goes stale and another replica takes it over
        except Exception as error:
            log.exception(
                "scheduled run failed unexpectedly", extra={"scheduled_operation_id": op.id}
            )
            await self._finish(
                claimed,
                claims.FAILED,
                f"internal error: {error!r}"[:500],
                checkpoint_id,
                log_failure=not checkpoint_id,
                firing=firing,
            )

    async def _copy(
        self, claimed: Claimed, identity: Identity, firing: FiringSummary | None
    ) -> None:
        """A COPY run: copy the plan's checkpoints not yet copied to the destination. Retried
        (taken over) it copies nothing twice; protection skips what has a copy already."""
        op = claimed.operation
        destination = op.destination_provider_id or op.provider_id
        copies = await runner.copy(
            self.api,
            identity,
            provider_id=op.provider_id,
            plan_id=op.plan_id,
            destination_provider_id=destination,
        )
        made = [c.copy_checkpoint_id for c in copies]
        if copies:
            pairs = ", ".join(f"{c.source_checkpoint_id} -> {c.copy_checkpoint_id}" for c in copies)
            reason = f"copied {len(copies)} checkpoint(s) into provider {destination}: {pairs}"
        else:
            reason = f"nothing to copy: every available checkpoint has a copy in {destination}"

        def note(session: Session) -> None:
            claims.note_checkpoint(session, claimed, "", made)
            extra = {"trigger_id": op.trigger_id, **(firing.log_info() if firing else {})}
            claims.annotate_logs(session, made, claims.OPERATION_COPY, op.id, extra)

        await self.write(note)
        await self._finish(claimed, claims.SUCCEEDED, reason, "")

    async def _finish(
        self,
        claimed: Claimed,
        state: int,
        reason: str,
        checkpoint_id: str,
        *,
        log_failure: bool = False,
        firing: FiringSummary | None = None,
    ) -> None:
        def work(session: Session) -> bool:
            ended = claims.finish(session, self.replica, claimed, state, reason, checkpoint_id)
            if ended and log_failure:
                claims.failed_log(
                    session,
                    claimed.operation,
                    claimed.occurrence,
                    reason,
                    dropped=state == claims.DROPPED,
                    firing=firing,
                )
            return ended

        for attempt in range(5):
            try:
                if not await self.write(work):
                    log.warning(
                        "run finished after its claim was taken over",
                        extra={"scheduled_operation_id": claimed.operation.id},
                    )
                return
            except Exception:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
