#!/usr/bin/env python3
"""Data-plane benchmark: protect / incremental / restore beside restic, and protect into an S3
bank beside a plain boto3 upload_file, on the same generated 1 GiB file in the same run.

Two Smaug paths are measured side by side:

- plugin: what a user gets. The block-device plugin's data path (protect_device and
  restore_device of plugins/blockdev.py) in a process of its own, talking gRPC to a bank service
  (bench/bank_service.py: BankServicer over the bank) in its own process, running throughout;
  chunk bytes go through shared memory, as they do on one host. The "inline" rows run the same
  with SMAUG_BANK_SHARED_MEMORY=0: chunk bytes inside the gRPC messages, as across hosts.
- bank library direct: Bank.write_stream / restore_stream in the measuring process, no RPC.

    bench/run                             # full run, writes bench/RESULTS.md
    bench/run --size-mib 256 --skip-s3    # quicker look

The file: 128 segments of 8 MiB from a fixed seed: 80 random, 24 exact repeats of earlier random
segments, 24 hex text (compresses ~2:1). The change: 64 random 168 KiB writes (~1 %) in place.
Every measured step (ours and restic's) runs as its own process, timed from spawn to exit; the
file is in the page cache for all of them. Our steps report their peak memory from VmHWM of
/proc/self/status (the bank service's is read from its /proc/PID/status); restic's is ru_maxrss
from wait4. restic is installed with apt-get if missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))  # support.seaweed

MiB = 1024 * 1024
SEGMENT = 8 * MiB
SECTION = "resources/file/data"
OURS = ("plugin", "direct")
#: The filesystem rounds also run the plugin with chunk bytes inside the gRPC messages, as when
#: the bank service is on another host (on one host they go through shared memory).
FS_SIDES = ("plugin", "inline", "direct")
LABELS = {
    "plugin": "block-device plugin",
    "inline": "block-device plugin, chunks inside gRPC messages (bank on another host)",
    "direct": "bank library direct",
}
INLINE_ENV = {**os.environ, "SMAUG_BANK_SHARED_MEMORY": "0"}


# -- data ------------------------------------------------------------------------------------
def make_data(path: Path, segments: int, seed: int = 20251124) -> None:
    rng = random.Random(seed)
    randoms = round(segments * 80 / 128)
    repeats = round(segments * 24 / 128)
    kinds = ["random"] * randoms + ["repeat"] * repeats + ["hex"] * (segments - randoms - repeats)
    rng.shuffle(kinds)
    if kinds[0] == "repeat":  # a repeat needs an earlier random segment
        first_random = kinds.index("random")
        kinds[0], kinds[first_random] = kinds[first_random], kinds[0]
    written: list[int] = []  # offsets of random segments, to repeat them
    with open(path, "wb") as out:
        for index, kind in enumerate(kinds):
            if kind == "random":
                written.append(index)
                out.write(rng.randbytes(SEGMENT))
            elif kind == "hex":
                out.write(rng.randbytes(SEGMENT // 2).hex().encode())
            else:
                out.flush()
                with open(path, "rb") as source:
                    source.seek(rng.choice(written) * SEGMENT)
                    out.write(source.read(SEGMENT))


def modify(path: Path, writes: int = 64, size: int = 168 * 1024, seed: int = 7) -> None:
    rng = random.Random(seed)
    total = path.stat().st_size
    with open(path, "r+b") as handle:
        for _ in range(writes):
            handle.seek(rng.randrange(0, total - size))
            handle.write(rng.randbytes(size))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(16 * MiB):
            digest.update(block)
    return digest.hexdigest()


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- measured processes ----------------------------------------------------------------------
def settle() -> None:
    """Flush dirty pages left by earlier steps, so no step pays for another's writeback."""
    os.sync()
    time.sleep(1.0)


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """(wall seconds, ru_maxrss bytes, stdout) of one process."""
    settle()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    out = process.stdout.read() if process.stdout else ""
    err = process.stderr.read() if process.stderr else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} {command[1:3]} failed ({process.returncode}):\n{err}")
    return elapsed, usage.ru_maxrss * 1024, out


