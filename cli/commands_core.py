"""`smaug login`, `smaug logout` and `smaug completion`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from smaug.cli import completion
from smaug.cli.client import (
    USAGE,
    Client,
    CliError,
    cli_config_path,
    read_cli_config,
    resolve_settings,
    write_cli_config,
)
from smaug.cli.common import Context, command
from smaug.v1 import providers_pb2


def register(sub: Any, root: Any) -> None:
    login = command(
        sub,
        "login",
        "remember the api address and token in the CLI config file",
        login_command,
        description="Check the api address and token, then store them in "
        "~/.config/smaug/cli.yaml ($SMAUG_CLI_CONFIG) for later commands.",
    )
    login.add_argument("--token-file", metavar="FILE", help="read the token from FILE ('-': stdin)")
    login.add_argument("--project", help="your project id (used by `smaug quota show`)")
    login.add_argument("--no-verify", action="store_true", help="store without checking")
    command(sub, "logout", "forget the stored token", logout_command)
    completion_parser = sub.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print a completion script: `source <(smaug completion bash)`, or add that "
        "line to ~/.bashrc (zsh: `source <(smaug completion zsh)` in ~/.zshrc).",
    )
    completion_parser.add_argument("shell", choices=["bash", "zsh"])
    completion_parser.set_defaults(func=lambda ctx: completion_command(ctx, root))


def login_command(ctx: Context) -> int:
    args = ctx.args
    path = cli_config_path()
    saved = read_cli_config(path)
    token = getattr(args, "token", None)
    if args.token_file:
        source = sys.stdin if args.token_file == "-" else None
        try:
            token = (source.read() if source else Path(args.token_file).read_text()).strip()
        except OSError as error:
            raise CliError(f"cannot read the token: {error}", USAGE) from None
    api = getattr(args, "api", None)
    if not api and not token and not args.project:
        raise CliError("give --api ADDR and/or --token TOKEN (or --token-file FILE)", USAGE)
    settings = resolve_settings(
        api or saved.get("api"),
        token or saved.get("token"),
        getattr(args, "config", None),
        getattr(args, "data_dir", None),
        float(getattr(args, "timeout", None) or 30.0),
    )
    providers = None
    if not args.no_verify:
        client = Client(settings)
        try:
            providers = client.call(
                client.providers.ListProviders, providers_pb2.ListProvidersRequest(page_size=1000)
            ).providers
        finally:
            client.close()
    values = dict(saved)
    values["api"] = settings.api
    if token:
        values["token"] = token
    if args.project:
        values["project"] = args.project
    write_cli_config(path, values)
    found = "" if providers is None else f"; {len(providers)} provider(s) visible"
    print(f"Logged in to {settings.api}{found}. Settings saved in {path}.")
    return 0


def logout_command(ctx: Context) -> int:
    path = cli_config_path()
    saved = read_cli_config(path)
    if "token" not in saved:
        print(f"No token stored in {path}.")
        return 0
    del saved["token"]
    write_cli_config(path, saved)
    print(f"Token removed from {path}.")
    return 0


def completion_command(ctx: Context, root: Any) -> int:
    sys.stdout.write(completion.script(root, ctx.args.shell))
    return 0
