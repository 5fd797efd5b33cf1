"""Patience with OpenStack: riding out a service's passing failures, and waiting as long as moving
data takes.

A 5xx answer (a database lock, a restarting worker behind a load balancer) or a dropped
connection must not fail an hour-long backup. Reads are simply tried again (``patient``,
``call_patiently``). A create is tried again only after checking that the failed attempt made
nothing (``create_once``, given a way to find what it would have made), so a retry never leaves
a second backup, snapshot or volume behind.

Status transitions that move no data are bounded by the ``status_timeout_seconds`` setting
(waiting.py); a backup, a restore or a copy of an image by ``data_timeout_seconds``
(``wait_for_data``), by default the protection service's hook deadline.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc

from smaug.plugins.openstack.cloud import call, cloud_error
from smaug.plugins.openstack.waiting import wait_for_status
from smaug.plugins.sdk import PluginError

T = TypeVar("T")
ATTEMPTS = 4  # the first try and three more, 1 + 2 + 4 seconds apart
FIRST_PAUSE = 1.0
DATA_TIMEOUT_SECONDS = 6 * 3600.0  # the protection service's default hook deadline


def transient(error: BaseException) -> bool:
    """A failure worth trying again: the service erred (5xx) or the connection failed."""
    from keystoneauth1 import exceptions as ks_exceptions
    from openstack import exceptions as os_exceptions

    if isinstance(error, os_exceptions.HttpException):
        return (error.status_code or 0) >= 500
    return isinstance(
        error, (ks_exceptions.ConnectionError, ks_exceptions.RetriableConnectionFailure)
    )


def patient(read: Callable[..., T], pause: float = FIRST_PAUSE) -> Callable[..., T]:
    """``read`` (a blocking openstacksdk call safe to repeat: a read, a poll, a delete) tried
    again on passing failures; arguments pass through (run it through cloud.call)."""

    def attempt(*args: Any, **kwargs: Any) -> T:
        for number in range(ATTEMPTS):
            try:
                return read(*args, **kwargs)
            except Exception as error:
                if number == ATTEMPTS - 1 or not transient(error):
                    raise
            time.sleep(pause * 2**number)
        raise AssertionError("unreachable")

    return attempt


async def create_once(
    what: str,
    create: Callable[[], T],
    made: Callable[[], Awaitable[T | None]],
    pause: float = FIRST_PAUSE,
) -> T:
    """``create()`` (blocking, run in a thread; its errors reported as ``call`` reports them).
    After a passing failure ``made()`` looks for what the failed attempt may have created anyway;
    only when it finds nothing is the create tried again."""
    for number in range(ATTEMPTS):
        try:
            return await asyncio.to_thread(create)
        except Exception as error:
            if number == ATTEMPTS - 1 or not transient(error):
                raise cloud_error(what, error) from None
        await asyncio.sleep(pause * 2**number)
        found = await made()
        if found is not None:
            return found
    raise AssertionError("unreachable")


async def call_patiently(what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``call`` for a request that may safely be sent again (a read, a delete, setting a value),
    tried again on passing failures."""
    return await call(what, patient(lambda: function(*args, **kwargs)))


def data_timeout_seconds(environ: dict[str, str] | None = None) -> float:
    """How long one data-moving step (a backup, a restore, a snapshot copy) may take; the
    ``data_timeout_seconds`` plugin setting, by default the protection service's hook deadline.
    Status transitions that move no data use ``status_timeout_seconds``."""
    env = os.environ if environ is None else environ
    raw = json.loads(env.get("SMAUG_PLUGIN_CONFIG") or "{}")
    return float(raw.get("data_timeout_seconds", DATA_TIMEOUT_SECONDS))


async def wait_for_data(what: str, fetch: Callable[[], Any], ready: Any, **kwargs: Any) -> Any:
    """``wait_for_status`` for a step that moves data, bounded by ``data_timeout_seconds``."""
    try:
        return await wait_for_status(what, fetch, ready, timeout=data_timeout_seconds(), **kwargs)
    except PluginError as error:
        if error.code != grpc.StatusCode.DEADLINE_EXCEEDED:
            raise
        hint = error.message.replace("status_timeout_seconds", "data_timeout_seconds")
        raise PluginError(hint, error.code) from None
