"""Fixtures for the bank tests: a real filesystem bank and a real S3 (SeaweedFS) bank."""

from __future__ import annotations

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from smaug.bank.backend import Backend
from smaug.bank.bank import Bank
from smaug.bank.fs_backend import FilesystemBackend
from smaug.bank.s3_backend import S3Backend

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ holds support/
from support.bank_service import Served, serve_bank
from support.seaweed import SeaweedS3


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeaweedS3]:
    with SeaweedS3.start(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


def s3_backend(server: SeaweedS3, **options: object) -> S3Backend:
    """A fresh bucket per call, so tests never see each other's objects."""
    return S3Backend(
        bucket=f"bank-{uuid.uuid4().hex[:12]}",
        endpoint=server.endpoint,
        access_key="smaug-test",
        secret_key="smaug-test-secret",
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["filesystem", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    made: Backend
    if request.param == "filesystem":
        made = FilesystemBackend(tmp_path / "bank")
    else:
        made = s3_backend(request.getfixturevalue("seaweed"))
    yield made
    made.close()


@pytest.fixture
def fs_bank(tmp_path: Path) -> Iterator[Bank]:
    bank = Bank("test", FilesystemBackend(tmp_path / "bank"), workers=4)
    yield bank
    bank.close()


@pytest.fixture
def bank(backend: Backend) -> Iterator[Bank]:
    made = Bank("test", backend, workers=4)
    yield made
    made.pool.shutdown(wait=True)


@pytest.fixture
async def served(bank: Bank) -> AsyncIterator[Served]:
    async with serve_bank(bank) as found:
        yield found
