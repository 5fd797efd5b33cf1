"""OS::Neutron::Network against the real Neutron: a project's topology is protected and verified,
restored in place while it still exists, recreated (with a name prefix) once deleted; bad
restore parameters are refused with field violations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from smaug.mesh.errors import field_violations
from smaug.v1 import checkpoints_pb2, common_pb2, protectables_pb2
from support.openstack import PROVIDER, KeystoneApi, OpenStackCloud, Tenant, openstack_plugin
from support.openstack import external_network as make_external_network
from support.openstack_flow import plan, protect, restore, settled, states, verify

NETWORK = "OS::Neutron::Network"


@pytest.fixture(scope="module")
def external_network(openstack_cloud: OpenStackCloud) -> Iterator[Any]:
    with make_external_network(openstack_cloud, "172.30.0.0/24") as network:
        yield network


def rule_set(network: Any, group_id: str, own: str) -> set[tuple[Any, ...]]:
    """A group's rules, with a reference to the group itself spelled 'self'."""
    return {
        (
            r.direction,
            r.ether_type,
            r.protocol,
            r.port_range_min,
            r.port_range_max,
            r.remote_ip_prefix,
            "self" if r.remote_group_id == own else r.remote_group_id,
        )
        for r in network.security_group_rules(security_group_id=group_id)
    }


def build_topology(network: Any, external_id: str) -> dict[str, Any]:
    front = settled(network.create_network, name="front", mtu=1400, description="frontend")
    settled(network.set_tags, front, ["tier-front"])
    back = settled(
        network.create_network, name="back", is_admin_state_up=False, is_port_security_enabled=False
    )
    front_v4 = settled(
        network.create_subnet,
        name="front-v4",
        network_id=front.id,
        cidr="10.10.0.0/24",
        ip_version=4,
        dns_nameservers=["10.10.0.2"],
        allocation_pools=[{"start": "10.10.0.10", "end": "10.10.0.99"}],
        host_routes=[{"destination": "192.168.50.0/24", "nexthop": "10.10.0.254"}],
    )
    back_v4 = settled(
        network.create_subnet,
        name="back-v4",
        network_id=back.id,
        cidr="10.20.0.0/24",
        ip_version=4,
        gateway_ip=None,
        is_dhcp_enabled=False,
    )
    back_v6 = settled(
        network.create_subnet, name="back-v6", network_id=back.id, cidr="fd00:20::/64", ip_version=6
    )
    router = settled(
        network.create_router, name="edge", external_gateway_info={"network_id": external_id}
    )
    settled(network.add_interface_to_router, router, subnet=front_v4.id)
    inside = settled(
        network.create_port,
        network_id=back.id,
        fixed_ips=[{"subnet_id": back_v4.id, "ip_address": "10.20.0.5"}],
    )
    settled(network.add_interface_to_router, router, port=inside.id)
    settled(
        network.update_router,
        router,
        routes=[{"destination": "172.16.0.0/16", "nexthop": "10.10.0.20"}],
    )
    web = settled(network.create_security_group, name="web", description="web tier")
    settled(
        network.create_security_group_rule,
        security_group_id=web.id,
        direction="ingress",
        ether_type="IPv4",
        protocol="tcp",
        port_range_min=80,
        port_range_max=80,
        remote_ip_prefix="0.0.0.0/0",
    )
    settled(
        network.create_security_group_rule,
        security_group_id=web.id,
        direction="ingress",
        ether_type="IPv4",
        protocol="tcp",
        port_range_min=22,
        port_range_max=22,
        remote_group_id=web.id,
    )
    settled(
        network.create_security_group_rule,
        security_group_id=web.id,
        direction="ingress",
        ether_type="IPv6",
        protocol="ipv6-icmp",
    )
    return {
        "nets": [front, back],
        "subnets": [front_v4, back_v4, back_v6],
        "router": router,
        "group": web,
        "web_rules": rule_set(network, web.id, web.id),
    }


def delete_topology(network: Any, made: dict[str, Any]) -> None:
    router = made["router"]
    settled(network.update_router, router, routes=[])
    for port in list(network.ports(device_id=router.id, device_owner="network:router_interface")):
        settled(network.remove_interface_from_router, router, port=port.id)
    settled(network.delete_router, router)
    settled(network.delete_security_group, made["group"])
    for subnet in made["subnets"]:
        settled(network.delete_subnet, subnet)
    for net in made["nets"]:
        settled(network.delete_network, net)


