"""`smaug`: run the mesh (`up`, `serve`) and, later, drive the whole life cycle."""

from __future__ import annotations

import os

# Children are forked with a pre-exec step (bound to the parent's life); grpc's fork handlers
# would only warn about it, as no gRPC state is used in the child before exec.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import argparse
import asyncio
import importlib
import sys

from smaug.deploy import config as config_module
from smaug.mesh import logs
from smaug.protection.plugin_host import PluginStartError

PROCESSES = {
    "api": "smaug.api.server",
    "scheduler": "smaug.scheduler.server",
    "protection": "smaug.protection.server",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smaug", description="Smaug data protection")
    parser.add_argument("--config", help="configuration file (default: $SMAUG_CONFIG or none)")
    parser.add_argument("--data-dir", help="data directory (default: ~/.local/share/smaug)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="run the whole mesh on this machine until Ctrl-C")
    serve = commands.add_parser("serve", help="run one service of the mesh")
    serve.add_argument("process", choices=sorted(PROCESSES))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    environ = None
    if args.data_dir:
        environ = {**os.environ, "SMAUG_DATA_DIR": args.data_dir}
    try:
        config = config_module.load(args.config, environ)
    except config_module.ConfigError as error:
        print(f"smaug: configuration error: {error}", file=sys.stderr)
        return 2
    if args.command == "serve":
        logs.configure(args.process, config.log_level)
        module = importlib.import_module(PROCESSES[args.process])
        try:
            asyncio.run(module.run(config))
        except (OSError, PluginStartError) as error:
            print(f"smaug serve {args.process}: {error}", file=sys.stderr)
            return 1
        return 0
    if args.command == "up":
        from smaug.deploy import launcher

        return asyncio.run(launcher.up(config, args.config))
    return 2


if __name__ == "__main__":
    sys.exit(main())
