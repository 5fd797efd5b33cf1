"""A bank service on a real grpc.aio server, and the sections a hook would be handed."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc

from smaug.bank.bank import Bank
from smaug.bank.service import GRPC_MESSAGE_OPTIONS, BankServicer
from smaug.bank.tokens import SectionTokenVerifier, issue_section_token
from smaug.bank.v1 import bank_pb2_grpc

SECRET = b"service-test-secret-0123456789"


@dataclass(frozen=True)
class Handle:  # what a hook receives as smaug.plugin.v1.BankSection
    address: str
    token: str
    read_only: bool


@dataclass
class Served:
    bank: Bank
    address: str
    checkpoint: str

    def section(self, section: str = "resources/volume/v1", read_only: bool = False) -> Handle:
        token = issue_section_token(
            SECRET,
            bank="default",
            checkpoint_id=self.checkpoint,
            section=section,
            read_only=read_only,
        )
        return Handle(self.address, token, read_only)


@contextlib.asynccontextmanager
async def serve_bank(bank: Bank, host: str = "127.0.0.1") -> AsyncIterator[Served]:
    """The bank served on ``host`` (an ephemeral port), with a checkpoint being protected."""
    server = grpc.aio.server(options=GRPC_MESSAGE_OPTIONS)
    bank_pb2_grpc.add_BankServiceServicer_to_server(
        BankServicer({"default": bank}, SectionTokenVerifier(SECRET)), server
    )
    port = server.add_insecure_port(f"{host}:0")
    await server.start()
    checkpoint = bank.checkpoints.create(
        project_id="proj", provider_id="prov", plan={"id": "plan"}, owner_id="svc"
    ).id
    try:
        yield Served(bank, f"{host}:{port}", checkpoint)
    finally:
        await server.stop(None)
