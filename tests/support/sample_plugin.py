"""A vendor-style plugin used by the tests: one resource type whose hooks report progress,
remember state across phases, fail on request, and run long enough to be cancelled."""

from __future__ import annotations

import asyncio
from typing import Any

from smaug.mesh.errors import not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import Hook, PluginError, PluginServer, Resource, ResourcePlugin

THINGS = {"t1": "first thing", "t2": "second thing"}


class Things(ResourcePlugin):
    resource_type = "Test::Thing"
    options_schema = {"type": "object", "properties": {"mode": {"type": "string"}}}

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        return [Resource(self.resource_type, key, name) for key, name in THINGS.items()]

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        if resource_id not in THINGS:
            raise not_found(self.resource_type, resource_id)
        return Resource(self.resource_type, resource_id, THINGS[resource_id])

    async def protect_prepare_begin(self, hook: Hook) -> None:
        hook.state["began"] = hook.resource.id

    async def protect_main(self, hook: Hook) -> None:
        mode = hook.parameters.get("mode", "")
        if mode == "fail":
            raise PluginError(f"thing {hook.resource.id} refused to be copied")
        if mode == "slow":
            await asyncio.sleep(60)
        for done in (10, 20, 30):
            await hook.progress(done, 30, f"copied {done} bytes")
        hook.state["copied"] = 30

    async def restore_complete(self, hook: Hook) -> None:
        hook.new_resource_id = f"restored-{hook.resource.id}"


if __name__ == "__main__":
    PluginServer(name="sample", vendor="Tests", version="1.0").register(Things).serve()
