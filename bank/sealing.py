"""Encryption at rest: the bank key, the keys derived from it, and the sealed-envelope format.

The configured key (32 bytes) is never stored. From it we derive, with BLAKE3's key derivation:
  - the AES-256-GCM key that seals chunk and manifest payloads,
  - a naming key: encrypted banks store a chunk under keyed-BLAKE3(plaintext hash), so the
    bank's listing does not reveal which known plaintexts it holds,
  - a check value recorded in the bank's format object, so opening the bank with the wrong key
    fails up front instead of as a wall of "corrupt chunk" errors.
Every seal binds associated data (the chunk hash or the manifest key), so a sealed payload moved
to another name fails authentication.
"""

from __future__ import annotations

import base64
import binascii
import os

import blake3
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12


class BankKey:
    """A bank's encryption key and its derived keys. repr() never shows key material."""

    def __init__(self, material: bytes) -> None:
        if len(material) != KEY_BYTES:
            raise ValueError(
                f"bank encryption key must be {KEY_BYTES} bytes, got {len(material)}; "
                "generate one with: head -c 32 /dev/urandom | base64"
            )
        self._aead = AESGCM(self._derive(material, "smaug.bank 2025 chunk sealing"))
        self._naming = self._derive(material, "smaug.bank 2025 chunk naming")
        self.check = self._derive(material, "smaug.bank 2025 key check")[:16].hex()

    @staticmethod
    def _derive(material: bytes, context: str) -> bytes:
        return blake3.blake3(material, derive_key_context=context).digest()

    @classmethod
    def parse(cls, text: str) -> BankKey:
        """From config: base64 of 32 bytes, or 'env:VAR' naming an environment variable."""
        source = "configured key"
        if text.startswith("env:"):
            variable = text[4:]
            value = os.environ.get(variable)
            if not value:
                raise ValueError(
                    f"bank encryption key variable {variable} is not set; export it or change "
                    "the bank's encryption_key setting"
                )
            text, source = value, f"key in ${variable}"
        try:
            material = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"bank encryption {source} is not valid base64") from None
        return cls(material)

    def __repr__(self) -> str:
        return f"BankKey(check={self.check})"

    def storage_name(self, chunk_hash: str) -> str:
        return blake3.blake3(bytes.fromhex(chunk_hash), key=self._naming).hexdigest()

    def seal(self, payload: bytes, associated: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)  # random 96-bit nonces: safe far beyond 2^32 seals/key
        return nonce + self._aead.encrypt(nonce, payload, associated)

    def open(self, sealed: bytes, associated: bytes) -> bytes:
        """Decrypt; raises InvalidTag when the data or its name was altered."""
        if len(sealed) < NONCE_BYTES + 16:
            raise InvalidTag()
        return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated)
