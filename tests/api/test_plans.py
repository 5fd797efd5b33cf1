"""PlanService, quotas on plans, listing, isolation, idempotency, forwarding identity."""

from __future__ import annotations

import asyncio
import stat

import grpc
import pytest
from google.protobuf import field_mask_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from api.conftest import OTHER_PROVIDER_ID, PROVIDER_ID, VOLUME, Api, Client
from smaug.mesh.errors import field_violations
from smaug.v1 import plans_pb2, quotas_pb2, resources_pb2


def new_plan(name: str = "p1", provider_id: str = PROVIDER_ID, **kwargs: object) -> plans_pb2.Plan:
    plan = plans_pb2.Plan(
        name=name,
        provider_id=provider_id,
        resources=[resources_pb2.Resource(type=VOLUME, id="vol-1", name="v1")],
        **kwargs,  # type: ignore[arg-type]
    )
    return plan


async def create(client: Client, **kwargs: object) -> plans_pb2.Plan:
    reply = await client.call(
        client.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=new_plan(**kwargs))
    )
    return reply.plan


async def expect(code: grpc.StatusCode, call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    assert caught.value.code() == code, caught.value.details()
    return caught.value


async def test_admin_token_file_and_unauthenticated(api: Api) -> None:
    path = api.data_dir / "admin-token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    await expect(
        grpc.StatusCode.UNAUTHENTICATED,
        api.admin.plans.ListPlans(plans_pb2.ListPlansRequest(), timeout=10),
    )
    await expect(
        grpc.StatusCode.UNAUTHENTICATED,
        api.admin.plans.ListPlans(
            plans_pb2.ListPlansRequest(), metadata=(("authorization", "Bearer nope"),), timeout=10
        ),
    )
    # Karbor clients send x-auth-token.
    reply = await api.admin.plans.ListPlans(
        plans_pb2.ListPlansRequest(), metadata=(("x-auth-token", api.admin.token),), timeout=10
    )
    assert list(reply.plans) == []


async def test_plan_lifecycle(api: Api) -> None:
    client = api.admin
    parameters = new_plan()
    parameters.parameters[VOLUME].update({"backup_mode": "full"})
    plan = (
        await client.call(client.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=parameters))
    ).plan
    assert plan.status == plans_pb2.PLAN_STATUS_SUSPENDED
    assert plan.project_id == "admin"
    assert plan.parameters[VOLUME]["backup_mode"] == "full"
    # The provider was asked with the caller's signed identity.
    assert api.peer.identities[-1].project_id == "admin"
    assert "admin" in api.peer.identities[-1].roles

    got = (await client.call(client.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=plan.id))).plan
    assert got == plan

    update = plans_pb2.UpdatePlanRequest(
        plan=plans_pb2.Plan(id=plan.id, name="renamed", status=plans_pb2.PLAN_STATUS_STARTED),
        update_mask=field_mask_pb2.FieldMask(paths=["name", "status"]),
    )
    updated = (await client.call(client.plans.UpdatePlan, update)).plan
    assert updated.name == "renamed" and updated.status == plans_pb2.PLAN_STATUS_STARTED

    # A STARTED plan's resources are frozen unless the same update suspends it.
    frozen = plans_pb2.UpdatePlanRequest(
        plan=plans_pb2.Plan(
            id=plan.id, resources=[resources_pb2.Resource(type=VOLUME, id="2", name="2")]
        ),
        update_mask=field_mask_pb2.FieldMask(paths=["resources"]),
    )
    error = await expect(
        grpc.StatusCode.FAILED_PRECONDITION, client.call(client.plans.UpdatePlan, frozen)
    )
    assert "STARTED" in (error.details() or "")
    frozen.plan.status = plans_pb2.PLAN_STATUS_SUSPENDED
    frozen.update_mask.paths.append("status")
    assert len((await client.call(client.plans.UpdatePlan, frozen)).plan.resources) == 1

    await client.call(client.plans.DeletePlan, plans_pb2.DeletePlanRequest(plan_id=plan.id))
    error = await expect(
        grpc.StatusCode.NOT_FOUND,
        client.call(client.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=plan.id)),
    )
    assert plan.id in (error.details() or "") and "plan" in (error.details() or "")


