"""`smaug`: run the mesh (`up`, `serve`) and drive the whole life cycle through the public API.

Exit codes: 0 success, 1 failure (including an operation that ended in error or was cancelled),
2 usage error, 3 not found, 130 interrupted.
"""

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

PROCESSES = {
    "api": "smaug.api.server",
    "scheduler": "smaug.scheduler.server",
    "protection": "smaug.protection.server",
}

EPILOG = """\
Start Smaug on this machine with `smaug up`; the other commands talk to its api
(--api, $SMAUG_API or `smaug login`; default 127.0.0.1:8790 with the token in
<data_dir>/admin-token). Add -o json for output to script against, --wait to
follow a long operation. `smaug COMMAND --help` says more.

exit codes: 0 success, 1 failure, 2 usage error, 3 not found, 130 interrupted
"""


def _parser() -> argparse.ArgumentParser:
    from smaug.cli import (
        commands_admin,
        commands_catalog,
        commands_checkpoints,
        commands_core,
        commands_operations,
        commands_plans,
        commands_schedules,
    )
    from smaug.cli.common import client_options

    parser = argparse.ArgumentParser(
        prog="smaug",
        description="Smaug data protection",
        epilog=EPILOG,
        parents=[client_options(False)],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", help="configuration file (default: $SMAUG_CONFIG or none)")
    parser.add_argument("--data-dir", help="data directory (default: ~/.local/share/smaug)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("up", help="run the whole mesh on this machine until Ctrl-C")
    serve = commands.add_parser("serve", help="run one service of the mesh")
    serve.add_argument("process", choices=sorted(PROCESSES))
    commands_catalog.register(commands)
    commands_plans.register(commands)
    commands_checkpoints.register(commands)
    commands_operations.register(commands)
    commands_schedules.register(commands)
    commands_admin.register(commands)
    commands_core.register(commands, parser)
    return parser


# Options of the top level that take a value (to find the command word in argv).
_VALUED = {"--config", "--data-dir", "--api", "--token", "-o", "--output", "--timeout"}


def _karbor_names(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Accept other names of command groups (`smaug plans list`) and karbor's hyphenated
    command names (`smaug plan-list` is `smaug plan list`)."""
    from smaug.cli.common import GROUP_ALIASES

    table = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    index = 0
    while index < len(argv):
        word = argv[index]
        if word in _VALUED:
            index += 2
            continue
        if word.startswith("-"):
            index += 1
            continue
        break
    if index >= len(argv) or argv[index] in table.choices:
        return argv
    if argv[index] in GROUP_ALIASES:
        return [*argv[:index], GROUP_ALIASES[argv[index]], *argv[index + 1 :]]
    if "-" not in argv[index]:
        return argv
    word = argv[index]
    for cut in range(len(word) - 1, 0, -1):
        if word[cut] != "-":
            continue
        head, tail = word[:cut], word[cut + 1 :]
        group = table.choices.get(GROUP_ALIASES.get(head, head))
        if group is None:
            continue
        inner = next((a for a in group._actions if isinstance(a, argparse._SubParsersAction)), None)
        if inner is not None and tail in inner.choices:
            return [*argv[:index], GROUP_ALIASES.get(head, head), tail, *argv[index + 1 :]]
    return argv


def _run_mesh(args: argparse.Namespace) -> int:
    from smaug.mesh import logs
    from smaug.protection.plugin_host import PluginStartError

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
    from smaug.deploy import launcher

    return asyncio.run(launcher.up(config, args.config))


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    raw = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(_karbor_names(parser, raw))
    if args.command in ("up", "serve"):
        return _run_mesh(args)
    return _run_client(args)


def _run_client(args: argparse.Namespace) -> int:
    import grpc

    from smaug.cli.client import INTERRUPTED, CliError, describe_error
    from smaug.cli.common import Context

    context = Context(args)
    try:
        code: int = args.func(context)
        return code
    except CliError as error:
        _report(error)
        return error.code
    except grpc.RpcError as rpc_error:
        described = describe_error(rpc_error, context.settings)
        _report(described)
        return described.code
    except KeyboardInterrupt:
        print("smaug: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader of our output went away (`smaug ... | head`): nothing more to say.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    finally:
        context.close()


def _report(error: object) -> None:
    from smaug.cli.client import CliError

    assert isinstance(error, CliError)
    if error.message == "interrupted":
        return
    print(f"smaug: error: {error.message}", file=sys.stderr)
    for line in error.details:
        print(f"  {line}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
