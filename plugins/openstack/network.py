"""OS::Neutron::Network: the project's network topology, as Karbor models it.

One pseudo-resource per project (id = the project's id, name "Network Topology"), listed only
when the project owns networks. Its parents are the project and every server with a port on one
of the project's networks, so a server restore (in restore_complete) always runs after the
topology was rebuilt (in restore_main) and can read the new ids.

Protect saves the project's own networks, subnets, routers (interfaces, external gateway, extra
routes) and security groups with their rules (topology.py). Restore maps what still exists in
the project to itself and recreates the rest, optionally with a name prefix; it reports every
saved object's current id in HookResult.related_resource_ids, keyed ``OS::Neutron::Net#<old>``,
``OS::Neutron::Subnet#<old>``, ``OS::Neutron::Router#<old>`` and
``OS::Neutron::SecurityGroup#<old>``. The saved default security group is never recreated: it
maps to the project's own default group. A restore that fails removes what it created; after a
transient failure (a 5xx) it then starts over, up to the setting ``restore_attempts`` (3) times.
Delete has nothing outside the bank to remove.
Run by the protection service, or standalone: ``python -m smaug.plugins.openstack.network``.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import grpc

from smaug.mesh.errors import not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.openstack import saved, topology
from smaug.plugins.openstack.cloud import OpenStackPlugin, call
from smaug.plugins.openstack.patience import patient
from smaug.plugins.openstack.project import PROJECT
from smaug.plugins.sdk import Hook, PluginError, PluginServer, Resource

NETWORK = "OS::Neutron::Network"
SERVER = "OS::Nova::Server"
NAME = "Network Topology"
RECORD = "topology"

_OBJECTS = {"type": "array", "items": {"type": "object"}}


class Network(OpenStackPlugin):
    resource_type = NETWORK
    parent_types = (PROJECT, SERVER)
    options_schema = {
        "type": "object",
        "title": "Network topology options",
        "properties": {},
        "additionalProperties": False,
    }
    restore_schema = {
        "type": "object",
        "title": "Network topology restore",
        "properties": {
            "restore_name": {
                "type": "string",
                "maxLength": 64,
                "description": "Prefix for the names of the recreated networks, subnets, routers "
                "and security groups (for example 'restored-'); by default they keep their "
                "original names",
            }
        },
        "additionalProperties": False,
    }
    verify_schema = {
        "type": "object",
        "title": "Network topology verify",
        "properties": {},
        "additionalProperties": False,
    }
    saved_info_schema = {
        "type": "object",
        "title": "Network topology saved info",
        "description": "The 'topology' object of the resource's bank section",
        "required": ["version", "id", "networks", "subnets", "routers", "security_groups"],
        "properties": {
            "version": {"const": topology.VERSION},
            "id": {"type": "string", "description": "The project whose topology this is"},
            "networks": {
                **_OBJECTS,
                "description": "id, name, description, admin_state_up, mtu, shared, external, "
                "port_security_enabled, availability_zone_hints, tags",
            },
            "subnets": {
                **_OBJECTS,
                "description": "id, name, description, network_id, cidr, ip_version, "
                "gateway_ip, allocation_pools, dns_nameservers, host_routes, enable_dhcp, "
                "ipv6_address_mode, ipv6_ra_mode, tags",
            },
            "routers": {
                **_OBJECTS,
                "description": "id, name, description, admin_state_up, external_gateway "
                "{network_id, enable_snat, external_fixed_ips}, routes, interfaces "
                "[{port_id, network_id, fixed_ips}], tags",
            },
            "security_groups": {
                **_OBJECTS,
                "description": "id, name, description, stateful, default, rules [{direction, "
                "ethertype, protocol, port_range_min, port_range_max, remote_ip_prefix, "
                "remote_group_id, remote_address_group_id, description}], tags",
            },
        },
    }

    def __init__(self) -> None:
        super().__init__()
        raw = json.loads(os.environ.get("SMAUG_PLUGIN_CONFIG") or "{}")
        self.restore_attempts = max(1, int(raw.get("restore_attempts", 3)))

    def _topology(self, project_id: str) -> Resource:
        return Resource(NETWORK, project_id, NAME)

    async def _project_networks(self, context: plugin_pb2.CallContext) -> set[str]:
        network = self.connection(context).network
        return await call(
            f"listing the networks of project {context.project_id}",
            patient(lambda: {n.id for n in network.networks(project_id=context.project_id)}),
        )

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        if await self._project_networks(context):
            return [self._topology(context.project_id)]
        return []

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        if resource_id != context.project_id or not await self._project_networks(context):
            raise not_found(NETWORK, resource_id)
        return self._topology(resource_id)

    async def dependents(self, parent: Resource, context: plugin_pb2.CallContext) -> list[Resource]:
        if parent.type == PROJECT:
            if parent.id != context.project_id:
                return []
            return await self.list_instances({}, context)
        if parent.type == SERVER:
            own = await self._project_networks(context)
            network = self.connection(context).network
            used = await call(
                f"listing the ports of server {parent.id}",
                patient(lambda: {p.network_id for p in network.ports(device_id=parent.id)}),
            )
            return [self._topology(context.project_id)] if own & used else []
        return []

    async def protect_main(self, hook: Hook) -> None:
        project_id = hook.context.project_id
        if hook.resource.id != project_id:
            raise not_found(NETWORK, hook.resource.id)
        network = self.connection(hook.context).network
        record = await call(
            f"reading the network topology of project {project_id}",
            patient(topology.capture),
            network,
            project_id,
        )
        size = await saved.save(hook, RECORD, record)
        await hook.progress(size, size, f"saved {topology.summary(record)}")

    async def restore_main(self, hook: Hook) -> None:
        record = await saved.load(hook, RECORD, topology.VERSION)
        prefix = str(hook.parameters.get("restore_name") or "")
        project_id = hook.context.project_id
        connection = self.connection(hook.context)
        for attempt in range(1, self.restore_attempts + 1):
            try:
                result = await topology.Rebuild(connection, project_id, prefix, hook).run(record)
                break
            except PluginError as error:
                # A 5xx midway: what this attempt made is removed again, so start over.
                if error.code != grpc.StatusCode.UNAVAILABLE or attempt == self.restore_attempts:
                    raise
                await hook.progress(0, 0, f"{error.message}; rolled back, trying again")
                await asyncio.sleep(2.0 * attempt)
        hook.related_resource_ids = result.mapping
        hook.new_resource_id = project_id
        # The reason a resource ends with is its last phase's: complete hands it on.
        hook.state["reason"] = result.reason()

    async def restore_complete(self, hook: Hook) -> None:
        hook.reason = str(hook.state.get("reason", ""))

    async def verify_main(self, hook: Hook) -> None:
        record = await saved.load(hook, RECORD, topology.VERSION)
        saved.require(
            record,
            hook,
            {"networks": list, "subnets": list, "routers": list, "security_groups": list},
        )
        for kind in ("networks", "subnets", "routers", "security_groups"):
            if not all(isinstance(item, dict) and item.get("id") for item in record[kind]):
                raise PluginError(
                    f"the checkpoint's topology record of project {hook.resource.id} is "
                    f"damaged: an entry of {kind} has no id",
                    grpc.StatusCode.DATA_LOSS,
                )
        await hook.progress(0, 0, f"the checkpoint holds {topology.summary(record)}")

    async def copy_main(self, hook: Hook) -> None:
        await saved.copy(hook, RECORD)

    async def delete_main(self, hook: Hook) -> None:
        """Nothing outside the bank: deleting the checkpoint drops the section."""


def main() -> None:
    PluginServer(name="openstack-network", vendor="Smaug", version="0.1.0").register(
        Network
    ).serve()


if __name__ == "__main__":
    main()
