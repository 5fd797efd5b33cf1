"""The bank's exceptions. Each message names the thing and says what to do about it."""

from __future__ import annotations


class BankError(Exception):
    """Base of every error the bank raises on purpose."""


class InvalidKey(BankError, ValueError):
    """A key breaks a naming rule; `key` is the offending key, `rule` the rule it broke."""

    def __init__(self, key: str, rule: str) -> None:
        super().__init__(f"invalid bank key {key!r}: {rule}")
        self.key = key
        self.rule = rule


class ObjectNotFound(BankError, KeyError):
    """No object under this key."""

    def __init__(self, key: str, bank: str = "") -> None:
        where = f" in bank {bank!r}" if bank else ""
        super().__init__(f"object {key!r} not found{where}")
        self.key = key

    def __str__(self) -> str:  # KeyError would quote the whole message again
        return str(self.args[0])


class PreconditionFailed(BankError):
    """A conditional write or delete lost: the object exists, or changed since it was read."""

    def __init__(self, key: str, condition: str) -> None:
        super().__init__(f"conditional write of {key!r} refused: {condition}")
        self.key = key


class ReadOnlySection(BankError, PermissionError):
    """A write was attempted through a read-only section."""

    def __init__(self, prefix: str, key: str) -> None:
        super().__init__(
            f"section {prefix!r} is read-only: cannot write {key!r}; "
            "writes need a section opened for protect"
        )
        self.key = key


class ChunkError(BankError):
    """Base of chunk problems; `chunk_hash` and `bank` name the chunk."""

    def __init__(self, message: str, chunk_hash: str, bank: str) -> None:
        super().__init__(message)
        self.chunk_hash = chunk_hash
        self.bank = bank


class ChunkCorrupt(ChunkError):
    """A stored chunk does not decode to data with its hash."""

    def __init__(self, chunk_hash: str, bank: str, why: str) -> None:
        super().__init__(
            f"chunk {chunk_hash} failed verification in bank {bank!r}: stored data is corrupt "
            f"({why}); run verify to find the affected checkpoints",
            chunk_hash,
            bank,
        )


class ChunkMissing(ChunkError):
    """A chunk a manifest refers to is not in the bank."""

    def __init__(self, chunk_hash: str, bank: str) -> None:
        super().__init__(
            f"chunk {chunk_hash} is missing from bank {bank!r}; upload it before committing, "
            "or run verify to find the affected checkpoints",
            chunk_hash,
            bank,
        )


class EncryptionMismatch(BankError):
    """The configured encryption key does not fit the bank."""


class CheckpointNotFound(BankError, LookupError):
    def __init__(self, checkpoint_id: str, bank: str) -> None:
        super().__init__(f"checkpoint {checkpoint_id!r} not found in bank {bank!r}")
        self.checkpoint_id = checkpoint_id


class LeaseHeld(BankError):
    """Another holder has the lease and it has not expired."""

    def __init__(self, name: str, holder: str, expires_at: float) -> None:
        super().__init__(
            f"lease {name!r} is held by {holder!r} until {expires_at:.3f} (unix time); "
            "wait for it to expire or use another owner id"
        )
        self.name = name
        self.holder = holder


class LeaseLost(BankError):
    """Our lease was taken over or released by someone else; stop acting as its owner."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"lease {name!r} lost: {why}")
        self.name = name