def peak_memory(pid: int | str = "self") -> int:
    """VmHWM (peak resident set, bytes) of a live process. Not ru_maxrss: a child's counts the
    memory of the parent it was spawned from too."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


@dataclass
class Step:
    """One measured step: its wall time and what it reported (peak memory as "memory")."""

    seconds: float
    report: dict[str, Any]


def measured(*arguments: str, env: dict[str, str] | None = None) -> Step:
    """Run one of our steps (run_step) in a process of its own."""
    elapsed, _, out = timed([sys.executable, __file__, "_step", *arguments], env)
    return Step(elapsed, json.loads(out.strip().splitlines()[-1]))


def run_step(path: str, action: str, *arguments: str) -> None:
    """Inside the measured process: one protect or restore; prints its report as JSON."""
    report = (plugin_step if path == "plugin" else direct_step)(action, *arguments)
    report["memory"] = peak_memory()
    print(json.dumps(report))


def plugin_step(action: str, address: str, token: str, file: str) -> dict[str, Any]:
    """The block-device plugin's data path, against the bank service at ``address``."""
    from smaug.plugin.v1 import plugin_pb2
    from smaug.plugins import blockdev

    section = plugin_pb2.BankSection(address=address, token=token, read_only=action == "restore")
    if action == "protect":
        # SMAUG_BENCH_CHUNK_SIZE tries another device chunk size (the plugin's chunk_size).
        chunk = int(os.environ.get("SMAUG_BENCH_CHUNK_SIZE") or blockdev.CHUNK_SIZE)
        info = asyncio.run(blockdev.protect_device(file, section, chunk_size=chunk))
    else:
        info = asyncio.run(blockdev.restore_device(section, file))
    return {
        "chunks": info.chunks,
        "chunk_size": info.chunk_size,
        "new_chunks": info.new_chunks,
        "new_bytes": info.new_bytes,
    }


def direct_step(action: str, config_json: str, file: str, checkpoint: str = "") -> dict[str, Any]:
    """The bank library in this process."""
    from smaug.bank.config import open_bank

    bank = open_bank(json.loads(config_json))
    try:
        if action == "protect":
            meta = bank.checkpoints.create(
                project_id="bench", provider_id="bench", plan={"id": "bench"}, owner_id="bench"
            )
            with open(file, "rb", buffering=0) as source:
                result = bank.write_stream(meta.id, SECTION, "data", source)
            bank.checkpoints.update(meta.id, status="available")
            return {
                "checkpoint": meta.id,
                "chunks": len(result.manifest),
                "new_chunks": result.chunks_new,
                "stored": result.bytes_stored,
            }
        with open(file, "wb") as sink:
            return {"size": bank.restore_stream(checkpoint, SECTION, "data", sink)}
    finally:
        bank.close()


# -- the sides compared ------------------------------------------------------------------------
class Side(Protocol):
    name: str

    def protect(self, data: Path) -> Step: ...

    def restore(self, target: Path) -> Step: ...  # of the latest protect

    def stored(self) -> int: ...  # bytes in its repository

    def close(self) -> None: ...


def fs_config(root: Path) -> dict[str, Any]:
    return {"backend": "filesystem", "path": str(root), "name": "bench"}


def s3_config(endpoint: str, bucket: str) -> dict[str, Any]:
    return {
        "backend": "s3",
        "endpoint": endpoint,
        "bucket": bucket,
        "access_key": "bench",
        "secret_key": "bench",
        "name": "bench-s3",
    }


class BankService:
    """bench/bank_service.py in its own process: serves the bank, makes checkpoints and tokens."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(HERE / "bank_service.py"), json.dumps(config)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.address = str(self._answer()["address"])

    def _answer(self, *command: str) -> dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        if command:
            self.process.stdin.write(" ".join(command) + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the bank service exited (its stderr is above)")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def checkpoint(self) -> tuple[str, str]:
        """A new checkpoint being protected, and a write token for its section."""
        answer = self._answer("new")
        return answer["checkpoint"], answer["token"]

    def seal(self, checkpoint: str) -> str:
        """Mark the checkpoint available; a read-only token for restore."""
        return str(self._answer("seal", checkpoint)["token"])

    def peak_memory(self) -> int:
        return peak_memory(self.process.pid)

    def close(self) -> None:
        assert self.process.stdin
        self.process.stdin.close()
        self.process.wait(timeout=60)


class PluginSide:
    """The block-device plugin's data path against a bank service in another process."""

    name = "plugin"

    def __init__(
        self,
        config: dict[str, Any],
        root: Path | None = None,
        *,
        name: str = "plugin",
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.env = env
        self.root = root
        self.service = BankService(config)
        self.read_token = ""

    def protect(self, data: Path) -> Step:
        checkpoint, token = self.service.checkpoint()
        step = measured("plugin", "protect", self.service.address, token, str(data), env=self.env)
        self.read_token = self.service.seal(checkpoint)
        step.report["service_memory"] = self.service.peak_memory()
        return step

    def restore(self, target: Path) -> Step:
        return measured(
            "plugin", "restore", self.service.address, self.read_token, str(target), env=self.env
        )

    def stored(self) -> int:
        return du(self.root) if self.root else 0

    def close(self) -> None:
        self.service.close()
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)


