"""OS::Nova::Server restores what a server is beyond its disks and addresses, against the real
Nova, Neutron and Cinder: its floating IP (the original when free, else a new one on the same
external network, a warning when none is reachable), its tags, its power state (SHUTOFF, PAUSED
and SUSPENDED come back so unless the restore asks for active) and the delete_on_termination of
its boot and data volumes; the ports and floating IPs it mapped reach GetRestore as
related_resource_ids."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import grpc
import jsonschema
import pytest

from smaug.mesh.errors import field_violations
from smaug.plugins.openstack import compute
from smaug.plugins.openstack.server import Server
from smaug.v1 import checkpoints_pb2, common_pb2, restores_pb2
from support.openstack import PROVIDER, KeystoneApi, OpenStackCloud, Tenant, openstack_plugin
from support.openstack import external_network as make_external_network
from support.openstack_flow import boot, protect, settled, states, verify, wait_status
from support.openstack_storage import VOLUME, Flows, make_image, struct

SERVER = "OS::Nova::Server"
NETWORK = "OS::Neutron::Network"
FLOATING_IP = "OS::Neutron::FloatingIP"
PORT = "OS::Neutron::Port"


@pytest.fixture
def external_network(openstack_cloud: OpenStackCloud) -> Iterator[Any]:
    with make_external_network(openstack_cloud, "172.29.0.0/24") as network:
        yield network


def restore_to_end(api: KeystoneApi, checkpoint_id: str, parameters: dict[str, Any]) -> Any:
    """Restore, follow it to its end, and return it as GetRestore reports it."""
    wanted = restores_pb2.Restore(provider_id=PROVIDER, checkpoint_id=checkpoint_id)
    for key, value in parameters.items():
        wanted.parameters[key].CopyFrom(struct(value))
    created = api.call(
        api.restores.CreateRestore, restores_pb2.CreateRestoreRequest(restore=wanted)
    ).restore
    for _ in api.restores.WatchRestore(
        restores_pb2.WatchRestoreRequest(restore_id=created.id), metadata=api.metadata, timeout=600
    ):
        pass
    return api.call(
        api.restores.GetRestore, restores_pb2.GetRestoreRequest(restore_id=created.id)
    ).restore


def delete_on_termination(conn: Any, server: Any) -> dict[str, bool]:
    """Each attached volume's delete_on_termination, by volume id."""
    return {
        a.volume_id: bool(a.delete_on_termination) for a in conn.compute.volume_attachments(server)
    }


def floating_of(conn: Any, port_id: str) -> list[tuple[str, str]]:
    return [(ip.id, ip.floating_ip_address) for ip in conn.network.ips(port_id=port_id)]


