"""OS::Keystone::Project: the caller's project, the root of an OpenStack plan.

Its only instance is the project the caller's token is scoped to (no other project exists to
them); its dependents are served by the other OpenStack plugins, whose types name it as a
parent: servers, volumes, images and the network topology. Protect records the project's name
and description; restore and verify check that the caller's project still exists and map the
original project to it, so children restore into the caller's project.
Run by the protection service, or standalone: ``python -m smaug.plugins.openstack.project``.
"""

from __future__ import annotations

import json
from typing import Any

import grpc

from smaug.bank.client import SectionClient
from smaug.mesh.errors import not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.openstack.cloud import OpenStackPlugin, call
from smaug.plugins.sdk import Hook, PluginError, PluginServer, Resource

PROJECT = "OS::Keystone::Project"


class Project(OpenStackPlugin):
    resource_type = PROJECT
    options_schema = {"type": "object", "title": "Project options", "properties": {}}
    restore_schema = {"type": "object", "title": "Project restore", "properties": {}}
    verify_schema = {"type": "object", "title": "Project verify", "properties": {}}
    saved_info_schema = {
        "type": "object",
        "title": "Project saved info",
        "properties": {
            "id": {"type": "string", "description": "The protected project's id"},
            "name": {"type": "string", "description": "Its name then"},
            "description": {"type": "string"},
            "domain_id": {"type": "string"},
        },
    }

    async def _own(self, context: plugin_pb2.CallContext) -> Resource:
        connection = self.connection(context)
        try:
            project = await call(
                f"reading project {context.project_id}",
                lambda: connection.identity.get_project(context.project_id),
            )
        except PluginError as error:
            if error.code != grpc.StatusCode.PERMISSION_DENIED:
                raise
            # Policy may hide the project record from members; its id is still theirs.
            return Resource(PROJECT, context.project_id, context.project_id)
        return Resource(
            PROJECT,
            project.id,
            project.name or project.id,
            {"description": project.description or "", "domain_id": project.domain_id or ""},
        )

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        return [await self._own(context)]

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        if resource_id != context.project_id:
            raise not_found(PROJECT, resource_id)
        return await self._own(context)

    async def protect_main(self, hook: Hook) -> None:
        if hook.resource.id != hook.context.project_id:
            raise PluginError(
                f"project {hook.resource.id} is not the caller's project "
                f"({hook.context.project_id}); a plan protects only its own project",
                grpc.StatusCode.PERMISSION_DENIED,
            )
        own = await self._own(hook.context)
        info = {"id": own.id, "name": own.name, **own.extra_info}
        async with SectionClient(hook.bank_section) as bank:
            await bank.put_object("info", json.dumps(info).encode())
        hook.state["name"] = own.name

    async def restore_main(self, hook: Hook) -> None:
        own = await self._own(hook.context)
        hook.new_resource_id = own.id
        if own.id != hook.resource.id:
            hook.reason = f"restored into project {own.name} ({own.id})"

    async def verify_main(self, hook: Hook) -> None:
        async with SectionClient(hook.bank_section) as bank:
            info = json.loads(await bank.get_object("info"))
        if info.get("id") != hook.resource.id:
            raise PluginError(f"the checkpoint's project record names {info.get('id')!r}")

    async def copy_main(self, hook: Hook) -> None:
        async with (
            SectionClient(hook.bank_section) as source,
            SectionClient(hook.copy_bank_section) as destination,
        ):
            await destination.put_object("info", await source.get_object("info"))

    async def delete_main(self, hook: Hook) -> None:
        """Nothing outside the bank: deleting the checkpoint drops the section."""


def main() -> None:
    PluginServer(name="openstack-project", vendor="Smaug", version="0.1.0").register(
        Project
    ).serve()


if __name__ == "__main__":
    main()
