"""Runs the scheduler process."""

from __future__ import annotations

from smaug.deploy.config import Config
from smaug.mesh.server import MeshServer


def build(config: Config) -> MeshServer:
    # The scheduler calls the api; it serves only health and reflection of its own.
    return MeshServer("scheduler", config.scheduler.listen)


async def run(config: Config) -> None:
    await build(config).serve()
