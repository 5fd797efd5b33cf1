"""Runs the protection process: launches the providers' plugins, then serves."""

from __future__ import annotations

from smaug.deploy.config import Config, PluginConfig
from smaug.mesh.contracts import services_of
from smaug.mesh.server import MeshServer
from smaug.protection.plugin_host import PluginHost


def plugin_configs(config: Config) -> list[PluginConfig]:
    """Each distinct plugin once, even when several providers share it."""
    seen: dict[str, PluginConfig] = {}
    for provider in config.providers:
        for plugin in provider.plugins:
            seen.setdefault(plugin.name, plugin)
    return list(seen.values())


async def run(config: Config) -> None:
    host = PluginHost()
    server = MeshServer("protection", config.protection.listen)
    server.add_unimplemented(services_of("smaug.bank.v1"))
    server.on_shutdown(host.stop)
    try:
        # Plugins first: the service reports SERVING only once every plugin answers.
        await host.start(plugin_configs(config))
    except BaseException:
        await host.stop()
        raise
    await server.serve()
