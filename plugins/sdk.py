"""The plugin SDK: write a protection plugin server in a few dozen lines.

A vendor subclasses ``ResourcePlugin`` once per resource type, implements the protectable calls it
can answer and the hooks it needs (methods named ``<operation>_<phase>``, for example
``protect_main`` or ``restore_complete``), registers the classes on a ``PluginServer`` and calls
``serve()``::

    class Things(ResourcePlugin):
        resource_type = "Acme::Thing"
        options_schema = {"type": "object", "properties": {"level": {"type": "integer"}}}

        async def show_instance(self, resource_id, parameters, context):
            return Resource(type=self.resource_type, id=resource_id, name=resource_id)

        async def protect_main(self, hook):
            await hook.progress(0, 100, "copying")
            ...

    if __name__ == "__main__":
        PluginServer(name="acme", vendor="Acme", version="1.0").register(Things).serve()

The SDK keeps the handshake (the one stdout line of smaug.plugin.v1), health, reflection,
graceful shutdown, deadlines, cancellation and progress streaming out of the vendor's code. A
plugin in another language needs only proto/smaug/plugin/v1/plugin.proto.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import grpc
from google.protobuf import json_format, struct_pb2

from smaug.mesh import logs
from smaug.mesh.errors import RpcError, invalid_argument, not_found
from smaug.mesh.parameters import coerce
from smaug.mesh.server import MeshServer
from smaug.plugin.v1 import plugin_pb2, plugin_pb2_grpc

T = TypeVar("T")
CONTRACT_VERSION = 1
CORE_VERSION = 1
MAGIC_COOKIE_KEY = "SMAUG_PLUGIN_MAGIC_COOKIE"
MAGIC_COOKIE_VALUE = "d2a5f3a0-smaug-plugin"
HANDSHAKE_PREFIX = "SMAUG-PLUGIN"
HEALTH_NAME = "plugin"

OPERATIONS: dict[plugin_pb2.Operation, str] = {
    plugin_pb2.OPERATION_PROTECT: "protect",
    plugin_pb2.OPERATION_RESTORE: "restore",
    plugin_pb2.OPERATION_VERIFY: "verify",
    plugin_pb2.OPERATION_DELETE: "delete",
    plugin_pb2.OPERATION_COPY: "copy",
}
# The published schema each operation's parameters follow.
SCHEMA_OF = {
    "protect": "options_schema",
    "copy": "options_schema",
    "restore": "restore_schema",
    "verify": "verify_schema",
}
PHASES: dict[plugin_pb2.Phase, str] = {
    plugin_pb2.PHASE_PREPARE_BEGIN: "prepare_begin",
    plugin_pb2.PHASE_PREPARE_FINISH: "prepare_finish",
    plugin_pb2.PHASE_MAIN: "main",
    plugin_pb2.PHASE_COMPLETE: "complete",
}


def to_struct(value: dict[str, Any] | None) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    if value:
        struct.update(value)
    return struct


def from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(struct)


@dataclass
class Resource:
    """A protectable instance."""

    type: str
    id: str
    name: str = ""
    extra_info: dict[str, Any] = field(default_factory=dict)

    def to_proto(self) -> plugin_pb2.Resource:
        return plugin_pb2.Resource(
            type=self.type, id=self.id, name=self.name, extra_info=to_struct(self.extra_info)
        )

    @classmethod
    def from_proto(cls, message: plugin_pb2.Resource) -> Resource:
        return cls(message.type, message.id, message.name, from_struct(message.extra_info))


class PluginError(RpcError):
    """Raise from a hook or protectable call to fail it with a reason the user will see."""

    def __init__(self, message: str, code: grpc.StatusCode = grpc.StatusCode.FAILED_PRECONDITION):
        super().__init__(code, message)


@dataclass
class Hook:
    """Everything one hook call may use; ``state`` is handed to the next phases."""

    operation: str
    phase: str
    resource: Resource
    parameters: dict[str, Any]
    state: dict[str, Any]
    checkpoint: plugin_pb2.CheckpointRef
    bank_section: plugin_pb2.BankSection
    new_resource_ids: dict[str, str]
    restore_target: str
    context: plugin_pb2.CallContext
    operation_id: str
    copy_checkpoint: plugin_pb2.CheckpointRef
    copy_bank_section: plugin_pb2.BankSection
    new_resource_id: str = ""
    # Restore: further recreated things, "type#original id" -> new id (see HookResult).
    related_resource_ids: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    _events: asyncio.Queue[plugin_pb2.RunHookResponse] = field(
        default_factory=asyncio.Queue, repr=False
    )

    async def progress(self, bytes_done: int, bytes_total: int = 0, message: str = "") -> None:
        """Report progress; the host shows it to whoever watches the operation."""
        event = plugin_pb2.Progress(bytes_done=bytes_done, bytes_total=bytes_total, message=message)
        await self._events.put(plugin_pb2.RunHookResponse(progress=event))


class ResourcePlugin:
    """Base class of one resource type's implementation. Override what the type supports."""

    resource_type: ClassVar[str] = ""
    parent_types: ClassVar[tuple[str, ...]] = ()
    options_schema: ClassVar[dict[str, Any]] = {}
    restore_schema: ClassVar[dict[str, Any]] = {}
    verify_schema: ClassVar[dict[str, Any]] = {}
    saved_info_schema: ClassVar[dict[str, Any]] = {}

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        """Instances of the type; only called when the subclass overrides it."""
        raise NotImplementedError

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        """One instance; raise ``not_found`` (smaug.mesh.errors) when it does not exist."""
        raise not_found(self.resource_type, resource_id)

    async def dependents(self, parent: Resource, context: plugin_pb2.CallContext) -> list[Resource]:
        """Instances of this type that ``parent`` contains or depends on."""
        return []

    def translate_error(self, error: BaseException) -> RpcError | None:
        """Turn an exception a call raised into the status the user sees (None: an unexpected
        failure, logged with its traceback). Plugins wrapping a client library override it."""
        return None

    @classmethod
    def listable(cls) -> bool:
        return cls.list_instances is not ResourcePlugin.list_instances

    @classmethod
    def operations(cls) -> list[plugin_pb2.Operation]:
        return [
            number
            for number, name in OPERATIONS.items()
            if any(hasattr(cls, f"{name}_{phase}") for phase in PHASES.values())
        ]

    @classmethod
    def info(cls) -> plugin_pb2.ResourceTypeInfo:
        return plugin_pb2.ResourceTypeInfo(
            type=cls.resource_type,
            parent_types=list(cls.parent_types),
            options_schema=to_struct(cls.options_schema),
            restore_schema=to_struct(cls.restore_schema),
            verify_schema=to_struct(cls.verify_schema),
            saved_info_schema=to_struct(cls.saved_info_schema),
            operations=cls.operations(),
            listable=cls.listable(),
        )


