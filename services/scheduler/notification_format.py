"""OpenStack notifications as they travel on RabbitMQ, decoded into what triggers filter on.

oslo.messaging's messagingv2 driver publishes each notification to the service's exchange
(``cinder``, ``nova``, ``neutron``, ``glance``...) with routing key ``<topic>.<priority>``
(``notifications.info``), as a JSON body ``{"oslo.version": "2.0", "oslo.message": "<JSON>"}``
whose inner message is ``{"message_id", "publisher_id", "event_type", "priority", "payload",
"timestamp", "_context_<key>": ...}``. The older ``messaging`` driver sends the inner message
itself; both are accepted.

The resource a notification is about is derived from its event type (``volume.create.end`` is
about an OS::Cinder::Volume) and its owner from the payload (the volume's ``tenant_id``, the
image's ``owner``...), falling back to the acting project in the context.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# Event-type prefix -> (resource type, payload keys holding the resource id, nested object key).
_RESOURCES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("compute.instance.", "OS::Nova::Server", ("instance_id",), ""),
    ("instance.", "OS::Nova::Server", ("uuid", "instance_id"), ""),
    ("volume.", "OS::Cinder::Volume", ("volume_id",), ""),
    ("snapshot.", "OS::Cinder::Snapshot", ("snapshot_id",), ""),
    ("image.", "OS::Glance::Image", ("id", "image_id"), ""),
    ("network.", "OS::Neutron::Network", ("network_id", "id"), "network"),
    ("subnet.", "OS::Neutron::Subnet", ("subnet_id", "id"), "subnet"),
    ("port.", "OS::Neutron::Port", ("port_id", "id"), "port"),
    ("router.", "OS::Neutron::Router", ("router_id", "id"), "router"),
    (
        "security_group.",
        "OS::Neutron::SecurityGroup",
        ("security_group_id", "id"),
        "security_group",
    ),
    ("share.", "OS::Manila::Share", ("share_id",), ""),
)
RESOURCE_TYPES = tuple(sorted({r[1] for r in _RESOURCES}))
_PROJECT_KEYS = ("tenant_id", "project_id", "owner")
_CONTEXT_PROJECT = ("project_id", "tenant", "tenant_id", "project")
_CONTEXT_USER = ("user_id", "user")


@dataclass(frozen=True)
class Notification:
    message_id: str
    event_type: str
    publisher_id: str
    priority: str
    timestamp: datetime | None
    project_id: str
    user_id: str
    resource_type: str
    resource_id: str


class NotANotification(ValueError):
    """The message is not an oslo.messaging notification; the reason says why."""


def _inner(body: Any) -> Mapping[str, Any]:
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as error:
            raise NotANotification(f"the body is not JSON: {error}") from None
    if not isinstance(body, Mapping):
        raise NotANotification("the body is not a JSON object")
    if "oslo.message" in body:
        inner = body["oslo.message"]
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except ValueError as error:
                raise NotANotification(f"oslo.message is not JSON: {error}") from None
        if not isinstance(inner, Mapping):
            raise NotANotification("oslo.message is not a JSON object")
        return inner
    return body


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("T", " ").removesuffix("Z")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text[:26], fmt)
        except ValueError:
            continue
    return None


def resource_of(event_type: str, payload: Mapping[str, Any]) -> tuple[str, str, Mapping[str, Any]]:
    """(resource type, resource id, the object describing the resource) of a notification."""
    versioned = payload.get("nova_object.data")
    body: Mapping[str, Any] = versioned if isinstance(versioned, Mapping) else payload
    for prefix, resource_type, id_keys, nested in _RESOURCES:
        if not event_type.startswith(prefix):
            continue
        inner = body.get(nested) if nested else None
        described = inner if isinstance(inner, Mapping) else body
        for key in id_keys:
            for source in (described, body):
                found = _text(source.get(key))
                if found:
                    return resource_type, found, described
        return resource_type, "", described
    return "", "", body


def parse(body: Any) -> Notification:
    """Decode one AMQP message body; NotANotification when it is not a notification."""
    message = _inner(body)
    event_type = _text(message.get("event_type"))
    message_id = _text(message.get("message_id"))
    if not event_type or not message_id:
        raise NotANotification("no event_type or message_id")
    payload = message.get("payload")
    if not isinstance(payload, Mapping):
        payload = {}
    resource_type, resource_id, described = resource_of(event_type, payload)
    project = ""
    for source in (described, payload):
        for key in _PROJECT_KEYS:
            project = _text(source.get(key))
            if project:
                break
        if project:
            break
    if not project:
        for key in _CONTEXT_PROJECT:
            project = _text(message.get(f"_context_{key}"))
            if project:
                break
    user = ""
    for key in _CONTEXT_USER:
        user = _text(message.get(f"_context_{key}"))
        if user:
            break
    return Notification(
        message_id=message_id,
        event_type=event_type,
        publisher_id=_text(message.get("publisher_id")),
        priority=_text(message.get("priority")).upper(),
        timestamp=_timestamp(message.get("timestamp")),
        project_id=project,
        user_id=user or _text(payload.get("user_id")),
        resource_type=resource_type,
        resource_id=resource_id,
    )
