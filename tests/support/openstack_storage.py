"""Helpers of the OpenStack storage plugins' tests (image, Cinder backup, Cinder snapshot):
plans, checkpoints, restores and verifications through a Keystone-mode mesh as a tenant, and
volume and image data to write and compare byte for byte."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2

from smaug.v1 import (
    checkpoints_pb2,
    plans_pb2,
    resources_pb2,
    restores_pb2,
    verifications_pb2,
)
from support.openstack import PROVIDER, VOLUME_DIR, KeystoneApi, Tenant

GiB = 1024**3
MiB = 1024**2
VOLUME = "OS::Cinder::Volume"
IMAGE = "OS::Glance::Image"
PROJECT = "OS::Keystone::Project"


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    made = struct_pb2.Struct()
    made.update(value)
    return made


class Flows:
    """Plan, protect, restore, verify and delete as the tenant, each followed to its end."""

    def __init__(self, api: KeystoneApi) -> None:
        self.api = api

    def plan(
        self,
        resources: list[tuple[str, str, str]],
        parameters: dict[str, dict[str, Any]],
        extra_info: dict[str, dict[str, Any]] | None = None,
        name: str = "",
    ) -> str:
        """A plan of ``resources`` (type, id, name), with ``extra_info`` by resource id."""
        plan = plans_pb2.Plan(name=name or f"plan {time.monotonic_ns()}", provider_id=PROVIDER)
        for kind, resource_id, name in resources:
            added = plan.resources.add(type=kind, id=resource_id, name=name)
            added.extra_info.update((extra_info or {}).get(resource_id, {}))
        for key, options in parameters.items():
            plan.parameters[key].CopyFrom(struct(options))
        created = self.api.call(self.api.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan))
        return str(created.plan.id)

    def protect(self, plan_id: str, timeout: float = 300) -> checkpoints_pb2.Checkpoint:
        created = self.api.call(
            self.api.checkpoints.CreateCheckpoint,
            checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=plan_id),
        ).checkpoint
        self.api.settle(created.id, timeout=timeout)
        return self.checkpoint(created.id)

    def checkpoint(self, checkpoint_id: str) -> checkpoints_pb2.Checkpoint:
        return self.api.call(
            self.api.checkpoints.GetCheckpoint,
            checkpoints_pb2.GetCheckpointRequest(provider_id=PROVIDER, checkpoint_id=checkpoint_id),
        ).checkpoint

    def delete(self, checkpoint_id: str, timeout: float = 300) -> Any:
        """Delete a checkpoint; returns the last watch event (status and resource states)."""
        self.api.call(
            self.api.checkpoints.DeleteCheckpoint,
            checkpoints_pb2.DeleteCheckpointRequest(
                provider_id=PROVIDER, checkpoint_id=checkpoint_id
            ),
        )
        return self.api.settle(checkpoint_id, timeout=timeout)[-1]

    def copy(self, plan_id: str, timeout: float = 300) -> list[tuple[str, Any]]:
        """Copy the plan's checkpoints within the provider (Karbor's copy); returns each copy's
        checkpoint id and the last watch event of its copy operation."""
        copies = self.api.call(
            self.api.checkpoints.CopyCheckpoints,
            checkpoints_pb2.CopyCheckpointsRequest(provider_id=PROVIDER, plan_id=plan_id),
        ).copies
        return [
            (c.copy_checkpoint_id, self.api.settle(c.copy_checkpoint_id, timeout=timeout)[-1])
            for c in copies
        ]

    def restore(
        self, checkpoint_id: str, parameters: dict[str, dict[str, Any]], timeout: float = 300
    ) -> Any:
        """Restore; returns the last watch event (status, reason and resource states)."""
        restore = restores_pb2.Restore(provider_id=PROVIDER, checkpoint_id=checkpoint_id)
        for key, value in parameters.items():
            restore.parameters[key].CopyFrom(struct(value))
        created = self.api.call(
            self.api.restores.CreateRestore, restores_pb2.CreateRestoreRequest(restore=restore)
        ).restore
        return list(
            self.api.restores.WatchRestore(
                restores_pb2.WatchRestoreRequest(restore_id=created.id),
                metadata=self.api.metadata,
                timeout=timeout,
            )
        )[-1]

    def verify(self, checkpoint_id: str, timeout: float = 300) -> Any:
        created = self.api.call(
            self.api.verifications.CreateVerification,
            verifications_pb2.CreateVerificationRequest(
                verification=verifications_pb2.Verification(
                    provider_id=PROVIDER, checkpoint_id=checkpoint_id
                )
            ),
        ).verification
        return list(
            self.api.verifications.WatchVerification(
                verifications_pb2.WatchVerificationRequest(verification_id=created.id),
                metadata=self.api.metadata,
                timeout=timeout,
            )
        )[-1]


def state_of(states: Any, resource_type: str, resource_id: str) -> resources_pb2.ResourceState:
    """The state of one resource among an operation's resource states."""
    for state in states:
        if state.resource.type == resource_type and state.resource.id == resource_id:
            return state
    listed = [f"{s.resource.type}#{s.resource.id}" for s in states]
    raise AssertionError(f"{resource_type}#{resource_id} is not among {listed}")