class _Servicer(plugin_pb2_grpc.ProtectionPluginServiceServicer):
    def __init__(self, server: PluginServer) -> None:
        self._server = server

    def _plugin(self, resource_type: str, field_name: str = "resource_type") -> ResourcePlugin:
        plugin = self._server.plugins.get(resource_type)
        if plugin is None:
            served = ", ".join(sorted(self._server.plugins)) or "none"
            raise invalid_argument(
                f"plugin {self._server.name} does not serve type {resource_type!r}",
                {field_name: f"must be one of: {served}"},
            )
        return plugin

    async def GetPluginInfo(
        self, request: plugin_pb2.GetPluginInfoRequest, context: Any
    ) -> plugin_pb2.GetPluginInfoResponse:
        return plugin_pb2.GetPluginInfoResponse(
            name=self._server.name,
            vendor=self._server.vendor,
            version=self._server.version,
            contract_versions=[CONTRACT_VERSION],
            resource_types=[type(p).info() for p in self._server.plugins.values()],
        )

    async def ListResources(
        self, request: plugin_pb2.ListResourcesRequest, context: Any
    ) -> plugin_pb2.ListResourcesResponse:
        plugin = self._plugin(request.resource_type)
        if not type(plugin).listable():
            raise RpcError(
                grpc.StatusCode.UNIMPLEMENTED,
                f"{request.resource_type} instances cannot be listed; name them in the plan",
            )
        found = await _translated(
            plugin, plugin.list_instances(from_struct(request.parameters), request.context)
        )
        return plugin_pb2.ListResourcesResponse(resources=[r.to_proto() for r in found])

    async def GetResource(
        self, request: plugin_pb2.GetResourceRequest, context: Any
    ) -> plugin_pb2.GetResourceResponse:
        plugin = self._plugin(request.resource_type)
        if not request.resource_id:
            raise invalid_argument("resource_id is required", {"resource_id": "must not be empty"})
        found = await _translated(
            plugin,
            plugin.show_instance(
                request.resource_id, from_struct(request.parameters), request.context
            ),
        )
        return plugin_pb2.GetResourceResponse(resource=found.to_proto())

    async def ListDependentResources(
        self, request: plugin_pb2.ListDependentResourcesRequest, context: Any
    ) -> plugin_pb2.ListDependentResourcesResponse:
        plugin = self._plugin(request.resource_type)
        found = await _translated(
            plugin, plugin.dependents(Resource.from_proto(request.parent), request.context)
        )
        return plugin_pb2.ListDependentResourcesResponse(resources=[r.to_proto() for r in found])

    async def RunHook(
        self, request: plugin_pb2.RunHookRequest, context: Any
    ) -> AsyncIterator[plugin_pb2.RunHookResponse]:
        plugin = self._plugin(request.resource.type, "resource.type")
        operation = OPERATIONS.get(request.operation)
        phase = PHASES.get(request.phase)
        if operation is None or phase is None:
            raise invalid_argument(
                "operation and phase must be set",
                {"operation" if operation is None else "phase": "must not be UNSPECIFIED"},
            )
        # Karbor clients send "true" and "3"; hooks get the types their schema names.
        schema = SCHEMA_OF.get(operation)
        parameters = from_struct(request.parameters)
        if schema:
            parameters = coerce(getattr(type(plugin), schema), parameters)
        hook = Hook(
            operation=operation,
            phase=phase,
            resource=Resource.from_proto(request.resource),
            parameters=parameters,
            state=from_struct(request.state),
            checkpoint=request.checkpoint,
            bank_section=request.bank_section,
            new_resource_ids=dict(request.new_resource_ids),
            restore_target=request.restore_target,
            context=request.context,
            operation_id=request.operation_id,
            copy_checkpoint=request.copy_checkpoint,
            copy_bank_section=request.copy_bank_section,
        )
        method: Callable[[Hook], Awaitable[None]] | None = getattr(
            plugin, f"{operation}_{phase}", None
        )
        if method is None:
            if request.operation not in type(plugin).operations():
                raise RpcError(
                    grpc.StatusCode.UNIMPLEMENTED,
                    f"plugin {self._server.name} cannot {operation} {plugin.resource_type}",
                )
        else:
            # The hook runs as a task so its progress events stream while it works; if the
            # caller cancels or the deadline passes, grpc cancels this generator and the task.
            task = asyncio.ensure_future(method(hook))
            try:
                while not task.done():
                    getter = asyncio.ensure_future(hook._events.get())
                    await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                    if getter.done():
                        yield getter.result()
                    else:
                        getter.cancel()
                while not hook._events.empty():
                    yield hook._events.get_nowait()
                await _translated(plugin, task)
            finally:
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
        yield plugin_pb2.RunHookResponse(
            result=plugin_pb2.HookResult(
                state=to_struct(hook.state),
                status=plugin_pb2.RESOURCE_STATUS_AVAILABLE,
                reason=hook.reason,
                new_resource_id=hook.new_resource_id,
                related_resource_ids=hook.related_resource_ids,
            )
        )


