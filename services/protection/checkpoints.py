"""Checkpoint life cycle in the bank, and CheckpointService as served by protection.

protect:  protecting -> available | error        (graph rebuilt from the plan)
delete:   available|error -> deleting -> deleted | error-deleting
reset:    available|error|copying|wait_copying -> available | error

A checkpoint's live state (per-resource status, progress, reason) is the bank object
``checkpoints/<id>/state``, written as the flow runs, so any replica can answer Get and Watch.
Every in-flight checkpoint has a marker ``inflight/<id>`` naming its owner's lease; a surviving
service fails the checkpoints whose owner's lease expired (see ``reap``).

A checkpoint lives in the bank of its project's account on the provider (or the provider's shared
bank, see ``smaug.protection.accounts``): operations by id look only there, except for admins,
who find a checkpoint in any account of the provider (``locate``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import json_format, timestamp_pb2

from smaug.bank.bank import Bank
from smaug.bank.checkpoints import CheckpointMeta
from smaug.bank.errors import CheckpointNotFound, ObjectNotFound, PreconditionFailed
from smaug.mesh.errors import failed_precondition, invalid_argument, not_found
from smaug.mesh.identity import Identity
from smaug.plugin.v1 import plugin_pb2
from smaug.protection import cancellation
from smaug.protection import graph as graph_module
from smaug.protection.accounts import AccountBank, BankAccounts
from smaug.protection.graph import Node, ResourceGraph
from smaug.protection.operations import OperationRun, execute
from smaug.protection.plugin_host import PluginStartError
from smaug.protection.protectables import call_context, plugin_error
from smaug.protection.providers import Provider, ProviderRegistry
from smaug.protection.records import Records
from smaug.v1 import checkpoints_pb2, common_pb2, resources_pb2

log = logging.getLogger(__name__)

STATUS = {
    "protecting": checkpoints_pb2.CHECKPOINT_STATUS_PROTECTING,
    "available": checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE,
    "error": checkpoints_pb2.CHECKPOINT_STATUS_ERROR,
    "deleting": checkpoints_pb2.CHECKPOINT_STATUS_DELETING,
    "deleted": checkpoints_pb2.CHECKPOINT_STATUS_DELETED,
    "error-deleting": checkpoints_pb2.CHECKPOINT_STATUS_ERROR_DELETING,
    "wait_copying": checkpoints_pb2.CHECKPOINT_STATUS_WAIT_COPYING,
    "copying": checkpoints_pb2.CHECKPOINT_STATUS_COPYING,
}
STATUS_NAMES = {value: key for key, value in STATUS.items()}
SETTLED = {"available", "error", "deleted", "error-deleting"}
RUNNING_CHECKPOINT = {"protecting", "deleting", "wait_copying", "copying"}
RESETTABLE_FROM = {"available", "error", "copying", "wait_copying"}
RUNNING_STATUS = {
    "protect": resources_pb2.RESOURCE_STATUS_PROTECTING,
    "restore": resources_pb2.RESOURCE_STATUS_RESTORING,
    "verify": resources_pb2.RESOURCE_STATUS_VERIFYING,
    "delete": resources_pb2.RESOURCE_STATUS_DELETING,
    "copy": resources_pb2.RESOURCE_STATUS_COPYING,
}
OPERATION_TYPES = {
    "protect": common_pb2.OPERATION_TYPE_PROTECT,
    "delete": common_pb2.OPERATION_TYPE_DELETE,
    "copy": common_pb2.OPERATION_TYPE_COPY,
}
INFLIGHT_PREFIX = "inflight/"
# Namespace of checkpoint ids derived from client request ids (idempotent protects).
REQUEST_NAMESPACE = uuid.UUID("5a6b1f0e-52d3-4c1e-9a55-5d6f0c7e2a11")
WATCH_POLL_SECONDS = 0.5
WATCH_KEEPALIVE_SECONDS = 30.0


def timestamp(unix: float) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(int(unix * 1e9))
    return stamp


def state_key(checkpoint_id: str) -> str:
    return f"checkpoints/{checkpoint_id}/state"


def resource_states(
    graph: ResourceGraph, operation: str, resources: dict[str, dict[str, Any]]
) -> list[resources_pb2.ResourceState]:
    """Per-resource states in graph order, from the saved run state."""
    states = []
    for key in graph.post_order():
        node = graph.nodes[key]
        saved = resources.get(node.label, {})
        status = saved.get("status", "pending")
        message = resources_pb2.ResourceState(
            resource=resources_pb2.Resource(type=node.type, id=node.id, name=node.name),
            status={
                "pending": resources_pb2.RESOURCE_STATUS_PENDING,
                "running": RUNNING_STATUS.get(operation, resources_pb2.RESOURCE_STATUS_PENDING),
                "available": (
                    resources_pb2.RESOURCE_STATUS_DELETED
                    if operation == "delete"
                    else resources_pb2.RESOURCE_STATUS_AVAILABLE
                ),
                "error": resources_pb2.RESOURCE_STATUS_ERROR,
            }[status],
            reason=saved.get("reason", ""),
            new_resource_id=saved.get("new_resource_id", ""),
        )
        if node.extra_info:
            message.resource.extra_info.update(node.extra_info)
        message.progress.bytes_done = int(saved.get("bytes_done", 0))
        message.progress.bytes_total = int(saved.get("bytes_total", 0))
        message.progress.message = saved.get("message", "")
        states.append(message)
    return states


def overall_progress(resources: dict[str, dict[str, Any]], total: int) -> common_pb2.Progress:
    done = sum(1 for r in resources.values() if r.get("status") == "available")
    bytes_done = sum(int(r.get("bytes_done", 0)) for r in resources.values())
    # A resource that does not know its total counts what it has done, so done <= total.
    bytes_total = sum(
        max(int(r.get("bytes_total", 0)), int(r.get("bytes_done", 0))) for r in resources.values()
    )
    percent = int(100 * done / total) if total else 100
    return common_pb2.Progress(
        bytes_done=bytes_done,
        bytes_total=bytes_total,
        percent=percent,
        resources_done=done,
        resources_total=total,
    )


def checkpoint_ref(meta: CheckpointMeta) -> plugin_pb2.CheckpointRef:
    return plugin_pb2.CheckpointRef(
        id=meta.id,
        provider_id=meta.provider_id,
        plan_id=meta.plan_id or "",
        project_id=meta.project_id,
        create_time=timestamp(meta.created_at),
    )


def stored_graph(meta: CheckpointMeta) -> ResourceGraph:
    message = resources_pb2.ResourceGraph()
    if meta.resource_graph:
        json_format.Parse(meta.resource_graph, message)
    return ResourceGraph.from_proto(message)


class CheckpointEngine:
    """Runs checkpoint operations for every provider this service serves."""

    def __init__(
        self,
        registry: ProviderRegistry,
        records: Records,
        owner: str,
        section_for: Callable[[AccountBank, str, Node, bool], plugin_pb2.BankSection],
        accounts: BankAccounts,
        hook_timeout: float = 6 * 3600.0,
        concurrency: int = 8,
    ) -> None:
        self.registry = registry
        self.records = records
        self.accounts = accounts
        self.owner = owner
        self.section_for = section_for
        self.hook_timeout = hook_timeout
        self.concurrency = concurrency
        self.tasks: dict[str, asyncio.Task[None]] = {}

    # -- reading ---------------------------------------------------------------------------------
    @staticmethod
    def check_id(checkpoint_id: str, field: str = "checkpoint_id") -> None:
        try:
            uuid.UUID(checkpoint_id)
        except ValueError:
            raise invalid_argument(
                f"checkpoint id {checkpoint_id!r} is not a UUID",
                {field: "must be a checkpoint UUID"},
            ) from None

    async def meta(self, bank: Bank, checkpoint_id: str) -> CheckpointMeta:
        self.check_id(checkpoint_id)
        try:
            return await asyncio.to_thread(bank.checkpoints.get, checkpoint_id)
        except CheckpointNotFound:
            raise not_found("checkpoint", checkpoint_id) from None

    async def locate(
        self, provider: Provider, identity: Identity, checkpoint_id: str
    ) -> tuple[AccountBank, CheckpointMeta]:
        """The checkpoint and the bank holding it: the caller's own (account or shared) bank,
        and for admins every bank of the provider. NOT_FOUND elsewhere."""
        self.check_id(checkpoint_id)
        own = await self.accounts.of(provider, identity.project_id)
        searched: set[str] = set()
        if own is not None:
            searched.add(own.key)
            try:
                return own, await asyncio.to_thread(own.bank.checkpoints.get, checkpoint_id)
            except CheckpointNotFound:
                pass
        if identity.is_admin:
            for handle in await self.accounts.every(provider):
                if handle.key in searched:
                    continue
                try:
                    return handle, await asyncio.to_thread(
                        handle.bank.checkpoints.get, checkpoint_id
                    )
                except CheckpointNotFound:
                    continue
        raise not_found("checkpoint", checkpoint_id)

    async def state(self, bank: Bank, checkpoint_id: str) -> dict[str, Any]:
        try:
            data = await asyncio.to_thread(bank.backend.get, state_key(checkpoint_id))
        except ObjectNotFound:
            return {}
        loaded: dict[str, Any] = json.loads(data)
        return loaded

    def owned(self, meta: CheckpointMeta, identity: Identity) -> None:
        """Another project's checkpoint does not exist to the caller: NOT_FOUND, exactly as an
        unknown id, so nothing about other projects leaks through errors."""
        if meta.project_id != identity.project_id and not identity.is_admin:
            raise not_found("checkpoint", meta.id)

    async def to_proto(self, bank: Bank, meta: CheckpointMeta) -> checkpoints_pb2.Checkpoint:
        state = await self.state(bank, meta.id)
        checkpoint = checkpoints_pb2.Checkpoint(
            id=meta.id,
            project_id=meta.project_id,
            provider_id=meta.provider_id,
            status=STATUS[meta.status],
            status_reason=state.get("reason", ""),
            create_time=timestamp(meta.created_at),
            update_time=timestamp(meta.updated_at or meta.created_at),
        )
        json_format.ParseDict(meta.plan, checkpoint.protection_plan, ignore_unknown_fields=True)
        if meta.extra_info:
            checkpoint.extra_info.update(meta.extra_info)
        if meta.resource_graph:
            json_format.Parse(meta.resource_graph, checkpoint.resource_graph)
            graph = ResourceGraph.from_proto(checkpoint.resource_graph)
            resources = state.get("resources", {})
            checkpoint.resource_states.extend(
                resource_states(graph, state.get("operation", "protect"), resources)
            )
            checkpoint.progress.CopyFrom(overall_progress(resources, len(graph.nodes)))
        if meta.extra_info.get("source_checkpoint_id"):
            checkpoint.source_checkpoint_id = str(meta.extra_info["source_checkpoint_id"])
        return checkpoint

    # -- protect ---------------------------------------------------------------------------------
    async def build_graph(
        self, provider: Provider, resources: list[resources_pb2.Resource], identity: Identity
    ) -> ResourceGraph:
        async def children_of(node: Node) -> list[Node]:
            found: list[Node] = []
            for child_type, (handle, info) in provider.type_infos().items():
                if node.type not in info.parent_types:
                    continue
                try:
                    stub = await handle.ready_stub()
                    reply = await stub.ListDependentResources(
                        plugin_pb2.ListDependentResourcesRequest(
                            parent=plugin_pb2.Resource(type=node.type, id=node.id, name=node.name),
                            resource_type=child_type,
                            context=call_context(identity),
                        ),
                        timeout=60,
                    )
                except (grpc.aio.AioRpcError, PluginStartError) as error:
                    raise plugin_error(error, handle) from None
                found.extend(
                    Node(r.type, r.id, r.name, json_format.MessageToDict(r.extra_info))
                    for r in reply.resources
                )
            return found

        missing = sorted({r.type for r in resources if provider.plugin_for(r.type) is None})
        if missing:
            raise failed_precondition(
                f"provider {provider.config.name} has no plugin for {', '.join(missing)}",
                subject=f"provider/{provider.id}",
                kind="PLUGIN_MISSING",
            )
        planned = [
            Node(r.type, r.id, r.name, json_format.MessageToDict(r.extra_info)) for r in resources
        ]
        try:
            return await graph_module.build(planned, children_of)
        except graph_module.GraphCycle as error:
            raise failed_precondition(str(error), subject="plan", kind="GRAPH_CYCLE") from None

    async def protect(
        self,
        identity: Identity,
        provider: Provider,
        plan: checkpoints_pb2.ProtectionPlan,
        extra_info: dict[str, Any],
        request_id: str = "",
    ) -> checkpoints_pb2.Checkpoint:
        """Start protecting ``plan``. With a client ``request_id`` the checkpoint id is derived
        from it, and the bank's create-if-absent makes a retry (from any replica, even racing the
        first call) return the first checkpoint instead of making a second. The checkpoint goes
        to the project's account (FAILED_PRECONDITION when the provider requires one and the
        project has none)."""
        handle = await self.accounts.to_write(provider, identity.project_id)
        bank = handle.bank
        if request_id:
            checkpoint_id = str(
                uuid.uuid5(REQUEST_NAMESPACE, f"{identity.project_id}/{request_id}")
            )
            try:
                earlier = await asyncio.to_thread(bank.checkpoints.get, checkpoint_id)
                return await self.to_proto(bank, earlier)
            except CheckpointNotFound:
                pass
        else:
            checkpoint_id = str(uuid.uuid4())
        graph = await self.build_graph(provider, list(plan.resources), identity)
        # From here the checkpoint exists: the caller going away (cancelling this call) must not
        # stop half-way and leave it protecting with no flow, so the start runs shielded.
        meta = await asyncio.shield(
            self._start_protect(identity, provider, handle, plan, extra_info, checkpoint_id, graph)
        )
        return await self.to_proto(bank, meta)

    async def _start_protect(
        self,
        identity: Identity,
        provider: Provider,
        handle: AccountBank,
        plan: checkpoints_pb2.ProtectionPlan,
        extra_info: dict[str, Any],
        checkpoint_id: str,
        graph: ResourceGraph,
    ) -> CheckpointMeta:
        bank = handle.bank
        plan_summary = json_format.MessageToDict(plan, preserving_proto_field_name=False)
        await asyncio.to_thread(
            bank.backend.put, INFLIGHT_PREFIX + checkpoint_id, self.owner.encode()
        )
        try:
            meta = await asyncio.to_thread(
                bank.checkpoints.create,
                project_id=identity.project_id,
                provider_id=provider.id,
                plan=plan_summary,
                owner_id=self.owner,
                extra_info=extra_info,
                checkpoint_id=checkpoint_id,
                resource_graph=json_format.MessageToJson(graph.to_proto(), indent=None),
            )
        except PreconditionFailed:
            # A concurrent call with the same request id created it first: that one runs it.
            meta = await asyncio.to_thread(bank.checkpoints.get, checkpoint_id)
            await asyncio.to_thread(
                bank.backend.put, INFLIGHT_PREFIX + checkpoint_id, meta.owner_id.encode()
            )
            return meta
        log_id = await self.records.start_log(
            identity.project_id,
            "protect",
            checkpoint_id=checkpoint_id,
            plan_id=plan.id,
            provider_id=provider.id,
            scheduled_operation_id=str(extra_info.get("scheduled_operation_id", "")),
        )
        parameters = {
            key: json_format.MessageToDict(value) for key, value in plan.parameters.items()
        }
        self._spawn(
            checkpoint_id,
            self._run(
                identity,
                provider,
                handle,
                meta,
                graph,
                "protect",
                parameters,
                log_id,
                success="available",
                failure="error",
                from_status="protecting",
            ),
        )
        return meta

    def _spawn(self, checkpoint_id: str, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self.tasks[checkpoint_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(checkpoint_id, None))

    async def _run(
        self,
        identity: Identity,
        provider: Provider,
        handle: AccountBank,
        meta: CheckpointMeta,
        graph: ResourceGraph,
        operation: str,
        parameters: dict[str, dict[str, Any]],
        log_id: str,
        *,
        success: str,
        failure: str,
        from_status: str,
        source: tuple[AccountBank, CheckpointMeta] | None = None,
    ) -> None:
        """Run ``operation`` and move ``meta`` (in ``handle``'s bank) from ``from_status`` to
        ``success`` or ``failure``. A copy reads ``source`` and writes ``meta``, its new
        checkpoint."""
        bank = handle.bank
        if source is None:
            read_only = operation not in ("protect", "delete")
            hooks_on, hooks_bank = meta, handle
        else:
            read_only, (hooks_bank, hooks_on) = True, source
        run = OperationRun(
            operation=operation,
            graph=graph,
            checkpoint=checkpoint_ref(hooks_on),
            parameters=parameters,
            context=call_context(identity),
            operation_id=meta.id,
            section_for=lambda node: self.section_for(hooks_bank, hooks_on.id, node, read_only),
            hook_timeout=self.hook_timeout,
            concurrency=self.concurrency,
        )
        if source is not None:
            run.copy_checkpoint = checkpoint_ref(meta)
            run.copy_section_for = lambda node: self.section_for(handle, meta.id, node, False)

        async def save_state(reason: str = "") -> None:
            body = {
                "operation": operation,
                "reason": reason,
                "resources": {
                    graph.nodes[key].label: asdict(progress)
                    for key, progress in run.resources.items()
                },
                "updated": time.time(),
            }
            await asyncio.to_thread(bank.backend.put, state_key(meta.id), json.dumps(body).encode())

        run.on_change = save_state
        reason = ""
        try:
            await save_state()
            await cancellation.unless_cancelled(bank, meta.id, execute(run, provider.plugin_for))
            final = success
        except cancellation.Cancelled as cancelled:
            final, reason = failure, str(cancelled)
        except asyncio.CancelledError:
            final = failure
            reason = f"{operation} was cancelled: the protection service stopped; retry it"
        except Exception as error:  # every failure ends in a status with its reason
            final = failure
            reason = str(error)
            log.warning("%s failed", operation, extra={"checkpoint": meta.id, "reason": reason})
        try:
            await save_state(reason)
            if operation == "delete" and final == success:
                await asyncio.to_thread(bank.checkpoints.delete, meta.id)
            else:
                await asyncio.to_thread(
                    bank.checkpoints.update, meta.id, status=final, expect_status=from_status
                )
        except (PreconditionFailed, CheckpointNotFound) as error:
            log.warning("checkpoint changed under %s: %s", operation, error)
        finally:
            await asyncio.to_thread(bank.backend.delete, INFLIGHT_PREFIX + meta.id)
            await cancellation.clear(bank, meta.id)
            await self.records.finish_log(log_id, final == success, reason)

    async def cancel(
        self, identity: Identity, provider: Provider, checkpoint_id: str
    ) -> checkpoints_pb2.Checkpoint:
        """Ask whichever replica runs the checkpoint's operation to stop it."""
        handle, meta = await self.locate(provider, identity, checkpoint_id)
        bank = handle.bank
        self.owned(meta, identity)
        if meta.status not in RUNNING_CHECKPOINT:
            raise failed_precondition(
                f"checkpoint {checkpoint_id} is {meta.status}; nothing is running on it",
                subject=f"checkpoint/{checkpoint_id}",
                kind="CHECKPOINT_STATUS",
            )
        await cancellation.request(bank, checkpoint_id, identity.user_id or identity.project_id)
        return await self.to_proto(bank, meta)

    # -- copy --------------------------------------------------------------------------------
    async def copy(
        self,
        identity: Identity,
        source: Provider,
        destination: Provider,
        plan: checkpoints_pb2.ProtectionPlan,
        parameters: dict[str, dict[str, Any]],
    ) -> list[tuple[str, str]]:
        """Copy every available checkpoint of the plan that has no copy yet into a new
        checkpoint of ``destination`` (wait_copying -> copying -> available | error), reading
        the project's account on ``source`` and writing its account on ``destination``."""
        source_handle = await self.accounts.of(source, identity.project_id)
        if source_handle is None:
            raise failed_precondition(
                f"plan {plan.id} has not been protected; there is nothing to copy",
                subject=f"plan/{plan.id}",
                kind="NO_CHECKPOINTS",
            )
        target = await self.accounts.to_write(destination, identity.project_id)
        source_bank, target_bank = source_handle.bank, target.bank
        ids = await asyncio.to_thread(
            source_bank.checkpoints.list,
            provider_id=source.id,
            project_id=identity.project_id,
            plan_id=plan.id,
            limit=None,
        )
        if not ids:
            raise failed_precondition(
                f"plan {plan.id} has not been protected; there is nothing to copy",
                subject=f"plan/{plan.id}",
                kind="NO_CHECKPOINTS",
            )
        copied: set[str] = set()
        candidates: list[CheckpointMeta] = []
        for checkpoint_id in ids:
            meta = await asyncio.to_thread(source_bank.checkpoints.get, checkpoint_id)
            origin = meta.extra_info.get("source_checkpoint_id")
            if origin:
                copied.add(str(origin))
            elif meta.status == "available":
                candidates.append(meta)
        if destination.id != source.id:
            copied |= await self._copied_in(target_bank, destination, identity, plan.id)
        pairs: list[tuple[str, str]] = []
        for meta in candidates:
            if meta.id in copied:
                continue
            copy_id = str(uuid.uuid4())
            await asyncio.to_thread(
                target_bank.backend.put, INFLIGHT_PREFIX + copy_id, self.owner.encode()
            )
            copy_meta = await asyncio.to_thread(
                target_bank.checkpoints.create,
                project_id=meta.project_id,
                provider_id=destination.id,
                plan=meta.plan,
                owner_id=self.owner,
                extra_info={**meta.extra_info, "source_checkpoint_id": meta.id},
                checkpoint_id=copy_id,
                resource_graph=meta.resource_graph,
                status="wait_copying",
            )
            log_id = await self.records.start_log(
                meta.project_id,
                "copy",
                checkpoint_id=copy_id,
                plan_id=plan.id,
                provider_id=destination.id,
            )
            copy_meta = await asyncio.to_thread(
                target_bank.checkpoints.update,
                copy_id,
                status="copying",
                expect_status="wait_copying",
            )
            self._spawn(
                copy_id,
                self._run(
                    identity,
                    destination,
                    target,
                    copy_meta,
                    stored_graph(meta),
                    "copy",
                    parameters,
                    log_id,
                    success="available",
                    failure="error",
                    from_status="copying",
                    source=(source_handle, meta),
                ),
            )
            pairs.append((meta.id, copy_id))
        return pairs

    async def _copied_in(
        self, bank: Bank, provider: Provider, identity: Identity, plan_id: str
    ) -> set[str]:
        ids = await asyncio.to_thread(
            bank.checkpoints.list,
            provider_id=provider.id,
            project_id=identity.project_id,
            plan_id=plan_id,
            limit=None,
        )
        found: set[str] = set()
        for checkpoint_id in ids:
            meta = await asyncio.to_thread(bank.checkpoints.get, checkpoint_id)
            if meta.extra_info.get("source_checkpoint_id"):
                found.add(str(meta.extra_info["source_checkpoint_id"]))
        return found

    # -- delete and reset --------------------------------------------------------------------
    async def delete(
        self, identity: Identity, provider: Provider, checkpoint_id: str
    ) -> checkpoints_pb2.Checkpoint:
        handle, meta = await self.locate(provider, identity, checkpoint_id)
        bank = handle.bank
        self.owned(meta, identity)
        if meta.status not in ("available", "error"):
            raise failed_precondition(
                f"checkpoint {checkpoint_id} is {meta.status}; only available or error "
                "checkpoints can be deleted",
                subject=f"checkpoint/{checkpoint_id}",
                kind="CHECKPOINT_STATUS",
            )

        async def begin() -> CheckpointMeta:
            # Once the status says deleting, the flow must start: a caller going away here
            # must not leave the checkpoint deleting with nothing running.
            try:
                updated = await asyncio.to_thread(
                    bank.checkpoints.update,
                    checkpoint_id,
                    status="deleting",
                    expect_status=meta.status,
                )
            except PreconditionFailed:
                raise failed_precondition(
                    f"checkpoint {checkpoint_id} changed status meanwhile; retry",
                    subject=f"checkpoint/{checkpoint_id}",
                    kind="CHECKPOINT_STATUS",
                ) from None
            await asyncio.to_thread(
                bank.backend.put, INFLIGHT_PREFIX + checkpoint_id, self.owner.encode()
            )
            graph = stored_graph(updated)
            log_id = await self.records.start_log(
                updated.project_id,
                "delete",
                checkpoint_id=checkpoint_id,
                plan_id=updated.plan_id or "",
                provider_id=provider.id,
            )
            self._spawn(
                checkpoint_id,
                self._run(
                    identity,
                    provider,
                    handle,
                    updated,
                    graph,
                    "delete",
                    {},
                    log_id,
                    success="deleted",
                    failure="error-deleting",
                    from_status="deleting",
                ),
            )
            return updated

        meta = await asyncio.shield(asyncio.ensure_future(begin()))
        return await self.to_proto(bank, meta)

    async def reset(
        self, identity: Identity, provider: Provider, checkpoint_id: str, status: int
    ) -> checkpoints_pb2.Checkpoint:
        wanted = STATUS_NAMES.get(status)  # type: ignore[call-overload]
        if wanted not in ("available", "error"):
            raise invalid_argument(
                "a checkpoint can be reset only to AVAILABLE or ERROR",
                {"status": "CHECKPOINT_STATUS_AVAILABLE or CHECKPOINT_STATUS_ERROR"},
            )
        handle, meta = await self.locate(provider, identity, checkpoint_id)
        bank = handle.bank
        self.owned(meta, identity)
        if meta.status not in RESETTABLE_FROM:
            raise failed_precondition(
                f"checkpoint {checkpoint_id} is {meta.status}; it can be reset only from "
                f"{', '.join(sorted(RESETTABLE_FROM))}",
                subject=f"checkpoint/{checkpoint_id}",
                kind="CHECKPOINT_STATUS",
            )
        meta = await asyncio.to_thread(
            bank.checkpoints.update, checkpoint_id, status=wanted, expect_status=meta.status
        )
        return await self.to_proto(bank, meta)

    # -- watch -----------------------------------------------------------------------------------
    async def watch(
        self, identity: Identity, provider: Provider, checkpoint_id: str
    ) -> AsyncIterator[checkpoints_pb2.WatchCheckpointResponse]:
        handle, meta = await self.locate(provider, identity, checkpoint_id)
        bank = handle.bank
        self.owned(meta, identity)
        last: bytes = b""
        last_sent = 0.0
        while True:
            checkpoint = await self.to_proto(bank, meta)
            state = await self.state(bank, checkpoint_id)
            event = checkpoints_pb2.WatchCheckpointResponse(
                operation=OPERATION_TYPES.get(
                    state.get("operation", "protect"), common_pb2.OPERATION_TYPE_UNSPECIFIED
                ),
                status=checkpoint.status,
                status_reason=checkpoint.status_reason,
                resource_states=checkpoint.resource_states,
                progress=checkpoint.progress,
            )
            body = event.SerializeToString(deterministic=True)
            now = time.monotonic()
            if body != last or now - last_sent >= WATCH_KEEPALIVE_SECONDS:
                event.event_time.FromDatetime(datetime.now(UTC))
                yield event
                last, last_sent = body, now
            if meta.status in SETTLED:
                return
            await asyncio.sleep(WATCH_POLL_SECONDS)
            meta = await asyncio.to_thread(bank.checkpoints.get, checkpoint_id)

    # -- failing the checkpoints of services that died -------------------------------------------
    async def reap(self, provider: Provider) -> list[str]:
        """Fail every in-flight checkpoint of this provider, in its shared bank and in every
        account, whose owner's lease expired."""
        failed: list[str] = []
        for handle in await self.accounts.every(provider):
            failed.extend(await self._reap_bank(handle.bank))
        return failed

    async def _reap_bank(self, bank: Bank) -> list[str]:
        failed: list[str] = []
        keys = await asyncio.to_thread(bank.backend.list, INFLIGHT_PREFIX, limit=1000)
        for key in keys:
            checkpoint_id = key[len(INFLIGHT_PREFIX) :]
            if checkpoint_id in self.tasks:
                continue
            try:
                owner = (await asyncio.to_thread(bank.backend.get, key)).decode()
            except ObjectNotFound:
                continue
            if owner == self.owner or await asyncio.to_thread(bank.leases.is_alive, owner):
                continue
            failed.extend(await self._fail_orphan(bank, checkpoint_id, owner))
            await asyncio.to_thread(bank.backend.delete, key)
        return failed

    async def _fail_orphan(self, bank: Bank, checkpoint_id: str, owner: str) -> list[str]:
        try:
            meta = await asyncio.to_thread(bank.checkpoints.get, checkpoint_id)
        except CheckpointNotFound:
            return []
        target = {"protecting": "error", "deleting": "error-deleting", "copying": "error"}
        if meta.status not in target:
            return []
        state = await self.state(bank, checkpoint_id)
        state["reason"] = (
            f"protection service {owner} stopped while {meta.status} (its lease expired); "
            "the checkpoint is incomplete"
        )
        await asyncio.to_thread(
            bank.backend.put, state_key(checkpoint_id), json.dumps(state).encode()
        )
        try:
            await asyncio.to_thread(
                bank.checkpoints.update,
                checkpoint_id,
                status=target[meta.status],
                expect_status=meta.status,
            )
        except PreconditionFailed:
            return []
        log.warning(
            "failed orphaned checkpoint", extra={"checkpoint": checkpoint_id, "owner": owner}
        )
        return [checkpoint_id]

    async def stop(self) -> None:
        """Cancel every running operation; each records a clear status before returning."""
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