def wait_until(what: str, check: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f}s"
        time.sleep(0.5)


# -- volumes ---------------------------------------------------------------------------------------
def make_volume(tenant: Tenant, name: str, size_gib: int = 1) -> Any:
    """A new volume of the tenant, available; its data file is sparse until written."""
    connection = tenant.connection
    volume = connection.block_storage.create_volume(size=size_gib, name=name)
    return connection.block_storage.wait_for_status(volume, "available", wait=120)


def volume_path(volume_id: str) -> Path:
    return VOLUME_DIR / f"volume-{volume_id}"


def write_regions(volume_id: str, regions: dict[int, bytes]) -> None:
    """Write known bytes at offsets of the volume's file (what a guest would have written)."""
    with open(volume_path(volume_id), "r+b") as handle:
        for offset, data in regions.items():
            handle.seek(offset)
            handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def random_regions(count: int, size: int = MiB, span: int = GiB) -> dict[int, bytes]:
    """``count`` regions of random bytes spread over ``span`` bytes (4 KiB aligned)."""
    step = span // count
    return {i * step + (i * 12288) % step: os.urandom(size) for i in range(count)}


def expected_content(regions: dict[int, bytes], offset: int, length: int) -> bytes:
    """The bytes at [offset, offset+length) of a zeroed volume after writing ``regions``."""
    block = bytearray(length)
    for start, data in regions.items():
        lo, hi = max(start, offset), min(start + len(data), offset + length)
        if lo < hi:
            block[lo - offset : hi - offset] = data[lo - start : hi - start]
    return bytes(block)


def assert_volume_holds(volume_id: str, regions: dict[int, bytes], size: int = GiB) -> None:
    """The volume's whole content is zeros except ``regions``, byte for byte. Cinder's posix
    backup driver restores sparsely and does not extend the file-backed volume to its size, so
    bytes past the end of the file count as the zeros a block device of that size would hold."""
    path = volume_path(volume_id)
    length = path.stat().st_size
    assert length <= size, f"{path} holds {length} bytes, more than the volume's {size}"
    block = 8 * MiB
    with open(path, "rb") as handle:
        for offset in range(0, size, block):
            got = handle.read(block)
            got += bytes(min(block, size - offset) - len(got))
            if got != expected_content(regions, offset, len(got)):
                raise AssertionError(f"volume {volume_id} differs within [{offset}, +{block})")


# -- images ----------------------------------------------------------------------------------------
def make_image(tenant: Tenant, name: str, data: bytes, **properties: Any) -> Any:
    """A new active image of the tenant holding ``data``."""
    from openstack.image.v2 import image as image_resource

    connection = tenant.connection
    image = image_resource.Image.new(
        name=name, disk_format="raw", container_format="bare", **properties
    ).create(connection.image)
    response = image.upload(connection.image, data=data)
    assert response.status_code in (200, 204), response.text
    return wait_until(
        f"image {image.id} active",
        lambda: (found := connection.image.get_image(image.id)).status == "active" and found,
    )


def image_bytes(tenant: Tenant, image_id: str) -> bytes:
    response = tenant.connection.image.download_image(image_id, stream=True)
    return b"".join(response.iter_content(MiB))


def bank_bytes(path: Path) -> int:
    """Bytes of the regular files of a filesystem bank."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
