"""OS::Cinder::Volume by Cinder backup through a Keystone-mode mesh against the real Cinder
(file-backed volumes, posix backup driver): full and incremental backups, restore of each
checkpoint into a new volume holding the original bytes after the original is deleted, verify,
deleting checkpoints along an incremental chain, and clear errors for a volume in error state
and for bad parameters."""

from __future__ import annotations

import os
from typing import Any

import grpc
import pytest

from smaug.mesh.errors import field_violations
from smaug.v1 import checkpoints_pb2, common_pb2, resources_pb2
from support.openstack import KeystoneApi, OpenStackCloud, Tenant, openstack_plugin
from support.openstack_storage import (
    VOLUME,
    Flows,
    MiB,
    assert_volume_holds,
    make_volume,
    random_regions,
    state_of,
    wait_until,
    write_regions,
)


def backups_of(tenant: Tenant, volume_id: str) -> dict[str, Any]:
    return {
        b.id: b for b in tenant.connection.block_storage.backups(details=True, volume_id=volume_id)
    }


@pytest.mark.timeout(600)
def test_full_and_incremental_backups_restore_verify_delete(
    openstack_project: Tenant, openstack_mesh_factory: Any
) -> None:
    tenant = openstack_project
    block_storage = tenant.connection.block_storage
    mesh = openstack_mesh_factory([openstack_plugin("volume_backup", poll_seconds=0.5)])
    flows = Flows(KeystoneApi(mesh, tenant))
    volume = make_volume(tenant, "smaug-data")
    block_storage.set_volume_metadata(volume, purpose="orders")
    first_data = random_regions(4)
    write_regions(volume.id, first_data)
    plan = flows.plan(
        [(VOLUME, volume.id, volume.name)],
        {VOLUME: {"backup_mode": "incremental", "backup_name": "smaug-nightly"}},
    )

    # Incremental with no earlier backup makes a full one, and says so.
    first = flows.protect(plan)
    assert first.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, first.status_reason
    first_state = state_of(first.resource_states, VOLUME, volume.id)
    assert first_state.reason.startswith("full Cinder backup"), first_state.reason
    assert "had no backup yet, so this one is full" in first_state.reason
    (full,) = backups_of(tenant, volume.id).values()
    assert full.name == "smaug-nightly" and not full.is_incremental
    assert full.metadata["smaug_checkpoint"] == first.id

    # Change some data; the next protection builds on the full backup.
    second_data = {**first_data, 300 * MiB: os.urandom(2 * MiB)}
    write_regions(volume.id, {300 * MiB: second_data[300 * MiB]})
    second = flows.protect(plan)
    assert second.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, second.status_reason
    reason = state_of(second.resource_states, VOLUME, volume.id).reason
    assert reason.startswith("incremental Cinder backup") and full.id in reason, reason
    backups = backups_of(tenant, volume.id)
    (incremental,) = [b for b in backups.values() if b.id != full.id]
    assert incremental.is_incremental and incremental.metadata["smaug_parent"] == full.id
    assert backups[full.id].has_dependent_backups
    # The temporary snapshots the backups were taken from are gone.
    assert list(block_storage.snapshots(volume_id=volume.id)) == []

    # The original goes; each checkpoint restores a new volume holding its bytes.
    block_storage.delete_volume(volume)
    block_storage.wait_for_delete(volume, wait=120)
    restored = flows.restore(
        second.id,
        {VOLUME: {"restore_name": "smaug-data-restored", "restore_description": "from smaug"}},
    )
    assert restored.status == common_pb2.OPERATION_STATUS_SUCCEEDED, restored.status_reason
    state = state_of(restored.resource_states, VOLUME, volume.id)
    new = block_storage.get_volume(state.new_resource_id)
    assert (new.name, new.description, new.size, new.status) == (
        "smaug-data-restored",
        "from smaug",
        1,
        "available",
    )
    assert new.metadata["purpose"] == "orders"
    assert new.id in state.reason and "incremental backup" in state.reason
    assert_volume_holds(new.id, second_data)
    older = flows.restore(first.id, {})
    assert older.status == common_pb2.OPERATION_STATUS_SUCCEEDED, older.status_reason
    older_volume = block_storage.get_volume(
        state_of(older.resource_states, VOLUME, volume.id).new_resource_id
    )
    assert older_volume.name == "smaug-data"  # the original's name by default
    assert_volume_holds(older_volume.id, first_data)

    # Cinder's own refusal ends up in the resource's reason.
    nowhere = flows.restore(second.id, {VOLUME: {"availability_zone": "nowhere"}})
    assert nowhere.status == common_pb2.OPERATION_STATUS_FAILED
    reason = state_of(nowhere.resource_states, VOLUME, volume.id).reason
    assert f"restoring backup {incremental.id} to a new volume" in reason, reason
    assert "Availability zone 'nowhere' is invalid" in reason, reason

    # A restore parameter the schema does not name is refused at request time.
    with pytest.raises(grpc.RpcError) as refused:
        flows.restore(second.id, {VOLUME: {"volume_id": volume.id}})
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, refused.value.details()
    assert any(f.endswith(".volume_id") for f in field_violations(refused.value))

    verified = flows.verify(second.id)
    assert verified.status == common_pb2.OPERATION_STATUS_SUCCEEDED, verified.status_reason
    assert "incremental backup" in state_of(verified.resource_states, VOLUME, volume.id).reason

    # Deleting the full backup's checkpoint keeps the backup the incremental one needs ...
    deleted = flows.delete(first.id)
    assert deleted.status == checkpoints_pb2.CHECKPOINT_STATUS_DELETED, deleted.status_reason
    kept = state_of(deleted.resource_states, VOLUME, volume.id).reason
    assert kept.startswith(f"kept backup {full.id}"), kept
    assert backups_of(tenant, volume.id)[full.id].metadata["smaug_released"] == "true"
    # ... and deleting the last checkpoint that needs it removes both.
    deleted = flows.delete(second.id)
    assert deleted.status == checkpoints_pb2.CHECKPOINT_STATUS_DELETED, deleted.status_reason
    assert state_of(deleted.resource_states, VOLUME, volume.id).reason == (
        f"deleted backup {incremental.id}, {full.id}"
    )
    assert backups_of(tenant, volume.id) == {}


