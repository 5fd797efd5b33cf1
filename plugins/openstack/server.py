"""OS::Nova::Server: a project's servers, rebuilt as new servers on restore.

Listed: the caller's servers except DELETED, ERROR, UNKNOWN, SOFT_DELETED and RESCUED ones (as
Karbor). Parent: the project. Dependents (attached volumes, the boot image, the network
topology) are served by the plugins of those types, which name OS::Nova::Server as a parent.

Protect saves what rebuilding needs (compute.py). Restore runs in restore_complete, after every
dependent restored in restore_main, and builds a NEW server: from the restored image or boot
volume (``OS::Glance::Image#<old>``, ``OS::Cinder::Volume#<old>`` in new_resource_ids), else the
originals when they still exist; on the restored networks with the original fixed addresses
where free (``OS::Neutron::Net#<old>``, ``OS::Neutron::Subnet#<old>`` from the network plugin),
or on the network named by restore_net_id; with the mapped security groups, the saved metadata,
the key pair when the caller has it, the saved tags, each volume's delete_on_termination, and
the restore_name / restore_flavor_id overrides. It waits for ACTIVE (a server that goes to ERROR
is built again, up to the setting ``build_attempts`` (3) times, unless Nova found no host; then
the restore fails with Nova's fault message), reattaches the data volumes at their devices, puts
the floating IPs back (floating.py: the original when free, else a new one on the same external
network; what cannot be done is a warning in the reason, never a failure), stops the server if
it was SHUTOFF, pauses or suspends it if it was PAUSED or SUSPENDED (restore parameter
``power_state``: ``original``, the default, or ``active``) and
records the new server's id, with ``OS::Neutron::Port#<old>`` and
``OS::Neutron::FloatingIP#<old>`` in HookResult.related_resource_ids. Delete: nothing outside
the bank.
Run by the protection service, or standalone: ``python -m smaug.plugins.openstack.server``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import grpc

from smaug.mesh.errors import not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.openstack import compute, floating, saved
from smaug.plugins.openstack.cloud import OpenStackPlugin, call
from smaug.plugins.openstack.patience import patient
from smaug.plugins.openstack.project import PROJECT
from smaug.plugins.sdk import Hook, PluginError, PluginServer, Resource

SERVER = "OS::Nova::Server"
RECORD = "server"
# Karbor never offers these for protection.
UNPROTECTABLE = frozenset({"DELETED", "ERROR", "UNKNOWN", "SOFT_DELETED", "RESCUED"})
_UUID = "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
_VOLUME = {
    "type": "object",
    "properties": {
        "volume_id": {"type": "string"},
        "device": {"type": "string"},
        "delete_on_termination": {"type": "boolean"},
    },
}


class Server(OpenStackPlugin):
    resource_type = SERVER
    parent_types = (PROJECT,)
    options_schema = {
        "type": "object",
        "title": "Server options",
        "properties": {},
        "additionalProperties": False,
    }
    restore_schema = {
        "type": "object",
        "title": "Server restore",
        "properties": {
            "restore_name": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "description": "Name of the new server; by default the original's",
            },
            "restore_net_id": {
                "type": "string",
                "pattern": _UUID,
                "description": "Id of an existing network to put the new server on (one "
                "interface, addresses from that network); by default the server's own "
                "networks, as restored",
            },
            "restore_flavor_id": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "description": "Id or name of the flavor of the new server; by default the "
                "original's",
            },
            "power_state": {
                "enum": ["original", "active"],
                "default": "original",
                "description": "original: a server that was SHUTOFF, PAUSED or SUSPENDED when "
                "protected is stopped, paused or suspended once restored; active: leave every "
                "restored server running",
            },
        },
        "additionalProperties": False,
    }
    verify_schema = {
        "type": "object",
        "title": "Server verify",
        "properties": {},
        "additionalProperties": False,
    }
    saved_info_schema = {
        "type": "object",
        "title": "Server saved info",
        "description": "The 'server' object of the resource's bank section",
        "required": ["version", "id", "name", "flavor", "ports", "metadata", "volumes"],
        "properties": {
            "version": {"const": compute.VERSION},
            "id": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "status": {
                "type": "string",
                "description": "Status when protected; a SHUTOFF, PAUSED or SUSPENDED server is "
                "restored so",
            },
            "tags": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Server tags (Nova API 2.26); absent in earlier records",
            },
            "availability_zone": {"type": "string"},
            "key_name": {"type": "string"},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "config_drive": {"type": "boolean"},
            "flavor": {
                "type": "object",
                "properties": {
                    "id": {"type": "string", "description": "Empty if it was deleted"},
                    "name": {"type": "string"},
                    "vcpus": {"type": "integer"},
                    "ram": {"type": "integer"},
                    "disk": {"type": "integer"},
                    "ephemeral": {"type": "integer"},
                    "swap": {"type": "integer"},
                    "extra_specs": {"type": "object"},
                },
            },
            "image_id": {
                "type": ["string", "null"],
                "description": "The boot image; null when booted from a volume",
            },
            "boot_volume": {
                "oneOf": [_VOLUME, {"type": "null"}],
                "description": "The volume booted from, with the delete_on_termination of its "
                "block device mapping",
            },
            "volumes": {"type": "array", "items": _VOLUME, "description": "Data volumes"},
            "ports": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "port_id": {"type": "string"},
                        "network_id": {"type": "string"},
                        "mac_address": {"type": "string"},
                        "fixed_ips": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "subnet_id": {"type": "string"},
                                    "ip_address": {"type": "string"},
                                },
                            },
                        },
                        "security_group_ids": {"type": "array", "items": {"type": "string"}},
                        "floating_ips": floating.RECORD_SCHEMA,
                    },
                },
            },
            "security_groups": {"type": "array", "items": {"type": "string"}},
        },
    }

    def __init__(self) -> None:
        super().__init__()
        raw = json.loads(os.environ.get("SMAUG_PLUGIN_CONFIG") or "{}")
        self.build_attempts = max(1, int(raw.get("build_attempts", 3)))

    def _resource(self, server: Any) -> Resource:
        return Resource(SERVER, server.id, server.name or server.id)

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        nova = self.connection(context).compute
        servers = await call(
            f"listing the servers of project {context.project_id}",
            patient(lambda: list(nova.servers(details=True))),
        )
        return [self._resource(s) for s in servers if s.status not in UNPROTECTABLE]

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        nova = self.connection(context).compute
        try:
            server = await call(
                f"reading server {resource_id}", patient(nova.get_server), resource_id
            )
        except PluginError as error:
            if error.code == grpc.StatusCode.NOT_FOUND:
                raise not_found(SERVER, resource_id) from None
            raise
        if server.status in UNPROTECTABLE:
            raise PluginError(
                f"server {resource_id} is {server.status}; servers in "
                f"{', '.join(sorted(UNPROTECTABLE))} cannot be protected",
                grpc.StatusCode.FAILED_PRECONDITION,
            )
        return self._resource(server)

    async def dependents(self, parent: Resource, context: plugin_pb2.CallContext) -> list[Resource]:
        if parent.type == PROJECT and parent.id == context.project_id:
            return await self.list_instances({}, context)
        return []

    async def protect_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        record = await call(
            f"reading server {hook.resource.id}",
            patient(compute.capture),
            connection,
            hook.resource.id,
        )
        size = await saved.save(hook, RECORD, record)
        await hook.progress(
            size,
            size,
            f"saved server {record['name']}: {len(record['ports'])} ports, "
            f"{len(record['volumes'])} data volumes",
        )

    async def restore_complete(self, hook: Hook) -> None:
        record = await saved.load(hook, RECORD, compute.VERSION)
        build = compute.ServerBuild(
            self.connection(hook.context),
            hook,
            timeout=self.settings.status_timeout_seconds,
            poll=self.settings.poll_seconds,
            attempts=self.build_attempts,
        )
        inputs = await build.resolve(record)
        await hook.progress(0, 0, f"creating server {record['name']}")
        server = await build.create(record, inputs)
        await build.attach(server, inputs.volumes)
        await build.tag(server, inputs)
        restore_net_id = str(hook.parameters.get("restore_net_id") or "")
        placed = await floating.Reassociate(
            build.connection, hook.new_resource_ids, restore_net_id
        ).run(record["ports"], server.id)
        inputs.notes.extend(placed.notes)
        await build.power(server, record, inputs)
        hook.new_resource_id = server.id
        hook.related_resource_ids = placed.mapping
        hook.reason = "; ".join(inputs.notes)

    async def verify_main(self, hook: Hook) -> None:
        record = await saved.load(hook, RECORD, compute.VERSION)
        saved.require(
            record,
            hook,
            {"name": str, "flavor": dict, "ports": list, "volumes": list, "metadata": dict},
        )
        # Lists added after version 1 first shipped: absent is fine, anything else is damage.
        damaged = [] if isinstance(record.get("tags", []), list) else ["tags"]
        damaged += [
            f"floating_ips of port {port.get('port_id')}"
            for port in record["ports"]
            if not isinstance(port.get("floating_ips", []), list)
        ]
        if damaged:
            raise PluginError(
                f"the checkpoint's record of server {hook.resource.id} is damaged: bad "
                f"{', '.join(damaged)}",
                grpc.StatusCode.DATA_LOSS,
            )
        if not record.get("image_id") and not record.get("boot_volume"):
            raise PluginError(
                f"the checkpoint's record of server {hook.resource.id} names neither a boot "
                "image nor a boot volume",
                grpc.StatusCode.DATA_LOSS,
            )

    async def copy_main(self, hook: Hook) -> None:
        await saved.copy(hook, RECORD)

    async def delete_main(self, hook: Hook) -> None:
        """Nothing outside the bank: deleting the checkpoint drops the section."""


def main() -> None:
    PluginServer(name="openstack-server", vendor="Smaug", version="0.1.0").register(Server).serve()


if __name__ == "__main__":
    main()