def test_floating_ip_tags_power_state_and_delete_on_termination_are_restored(
    openstack_project: Tenant,
    openstack_cloud: OpenStackCloud,
    openstack_mesh_factory: Any,
    external_network: Any,
) -> None:
    conn = openstack_project.connection
    network = conn.network
    net = settled(network.create_network, name="web-net")
    subnet = settled(network.create_subnet, network_id=net.id, cidr="10.50.0.0/24", ip_version=4)
    router = settled(
        network.create_router,
        name="web-edge",
        external_gateway_info={"network_id": external_network.id},
    )
    settled(network.add_interface_to_router, router, subnet=subnet.id)
    root = settled(conn.block_storage.create_volume, size=1, name="web-root")
    wait_status(lambda: conn.block_storage.get_volume(root.id), "available")
    settled(conn.block_storage.set_volume_bootable_status, root, True)
    data = settled(conn.block_storage.create_volume, size=1, name="web-data")
    wait_status(lambda: conn.block_storage.get_volume(data.id), "available")
    web = boot(
        conn,
        name="web-1",
        flavor_id=openstack_cloud.flavor(),
        networks=[{"uuid": net.id, "fixed_ip": "10.50.0.20"}],
        tags=["web", "prod"],
        block_device_mapping=[
            {
                "boot_index": 0,
                "uuid": root.id,
                "source_type": "volume",
                "destination_type": "volume",
                "delete_on_termination": True,
            }
        ],
    )
    settled(conn.compute.create_volume_attachment, web, data.id, delete_on_termination=True)
    wait_status(lambda: conn.block_storage.get_volume(data.id), "in-use")
    (port,) = network.ports(device_id=web.id)
    original_ip = settled(network.create_ip, floating_network_id=external_network.id)
    settled(network.update_ip, original_ip, port_id=port.id)
    settled(conn.compute.stop_server, web)
    wait_status(lambda: conn.compute.get_server(web.id), "shutoff")
    assert delete_on_termination(conn, web) == {root.id: True, data.id: True}

    # What protect saves, as the plugin's published saved-info schema describes it.
    record = compute.capture(conn, web.id)
    jsonschema.validate(record, Server.saved_info_schema)
    assert (record["status"], sorted(record["tags"])) == ("SHUTOFF", ["prod", "web"])
    assert record["boot_volume"]["delete_on_termination"] is True
    assert [v["delete_on_termination"] for v in record["volumes"]] == [True]
    ((saved_ip,),) = [p["floating_ips"] for p in record["ports"]]
    assert saved_ip == {
        "id": original_ip.id,
        "floating_ip_address": original_ip.floating_ip_address,
        "floating_network_id": external_network.id,
        "fixed_ip_address": "10.50.0.20",
        "description": "",
    }

    api = KeystoneApi(
        openstack_mesh_factory(
            [
                openstack_plugin("network"),
                openstack_plugin("server", poll_seconds=0.5),
                openstack_plugin("volume_snapshot", poll_seconds=0.5),
            ]
        ),
        openstack_project,
    )
    plan_id = Flows(api).plan([(SERVER, web.id, "web-1")], {VOLUME: {"force": True}})
    checkpoint = protect(api, plan_id)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, checkpoint
    key = f"{SERVER}#{web.id}"
    assert verify(api, checkpoint.id).status == common_pb2.OPERATION_STATUS_SUCCEEDED

    with pytest.raises(grpc.RpcError) as refused:
        restore_to_end(api, checkpoint.id, {SERVER: {"power_state": "off"}})
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert f"parameters[{SERVER}].power_state" in field_violations(refused.value)

    # The original still runs and holds its floating IP: a new one on the same network.
    first = restore_to_end(api, checkpoint.id, {})
    assert first.status == common_pb2.OPERATION_STATUS_SUCCEEDED, first
    state = states(first)[key]
    assert "stopped, as it was when protected" in state.reason, state.reason
    new = conn.compute.get_server(state.new_resource_id)
    assert new.status == "SHUTOFF"
    assert sorted(new.tags) == ["prod", "web"]
    volumes = delete_on_termination(conn, new)
    assert set(volumes) == {
        states(first)[f"{VOLUME}#{root.id}"].new_resource_id,
        states(first)[f"{VOLUME}#{data.id}"].new_resource_id,
    }
    assert set(volumes.values()) == {True}
    (new_port,) = network.ports(device_id=new.id)
    ((new_ip_id, new_address),) = floating_of(conn, new_port.id)
    assert new_ip_id != original_ip.id
    assert network.get_ip(new_ip_id).floating_network_id == external_network.id
    assert (
        f"floating IP {original_ip.floating_ip_address} is held by port {port.id}; "
        f"allocated {new_address}" in state.reason
    ), state.reason
    assert dict(state.related_resource_ids) == {
        f"{PORT}#{port.id}": new_port.id,
        f"{FLOATING_IP}#{original_ip.id}": new_ip_id,
    }
    # The topology's map is on its own state.
    topology = states(first)[f"{NETWORK}#{openstack_project.project_id}"]
    assert topology.related_resource_ids[f"OS::Neutron::Net#{net.id}"] == net.id

    # Free the original floating IP: the next restore takes it back, and runs as asked.
    settled(network.update_ip, original_ip, port_id=None)
    second = restore_to_end(api, checkpoint.id, {SERVER: {"power_state": "active"}})
    assert second.status == common_pb2.OPERATION_STATUS_SUCCEEDED, second
    state = states(second)[key]
    again = conn.compute.get_server(state.new_resource_id)
    assert again.status == "ACTIVE", state.reason
    (again_port,) = network.ports(device_id=again.id)
    assert floating_of(conn, again_port.id) == [(original_ip.id, original_ip.floating_ip_address)]
    assert state.related_resource_ids[f"{FLOATING_IP}#{original_ip.id}"] == original_ip.id
    assert f"floating IP {original_ip.floating_ip_address} associated again" in state.reason

    # No external network reachable (the router lost its gateway): the server is restored
    # all the same, with a warning saying why and what to do.
    for server in (new, again):
        settled(conn.compute.delete_server, server)
        conn.compute.wait_for_delete(server, wait=120)
    settled(network.update_router, router, external_gateway_info={})
    third = restore_to_end(api, checkpoint.id, {SERVER: {"power_state": "active"}})
    assert third.status == common_pb2.OPERATION_STATUS_SUCCEEDED, third
    state = states(third)[key]
    assert conn.compute.get_server(state.new_resource_id).status == "ACTIVE"
    assert (
        f"warning: floating IP {original_ip.floating_ip_address} was not restored" in state.reason
    ), state.reason
    assert "is not reachable from subnet" in state.reason, state.reason
    assert "a router with a gateway on the external network" in state.reason, state.reason
    assert f"{FLOATING_IP}#{original_ip.id}" not in state.related_resource_ids


