"""Provider visibility per project: the admin-only ProviderAccessService, and the api answering
every provider-scoped call for a provider the project may not use exactly as for an unknown
one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from google.protobuf import field_mask_pb2

from api.conftest import (
    OTHER_PROVIDER_ID,
    PROVIDER_ID,
    SECRET,
    VOLUME,
    Api,
    Client,
    PeerProviders,
)
from smaug.mesh import identity as mesh_identity
from smaug.mesh.errors import not_found
from smaug.mesh.server import MeshServer
from smaug.v1 import (
    checkpoints_pb2,
    plans_pb2,
    protectables_pb2,
    protectables_pb2_grpc,
    providers_pb2,
    resources_pb2,
    restores_pb2,
    tenancy_pb2,
    tenancy_pb2_grpc,
    verifications_pb2,
)

SERVER = "OS::Nova::Server"
CHECKPOINT_ID = "0b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b"
PLAN_ID = "1b1c2d3e-4f50-4617-8a9b-0c1d2e3f4a5b"


class PeerProtectables(protectables_pb2_grpc.ProtectableServiceServicer):
    """Volumes are served by both providers, servers only by OTHER_PROVIDER_ID; instance calls
    answer with the provider they were sent to, so tests see which one was chosen."""

    TYPES = {VOLUME: [PROVIDER_ID, OTHER_PROVIDER_ID], SERVER: [OTHER_PROVIDER_ID]}

    def _type(self, name: str) -> protectables_pb2.ProtectableType:
        if name not in self.TYPES:
            raise not_found("protectable type", name)
        return protectables_pb2.ProtectableType(name=name, provider_ids=self.TYPES[name])

    async def ListProtectableTypes(self, request: Any, context: Any) -> Any:
        mesh_identity.from_context(context.invocation_metadata(), SECRET)
        return protectables_pb2.ListProtectableTypesResponse(
            protectable_types=[self._type(n) for n in sorted(self.TYPES)]
        )

    async def GetProtectableType(self, request: Any, context: Any) -> Any:
        return protectables_pb2.GetProtectableTypeResponse(
            protectable_type=self._type(request.protectable_type)
        )

    async def ListProtectableInstances(self, request: Any, context: Any) -> Any:
        provider = request.provider_id or self.TYPES[request.protectable_type][0]
        return protectables_pb2.ListProtectableInstancesResponse(
            instances=[
                protectables_pb2.ProtectableInstance(
                    resource=resources_pb2.Resource(
                        type=request.protectable_type, id=provider, name="i"
                    )
                )
            ]
        )

    async def GetProtectableInstance(self, request: Any, context: Any) -> Any:
        return protectables_pb2.GetProtectableInstanceResponse()

    async def ListDependentResources(self, request: Any, context: Any) -> Any:
        return protectables_pb2.ListDependentResourcesResponse()


@pytest.fixture
async def peer() -> AsyncIterator[tuple[str, PeerProviders]]:
    """The conftest peer plus a ProtectableService (overrides the conftest fixture)."""
    server = MeshServer("peer", "127.0.0.1:0")
    providers = PeerProviders()
    protectables = PeerProtectables()
    from smaug.v1 import providers_pb2_grpc

    server.add(
        "smaug.v1.ProviderService",
        lambda s: providers_pb2_grpc.add_ProviderServiceServicer_to_server(providers, s),
    )
    server.add(
        "smaug.v1.ProtectableService",
        lambda s: protectables_pb2_grpc.add_ProtectableServiceServicer_to_server(protectables, s),
    )
    await server.start()
    yield server.bound_address, providers
    await server.server.stop(None)


def access_stub(client: Client) -> tenancy_pb2_grpc.ProviderAccessServiceStub:
    return tenancy_pb2_grpc.ProviderAccessServiceStub(client.channel)


async def set_access(
    api: Api, project_id: str, provider_ids: list[str], all_providers: bool = False
) -> tenancy_pb2.ProviderAccess:
    reply = await api.admin.call(
        access_stub(api.admin).SetProviderAccess,
        tenancy_pb2.SetProviderAccessRequest(
            provider_access=tenancy_pb2.ProviderAccess(
                project_id=project_id, provider_ids=provider_ids, all_providers=all_providers
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["provider_ids", "all_providers"]),
        ),
    )
    return reply.provider_access


async def get_access(api: Api, project_id: str) -> tenancy_pb2.ProviderAccess:
    reply = await api.admin.call(
        access_stub(api.admin).GetProviderAccess,
        tenancy_pb2.GetProviderAccessRequest(project_id=project_id),
    )
    return reply.provider_access


async def code_of(call: Any) -> tuple[grpc.StatusCode, str]:
    try:
        result = call()
        if hasattr(result, "__aiter__"):
            async for _ in result:
                pass
        else:
            await result
    except grpc.aio.AioRpcError as error:
        return error.code(), error.details() or ""
    return grpc.StatusCode.OK, ""


def provider_scoped_calls(client: Client, provider_id: str) -> dict[str, Any]:
    """Every provider-scoped call the api forwards, naming ``provider_id``."""
    c, cp = client, client.checkpoints
    md = {"metadata": client.metadata, "timeout": 30}
    restore = restores_pb2.Restore(provider_id=provider_id, checkpoint_id=CHECKPOINT_ID)
    verification = verifications_pb2.Verification(
        provider_id=provider_id, checkpoint_id=CHECKPOINT_ID
    )
    one = {"provider_id": provider_id, "checkpoint_id": CHECKPOINT_ID}
    return {
        "GetProvider": lambda: c.call(
            c.providers.GetProvider, providers_pb2.GetProviderRequest(provider_id=provider_id)
        ),
        "ListProtectableTypes": lambda: c.call(
            c.protectables.ListProtectableTypes,
            protectables_pb2.ListProtectableTypesRequest(provider_id=provider_id),
        ),
        "ListProtectableInstances": lambda: c.call(
            c.protectables.ListProtectableInstances,
            protectables_pb2.ListProtectableInstancesRequest(
                protectable_type=VOLUME, provider_id=provider_id
            ),
        ),
        "GetProtectableInstance": lambda: c.call(
            c.protectables.GetProtectableInstance,
            protectables_pb2.GetProtectableInstanceRequest(
                protectable_type=VOLUME, instance_id="v1", provider_id=provider_id
            ),
        ),
        "ListDependentResources": lambda: c.call(
            c.protectables.ListDependentResources,
            protectables_pb2.ListDependentResourcesRequest(
                protectable_type=VOLUME, instance_id="v1", provider_id=provider_id
            ),
        ),
        "ListCheckpoints": lambda: c.call(
            cp.ListCheckpoints, checkpoints_pb2.ListCheckpointsRequest(provider_id=provider_id)
        ),
        "GetCheckpoint": lambda: c.call(
            cp.GetCheckpoint, checkpoints_pb2.GetCheckpointRequest(**one)
        ),
        "CreateCheckpoint": lambda: c.call(
            cp.CreateCheckpoint,
            checkpoints_pb2.CreateCheckpointRequest(provider_id=provider_id, plan_id=PLAN_ID),
        ),
        "DeleteCheckpoint": lambda: c.call(
            cp.DeleteCheckpoint, checkpoints_pb2.DeleteCheckpointRequest(**one)
        ),
        "ResetCheckpointState": lambda: c.call(
            cp.ResetCheckpointState,
            checkpoints_pb2.ResetCheckpointStateRequest(
                **one, status=checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE
            ),
        ),
        "CancelCheckpoint": lambda: c.call(
            cp.CancelCheckpoint, checkpoints_pb2.CancelCheckpointRequest(**one)
        ),
        "CopyCheckpoints": lambda: c.call(
            cp.CopyCheckpoints,
            checkpoints_pb2.CopyCheckpointsRequest(provider_id=provider_id, plan_id=PLAN_ID),
        ),
        "CopyCheckpoints to": lambda: c.call(
            cp.CopyCheckpoints,
            checkpoints_pb2.CopyCheckpointsRequest(
                provider_id=PROVIDER_ID if provider_id != PROVIDER_ID else OTHER_PROVIDER_ID,
                destination_provider_id=provider_id,
                plan_id=PLAN_ID,
            ),
        ),
        "WatchCheckpoint": lambda: cp.WatchCheckpoint(
            checkpoints_pb2.WatchCheckpointRequest(**one), **md
        ),
        "CreateRestore": lambda: c.call(
            c.restores.CreateRestore, restores_pb2.CreateRestoreRequest(restore=restore)
        ),
        "CreateVerification": lambda: c.call(
            c.verifications.CreateVerification,
            verifications_pb2.CreateVerificationRequest(verification=verification),
        ),
    }


def plan_request(provider_id: str) -> plans_pb2.CreatePlanRequest:
    plan = plans_pb2.Plan(name="p", provider_id=provider_id)
    plan.resources.add(type=VOLUME, id="v1", name="v1")
    return plans_pb2.CreatePlanRequest(plan=plan)


async def listed(client: Client) -> list[str]:
    reply = await client.call(client.providers.ListProviders, providers_pb2.ListProvidersRequest())
    return [p.id for p in reply.providers]


async def test_without_configuration_every_provider_is_visible(api: Api) -> None:
    alice = api.user("alice", "project-a")
    assert await listed(alice) == [PROVIDER_ID, OTHER_PROVIDER_ID]
    got = await get_access(api, "project-a")
    assert got.all_providers and got.source == tenancy_pb2.PROVIDER_ACCESS_SOURCE_NONE
    created = await alice.call(alice.plans.CreatePlan, plan_request(OTHER_PROVIDER_ID))
    assert created.plan.provider_id == OTHER_PROVIDER_ID


async def test_admin_rpcs_refuse_non_admins(api: Api) -> None:
    alice = api.user("alice", "project-a")
    stub = access_stub(alice)
    mask = field_mask_pb2.FieldMask(paths=["provider_ids"])
    calls = [
        (stub.GetProviderAccess, tenancy_pb2.GetProviderAccessRequest(project_id="project-a")),
        (
            stub.SetProviderAccess,
            tenancy_pb2.SetProviderAccessRequest(
                provider_access=tenancy_pb2.ProviderAccess(
                    project_id="project-a", provider_ids=[PROVIDER_ID, OTHER_PROVIDER_ID]
                ),
                update_mask=mask,
            ),
        ),
        (
            stub.DeleteProviderAccess,
            tenancy_pb2.DeleteProviderAccessRequest(project_id="project-a"),
        ),
    ]
    for method, request in calls:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await alice.call(method, request)
        assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_set_validates(api: Api) -> None:
    stub = access_stub(api.admin)
    for request in [
        tenancy_pb2.SetProviderAccessRequest(
            provider_access=tenancy_pb2.ProviderAccess(project_id="p")
        ),
        tenancy_pb2.SetProviderAccessRequest(
            provider_access=tenancy_pb2.ProviderAccess(project_id="p"),
            update_mask=field_mask_pb2.FieldMask(paths=["nope"]),
        ),
        tenancy_pb2.SetProviderAccessRequest(
            provider_access=tenancy_pb2.ProviderAccess(project_id="", provider_ids=["x"]),
            update_mask=field_mask_pb2.FieldMask(paths=["provider_ids"]),
        ),
        tenancy_pb2.SetProviderAccessRequest(
            provider_access=tenancy_pb2.ProviderAccess(project_id="p", provider_ids=["a\nb"]),
            update_mask=field_mask_pb2.FieldMask(paths=["provider_ids"]),
        ),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await api.admin.call(stub.SetProviderAccess, request)
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT, request


async def test_each_project_sees_only_its_provider(api: Api) -> None:
    alice = api.user("alice", "project-a")
    bob = api.user("bob", "project-b")
    # Alice's plan on the other provider exists before access is restricted.
    before = await alice.call(alice.plans.CreatePlan, plan_request(OTHER_PROVIDER_ID))

    got = await set_access(api, "project-a", [PROVIDER_ID])
    assert list(got.provider_ids) == [PROVIDER_ID] and not got.all_providers
    assert got.source == tenancy_pb2.PROVIDER_ACCESS_SOURCE_PROJECT
    await set_access(api, "project-b", [OTHER_PROVIDER_ID])

    assert await listed(alice) == [PROVIDER_ID]
    assert await listed(bob) == [OTHER_PROVIDER_ID]
    assert await listed(api.admin) == [PROVIDER_ID, OTHER_PROVIDER_ID]

    for client, hidden, visible in (
        (alice, OTHER_PROVIDER_ID, PROVIDER_ID),
        (bob, PROVIDER_ID, OTHER_PROVIDER_ID),
    ):
        for name, call in provider_scoped_calls(client, hidden).items():
            code, details = await code_of(call)
            assert (code, details) == (
                grpc.StatusCode.NOT_FOUND,
                f"provider {hidden} not found",
            ), name
        for name, call in provider_scoped_calls(client, visible).items():
            code, details = await code_of(call)
            # Past the check: forwarded (the peer serves no checkpoints or restores).
            assert code in (
                grpc.StatusCode.OK,
                grpc.StatusCode.UNIMPLEMENTED,
                grpc.StatusCode.PERMISSION_DENIED,  # ResetCheckpointState is admin only
            ) or (name == "CopyCheckpoints to"), (name, code, details)

        # A plan on the hidden provider is refused exactly as on an unknown provider.
        with pytest.raises(grpc.aio.AioRpcError) as hidden_error:
            await client.call(client.plans.CreatePlan, plan_request(hidden))
        with pytest.raises(grpc.aio.AioRpcError) as unknown_error:
            await client.call(
                client.plans.CreatePlan, plan_request("00000000-0000-4000-8000-000000000000")
            )
        assert hidden_error.value.code() == unknown_error.value.code()
        assert hidden_error.value.details() == unknown_error.value.details().replace(
            "00000000-0000-4000-8000-000000000000", hidden
        )
        created = await client.call(client.plans.CreatePlan, plan_request(visible))
        assert created.plan.provider_id == visible

    # Admins see every provider whatever their project's access.
    await set_access(api, "admin", [])
    assert await listed(api.admin) == [PROVIDER_ID, OTHER_PROVIDER_ID]
    code, _ = await code_of(provider_scoped_calls(api.admin, OTHER_PROVIDER_ID)["GetProvider"])
    assert code == grpc.StatusCode.OK

    # Nothing was deleted; removing the entry makes the provider visible again at once.
    await api.admin.call(
        access_stub(api.admin).DeleteProviderAccess,
        tenancy_pb2.DeleteProviderAccessRequest(project_id="project-a"),
    )
    assert await listed(alice) == [PROVIDER_ID, OTHER_PROVIDER_ID]
    again = await alice.call(alice.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=before.plan.id))
    assert again.plan.provider_id == OTHER_PROVIDER_ID


async def test_default_entry_applies_to_projects_without_their_own(api: Api) -> None:
    carol = api.user("carol", "project-c")
    dave = api.user("dave", "project-d")
    got = await set_access(api, "*", [OTHER_PROVIDER_ID])
    assert got.source == tenancy_pb2.PROVIDER_ACCESS_SOURCE_DEFAULT
    await set_access(api, "project-d", [], all_providers=True)
    assert await listed(carol) == [OTHER_PROVIDER_ID]
    assert await listed(dave) == [PROVIDER_ID, OTHER_PROVIDER_ID]
    seen = await get_access(api, "project-c")
    assert seen.source == tenancy_pb2.PROVIDER_ACCESS_SOURCE_DEFAULT
    assert list(seen.provider_ids) == [OTHER_PROVIDER_ID] and seen.project_id == "project-c"
    # An empty default hides every provider from projects without their own entry.
    await set_access(api, "*", [])
    assert await listed(carol) == []
    code, _ = await code_of(provider_scoped_calls(carol, PROVIDER_ID)["GetProvider"])
    assert code == grpc.StatusCode.NOT_FOUND


async def test_protectable_types_show_only_visible_providers(api: Api) -> None:
    alice = api.user("alice", "project-a")
    await set_access(api, "project-a", [PROVIDER_ID])
    types = await alice.call(
        alice.protectables.ListProtectableTypes, protectables_pb2.ListProtectableTypesRequest()
    )
    assert [(t.name, list(t.provider_ids)) for t in types.protectable_types] == [
        (VOLUME, [PROVIDER_ID])
    ]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await alice.call(
            alice.protectables.GetProtectableType,
            protectables_pb2.GetProtectableTypeRequest(protectable_type=SERVER),
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    # Without a provider_id, instance calls go to a provider the project may use.
    await set_access(api, "project-a", [OTHER_PROVIDER_ID])
    found = await alice.call(
        alice.protectables.ListProtectableInstances,
        protectables_pb2.ListProtectableInstancesRequest(protectable_type=VOLUME),
    )
    assert [i.resource.id for i in found.instances] == [OTHER_PROVIDER_ID]
    await set_access(api, "project-a", [])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await alice.call(
            alice.protectables.ListProtectableInstances,
            protectables_pb2.ListProtectableInstancesRequest(protectable_type=VOLUME),
        )
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
