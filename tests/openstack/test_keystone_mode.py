"""The api's Keystone mode against the real Keystone: tokens are validated there, every call is
scoped to the token's project, and the OpenStack plugins act as the caller."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from smaug.v1 import (
    checkpoints_pb2,
    plans_pb2,
    protectables_pb2,
    providers_pb2,
)
from support.openstack import (
    PROVIDER,
    KeystoneApi,
    OpenStackCloud,
    Tenant,
    clean_tenant,
    make_tenant,
    openstack_plugin,
)

PROJECT = "OS::Keystone::Project"


def refused(call: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call()
    return caught.value


@pytest.fixture
def second_project(openstack_cloud: OpenStackCloud) -> Any:
    tenant = make_tenant(openstack_cloud)
    try:
        yield tenant
    finally:
        clean_tenant(tenant)


def test_tokens_and_projects_come_from_keystone(
    openstack_project: Tenant, second_project: Tenant, openstack_mesh_factory: Any
) -> None:
    mesh = openstack_mesh_factory([openstack_plugin("project")])
    alice = KeystoneApi(mesh, openstack_project)
    bob = KeystoneApi(mesh, second_project)
    list_providers = alice.providers.ListProviders

    bogus = refused(
        lambda: list_providers(
            providers_pb2.ListProvidersRequest(), metadata=(("x-auth-token", "gAAAAAbogus"),)
        )
    )
    assert bogus.code() == grpc.StatusCode.UNAUTHENTICATED
    missing = refused(lambda: list_providers(providers_pb2.ListProvidersRequest()))
    assert missing.code() == grpc.StatusCode.UNAUTHENTICATED

    providers = alice.call(list_providers, providers_pb2.ListProvidersRequest())
    assert PROVIDER in [p.id for p in providers.providers]

    # The project protectable is the caller's own project, and no other exists to them.
    listed = alice.call(
        alice.protectables.ListProtectableInstances,
        protectables_pb2.ListProtectableInstancesRequest(
            protectable_type=PROJECT, provider_id=PROVIDER
        ),
    )
    assert [(i.resource.id, i.resource.name) for i in listed.instances] == [
        (openstack_project.project_id, openstack_project.project_name)
    ]
    hidden = refused(
        lambda: alice.call(
            alice.protectables.GetProtectableInstance,
            protectables_pb2.GetProtectableInstanceRequest(
                protectable_type=PROJECT,
                instance_id=second_project.project_id,
                provider_id=PROVIDER,
            ),
        )
    )
    assert hidden.code() == grpc.StatusCode.NOT_FOUND

    # Alice protects her project; the plan and checkpoint are hers alone.
    plan = plans_pb2.Plan(name="alice", provider_id=PROVIDER)
    plan.resources.add(
        type=PROJECT, id=openstack_project.project_id, name=openstack_project.project_name
    )
    created = alice.call(alice.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan)).plan
    assert created.project_id == openstack_project.project_id
    checkpoint = alice.call(
        alice.checkpoints.CreateCheckpoint,
        checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=created.id),
    ).checkpoint
    alice.settle(checkpoint.id, timeout=120)
    done = alice.call(
        alice.checkpoints.GetCheckpoint,
        checkpoints_pb2.GetCheckpointRequest(provider_id=PROVIDER, checkpoint_id=checkpoint.id),
    ).checkpoint
    assert done.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, done.status_reason
    assert done.project_id == openstack_project.project_id

    for call in (
        lambda: bob.call(bob.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=created.id)),
        lambda: bob.call(
            bob.checkpoints.GetCheckpoint,
            checkpoints_pb2.GetCheckpointRequest(provider_id=PROVIDER, checkpoint_id=checkpoint.id),
        ),
        lambda: bob.call(
            bob.checkpoints.CreateCheckpoint,
            checkpoints_pb2.CreateCheckpointRequest(provider_id=PROVIDER, plan_id=created.id),
        ),
    ):
        assert refused(call).code() == grpc.StatusCode.NOT_FOUND
    bobs = bob.call(
        bob.checkpoints.ListCheckpoints,
        checkpoints_pb2.ListCheckpointsRequest(provider_id=PROVIDER),
    )
    assert list(bobs.checkpoints) == []
    assert list(bob.call(bob.plans.ListPlans, plans_pb2.ListPlansRequest()).plans) == []

    # A member asking for every project's checkpoints is refused; only admins may.
    everyone = refused(
        lambda: alice.call(
            alice.checkpoints.ListCheckpoints,
            checkpoints_pb2.ListCheckpointsRequest(provider_id=PROVIDER, all_projects=True),
        )
    )
    assert everyone.code() == grpc.StatusCode.PERMISSION_DENIED
