"""OS::Nova::Server with the network topology, against the real Nova, Neutron, Glance and Cinder:
a server booted from an image on a project network, with metadata, a security group, a key pair
and a data volume, is protected, deleted with its network, and rebuilt as a new server on the
restored network; a server booted from a volume is rebuilt from it; restores that cannot work
fail with a per-resource reason carrying the cause (Nova's own fault message included)."""

from __future__ import annotations

import io
import os
import uuid
from typing import Any

import grpc
import pytest

from smaug.mesh.errors import field_violations
from smaug.v1 import checkpoints_pb2, common_pb2, resources_pb2
from support.openstack import KeystoneApi, OpenStackCloud, Tenant, openstack_plugin
from support.openstack_flow import (
    boot,
    plan,
    protect,
    restore,
    settled,
    states,
    verify,
    wait_status,
)

SERVER = "OS::Nova::Server"
NETWORK = "OS::Neutron::Network"


def flavor(cloud: OpenStackCloud, name: str, **spec: Any) -> str:
    """A public test flavor (made once, kept like the tier's smaug-tiny)."""
    found = cloud.admin.compute.find_flavor(name, ignore_missing=True)
    if found is None:
        found = cloud.admin.compute.create_flavor(name=name, is_public=True, **spec)
    return str(found.id)


def failed_reason(operation: Any, key: str) -> str:
    assert operation.status == common_pb2.OPERATION_STATUS_FAILED, operation
    state = states(operation)[key]
    assert state.status == resources_pb2.RESOURCE_STATUS_ERROR, state
    return str(state.reason)


