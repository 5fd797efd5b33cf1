"""Plans, checkpoints, restores and verifications of the OpenStack tier, through the api with a
tenant's Keystone token (support.openstack.KeystoneApi)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from smaug.v1 import (
    checkpoints_pb2,
    plans_pb2,
    restores_pb2,
    verifications_pb2,
)
from support.openstack import PROVIDER, KeystoneApi

T = TypeVar("T")


def plan(api: KeystoneApi, resources: list[tuple[str, str, str]], name: str = "plan") -> str:
    """A plan of (type, id, name) resources; returns its id."""
    message = plans_pb2.Plan(name=name, provider_id=PROVIDER)
    for kind, resource_id, resource_name in resources:
        message.resources.add(type=kind, id=resource_id, name=resource_name)
    created = api.call(api.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=message))
    return str(created.plan.id)


def protect(api: KeystoneApi, plan_id: str, timeout: float = 300) -> checkpoints_pb2.Checkpoint:
    """Protect the plan and wait for the checkpoint to settle."""
    created = api.call(
        api.checkpoints.CreateCheckpoint,
        checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=plan_id),
    ).checkpoint
    api.settle(created.id, timeout=timeout)
    got = api.call(
        api.checkpoints.GetCheckpoint,
        checkpoints_pb2.GetCheckpointRequest(provider_id=PROVIDER, checkpoint_id=created.id),
    )
    checkpoint: checkpoints_pb2.Checkpoint = got.checkpoint
    return checkpoint


def restore(
    api: KeystoneApi,
    checkpoint_id: str,
    parameters: dict[str, dict[str, Any]] | None = None,
    timeout: float = 300,
) -> restores_pb2.WatchRestoreResponse:
    """Restore the checkpoint and return its settled state."""
    message = restores_pb2.Restore(provider_id=PROVIDER, checkpoint_id=checkpoint_id)
    for key, value in (parameters or {}).items():
        message.parameters[key].update(value)
    started = api.call(
        api.restores.CreateRestore, restores_pb2.CreateRestoreRequest(restore=message)
    ).restore
    return list(
        api.restores.WatchRestore(
            restores_pb2.WatchRestoreRequest(restore_id=started.id),
            metadata=api.metadata,
            timeout=timeout,
        )
    )[-1]


def verify(api: KeystoneApi, checkpoint_id: str, timeout: float = 120) -> Any:
    """Verify the checkpoint and return the settled verification."""
    started = api.call(
        api.verifications.CreateVerification,
        verifications_pb2.CreateVerificationRequest(
            verification=verifications_pb2.Verification(
                provider_id=PROVIDER, checkpoint_id=checkpoint_id
            )
        ),
    ).verification
    return list(
        api.verifications.WatchVerification(
            verifications_pb2.WatchVerificationRequest(verification_id=started.id),
            metadata=api.metadata,
            timeout=timeout,
        )
    )[-1]


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
