"""Running one operation (protect, restore, verify, delete, copy) over a resource graph through
the plugins: per-resource parameters, state between phases, restored ids, progress, deadlines."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import json_format, struct_pb2

from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.sdk import to_struct
from smaug.protection import flow
from smaug.protection.graph import Key, Node, ResourceGraph
from smaug.protection.plugin_host import PluginHandle, PluginStartError

log = logging.getLogger(__name__)

OPERATIONS = {
    "protect": plugin_pb2.OPERATION_PROTECT,
    "restore": plugin_pb2.OPERATION_RESTORE,
    "verify": plugin_pb2.OPERATION_VERIFY,
    "delete": plugin_pb2.OPERATION_DELETE,
    "copy": plugin_pb2.OPERATION_COPY,
}
PHASES = {
    "prepare_begin": plugin_pb2.PHASE_PREPARE_BEGIN,
    "prepare_finish": plugin_pb2.PHASE_PREPARE_FINISH,
    "main": plugin_pb2.PHASE_MAIN,
    "complete": plugin_pb2.PHASE_COMPLETE,
}


def merged_parameters(parameters: dict[str, dict[str, Any]], node: Node) -> dict[str, Any]:
    """The type's parameters overridden key by key by the resource's own (``type#id``)."""
    return {**parameters.get(node.type, {}), **parameters.get(node.label, {})}


@dataclass
class ResourceProgress:
    """What is known of one resource during an operation."""

    status: str = "pending"  # pending, running, available, error
    reason: str = ""
    bytes_done: int = 0
    bytes_total: int = 0
    message: str = ""
    new_resource_id: str = ""
    # Restore: "<type>#<original id>" -> current id of what the plugin made inside the resource.
    related_resource_ids: dict[str, str] = field(default_factory=dict)
    phases_done: int = 0


@dataclass
class OperationRun:
    """Inputs and live state of one operation."""

    operation: str
    graph: ResourceGraph
    checkpoint: plugin_pb2.CheckpointRef
    parameters: dict[str, dict[str, Any]]
    context: plugin_pb2.CallContext
    operation_id: str
    section_for: Callable[[Node], plugin_pb2.BankSection]
    restore_target: str = ""
    copy_checkpoint: plugin_pb2.CheckpointRef | None = None
    copy_section_for: Callable[[Node], plugin_pb2.BankSection] | None = None
    hook_timeout: float = 6 * 3600.0
    concurrency: int = 8
    on_change: Callable[[], Awaitable[None]] | None = None
    states: dict[Key, dict[str, Any]] = field(default_factory=dict)
    new_resource_ids: dict[str, str] = field(default_factory=dict)
    resources: dict[Key, ResourceProgress] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in self.graph.nodes:
            self.resources.setdefault(key, ResourceProgress())
            self.states.setdefault(key, {})

    @property
    def resources_done(self) -> int:
        return sum(1 for r in self.resources.values() if r.status == "available")


class HookFailed(Exception):
    """A plugin hook failed; the message names the plugin, resource, phase and reason."""


async def execute(run: OperationRun, plugin_for: Callable[[str], PluginHandle | None]) -> None:
    """Run every hook of the operation; raises flow.FlowFailure naming the failed resource."""
    last_report = 0.0

    async def changed(force: bool = False) -> None:
        nonlocal last_report
        now = time.monotonic()
        if run.on_change is not None and (force or now - last_report >= 1.0):
            last_report = now
            await run.on_change()

    async def hook(node: Node, phase: str) -> None:
        progress = run.resources[node.key]
        progress.status = "running"
        handle = plugin_for(node.type)
        if handle is None:
            raise HookFailed(f"no plugin of this provider serves {node.type}")
        request = plugin_pb2.RunHookRequest(
            operation=OPERATIONS[run.operation],
            phase=PHASES[phase],
            checkpoint=run.checkpoint,
            resource=plugin_pb2.Resource(
                type=node.type, id=node.id, name=node.name, extra_info=to_struct(node.extra_info)
            ),
            parameters=to_struct(merged_parameters(run.parameters, node)),
            bank_section=run.section_for(node),
            state=to_struct(run.states[node.key]),
            new_resource_ids=run.new_resource_ids,
            restore_target=run.restore_target,
            context=run.context,
            operation_id=run.operation_id,
        )
        if run.copy_checkpoint is not None and run.copy_section_for is not None:
            request.copy_checkpoint.CopyFrom(run.copy_checkpoint)
            request.copy_bank_section.CopyFrom(run.copy_section_for(node))
        result: plugin_pb2.HookResult | None = None
        try:
            stub = await handle.ready_stub()
            async for event in stub.RunHook(request, timeout=run.hook_timeout):
                if event.HasField("progress"):
                    progress.bytes_done = event.progress.bytes_done
                    progress.bytes_total = event.progress.bytes_total
                    progress.message = event.progress.message
                    await changed()
                else:
                    result = event.result
        except grpc.aio.AioRpcError as error:
            progress.status = "error"
            progress.reason = _reason(error, handle.name)
            await changed(force=True)
            raise HookFailed(progress.reason) from None
        except PluginStartError as error:
            progress.status = "error"
            progress.reason = str(error)
            await changed(force=True)
            raise HookFailed(progress.reason) from None
        if result is None:
            progress.status = "error"
            progress.reason = f"plugin {handle.name} ended {phase} without a result"
            raise HookFailed(progress.reason)
        run.states[node.key] = _dict(result.state)
        if result.new_resource_id:
            progress.new_resource_id = result.new_resource_id
            run.new_resource_ids[node.label] = result.new_resource_id
        # Ids of things recreated inside the resource (a topology's networks) reach later hooks,
        # and the caller sees them on the resource's state.
        run.new_resource_ids.update(result.related_resource_ids)
        progress.related_resource_ids.update(result.related_resource_ids)
        if result.status == plugin_pb2.RESOURCE_STATUS_ERROR:
            progress.status = "error"
            progress.reason = result.reason or f"plugin {handle.name} reported an error"
            await changed(force=True)
            raise HookFailed(progress.reason)
        progress.phases_done += 1
        if progress.phases_done == len(flow.PHASES):
            progress.status = "available"
            progress.reason = result.reason
        await changed(force=progress.status == "available")

    await flow.run(run.graph, hook, concurrency=run.concurrency)


def _answered_by_plugin(error: grpc.aio.AioRpcError) -> bool:
    """Whether the plugin itself chose the status (google.rpc details ride along, as the SDK
    sends them), rather than the transport failing on the way."""
    return any(key == "grpc-status-details-bin" for key, _ in error.trailing_metadata() or ())


def _reason(error: grpc.aio.AioRpcError, plugin: str) -> str:
    code = error.code()
    if _answered_by_plugin(error):
        # A plugin's own UNAVAILABLE or DEADLINE_EXCEEDED (a cloud service failing, a status
        # that never came) carries its message; it is not the plugin dying.
        return f"plugin {plugin}: {error.details()}"
    if code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"plugin {plugin} did not finish within its deadline"
    if code == grpc.StatusCode.UNAVAILABLE:
        return f"plugin {plugin} is unavailable (it died or cannot be reached): {error.details()}"
    if code == grpc.StatusCode.CANCELLED:
        return f"plugin {plugin} call was cancelled"
    return f"plugin {plugin}: {error.details()}"


def _dict(struct: struct_pb2.Struct) -> dict[str, Any]:
    return json_format.MessageToDict(struct)
