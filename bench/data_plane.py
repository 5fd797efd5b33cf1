#!/usr/bin/env python3
"""Data-plane benchmark: the bank's protect / incremental / restore paths beside restic, and the
S3 bank beside a plain boto3 upload_file, on the same generated 1 GiB file in the same run.

    .venv/bin/python bench/data_plane.py            # full run, writes bench/RESULTS.md
    .venv/bin/python bench/data_plane.py --size-mib 256 --skip-s3   # quicker look

The file: 128 segments of 8 MiB from a fixed seed: 80 random, 24 exact repeats of earlier random
segments, 24 hex text (compresses ~2:1). The change: 64 random 168 KiB writes (~1 %) in place.
Every measured step (ours and restic's) runs as its own process, timed from spawn to exit, with
its peak RSS from wait4; the file is in the page cache for all of them. restic is installed with
apt-get if missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))  # support.seaweed

MiB = 1024 * 1024
SEGMENT = 8 * MiB
SECTION = "resources/file/data"


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
    """(wall seconds, peak RSS bytes, stdout) of one process."""
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


def bank_step(*arguments: str) -> tuple[float, int, dict[str, object]]:
    elapsed, rss, out = timed([sys.executable, __file__, "_step", *arguments])
    return elapsed, rss, json.loads(out.strip().splitlines()[-1])


def run_step(action: str, config_json: str, file: str, checkpoint: str = "") -> None:
    """Inside the measured process: one protect or restore through the bank library."""
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
            print(
                json.dumps(
                    {
                        "checkpoint": meta.id,
                        "size": result.size,
                        "new_chunks": result.chunks_new,
                        "stored": result.bytes_stored,
                        "chunks": len(result.manifest),
                    }
                )
            )
        else:
            with open(file, "wb") as sink:
                size = bank.restore_stream(checkpoint, SECTION, "data", sink)
            print(json.dumps({"size": size}))
    finally:
        bank.close()


# -- restic ----------------------------------------------------------------------------------
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


# -- report ----------------------------------------------------------------------------------
class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, what: str, ours: str, theirs: str, ratio: str, target: str) -> None:
        self.rows.append((what, ours, theirs, ratio, target))
        print(f"  {what}: ours {ours} | reference {theirs} | {ratio} (target {target})", flush=True)

    def markdown(self) -> str:
        lines = [
            "| measurement | Smaug bank | reference | ratio | target |",
            "|---|---|---|---|---|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def mbps(size: int, seconds: float) -> str:
    return f"{size / MiB / seconds:.0f} MiB/s ({seconds:.2f} s)"


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


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
            " Each step is one process, timed spawn to exit, file in page cache.",
            table.markdown(),
            "\n".join(f"- {note}" for note in notes),
        ]
    )
    options.results.write_text(report + "\n")
    print("\n" + report)


def fmt(values: list[float]) -> str:
    return "/".join(f"{value:.2f}" for value in values)


def run(options: argparse.Namespace, work: Path, table: Table, notes: list[str]) -> None:
    original = work / "original.bin"
    segments = options.size_mib * MiB // SEGMENT
    print(f"generating {options.size_mib} MiB test file in {work} ...", flush=True)
    make_data(original, segments)
    size = original.stat().st_size
    restic = "" if options.skip_restic else ensure_restic()
    data = work / "data.bin"
    ours: dict[str, list[float]] = {"full": [], "incr": [], "restore": []}
    theirs: dict[str, list[float]] = {"full": [], "incr": [], "restore": []}
    rss: dict[str, int] = {}
    growth: dict[str, int] = {}
    first: dict[str, object] = {}
    second: dict[str, object] = {}
    for rep in range(options.repeat):
        print(f"round {rep + 1} of {options.repeat}", flush=True)
        shutil.copyfile(original, data)
        bank_dir = work / "bank"
        config = json.dumps({"backend": "filesystem", "path": str(bank_dir), "name": "bench"})
        elapsed, rss["full"], first = bank_step("protect", config, str(data))
        ours["full"].append(elapsed)
        stored_1 = du(bank_dir)
        if restic:
            env = restic_env(work)
            timed([restic, "init"], env)
            elapsed, rss["restic"], _ = timed([restic, "backup", "--quiet", str(data)], env)
            theirs["full"].append(elapsed)
            repo_1 = du(work / "restic-repo")
        modify(data)
        sha_modified = sha256(data)
        elapsed, _, second = bank_step("protect", config, str(data))
        ours["incr"].append(elapsed)
        growth["ours"] = du(bank_dir) - stored_1
        if restic:
            elapsed, _, _ = timed([restic, "backup", "--quiet", str(data)], env)
            theirs["incr"].append(elapsed)
            growth["restic"] = du(work / "restic-repo") - repo_1
        restored = work / "restored.bin"
        elapsed, rss["restore"], _ = bank_step(
            "restore", config, str(restored), str(second["checkpoint"])
        )
        ours["restore"].append(elapsed)
        if sha256(restored) != sha_modified:
            raise SystemExit("bank restore does not match the protected file")
        restored.unlink()
        if restic:
            target = work / "restic-restore"
            elapsed, _, _ = timed([restic, "restore", "latest", "--target", str(target)], env)
            theirs["restore"].append(elapsed)
            if sha256(next(target.rglob("data.bin"))) != sha_modified:
                raise SystemExit("restic restore does not match the protected file")
            shutil.rmtree(target)
            shutil.rmtree(work / "restic-repo")
            shutil.rmtree(work / "restic-cache", ignore_errors=True)
        shutil.rmtree(bank_dir)

    best = {key: min(values) for key, values in ours.items()}
    if restic:
        ref = {key: min(values) for key, values in theirs.items()}
        table.add(
            "full protect, filesystem bank vs `restic backup`",
            mbps(size, best["full"]),
            mbps(size, ref["full"]),
            f"{ref['full'] / best['full']:.2f}x throughput",
            f">= 3x ({verdict(ref['full'] / best['full'] >= 3)})",
        )
        table.add(
            "incremental protect after 1 % change vs restic's 2nd backup",
            f"{best['incr']:.2f} s",
            f"{ref['incr']:.2f} s",
            f"{best['incr'] / ref['incr']:.2f}x time",
            f"<= 0.5x ({verdict(best['incr'] / ref['incr'] <= 0.5)})",
        )
        table.add(
            "storage growth of that incremental",
            f"{growth['ours'] / MiB:.1f} MiB",
            f"{growth['restic'] / MiB:.1f} MiB",
            f"{growth['ours'] / max(growth['restic'], 1):.2f}x",
            f"<= 1x ({verdict(growth['ours'] <= growth['restic'])})",
        )
        table.add(
            "restore (latest) vs `restic restore`",
            mbps(size, best["restore"]),
            mbps(size, ref["restore"]),
            f"{ref['restore'] / best['restore']:.2f}x throughput",
            f">= 2x ({verdict(ref['restore'] / best['restore'] >= 2)})",
        )
        notes.append(
            "times are the best of each side's rounds; all rounds (s), ours | restic: "
            + "; ".join(f"{key} {fmt(ours[key])} | {fmt(theirs[key])}" for key in ours)
        )
    else:
        for key in ours:
            table.add(f"bank {key}", f"{best[key]:.2f} s", "-", "-", "-")

    # peak memory must not follow data size: the same protect of a quarter of the file
    small = work / "quarter.bin"
    with open(original, "rb") as source, open(small, "wb") as out:
        out.write(source.read(size // 4))
    small_bank = json.dumps({"backend": "filesystem", "path": str(work / "bank-q"), "name": "q"})
    _, rss_small, _ = bank_step("protect", small_bank, str(small))
    small.unlink()
    shutil.rmtree(work / "bank-q")
    table.add(
        "peak RSS: protect of the full file / of 1/4 of it",
        f"{rss['full'] / MiB:.0f} / {rss_small / MiB:.0f} MiB",
        f"restic backup {rss['restic'] / MiB:.0f} MiB" if restic else "-",
        f"{rss['full'] / max(rss_small, 1):.2f}x for 4x data",
        "bounded (~1x)",
    )
    notes.append(
        f"bank: first protect cut {first['chunks']} chunks and stored {first['new_chunks']} "
        f"({int(first['stored']) / MiB:.0f} MiB after dedup and zstd); the incremental stored "
        f"{second['new_chunks']} new chunks ({int(second['stored']) / MiB:.1f} MiB). "
        f"Restore peak RSS {rss['restore'] / MiB:.0f} MiB."
    )
    if not options.skip_s3:
        shutil.copyfile(original, data)
        run_s3(work, data, size, table, notes, options.repeat)


def run_s3(work: Path, data: Path, size: int, table: Table, notes: list[str], repeat: int) -> None:
    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    from support.seaweed import SeaweedS3

    with SeaweedS3.start(work / "seaweed") as server:
        client = boto3.client(
            "s3",
            endpoint_url=server.endpoint,
            region_name="us-east-1",
            aws_access_key_id="bench",
            aws_secret_access_key="bench",
            config=Config(s3={"addressing_style": "path"}, max_pool_connections=32),
        )
        client.create_bucket(Bucket="plain-upload")
        client.put_object(Bucket="plain-upload", Key="warmup", Body=os.urandom(4 * MiB))
        plain: list[float] = []
        ours: list[float] = []
        result: dict[str, object] = {}
        rss = 0
        for rep in range(repeat):
            settle()
            started = time.perf_counter()
            client.upload_file(
                str(data), "plain-upload", f"data-{rep}.bin", Config=TransferConfig()
            )
            plain.append(time.perf_counter() - started)
            config = json.dumps(
                {
                    "backend": "s3",
                    "endpoint": server.endpoint,
                    "bucket": f"smaug-bank-{rep}",
                    "access_key": "bench",
                    "secret_key": "bench",
                    "name": "bench-s3",
                }
            )
            elapsed, rss, result = bank_step("protect", config, str(data))
            ours.append(elapsed)
        best, ref = min(ours), min(plain)
        table.add(
            "protect into S3 bank (SeaweedFS) vs boto3 `upload_file`",
            mbps(size, best),
            mbps(size, ref),
            f"{ref / best:.2f}x throughput",
            f">= 1.0x ({verdict(ref / best >= 1.0)})",
        )
        notes.append(
            f"S3: all rounds (s), ours | upload_file: {fmt(ours)} | {fmt(plain)}. The bank "
            f"stored {result['new_chunks']} chunk objects, {int(result['stored']) / MiB:.0f} "
            f"MiB; peak RSS {rss / MiB:.0f} MiB. upload_file: boto3 defaults (8 MiB parts, "
            "10 threads)."
        )


def best_of(action: Callable[[], None], times: int) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_step":
        run_step(*sys.argv[2:])
    else:
        main()
