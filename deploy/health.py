"""Waiting for a gRPC server of the mesh to report SERVING."""

from __future__ import annotations

import asyncio
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


async def serving(address: str, service: str = "", timeout: float = 2.0) -> bool:
    """One health check: True when ``address`` answers SERVING for ``service``."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = await stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.aio.AioRpcError:
            return False
        return bool(reply.status == health_pb2.HealthCheckResponse.SERVING)


async def wait_serving(address: str, deadline_seconds: float, service: str = "") -> None:
    """Poll until SERVING; TimeoutError naming the address otherwise."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if await serving(address, service):
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{address} did not report SERVING within {deadline_seconds:.0f}s")
