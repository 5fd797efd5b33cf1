"""The directory-tree plugin server: protects directory trees on this machine.

Its protectables are the configured roots (settings ``roots``: a list of absolute paths) and any
directory under them; a directory is named by its absolute path, which is also its id.
Run by the protection service, or standalone: ``python -m smaug.plugins.directory --listen ADDR``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from smaug.mesh.errors import invalid_argument, not_found
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import PluginServer, Resource, ResourcePlugin

RESOURCE_TYPE = "Smaug::Directory"


def configured_roots() -> list[Path]:
    settings: dict[str, Any] = json.loads(os.environ.get("SMAUG_PLUGIN_CONFIG") or "{}")
    return [Path(root).resolve() for root in settings.get("roots", [])]


class Directories(ResourcePlugin):
    resource_type = RESOURCE_TYPE
    options_schema = {
        "type": "object",
        "title": "Directory protect options",
        "properties": {
            "exclude": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Glob patterns of paths (relative to the directory) to skip",
            }
        },
    }
    restore_schema = {
        "type": "object",
        "title": "Directory restore parameters",
        "properties": {
            "target": {
                "type": "string",
                "description": "Absolute path of an empty or missing directory to restore into",
            }
        },
        "required": ["target"],
    }

    def __init__(self) -> None:
        self.roots = configured_roots()

    def _resource(self, path: Path) -> Resource:
        return Resource(type=RESOURCE_TYPE, id=str(path), name=path.name or str(path))

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        return [self._resource(root) for root in self.roots if root.is_dir()]

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        path = Path(resource_id)
        if not path.is_absolute():
            raise invalid_argument(
                f"directory {resource_id!r} is not an absolute path",
                {"resource_id": "must be an absolute path"},
            )
        path = path.resolve()
        if not any(path == root or root in path.parents for root in self.roots):
            raise not_found(RESOURCE_TYPE, f"{resource_id} (not under a configured root)")
        if not path.is_dir():
            raise not_found(RESOURCE_TYPE, resource_id)
        return self._resource(path)


def main() -> None:
    PluginServer(name="smaug-directory", vendor="Smaug", version="0.1.0").register(
        Directories
    ).serve()


if __name__ == "__main__":
    main()
