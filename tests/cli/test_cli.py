"""The `smaug` command line as a user runs it: the real executable against a real mesh (`smaug up`
with the sample plugin), checking tables, JSON, progress, Ctrl-C cancellation and exit codes."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from support.mesh import Mesh, smaug_up, tool
from support.ports import free_port
from support.sample_mesh import MIRROR, PROVIDER, write_config

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Cli:
    """Runs the installed `smaug` with the environment a user of this mesh would have: only
    SMAUG_API and SMAUG_DATA_DIR (the token comes from <data_dir>/admin-token)."""

    def __init__(self, mesh: Mesh, tmp: Path) -> None:
        self.mesh = mesh
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SMAUG_")}
        self.env.update(
            SMAUG_API=mesh.api,
            SMAUG_DATA_DIR=str(mesh.data_dir),
            SMAUG_CLI_CONFIG=str(tmp / "cli.yaml"),
            COLUMNS="200",
        )

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 90
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [tool("smaug"), *args],
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "-o", "json"))

    def plan(self, name: str, *resources: str, parameters: tuple[str, ...] = ()) -> str:
        args = ["plan", "create", name, "--provider", "Sample"]
        for resource in resources:
            args += ["--resource", f"Test::Thing={resource}"]
        for parameter in parameters:
            args += ["--parameter", parameter]
        return str(self.json(*args)["id"])


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    tmp = tmp_path_factory.mktemp("cli")
    config = write_config(tmp)
    with smaug_up(tmp / "data", {"SMAUG_CONFIG": str(config)}) as running:
        yield Cli(running, tmp)


def test_life_cycle(cli: Cli) -> None:
    # Catalog.
    providers = cli.ok("provider", "list")
    assert providers.splitlines()[0].split()[:3] == ["ID", "NAME", "BANK"]
    assert "Sample" in providers and "Mirror" in providers
    assert "Test::Thing" in cli.ok("protectable", "list")
    assert "first thing" in cli.ok("protectable", "instances", "Test::Thing")

    # Plan: the resource name comes from the plugin.
    plan = cli.json(
        "plan",
        "create",
        "life",
        "--provider",
        "Sample",
        "--resource",
        "Test::Thing=t1",
        "--parameter",
        "Test::Thing.mode=ok",
    )
    assert plan["resources"] == [{"type": "Test::Thing", "id": "t1", "name": "first thing"}]
    assert plan["parameters"] == {"Test::Thing": {"mode": "ok"}}
    assert plan["status"] == "PLAN_STATUS_SUSPENDED"
    assert plan["id"] in cli.ok("plan", "list")

    # Protect and wait (plain progress lines on a pipe), by plan name.
    done = cli.run("checkpoint", "create", "life", "--wait", "-o", "json")
    assert done.returncode == 0, done.stderr
    checkpoint = json.loads(done.stdout)
    assert checkpoint["status"] == "CHECKPOINT_STATUS_AVAILABLE"
    assert checkpoint["provider_id"] == PROVIDER
    assert "5/5 resources" in done.stderr and "available" in done.stderr
    assert "\x1b[K" not in done.stderr  # no terminal control codes on a pipe
    cid = checkpoint["id"]

    # List: a table by default, stable JSON on request, filtered by plan.
    table = cli.ok("checkpoint", "list", "--plan", "life")
    header, *rows = table.splitlines()
    assert header.split()[:3] == ["ID", "PLAN", "STATUS"]
    assert [row.split()[:3] for row in rows] == [[cid, "life", "available"]]
    listed = cli.json("checkpoint", "list", "--plan", plan["id"])
    assert [c["id"] for c in listed["checkpoints"]] == [cid]
    assert listed["checkpoints"][0]["protection_plan"]["id"] == plan["id"]

    # Show: the resource graph as a tree with every resource's status.
    shown = cli.ok("checkpoint", "show", cid)
    assert "Status:" in shown and "available" in shown
    assert 'Test::Thing t1 "first thing"' in shown
    assert re.search(r"├── Test::Thing t2 +available", shown), shown
    assert re.search(r"│   └── Test::Thing t5 +available", shown), shown
    assert re.search(r"└── Test::Thing t3 +available", shown), shown
    detail = cli.json("checkpoint", "show", cid, "--provider", "Sample")
    assert detail["id"] == cid
    assert len(detail["resource_graph"]["nodes"]) == 5
    assert {s["status"] for s in detail["resource_states"]} == {"RESOURCE_STATUS_AVAILABLE"}

    # Restore and wait; its detail view shows the new resource ids.
    done = cli.run(
        "restore",
        "create",
        cid,
        "--target",
        "/nowhere",
        "--parameter",
        "Test::Thing.mode=ok",
        "--wait",
    )
    assert done.returncode == 0, done.stderr
    assert "succeeded" in done.stdout
    (restore,) = cli.json("restore", "list", "--checkpoint", cid)["restores"]
    assert restore["status"] == "OPERATION_STATUS_SUCCEEDED"
    assert restore["restore_target"] == "/nowhere"
    shown = cli.ok("restore", "show", restore["id"])
    assert re.search(r"Test::Thing t1 \"first thing\" +available .*restored-t1", shown), shown
    assert "Test::Part#t1-part -> restored-t1-part" in shown, shown

    # Verification: the sample plugin cannot verify, so the wait fails (1) and says why.
    done = cli.run("verification", "create", cid, "--wait")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "failed" in done.stdout and "cannot verify" in done.stdout
    (verification,) = cli.json("verification", "list", "--checkpoint", cid)["verifications"]
    assert verification["status"] == "OPERATION_STATUS_FAILED"
    assert "cannot verify" in cli.ok("verify", "show", verification["id"])

    # Copy into the mirror provider and wait.
    done = cli.run("copy", "create", "life", "--to", "Mirror", "--wait", "-o", "json")
    assert done.returncode == 0, done.stderr
    (copy,) = json.loads(done.stdout)["checkpoints"]
    assert copy["status"] == "CHECKPOINT_STATUS_AVAILABLE"
    assert copy["source_checkpoint_id"] == cid and copy["provider_id"] == MIRROR
    assert copy["id"] in cli.ok("copy", "list", "--provider", "Mirror")
    assert "Nothing to copy" in cli.ok("copy", "create", "--plan", "life", "--to", "Mirror")

    # Delete and wait; the checkpoint stays visible as deleted, and leaves the list.
    done = cli.run("checkpoint", "delete", cid, "--wait")
    assert done.returncode == 0, done.stderr
    assert f"Checkpoint {cid}: deleted" in done.stdout
    assert cli.json("checkpoint", "show", cid)["status"] == "CHECKPOINT_STATUS_DELETED"
    assert cli.json("checkpoint", "list", "--plan", "life", "--provider", "Sample") == {
        "checkpoints": []
    }

    # Operation logs record each operation.
    logs = cli.json("operation-log", "list", "--checkpoint", cid)["operation_logs"]
    kinds = sorted((e["operation_type"], e["status"]) for e in logs)
    assert kinds == [
        ("OPERATION_TYPE_DELETE", "OPERATION_STATUS_SUCCEEDED"),
        ("OPERATION_TYPE_PROTECT", "OPERATION_STATUS_SUCCEEDED"),
        ("OPERATION_TYPE_RESTORE", "OPERATION_STATUS_SUCCEEDED"),
        ("OPERATION_TYPE_VERIFY", "OPERATION_STATUS_FAILED"),
    ]
    table = cli.ok("log", "list", "--type", "protect")
    assert table.splitlines()[0].split()[:3] == ["ID", "TYPE", "STATUS"]
    assert cid in table
    assert cid in cli.ok("operation-log", "show", logs[0]["id"])

    # Plans go away.
    assert "deleted" in cli.ok("plan", "delete", "life")
    assert cli.run("plan", "show", plan["id"]).returncode == 3


def test_a_failing_protect_exits_1_and_names_the_resource(cli: Cli) -> None:
    cli.plan("failing", "t3", parameters=("Test::Thing#t4.mode=fail",))
    done = cli.run("checkpoint", "create", "failing", "--wait")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert re.search(r"Checkpoint \S+: error", done.stdout)
    assert "Test::Thing t4: error: " in done.stdout and "refused" in done.stdout
    assert "Traceback" not in done.stderr


def test_exit_codes_and_messages(cli: Cli) -> None:
    # Usage errors: 2, with argparse's or our message.
    assert cli.run("checkpoint", "create").returncode == 2
    assert cli.run("nonsense").returncode == 2
    done = cli.run("plan", "create", "x", "--provider", "Sample", "--resource", "Test::Thing")
    assert done.returncode == 2 and "TYPE=ID" in done.stderr
    done = cli.run("plan", "create", "x", "--resource", "Test::Thing=t1")
    assert done.returncode == 2 and "--provider" in done.stderr  # two providers to choose from
    done = cli.run("restore", "create", "x", "--parameter", "nodot=1")
    assert done.returncode == 2 and "TYPE.KEY=VALUE" in done.stderr

    # Not found: 3.
    missing = "00000000-0000-4000-8000-000000000000"
    for args in (
        ("checkpoint", "show", missing),
        ("checkpoint", "delete", missing),
        ("plan", "show", "no such plan"),
        ("provider", "show", "Nobody"),
        ("checkpoint", "create", missing),
        ("restore", "show", missing),
    ):
        done = cli.run(*args)
        assert done.returncode == 3, (args, done.stderr)
        assert "not found" in done.stderr and "Traceback" not in done.stderr
    done = cli.run("plan", "create", "x", "--provider", "Sample", "--resource", "Test::Thing=zz")
    assert done.returncode == 3 and "TYPE=ID=NAME" in done.stderr

    # Server-side validation: 1, with the field violations.
    done = cli.run(
        "plan",
        "create",
        "x",
        "--provider",
        "Sample",
        "--resource",
        "Test::Thing=t1",
        "--parameter",
        "Test::Thing.bogus=1",
    )
    assert done.returncode == 1
    assert "INVALID_ARGUMENT" in done.stderr
    assert "plan.parameters['Test::Thing']: unknown option(s) bogus" in done.stderr

    # Identity.
    done = cli.run("plan", "list", "--token", "wrong")
    assert done.returncode == 1 and "UNAUTHENTICATED" in done.stderr and "--token" in done.stderr

    # Unreachable api.
    address = f"127.0.0.1:{free_port()}"
    done = cli.run("plan", "list", "--api", address)
    assert done.returncode == 1
    assert f"not reachable at {address}" in done.stderr and "smaug up" in done.stderr
    assert "Traceback" not in done.stderr


def test_names_users_guess(cli: Cli) -> None:
    plan_id = cli.plan("guessable", "t2")
    assert plan_id in cli.ok("plan-list")  # karbor's spelling
    assert plan_id in cli.ok("plans", "ls")
    assert plan_id in cli.ok("plan", "describe", "guessable")
    assert "Sample" in cli.ok("provider-list")
    assert "t1" in cli.ok("protectable-list-instances", "Test::Thing")
    assert json.loads(cli.ok("-o", "json", "plan", "show", plan_id))["id"] == plan_id
    cli.ok("plan", "delete", plan_id)


def test_schedules_quotas_and_services(cli: Cli) -> None:
    cli.plan("scheduled", "t2")
    trigger = cli.json("trigger", "create", "nightly", "--cron", "0 2 * * *")
    assert trigger["properties"]["format"] == "TRIGGER_FORMAT_CRONTAB"
    operation = cli.json(
        "scheduled-operation",
        "create",
        "keep3",
        "--trigger",
        "nightly",
        "--plan",
        "scheduled",
        "--max-backups",
        "3",
    )
    assert operation["operation_type"] == "SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT"
    assert operation["enabled"] is True
    assert cli.json("scheduled-operation", "disable", "keep3")["enabled"] is False
    assert "keep3" in cli.ok("scheduled-operation", "list")
    assert cli.run("trigger", "delete", "nightly").returncode == 1  # still in use
    cli.ok("scheduled-operation", "delete", "keep3")
    cli.ok("trigger", "delete", "nightly")

    usage = cli.json("quota", "show", "--usage")  # the admin token's project
    assert usage["project_id"] == "admin" and int(usage["plans"]["in_use"]) >= 1
    assert cli.json("quota", "update", "admin", "--plans", "40")["plans"] == "40"
    assert "40" in cli.ok("quota", "show", "admin")
    cli.ok("quota", "delete", "admin")
    assert "unlimited" in cli.ok("quota-class", "show", "default")
    services = cli.json("service", "list")["service_instances"]
    assert {"smaug-protection", "smaug-scheduler"} <= {s["binary"] for s in services}


def test_event_triggers(cli: Cli) -> None:
    cli.plan("released", "t2")
    trigger = cli.json("trigger", "create", "pre-release", "--on-call", "--quiet-period", "0")
    assert trigger["type"] == "TRIGGER_TYPE_EVENT"
    assert "call" in trigger["properties"]["event"]
    cli.ok(
        "scheduled-operation",
        "create",
        "protect-release",
        "--trigger",
        "pre-release",
        "--plan",
        "released",
    )
    # A pipeline fires it and waits: the firing's protect ran, its checkpoint is named.
    done = cli.run("trigger", "fire", "pre-release", "--request-id", "ci-1234", "--wait")
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert "Event call:ci-1234 recorded" in done.stdout
    assert "succeeded" in done.stdout and UUID.search(done.stdout.split("Runs", 1)[1])
    again = cli.json("trigger", "fire", "pre-release", "--request-id", "ci-1234")
    assert again["duplicate"] is True
    assert again["firing"]["state"] == "TRIGGER_FIRING_STATE_FIRED"
    listed = cli.ok("trigger", "firings", "pre-release")
    assert again["firing"]["id"] in listed and "fired" in listed
    assert "ci-1234" in cli.ok("trigger", "firing", "pre-release", again["firing"]["id"])
    assert "call" in cli.ok("trigger", "list")

    chained = cli.json("trigger", "create", "after-released", "--after-plan", "released")
    assert chained["properties"]["event"]["checkpoint_available"]["plan_id"]
    copy = cli.json(
        "scheduled-operation",
        "create",
        "mirror-it",
        "--trigger",
        "after-released",
        "--plan",
        "released",
        "--destination",
        "Mirror",
    )
    assert copy["operation_type"] == "SCHEDULED_OPERATION_TYPE_COPY"
    assert copy["operation_definition"]["destination_provider_id"] == MIRROR
    notified = cli.json(
        "trigger",
        "create",
        "volumes",
        "--on-notification",
        "volume.create.end",
        "--resource-type",
        "OS::Cinder::Volume",
        "--quiet-period",
        "60",
    )
    assert notified["properties"]["event"]["notification"]["event_types"] == ["volume.create.end"]
    updated = cli.json("trigger", "update", "volumes", "--quiet-period", "120")
    assert updated["properties"]["event"]["quiet_period_seconds"] == 120
    assert updated["properties"]["event"]["notification"]["resource_types"] == [
        "OS::Cinder::Volume"
    ]
    bad = cli.run("trigger", "fire", "volumes", "--request-id", "not ok")
    assert bad.returncode == 1 and "request_id" in bad.stderr
    timed = cli.run("trigger", "create", "bad", "--cron", "0 2 * * *", "--project", "x")
    assert timed.returncode == 2 and "--on-notification" in timed.stderr
    for name in ("mirror-it", "protect-release"):
        cli.ok("scheduled-operation", "delete", name)
    cli.ok("trigger", "delete", "pre-release", "after-released", "volumes")


def test_login_and_users(cli: Cli, tmp_path: Path) -> None:
    env = {k: v for k, v in cli.env.items() if k not in ("SMAUG_API", "SMAUG_DATA_DIR")}
    env["SMAUG_CLI_CONFIG"] = str(tmp_path / "cli.yaml")
    env["SMAUG_DATA_DIR"] = str(tmp_path / "elsewhere")  # no admin token there
    token = (cli.mesh.data_dir / "admin-token").read_text().strip()
    done = cli.run("login", "--api", cli.mesh.api, "--token", token, env=env)
    assert done.returncode == 0, done.stderr
    stored = tmp_path / "cli.yaml"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert yaml.safe_load(stored.read_text()) == {"api": cli.mesh.api, "token": token}
    assert "Sample" in cli.run("provider", "list", env=env).stdout

    # A second user, made on the server machine, sees only its own project.
    admin_env = {**cli.env, "SMAUG_CONFIG": cli.mesh.env["SMAUG_CONFIG"]}
    done = cli.run("user", "create", "bob", "--project", "bobs", env=admin_env)
    assert done.returncode == 0, done.stderr
    bob = done.stdout.strip()
    assert bob and "\n" not in bob
    assert cli.run("user", "create", "bob", "--project", "bobs", env=admin_env).returncode == 2
    assert cli.json("plan", "list", "--token", bob) == {"plans": []}
    assert cli.run("plan", "list", "--token", bob, "--all-projects").returncode == 1

    done = cli.run("logout", env=env)
    assert done.returncode == 0
    done = cli.run("provider", "list", env=env)
    assert done.returncode == 1 and "UNAUTHENTICATED" in done.stderr


def test_completion_script(cli: Cli, tmp_path: Path) -> None:
    script = tmp_path / "smaug.bash"
    script.write_text(cli.ok("completion", "bash"))
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0

    def complete(*words: str) -> list[str]:
        line = " ".join(f'"{w}"' for w in words)
        probe = (
            f"source {script}; COMP_WORDS=(smaug {line}); COMP_CWORD={len(words)}; "
            '_smaug_complete; echo "${COMPREPLY[@]}"'
        )
        out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True)
        return out.stdout.split()

    assert complete("check") == ["checkpoint"]
    assert {"create", "list", "show", "delete", "reset-state", "cancel"} <= set(
        complete("checkpoint", "")
    )
    assert "--wait" in complete("checkpoint", "create", "--")
    assert complete("checkpoint", "list", "-o", "") == ["table", "json"]


# Progress and Ctrl-C ---------------------------------------------------------------------------


def read_pty(fd: int, process: subprocess.Popen[bytes], timeout: float) -> bytes:
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        elif process.poll() is not None:
            break
    return b"".join(chunks)


def test_progress_bar_on_a_terminal(cli: Cli) -> None:
    cli.plan("terminal", "t1")
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    env = {k: v for k, v in cli.env.items() if k != "COLUMNS"}
    process = subprocess.Popen(
        [tool("smaug"), "checkpoint", "create", "terminal", "--wait"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    try:
        text = read_pty(master, process, 60).decode()
        assert process.wait(30) == 0, text
    finally:
        os.close(master)
    frames = [f for f in re.split(r"\r\x1b\[K", text) if f.startswith("protect ")]
    assert frames, text
    bars = [re.search(r"\[([#-]{24})\] +(\d+)%", frame) for frame in frames]
    assert all(bars), frames
    percents = [int(bar.group(2)) for bar in bars if bar]
    assert percents == sorted(percents) and percents[0] < 100 and percents[-1] == 100, frames
    last = frames[-1]
    assert "#" * 24 in last and "5/5 resources" in last and "150 B/150 B" in last
    assert re.search(r"\b00:0\d\b", last) and "available" in last
    assert re.search(r"Checkpoint \S+: available \(5/5 resources, 150 B", text)


def test_ctrl_c_cancels_a_slow_protect(cli: Cli) -> None:
    cli.plan("slow", "t2", parameters=("Test::Thing.mode=slow",))
    process = subprocess.Popen(
        [tool("smaug"), "checkpoint", "create", "slow", "--wait"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli.env,
        text=True,
    )
    assert process.stderr is not None
    seen = []
    started = time.monotonic()
    for line in process.stderr:  # wait until the watch shows the protect running
        seen.append(line)
        if line.startswith("protect ") and "protecting" in line:
            break
    assert time.monotonic() - started < 30, seen
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=40)
    assert time.monotonic() - started < 45  # cancelled, not the plugin's 60 s
    assert process.returncode == 1, (stdout, stderr)
    assert "cancelling" in stderr
    assert re.search(r"Checkpoint \S+: error .*cancelled on request", stdout), stdout
    assert "cancelled by user" in stdout
    cid = UUID.search(stdout)
    assert cid is not None
    assert cli.json("checkpoint", "show", cid.group(0))["status"] == "CHECKPOINT_STATUS_ERROR"


def test_provider_access(cli: Cli) -> None:
    assert "no entry: every provider" in cli.ok("provider", "access", "show", "project-x")
    got = cli.json("provider", "access", "set", "project-x", PROVIDER)
    assert got["provider_ids"] == [PROVIDER]
    assert got["source"] == "PROVIDER_ACCESS_SOURCE_PROJECT"
    assert PROVIDER in cli.ok("provider", "access", "show", "project-x")
    assert "Providers: all" in cli.ok("provider", "access", "set", "*", "--all")
    cli.ok("provider", "access", "delete", "project-x")
    cli.ok("provider", "access", "delete", "*")
    assert "no entry" in cli.ok("provider", "access", "show", "project-x")
    # The admin still sees every provider.
    assert "Mirror" in cli.ok("provider", "list")


def test_bank_accounts(cli: Cli) -> None:
    root = cli.mesh.data_dir.parent / "accounts"  # the default root beside the banks
    assert "optional: projects without one use the shared bank" in cli.ok(
        "provider", "show", "Mirror"
    )
    shown = cli.ok("provider", "account", "set", "Mirror", "project-y", "--path", str(root / "y"))
    assert f"file://{root / 'y'}" in shown and "the provider's" in shown
    listed = cli.json("provider", "account", "list", "--provider", "Mirror")["bank_accounts"]
    assert [(a["project_id"], a["provider_id"], a["uri"]) for a in listed] == [
        ("project-y", MIRROR, f"file://{root / 'y'}")
    ]
    assert "project-y" in cli.ok("provider", "account", "list")
    assert cli.json("provider", "account", "show", MIRROR, "project-y")["filesystem"] == {
        "path": str(root / "y")
    }
    outside = cli.run("provider", "account", "set", "Mirror", "project-y", "--path", "/srv/x")
    assert outside.returncode == 1 and "account roots" in outside.stderr, outside.stderr
    mixed = cli.run("provider", "account", "set", "Mirror", "p", "--path", "/a", "--prefix", "x")
    assert mixed.returncode == 2 and "for S3" in mixed.stderr, mixed.stderr
    cli.ok("provider", "account", "delete", "Mirror", "project-y")
    gone = cli.run("provider", "account", "show", "Mirror", "project-y")
    assert gone.returncode == 3, gone.stderr
