"""`smaug provider account ...` (admin): projects' own bank accounts on providers' banks."""

from __future__ import annotations

import os
import sys
from typing import Any

from smaug.cli import output
from smaug.cli.client import USAGE, CliError
from smaug.cli.common import Context, command
from smaug.v1 import bank_accounts_pb2, bank_accounts_pb2_grpc


def register(providers: Any) -> None:
    """Adds `account` to the `provider` group."""
    parser = providers.add_parser(
        "account",
        aliases=["accounts"],
        help="projects' own bank accounts on a provider's bank (admin)",
        description="projects' own bank accounts (admin): an S3 bucket or prefix with its own "
        "credentials, or a directory, holding only that project's checkpoints",
    )
    accounts = parser.add_subparsers(dest="account_command", required=True, metavar="COMMAND")
    listing = command(accounts, "list", "list bank accounts", account_list, ["ls"])
    listing.add_argument("--provider", help="only accounts on this provider (id or name)")
    listing.add_argument("--project", help="only accounts of this project")
    show = command(accounts, "show", "show a project's bank account", account_show, ["get"])
    show.add_argument("provider", help="provider id or name")
    show.add_argument("project", help="project id")
    setting = command(
        accounts,
        "set",
        "assign a project its bank account (refused while it has checkpoints elsewhere)",
        account_set,
        ["update"],
    )
    setting.add_argument("provider", help="provider id or name")
    setting.add_argument("project", help="project id")
    where = setting.add_mutually_exclusive_group(required=True)
    where.add_argument("--path", help="filesystem bank: the account's directory (absolute)")
    where.add_argument("--bucket", help="S3 bank: the account's bucket ('' for the provider's)")
    setting.add_argument("--prefix", default="", help="S3: key prefix inside the bucket")
    setting.add_argument("--access-key-id", default="", help="S3: the account's access key id")
    secret = setting.add_mutually_exclusive_group()
    secret.add_argument(
        "--secret-env",
        metavar="VARIABLE",
        help="S3: read the secret access key from this environment variable",
    )
    secret.add_argument(
        "--secret-stdin",
        action="store_true",
        help="S3: read the secret access key from the first line of standard input",
    )
    delete = command(
        accounts, "delete", "remove a project's bank account (only when empty)", account_delete
    )
    delete.add_argument("provider", help="provider id or name")
    delete.add_argument("project", help="project id")


def _stub(ctx: Context) -> bank_accounts_pb2_grpc.BankAccountServiceStub:
    return bank_accounts_pb2_grpc.BankAccountServiceStub(ctx.client.channel)


def _credentials(account: bank_accounts_pb2.BankAccount) -> str:
    if account.WhichOneof("location") != "s3" or not account.s3.access_key_id:
        return "the provider's"
    stored = "secret stored" if account.s3.has_secret_access_key else "no secret"
    return f"{account.s3.access_key_id} ({stored})"


def _print(ctx: Context, account: bank_accounts_pb2.BankAccount) -> None:
    if ctx.out.json:
        ctx.out.dump(account)
        return
    ctx.out.detail(
        [
            ("Provider", account.provider_id),
            ("Project", account.project_id),
            ("Location", account.uri),
            ("Credentials", _credentials(account)),
            ("Encrypted", "yes, with the account's own key" if account.encrypted else "no"),
            ("Created", output.when(account.create_time)),
            ("Updated", output.when(account.update_time)),
        ]
    )


def account_list(ctx: Context) -> int:
    provider_id = ctx.provider(ctx.args.provider).id if ctx.args.provider else ""
    found = list(
        ctx.client.pages(
            _stub(ctx).ListBankAccounts,
            bank_accounts_pb2.ListBankAccountsRequest(
                provider_id=provider_id, project_id=ctx.args.project or ""
            ),
            "bank_accounts",
        )
    )
    if ctx.out.json:
        ctx.out.dump_list("bank_accounts", found)
        return 0
    ctx.out.table(
        ["PROVIDER", "PROJECT", "LOCATION", "CREDENTIALS", "ENCRYPTED"],
        [
            [a.provider_id, a.project_id, a.uri, _credentials(a), "yes" if a.encrypted else "no"]
            for a in found
        ],
    )
    return 0


def account_show(ctx: Context) -> int:
    got = ctx.client.call(
        _stub(ctx).GetBankAccount,
        bank_accounts_pb2.GetBankAccountRequest(
            provider_id=ctx.provider(ctx.args.provider).id, project_id=ctx.args.project
        ),
    )
    _print(ctx, got.bank_account)
    return 0


def _secret(ctx: Context) -> str:
    if ctx.args.secret_env:
        value = os.environ.get(ctx.args.secret_env)
        if not value:
            raise CliError(f"environment variable {ctx.args.secret_env} is not set", USAGE)
        return value
    if ctx.args.secret_stdin:
        return sys.stdin.readline().strip()
    return ""


def account_set(ctx: Context) -> int:
    account = bank_accounts_pb2.BankAccount(
        provider_id=ctx.provider(ctx.args.provider).id, project_id=ctx.args.project
    )
    s3_options = ctx.args.prefix or ctx.args.access_key_id or ctx.args.secret_env
    if ctx.args.path is not None:
        if s3_options or ctx.args.secret_stdin:
            raise CliError("--prefix, --access-key-id and secrets are for S3 (--bucket)", USAGE)
        account.filesystem.path = ctx.args.path
    else:
        account.s3.CopyFrom(
            bank_accounts_pb2.S3BankAccount(
                bucket=ctx.args.bucket,
                prefix=ctx.args.prefix,
                access_key_id=ctx.args.access_key_id,
                secret_access_key=_secret(ctx),
            )
        )
    got = ctx.client.call(
        _stub(ctx).SetBankAccount, bank_accounts_pb2.SetBankAccountRequest(bank_account=account)
    )
    _print(ctx, got.bank_account)
    return 0


def account_delete(ctx: Context) -> int:
    provider_id = ctx.provider(ctx.args.provider).id
    ctx.client.call(
        _stub(ctx).DeleteBankAccount,
        bank_accounts_pb2.DeleteBankAccountRequest(
            provider_id=provider_id, project_id=ctx.args.project
        ),
    )
    ctx.out.line(f"Project {ctx.args.project}: bank account on provider {provider_id} removed.")
    return 0