def test_paused_and_suspended_servers_come_back_so(
    openstack_project: Tenant, openstack_cloud: OpenStackCloud, openstack_mesh_factory: Any
) -> None:
    conn = openstack_project.connection
    net = settled(conn.network.create_network, name="idle-net")
    settled(conn.network.create_subnet, network_id=net.id, cidr="10.60.0.0/24", ip_version=4)
    image = make_image(openstack_project, "idle-image", os.urandom(1 << 16))
    servers = {}
    for name, action, status in (
        ("paused-1", conn.compute.pause_server, "paused"),
        ("suspended-1", conn.compute.suspend_server, "suspended"),
    ):
        server = boot(
            conn,
            name=name,
            flavor_id=openstack_cloud.flavor(),
            image_id=image.id,
            networks=[{"uuid": net.id}],
        )
        settled(action, server)
        wait_status(lambda server=server: conn.compute.get_server(server.id), status)
        servers[name] = server

    api = KeystoneApi(
        openstack_mesh_factory(
            [openstack_plugin("network"), openstack_plugin("server", poll_seconds=0.5)]
        ),
        openstack_project,
    )
    plan_id = Flows(api).plan([(SERVER, s.id, name) for name, s in servers.items()], {})
    checkpoint = protect(api, plan_id)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, checkpoint

    restored = restore_to_end(api, checkpoint.id, {})
    assert restored.status == common_pb2.OPERATION_STATUS_SUCCEEDED, restored
    for name, status, done in (
        ("paused-1", "PAUSED", "paused"),
        ("suspended-1", "SUSPENDED", "suspended"),
    ):
        state = states(restored)[f"{SERVER}#{servers[name].id}"]
        assert f"{done}, as it was when protected" in state.reason, state.reason
        assert conn.compute.get_server(state.new_resource_id).status == status

    running = restore_to_end(api, checkpoint.id, {SERVER: {"power_state": "active"}})
    assert running.status == common_pb2.OPERATION_STATUS_SUCCEEDED, running
    for name, was in (("paused-1", "PAUSED"), ("suspended-1", "SUSPENDED")):
        state = states(running)[f"{SERVER}#{servers[name].id}"]
        assert conn.compute.get_server(state.new_resource_id).status == "ACTIVE", name
        assert f"left running (power_state active); it was {was}" in state.reason, state.reason
