"""MeshServer: a grpc.aio server with what every Smaug process must offer.

- grpc.health.v1.Health, per service name and overall (""), with List implemented;
- server reflection for every registered service, so grpcurl can list and call anything;
- RpcError raised by a handler becomes its status with google.rpc details; any other exception
  is logged with its traceback and answered INTERNAL naming the RPC;
- SIGTERM or SIGINT: health goes NOT_SERVING, in-flight calls get a grace period, shutdown hooks
  run (for example to stop child processes), and the process returns.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import grpc
from google.protobuf import descriptor as pb_descriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1._async import HealthServicer
from grpc_reflection.v1alpha import reflection

from smaug.mesh.errors import RpcError

log = logging.getLogger(__name__)

ShutdownHook = Callable[[], Awaitable[None]]

MAX_MESSAGE_BYTES = 16 * 1024 * 1024
SERVER_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.so_reuseport", 0),
]


class Health(HealthServicer):  # type: ignore[misc]
    """grpcio's asyncio health servicer plus List, which grpcio leaves unimplemented."""

    async def List(
        self, request: health_pb2.HealthListRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> health_pb2.HealthListResponse:
        statuses = {
            name: health_pb2.HealthCheckResponse(status=status)
            for name, status in self._server_status.items()
        }
        return health_pb2.HealthListResponse(statuses=statuses)


class _ErrorInterceptor(grpc.aio.ServerInterceptor):
    """Turns RpcError into a rich status and unexpected exceptions into a logged INTERNAL."""

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method = handler_call_details.method
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                _wrap_unary(handler.unary_unary, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                _wrap_stream(handler.unary_stream, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                _wrap_unary(handler.stream_unary, method),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return grpc.stream_stream_rpc_method_handler(
            _wrap_stream(handler.stream_stream, method),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


async def _answer_error(
    error: BaseException, method: str, context: grpc.aio.ServicerContext[Any, Any]
) -> None:
    if isinstance(error, RpcError):
        await context.abort_with_status(error.to_status())
    log.exception("unexpected failure in %s", method, extra={"rpc": method})
    await context.abort(
        grpc.StatusCode.INTERNAL, f"{method} failed unexpectedly; the server log has the details"
    )


def _wrap_unary(behaviour: Any, method: str) -> Any:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            return await behaviour(request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await _answer_error(error, method, context)

    return wrapped


def _wrap_stream(behaviour: Any, method: str) -> Any:
    async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        try:
            result = behaviour(request, context)
            if hasattr(result, "__aiter__"):
                async for item in result:
                    yield item
            else:
                await result
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await _answer_error(error, method, context)

    return wrapped


def unimplemented_handlers(
    services: Iterable[pb_descriptor.ServiceDescriptor],
) -> list[grpc.GenericRpcHandler]:
    """Handlers answering UNIMPLEMENTED, naming the RPC, for services not built yet.

    They let reflection and health list the full contract from the first day without any call
    pretending to succeed.
    """
    handlers: list[grpc.GenericRpcHandler] = []
    for service in services:
        methods: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
        for method in service.methods:
            methods[method.name] = _unimplemented_method(service.full_name, method)
        handlers.append(grpc.method_handlers_generic_handler(service.full_name, methods))
    return handlers


def _unimplemented_method(
    service: str, method: pb_descriptor.MethodDescriptor
) -> grpc.RpcMethodHandler[Any, Any]:
    text = f"{service}/{method.name} is not implemented yet"

    async def refuse(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        await context.abort(grpc.StatusCode.UNIMPLEMENTED, text)

    # Requests are read as raw bytes: nothing is parsed for an RPC that is refused anyway.
    if method.client_streaming and method.server_streaming:
        return grpc.stream_stream_rpc_method_handler(refuse)
    if method.client_streaming:
        return grpc.stream_unary_rpc_method_handler(refuse)
    if method.server_streaming:
        return grpc.unary_stream_rpc_method_handler(refuse)
    return grpc.unary_unary_rpc_method_handler(refuse)


class MeshServer:
    """One gRPC server of the mesh. Register services, then ``await serve()``."""

    def __init__(self, process: str, address: str, grace_seconds: float = 10.0) -> None:
        self.process = process
        self.address = address
        self.grace_seconds = grace_seconds
        self.server = grpc.aio.server(interceptors=[_ErrorInterceptor()], options=SERVER_OPTIONS)
        self.health = Health()
        self.port = 0
        self._service_names: list[str] = []
        self._shutdown_hooks: list[ShutdownHook] = []
        self._stopping = asyncio.Event()

    def add(self, full_name: str, register: Callable[[grpc.aio.Server], None]) -> None:
        """Register a servicer (``register(server)``) under its full service name."""
        register(self.server)
        self._service_names.append(full_name)

    def add_unimplemented(self, services: Iterable[pb_descriptor.ServiceDescriptor]) -> None:
        """Expose services whose behaviour is not built yet; every call is UNIMPLEMENTED."""
        services = list(services)
        self.server.add_generic_rpc_handlers(tuple(unimplemented_handlers(services)))
        self._service_names.extend(service.full_name for service in services)

    def on_shutdown(self, hook: ShutdownHook) -> None:
        """Run ``hook`` after the server stopped taking calls, newest hook first."""
        self._shutdown_hooks.append(hook)

    @property
    def service_names(self) -> list[str]:
        return list(self._service_names)

    async def start(self) -> int:
        """Bind, start and mark every service SERVING; returns the bound port."""
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        names = [*self._service_names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name]
        reflection.enable_server_reflection([*names, reflection.SERVICE_NAME], self.server)
        self.port = self.server.add_insecure_port(self.address)
        if self.port == 0:
            raise OSError(f"{self.process}: cannot listen on {self.address}; is it in use?")
        await self.server.start()
        for name in self._service_names:
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        log.info(
            "serving",
            extra={"address": self.bound_address, "services": self._service_names},
        )
        return self.port

    @property
    def bound_address(self) -> str:
        host = self.address.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    def request_stop(self) -> None:
        self._stopping.set()

    async def serve(self) -> None:
        """Start (if needed) and serve until SIGTERM/SIGINT or ``request_stop()``, then stop."""
        if self.port == 0:
            await self.start()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self._stopping.set)
        try:
            await self._stopping.wait()
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            await self.stop()

    async def stop(self) -> None:
        log.info("stopping", extra={"grace_seconds": self.grace_seconds})
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.grace_seconds)
        for hook in reversed(self._shutdown_hooks):
            try:
                await hook()
            except Exception:
                log.exception("shutdown hook failed")
        log.info("stopped")
