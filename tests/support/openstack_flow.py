"""Plans, checkpoints, restores and verifications of the OpenStack tier, through the api with a
tenant's Keystone token (support.openstack.KeystoneApi); and the tests' own setup calls."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from smaug.v1 import checkpoints_pb2
from support.openstack import KeystoneApi
from support.openstack_storage import Flows

T = TypeVar("T")


def plan(api: KeystoneApi, resources: list[tuple[str, str, str]], name: str = "plan") -> str:
    """A plan of (type, id, name) resources; returns its id."""
    return Flows(api).plan(resources, {}, name=name)


def protect(api: KeystoneApi, plan_id: str, timeout: float = 300) -> checkpoints_pb2.Checkpoint:
    """Protect the plan and wait for the checkpoint to settle."""
    return Flows(api).protect(plan_id, timeout)


def restore(
    api: KeystoneApi,
    checkpoint_id: str,
    parameters: dict[str, dict[str, Any]] | None = None,
    timeout: float = 300,
) -> Any:
    """Restore the checkpoint and return its settled state."""
    return Flows(api).restore(checkpoint_id, parameters or {}, timeout)


def verify(api: KeystoneApi, checkpoint_id: str, timeout: float = 120) -> Any:
    """Verify the checkpoint and return the settled verification."""
    return Flows(api).verify(checkpoint_id, timeout)


def states(operation: Any) -> dict[str, Any]:
    """Resource states of a checkpoint, restore or verification, by ``type#id``."""
    return {f"{s.resource.type}#{s.resource.id}": s for s in operation.resource_states}


def settled(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run an OpenStack call of a test's own setup, retrying a 5xx a few times: the tier's
    services keep their state in SQLite, which refuses concurrent writers ("database is
    locked") when the machine is busy. The code under test is never retried this way."""
    from openstack import exceptions

    for delay in (1.0, 2.0, 4.0):
        try:
            return function(*args, **kwargs)
        except exceptions.HttpException as error:
            if (error.status_code or 0) < 500:
                raise
            time.sleep(delay)
    return function(*args, **kwargs)


def wait_status(fetch: Any, wanted: str, timeout: float = 120) -> Any:
    """Poll ``fetch()`` until the resource's status is ``wanted`` (lower case)."""
    deadline = time.monotonic() + timeout
    while True:
        current = fetch()
        if current.status.lower() == wanted:
            return current
        assert current.status.lower() != "error", (current.name, getattr(current, "fault", None))
        assert time.monotonic() < deadline, f"still {current.status}, wanted {wanted}"
        time.sleep(0.5)


def boot(conn: Any, **attributes: Any) -> Any:
    """A server of the test's own setup, ACTIVE. The tier's Neutron keeps its state in SQLite,
    which can fail a port write when the machine is busy, leaving the server in ERROR: such a
    server is deleted and booted again (as the plugin does on restore)."""
    from openstack import exceptions

    for attempt in range(3):
        server = settled(conn.compute.create_server, **attributes)
        try:
            return conn.compute.wait_for_server(server, failures=["ERROR"], interval=0.5, wait=180)
        except exceptions.ResourceFailure:
            if attempt == 2:
                raise
            settled(conn.compute.delete_server, server)
            conn.compute.wait_for_delete(server, wait=120)
    raise AssertionError("unreachable")
