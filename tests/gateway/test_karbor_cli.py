"""The real python-karborclient against the Karbor face: the legacy `karbor` command and
`openstack data protection` through a whole life cycle, every command exiting 0 and printing
what it prints against karbor-api."""

from __future__ import annotations

import json
import re
import subprocess
import time

import pytest
from gateway.cloud_plugin import SERVERS, VOLUMES
from gateway.conftest import PROVIDER, Cloud

from support.mesh import VENV_BIN

SERVER, SERVER2 = list(SERVERS)
VOLUME = next(iter(VOLUMES))
PATTERN = r"BEGIN:VEVENT\nRRULE:FREQ=DAILY;INTERVAL=1;\nEND:VEVENT"


def run(argv: list[str], timeout: float = 60) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(argv)}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.stdout


def fails(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0, done.stdout
    return done.stdout + done.stderr


def table(text: str) -> dict[str, str]:
    """A `Property | Value` table as a dict (multi-line values joined)."""
    found: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        if not line.startswith("|"):
            continue
        key, value = (cell.strip() for cell in line.strip("|").split("|", 1))
        if key in ("Property", "Field"):
            continue
        if key:
            last = key
            found[key] = value
        else:
            found[last] += "\n" + value
    return found


def rows(text: str) -> list[list[str]]:
    """The rows of a list table (first line of each cell)."""
    out = []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if cells and cells[0] and cells[0] not in ("Id", "ID", "Protectable type"):
                out.append(cells)
    return out


class Karbor:
    def __init__(self, cloud: Cloud) -> None:
        self.base = [
            str(VENV_BIN / "karbor"),
            "--os-no-client-auth",
            "--karbor-url",
            cloud.karbor_url(),
            "--os-auth-token",
            cloud.token,
        ]
        self.osc = [
            str(VENV_BIN / "openstack"),
            "--os-auth-type",
            "admin_token",
            "--os-token",
            cloud.token,
            "--os-endpoint",
            cloud.karbor_url(),
            "data",
            "protection",
        ]

    def __call__(self, *args: str) -> str:
        return run([*self.base, *args])

    def os(self, *args: str) -> str:
        return run([*self.osc, *args])

    def wait(self, show: list[str], field: str, want: str, seconds: float = 30) -> dict[str, str]:
        deadline = time.monotonic() + seconds
        while True:
            shown = table(self(*show))
            if shown[field] == want or time.monotonic() > deadline:
                assert shown[field] == want, shown
                return shown
            time.sleep(0.3)


@pytest.fixture(scope="module")
def karbor(cloud: Cloud) -> Karbor:
    return Karbor(cloud)


def test_protectables_and_instances(karbor: Karbor) -> None:
    types = [r[0] for r in rows(karbor("protectable-list"))]
    assert types == ["OS::Cinder::Volume", "OS::Keystone::Project", "OS::Nova::Server"]
    shown = table(karbor("protectable-show", "OS::Nova::Server"))
    assert shown == {"dependent_types": "['OS::Cinder::Volume']", "name": "OS::Nova::Server"}
    listed = karbor("protectable-list-instances", "OS::Nova::Server")
    assert [r[:3] for r in rows(listed) if r[1]] == [
        [SERVER, "OS::Nova::Server", "vm1"],
        [SERVER2, "OS::Nova::Server", "vm2"],
    ]
    assert '"availability_zone": "az1"' in listed  # dependents' extra_info
    instance = table(karbor("protectable-show-instance", "OS::Nova::Server", SERVER))
    assert instance["id"] == SERVER and instance["extra_info"] == "None"
    assert VOLUME in instance["dependent_resources"]
    # OSC, same calls; a type with colons is a path segment.
    assert "OS::Nova::Server" in karbor.os("protectable", "list")
    assert "OS::Cinder::Volume" in karbor.os("protectable", "show", "OS::Nova::Server")
    # (`openstack data protection protectable instance list` dies client-side with "Invalid
    # formatter provided." under current osc-lib, whatever the server says.)


def test_life_cycle(karbor: Karbor, cloud: Cloud) -> None:
    assert PROVIDER in karbor("provider-list")
    provider = table(karbor("provider-show", PROVIDER))
    assert "backup_mode" in provider["extended_info_schema"]

    # Plan: the client checks each resource with GET .../instances/<id> first.
    plan = table(
        karbor(
            "plan-create",
            "p1",
            PROVIDER,
            f"{SERVER}=OS::Nova::Server=vm1,{VOLUME}=OS::Cinder::Volume=vol1",
            "--parameters",
            "resource_type=OS::Cinder::Volume,backup_mode=full",
            "--description",
            "nightly",
        )
    )
    plan_id = plan["id"]
    assert plan["status"] == "suspended" and plan["description"] == "nightly"
    assert json.loads(plan["parameters"]) == {"OS::Cinder::Volume": {"backup_mode": "full"}}
    assert [r[1] for r in rows(karbor("plan-list"))] == ["p1"]
    assert table(karbor("plan-show", plan_id))["name"] == "p1"
    assert table(karbor("plan-update", plan_id, "--name", "p2"))["name"] == "p2"
    assert "p2" in karbor.os("plan", "show", plan_id)
    assert "p2" in karbor.os("plan", "list")

    # Protect, wait for the checkpoint.
    created = table(karbor("checkpoint-create", PROVIDER, plan_id, "--extra_info", "note=hi"))
    checkpoint = created["id"]
    assert created["status"] == "protecting"
    assert created["resource_graph"] == "None" and created["created_at"] == "None"
    assert json.loads(created["extra_info"]) == {"note": "hi"}  # honoured (Karbor drops it)
    shown = karbor.wait(["checkpoint-show", PROVIDER, checkpoint], "status", "available")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", shown["created_at"])
    graph = json.loads(shown["resource_graph"])
    assert sorted(node[1] for node in graph[0].values()) == sorted([SERVER, VOLUME])
    listed = rows(karbor("checkpoint-list", PROVIDER))
    assert listed[0][:3] == [checkpoint, "admin", "available"]
    osc_show = karbor.os("checkpoint", "show", PROVIDER, checkpoint)
    assert "available" in osc_show and SERVER in osc_show
    # (`openstack data protection checkpoint list` dies client-side with "Invalid formatter
    # provided." under current osc-lib.)

    # Restore and verify it.
    restore = table(karbor("restore-create", PROVIDER, checkpoint))
    assert restore["status"] == "in_progress" and restore["restore_target"] == "None"
    done = karbor.wait(["restore-show", restore["id"]], "status", "success")
    assert f"OS::Nova::Server#{SERVER}" in done["resources_status"]
    assert restore["id"] in karbor("restore-list")
    verification = table(karbor("verification-create", PROVIDER, checkpoint))
    karbor.wait(["verification-show", verification["id"]], "status", "success")
    assert verification["id"] in karbor("verification-list")

    # Trigger and scheduled operation.
    trigger = table(
        karbor("trigger-create", "daily", "time", f"pattern={PATTERN},format=calendar,window=1000")
    )
    props = json.loads(trigger["properties"])
    assert props["window"] == "1000" and props["format"] == "calendar"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", props["start_time"])
    assert [r[1] for r in rows(karbor("trigger-list"))] == ["daily"]
    updated = table(
        karbor(
            "trigger-update",
            trigger["id"],
            "--name",
            "nightly",
            "--properties",
            f"pattern={PATTERN},format=calendar,start_time=2030-01-01 02:00:00,window=1200",
        )
    )
    assert updated["name"] == "nightly"
    assert json.loads(updated["properties"])["start_time"] == "2030-01-01 02:00:00"
    assert "nightly" in karbor.os("trigger", "show", trigger["id"])
    operation = table(
        karbor(
            "scheduledoperation-create",
            "so1",
            "protect",
            trigger["id"],
            f"provider_id={PROVIDER},plan_id={plan_id}",
        )
    )
    assert operation["operation_type"] == "protect" and operation["enabled"] == "True"
    assert json.loads(operation["operation_definition"]) == {
        "provider_id": PROVIDER,
        "plan_id": plan_id,
    }
    assert [r[:2] for r in rows(karbor("scheduledoperation-list"))] == [[operation["id"], "so1"]]
    assert table(karbor("scheduledoperation-show", operation["id"]))["name"] == "so1"
    # A trigger in use cannot be deleted: 424, Karbor's message.
    out = fails([*karbor.base, "trigger-delete", trigger["id"]])
    assert "Trigger is being used by one or more operations (HTTP 424)" in out

    # Operation logs and quotas.
    logs = rows(karbor("operationlog-list"))
    kinds = {(r[1], r[7]) for r in logs}
    assert {("protect", "available"), ("restore", "success"), ("verify", "success")} <= kinds
    log = table(karbor("operationlog-show", logs[0][0]))
    assert log["id"] == logs[0][0]
    quota = table(karbor("quota-show", "--tenant", "admin"))
    assert quota == {"checkpoints": "-1", "id": "admin", "plans": "50"}
    detail = table(karbor("quota-show", "--tenant", "admin", "--detail"))
    assert "in_use = 1" in detail["plans"]
    assert table(karbor("quota-defaults", "--tenant", "admin"))["plans"] == "50"
    assert "smaug-protection" in karbor("service-list")

    # Delete what was made.
    karbor("scheduledoperation-delete", operation["id"])
    karbor("trigger-delete", trigger["id"])
    karbor("checkpoint-delete", PROVIDER, checkpoint)
    karbor.wait(["checkpoint-show", PROVIDER, checkpoint], "status", "deleted")
    karbor("plan-delete", plan_id)
    assert rows(karbor("plan-list")) == []
    assert rows(karbor("trigger-list")) == []
    assert rows(karbor("scheduledoperation-list")) == []
    out = fails([*karbor.base, "plan-show", plan_id])
    assert "No plan with a name or ID" in out or "could not be found" in out
