"""Regenerate the Python code committed beside every .proto under proto/.

Run ``python tools/gen_protos.py`` after editing a contract; ``--check`` regenerates into a
scratch directory and fails when the committed code differs (CI runs it that way).
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO = ROOT / "proto"
THIRD_PARTY = ROOT / "third_party"
SUFFIXES = ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py", "_pb2_grpc.pyi")


def mypy_grpc_plugin() -> str:
    """The mypy-protobuf plugin for the typed grpc stubs: beside this interpreter, or on PATH."""
    beside = Path(sys.executable).parent / "protoc-gen-mypy_grpc"
    found = str(beside) if beside.exists() else shutil.which("protoc-gen-mypy_grpc")
    if found is None:
        sys.exit("protoc-gen-mypy_grpc not found: run tools/setup (it installs mypy-protobuf)")
    return found


def generate(out: Path) -> None:
    protos = sorted(str(p.relative_to(PROTO)) for p in PROTO.rglob("*.proto"))
    mypy_grpc = mypy_grpc_plugin()
    cmd = [
        sys.executable,
        "-m",
        "grpc_tools.protoc",
        f"-I{PROTO}",
        f"-I{THIRD_PARTY}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        f"--plugin=protoc-gen-mypy_grpc={mypy_grpc}",
        f"--mypy_grpc_out={out}",
        *protos,
    ]
    subprocess.run(cmd, check=True, cwd=PROTO)


def generated_files(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.name.endswith(SUFFIXES)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check", action="store_true", help="fail if regenerating changes anything"
    )
    args = parser.parse_args()
    if not args.check:
        mypy_grpc_plugin()  # fail before deleting anything
        for stale in generated_files(PROTO):
            (PROTO / stale).unlink()
        generate(PROTO)
        return 0
    with tempfile.TemporaryDirectory() as scratch:
        fresh_root = Path(scratch)
        generate(fresh_root)
        fresh, committed = generated_files(fresh_root), generated_files(PROTO)
        drift = sorted(str(p) for p in fresh ^ committed)
        drift += sorted(
            str(p)
            for p in fresh & committed
            if not filecmp.cmp(fresh_root / p, PROTO / p, shallow=False)
        )
    if drift:
        print("generated code is stale; run `python tools/gen_protos.py`:", *drift, sep="\n  ")
        return 1
    print("generated code matches the protos")
    return 0


if __name__ == "__main__":
    sys.exit(main())
