from __future__ import annotations

from pathlib import Path

import pytest

from smaug.bank.config import open_bank
from smaug.bank.fs_backend import FilesystemBackend
from smaug.bank.s3_backend import S3Backend

from .conftest import SeaweedS3


def test_filesystem_default(tmp_path: Path) -> None:
    bank = open_bank({"backend": "filesystem", "path": str(tmp_path), "name": "prov-a"})
    assert isinstance(bank.backend, FilesystemBackend) and bank.name == "prov-a"
    bank.close()


def test_s3_with_credentials_from_env(seaweed: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")
    bank = open_bank(
        {"backend": "s3", "endpoint": seaweed.endpoint, "bucket": "config-test", "region": "eu-1"}
    )
    assert isinstance(bank.backend, S3Backend)
    bank.objects.put("hello", b"world")
    assert bank.objects.get("hello") == b"world"
    for text in (repr(bank), repr(bank.backend), str(vars(bank.backend))):
        assert "very-secret-value" not in text and "AKIDEXAMPLE" not in text
    bank.close()


def test_bad_configs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown bank backend"):
        open_bank({"backend": "tape"})
    with pytest.raises(ValueError, match="needs 'path'"):
        open_bank({"backend": "filesystem"})
    with pytest.raises(ValueError, match="needs 'bucket'"):
        open_bank({"backend": "s3"})
    with pytest.raises(ValueError, match="unknown bank settings"):
        open_bank({"backend": "filesystem", "path": str(tmp_path), "pasword": "x"})
    with pytest.raises(ValueError, match="base64"):
        open_bank({"backend": "filesystem", "path": str(tmp_path), "encryption_key": "!!"})
