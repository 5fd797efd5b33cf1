"""The noop plugin: serves every Karbor resource type and does nothing but record.

It is how a provider exercises flows without touching anything, and the smallest complete
example of the SDK: ``python -m smaug.plugins.noop``.
"""

from __future__ import annotations

from smaug.plugins.sdk import Hook, PluginServer, Resource, ResourcePlugin

PROJECT = "OS::Keystone::Project"
KARBOR_TYPES = {
    PROJECT: (),
    "OS::Nova::Server": (PROJECT,),
    "OS::Cinder::Volume": ("OS::Nova::Server", "OS::Kubernetes::Pod", PROJECT),
    "OS::Glance::Image": ("OS::Nova::Server", PROJECT),
    "OS::Neutron::Network": (PROJECT,),
    "OS::Manila::Share": (PROJECT,),
    "OS::Trove::Instance": (PROJECT,),
    "OS::Kubernetes::Pod": (PROJECT,),
}


class Noop(ResourcePlugin):
    """Accepts any instance id; every hook records the resource in the bank section."""

    async def show_instance(self, resource_id, parameters, context):  # type: ignore[no-untyped-def]
        return Resource(self.resource_type, resource_id, resource_id)

    async def _record(self, hook: Hook) -> None:
        hook.state[hook.phase] = True

    protect_main = restore_main = verify_main = delete_main = copy_main = _record


def noop_class(resource_type: str, parents: tuple[str, ...]) -> type[ResourcePlugin]:
    name = "Noop" + resource_type.split("::")[-1]
    return type(name, (Noop,), {"resource_type": resource_type, "parent_types": parents})


def main() -> None:
    server = PluginServer(name="smaug-noop", vendor="Smaug", version="0.1.0")
    server.register(*(noop_class(t, parents) for t, parents in KARBOR_TYPES.items()))
    server.serve()


if __name__ == "__main__":
    main()
