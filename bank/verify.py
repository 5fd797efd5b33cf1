"""Verification: walk a checkpoint's stream manifests and check every chunk it needs."""

from __future__ import annotations

from dataclasses import dataclass, field

from smaug.bank.bank import Bank
from smaug.bank.errors import BankError, ChunkError, ChunkMissing
from smaug.bank.manifests import ChunkRef


@dataclass(frozen=True)
class Problem:
    stream: str  # manifest key
    chunk_hash: str  # empty when the manifest itself is unreadable
    message: str


@dataclass
class VerifyReport:
    checkpoint_id: str
    streams: int = 0
    chunks_checked: int = 0
    bytes_checked: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_checkpoint(bank: Bank, checkpoint_id: str, *, read_data: bool = True) -> VerifyReport:
    """Check every chunk of every stream of the checkpoint: fetched, decrypted, decompressed and
    re-hashed (read_data), or only present (read_data=False). Each chunk is checked once even
    if several streams share it; problems name the stream and the chunk."""
    bank.checkpoints.get(checkpoint_id)  # CheckpointNotFound if it does not exist
    report = VerifyReport(checkpoint_id)
    users: dict[str, list[str]] = {}
    for key in list(bank.checkpoints.manifest_keys(checkpoint_id)):
        report.streams += 1
        try:
            manifest = bank.manifest_at(key)
        except BankError as error:
            report.problems.append(Problem(key, "", str(error)))
            continue
        for ref in manifest.chunks:
            users.setdefault(ref.hash, []).append(key)
            if len(users[ref.hash]) == 1:
                report.bytes_checked += ref.size

    def check(chunk_hash: str) -> str | None:
        try:
            if read_data:
                bank.chunks.get(chunk_hash)
            elif not bank.chunks.has(chunk_hash):
                raise ChunkMissing(chunk_hash, bank.name)
        except ChunkError as error:
            return str(error)
        return None

    hashes = list(users)
    for chunk_hash, message in zip(hashes, bank.pool.map(check, hashes), strict=True):
        report.chunks_checked += 1
        if message is not None:
            for stream in dict.fromkeys(users[chunk_hash]):
                report.problems.append(Problem(stream, chunk_hash, message))
    return report


__all__ = ["ChunkRef", "Problem", "VerifyReport", "verify_checkpoint"]
