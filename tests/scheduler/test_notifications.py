"""Notification triggers against a real RabbitMQ (the one tools/openstack runs) with messages in
oslo.messaging's wire format: filters, a redelivered message recorded once, a burst of twenty
coalesced into one protect, two listener replicas sharing the queue; and the decoding of real
notification bodies. (tests/openstack/test_event_triggers.py drives the real Cinder.)"""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from api.test_plans import create as create_plan
from kombu.connection import Connection
from kombu.entity import Exchange
from kombu.messaging import Producer

from scheduler.conftest import Mesh
from scheduler.test_engine import claim_rows, wait_for
from scheduler.test_events import bind, create_trigger, event_trigger
from smaug.scheduler import claims
from smaug.scheduler.notification_format import NotANotification, parse
from smaug.scheduler.notifications import NotificationListener, record, to_event, watched_triggers
from smaug.scheduler.settings import SchedulerSettings
from smaug.store import events
from smaug.store.models import TriggerEvent
from smaug.v1 import triggers_pb2

RABBIT = "amqp://guest:guest@127.0.0.1:5672//"
PROJECT = "5fd27305f0d14b59ac150b8eb0dfeae5"


@dataclass
class Bus:
    """A private exchange and queue on the real broker (deleted afterwards)."""

    exchange: str
    queue: str

    def publish(self, *messages: dict[str, Any], raw: bytes | None = None) -> None:
        with Connection(RABBIT) as connection:
            producer = Producer(connection.channel())
            exchange = Exchange(self.exchange, type="topic", durable=False)
            for message in messages:
                envelope = {"oslo.version": "2.0", "oslo.message": json.dumps(message)}
                producer.publish(
                    json.dumps(envelope),
                    exchange=exchange,
                    routing_key="notifications.info",
                    content_type="application/json",
                    content_encoding="utf-8",
                    declare=[exchange],
                )
            if raw is not None:
                producer.publish(
                    raw, exchange=exchange, routing_key="notifications.info", declare=[exchange]
                )

    def settings(self) -> SchedulerSettings:
        return SchedulerSettings(
            poll_seconds=0.1,
            notification_url="rabbit://guest:guest@127.0.0.1:5672/",
            notification_exchanges=(self.exchange,),
            notification_queue=self.queue,
        )


@pytest.fixture
def bus() -> Iterator[Bus]:
    with socket.socket() as probe:
        probe.settimeout(3)
        assert probe.connect_ex(("127.0.0.1", 5672)) == 0, (
            "RabbitMQ is not running on 127.0.0.1:5672: run tools/openstack (tools/test does)"
        )
    suffix = uuid.uuid4().hex[:8]
    found = Bus(f"smaug-test-{suffix}", f"smaug-test-{suffix}.notifications")
    try:
        yield found
    finally:
        with Connection(RABBIT) as connection:
            channel = connection.channel()
            channel.queue_delete(found.queue)
            channel.exchange_delete(found.exchange)


def volume_created(volume_id: str, project: str = PROJECT, **changes: Any) -> dict[str, Any]:
    """A volume.create.end notification as Cinder sends it (fields from a real one)."""
    message = {
        "message_id": str(uuid.uuid4()),
        "publisher_id": "volume.lite@file#file",
        "event_type": "volume.create.end",
        "priority": "INFO",
        "payload": {
            "tenant_id": project,
            "user_id": "5eaed74cc1304fbc865127276d737d7e",
            "volume_id": volume_id,
            "display_name": "data",
            "status": "available",
            "size": 1,
        },
        "timestamp": "2026-11-25 02:47:06.013144",
        "_unique_id": uuid.uuid4().hex,
        "_context_user_id": "5eaed74cc1304fbc865127276d737d7e",
        "_context_project_id": "admin-project",
    }
    message.update(changes)
    return message


def notification_rule(quiet: int, **filters: Any) -> triggers_pb2.EventRule:
    return triggers_pb2.EventRule(
        notification=triggers_pb2.NotificationEventSource(**filters),
        quiet_period_seconds=quiet,
    )


def trigger_events(mesh: Mesh, trigger_id: str) -> list[TriggerEvent]:
    with mesh.store.read() as session:
        return list(
            session.scalars(
                sa.select(TriggerEvent)
                .where(TriggerEvent.trigger_id == trigger_id)
                .order_by(TriggerEvent.id)
            ).all()
        )