class DirectSide:
    """The bank library in the measuring process, no RPC."""

    name = "direct"

    def __init__(self, config: dict[str, Any], root: Path | None = None) -> None:
        self.root = root
        self.config = json.dumps(config)
        self.checkpoint = ""

    def protect(self, data: Path) -> Step:
        step = measured("direct", "protect", self.config, str(data))
        self.checkpoint = step.report["checkpoint"]
        return step

    def restore(self, target: Path) -> Step:
        return measured("direct", "restore", self.config, str(target), self.checkpoint)

    def stored(self) -> int:
        return du(self.root) if self.root else 0

    def close(self) -> None:
        if self.root:
            shutil.rmtree(self.root, ignore_errors=True)


class ResticSide:
    """`restic backup` / `restic restore latest` into a local repository."""

    name = "restic"

    def __init__(self, binary: str, work: Path) -> None:
        self.binary = binary
        self.work = work
        self.root = work / "restic-repo"
        self.env = restic_env(work)
        timed([binary, "init"], self.env)

    def protect(self, data: Path) -> Step:
        floor = peak_memory()  # ru_maxrss of a child counts this process's peak too
        elapsed, rss, _ = timed([self.binary, "backup", "--quiet", str(data)], self.env)
        return Step(elapsed, {"memory": rss, "floor": floor})

    def restore(self, target: Path) -> Step:
        into = self.work / "restic-restore"
        command = [self.binary, "restore", "latest", "--target", str(into)]
        elapsed, _, _ = timed(command, self.env)
        next(into.rglob("*.bin")).rename(target)
        shutil.rmtree(into)
        return Step(elapsed, {})

    def stored(self) -> int:
        return du(self.root)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.work / "restic-cache", ignore_errors=True)


def ensure_restic() -> str:
    found = shutil.which("restic")
    if found:
        return found
    print("installing restic with apt-get ...", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "restic"], check=True)
    found = shutil.which("restic")
    if not found:
        raise SystemExit("restic is not installed and apt-get could not install it")
    return found


def restic_env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        RESTIC_PASSWORD="bench-password",
        RESTIC_REPOSITORY=str(work / "restic-repo"),
        RESTIC_CACHE_DIR=str(work / "restic-cache"),
    )
    return env


# -- filesystem rounds -------------------------------------------------------------------------
@dataclass
class Samples:
    """All rounds' times by (side, step); the last round's reports and storage growth."""

    times: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    reports: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    growth: dict[str, int] = field(default_factory=dict)

    def add(self, side: str, step: str, result: Step) -> None:
        self.times[side, step].append(result.seconds)
        self.reports[side, step] = result.report

    def best(self, side: str, step: str) -> float:
        return min(self.times[side, step])


def fs_sides(work: Path, restic: str) -> Iterator[Side]:
    yield PluginSide(fs_config(work / "bank-plugin"), work / "bank-plugin")
    yield PluginSide(
        fs_config(work / "bank-inline"), work / "bank-inline", name="inline", env=INLINE_ENV
    )
    yield DirectSide(fs_config(work / "bank-direct"), work / "bank-direct")
    if restic:
        yield ResticSide(restic, work)


