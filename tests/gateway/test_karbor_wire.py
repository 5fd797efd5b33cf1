"""The Karbor face on the wire (raw HTTP): fault envelopes for every error class, statuses,
paths with colons, wrapper keys, string-typed fields, links, and the native face beside it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from gateway.cloud_plugin import SERVERS
from gateway.conftest import PROVIDER, Cloud

SERVER = next(iter(SERVERS))


def call(
    cloud: Cloud, method: str, path: str, body: Any = None, token: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(cloud.url + path, data=data, method=method)
    request.add_header("X-Auth-Token", cloud.token if token is None else token)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def ok(cloud: Cloud, method: str, path: str, body: Any = None) -> Any:
    status, _, raw = call(cloud, method, path, body)
    assert status == 200, raw
    return json.loads(raw) if raw else None


def fault(cloud: Cloud, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    status, headers, raw = call(cloud, method, path, body, token)
    assert headers["Content-Type"].startswith("application/json")
    envelope = json.loads(raw)
    ((name, inner),) = envelope.items()
    assert inner["code"] == status and isinstance(inner["message"], str)
    return status, name, inner["message"]


def plan_body(name: str = "p") -> dict[str, Any]:
    return {
        "plan": {
            "name": name,
            "description": None,
            "provider_id": PROVIDER,
            "resources": [{"id": SERVER, "type": "OS::Nova::Server", "name": "vm1"}],
            "parameters": {},
        }
    }


def test_paths_with_colons_route(cloud: Cloud) -> None:
    for segment in ("OS::Nova::Server", "OS%3A%3ANova%3A%3AServer"):
        shown = ok(cloud, "GET", f"/v1/admin/protectables/{segment}")
        assert shown == {
            "protectable_type": {
                "name": "OS::Nova::Server",
                "dependent_types": ["OS::Cinder::Volume"],
            }
        }
        instance = ok(cloud, "GET", f"/v1/admin/protectables/{segment}/instances/{SERVER}")
        assert instance["instance"]["extra_info"] is None
    # Native face, same path shape without the project.
    native = ok(cloud, "GET", "/v1/protectables/OS::Nova::Server")
    assert native["protectable_type"]["name"] == "OS::Nova::Server"


def test_every_error_class_in_karbors_envelope(cloud: Cloud) -> None:
    assert fault(cloud, "GET", "/v1/other/plans") == (400, "badRequest", "Malformed request url")
    status, name, message = fault(cloud, "GET", "/v1/admin/plans?limit=x")
    assert (status, name, message) == (400, "badRequest", "limit param must be an integer")
    status, name, _ = fault(cloud, "GET", "/v1/admin/protectables/OS::Nope::Thing")
    assert (status, name) == (400, "badRequest")
    assert fault(cloud, "GET", "/v1/admin/plans", token="nope")[:2] == (401, "unauthorized")
    # 403: a member of project demo may not change quotas or list services.
    status, name, _ = fault(
        cloud, "PUT", "/v1/demo/quotas/demo", {"quota": {"plans": 3}}, token=cloud.member_token
    )
    assert (status, name) == (403, "forbidden")
    assert fault(cloud, "GET", "/v1/demo/os-services", token=cloud.member_token)[:2] == (
        403,
        "forbidden",
    )
    missing = "5a0b7e1e-0000-4000-8000-000000000000"
    assert fault(cloud, "GET", f"/v1/admin/plans/{missing}") == (
        404,
        "itemNotFound",
        f"Plan {missing} could not be found.",
    )
    assert fault(cloud, "GET", "/v1/admin/nothing-here")[:2] == (404, "itemNotFound")
    assert fault(cloud, "PATCH", "/v1/admin/plans")[:2] == (405, "badMethod")
    # 413: over the plan quota.
    ok(cloud, "PUT", "/v1/admin/quotas/admin", {"quota": {"plans": 1}})
    try:
        first = ok(cloud, "POST", "/v1/admin/plans", plan_body("one"))["plan"]
        status, name, message = fault(cloud, "POST", "/v1/admin/plans", plan_body("two"))
        assert (status, name, message) == (
            413,
            "overLimit",
            "Maximum number of plans allowed (1) exceeded",
        )
    finally:
        status, _, raw = call(cloud, "DELETE", "/v1/admin/quotas/admin")
        assert (status, raw) == (200, b"")
    # 424: a trigger in use.
    trigger = ok(
        cloud,
        "POST",
        "/v1/admin/triggers",
        {
            "trigger_info": {
                "name": "t",
                "type": "time",
                "properties": {"format": "crontab", "pattern": "0 2 * * *", "window": 900},
            }
        },
    )["trigger_info"]
    assert trigger["properties"]["window"] == "900"
    operation = ok(
        cloud,
        "POST",
        "/v1/admin/scheduled_operations",
        {
            "scheduled_operation": {
                "name": "so",
                "operation_type": "protect",
                "trigger_id": trigger["id"],
                "operation_definition": {"provider_id": PROVIDER, "plan_id": first["id"]},
            }
        },
    )["scheduled_operation"]
    assert fault(cloud, "DELETE", f"/v1/admin/triggers/{trigger['id']}") == (
        424,
        "computeFault",
        "Trigger is being used by one or more operations",
    )
    listed = ok(cloud, "GET", "/v1/admin/scheduled_operations")
    assert list(listed) == ["operations"]
    for path in (
        f"/v1/admin/scheduled_operations/{operation['id']}",
        f"/v1/admin/triggers/{trigger['id']}",
        f"/v1/admin/plans/{first['id']}",
    ):
        status, _, raw = call(cloud, "DELETE", path)
        assert (status, raw) == (200, b"")


def test_wire_shapes(cloud: Cloud) -> None:
    status, headers, raw = call(cloud, "POST", "/v1/admin/plans", plan_body("shape"))
    assert status == 200 and headers["X-Openstack-Request-Id"].startswith("req-")
    plan = json.loads(raw)["plan"]
    assert set(plan) == {
        "id",
        "name",
        "description",
        "resources",
        "provider_id",
        "status",
        "parameters",
    }
    assert plan["description"] is None and "extra_info" not in plan["resources"][0]
    # Full page: <collection>_links with the next marker; absent otherwise.
    second = ok(cloud, "POST", "/v1/admin/plans", plan_body("shape2"))["plan"]
    page = ok(cloud, "GET", "/v1/admin/plans?limit=1&sort=name:asc")
    assert [p["name"] for p in page["plans"]] == ["shape"]
    (link,) = page["plans_links"]
    assert link["rel"] == "next" and f"marker={plan['id']}" in link["href"]
    assert link["href"].startswith(cloud.url + "/v1/admin/plans?")
    rest = ok(cloud, "GET", f"/v1/admin/plans?sort=name:asc&marker={plan['id']}")
    assert [p["name"] for p in rest["plans"]] == ["shape2"] and "plans_links" not in rest
    # Checkpoint create takes "extra-info" (hyphen); strings where Karbor has strings.
    created = ok(
        cloud,
        "POST",
        f"/v1/admin/providers/{PROVIDER}/checkpoints",
        {"checkpoint": {"plan_id": plan["id"], "extra-info": {"k": "v"}}},
    )["checkpoint"]
    assert created["resource_graph"] is None and created["created_at"] is None
    assert "provider_id" not in created["protection_plan"]
    assert json.loads(created["extra_info"]) == {"k": "v"}
    # Reset state and delete answer {}.
    path = f"/v1/admin/providers/{PROVIDER}/checkpoints/{created['id']}"
    for _ in range(100):
        shown = ok(cloud, "GET", path)["checkpoint"]
        if shown["status"] == "available":
            break
    assert isinstance(shown["resource_graph"], str) and len(shown["created_at"]) == 10
    assert ok(cloud, "PUT", path, {"os-resetState": {"state": "available"}}) == {}
    assert fault(cloud, "PUT", path, {"os-resetState": {"state": "bogus"}})[0] == 400
    assert ok(cloud, "DELETE", path) == {}
    for p in (plan, second):
        ok(cloud, "DELETE", f"/v1/admin/plans/{p['id']}")


def test_root_and_native_face(cloud: Cloud) -> None:
    status, _, raw = call(cloud, "GET", "/")
    assert status == 300 and json.loads(raw)["versions"][0]["id"] == "v1.0"
    native = ok(cloud, "GET", "/v1/providers")
    assert "next_page_token" in native  # proto field names on the native face
    assert native["providers"][0]["resource_types"][0]["resource_type"]
    status, _, raw = call(cloud, "GET", "/v1/plans/not-a-uuid")
    assert status == 400 and json.loads(raw)["code"] == 3  # grpc-gateway's status body
    status, _, raw = call(cloud, "GET", "/openapi/smaug.v1.json")
    assert status == 200 and json.loads(raw)["swagger"] == "2.0"


@pytest.mark.parametrize("path", ["/v1/admin/plans", "/v1/admin/triggers"])
def test_identity_is_passed_through(cloud: Cloud, path: str) -> None:
    # The member of project demo sees its own (empty) project through its own token.
    status, _, raw = call(cloud, "GET", path.replace("admin", "demo"), token=cloud.member_token)
    assert status == 200 and json.loads(raw) in ({"plans": []}, {"triggers": []})


def test_event_triggers_on_both_faces(cloud: Cloud) -> None:
    """The native face fires event triggers (POST .../triggers/{id}:fire); Karbor's face lists
    them as type "event" and leaves their rule alone."""
    created = ok(
        cloud,
        "POST",
        "/v1/triggers",
        {
            "name": "pre-release",
            "type": "TRIGGER_TYPE_EVENT",
            "properties": {"event": {"call": {}, "quiet_period_seconds": 60}},
        },
    )["trigger"]
    path = f"/v1/triggers/{created['id']}"
    fired = ok(cloud, "POST", f"{path}:fire", {"request_id": "ci-77", "description": "v2"})
    assert fired["event"]["id"] == "call:ci-77" and not fired.get("duplicate")
    again = ok(cloud, "POST", f"{path}:fire", {"request_id": "ci-77"})
    assert again["duplicate"] is True and again["firing"]["id"] == fired["firing"]["id"]
    firing = ok(cloud, "GET", f"{path}/firings/{fired['firing']['id']}")["firing"]
    assert firing["state"] == "TRIGGER_FIRING_STATE_PENDING" and firing["event_count"] == 1
    assert [f["id"] for f in ok(cloud, "GET", f"{path}/firings")["firings"]] == [firing["id"]]

    karbor = f"/v1/admin/triggers/{created['id']}"
    view = ok(cloud, "GET", karbor)["trigger_info"]
    assert view["type"] == "event"
    assert view["properties"]["source"] == "call" and view["properties"]["quiet_period"] == "60"
    assert view["properties"]["window"] == "900" and "pattern" not in view["properties"]
    events = ok(cloud, "GET", "/v1/admin/triggers?type=event")["triggers"]
    assert created["id"] in [t["id"] for t in events]
    assert created["id"] not in [
        t["id"] for t in ok(cloud, "GET", "/v1/admin/triggers?type=time")["triggers"]
    ]
    status, _, message = fault(
        cloud,
        "PUT",
        karbor,
        {"trigger_info": {"properties": {"start_time": "2030-01-01 00:00:00"}}},
    )
    assert status == 400 and "native API" in message
    assert ok(cloud, "DELETE", karbor) is None


def test_bank_accounts_on_the_native_face(cloud: Cloud) -> None:
    root = cloud.mesh.data_dir.parent / "accounts"  # the default root beside the bank
    path = f"/v1/providers/{PROVIDER}/bank_accounts/rest-project"
    made = ok(cloud, "PUT", path, {"filesystem": {"path": str(root / "rest")}})
    assert made["bank_account"]["uri"] == f"file://{root / 'rest'}"
    assert ok(cloud, "GET", path)["bank_account"]["project_id"] == "rest-project"
    listed = ok(cloud, "GET", f"/v1/bank_accounts?provider_id={PROVIDER}")
    assert [a["project_id"] for a in listed["bank_accounts"]] == ["rest-project"]
    status, _, _ = call(cloud, "GET", path, token=cloud.member_token)
    assert status == 403
    status, _, raw = call(cloud, "PUT", path, {"filesystem": {"path": "relative"}})
    assert status == 400 and b"bank_account.filesystem.path" in raw
    assert ok(cloud, "DELETE", path) == {}
    assert call(cloud, "GET", path)[0] == 404
