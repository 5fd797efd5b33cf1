"""Restores and verifications: operations that read a checkpoint and are recorded as rows of the
store (so the api can list them), with RestoreService.CreateRestore / WatchRestore and
VerificationService.CreateVerification / WatchVerification as served by protection."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import json_format, timestamp_pb2

from smaug.bank.checkpoints import CheckpointMeta
from smaug.mesh.errors import RpcError, failed_precondition, invalid_argument, not_found
from smaug.mesh.identity import Identity
from smaug.mesh.parameters import violations as schema_violations
from smaug.plugin.v1 import plugin_pb2
from smaug.protection import cancellation
from smaug.protection.accounts import AccountBank
from smaug.protection.checkpoints import CheckpointEngine, timestamp
from smaug.protection.graph import ResourceGraph
from smaug.protection.operations import OperationRun, execute
from smaug.protection.protectables import call_context
from smaug.protection.providers import Provider, ProviderRegistry
from smaug.protection.records import Job
from smaug.v1 import (
    common_pb2,
    resources_pb2,
    restores_pb2,
    restores_pb2_grpc,
    verifications_pb2,
    verifications_pb2_grpc,
)

log = logging.getLogger(__name__)

RUNNING = {
    "restore": resources_pb2.RESOURCE_STATUS_RESTORING,
    "verify": resources_pb2.RESOURCE_STATUS_VERIFYING,
}
SETTLED_RESOURCE = {
    "pending": resources_pb2.RESOURCE_STATUS_PENDING,
    "available": resources_pb2.RESOURCE_STATUS_AVAILABLE,
    "error": resources_pb2.RESOURCE_STATUS_ERROR,
}
SCHEMA_OF = {"restore": "restore_schema", "verify": "verify_schema"}
KIND_OF = {"restore": "restore", "verify": "verification"}


def check_parameters(
    provider: Provider, parameters: dict[str, dict[str, Any]], operation: str
) -> None:
    """Keys are ``type`` or ``type#id`` of a type the provider serves; option names must be
    properties of the plugin's schema for the operation, and the options must satisfy it."""
    infos = provider.type_infos()
    violations: dict[str, str] = {}
    for key, options in parameters.items():
        resource_type = key.split("#", 1)[0]
        if resource_type not in infos:
            violations[f"parameters[{key}]"] = (
                f"{resource_type} is not served by provider {provider.config.name}; "
                f"one of: {', '.join(sorted(infos))}"
            )
            continue
        schema = json_format.MessageToDict(getattr(infos[resource_type][1], SCHEMA_OF[operation]))
        allowed = set(schema.get("properties", {}))
        unknown = [name for name in options if name not in allowed]
        for name in unknown:
            violations[f"parameters[{key}].{name}"] = (
                f"not a {operation} parameter of {resource_type}; allowed: "
                f"{', '.join(sorted(allowed)) or 'none'}"
            )
        if not unknown:
            violations.update(schema_violations(schema, options, f"parameters[{key}]"))
    if violations:
        raise invalid_argument(f"invalid {operation} parameters", violations)


