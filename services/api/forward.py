"""Forwarding calls to the protection service, with the caller's signed identity.

Replies and errors come back unchanged: an error's status code, message and google.rpc details
are re-raised as they are (``ForwardedError``); a protection service that cannot be reached is
UNAVAILABLE.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, TypeVar

import grpc
from grpc_status import rpc_status

from smaug.mesh import identity as mesh_identity
from smaug.mesh.errors import RpcError
from smaug.mesh.identity import Identity

Reply = TypeVar("Reply")
UNARY_TIMEOUT_SECONDS = 120.0


class ForwardedError(RpcError):
    """An error status from the service behind, re-raised unchanged."""

    def __init__(self, error: grpc.aio.AioRpcError) -> None:
        code = error.code()
        super().__init__(code, error.details() or code.name)
        self._status = rpc_status.from_call(error)  # type: ignore[arg-type]

    def to_status(self) -> grpc.Status:
        if self._status is not None:
            return rpc_status.to_status(self._status)
        return super().to_status()


def _service_and_method(full_method: str) -> str:
    return full_method if full_method.startswith("/") else "/" + full_method


class Forwarder:
    """One channel to the protection service; ``unary``/``stream`` forward one call."""

    def __init__(self, address: str, secret: str) -> None:
        self.address = address
        self.secret = secret
        self._channel: grpc.aio.Channel | None = None

    def channel(self) -> grpc.aio.Channel:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(
                self.address,
                options=[
                    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
                    ("grpc.max_send_message_length", 16 * 1024 * 1024),
                ],
            )
        return self._channel

    def _metadata(self, identity: Identity) -> tuple[tuple[str, str], ...]:
        return (
            *mesh_identity.metadata(identity, self.secret),
            ("x-request-id", identity.request_id),
        )

    async def unary(
        self, method: str, request: Any, reply_type: type[Reply], identity: Identity
    ) -> Reply:
        """Call ``/package.Service/Method`` at protection and return its reply."""
        call: Any = self.channel().unary_unary(
            _service_and_method(method),
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=reply_type.FromString,  # type: ignore[attr-defined]
        )
        try:
            reply: Reply = await call(
                request, metadata=self._metadata(identity), timeout=UNARY_TIMEOUT_SECONDS
            )
        except grpc.aio.AioRpcError as error:
            raise ForwardedError(error) from None
        return reply

    async def stream(
        self, method: str, request: Any, reply_type: type[Reply], identity: Identity
    ) -> AsyncIterator[Reply]:
        """Relay every message of a server-streaming call."""
        call: Any = self.channel().unary_stream(
            _service_and_method(method),
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=reply_type.FromString,  # type: ignore[attr-defined]
        )
        stream = call(request, metadata=self._metadata(identity))
        try:
            async for reply in stream:
                yield reply
        except grpc.aio.AioRpcError as error:
            raise ForwardedError(error) from None
        finally:
            stream.cancel()

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
