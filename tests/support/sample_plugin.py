"""A vendor-style plugin used by the tests.

Its resource type ``Test::Thing`` nests in itself, so tests can build graphs of any shape:
settings (SMAUG_PLUGIN_CONFIG) ``{"children": {"t1": ["t2", "t3"]}, "log": "/path"}``. Every
hook appends ``<id> <operation> <phase>`` to the log file; hooks report progress, keep state
across phases, fail on request (parameter ``mode: fail``), run long (``mode: slow``) and write
to the bank section through the SDK's client. A restore reports the new thing's id and one
related id (``Test::Part#<id>-part``).
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from smaug.bank.client import SectionClient
from smaug.mesh.errors import not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import Hook, PluginError, PluginServer, Resource, ResourcePlugin

SETTINGS: dict[str, Any] = json.loads(os.environ.get("SMAUG_PLUGIN_CONFIG") or "{}")
CHILDREN: dict[str, list[str]] = SETTINGS.get("children", {})
NAMES = {"t1": "first thing", "t2": "second thing"}


def record(hook: Hook) -> None:
    if "log" in SETTINGS:
        with open(SETTINGS["log"], "a") as out:
            out.write(f"{hook.resource.id} {hook.operation} {hook.phase}\n")


class Things(ResourcePlugin):
    resource_type = "Test::Thing"
    parent_types = ("Test::Thing",)
    options_schema = {"type": "object", "properties": {"mode": {"type": "string"}}}
    restore_schema = {"type": "object", "properties": {"mode": {"type": "string"}}}

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        return [Resource(self.resource_type, key, name) for key, name in NAMES.items()]

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        if resource_id not in NAMES and resource_id not in CHILDREN:
            raise not_found(self.resource_type, resource_id)
        return Resource(self.resource_type, resource_id, NAMES.get(resource_id, resource_id))

    async def dependents(self, parent: Resource, context: plugin_pb2.CallContext) -> list[Resource]:
        return [Resource(self.resource_type, c, c) for c in CHILDREN.get(parent.id, [])]

    async def _hook(self, hook: Hook) -> None:
        record(hook)
        if hook.phase != "main":
            hook.state[hook.phase] = True
            return
        mode = hook.parameters.get("mode", "")
        if mode == "fail":
            raise PluginError(f"thing {hook.resource.id} refused to be copied")
        if mode == "slow":
            await asyncio.sleep(60)
        for done in (10, 20, 30):
            await hook.progress(done, 30, f"copied {done} bytes")
        hook.state["copied"] = 30
        if hook.operation == "protect" and hook.bank_section.address:
            async with SectionClient(hook.bank_section) as bank:
                await bank.put_object("thing", hook.resource.id.encode())
        if hook.operation == "restore":
            async with SectionClient(hook.bank_section) as bank:
                saved = (await bank.get_object("thing")).decode()
            hook.new_resource_id = f"restored-{saved}"
            # Something made inside the thing, reported as the topology plugin reports subnets.
            hook.related_resource_ids = {f"Test::Part#{saved}-part": f"restored-{saved}-part"}

    protect_prepare_begin = protect_prepare_finish = protect_main = protect_complete = _hook
    restore_prepare_begin = restore_prepare_finish = restore_main = restore_complete = _hook
    delete_main = copy_main = _hook


if __name__ == "__main__":
    PluginServer(name="sample", vendor="Tests", version="1.0").register(Things).serve()
