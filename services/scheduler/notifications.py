"""Listening to OpenStack notifications on RabbitMQ and recording the matching ones as events of
notification triggers.

Every scheduler replica consumes one shared, durable queue (``notification_queue``) bound to
each configured exchange with the routing key ``<topic>.info``, so the services' own
``notifications.info`` queues (read by other consumers such as Ceilometer) are left alone and a
notification is delivered to one replica at a time. A message is acknowledged only after its
events are committed; one delivered again (the replica died before acknowledging, the broker
redelivers) finds its events recorded already (unique per trigger and message id) and changes
nothing. Messages that are not notifications are acknowledged and dropped.

kombu (the AMQP library oslo.messaging itself uses) is synchronous: the consumer runs in its own
thread and reconnects with backoff when the broker goes away.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from kombu.connection import Connection
from kombu.entity import Exchange, Queue, binding
from sqlalchemy.orm import Session

from smaug.scheduler.notification_format import NotANotification, Notification, parse
from smaug.scheduler.settings import SchedulerSettings
from smaug.store import events
from smaug.store.db import Store
from smaug.store.events import EventRule, NewEvent
from smaug.store.models import ScheduledOperation, Trigger

log = logging.getLogger(__name__)
PREFETCH = 32
# The shared queue goes away after three days without consumers and keeps at most this many
# messages (the oldest are dropped), so a Smaug taken away does not fill the broker.
QUEUE_ARGUMENTS = {"x-expires": 3 * 86400 * 1000, "x-max-length": 100_000}


def broker_url(url: str) -> str:
    """An oslo.messaging transport URL (rabbit://...) as kombu's amqp:// URL."""
    if url.startswith("rabbit://"):
        return "amqp://" + url.removeprefix("rabbit://")
    return url


@dataclass(frozen=True)
class Watched:
    trigger_id: str
    project_id: str
    rule: EventRule


def watched_triggers(session: Session) -> list[Watched]:
    """Notification triggers with at least one enabled scheduled operation."""
    rows = session.scalars(
        sa.select(Trigger)
        .where(
            Trigger.type == events.EVENT,
            Trigger.id.in_(
                sa.select(ScheduledOperation.trigger_id).where(ScheduledOperation.enabled.is_(True))
            ),
        )
        .order_by(Trigger.id)
    ).all()
    found = []
    for row in rows:
        rule = EventRule.from_json(row.event)
        if rule is not None and rule.source == "notification":
            found.append(Watched(row.id, row.project_id, rule))
    return found


def matching(watched: list[Watched], notification: Notification) -> list[Watched]:
    return [
        w
        for w in watched
        if w.rule.matches_notification(
            w.project_id,
            notification.event_type,
            notification.project_id,
            notification.resource_type,
        )
    ]


def to_event(notification: Notification) -> NewEvent:
    return NewEvent(
        key=f"notification:{notification.message_id}",
        source=events.NOTIFICATION,
        event_type=notification.event_type,
        event_time=notification.timestamp,
        project_id=notification.project_id,
        resource_type=notification.resource_type,
        resource_id=notification.resource_id,
        user_id=notification.user_id,
        publisher_id=notification.publisher_id,
    )


def record(store: Store, targets: list[Watched], notification: Notification) -> int:
    """Record the notification on every matching trigger in one transaction; returns how many
    triggers got a new event (0 for a redelivered message)."""
    event = to_event(notification)
    added = 0
    with store.write() as session:
        for target in targets:
            try:
                recorded = events.record_event(session, target.trigger_id, event)
            except events.OutsideWindow:
                continue
            if recorded is not None and not recorded.duplicate:
                added += 1
    return added


class NotificationListener:
    """Consumes the shared notification queue in a thread until stopped."""

    def __init__(self, store: Store, settings: SchedulerSettings) -> None:
        self.store = store
        self.settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watched: list[Watched] = []
        self._watched_at = 0.0
        self.received = 0
        self.recorded = 0
        self.connected = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="smaug-notifications", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    # -- the consumer thread ---------------------------------------------------------------

    def _queue(self) -> Queue:
        settings = self.settings
        bindings = [
            binding(
                Exchange(name, type="topic", durable=settings.notification_durable_exchanges),
                routing_key=f"{topic}.info",
            )
            for name in settings.notification_exchanges
            for topic in settings.notification_topics
        ]
        return Queue(
            settings.notification_queue,
            bindings=bindings,
            durable=True,
            auto_delete=False,
            queue_arguments=QUEUE_ARGUMENTS,
        )

    def _run(self) -> None:
        backoff = 1.0
        url = broker_url(self.settings.notification_url)
        while not self._stop.is_set():
            try:
                with Connection(url, connect_timeout=5, heartbeat=30) as connection:
                    connection.connect()
                    queue = self._queue()
                    with connection.Consumer(
                        queue, callbacks=[self._on_message], prefetch_count=PREFETCH
                    ):
                        log.info(
                            "listening to OpenStack notifications",
                            extra={
                                "queue": self.settings.notification_queue,
                                "exchanges": list(self.settings.notification_exchanges),
                            },
                        )
                        self.connected.set()
                        backoff = 1.0
                        while not self._stop.is_set():
                            try:
                                connection.drain_events(timeout=1)
                            except TimeoutError:
                                connection.heartbeat_check()
            except Exception as error:  # broker down, connection lost, bad settings...
                self.connected.clear()
                if self._stop.is_set():
                    break
                log.warning(
                    "notification listener: %s; reconnecting in %.0f s",
                    error,
                    backoff,
                    extra={"url": _redact(url)},
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
        self.connected.clear()

    def _targets(self) -> list[Watched]:
        now = time.monotonic()
        if now - self._watched_at >= self.settings.poll_seconds:
            with self.store.read() as session:
                self._watched = watched_triggers(session)
            self._watched_at = now
        return self._watched

    def _on_message(self, _body: Any, message: Any) -> None:
        self.received += 1
        try:
            notification = parse(message.body)
        except NotANotification as error:
            log.debug("not a notification: %s", error)
            message.ack()
            return
        try:
            targets = matching(self._targets(), notification)
            if targets:
                added = record(self.store, targets, notification)
                self.recorded += added
                if added:
                    log.info(
                        "notification recorded",
                        extra={
                            "event_type": notification.event_type,
                            "message_id": notification.message_id,
                            "project_id": notification.project_id,
                            "triggers": added,
                        },
                    )
        except Exception:
            # The database is away: leave the message to the broker and slow down.
            log.exception("could not record a notification; it will be delivered again")
            message.requeue()
            self._stop.wait(1.0)
            return
        message.ack()


def _redact(url: str) -> str:
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