class JobEngine:
    """Runs restores and verifications of checkpoints."""

    def __init__(self, registry: ProviderRegistry, checkpoints: CheckpointEngine) -> None:
        self.registry = registry
        self.checkpoints = checkpoints
        self.records = checkpoints.records
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def start(
        self,
        operation: str,
        identity: Identity,
        provider_id: str,
        checkpoint_id: str,
        parameters: dict[str, dict[str, Any]],
        restore_target: str = "",
    ) -> Job:
        provider = self.registry.get(provider_id)
        handle, meta = await self.checkpoints.locate(provider, identity, checkpoint_id)
        self.checkpoints.owned(meta, identity)
        if meta.status != "available":
            raise failed_precondition(
                f"checkpoint {checkpoint_id} is {meta.status}; only available checkpoints "
                f"can be {'restored' if operation == 'restore' else 'verified'}",
                subject=f"checkpoint/{checkpoint_id}",
                kind="CHECKPOINT_STATUS",
            )
        check_parameters(provider, parameters, operation)
        # Once the record exists its flow must start: a caller going away must not leave a
        # restore or verification running forever on paper.
        return await asyncio.shield(
            asyncio.ensure_future(
                self._launch(
                    operation, identity, provider, handle, meta, parameters, restore_target
                )
            )
        )

    async def _launch(
        self,
        operation: str,
        identity: Identity,
        provider: Provider,
        handle: AccountBank,
        meta: CheckpointMeta,
        parameters: dict[str, dict[str, Any]],
        restore_target: str,
    ) -> Job:
        checkpoint_id = meta.id
        bank = handle.bank
        graph_message = resources_pb2.ResourceGraph()
        json_format.Parse(meta.resource_graph or "{}", graph_message)
        graph = ResourceGraph.from_proto(graph_message)
        kind = KIND_OF[operation]
        job_id = await self.records.create_job(
            kind,
            project_id=identity.project_id,
            provider_id=provider.id,
            checkpoint_id=checkpoint_id,
            parameters=parameters,
            restore_target=restore_target,
        )
        ids = {"restore_id" if kind == "restore" else "verification_id": job_id}
        log_id = await self.records.start_log(
            identity.project_id,
            operation,
            checkpoint_id=checkpoint_id,
            provider_id=provider.id,
            **ids,
        )
        run = OperationRun(
            operation=operation,
            graph=graph,
            checkpoint=plugin_pb2.CheckpointRef(
                id=meta.id,
                provider_id=meta.provider_id,
                plan_id=meta.plan_id or "",
                project_id=meta.project_id,
                create_time=timestamp(meta.created_at),
            ),
            parameters=parameters,
            context=call_context(identity),
            operation_id=job_id,
            section_for=lambda node: self.checkpoints.section_for(handle, meta.id, node, True),
            restore_target=restore_target,
            hook_timeout=self.checkpoints.hook_timeout,
            concurrency=self.checkpoints.concurrency,
        )

        def snapshot() -> tuple[list[resources_pb2.ResourceState], common_pb2.Progress]:
            states = []
            total = common_pb2.Progress(resources_total=len(graph.nodes))
            for key in graph.post_order():
                node, progress = graph.nodes[key], run.resources[key]
                state = resources_pb2.ResourceState(
                    resource=resources_pb2.Resource(type=node.type, id=node.id, name=node.name),
                    status=RUNNING[operation]
                    if progress.status == "running"
                    else SETTLED_RESOURCE[progress.status],
                    reason=progress.reason,
                    new_resource_id=progress.new_resource_id,
                    related_resource_ids=progress.related_resource_ids,
                )
                state.progress.bytes_done = progress.bytes_done
                state.progress.bytes_total = progress.bytes_total
                state.progress.message = progress.message
                states.append(state)
                total.bytes_done += progress.bytes_done
                total.bytes_total += max(progress.bytes_total, progress.bytes_done)
                total.resources_done += progress.status == "available"
            if total.resources_total:
                total.percent = int(100 * total.resources_done / total.resources_total)
            return states, total

        async def changed() -> None:
            states, progress = snapshot()
            await self.records.update_job(kind, job_id, resource_states=states, progress=progress)

        run.on_change = changed

        async def work() -> None:
            reason = ""
            final = common_pb2.OPERATION_STATUS_FAILED
            try:
                await changed()
                await cancellation.unless_cancelled(bank, job_id, execute(run, provider.plugin_for))
                final = common_pb2.OPERATION_STATUS_SUCCEEDED
            except cancellation.Cancelled as cancelled:
                reason = str(cancelled)
            except asyncio.CancelledError:
                reason = f"{operation} was cancelled: the protection service stopped"
            except Exception as error:
                reason = str(error)
            states, progress = snapshot()
            await self.records.update_job(
                kind,
                job_id,
                status=final,
                reason=reason,
                resource_states=states,
                progress=progress,
            )
            await cancellation.clear(bank, job_id)
            await self.records.finish_log(
                log_id, final == common_pb2.OPERATION_STATUS_SUCCEEDED, reason
            )

        task = asyncio.ensure_future(work())
        self.tasks[job_id] = task
        task.add_done_callback(lambda _: self.tasks.pop(job_id, None))
        job = await self.records.get_job(kind, job_id, None)
        assert job is not None
        return job

    async def get(self, kind: str, job_id: str, identity: Identity) -> Job:
        job = await self.records.get_job(
            kind, job_id, None if identity.is_admin else identity.project_id
        )
        if job is None:
            raise not_found(kind, job_id)
        return job

    async def cancel(self, kind: str, job_id: str, identity: Identity) -> Job:
        job = await self.get(kind, job_id, identity)
        if job.status != common_pb2.OPERATION_STATUS_IN_PROGRESS:
            raise failed_precondition(
                f"{kind} {job_id} has already finished",
                subject=f"{kind}/{job_id}",
                kind="OPERATION_FINISHED",
            )
        # The marker goes to the bank the job reads: the one holding its checkpoint.
        provider = self.registry.get(job.provider_id)
        try:
            handle, _ = await self.checkpoints.locate(provider, identity, job.checkpoint_id)
        except RpcError:
            handle = await self.checkpoints.accounts.to_write(provider, job.project_id)
        await cancellation.request(handle.bank, job_id, identity.user_id or identity.project_id)
        return job

    async def watch(self, kind: str, job_id: str, identity: Identity) -> AsyncIterator[Job]:
        """The job each time it changes (and every 30 s), until it is settled."""
        last = b""
        last_sent = 0.0
        while True:
            job = await self.get(kind, job_id, identity)
            view = job.SerializeToString(deterministic=True)
            now = time.monotonic()
            if view != last or now - last_sent >= 30:
                yield job
                last, last_sent = view, now
            if job.status != common_pb2.OPERATION_STATUS_IN_PROGRESS:
                return
            await asyncio.sleep(0.5)

    async def stop(self) -> None:
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _parameters(source: Any) -> dict[str, dict[str, Any]]:
    return {key: json_format.MessageToDict(value) for key, value in source.items()}


