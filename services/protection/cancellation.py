"""Cancelling running operations from any replica.

A cancellation is a marker object in the bank (``cancel/<operation id>`` holding who asked).
The replica running the operation polls for it and cancels its hooks, so the request may reach
any protection service: no replica needs another's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import TypeVar

from smaug.bank.bank import Bank
from smaug.bank.errors import ObjectNotFound

POLL_SECONDS = 1.0
T = TypeVar("T")


def marker(operation_id: str) -> str:
    return f"cancel/{operation_id}"


async def request(bank: Bank, operation_id: str, who: str) -> None:
    await asyncio.to_thread(bank.backend.put, marker(operation_id), who.encode())


async def requested_by(bank: Bank, operation_id: str) -> str | None:
    try:
        return (await asyncio.to_thread(bank.backend.get, marker(operation_id))).decode()
    except ObjectNotFound:
        return None


async def clear(bank: Bank, operation_id: str) -> None:
    await asyncio.to_thread(bank.backend.delete, marker(operation_id))


class Cancelled(Exception):
    """The operation was cancelled on request; the message says by whom."""


async def unless_cancelled(bank: Bank, operation_id: str, work: Awaitable[T]) -> T:
    """Run ``work``; if a cancellation marker appears meanwhile, cancel it and raise Cancelled."""
    task = asyncio.ensure_future(work)

    async def watch() -> str:
        while True:
            who = await requested_by(bank, operation_id)
            if who is not None:
                return who
            await asyncio.sleep(POLL_SECONDS)

    watcher = asyncio.ensure_future(watch())
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            return task.result()
        who = watcher.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        raise Cancelled(f"cancelled by user {who}")
    finally:
        for pending in (task, watcher):
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await pending