async def test_plan_validation(api: Api) -> None:
    client = api.admin
    bad = plans_pb2.Plan(name=" ", provider_id="", description="x" * 300)
    bad.parameters["bad key!"].update({})
    error = await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.call(client.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=bad)),
    )
    violations = field_violations(error)
    for field in ("plan.name", "plan.provider_id", "plan.resources", "plan.description"):
        assert field in violations, violations
    assert any(k.startswith("plan.parameters") for k in violations)

    error = await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.call(
            client.plans.CreatePlan,
            plans_pb2.CreatePlanRequest(plan=new_plan(provider_id="no-such-provider")),
        ),
    )
    assert "plan.provider_id" in field_violations(error)

    unknown_option = new_plan()
    unknown_option.parameters[VOLUME].update({"colour": "blue"})
    error = await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.call(client.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=unknown_option)),
    )
    assert "backup_mode" in next(iter(field_violations(error).values()))

    for plan_id in ("", "not-a-uuid"):
        error = await expect(
            grpc.StatusCode.INVALID_ARGUMENT,
            client.call(client.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=plan_id)),
        )
        assert "plan_id" in field_violations(error)
    await expect(
        grpc.StatusCode.NOT_FOUND,
        client.call(
            client.plans.DeletePlan,
            plans_pb2.DeletePlanRequest(plan_id="3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
        ),
    )
    error = await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.call(
            client.plans.UpdatePlan,
            plans_pb2.UpdatePlanRequest(
                plan=plans_pb2.Plan(id="3f2504e0-4f89-11d3-9a0c-0305e82c3301"),
                update_mask=field_mask_pb2.FieldMask(paths=["provider_id"]),
            ),
        ),
    )
    assert "update_mask" in field_violations(error)


async def test_listing_pages_filters_and_order(api: Api) -> None:
    client = api.admin
    made = [await create(client, name=f"plan-{i:02d}") for i in range(7)]
    await create(client, name="other", provider_id=OTHER_PROVIDER_ID)
    seen: list[str] = []
    token = ""
    while True:
        reply = await client.call(
            client.plans.ListPlans,
            plans_pb2.ListPlansRequest(
                page_size=3, page_token=token, filter='name : "plan-"', order_by="name"
            ),
        )
        seen.extend(p.name for p in reply.plans)
        # A concurrent insert does not disturb the pages.
        if not token:
            await create(client, name="plan-99")
        token = reply.next_page_token
        if not token:
            break
    assert seen == [*sorted(p.name for p in made), "plan-99"]

    newest = await client.call(client.plans.ListPlans, plans_pb2.ListPlansRequest(page_size=1))
    assert newest.plans[0].name == "plan-99"
    filtered = await client.call(
        client.plans.ListPlans,
        plans_pb2.ListPlansRequest(
            filter=f'provider_id = "{OTHER_PROVIDER_ID}" AND status = SUSPENDED'
        ),
    )
    assert [p.name for p in filtered.plans] == ["other"]

    for request, field in (
        (plans_pb2.ListPlansRequest(page_size=-1), "page_size"),
        (plans_pb2.ListPlansRequest(page_token="garbage"), "page_token"),
        (plans_pb2.ListPlansRequest(filter="colour = red"), "filter"),
        (plans_pb2.ListPlansRequest(filter="status = PURPLE"), "filter"),
        (plans_pb2.ListPlansRequest(filter='name = "unterminated'), "filter"),
        (plans_pb2.ListPlansRequest(order_by="provider_id"), "order_by"),
        (plans_pb2.ListPlansRequest(order_by="name sideways"), "order_by"),
    ):
        error = await expect(
            grpc.StatusCode.INVALID_ARGUMENT, client.call(client.plans.ListPlans, request)
        )
        assert field in field_violations(error), (request, field_violations(error))
    # A token is only valid with the same request fields.
    first = await client.call(client.plans.ListPlans, plans_pb2.ListPlansRequest(page_size=2))
    await expect(
        grpc.StatusCode.INVALID_ARGUMENT,
        client.call(
            client.plans.ListPlans,
            plans_pb2.ListPlansRequest(
                page_size=2, page_token=first.next_page_token, order_by="name"
            ),
        ),
    )


