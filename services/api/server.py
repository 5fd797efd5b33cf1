"""Runs the api process: every smaug.v1 service, persisted in SQL."""

from __future__ import annotations

from smaug.deploy.config import Config
from smaug.mesh.contracts import services_of
from smaug.mesh.server import MeshServer


def build(config: Config) -> MeshServer:
    server = MeshServer("api", config.api.listen)
    server.add_unimplemented(services_of("smaug.v1"))
    return server


async def run(config: Config) -> None:
    await build(config).serve()
