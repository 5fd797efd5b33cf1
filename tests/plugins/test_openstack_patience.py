"""The OpenStack plugins' patience: passing failures (5xx, a dropped connection) are tried again,
a create only after checking that the failed attempt made nothing; other errors are not."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from keystoneauth1 import exceptions as ks_exceptions
from openstack import exceptions as os_exceptions

from smaug.plugins.openstack import patience
from smaug.plugins.sdk import PluginError


def http(status: int) -> os_exceptions.HttpException:
    return os_exceptions.HttpException(message=f"HTTP {status}", http_status=status)


def failing(*errors: BaseException, result: str = "done") -> Any:
    """A callable raising ``errors`` one per call, then returning ``result``; counts calls."""
    pending = list(errors)

    def function() -> str:
        function.calls += 1  # type: ignore[attr-defined]
        if pending:
            raise pending.pop(0)
        return result

    function.calls = 0  # type: ignore[attr-defined]
    return function


def test_transient_errors() -> None:
    assert patience.transient(http(500)) and patience.transient(http(503))
    assert patience.transient(ks_exceptions.ConnectFailure("refused"))
    assert not patience.transient(http(404)) and not patience.transient(http(409))
    assert not patience.transient(ValueError("bug"))


def test_reads_are_tried_again_on_passing_failures_only() -> None:
    read = failing(http(500), ks_exceptions.ConnectFailure("reset"))
    assert patience.patient(read, pause=0)() == "done" and read.calls == 3

    missing = failing(http(404))
    with pytest.raises(os_exceptions.HttpException):
        patience.patient(missing, pause=0)()
    assert missing.calls == 1

    down = failing(*[http(502)] * patience.ATTEMPTS)
    with pytest.raises(os_exceptions.HttpException):
        patience.patient(down, pause=0)()
    assert down.calls == patience.ATTEMPTS


async def test_a_create_is_repeated_only_when_the_failed_attempt_made_nothing() -> None:
    looked = []

    async def nothing() -> None:
        looked.append(True)
        return None

    create = failing(http(500))
    assert await patience.create_once("creating x", create, nothing, pause=0) == "done"
    assert create.calls == 2 and len(looked) == 1

    async def it_exists() -> str:
        return "made by the failed attempt"

    create = failing(http(500))
    found = await patience.create_once("creating x", create, it_exists, pause=0)
    assert found == "made by the failed attempt" and create.calls == 1

    refused = failing(os_exceptions.BadRequestException(message="bad", http_status=400))
    with pytest.raises(PluginError) as error:
        await patience.create_once("creating x", refused, nothing, pause=0)
    assert error.value.code == grpc.StatusCode.INVALID_ARGUMENT and refused.calls == 1

    over_quota = failing(http(413))
    with pytest.raises(PluginError) as error:
        await patience.create_once("creating x", over_quota, nothing, pause=0)
    assert "creating x" in error.value.message and over_quota.calls == 1


def test_data_timeout_setting() -> None:
    assert patience.data_timeout_seconds({}) == patience.DATA_TIMEOUT_SECONDS
    config = '{"data_timeout_seconds": 90}'
    assert patience.data_timeout_seconds({"SMAUG_PLUGIN_CONFIG": config}) == 90
