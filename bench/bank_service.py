#!/usr/bin/env python3
"""The bank service for the data-plane benchmark, in its own process as in a deployment: opens a
bank from the JSON configuration in argv[1] and serves smaug.bank.v1.BankService on 127.0.0.1,
as the protection service does (bank/service.py).

It prints {"address": ...} on its first stdout line, then answers one JSON line per stdin line:

    new            -> {"checkpoint": id, "token": write token}   a checkpoint being protected
    seal ID        -> {"token": read-only token}                 marks it available, for restore

It exits when stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

import grpc

from smaug.bank.bank import Bank
from smaug.bank.checkpoints import resource_section
from smaug.bank.config import open_bank
from smaug.bank.service import GRPC_MESSAGE_OPTIONS, BankServicer
from smaug.bank.tokens import SectionTokenVerifier, issue_section_token
from smaug.bank.v1 import bank_pb2_grpc

SECRET = b"bench-section-token-secret"
BANK = "default"
SECTION = resource_section("Smaug::BlockDevice", "/bench/data.bin")


def token(checkpoint: str, read_only: bool) -> str:
    return issue_section_token(
        SECRET, bank=BANK, checkpoint_id=checkpoint, section=SECTION, read_only=read_only
    )


def handle(bank: Bank, command: str, *args: str) -> dict[str, Any]:
    if command == "new":
        meta = bank.checkpoints.create(
            project_id="bench", provider_id="bench", plan={"id": "bench"}, owner_id="bench"
        )
        return {"checkpoint": meta.id, "token": token(meta.id, read_only=False)}
    if command == "seal":
        bank.checkpoints.update(args[0], status="available")
        return {"token": token(args[0], read_only=True)}
    raise ValueError(f"unknown command {command!r}")


def reply(answer: dict[str, Any]) -> None:
    print(json.dumps(answer), flush=True)


async def serve(config: dict[str, Any]) -> None:
    bank = open_bank(config)
    server = grpc.aio.server(options=GRPC_MESSAGE_OPTIONS)
    servicer = BankServicer({BANK: bank}, SectionTokenVerifier(SECRET))
    bank_pb2_grpc.add_BankServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    reply({"address": f"127.0.0.1:{port}"})
    # stdin through the event loop, so no thread of the default executor (which the servicer
    # uses for bank work) sits blocked on it
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    try:
        while line := (await stdin.readline()).decode().strip():
            reply(await asyncio.to_thread(handle, bank, *line.split()))
    finally:
        await server.stop(None)
        bank.close()


if __name__ == "__main__":
    asyncio.run(serve(json.loads(sys.argv[1])))