def fs_round(work: Path, original: Path, restic: str, samples: Samples) -> None:
    """Full protect, 1 % change, incremental protect, restore (checked): each side in turn."""
    data = work / "data.bin"
    shutil.copyfile(original, data)
    with contextlib.ExitStack() as stack:
        sides = [stack.enter_context(contextlib.closing(s)) for s in fs_sides(work, restic)]
        before = {}
        for side in sides:
            samples.add(side.name, "full", side.protect(data))
            before[side.name] = side.stored()
        modify(data)
        expected = sha256(data)
        for side in sides:
            samples.add(side.name, "incr", side.protect(data))
            samples.growth[side.name] = side.stored() - before[side.name]
        restored = work / "restored.bin"
        for side in sides:
            samples.add(side.name, "restore", side.restore(restored))
            if sha256(restored) != expected:
                raise SystemExit(f"{side.name} restore does not match the protected file")
            restored.unlink()


def quarter_protects(work: Path, original: Path) -> dict[str, Step]:
    """Our protects of the first quarter of the file, each into a new bank (for memory)."""
    small = work / "quarter.bin"
    with open(original, "rb") as source, open(small, "wb") as out:
        for _ in range(original.stat().st_size // 4 // SEGMENT):
            out.write(source.read(SEGMENT))
    steps = {}
    for side in (
        PluginSide(fs_config(work / "bank-q-plugin"), work / "bank-q-plugin"),
        DirectSide(fs_config(work / "bank-q-direct"), work / "bank-q-direct"),
    ):
        with contextlib.closing(side):
            steps[side.name] = side.protect(small)
    small.unlink()
    return steps


# -- report ----------------------------------------------------------------------------------
class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, what: str, ours: str, theirs: str, ratio: str, target: str) -> None:
        self.rows.append((what, ours, theirs, ratio, target))
        print(f"  {what}: ours {ours} | reference {theirs} | {ratio} (target {target})", flush=True)

    def markdown(self) -> str:
        lines = [
            "| measurement | Smaug | reference | ratio | target |",
            "|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def mbps(size: int, seconds: float) -> str:
    return f"{size / MiB / seconds:.0f} MiB/s ({seconds:.2f} s)"


def mib(size: float) -> str:
    return f"{size / MiB:.0f}"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def fmt(values: list[float]) -> str:
    return "/".join(f"{value:.2f}" for value in values)


def throughput_row(
    table: Table, what: str, size: int, ours: float, theirs: float, goal: float, name: str = ""
) -> None:
    ratio = theirs / ours
    table.add(
        what,
        mbps(size, ours),
        mbps(size, theirs),
        f"{ratio:.2f}x throughput",
        target(name, f">= {goal:g}x", ratio >= goal),
    )


def target(name: str, goal: str, ok: bool) -> str:
    """The target column; the inline rows are there to compare with, the targets are for what
    a deployment on one host gets."""
    if name == "inline":
        return f"{goal} (for comparison only)"
    return f"{goal} ({verdict(ok)})"


def fs_rows(table: Table, samples: Samples, size: int) -> None:
    best = samples.best
    for name in FS_SIDES:
        throughput_row(
            table,
            f"full protect, {LABELS[name]}, filesystem bank vs `restic backup`",
            size,
            best(name, "full"),
            best("restic", "full"),
            3,
            name,
        )
    for name in FS_SIDES:
        ratio = best(name, "incr") / best("restic", "incr")
        table.add(
            f"incremental protect after 1 % change, {LABELS[name]} vs restic's 2nd backup",
            f"{best(name, 'incr'):.2f} s",
            f"{best('restic', 'incr'):.2f} s",
            f"{ratio:.2f}x time",
            target(name, "<= 0.5x", ratio <= 0.5),
        )
    theirs = samples.growth["restic"]
    for name in FS_SIDES:
        ours = samples.growth[name]
        table.add(
            f"storage growth of that incremental, {LABELS[name]}",
            f"{ours / MiB:.1f} MiB",
            f"{theirs / MiB:.1f} MiB",
            f"{ours / max(theirs, 1):.2f}x",
            target(name, "<= 1x", ours <= theirs),
        )
    for name in FS_SIDES:
        throughput_row(
            table,
            f"restore (latest), {LABELS[name]} vs `restic restore`",
            size,
            best(name, "restore"),
            best("restic", "restore"),
            2,
            name,
        )


def memory_rows(table: Table, samples: Samples, quarter: dict[str, Step]) -> None:
    """Peak memory of our protects must not follow the data size: whole file vs a quarter."""
    restic = samples.reports.get(("restic", "full"))
    theirs = f"restic backup {mib(restic['memory'])} MiB" if restic else "-"
    for name in OURS:
        full, small = samples.reports[name, "full"], quarter[name].report
        ours = f"{mib(full['memory'])} / {mib(small['memory'])} MiB"
        total_full, total_small = full["memory"], small["memory"]
        if name == "plugin":
            ours += f"; bank service {mib(full['service_memory'])} / "
            ours += f"{mib(small['service_memory'])} MiB"
            total_full += full["service_memory"]
            total_small += small["service_memory"]
        table.add(
            f"peak memory of protect ({LABELS[name]}), whole file / 1/4 of it",
            ours,
            theirs,
            f"{total_full / max(total_small, 1):.2f}x for 4x data",
            "bounded (~1x)",
        )


def fs_notes(samples: Samples, notes: list[str]) -> None:
    sides = [name for name in (*FS_SIDES, "restic") if (name, "full") in samples.reports]
    notes.append(
        "times are the best of each side's rounds; all rounds (s), "
        + " | ".join(sides)
        + ": "
        + "; ".join(
            f"{step} " + " | ".join(fmt(samples.times[name, step]) for name in sides)
            for step in ("full", "incr", "restore")
        )
    )
    plugin = [samples.reports["plugin", step] for step in ("full", "incr")]
    direct = [samples.reports["direct", step] for step in ("full", "incr")]
    notes.append(
        f"plugin: the first protect cut {plugin[0]['chunks']} fixed "
        f"{plugin[0]['chunk_size'] // 1024} KiB chunks and uploaded "
        f"{plugin[0]['new_chunks']} ({mib(plugin[0]['new_bytes'])} MiB before zstd); the "
        f"incremental uploaded {plugin[1]['new_chunks']} ({plugin[1]['new_bytes'] / MiB:.1f} "
        "MiB). Plugin and bank service share this host, so chunk bytes go through shared "
        "memory (bank/regions.py); the inline rows send them inside the gRPC messages. The "
        "bank service stores the chunks with batched durability (one syncfs before each "
        "stream's commit, not an fsync per chunk). The restore writes a sparse file with "
        "O_DIRECT, fsyncs it before it returns (restic's restore does not fsync) and checks "
        "the image's chunk-list digest; every chunk was checked against its hash as the bank "
        "read it (and again by the plugin when it came inside a message)."
    )
    notes.append(
        f"bank library direct: the first protect cut {direct[0]['chunks']} chunks and stored "
        f"{direct[0]['new_chunks']} ({mib(direct[0]['stored'])} MiB after dedup and zstd); the "
        f"incremental stored {direct[1]['new_chunks']} new chunks "
        f"({direct[1]['stored'] / MiB:.1f} MiB)."
    )
    restores = [samples.reports[name, "restore"]["memory"] for name in OURS]
    note = (
        f"peak memory of restore: plugin {mib(restores[0])} MiB, bank library direct "
        f"{mib(restores[1])} MiB."
    )
    restic = samples.reports.get(("restic", "full"))
    if restic:
        note += (
            " restic's is ru_maxrss, which counts the peak of the benchmark process that spawned"
            f" it too ({mib(restic['floor'])} MiB then): restic's own when above that."
        )
    notes.append(note)


# -- S3 ----------------------------------------------------------------------------------------
def s3_client(endpoint: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=32),
    )


