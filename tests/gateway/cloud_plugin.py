"""A fake cloud for the Karbor face tests: a project with two servers, each with a volume.

Serves OS::Keystone::Project, OS::Nova::Server and OS::Cinder::Volume with listable instances,
dependents and Karbor-like options and restore schemas; every hook just records its phase.
"""

from __future__ import annotations

from typing import Any

from smaug.mesh.errors import not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import Hook, PluginServer, Resource, ResourcePlugin

PROJECT = "OS::Keystone::Project"
SERVER = "OS::Nova::Server"
VOLUME = "OS::Cinder::Volume"
SERVERS = {
    "c3b5a8f0-1f0e-4a53-9d0e-0a6f4b8e6c01": "vm1",
    "c3b5a8f0-1f0e-4a53-9d0e-0a6f4b8e6c02": "vm2",
}
VOLUMES = {
    "7d1c8c5e-2f64-4c34-8b52-3d9a1c0e5a01": ("vol1", "c3b5a8f0-1f0e-4a53-9d0e-0a6f4b8e6c01"),
    "7d1c8c5e-2f64-4c34-8b52-3d9a1c0e5a02": ("vol2", "c3b5a8f0-1f0e-4a53-9d0e-0a6f4b8e6c02"),
}


class Cloud(ResourcePlugin):
    instances: dict[str, str] = {}

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        return [Resource(self.resource_type, i, n) for i, n in self.instances.items()]

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        if resource_id not in self.instances:
            raise not_found(self.resource_type, resource_id)
        return Resource(self.resource_type, resource_id, self.instances[resource_id])

    async def _record(self, hook: Hook) -> None:
        hook.state[hook.phase] = True

    protect_main = restore_main = verify_main = delete_main = _record


class Projects(Cloud):
    resource_type = PROJECT
    instances = {"admin": "admin"}


class Servers(Cloud):
    resource_type = SERVER
    parent_types = (PROJECT,)
    instances = SERVERS

    async def dependents(self, parent: Resource, context: plugin_pb2.CallContext) -> list[Resource]:
        if parent.type == PROJECT:
            return [Resource(SERVER, i, n) for i, n in SERVERS.items()]
        return []


class Volumes(Cloud):
    resource_type = VOLUME
    parent_types = (SERVER,)
    instances = {i: name for i, (name, _) in VOLUMES.items()}
    options_schema = {
        "type": "object",
        "properties": {"backup_mode": {"type": "string", "enum": ["full", "incremental"]}},
    }
    restore_schema = {"type": "object", "properties": {"restore_name": {"type": "string"}}}

    async def dependents(self, parent: Resource, context: plugin_pb2.CallContext) -> list[Resource]:
        return [
            Resource(VOLUME, i, name, {"availability_zone": "az1"})
            for i, (name, server) in VOLUMES.items()
            if server == parent.id
        ]


if __name__ == "__main__":
    PluginServer(name="fake-cloud", vendor="Smaug tests", version="1.0").register(
        Projects, Servers, Volumes
    ).serve()