def test_topology_is_protected_restored_in_place_and_recreated(
    openstack_project: Tenant, external_network: Any, openstack_mesh_factory: Any
) -> None:
    network = openstack_project.connection.network
    project_id = openstack_project.project_id
    made = build_topology(network, external_network.id)
    mesh = openstack_mesh_factory([openstack_plugin("network")])
    api = KeystoneApi(mesh, openstack_project)

    listed = api.call(
        api.protectables.ListProtectableInstances,
        protectables_pb2.ListProtectableInstancesRequest(
            protectable_type=NETWORK, provider_id=PROVIDER
        ),
    )
    assert [(i.resource.id, i.resource.name) for i in listed.instances] == [
        (project_id, "Network Topology")
    ]
    checkpoint = protect(api, plan(api, [(NETWORK, project_id, "Network Topology")]))
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, checkpoint
    assert verify(api, checkpoint.id).status == common_pb2.OPERATION_STATUS_SUCCEEDED

    # Bad parameters are refused before anything runs.
    for parameters, field in (
        ({NETWORK: {"restore_name": 5}}, f"parameters[{NETWORK}].restore_name"),
        ({NETWORK: {"restore_nmae": "x"}}, f"parameters[{NETWORK}].restore_nmae"),
        ({NETWORK: {"restore_name": "x" * 65}}, f"parameters[{NETWORK}].restore_name"),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            restore(api, checkpoint.id, parameters)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert field in field_violations(refused.value), field_violations(refused.value)

    # Everything still exists: the restore maps it to itself and creates nothing.
    before = {n.id for n in network.networks(project_id=project_id)}
    kept = restore(api, checkpoint.id)
    assert kept.status == common_pb2.OPERATION_STATUS_SUCCEEDED, kept
    state = states(kept)[f"{NETWORK}#{project_id}"]
    assert state.new_resource_id == project_id
    assert state.reason.startswith("nothing to recreate; 8 still existed"), state.reason
    assert {n.id for n in network.networks(project_id=project_id)} == before

    # A restore Neutron refuses midway (a subnet now overlapping the one to recreate) fails with
    # Neutron's message and removes what it had made (the security group).
    front, back = made["nets"]
    settled(network.delete_security_group, made["group"])
    settled(network.delete_subnet, made["subnets"][2])
    squatter = settled(network.create_subnet, network_id=back.id, cidr="fd00:20::/48", ip_version=6)
    refused = restore(api, checkpoint.id)
    assert refused.status == common_pb2.OPERATION_STATUS_FAILED, refused
    reason = states(refused)[f"{NETWORK}#{project_id}"].reason
    assert "creating subnet back-v6" in reason and "overlaps with" in reason, reason
    assert {g.name for g in network.security_groups(project_id=project_id)} == {"default"}
    settled(network.delete_subnet, squatter)

    delete_topology(network, made)
    rebuilt = restore(api, checkpoint.id, {NETWORK: {"restore_name": "r-"}})
    assert rebuilt.status == common_pb2.OPERATION_STATUS_SUCCEEDED, rebuilt
    reason = states(rebuilt)[f"{NETWORK}#{project_id}"].reason
    assert reason.startswith(
        "recreated 2 networks, 3 subnets, 1 router and 1 security group; 1 still existed"
    ), reason

    nets = {n.name: n for n in network.networks(project_id=project_id)}
    assert set(nets) == {"r-front", "r-back"}
    front, back = nets["r-front"], nets["r-back"]
    assert not {front.id, back.id} & {n.id for n in made["nets"]}
    assert (front.mtu, front.description, front.tags, front.is_admin_state_up) == (
        1400,
        "frontend",
        ["tier-front"],
        True,
    )
    assert (back.is_admin_state_up, back.is_port_security_enabled) == (False, False)

    subnets = {s.name: s for s in network.subnets(project_id=project_id)}
    assert set(subnets) == {"r-front-v4", "r-back-v4", "r-back-v6"}
    front_v4, back_v4, back_v6 = (subnets[n] for n in ("r-front-v4", "r-back-v4", "r-back-v6"))
    assert (front_v4.network_id, front_v4.cidr, front_v4.gateway_ip) == (
        front.id,
        "10.10.0.0/24",
        "10.10.0.1",
    )
    assert front_v4.dns_nameservers == ["10.10.0.2"]
    assert front_v4.allocation_pools == [{"start": "10.10.0.10", "end": "10.10.0.99"}]
    assert front_v4.host_routes == [{"destination": "192.168.50.0/24", "nexthop": "10.10.0.254"}]
    assert (back_v4.network_id, back_v4.gateway_ip, back_v4.is_dhcp_enabled) == (
        back.id,
        None,
        False,
    )
    assert (back_v6.network_id, back_v6.ip_version, back_v6.cidr) == (back.id, 6, "fd00:20::/64")

    (router,) = network.routers(project_id=project_id)
    assert router.name == "r-edge"
    assert router.external_gateway_info["network_id"] == external_network.id
    assert router.routes == [{"destination": "172.16.0.0/16", "nexthop": "10.10.0.20"}]
    interfaces = {
        (ip["subnet_id"], ip["ip_address"])
        for port in network.ports(device_id=router.id, device_owner="network:router_interface")
        for ip in port.fixed_ips
    }
    assert interfaces == {(front_v4.id, "10.10.0.1"), (back_v4.id, "10.20.0.5")}

    groups = {g.name: g for g in network.security_groups(project_id=project_id)}
    assert set(groups) == {"default", "r-web"}
    web = groups["r-web"]
    assert web.description == "web tier"
    assert rule_set(network, web.id, web.id) == made["web_rules"]