def test_parse_real_notification_bodies() -> None:
    volume = volume_created("v-1")
    parsed = parse(json.dumps({"oslo.version": "2.0", "oslo.message": json.dumps(volume)}))
    assert parsed.event_type == "volume.create.end" and parsed.message_id == volume["message_id"]
    assert parsed.project_id == PROJECT  # the volume's owner, not the acting project
    assert (parsed.resource_type, parsed.resource_id) == ("OS::Cinder::Volume", "v-1")
    assert parsed.timestamp == datetime(2026, 11, 25, 2, 47, 6, 13144)
    # The v1 envelope (the message itself), nova's legacy and neutron's nested payloads.
    server = parse(
        {
            "message_id": "m",
            "event_type": "compute.instance.create.end",
            "payload": {"instance_id": "i-1", "tenant_id": "p"},
        }
    )
    assert (server.resource_type, server.resource_id, server.project_id) == (
        "OS::Nova::Server",
        "i-1",
        "p",
    )
    network = parse(
        {
            "message_id": "n",
            "event_type": "network.create.end",
            "payload": {"network": {"id": "net-1", "project_id": "p2"}},
        }
    )
    assert (network.resource_type, network.resource_id, network.project_id) == (
        "OS::Neutron::Network",
        "net-1",
        "p2",
    )
    image = parse(
        {"message_id": "g", "event_type": "image.update", "payload": {"id": "img", "owner": "p3"}}
    )
    assert (image.resource_type, image.project_id) == ("OS::Glance::Image", "p3")
    unknown = parse(
        {"message_id": "x", "event_type": "identity.project.created", "_context_project_id": "p4"}
    )
    assert (unknown.resource_type, unknown.project_id) == ("", "p4")
    for bad in (b"not json", b"[1]", json.dumps({"oslo.message": "{"}), {"event_type": "x"}):
        with pytest.raises(NotANotification):
            parse(bad)


async def test_notifications_fire_once_per_burst_and_redelivery_counts_once(
    mesh: Mesh, bus: Bus
) -> None:
    plan = await create_plan(mesh.admin)
    trigger = await create_trigger(
        mesh,
        event_trigger(
            notification_rule(
                2,
                event_types=["volume.create.end", "snapshot.*"],
                project_id=PROJECT,
                resource_types=["OS::Cinder::Volume"],
            ),
            name="volumes",
        ),
    )
    op_id = await bind(mesh, trigger.id, plan.id)
    settings = bus.settings()
    listeners = [NotificationListener(mesh.store, settings) for _ in range(2)]
    for listener in listeners:
        listener.start()
    try:
        for listener in listeners:
            assert await asyncio.to_thread(listener.connected.wait, 20), "listener not connected"
        await mesh.engine("replica-a")
        await mesh.engine("replica-b")

        # A replica recorded this one and died before acknowledging it: the broker delivers it
        # again; recorded already, it changes nothing.
        delivered_twice = volume_created("vol-0")
        with mesh.store.read() as session:
            watched = watched_triggers(session)
        assert [w.trigger_id for w in watched] == [trigger.id]
        assert await asyncio.to_thread(record, mesh.store, watched, parse(delivered_twice)) == 1
        ignored = [
            volume_created("other-project", project="someone-else"),
            volume_created("deleted", event_type="volume.delete.end"),
            # Matches the event type pattern but is no volume.
            volume_created("snap", event_type="snapshot.create.end"),
        ]
        burst = [volume_created(f"vol-{i}") for i in range(1, 20)]
        bus.publish(delivered_twice, *ignored, *burst, delivered_twice, raw=b"definitely not json")
        await wait_for(lambda: len(trigger_events(mesh, trigger.id)) == 20)
        await wait_for(lambda: any(r.state == claims.SUCCEEDED for r in claim_rows(mesh)))
        await asyncio.sleep(3)  # a second protect would have started by now
        assert len(mesh.fake.creates) == 1
        recorded = trigger_events(mesh, trigger.id)
        assert len(recorded) == 20 and len({e.firing_id for e in recorded}) == 1
        assert {e.resource_id for e in recorded} == {f"vol-{i}" for i in range(20)}
        first = recorded[0]
        assert first.event_key == f"notification:{delivered_twice['message_id']}"
        assert first.source == events.NOTIFICATION and first.project_id == PROJECT
        assert first.publisher_id == "volume.lite@file#file"
        created = mesh.fake.creates[0]
        assert created.extra_info["event_source"] == "notification"
        assert created.extra_info["event_type"] == "volume.create.end"
        assert created.extra_info["event_count"] == 20
        assert created.extra_info["scheduled_operation_id"] == op_id
        assert sum(listener.received for listener in listeners) == 25
    finally:
        for listener in listeners:
            await asyncio.to_thread(listener.stop)


async def test_listener_survives_a_broker_it_cannot_reach(mesh: Mesh) -> None:
    """A wrong address is retried with backoff, never crashing the scheduler."""
    settings = SchedulerSettings(
        poll_seconds=0.1, notification_url="amqp://guest:guest@127.0.0.1:1//"
    )
    listener = NotificationListener(mesh.store, settings)
    listener.start()
    await asyncio.sleep(1.5)
    assert not listener.connected.is_set()
    await asyncio.to_thread(listener.stop)
    assert listener._thread is not None and not listener._thread.is_alive()
    assert to_event(parse(volume_created("v"))).key.startswith("notification:")