def _now() -> timestamp_pb2.Timestamp:
    return timestamp(datetime.now(UTC).timestamp())


def _listed_by_the_api(what: str) -> RpcError:
    return RpcError(
        grpc.StatusCode.UNIMPLEMENTED,
        f"listing {what} is served by the api service, which reads them from the store",
    )


class RestoreServicer(restores_pb2_grpc.RestoreServiceServicer):
    def __init__(self, jobs: JobEngine, authenticate: Callable[[Any], Identity]) -> None:
        self._jobs = jobs
        self._authenticate = authenticate

    async def GetRestore(
        self, request: restores_pb2.GetRestoreRequest, context: Any
    ) -> restores_pb2.GetRestoreResponse:
        job = await self._jobs.get("restore", request.restore_id, self._authenticate(context))
        assert isinstance(job, restores_pb2.Restore)
        return restores_pb2.GetRestoreResponse(restore=job)

    async def ListRestores(
        self, request: restores_pb2.ListRestoresRequest, context: Any
    ) -> restores_pb2.ListRestoresResponse:
        raise _listed_by_the_api("restores")

    async def CreateRestore(
        self, request: restores_pb2.CreateRestoreRequest, context: Any
    ) -> restores_pb2.CreateRestoreResponse:
        identity = self._authenticate(context)
        wanted = request.restore
        job = await self._jobs.start(
            "restore",
            identity,
            wanted.provider_id,
            wanted.checkpoint_id,
            _parameters(wanted.parameters),
            wanted.restore_target,
        )
        assert isinstance(job, restores_pb2.Restore)
        return restores_pb2.CreateRestoreResponse(restore=job)

    async def CancelRestore(
        self, request: restores_pb2.CancelRestoreRequest, context: Any
    ) -> restores_pb2.CancelRestoreResponse:
        job = await self._jobs.cancel("restore", request.restore_id, self._authenticate(context))
        assert isinstance(job, restores_pb2.Restore)
        return restores_pb2.CancelRestoreResponse(restore=job)

    async def WatchRestore(
        self, request: restores_pb2.WatchRestoreRequest, context: Any
    ) -> AsyncIterator[restores_pb2.WatchRestoreResponse]:
        identity = self._authenticate(context)
        async for job in self._jobs.watch("restore", request.restore_id, identity):
            yield restores_pb2.WatchRestoreResponse(
                event_time=_now(),
                status=job.status,
                status_reason=job.status_reason,
                resource_states=job.resource_states,
                progress=job.progress,
            )


class VerificationServicer(verifications_pb2_grpc.VerificationServiceServicer):
    def __init__(self, jobs: JobEngine, authenticate: Callable[[Any], Identity]) -> None:
        self._jobs = jobs
        self._authenticate = authenticate

    async def GetVerification(
        self, request: verifications_pb2.GetVerificationRequest, context: Any
    ) -> verifications_pb2.GetVerificationResponse:
        identity = self._authenticate(context)
        job = await self._jobs.get("verification", request.verification_id, identity)
        assert isinstance(job, verifications_pb2.Verification)
        return verifications_pb2.GetVerificationResponse(verification=job)

    async def ListVerifications(
        self, request: verifications_pb2.ListVerificationsRequest, context: Any
    ) -> verifications_pb2.ListVerificationsResponse:
        raise _listed_by_the_api("verifications")

    async def CreateVerification(
        self, request: verifications_pb2.CreateVerificationRequest, context: Any
    ) -> verifications_pb2.CreateVerificationResponse:
        identity = self._authenticate(context)
        wanted = request.verification
        job = await self._jobs.start(
            "verify",
            identity,
            wanted.provider_id,
            wanted.checkpoint_id,
            _parameters(wanted.parameters),
        )
        assert isinstance(job, verifications_pb2.Verification)
        return verifications_pb2.CreateVerificationResponse(verification=job)

    async def CancelVerification(
        self, request: verifications_pb2.CancelVerificationRequest, context: Any
    ) -> verifications_pb2.CancelVerificationResponse:
        identity = self._authenticate(context)
        job = await self._jobs.cancel("verification", request.verification_id, identity)
        assert isinstance(job, verifications_pb2.Verification)
        return verifications_pb2.CancelVerificationResponse(verification=job)

    async def WatchVerification(
        self, request: verifications_pb2.WatchVerificationRequest, context: Any
    ) -> AsyncIterator[verifications_pb2.WatchVerificationResponse]:
        identity = self._authenticate(context)
        async for job in self._jobs.watch("verification", request.verification_id, identity):
            yield verifications_pb2.WatchVerificationResponse(
                event_time=_now(),
                status=job.status,
                status_reason=job.status_reason,
                resource_states=job.resource_states,
                progress=job.progress,
            )
