"""Restores, verifications and operation logs (written through smaug.store.records), quotas,
quota classes, the service registry, and forwarding to the protection service."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2

from api.conftest import PROVIDER_ID, Api
from api.test_plans import expect
from smaug.mesh.errors import field_violations
from smaug.store import records
from smaug.v1 import (
    checkpoints_pb2,
    common_pb2,
    operation_logs_pb2,
    providers_pb2,
    quotas_pb2,
    resources_pb2,
    restores_pb2,
    services_pb2,
    verifications_pb2,
)

CHECKPOINT = "0c7e7a1d-2f5e-4bd8-9d53-4ad0ad0e6f37"


async def test_restores_verifications_and_logs(api: Api) -> None:
    state = resources_pb2.ResourceState(
        resource=resources_pb2.Resource(type="OS::Cinder::Volume", id="v", name="v"),
        status=resources_pb2.RESOURCE_STATUS_AVAILABLE,
        new_resource_id="v2",
        related_resource_ids={"OS::Cinder::Snapshot#s": "s2"},
    )
    with api.store.write() as session:
        restore_id = records.create_restore(
            session,
            project_id="admin",
            provider_id=PROVIDER_ID,
            checkpoint_id=CHECKPOINT,
            parameters={"OS::Cinder::Volume": {"x": "1"}},
        )
        records.update_restore(
            session,
            restore_id,
            status=common_pb2.OPERATION_STATUS_SUCCEEDED,
            resource_states=[state],
        )
        verification_id = records.create_verification(
            session, project_id="admin", provider_id=PROVIDER_ID, checkpoint_id=CHECKPOINT
        )
        log_id = records.start_operation_log(
            session,
            "admin",
            common_pb2.OPERATION_TYPE_DELETE,
            checkpoint_id=CHECKPOINT,
            provider_id=PROVIDER_ID,
        )
        records.finish_operation_log(session, log_id, common_pb2.OPERATION_STATUS_FAILED, "boom")
        other = records.start_operation_log(session, "project-x", common_pb2.OPERATION_TYPE_PROTECT)
    client = api.admin
    restore = (
        await client.call(
            client.restores.GetRestore, restores_pb2.GetRestoreRequest(restore_id=restore_id)
        )
    ).restore
    assert restore.status == common_pb2.OPERATION_STATUS_SUCCEEDED and restore.HasField("end_time")
    assert restore.resource_states[0] == state
    assert restore.parameters["OS::Cinder::Volume"]["x"] == "1"
    listed = await client.call(
        client.restores.ListRestores, restores_pb2.ListRestoresRequest(filter="status = SUCCEEDED")
    )
    assert [r.id for r in listed.restores] == [restore_id]
    verification = await client.call(
        client.verifications.GetVerification,
        verifications_pb2.GetVerificationRequest(verification_id=verification_id),
    )
    assert verification.verification.status == common_pb2.OPERATION_STATUS_IN_PROGRESS
    assert (
        len(
            (
                await client.call(
                    client.verifications.ListVerifications,
                    verifications_pb2.ListVerificationsRequest(),
                )
            ).verifications
        )
        == 1
    )
    log = (
        await client.call(
            client.logs.GetOperationLog,
            operation_logs_pb2.GetOperationLogRequest(operation_log_id=log_id),
        )
    ).operation_log
    assert log.operation_type == common_pb2.OPERATION_TYPE_DELETE and log.error_info == "boom"
    logs = await client.call(
        client.logs.ListOperationLogs,
        operation_logs_pb2.ListOperationLogsRequest(filter="operation_type = DELETE"),
    )
    assert [entry.id for entry in logs.operation_logs] == [log_id]
    await expect(
        grpc.StatusCode.NOT_FOUND,
        client.call(
            client.logs.GetOperationLog,
            operation_logs_pb2.GetOperationLogRequest(operation_log_id=other),
        ),
    )
    every = await client.call(
        client.logs.ListOperationLogs,
        operation_logs_pb2.ListOperationLogsRequest(all_projects=True),
    )
    assert len(every.operation_logs) == 2
    mallory = api.user("mallory", "project-m")
    await expect(
        grpc.StatusCode.NOT_FOUND,
        mallory.call(
            mallory.restores.GetRestore, restores_pb2.GetRestoreRequest(restore_id=restore_id)
        ),
    )
    await expect(
        grpc.StatusCode.NOT_FOUND,
        mallory.call(
            mallory.verifications.GetVerification,
            verifications_pb2.GetVerificationRequest(verification_id=verification_id),
        ),
    )
    assert not (
        await mallory.call(mallory.restores.ListRestores, restores_pb2.ListRestoresRequest())
    ).restores
    assert not (
        await mallory.call(
            mallory.logs.ListOperationLogs, operation_logs_pb2.ListOperationLogsRequest()
        )
    ).operation_logs


async def test_quotas_and_classes(api: Api) -> None:
    admin = api.admin
    default = await admin.call(admin.quotas.GetDefaultQuota, quotas_pb2.GetDefaultQuotaRequest())
    assert (default.quota.plans, default.quota.checkpoints) == (50, -1)
    await admin.call(
        admin.quotas.UpdateQuotaClass,
        quotas_pb2.UpdateQuotaClassRequest(
            quota_class=quotas_pb2.QuotaClass(name="default", plans=7),
            update_mask=field_mask_pb2.FieldMask(paths=["plans"]),
        ),
    )
    quota = await admin.call(admin.quotas.GetQuota, quotas_pb2.GetQuotaRequest(project_id="p1"))
    assert quota.quota.plans == 7
    await admin.call(
        admin.quotas.UpdateQuota,
        quotas_pb2.UpdateQuotaRequest(
            quota=quotas_pb2.Quota(project_id="p1", checkpoints=0),
            update_mask=field_mask_pb2.FieldMask(paths=["checkpoints"]),
        ),
    )
    quota = await admin.call(admin.quotas.GetQuota, quotas_pb2.GetQuotaRequest(project_id="p1"))
    assert (quota.quota.plans, quota.quota.checkpoints) == (7, 0)
    await admin.call(admin.quotas.DeleteQuota, quotas_pb2.DeleteQuotaRequest(project_id="p1"))
    quota = await admin.call(admin.quotas.GetQuota, quotas_pb2.GetQuotaRequest(project_id="p1"))
    assert quota.quota.checkpoints == -1
    gold = await admin.call(
        admin.quotas.GetQuotaClass, quotas_pb2.GetQuotaClassRequest(quota_class_name="gold")
    )
    assert gold.quota_class.plans == 7

    error = await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call(
            admin.quotas.UpdateQuota,
            quotas_pb2.UpdateQuotaRequest(
                quota=quotas_pb2.Quota(project_id="p1", plans=-2),
                update_mask=field_mask_pb2.FieldMask(paths=["plans"]),
            ),
        ),
    )
    assert "quota.plans" in field_violations(error)
    await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call(
            admin.quotas.UpdateQuota,
            quotas_pb2.UpdateQuotaRequest(quota=quotas_pb2.Quota(project_id="p1")),
        ),
    )
    member = api.user("mem", "p1")
    for call in (
        member.call(
            member.quotas.UpdateQuota,
            quotas_pb2.UpdateQuotaRequest(
                quota=quotas_pb2.Quota(project_id="p1", plans=1),
                update_mask=field_mask_pb2.FieldMask(paths=["plans"]),
            ),
        ),
        member.call(member.quotas.DeleteQuota, quotas_pb2.DeleteQuotaRequest(project_id="p1")),
        member.call(
            member.quotas.UpdateQuotaClass,
            quotas_pb2.UpdateQuotaClassRequest(
                quota_class=quotas_pb2.QuotaClass(name="default", plans=1),
                update_mask=field_mask_pb2.FieldMask(paths=["plans"]),
            ),
        ),
        member.call(
            member.services.ListServiceInstances, services_pb2.ListServiceInstancesRequest()
        ),
    ):
        await expect(grpc.StatusCode.PERMISSION_DENIED, call)
    own = await member.call(member.quotas.GetQuota, quotas_pb2.GetQuotaRequest(project_id="p1"))
    assert own.quota.plans == 7


async def test_service_registry(api: Api) -> None:
    with api.store.write() as session:
        scheduler = records.heartbeat(session, "smaug-scheduler", "host-1")
        protection = records.heartbeat(session, "smaug-protection", "host-1")
        assert records.heartbeat(session, "smaug-scheduler", "host-1") == scheduler
    admin = api.admin
    listed = await admin.call(
        admin.services.ListServiceInstances, services_pb2.ListServiceInstancesRequest()
    )
    assert [s.id for s in listed.service_instances] == [scheduler, protection]
    assert all(s.state == services_pb2.SERVICE_INSTANCE_STATE_UP for s in listed.service_instances)
    updated = await admin.call(
        admin.services.UpdateServiceInstance,
        services_pb2.UpdateServiceInstanceRequest(
            service_instance=services_pb2.ServiceInstance(
                id=scheduler,
                status=services_pb2.SERVICE_INSTANCE_STATUS_DISABLED,
                disabled_reason="maintenance",
            )
        ),
    )
    assert updated.service_instance.disabled_reason == "maintenance"
    with api.store.read() as session:
        assert not records.service_enabled(session, "smaug-scheduler", "host-1")
    filtered = await admin.call(
        admin.services.ListServiceInstances,
        services_pb2.ListServiceInstancesRequest(filter="status = DISABLED"),
    )
    assert [s.id for s in filtered.service_instances] == [scheduler]
    await expect(
        grpc.StatusCode.FAILED_PRECONDITION,
        admin.call(
            admin.services.UpdateServiceInstance,
            services_pb2.UpdateServiceInstanceRequest(
                service_instance=services_pb2.ServiceInstance(
                    id=protection, status=services_pb2.SERVICE_INSTANCE_STATUS_DISABLED
                )
            ),
        ),
    )
    await expect(
        grpc.StatusCode.NOT_FOUND,
        admin.call(
            admin.services.UpdateServiceInstance,
            services_pb2.UpdateServiceInstanceRequest(
                service_instance=services_pb2.ServiceInstance(
                    id=999, status=services_pb2.SERVICE_INSTANCE_STATUS_ENABLED
                )
            ),
        ),
    )
    await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        admin.call(
            admin.services.UpdateServiceInstance,
            services_pb2.UpdateServiceInstanceRequest(
                service_instance=services_pb2.ServiceInstance(
                    id=scheduler,
                    status=services_pb2.SERVICE_INSTANCE_STATUS_ENABLED,
                    disabled_reason="x",
                )
            ),
        ),
    )


async def test_forwarding_with_identity_and_errors(api: Api) -> None:
    member = api.user("fwd", "project-f", ("member",))
    reply = await member.call(member.providers.ListProviders, providers_pb2.ListProvidersRequest())
    assert len(reply.providers) == 2
    assert api.peer.identities[-1].project_id == "project-f"
    assert api.peer.identities[-1].user_id
    error = await expect(
        grpc.StatusCode.NOT_FOUND,
        member.call(
            member.providers.GetProvider, providers_pb2.GetProviderRequest(provider_id="nope")
        ),
    )
    assert "provider nope" in (error.details() or "")
    await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        member.call(member.providers.GetProvider, providers_pb2.GetProviderRequest(provider_id="")),
    )
    # The peer has no CheckpointService: its answer comes back unchanged, and the checkpoint
    # quota reservation is released.
    await expect(
        grpc.StatusCode.UNIMPLEMENTED,
        member.call(
            member.checkpoints.CreateCheckpoint,
            checkpoints_pb2.CreateCheckpointRequest(
                provider_id=PROVIDER_ID, plan_id="3f2504e0-4f89-11d3-9a0c-0305e82c3301"
            ),
        ),
    )
    usage = await member.call(
        member.quotas.GetQuotaUsage, quotas_pb2.GetQuotaUsageRequest(project_id="project-f")
    )
    assert (usage.quota_usage.checkpoints.in_use, usage.quota_usage.checkpoints.reserved) == (0, 0)
    error = await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        member.call(
            member.checkpoints.ResetCheckpointState,
            checkpoints_pb2.ResetCheckpointStateRequest(
                provider_id=PROVIDER_ID,
                checkpoint_id=CHECKPOINT,
                status=checkpoints_pb2.CHECKPOINT_STATUS_DELETED,
            ),
        ),
    )
    assert "status" in field_violations(error)