def test_volume_in_error_and_bad_parameters(
    openstack_project: Tenant, openstack_cloud: OpenStackCloud, openstack_mesh_factory: Any
) -> None:
    tenant = openstack_project
    mesh = openstack_mesh_factory([openstack_plugin("volume_backup", poll_seconds=0.5)])
    flows = Flows(KeystoneApi(mesh, tenant))

    with pytest.raises(grpc.RpcError) as refused:
        flows.plan([(VOLUME, "any", "any")], {VOLUME: {"backup_mode": "weekly"}})
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(refused.value)
    assert any(
        field.endswith(".backup_mode") and "'weekly' is not one of" in text
        for field, text in violations.items()
    ), violations

    volume = make_volume(tenant, "smaug-broken")
    openstack_cloud.admin.block_storage.reset_volume_status(volume, "error", None, None)
    wait_until(
        "the volume in error",
        lambda: tenant.connection.block_storage.get_volume(volume.id).status == "error",
    )
    plan = flows.plan([(VOLUME, volume.id, volume.name)], {VOLUME: {"force": "true"}})
    checkpoint = flows.protect(plan)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_ERROR
    state = state_of(checkpoint.resource_states, VOLUME, volume.id)
    assert state.status == resources_pb2.RESOURCE_STATUS_ERROR
    assert f"volume smaug-broken ({volume.id}) is in status error" in state.reason, state.reason
    assert list(tenant.connection.block_storage.backups(volume_id=volume.id)) == []
