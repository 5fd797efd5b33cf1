"""BankAccountService (admin only): projects' own accounts on providers' banks.

Get and List read the store. Set and Delete are checked here for the caller and the request's
shape, then forwarded to the protection service, which checks them against the configuration and
the banks (overlaps, moves, credentials) and writes the row. Secrets are never returned.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from typing import Any

from smaug.api.core import ApiContext
from smaug.api.validation import Violations, check_page_size, check_text_id, page_size
from smaug.bank.errors import InvalidKey
from smaug.bank.keys import validate_key
from smaug.mesh.errors import invalid_argument, not_found
from smaug.store import accounts
from smaug.v1 import bank_accounts_pb2, bank_accounts_pb2_grpc

_SERVICE = "/smaug.v1.BankAccountService/"
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")  # no spaces or control characters
MAX_PATH = 1024
MAX_PREFIX = 512
MAX_KEY_ID = 128
MAX_SECRET = 256


def _ids(provider_id: str, project_id: str, prefix: str = "") -> None:
    v = Violations()
    check_text_id(v, f"{prefix}provider_id", provider_id)
    check_text_id(v, f"{prefix}project_id", project_id)
    v.raise_if_any()


def _check_s3(v: Violations, s3: bank_accounts_pb2.S3BankAccount) -> None:
    field = "bank_account.s3"
    if s3.bucket and not _BUCKET.match(s3.bucket):
        v.add(f"{field}.bucket", "3 to 63 lowercase letters, digits, '.' and '-'")
    prefix = s3.prefix.strip("/")
    if len(s3.prefix) > MAX_PREFIX:
        v.add(f"{field}.prefix", f"at most {MAX_PREFIX} characters")
    elif prefix:
        try:
            validate_key(prefix, field="prefix")
        except InvalidKey as error:
            v.add(f"{field}.prefix", error.rule)
    if s3.access_key_id and (
        len(s3.access_key_id) > MAX_KEY_ID or not _PRINTABLE.match(s3.access_key_id)
    ):
        v.add(f"{field}.access_key_id", f"1 to {MAX_KEY_ID} printable characters, no spaces")
    if s3.secret_access_key:
        if not s3.access_key_id:
            v.add(f"{field}.secret_access_key", "given without access_key_id")
        elif len(s3.secret_access_key) > MAX_SECRET or not _PRINTABLE.match(s3.secret_access_key):
            v.add(
                f"{field}.secret_access_key", f"1 to {MAX_SECRET} printable characters, no spaces"
            )
    if s3.has_secret_access_key:
        v.add(f"{field}.has_secret_access_key", "output only: leave it unset")


def _check_filesystem(v: Violations, path: str) -> None:
    field = "bank_account.filesystem.path"
    if not path:
        v.add(field, "required: an absolute directory")
    elif len(path) > MAX_PATH or "\0" in path or re.search(r"[\x00-\x1f\x7f]", path):
        v.add(field, f"an absolute directory of at most {MAX_PATH} printable characters")
    elif not path.startswith("/") or os.path.normpath(path) != path or path.startswith("//"):
        v.add(field, f"must be absolute and normalised, e.g. {os.path.normpath('/' + path)}")


def _page_token(provider_id: str, project_id: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([provider_id, project_id]).encode()).decode()


def _after(token: str) -> tuple[str, str] | None:
    if not token:
        return None
    try:
        provider_id, project_id = json.loads(base64.urlsafe_b64decode(token.encode()))
        return str(provider_id), str(project_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise invalid_argument(
            "page_token is not a next_page_token of this list",
            {"page_token": "pass next_page_token back unchanged"},
        ) from None


class BankAccountService(bank_accounts_pb2_grpc.BankAccountServiceServicer):
    def __init__(self, ctx: ApiContext) -> None:
        self.ctx = ctx

    async def GetBankAccount(
        self, request: bank_accounts_pb2.GetBankAccountRequest, context: Any
    ) -> bank_accounts_pb2.GetBankAccountResponse:
        await self.ctx.admin(context, "GetBankAccount")
        _ids(request.provider_id, request.project_id)
        found = await self.ctx.read(
            lambda s: accounts.get_account(s, request.provider_id, request.project_id)
        )
        if found is None:
            raise not_found(
                "bank account", f"of project {request.project_id} on provider {request.provider_id}"
            )
        return bank_accounts_pb2.GetBankAccountResponse(bank_account=accounts.to_proto(found))

    async def ListBankAccounts(
        self, request: bank_accounts_pb2.ListBankAccountsRequest, context: Any
    ) -> bank_accounts_pb2.ListBankAccountsResponse:
        await self.ctx.admin(context, "ListBankAccounts")
        v = Violations()
        check_text_id(v, "provider_id", request.provider_id, required=False)
        check_text_id(v, "project_id", request.project_id, required=False)
        check_page_size(v, request.page_size)
        if len(request.page_token) > 4096:
            v.add("page_token", "not a next_page_token of this list")
        v.raise_if_any()
        after = _after(request.page_token)
        size = page_size(request.page_size)
        found = await self.ctx.read(
            lambda s: accounts.list_accounts(
                s,
                provider_id=request.provider_id or None,
                project_id=request.project_id or None,
                after=after,
                limit=size + 1,
            )
        )
        reply = bank_accounts_pb2.ListBankAccountsResponse(
            bank_accounts=[accounts.to_proto(a) for a in found[:size]]
        )
        if len(found) > size:
            last = found[size - 1]
            reply.next_page_token = _page_token(last.provider_id, last.project_id)
        return reply

    async def SetBankAccount(
        self, request: bank_accounts_pb2.SetBankAccountRequest, context: Any
    ) -> bank_accounts_pb2.SetBankAccountResponse:
        identity = await self.ctx.admin(context, "SetBankAccount")
        wanted = request.bank_account
        _ids(wanted.provider_id, wanted.project_id, "bank_account.")
        v = Violations()
        kind = wanted.WhichOneof("location")
        if kind is None:
            v.add("bank_account", "give exactly one location: s3 or filesystem")
        elif kind == "s3":
            _check_s3(v, wanted.s3)
        else:
            _check_filesystem(v, wanted.filesystem.path)
        for name in ("encrypted", "uri", "create_time", "update_time"):
            if wanted.HasField(name) if name.endswith("time") else getattr(wanted, name):
                v.add(f"bank_account.{name}", "output only: leave it unset")
        v.raise_if_any("bank account")
        reply: bank_accounts_pb2.SetBankAccountResponse = await self.ctx.forwarder.unary(
            _SERVICE + "SetBankAccount",
            request,
            bank_accounts_pb2.SetBankAccountResponse,
            identity,
        )
        return reply

    async def DeleteBankAccount(
        self, request: bank_accounts_pb2.DeleteBankAccountRequest, context: Any
    ) -> bank_accounts_pb2.DeleteBankAccountResponse:
        identity = await self.ctx.admin(context, "DeleteBankAccount")
        _ids(request.provider_id, request.project_id)
        reply: bank_accounts_pb2.DeleteBankAccountResponse = await self.ctx.forwarder.unary(
            _SERVICE + "DeleteBankAccount",
            request,
            bank_accounts_pb2.DeleteBankAccountResponse,
            identity,
        )
        return reply