def run_s3(work: Path, data: Path, size: int, table: Table, notes: list[str], repeat: int) -> None:
    from boto3.s3.transfer import TransferConfig

    from support.seaweed import SeaweedS3

    times: dict[str, list[float]] = defaultdict(list)
    reports: dict[str, dict[str, Any]] = {}
    with SeaweedS3.start(work / "seaweed") as server:
        client = s3_client(server.endpoint)
        client.create_bucket(Bucket="plain-upload")
        client.put_object(Bucket="plain-upload", Key="warmup", Body=os.urandom(4 * MiB))
        for rep in range(repeat):
            print(f"S3 round {rep + 1} of {repeat}", flush=True)
            settle()
            started = time.perf_counter()
            client.upload_file(
                str(data), "plain-upload", f"data-{rep}.bin", Config=TransferConfig()
            )
            times["upload"].append(time.perf_counter() - started)
            for side in (
                PluginSide(s3_config(server.endpoint, f"smaug-plugin-{rep}")),
                DirectSide(s3_config(server.endpoint, f"smaug-direct-{rep}")),
            ):
                with contextlib.closing(side):
                    step = side.protect(data)
                times[side.name].append(step.seconds)
                reports[side.name] = step.report
    for name in OURS:
        throughput_row(
            table,
            f"protect into S3 bank (SeaweedFS), {LABELS[name]} vs boto3 `upload_file`",
            size,
            min(times[name]),
            min(times["upload"]),
            1.0,
        )
    plugin, direct = reports["plugin"], reports["direct"]
    notes.append(
        "S3: all rounds (s), plugin | bank library direct | upload_file: "
        f"{fmt(times['plugin'])} | {fmt(times['direct'])} | {fmt(times['upload'])}. The plugin "
        f"uploaded {plugin['new_chunks']} chunk objects; peak memory {mib(plugin['memory'])} MiB "
        f"plus bank service {mib(plugin['service_memory'])} MiB. Bank library direct stored "
        f"{direct['new_chunks']} chunk objects, {mib(direct['stored'])} MiB; peak memory "
        f"{mib(direct['memory'])} MiB. upload_file: boto3 defaults (8 MiB parts, 10 threads)."
    )


