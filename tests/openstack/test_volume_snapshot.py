"""OS::Cinder::Volume by Cinder snapshot through a Keystone-mode mesh against the real Cinder:
the snapshot keeps the volume's bytes as they were while the volume changes, restores into a new
volume holding them, verifies, and goes with its checkpoint; an attached volume needs force."""

from __future__ import annotations

import os
from typing import Any

import grpc
import pytest

from smaug.mesh.errors import field_violations
from smaug.v1 import checkpoints_pb2, common_pb2
from support.openstack import KeystoneApi, OpenStackCloud, Tenant, openstack_plugin
from support.openstack_storage import (
    VOLUME,
    Flows,
    MiB,
    assert_volume_holds,
    make_volume,
    random_regions,
    state_of,
    write_regions,
)


@pytest.mark.timeout(600)
def test_snapshot_protect_restore_verify_delete(
    openstack_project: Tenant, openstack_mesh_factory: Any
) -> None:
    tenant = openstack_project
    block_storage = tenant.connection.block_storage
    mesh = openstack_mesh_factory([openstack_plugin("volume_snapshot", poll_seconds=0.5)])
    flows = Flows(KeystoneApi(mesh, tenant))

    with pytest.raises(grpc.RpcError) as refused:
        flows.plan([(VOLUME, "any", "any")], {VOLUME: {"backup_mode": "full"}})
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(refused.value)
    assert any("unknown option(s) backup_mode" in t for t in violations.values()), violations

    volume = make_volume(tenant, "smaug-scratch")
    block_storage.set_volume_metadata(volume, tier="gold")
    original = random_regions(3)
    write_regions(volume.id, original)
    plan = flows.plan([(VOLUME, volume.id, volume.name)], {VOLUME: {"snapshot_name": "smaug-snap"}})
    checkpoint = flows.protect(plan)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, checkpoint.status
    (snapshot,) = block_storage.snapshots(details=True, volume_id=volume.id)
    assert snapshot.name == "smaug-snap" and snapshot.status == "available"
    assert snapshot.metadata["smaug_checkpoint"] == checkpoint.id
    assert state_of(checkpoint.resource_states, VOLUME, volume.id).reason == (
        f"Cinder snapshot {snapshot.id}"
    )

    # The volume changes after the checkpoint; the restore brings back the bytes it had then.
    write_regions(volume.id, {0: os.urandom(MiB), 700 * MiB: os.urandom(MiB)})
    restored = flows.restore(checkpoint.id, {VOLUME: {"restore_name": "smaug-scratch-then"}})
    assert restored.status == common_pb2.OPERATION_STATUS_SUCCEEDED, restored.status_reason
    state = state_of(restored.resource_states, VOLUME, volume.id)
    new = block_storage.get_volume(state.new_resource_id)
    assert (new.name, new.size, new.status, new.snapshot_id) == (
        "smaug-scratch-then",
        1,
        "available",
        snapshot.id,
    )
    assert new.metadata["tier"] == "gold"
    assert_volume_holds(new.id, original)

    verified = flows.verify(checkpoint.id)
    assert verified.status == common_pb2.OPERATION_STATUS_SUCCEEDED, verified.status_reason

    # The snapshot lives in Cinder, not in the bank: the plugin offers no copy.
    ((_, copied),) = flows.copy(plan)
    assert copied.status == checkpoints_pb2.CHECKPOINT_STATUS_ERROR
    assert "cannot copy OS::Cinder::Volume" in copied.status_reason, copied.status_reason

    deleted = flows.delete(checkpoint.id)
    assert deleted.status == checkpoints_pb2.CHECKPOINT_STATUS_DELETED, deleted.status_reason
    assert state_of(deleted.resource_states, VOLUME, volume.id).reason == (
        f"deleted snapshot {snapshot.id}"
    )
    assert list(block_storage.snapshots(volume_id=volume.id)) == []
    # Without the snapshot Cinder lets the original go.
    block_storage.delete_volume(volume)
    block_storage.wait_for_delete(volume, wait=120)


def test_attached_volume_needs_force(
    openstack_project: Tenant, openstack_cloud: OpenStackCloud, openstack_mesh_factory: Any
) -> None:
    tenant = openstack_project
    connection = tenant.connection
    mesh = openstack_mesh_factory([openstack_plugin("volume_snapshot", poll_seconds=0.5)])
    flows = Flows(KeystoneApi(mesh, tenant))
    volume = make_volume(tenant, "smaug-attached")
    connection.block_storage.set_volume_bootable_status(volume, True)
    server = connection.compute.create_server(
        name="smaug-vm",
        flavor_id=openstack_cloud.flavor(),
        networks="none",
        block_device_mapping=[
            {
                "boot_index": 0,
                "uuid": volume.id,
                "source_type": "volume",
                "destination_type": "volume",
            }
        ],
    )
    connection.compute.wait_for_server(server, wait=120)
    connection.block_storage.wait_for_status(volume, "in-use", wait=120)

    refused = flows.protect(flows.plan([(VOLUME, volume.id, volume.name)], {}))
    assert refused.status == checkpoints_pb2.CHECKPOINT_STATUS_ERROR
    reason = state_of(refused.resource_states, VOLUME, volume.id).reason
    assert "is attached (in-use)" in reason and "OS::Cinder::Volume.force=true" in reason, reason

    forced_plan = flows.plan([(VOLUME, volume.id, volume.name)], {VOLUME: {"force": True}})
    forced = flows.protect(forced_plan)
    assert forced.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, forced.status_reason
    assert len(list(connection.block_storage.snapshots(volume_id=volume.id))) == 1
