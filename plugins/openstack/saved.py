"""A resource's saved record: JSON objects in its checkpoint section, with the checks verify
and copy share."""

from __future__ import annotations

import json
from typing import Any

import grpc

from smaug.bank.client import SectionClient
from smaug.plugins.sdk import Hook, PluginError


async def save(hook: Hook, name: str, record: dict[str, Any]) -> int:
    """Store ``record`` as the object ``name``; returns its size in bytes."""
    data = json.dumps(record, sort_keys=True).encode()
    async with SectionClient(hook.bank_section) as bank:
        await bank.put_object(name, data)
    return len(data)


async def load(hook: Hook, name: str, version: int) -> dict[str, Any]:
    """The record ``name`` of this resource, checked to be a ``version`` record of it."""
    async with SectionClient(hook.bank_section) as bank:
        data = await bank.get_object(name)
    try:
        record = json.loads(data)
    except ValueError as error:
        raise PluginError(
            f"the checkpoint's {name} record of {hook.resource.type} {hook.resource.id} is not "
            f"JSON ({error}); the checkpoint is damaged",
            grpc.StatusCode.DATA_LOSS,
        ) from None
    if not isinstance(record, dict) or record.get("version") != version:
        found = record.get("version") if isinstance(record, dict) else type(record).__name__
        raise PluginError(
            f"the checkpoint's {name} record of {hook.resource.type} {hook.resource.id} has "
            f"version {found!r}; this plugin reads version {version}",
            grpc.StatusCode.FAILED_PRECONDITION,
        )
    return record


def require(record: dict[str, Any], hook: Hook, keys: dict[str, type]) -> None:
    """Verify: the record names this resource and holds ``keys`` with the right types."""
    wrong = [key for key, kind in keys.items() if not isinstance(record.get(key), kind)]
    if record.get("id") != hook.resource.id:
        wrong.insert(0, f"id (names {record.get('id')!r})")
    if wrong:
        raise PluginError(
            f"the checkpoint's record of {hook.resource.type} {hook.resource.id} is damaged: "
            f"bad or missing {', '.join(wrong)}",
            grpc.StatusCode.DATA_LOSS,
        )


async def copy(hook: Hook, *names: str) -> None:
    """Copy the named objects to the destination checkpoint's section."""
    async with (
        SectionClient(hook.bank_section) as source,
        SectionClient(hook.copy_bank_section) as destination,
    ):
        for name in names:
            await destination.put_object(name, await source.get_object(name))