def test_server_is_rebuilt_on_the_restored_network_and_failures_name_their_cause(
    openstack_project: Tenant, openstack_cloud: OpenStackCloud, openstack_mesh_factory: Any
) -> None:
    conn = openstack_project.connection
    project_id = openstack_project.project_id
    tiny = openstack_cloud.flavor()
    small = flavor(openstack_cloud, "smaug-small", ram=128, vcpus=1, disk=1)

    net = settled(conn.network.create_network, name="app-net")
    subnet = settled(
        conn.network.create_subnet,
        name="app-v4",
        network_id=net.id,
        cidr="10.40.0.0/24",
        ip_version=4,
    )
    group = settled(conn.network.create_security_group, name="app", description="app servers")
    settled(
        conn.network.create_security_group_rule,
        security_group_id=group.id,
        direction="ingress",
        ether_type="IPv4",
        protocol="tcp",
        port_range_min=8080,
        port_range_max=8080,
    )
    key = settled(conn.compute.create_keypair, name=f"smaug-key-{uuid.uuid4().hex[:6]}")
    image = settled(
        conn.image.create_image,
        name="app-image",
        disk_format="raw",
        container_format="bare",
        data=io.BytesIO(os.urandom(1 << 20)),
        validate_checksum=False,
    )
    # One change at a time: the tier's services keep their state in SQLite, which refuses
    # concurrent writers when the machine is busy.
    data = settled(conn.block_storage.create_volume, size=1, name="app-data")
    wait_status(lambda: conn.block_storage.get_volume(data.id), "available")
    root = settled(conn.block_storage.create_volume, size=1, name="bfv-root")
    wait_status(lambda: conn.block_storage.get_volume(root.id), "available")
    settled(conn.block_storage.set_volume_bootable_status, root, True)
    app = boot(
        conn,
        name="app-1",
        flavor_id=tiny,
        image_id=image.id,
        networks=[{"uuid": net.id, "fixed_ip": "10.40.0.50"}],
        metadata={"role": "db", "owner": "smaug"},
        key_name=key.name,
        security_groups=[{"name": group.id}],
    )
    settled(conn.compute.create_volume_attachment, app, volume_id=data.id)
    data = wait_status(lambda: conn.block_storage.get_volume(data.id), "in-use")
    (device,) = [a["device"] for a in data.attachments]
    bfv = boot(
        conn,
        name="bfv-1",
        flavor_id=tiny,
        networks=[{"uuid": net.id}],
        block_device_mapping=[
            {
                "boot_index": 0,
                "uuid": root.id,
                "source_type": "volume",
                "destination_type": "volume",
                "delete_on_termination": False,
            }
        ],
    )

    api = KeystoneApi(
        openstack_mesh_factory([openstack_plugin("network"), openstack_plugin("server")]),
        openstack_project,
    )
    checkpoint = protect(api, plan(api, [(SERVER, app.id, "app-1")]))
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, checkpoint
    # The topology is the server's dependent: restoring rebuilds it before the server.
    graph = {(n.resource.type, n.resource.id) for n in checkpoint.resource_graph.nodes}
    assert graph == {(SERVER, app.id), (NETWORK, project_id)}
    bfv_checkpoint = protect(api, plan(api, [(SERVER, bfv.id, "bfv-1")]))
    assert bfv_checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, bfv_checkpoint
    assert verify(api, checkpoint.id).status == common_pb2.OPERATION_STATUS_SUCCEEDED

    # Bad parameters are refused before anything runs.
    for parameters, field in (
        ({SERVER: {"restore_net_id": "not-a-uuid"}}, f"parameters[{SERVER}].restore_net_id"),
        ({SERVER: {"restore_flavor_id": 7}}, f"parameters[{SERVER}].restore_flavor_id"),
        ({SERVER: {"restore_name": ""}}, f"parameters[{SERVER}].restore_name"),
        ({f"{SERVER}#{app.id}": {"flavor": "x"}}, f"parameters[{SERVER}#{app.id}].flavor"),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            restore(api, checkpoint.id, parameters)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in field_violations(refused.value), field_violations(refused.value)

    # Delete the originals: both servers, then the network and security group they used.
    for server in (app, bfv):
        settled(conn.compute.delete_server, server)
        conn.compute.wait_for_delete(server, wait=120)
    wait_status(lambda: conn.block_storage.get_volume(data.id), "available")
    settled(conn.network.delete_security_group, group)
    settled(conn.network.delete_network, net)

    restored = restore(
        api,
        checkpoint.id,
        {SERVER: {"restore_name": "app-1-restored", "restore_flavor_id": "smaug-small"}},
    )
    assert restored.status == common_pb2.OPERATION_STATUS_SUCCEEDED, restored
    state = states(restored)[f"{SERVER}#{app.id}"]
    assert f"booted from the original image {image.id}" in state.reason
    assert f"reattached the original data volume {data.id}" in state.reason
    new = conn.compute.get_server(state.new_resource_id)
    assert new.id != app.id and new.status == "ACTIVE"
    assert (new.name, new.flavor.original_name, new.key_name) == (
        "app-1-restored",
        "smaug-small",
        key.name,
    )
    assert conn.compute.find_flavor(new.flavor.original_name).id == small
    assert new.metadata == {"role": "db", "owner": "smaug"}
    assert new.image.id == image.id
    (port,) = conn.network.ports(device_id=new.id)
    new_net = conn.network.get_network(port.network_id)
    assert new_net.id != net.id and new_net.name == "app-net"
    new_subnet = conn.network.get_subnet(port.fixed_ips[0]["subnet_id"])
    assert (new_subnet.id != subnet.id, new_subnet.cidr) == (True, "10.40.0.0/24")
    assert port.fixed_ips[0]["ip_address"] == "10.40.0.50"
    (new_group,) = [conn.network.get_security_group(g) for g in port.security_group_ids]
    assert (new_group.id != group.id, new_group.name) == (True, "app")
    ingress = [
        (r["protocol"], r["port_range_min"])
        for r in new_group.security_group_rules
        if r["direction"] == "ingress"
    ]
    assert ingress == [("tcp", 8080)]
    attached = [(a.volume_id, a.device) for a in conn.compute.volume_attachments(new)]
    assert attached == [(data.id, device)]

    # Booted from a volume: rebuilt from that volume, no image.
    from_volume = restore(api, bfv_checkpoint.id)
    assert from_volume.status == common_pb2.OPERATION_STATUS_SUCCEEDED, from_volume
    bfv_state = states(from_volume)[f"{SERVER}#{bfv.id}"]
    assert f"booted from the original boot volume {root.id}" in bfv_state.reason
    rebuilt = conn.compute.get_server(bfv_state.new_resource_id)
    assert rebuilt.status == "ACTIVE"
    assert not (rebuilt.image or {}).get("id"), rebuilt.image  # no image: booted from the volume
    assert [a.volume_id for a in conn.compute.volume_attachments(rebuilt)] == [root.id]

    # Failures: free the data volume again, then break one input at a time.
    settled(conn.compute.delete_server, new)
    conn.compute.wait_for_delete(new, wait=120)
    wait_status(lambda: conn.block_storage.get_volume(data.id), "available")
    key_of = f"{SERVER}#{app.id}"
    missing = str(uuid.uuid4())
    reason = failed_reason(
        restore(api, checkpoint.id, {SERVER: {"restore_net_id": missing}}), key_of
    )
    assert f"restore_net_id {missing}: no such network" in reason, reason

    huge = flavor(openstack_cloud, "smaug-unschedulable", ram=64, vcpus=1, disk=2_000_000)
    reason = failed_reason(
        restore(api, checkpoint.id, {SERVER: {"restore_flavor_id": huge}}), key_of
    )
    assert "went to status error: No valid host was found" in reason, reason
    assert "(attempt 2; before:" in reason and "(attempt 3" not in reason, reason  # once more

    settled(conn.image.delete_image, image)
    reason = failed_reason(restore(api, checkpoint.id), key_of)
    assert f"boot image {image.id} was not restored by this restore and no longer exists" in reason
