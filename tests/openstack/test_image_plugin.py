"""OS::Glance::Image through a Keystone-mode mesh against the real Glance: the image data is
streamed into the bank's chunk store (a second checkpoint of the same image adds almost nothing),
restored into a new image with the same bytes, checksum and properties, and verified; a missing
image and bad parameters end in clear errors."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import grpc
import pytest

from smaug.mesh.errors import field_violations
from smaug.v1 import checkpoints_pb2, common_pb2, resources_pb2
from support.openstack import KeystoneApi, OpenStackCloud, Tenant, openstack_plugin
from support.openstack_storage import (
    IMAGE,
    Flows,
    MiB,
    bank_bytes,
    image_bytes,
    make_image,
    md5,
    state_of,
)


def test_image_protect_dedup_restore_verify(
    openstack_project: Tenant, openstack_mesh_factory: Any, tmp_path: Path
) -> None:
    tenant = openstack_project
    mesh = openstack_mesh_factory([openstack_plugin("image", poll_seconds=0.5)])
    flows = Flows(KeystoneApi(mesh, tenant))
    data = os.urandom(4 * MiB)
    image = make_image(
        tenant,
        "smaug-image",
        data,
        min_disk=1,
        min_ram=64,
        os_distro="cirros",
        smaug_role="database",
        visibility="shared",
    )
    tenant.connection.image.add_tag(image, "gold")
    # Shared with two projects: the restored image is shared with them again.
    members = sorted(uuid.uuid4().hex for _ in range(2))
    for member in members:
        tenant.connection.image.add_member(image, member_id=member)
    plan = flows.plan([(IMAGE, image.id, image.name)], {IMAGE: {"backup_name": "nightly"}})

    bank = tmp_path / "bank"
    before = bank_bytes(bank)
    first = flows.protect(plan)
    assert first.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, first.status_reason
    stored = state_of(first.resource_states, IMAGE, image.id)
    assert stored.status == resources_pb2.RESOURCE_STATUS_AVAILABLE
    assert "stored 4.0 MiB of image data" in stored.reason and md5(data) in stored.reason
    after_first = bank_bytes(bank)
    second = flows.protect(plan)
    assert second.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, second.status_reason
    after_second = bank_bytes(bank)
    first_added, second_added = after_first - before, after_second - after_first
    print(
        f"\nbank bytes: first checkpoint of a {len(data)} byte image added {first_added}, "
        f"the second added {second_added}"
    )
    assert first_added >= len(data)
    assert second_added < len(data) // 32, (first_added, second_added)

    # The original goes; the restore makes a new image with the same bytes and properties.
    tenant.connection.image.delete_image(image.id)
    restored = flows.restore(second.id, {IMAGE: {"restore_name": "smaug-image-restored"}})
    assert restored.status == common_pb2.OPERATION_STATUS_SUCCEEDED, restored.status_reason
    state = state_of(restored.resource_states, IMAGE, image.id)
    assert state.new_resource_id and state.new_resource_id != image.id
    assert state.new_resource_id in state.reason
    new = tenant.connection.image.get_image(state.new_resource_id)
    assert new.name == "smaug-image-restored"
    assert new.status == "active" and new.checksum == md5(data)
    assert (new.disk_format, new.container_format, new.min_disk, new.min_ram) == (
        "raw",
        "bare",
        1,
        64,
    )
    assert new.os_distro == "cirros" and new.properties.get("smaug_role") == "database"
    assert new.tags == ["gold"] and new.visibility == "shared"
    assert sorted(m.member_id for m in tenant.connection.image.members(new.id)) == members
    assert "shared again with 2 of 2 member project(s)" in state.reason, state.reason
    # Asked for private, it is private and shared with no one.
    private = flows.restore(second.id, {IMAGE: {"visibility": "private"}})
    assert private.status == common_pb2.OPERATION_STATUS_SUCCEEDED, private.status_reason
    state = state_of(private.resource_states, IMAGE, image.id)
    assert tenant.connection.image.get_image(state.new_resource_id).visibility == "private"
    assert "not shared with the original's 2 member project(s): restored private" in state.reason
    assert image_bytes(tenant, new.id) == data

    verified = flows.verify(first.id)
    assert verified.status == common_pb2.OPERATION_STATUS_SUCCEEDED, verified.status_reason
    checked = state_of(verified.resource_states, IMAGE, image.id).reason
    assert "size, MD5 and sha512 match" in checked, checked

    # A copy (within the provider's bank) streams the data again: deduplicated, it adds
    # almost nothing, and it verifies on its own.
    before_copy = bank_bytes(bank)
    copies = flows.copy(plan)
    assert len(copies) == 2  # one per checkpoint
    for _, copied in copies:
        assert copied.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, copied.status_reason
        assert state_of(copied.resource_states, IMAGE, image.id).reason == (
            "copied 4.0 MiB of image data"
        )
    assert bank_bytes(bank) - before_copy < len(data) // 16
    verified = flows.verify(copies[0][0])
    assert verified.status == common_pb2.OPERATION_STATUS_SUCCEEDED, verified.status_reason

    # Restore parameters are checked against the published schema at request time.
    with pytest.raises(grpc.RpcError) as refused:
        flows.restore(second.id, {IMAGE: {"visibility": "everyone"}})
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert any("visibility" in field for field in field_violations(refused.value))


def test_missing_image_and_bad_options(
    openstack_project: Tenant, openstack_mesh_factory: Any
) -> None:
    tenant = openstack_project
    mesh = openstack_mesh_factory([openstack_plugin("image", poll_seconds=0.5)])
    flows = Flows(KeystoneApi(mesh, tenant))

    with pytest.raises(grpc.RpcError) as refused:
        flows.plan([(IMAGE, "any", "any")], {IMAGE: {"snapshot_server": "maybe"}})
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = field_violations(refused.value)
    assert any(
        field.endswith(".snapshot_server") and "boolean" in text
        for field, text in violations.items()
    ), violations

    image = make_image(tenant, "smaug-doomed", os.urandom(MiB))
    plan = flows.plan([(IMAGE, image.id, image.name)], {})
    tenant.connection.image.delete_image(image.id)
    checkpoint = flows.protect(plan)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_ERROR
    state = state_of(checkpoint.resource_states, IMAGE, image.id)
    assert state.status == resources_pb2.RESOURCE_STATUS_ERROR
    assert f"reading image {image.id}: not found" in state.reason, state.reason
    assert "No image found" in state.reason, state.reason


def test_snapshot_server_stores_the_servers_disk(
    openstack_project: Tenant, openstack_cloud: OpenStackCloud, openstack_mesh_factory: Any
) -> None:
    tenant = openstack_project
    connection = tenant.connection
    mesh = openstack_mesh_factory([openstack_plugin("image", poll_seconds=0.5)])
    flows = Flows(KeystoneApi(mesh, tenant))
    base = os.urandom(MiB)
    image = make_image(tenant, "smaug-base", base)
    server = connection.compute.create_server(
        name="smaug-vm", flavor_id=openstack_cloud.flavor(), image_id=image.id, networks="none"
    )
    connection.compute.wait_for_server(server, wait=120)

    # The server's boot image, as the server's dependent, stored as a snapshot of its disk.
    plan = flows.plan(
        [(IMAGE, image.id, image.name)],
        {IMAGE: {"snapshot_server": True}},
        extra_info={image.id: {"server_id": server.id}},
    )
    checkpoint = flows.protect(plan)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE
    reason = state_of(checkpoint.resource_states, IMAGE, image.id).reason
    assert f"of snapshot of server {server.id}" in reason, reason
    # The temporary snapshot image is gone; only the base image remains.
    assert [i.id for i in connection.image.images(owner=tenant.project_id)] == [image.id]

    restored = flows.restore(checkpoint.id, {IMAGE: {"restore_name": "smaug-vm-disk"}})
    assert restored.status == common_pb2.OPERATION_STATUS_SUCCEEDED, restored.status_reason
    new_id = state_of(restored.resource_states, IMAGE, image.id).new_resource_id
    disk = image_bytes(tenant, new_id)
    assert disk and disk != base
    assert connection.image.get_image(new_id).checksum == md5(disk)