async def _translated(plugin: ResourcePlugin, work: Awaitable[T]) -> T:
    try:
        return await work
    except RpcError:
        raise
    except Exception as error:
        translated = plugin.translate_error(error)
        if translated is None:
            raise
        raise translated from error


class PluginServer:
    """Holds a plugin's resource types; ``serve()`` runs it until the host stops it."""

    def __init__(self, name: str, vendor: str, version: str) -> None:
        self.name = name
        self.vendor = vendor
        self.version = version
        self.plugins: dict[str, ResourcePlugin] = {}

    def register(self, *plugin_classes: type[ResourcePlugin]) -> PluginServer:
        for plugin_class in plugin_classes:
            if not plugin_class.resource_type:
                raise ValueError(f"{plugin_class.__name__} must set resource_type")
            if plugin_class.resource_type in self.plugins:
                raise ValueError(f"resource type {plugin_class.resource_type} registered twice")
            self.plugins[plugin_class.resource_type] = plugin_class()
        return self

    def build(self, address: str) -> MeshServer:
        server = MeshServer(f"plugin:{self.name}", address, grace_seconds=5.0)
        servicer = _Servicer(self)
        full_name = plugin_pb2.DESCRIPTOR.services_by_name["ProtectionPluginService"].full_name
        server.add(
            full_name,
            lambda s: plugin_pb2_grpc.add_ProtectionPluginServiceServicer_to_server(servicer, s),
        )
        return server

    def serve(self, argv: list[str] | None = None) -> None:
        """Run until SIGTERM. Launched by the host: handshake on stdout. Otherwise listen on
        ``--listen ADDRESS`` (default 127.0.0.1:0) and print the address, for attaching."""
        sys.exit(asyncio.run(self._serve(sys.argv[1:] if argv is None else argv)))

    async def _serve(self, argv: list[str]) -> int:
        launched = os.environ.get(MAGIC_COOKIE_KEY) == MAGIC_COOKIE_VALUE
        address = os.environ.get("SMAUG_PLUGIN_LISTEN", "127.0.0.1:0")
        if "--listen" in argv:
            address = argv[argv.index("--listen") + 1]
        elif not launched and not argv:
            print(
                f"{self.name} is a Smaug protection plugin. The protection service launches it;"
                " to run it as a standalone server, pass --listen HOST:PORT.",
                file=sys.stderr,
            )
            return 1
        logs.configure(f"plugin:{self.name}", os.environ.get("SMAUG_LOG_LEVEL", "info"))
        if launched:
            offered = os.environ.get("SMAUG_PLUGIN_CONTRACT_VERSIONS", str(CONTRACT_VERSION))
            if str(CONTRACT_VERSION) not in offered.split(","):
                print(
                    f"{self.name} speaks contract {CONTRACT_VERSION}; the host offers {offered}",
                    file=sys.stderr,
                )
            # The host owns shutdown: Ctrl-C in its terminal must not kill us mid-call.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        server = self.build(address)
        await server.start()
        await server.health.set(HEALTH_NAME, server.health._server_status[""])
        line = (
            f"{HANDSHAKE_PREFIX}|{CORE_VERSION}|{CONTRACT_VERSION}|tcp|{server.bound_address}|grpc"
        )
        print(line if launched else f"{self.name} listening on {server.bound_address}", flush=True)
        await server.serve()
        return 0