async def test_isolation_between_projects(api: Api) -> None:
    alice = api.user("alice", "project-a")
    bob = api.user("bob", "project-b")
    plan = await create(alice, name="secret-plan")
    assert [
        p.id for p in (await bob.call(bob.plans.ListPlans, plans_pb2.ListPlansRequest())).plans
    ] == []
    for call in (
        bob.call(bob.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=plan.id)),
        bob.call(bob.plans.DeletePlan, plans_pb2.DeletePlanRequest(plan_id=plan.id)),
        bob.call(
            bob.plans.UpdatePlan,
            plans_pb2.UpdatePlanRequest(
                plan=plans_pb2.Plan(id=plan.id, name="x"),
                update_mask=field_mask_pb2.FieldMask(paths=["name"]),
            ),
        ),
    ):
        error = await expect(grpc.StatusCode.NOT_FOUND, call)
        assert "secret-plan" not in (error.details() or "")
    await expect(
        grpc.StatusCode.PERMISSION_DENIED,
        bob.call(bob.plans.ListPlans, plans_pb2.ListPlansRequest(all_projects=True)),
    )
    await expect(
        grpc.StatusCode.PERMISSION_DENIED,
        bob.call(bob.quotas.GetQuota, quotas_pb2.GetQuotaRequest(project_id="project-a")),
    )
    everything = await api.admin.call(
        api.admin.plans.ListPlans,
        plans_pb2.ListPlansRequest(all_projects=True, filter='project_id = "project-a"'),
    )
    assert [p.id for p in everything.plans] == [plan.id]
    usage = await bob.call(
        bob.quotas.GetQuotaUsage, quotas_pb2.GetQuotaUsageRequest(project_id="project-b")
    )
    assert usage.quota_usage.plans.in_use == 0
    # The plan is untouched.
    got = await alice.call(alice.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=plan.id))
    assert got.plan.name == "secret-plan"


async def test_plan_quota_exact_under_concurrency(api: Api) -> None:
    admin = api.admin
    await admin.call(
        admin.quotas.UpdateQuota,
        quotas_pb2.UpdateQuotaRequest(
            quota=quotas_pb2.Quota(project_id="project-q", plans=20),
            update_mask=field_mask_pb2.FieldMask(paths=["plans"]),
        ),
    )
    user = api.user("quincy", "project-q")
    results = await asyncio.gather(
        *(create(user, name=f"c{i}") for i in range(50)), return_exceptions=True
    )
    made = [r for r in results if isinstance(r, plans_pb2.Plan)]
    refused = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(made) == 20 and len(refused) == 30, [
        r for r in results if not isinstance(r, (plans_pb2.Plan, grpc.aio.AioRpcError))
    ]
    assert all(r.code() == grpc.StatusCode.RESOURCE_EXHAUSTED for r in refused)
    status = rpc_status.from_call(refused[0])  # type: ignore[arg-type]
    assert status is not None
    assert any(d.Is(error_details_pb2.QuotaFailure.DESCRIPTOR) for d in status.details)
    assert "plans" in (refused[0].details() or "") and "20" in (refused[0].details() or "")
    listed = await user.call(user.plans.ListPlans, plans_pb2.ListPlansRequest(page_size=100))
    assert len(listed.plans) == 20
    usage = await user.call(
        user.quotas.GetQuotaUsage, quotas_pb2.GetQuotaUsageRequest(project_id="project-q")
    )
    assert usage.quota_usage.plans.in_use == 20
    assert usage.quota_usage.plans.limit == 20
    # Deleting releases the unit.
    await user.call(user.plans.DeletePlan, plans_pb2.DeletePlanRequest(plan_id=made[0].id))
    usage = await user.call(
        user.quotas.GetQuotaUsage, quotas_pb2.GetQuotaUsageRequest(project_id="project-q")
    )
    assert usage.quota_usage.plans.in_use == 19


async def test_idempotent_create(api: Api) -> None:
    client = api.admin
    request = plans_pb2.CreatePlanRequest(plan=new_plan(name="once"))
    metadata = (*client.metadata, ("idempotency-key", "key-1"))
    first = await client.plans.CreatePlan(request, metadata=metadata, timeout=10)
    second = await client.plans.CreatePlan(request, metadata=metadata, timeout=10)
    assert first.plan.id == second.plan.id
    listed = await client.call(client.plans.ListPlans, plans_pb2.ListPlansRequest())
    assert len(listed.plans) == 1