# -- main --------------------------------------------------------------------------------------
def run(options: argparse.Namespace, work: Path, table: Table, notes: list[str]) -> None:
    original = work / "original.bin"
    print(f"generating {options.size_mib} MiB test file in {work} ...", flush=True)
    make_data(original, options.size_mib * MiB // SEGMENT)
    size = original.stat().st_size
    restic = "" if options.skip_restic else ensure_restic()
    samples = Samples()
    for rep in range(options.repeat):
        print(f"round {rep + 1} of {options.repeat}", flush=True)
        fs_round(work, original, restic, samples)
    if restic:
        fs_rows(table, samples, size)
    else:
        for name in FS_SIDES:
            for step in ("full", "incr", "restore"):
                best = f"{samples.best(name, step):.2f} s"
                table.add(f"{step}, {LABELS[name]}", best, "-", "-", "-")
    memory_rows(table, samples, quarter_protects(work, original))
    fs_notes(samples, notes)
    if not options.skip_s3:
        run_s3(work, original, size, table, notes, options.repeat)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--size-mib", type=int, default=1024, help="file size (multiple of 8)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the best of each counts")
    parser.add_argument("--skip-s3", action="store_true")
    parser.add_argument("--skip-restic", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    options = parser.parse_args()

    work = Path(options.workdir or tempfile.mkdtemp(prefix="smaug-bench-", dir="/var/tmp"))
    work.mkdir(parents=True, exist_ok=True)
    table = Table()
    notes: list[str] = []
    try:
        run(options, work, table, notes)
    finally:
        if not options.keep:
            shutil.rmtree(work, ignore_errors=True)
    report = "\n\n".join(
        [
            "# Bank data-plane benchmark",
            f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} cores,"
            f" {options.size_mib} MiB file (`{' '.join(['bench/data_plane.py', *sys.argv[1:]])}`)."
            " Each step is one process, timed spawn to exit, file in page cache. Block-device"
            " plugin rows: the plugin's protect_device / restore_device talking gRPC to a bank"
            " service in its own process, running throughout (bench/bank_service.py), as in a"
            " deployment on one host (chunk bytes through shared memory; the inline rows keep"
            " them inside the gRPC messages, as with a bank service on another host). Bank library"
            " direct rows: the bank library in the measuring process.",
            table.markdown(),
            "\n".join(f"- {note}" for note in notes),
        ]
    )
    kept = kept_analysis(options.results)
    options.results.write_text(report + "\n" + (f"\n{kept}" if kept else ""))
    print("\n" + report)


ANALYSIS = "<!-- analysis: kept across runs -->"


def kept_analysis(results: Path) -> str:
    """The hand-written analysis at the end of the results file (from ANALYSIS on), which a
    new run keeps below its own table and notes."""
    try:
        text = results.read_text()
    except FileNotFoundError:
        return ""
    at = text.find(ANALYSIS)
    return text[at:] if at >= 0 else ""


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_step":
        run_step(*sys.argv[2:])
    else:
        main()
