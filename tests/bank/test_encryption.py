from __future__ import annotations

import base64
import io
import os
from pathlib import Path

import pytest

from smaug.bank.bank import Bank
from smaug.bank.chunks import chunk_hash
from smaug.bank.config import open_bank, redacted
from smaug.bank.errors import EncryptionMismatch
from smaug.bank.fs_backend import FilesystemBackend
from smaug.bank.sealing import BankKey

SECTION = "resources/db/main"


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _plaintext() -> bytes:
    # compressible and recognisable: any stored copy of it would show up in a byte search
    return b"".join(b"customer-record-%08d: top secret payload\n" % n for n in range(200_000))


def test_round_trip_and_no_plaintext_at_rest(tmp_path: Path) -> None:
    root = tmp_path / "bank"
    bank = open_bank({"backend": "filesystem", "path": str(root), "encryption_key": _key()})
    data = _plaintext()
    checkpoint = bank.checkpoints.create(
        project_id="p", provider_id="v", plan={"id": "x"}, owner_id="o"
    ).id
    manifest = bank.write_stream(checkpoint, SECTION, "dump", io.BytesIO(data)).manifest
    assert b"".join(bank.read_stream(checkpoint, SECTION, "dump")) == data
    stored = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert b"top secret payload" not in stored and b"customer-record" not in stored
    names = " ".join(str(p) for p in root.rglob("*"))
    # chunk names are keyed: neither the chunk hashes nor the manifest give them away
    assert all(ref.hash not in names and ref.hash.encode() not in stored for ref in manifest)
    assert chunk_hash(data[: manifest.chunks[0].size]) == manifest.chunks[0].hash
    bank.close()


def test_wrong_or_missing_key_is_refused(tmp_path: Path) -> None:
    config = {"backend": "filesystem", "path": str(tmp_path / "b"), "encryption_key": _key()}
    open_bank(config).close()
    with pytest.raises(EncryptionMismatch, match="does not match"):
        open_bank({**config, "encryption_key": _key()})
    with pytest.raises(EncryptionMismatch, match="encrypted"):
        open_bank({"backend": "filesystem", "path": str(tmp_path / "b")})
    plain = {"backend": "filesystem", "path": str(tmp_path / "plain")}
    open_bank(plain).close()
    with pytest.raises(EncryptionMismatch, match="without encryption"):
        open_bank({**plain, "encryption_key": _key()})


def test_key_from_environment_and_never_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = _key()
    monkeypatch.setenv("SMAUG_TEST_BANK_KEY", secret)
    config = {
        "backend": "filesystem",
        "path": str(tmp_path / "b"),
        "encryption_key": "env:SMAUG_TEST_BANK_KEY",
    }
    bank = open_bank(config)
    assert bank.key is not None and secret not in repr(bank) and secret not in repr(bank.key)
    assert redacted({**config, "secret_key": "s3cr3t"})["secret_key"] == "***"
    bank.close()
    monkeypatch.delenv("SMAUG_TEST_BANK_KEY")
    with pytest.raises(ValueError, match="SMAUG_TEST_BANK_KEY is not set"):
        open_bank(config)
    with pytest.raises(ValueError, match="32 bytes"):
        BankKey(b"short")


def test_sealed_chunk_moved_to_another_name_fails(tmp_path: Path) -> None:
    bank = Bank("enc", FilesystemBackend(tmp_path), key=BankKey(os.urandom(32)))
    one, two = b"a" * 1000, b"b" * 1000
    h1, h2 = chunk_hash(one), chunk_hash(two)
    bank.chunks.put(h1, one)
    bank.chunks.put(h2, two)
    bank.backend.put(bank.chunks.storage_key(h2), bank.backend.get(bank.chunks.storage_key(h1)))
    from smaug.bank.errors import ChunkCorrupt

    with pytest.raises(ChunkCorrupt, match="authentication failed"):
        bank.chunks.get(h2)
    bank.close()
