"""Riding out transient OpenStack failures on calls that are safe to repeat.

A service answering 5xx or a dropped connection usually passes within seconds (a busy database,
a restarting worker). Reads, status polls and deletes are retried a few times; creations are
not, since a 5xx does not say whether the thing was made.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
DELAYS = (1.0, 2.0, 4.0)


def transient(error: BaseException) -> bool:
    """Whether ``error`` (from openstacksdk or keystoneauth) is worth one more try."""
    from keystoneauth1 import exceptions as ks_exceptions
    from openstack import exceptions as os_exceptions

    if isinstance(error, os_exceptions.HttpException):
        return (error.status_code or 0) >= 500
    return isinstance(error, ks_exceptions.RetriableConnectionFailure)


def patient(function: Callable[..., T]) -> Callable[..., T]:
    """``function``, a blocking openstacksdk call that is safe to repeat, retried after
    transient failures (run it through cloud.call)."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> T:
        for delay in DELAYS:
            try:
                return function(*args, **kwargs)
            except Exception as error:
                if not transient(error):
                    raise
                time.sleep(delay)
        return function(*args, **kwargs)

    return run
