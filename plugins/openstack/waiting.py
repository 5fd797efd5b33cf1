"""Waiting on OpenStack status transitions: with a deadline, reporting each change as
progress, and failing with the resource's own error message."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection
from typing import Any

import grpc

from smaug.plugins.openstack.cloud import call
from smaug.plugins.sdk import Hook, PluginError

ERROR_STATUSES = frozenset(
    {"error", "error_deleting", "error_restoring", "error_extending", "killed"}
)


async def wait_for_status(
    what: str,
    fetch: Callable[[], Any],
    ready: Collection[str],
    *,
    timeout: float,
    poll: float = 1.0,
    hook: Hook | None = None,
    failed: Collection[str] = ERROR_STATUSES,
    reason: Callable[[Any], str] | None = None,
) -> Any:
    """Poll ``fetch()`` (a blocking openstacksdk getter) until the resource's ``status`` is in
    ``ready``; returns the resource. A failed status raises a PluginError naming ``what`` with
    ``reason(resource)`` (the service's fault message); running out of time raises
    DEADLINE_EXCEEDED with the last status seen."""
    deadline = time.monotonic() + timeout
    ready_set = {s.lower() for s in ready}
    failed_set = {s.lower() for s in failed}
    last = ""
    while True:
        resource = await call(f"reading {what}", fetch)
        status = str(getattr(resource, "status", "") or "").lower()
        if status != last and hook is not None:
            await hook.progress(0, 0, f"{what}: {status or 'unknown'}")
        last = status
        if status in ready_set:
            return resource
        if status in failed_set:
            detail = reason(resource) if reason else ""
            raise PluginError(
                f"{what} went to status {status}" + (f": {detail}" if detail else ""),
                grpc.StatusCode.FAILED_PRECONDITION,
            )
        if time.monotonic() >= deadline:
            raise PluginError(
                f"{what} did not become {'/'.join(sorted(ready_set))} within {timeout:.0f}s "
                f"(last status {status or 'unknown'}); raise status_timeout_seconds if the cloud "
                "is slow",
                grpc.StatusCode.DEADLINE_EXCEEDED,
            )
        await asyncio.sleep(poll)


async def wait_for_delete(
    what: str, fetch: Callable[[], Any], *, timeout: float, poll: float = 1.0
) -> None:
    """Poll until ``fetch()`` raises not-found (the resource is gone)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            resource = await call(f"reading {what}", fetch)
        except PluginError as error:
            if error.code == grpc.StatusCode.NOT_FOUND:
                return
            raise
        status = str(getattr(resource, "status", "") or "").lower()
        if status in ERROR_STATUSES:
            raise PluginError(f"deleting {what} failed: status {status}")
        if time.monotonic() >= deadline:
            raise PluginError(
                f"{what} was not deleted within {timeout:.0f}s (status {status or 'unknown'})",
                grpc.StatusCode.DEADLINE_EXCEEDED,
            )
        await asyncio.sleep(poll)
