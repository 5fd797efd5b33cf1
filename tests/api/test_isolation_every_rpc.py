"""Isolation, RPC by RPC: every smaug.v1 method, called by a member of another project with the
ids of project A's objects, is refused as if they did not exist (NOT_FOUND), or as admin-only
(PERMISSION_DENIED); lists, counts and error messages show nothing of project A.

The test enumerates the services' descriptors, so a new RPC fails it until it is covered here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import field_mask_pb2

import smaug.v1
from smaug.store import identities
from smaug.store.db import Store
from smaug.v1 import (
    bank_accounts_pb2,
    bank_accounts_pb2_grpc,
    checkpoints_pb2,
    checkpoints_pb2_grpc,
    operation_logs_pb2,
    operation_logs_pb2_grpc,
    plans_pb2,
    plans_pb2_grpc,
    protectables_pb2,
    protectables_pb2_grpc,
    providers_pb2_grpc,
    quotas_pb2,
    quotas_pb2_grpc,
    restores_pb2,
    restores_pb2_grpc,
    scheduled_operations_pb2,
    scheduled_operations_pb2_grpc,
    services_pb2,
    services_pb2_grpc,
    tenancy_pb2,
    tenancy_pb2_grpc,
    triggers_pb2,
    triggers_pb2_grpc,
    verifications_pb2,
    verifications_pb2_grpc,
)
from support.mesh import smaug_up
from support.sample_mesh import PROVIDER, write_config

NOT_FOUND = grpc.StatusCode.NOT_FOUND
DENIED = grpc.StatusCode.PERMISSION_DENIED
OK = grpc.StatusCode.OK
SECRET_NAME = "alice-secret-name"
THING = "Test::Thing"
# RPCs with nothing of a project in them: every caller may use them.
GLOBAL = {
    "ProtectableService.ListProtectableTypes",
    "ProtectableService.GetProtectableType",
    "ProviderService.ListProviders",
    "ProviderService.GetProvider",
    "QuotaService.GetDefaultQuota",
}


class Caller:
    """Stubs of every service, with one user's token."""

    def __init__(self, channel: grpc.Channel, token: str) -> None:
        self.metadata = (("authorization", f"Bearer {token}"),)
        self.asked = ""
        self.checkpoints = checkpoints_pb2_grpc.CheckpointServiceStub(channel)
        self.logs = operation_logs_pb2_grpc.OperationLogServiceStub(channel)
        self.plans = plans_pb2_grpc.PlanServiceStub(channel)
        self.protectables = protectables_pb2_grpc.ProtectableServiceStub(channel)
        self.providers = providers_pb2_grpc.ProviderServiceStub(channel)
        self.quotas = quotas_pb2_grpc.QuotaServiceStub(channel)
        self.restores = restores_pb2_grpc.RestoreServiceStub(channel)
        self.operations = scheduled_operations_pb2_grpc.ScheduledOperationServiceStub(channel)
        self.services = services_pb2_grpc.ServiceRegistryServiceStub(channel)
        self.access = tenancy_pb2_grpc.ProviderAccessServiceStub(channel)
        self.accounts = bank_accounts_pb2_grpc.BankAccountServiceStub(channel)
        self.triggers = triggers_pb2_grpc.TriggerServiceStub(channel)
        self.verifications = verifications_pb2_grpc.VerificationServiceStub(channel)

    def call(self, method: Any, request: Any) -> tuple[grpc.StatusCode, str]:
        """The status and everything the caller got back (replies or error text)."""
        self.asked = str(request)
        try:
            reply = method(request, metadata=self.metadata, timeout=30)
            if hasattr(reply, "__next__"):  # a Watch stream
                return OK, "".join(str(event) for event in reply)
            return OK, str(reply)
        except grpc.RpcError as error:
            return error.code(), str(error.details())


def every_rpc() -> set[str]:
    names: set[str] = set()
    for module in pkgutil.iter_modules(smaug.v1.__path__):
        if module.name.endswith("_pb2"):
            descriptor = importlib.import_module(f"smaug.v1.{module.name}").DESCRIPTOR
            for service in descriptor.services_by_name.values():
                names.update(f"{service.name}.{m.name}" for m in service.methods)
    return names


def mask(*paths: str) -> field_mask_pb2.FieldMask:
    return field_mask_pb2.FieldMask(paths=list(paths))


