"""The whole job against the real OpenStack services: a project with a server booted from an
image on a network, with an attached volume holding known data; a plan of the whole project;
protect; delete the originals; restore into the same project. The restored server is ACTIVE on
the restored network with the restored volume attached, and the restored volume and image hold
byte for byte the original data."""

from __future__ import annotations

import hashlib
import io
import os
import time
from typing import Any

from smaug.v1 import checkpoints_pb2, common_pb2
from support.openstack import KeystoneApi, OpenStackCloud, Tenant, openstack_plugin
from support.openstack_storage import Flows

PROJECT = "OS::Keystone::Project"
MiB = 1024 * 1024


def volume_bytes(cloud: OpenStackCloud, volume_id: str, size: int) -> bytes:
    with open(cloud.volume_dir / f"volume-{volume_id}", "rb") as disk:
        return disk.read(size)


def test_protect_and_restore_a_whole_project(
    openstack_cloud: OpenStackCloud, openstack_project: Tenant, openstack_mesh_factory: Any
) -> None:
    started = time.monotonic()
    conn = openstack_project.connection
    # -- the workload -----------------------------------------------------------------------
    image_data = os.urandom(3 * MiB) + b"smaug" * 100_000
    image = conn.image.create_image(
        name="app-image",
        disk_format="raw",
        container_format="bare",
        data=io.BytesIO(image_data),
        validate_checksum=False,
    )
    network = conn.network.create_network(name="app-net")
    subnet = conn.network.create_subnet(
        network_id=network.id, name="app-subnet", cidr="10.42.0.0/24", ip_version=4
    )
    group = conn.network.create_security_group(name="app-sg")
    conn.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", protocol="tcp",
        port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0",
    )  # fmt: skip
    server = conn.compute.create_server(
        name="app-server",
        image_id=image.id,
        flavor_id=openstack_cloud.flavor(),
        networks=[{"uuid": network.id}],
        security_groups=[{"name": group.name}],
        metadata={"role": "app", "owner": "smaug-e2e"},
    )
    server = conn.compute.wait_for_server(server, status="ACTIVE", wait=180)
    volume = conn.block_storage.create_volume(size=1, name="app-data")
    volume = conn.block_storage.wait_for_status(volume, status="available", wait=180)
    disk_data = os.urandom(2 * MiB)
    with open(openstack_cloud.volume_dir / f"volume-{volume.id}", "r+b") as disk:
        disk.write(disk_data)
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    conn.block_storage.wait_for_status(volume, status="in-use", wait=180)

    # -- protect the whole project ------------------------------------------------------------
    mesh = openstack_mesh_factory(
        [
            openstack_plugin("project"),
            openstack_plugin("server"),
            openstack_plugin("volume_backup"),
            openstack_plugin("image"),
            openstack_plugin("network"),
        ]
    )
    flows = Flows(KeystoneApi(mesh, openstack_project))
    project = (PROJECT, openstack_project.project_id, openstack_project.project_name)
    # The volume is in use: Cinder backs it up only with force.
    plan_id = flows.plan([project], {"OS::Cinder::Volume": {"force": True}}, name="whole project")
    protected = flows.protect(plan_id, timeout=600)
    assert protected.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, (
        protected.status_reason,
        [(s.resource.type, s.reason) for s in protected.resource_states],
    )
    types = {node.resource.type for node in protected.resource_graph.nodes}
    assert types >= {
        PROJECT,
        "OS::Nova::Server",
        "OS::Cinder::Volume",
        "OS::Glance::Image",
        "OS::Neutron::Network",
    }, types
    protected_after = time.monotonic() - started

    # -- lose everything ----------------------------------------------------------------------
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=180)
    conn.block_storage.delete_volume(volume)
    conn.block_storage.wait_for_delete(volume, wait=180)
    conn.image.delete_image(image)
    for port in conn.network.ports(network_id=network.id):
        if port.device_owner.startswith("network:"):
            continue
        conn.network.delete_port(port)
    conn.network.delete_subnet(subnet)
    conn.network.delete_network(network)
    conn.network.delete_security_group(group)

    # -- restore into the same project --------------------------------------------------------
    done = flows.restore(protected.id, {}, timeout=600)
    assert done.status == common_pb2.OPERATION_STATUS_SUCCEEDED, (
        done.status_reason,
        [(s.resource.type, s.reason) for s in done.resource_states],
    )
    new_ids = {s.resource.type: s.new_resource_id for s in done.resource_states}

    new_server = conn.compute.get_server(new_ids["OS::Nova::Server"])
    assert new_server.status == "ACTIVE"
    assert new_server.metadata == {"role": "app", "owner": "smaug-e2e"}
    new_network_ids = {port.network_id for port in conn.network.ports(device_id=new_server.id)}
    assert new_network_ids and network.id not in new_network_ids
    new_network = conn.network.get_network(next(iter(new_network_ids)))
    assert new_network.name.endswith("app-net")
    attached = [a.volume_id for a in conn.compute.volume_attachments(new_server)]
    assert attached == [new_ids["OS::Cinder::Volume"]]
    assert volume_bytes(openstack_cloud, attached[0], len(disk_data)) == disk_data

    new_image = new_ids["OS::Glance::Image"]
    downloaded = hashlib.sha256()
    for piece in conn.image.download_image(new_image, stream=True).iter_content(MiB):
        downloaded.update(piece)
    assert downloaded.hexdigest() == hashlib.sha256(image_data).hexdigest()
    print(
        f"whole project: protected in {protected_after:.1f} s, "
        f"everything in {time.monotonic() - started:.1f} s"
    )