def test_every_rpc_from_another_project_sees_nothing(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    with smaug_up(tmp_path / "data", {"SMAUG_CONFIG": str(config)}) as mesh:
        store = Store(f"sqlite:///{tmp_path / 'data' / 'smaug.db'}", migrate_to=None)
        with store.write() as session:
            _, alice_token = identities.create_user(session, "alice", "project-a", ("member",))
            _, bob_token = identities.create_user(session, "bob", "project-b", ("member",))
        store.dispose()
        channel = grpc.insecure_channel(mesh.api)
        alice = Caller(channel, alice_token)
        bob = Caller(channel, bob_token)

        # Project A owns one of everything.
        plan = plans_pb2.Plan(name=SECRET_NAME, provider_id=PROVIDER)
        plan.resources.add(type=THING, id="t1", name="first thing")
        plan = alice.plans.CreatePlan(
            plans_pb2.CreatePlanRequest(plan=plan), metadata=alice.metadata
        ).plan
        checkpoint = alice.checkpoints.CreateCheckpoint(
            checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=plan.id),
            metadata=alice.metadata,
        ).checkpoint
        for _ in alice.checkpoints.WatchCheckpoint(
            checkpoints_pb2.WatchCheckpointRequest(
                provider_id=PROVIDER, checkpoint_id=checkpoint.id
            ),
            metadata=alice.metadata,
            timeout=60,
        ):
            pass
        restore = alice.restores.CreateRestore(
            restores_pb2.CreateRestoreRequest(
                restore=restores_pb2.Restore(provider_id=PROVIDER, checkpoint_id=checkpoint.id)
            ),
            metadata=alice.metadata,
        ).restore
        verification = alice.verifications.CreateVerification(
            verifications_pb2.CreateVerificationRequest(
                verification=verifications_pb2.Verification(
                    provider_id=PROVIDER, checkpoint_id=checkpoint.id
                )
            ),
            metadata=alice.metadata,
        ).verification
        trigger = alice.triggers.CreateTrigger(
            triggers_pb2.CreateTriggerRequest(
                trigger=triggers_pb2.Trigger(
                    name=SECRET_NAME,
                    type=triggers_pb2.TRIGGER_TYPE_TIME,
                    properties=triggers_pb2.TriggerProperties(
                        format=triggers_pb2.TRIGGER_FORMAT_CRONTAB, pattern="0 3 * * *"
                    ),
                )
            ),
            metadata=alice.metadata,
        ).trigger
        event_trigger = alice.triggers.CreateTrigger(
            triggers_pb2.CreateTriggerRequest(
                trigger=triggers_pb2.Trigger(
                    name=SECRET_NAME,
                    type=triggers_pb2.TRIGGER_TYPE_EVENT,
                    properties=triggers_pb2.TriggerProperties(
                        event=triggers_pb2.EventRule(
                            call=triggers_pb2.CallEventSource(), quiet_period_seconds=3600
                        )
                    ),
                )
            ),
            metadata=alice.metadata,
        ).trigger
        firing = alice.triggers.FireTrigger(
            triggers_pb2.FireTriggerRequest(trigger_id=event_trigger.id, request_id=SECRET_NAME),
            metadata=alice.metadata,
        ).firing
        so = scheduled_operations_pb2
        operation = alice.operations.CreateScheduledOperation(
            so.CreateScheduledOperationRequest(
                scheduled_operation=so.ScheduledOperation(
                    name=SECRET_NAME,
                    operation_type=so.SCHEDULED_OPERATION_TYPE_PROTECT,
                    trigger_id=trigger.id,
                    operation_definition=so.ScheduledOperationDefinition(
                        provider_id=PROVIDER, plan_id=plan.id
                    ),
                )
            ),
            metadata=alice.metadata,
        ).scheduled_operation
        logs = alice.logs.ListOperationLogs(
            operation_logs_pb2.ListOperationLogsRequest(), metadata=alice.metadata
        ).operation_logs
        assert logs, "project A's operations left no operation log"
        secrets = {
            SECRET_NAME,
            plan.id,
            checkpoint.id,
            restore.id,
            verification.id,
            trigger.id,
            event_trigger.id,
            firing.id,
            operation.id,
            *(log.id for log in logs),
        }

        ckpt = {"provider_id": PROVIDER, "checkpoint_id": checkpoint.id}
        cases: dict[str, tuple[Callable[[], tuple[grpc.StatusCode, str]], grpc.StatusCode]] = {
            # Checkpoints
            "CheckpointService.ListCheckpoints": (
                lambda: bob.call(
                    bob.checkpoints.ListCheckpoints,
                    checkpoints_pb2.ListCheckpointsRequest(provider_id=PROVIDER),
                ),
                OK,
            ),
            "CheckpointService.GetCheckpoint": (
                lambda: bob.call(
                    bob.checkpoints.GetCheckpoint, checkpoints_pb2.GetCheckpointRequest(**ckpt)
                ),
                NOT_FOUND,
            ),
            "CheckpointService.CreateCheckpoint": (
                lambda: bob.call(
                    bob.checkpoints.CreateCheckpoint,
                    checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=plan.id),
                ),
                NOT_FOUND,
            ),
            "CheckpointService.DeleteCheckpoint": (
                lambda: bob.call(
                    bob.checkpoints.DeleteCheckpoint,
                    checkpoints_pb2.DeleteCheckpointRequest(**ckpt),
                ),
                NOT_FOUND,
            ),
            "CheckpointService.ResetCheckpointState": (
                lambda: bob.call(
                    bob.checkpoints.ResetCheckpointState,
                    checkpoints_pb2.ResetCheckpointStateRequest(
                        **ckpt, status=checkpoints_pb2.CHECKPOINT_STATUS_ERROR
                    ),
                ),
                NOT_FOUND,
            ),
            "CheckpointService.CopyCheckpoints": (
                lambda: bob.call(
                    bob.checkpoints.CopyCheckpoints,
                    checkpoints_pb2.CopyCheckpointsRequest(provider_id=PROVIDER, plan_id=plan.id),
                ),
                NOT_FOUND,
            ),
            "CheckpointService.CancelCheckpoint": (
                lambda: bob.call(
                    bob.checkpoints.CancelCheckpoint,
                    checkpoints_pb2.CancelCheckpointRequest(**ckpt),
                ),
                NOT_FOUND,
            ),
            "CheckpointService.WatchCheckpoint": (
                lambda: bob.call(
                    bob.checkpoints.WatchCheckpoint,
                    checkpoints_pb2.WatchCheckpointRequest(**ckpt),
                ),
                NOT_FOUND,
            ),
            # Operation logs
            "OperationLogService.ListOperationLogs": (
                lambda: bob.call(
                    bob.logs.ListOperationLogs, operation_logs_pb2.ListOperationLogsRequest()
                ),
                OK,
            ),
            "OperationLogService.GetOperationLog": (
                lambda: bob.call(
                    bob.logs.GetOperationLog,
                    operation_logs_pb2.GetOperationLogRequest(operation_log_id=logs[0].id),
                ),
                NOT_FOUND,
            ),
            # Plans
            "PlanService.ListPlans": (
                lambda: bob.call(bob.plans.ListPlans, plans_pb2.ListPlansRequest()),
                OK,
            ),
            "PlanService.GetPlan": (
                lambda: bob.call(bob.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=plan.id)),
                NOT_FOUND,
            ),
            "PlanService.CreatePlan": (  # creating is fine; it lands in bob's own project
                lambda: bob.call(
                    bob.plans.CreatePlan,
                    plans_pb2.CreatePlanRequest(
                        plan=plans_pb2.Plan(
                            name="bob's",
                            provider_id=PROVIDER,
                            resources=[plan.resources[0]],
                        )
                    ),
                ),
                OK,
            ),
            "PlanService.UpdatePlan": (
                lambda: bob.call(
                    bob.plans.UpdatePlan,
                    plans_pb2.UpdatePlanRequest(
                        plan=plans_pb2.Plan(id=plan.id, name="taken"), update_mask=mask("name")
                    ),
                ),
                NOT_FOUND,
            ),
            "PlanService.DeletePlan": (
                lambda: bob.call(
                    bob.plans.DeletePlan, plans_pb2.DeletePlanRequest(plan_id=plan.id)
                ),
                NOT_FOUND,
            ),
            # Protectables: instances are the plugin's, not a project's; they must still work.
            "ProtectableService.ListProtectableInstances": (
                lambda: bob.call(
                    bob.protectables.ListProtectableInstances,
                    protectables_pb2.ListProtectableInstancesRequest(
                        protectable_type=THING, provider_id=PROVIDER
                    ),
                ),
                OK,
            ),
            "ProtectableService.GetProtectableInstance": (
                lambda: bob.call(
                    bob.protectables.GetProtectableInstance,
                    protectables_pb2.GetProtectableInstanceRequest(
                        protectable_type=THING, instance_id="t1", provider_id=PROVIDER
                    ),
                ),
                OK,
            ),
            "ProtectableService.ListDependentResources": (
                lambda: bob.call(
                    bob.protectables.ListDependentResources,
                    protectables_pb2.ListDependentResourcesRequest(
                        protectable_type=THING, instance_id="t1", provider_id=PROVIDER
                    ),
                ),
                OK,
            ),
            # Quotas: another project's are admin-only; administration is admin-only.
            "QuotaService.GetQuota": (
                lambda: bob.call(
                    bob.quotas.GetQuota, quotas_pb2.GetQuotaRequest(project_id="project-a")
                ),
                DENIED,
            ),
            "QuotaService.GetQuotaUsage": (
                lambda: bob.call(
                    bob.quotas.GetQuotaUsage,
                    quotas_pb2.GetQuotaUsageRequest(project_id="project-a"),
                ),
                DENIED,
            ),
            "QuotaService.RecountQuotaUsage": (
                lambda: bob.call(
                    bob.quotas.RecountQuotaUsage,
                    quotas_pb2.RecountQuotaUsageRequest(project_id="project-a"),
                ),
                DENIED,
            ),
            "QuotaService.UpdateQuota": (
                lambda: bob.call(
                    bob.quotas.UpdateQuota,
                    quotas_pb2.UpdateQuotaRequest(
                        quota=quotas_pb2.Quota(project_id="project-a", plans=0),
                        update_mask=mask("plans"),
                    ),
                ),
                DENIED,
            ),
            "QuotaService.DeleteQuota": (
                lambda: bob.call(
                    bob.quotas.DeleteQuota, quotas_pb2.DeleteQuotaRequest(project_id="project-a")
                ),
                DENIED,
            ),
            "QuotaService.GetQuotaClass": (
                lambda: bob.call(
                    bob.quotas.GetQuotaClass,
                    quotas_pb2.GetQuotaClassRequest(quota_class_name="default"),
                ),
                OK,
            ),
            "QuotaService.UpdateQuotaClass": (
                lambda: bob.call(
                    bob.quotas.UpdateQuotaClass,
                    quotas_pb2.UpdateQuotaClassRequest(
                        quota_class=quotas_pb2.QuotaClass(name="default", plans=0),
                        update_mask=mask("plans"),
                    ),
                ),
                DENIED,
            ),
            # Restores
            "RestoreService.ListRestores": (
                lambda: bob.call(bob.restores.ListRestores, restores_pb2.ListRestoresRequest()),
                OK,
            ),
            "RestoreService.GetRestore": (
                lambda: bob.call(
                    bob.restores.GetRestore, restores_pb2.GetRestoreRequest(restore_id=restore.id)
                ),
                NOT_FOUND,
            ),
            "RestoreService.CreateRestore": (
                lambda: bob.call(
                    bob.restores.CreateRestore,
                    restores_pb2.CreateRestoreRequest(
                        restore=restores_pb2.Restore(
                            provider_id=PROVIDER, checkpoint_id=checkpoint.id
                        )
                    ),
                ),
                NOT_FOUND,
            ),
            "RestoreService.CancelRestore": (
                lambda: bob.call(
                    bob.restores.CancelRestore,
                    restores_pb2.CancelRestoreRequest(restore_id=restore.id),
                ),
                NOT_FOUND,
            ),
            "RestoreService.WatchRestore": (
                lambda: bob.call(
                    bob.restores.WatchRestore,
                    restores_pb2.WatchRestoreRequest(restore_id=restore.id),
                ),
                NOT_FOUND,
            ),
            # Scheduled operations
            "ScheduledOperationService.ListScheduledOperations": (
                lambda: bob.call(
                    bob.operations.ListScheduledOperations, so.ListScheduledOperationsRequest()
                ),
                OK,
            ),
            "ScheduledOperationService.GetScheduledOperation": (
                lambda: bob.call(
                    bob.operations.GetScheduledOperation,
                    so.GetScheduledOperationRequest(scheduled_operation_id=operation.id),
                ),
                NOT_FOUND,
            ),
            "ScheduledOperationService.CreateScheduledOperation": (  # on A's trigger and plan
                lambda: bob.call(
                    bob.operations.CreateScheduledOperation,
                    so.CreateScheduledOperationRequest(
                        scheduled_operation=so.ScheduledOperation(
                            name="bob's",
                            operation_type=so.SCHEDULED_OPERATION_TYPE_PROTECT,
                            trigger_id=trigger.id,
                            operation_definition=so.ScheduledOperationDefinition(
                                provider_id=PROVIDER, plan_id=plan.id
                            ),
                        )
                    ),
                ),
                NOT_FOUND,
            ),
            "ScheduledOperationService.UpdateScheduledOperation": (
                lambda: bob.call(
                    bob.operations.UpdateScheduledOperation,
                    so.UpdateScheduledOperationRequest(
                        scheduled_operation=so.ScheduledOperation(id=operation.id, name="taken"),
                        update_mask=mask("name"),
                    ),
                ),
                NOT_FOUND,
            ),
            "ScheduledOperationService.DeleteScheduledOperation": (
                lambda: bob.call(
                    bob.operations.DeleteScheduledOperation,
                    so.DeleteScheduledOperationRequest(scheduled_operation_id=operation.id),
                ),
                NOT_FOUND,
            ),
            # Service registry: admin administration
            "ServiceRegistryService.ListServiceInstances": (
                lambda: bob.call(
                    bob.services.ListServiceInstances, services_pb2.ListServiceInstancesRequest()
                ),
                DENIED,
            ),
            "ServiceRegistryService.UpdateServiceInstance": (
                lambda: bob.call(
                    bob.services.UpdateServiceInstance,
                    services_pb2.UpdateServiceInstanceRequest(
                        service_instance=services_pb2.ServiceInstance(
                            id=1, disabled_reason="taken over"
                        ),
                        update_mask=mask("disabled_reason"),
                    ),
                ),
                DENIED,
            ),
            # Provider access: admin only
            "ProviderAccessService.GetProviderAccess": (
                lambda: bob.call(
                    bob.access.GetProviderAccess,
                    tenancy_pb2.GetProviderAccessRequest(project_id="project-a"),
                ),
                DENIED,
            ),
            "ProviderAccessService.SetProviderAccess": (
                lambda: bob.call(
                    bob.access.SetProviderAccess,
                    tenancy_pb2.SetProviderAccessRequest(
                        provider_access=tenancy_pb2.ProviderAccess(
                            project_id="project-a", provider_ids=[]
                        )
                    ),
                ),
                DENIED,
            ),
            "ProviderAccessService.DeleteProviderAccess": (
                lambda: bob.call(
                    bob.access.DeleteProviderAccess,
                    tenancy_pb2.DeleteProviderAccessRequest(project_id="project-a"),
                ),
                DENIED,
            ),
            # Bank accounts: admin only
            "BankAccountService.GetBankAccount": (
                lambda: bob.call(
                    bob.accounts.GetBankAccount,
                    bank_accounts_pb2.GetBankAccountRequest(
                        provider_id=PROVIDER, project_id="project-a"
                    ),
                ),
                DENIED,
            ),
            "BankAccountService.ListBankAccounts": (
                lambda: bob.call(
                    bob.accounts.ListBankAccounts, bank_accounts_pb2.ListBankAccountsRequest()
                ),
                DENIED,
            ),
            "BankAccountService.SetBankAccount": (
                lambda: bob.call(
                    bob.accounts.SetBankAccount,
                    bank_accounts_pb2.SetBankAccountRequest(
                        bank_account=bank_accounts_pb2.BankAccount(
                            provider_id=PROVIDER,
                            project_id="project-a",
                            filesystem=bank_accounts_pb2.FilesystemBankAccount(
                                path=str(tmp_path / "taken")
                            ),
                        )
                    ),
                ),
                DENIED,
            ),
            "BankAccountService.DeleteBankAccount": (
                lambda: bob.call(
                    bob.accounts.DeleteBankAccount,
                    bank_accounts_pb2.DeleteBankAccountRequest(
                        provider_id=PROVIDER, project_id="project-a"
                    ),
                ),
                DENIED,
            ),
            # Triggers
            "TriggerService.ListTriggers": (
                lambda: bob.call(bob.triggers.ListTriggers, triggers_pb2.ListTriggersRequest()),
                OK,
            ),
            "TriggerService.GetTrigger": (
                lambda: bob.call(
                    bob.triggers.GetTrigger, triggers_pb2.GetTriggerRequest(trigger_id=trigger.id)
                ),
                NOT_FOUND,
            ),
            "TriggerService.CreateTrigger": (
                lambda: bob.call(
                    bob.triggers.CreateTrigger,
                    triggers_pb2.CreateTriggerRequest(
                        trigger=triggers_pb2.Trigger(
                            name="bob's",
                            type=triggers_pb2.TRIGGER_TYPE_TIME,
                            properties=triggers_pb2.TriggerProperties(
                                format=triggers_pb2.TRIGGER_FORMAT_CRONTAB, pattern="0 4 * * *"
                            ),
                        )
                    ),
                ),
                OK,
            ),
            "TriggerService.UpdateTrigger": (
                lambda: bob.call(
                    bob.triggers.UpdateTrigger,
                    triggers_pb2.UpdateTriggerRequest(
                        trigger=triggers_pb2.Trigger(id=trigger.id, name="taken"),
                        update_mask=mask("name"),
                    ),
                ),
                NOT_FOUND,
            ),
            "TriggerService.DeleteTrigger": (
                lambda: bob.call(
                    bob.triggers.DeleteTrigger,
                    triggers_pb2.DeleteTriggerRequest(trigger_id=trigger.id),
                ),
                NOT_FOUND,
            ),
            "TriggerService.FireTrigger": (
                lambda: bob.call(
                    bob.triggers.FireTrigger,
                    triggers_pb2.FireTriggerRequest(
                        trigger_id=event_trigger.id, request_id=SECRET_NAME
                    ),
                ),
                NOT_FOUND,
            ),
            "TriggerService.ListTriggerFirings": (
                lambda: bob.call(
                    bob.triggers.ListTriggerFirings,
                    triggers_pb2.ListTriggerFiringsRequest(trigger_id=event_trigger.id),
                ),
                NOT_FOUND,
            ),
            "TriggerService.GetTriggerFiring": (
                lambda: bob.call(
                    bob.triggers.GetTriggerFiring,
                    triggers_pb2.GetTriggerFiringRequest(
                        trigger_id=event_trigger.id, firing_id=firing.id
                    ),
                ),
                NOT_FOUND,
            ),
            # Verifications
            "VerificationService.ListVerifications": (
                lambda: bob.call(
                    bob.verifications.ListVerifications,
                    verifications_pb2.ListVerificationsRequest(),
                ),
                OK,
            ),
            "VerificationService.GetVerification": (
                lambda: bob.call(
                    bob.verifications.GetVerification,
                    verifications_pb2.GetVerificationRequest(verification_id=verification.id),
                ),
                NOT_FOUND,
            ),
            "VerificationService.CreateVerification": (
                lambda: bob.call(
                    bob.verifications.CreateVerification,
                    verifications_pb2.CreateVerificationRequest(
                        verification=verifications_pb2.Verification(
                            provider_id=PROVIDER, checkpoint_id=checkpoint.id
                        )
                    ),
                ),
                NOT_FOUND,
            ),
            "VerificationService.CancelVerification": (
                lambda: bob.call(
                    bob.verifications.CancelVerification,
                    verifications_pb2.CancelVerificationRequest(verification_id=verification.id),
                ),
                NOT_FOUND,
            ),
            "VerificationService.WatchVerification": (
                lambda: bob.call(
                    bob.verifications.WatchVerification,
                    verifications_pb2.WatchVerificationRequest(verification_id=verification.id),
                ),
                NOT_FOUND,
            ),
        }

        uncovered = every_rpc() - set(cases) - GLOBAL
        assert not uncovered, f"add these RPCs to the isolation test: {sorted(uncovered)}"
        wrong: dict[str, str] = {}
        for name, (call, expected) in cases.items():
            code, seen = call()
            # Echoing an id the caller sent is no leak; anything else of project A is.
            leaked = sorted(s for s in secrets if s in seen and s not in bob.asked)
            if code != expected or leaked:
                wrong[name] = f"{code.name} (expected {expected.name}); leaked {leaked}: {seen}"
        assert not wrong, "\n".join(f"{k}: {v}" for k, v in wrong.items())

        # Project A's objects are all still there and unchanged.
        kept = alice.plans.GetPlan(
            plans_pb2.GetPlanRequest(plan_id=plan.id), metadata=alice.metadata
        )
        assert kept.plan.name == SECRET_NAME
        got = alice.checkpoints.GetCheckpoint(
            checkpoints_pb2.GetCheckpointRequest(**ckpt), metadata=alice.metadata
        ).checkpoint
        assert got.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE
        alice.triggers.GetTrigger(
            triggers_pb2.GetTriggerRequest(trigger_id=trigger.id), metadata=alice.metadata
        )
        alice.operations.GetScheduledOperation(
            so.GetScheduledOperationRequest(scheduled_operation_id=operation.id),
            metadata=alice.metadata,
        )
        channel.close()
