"""Key rules for bank objects: segments of [A-Za-z0-9._-] joined by "/".

One rule set everywhere (backends, sections, the gRPC face) so a key accepted once is valid on
every backend: no empty, "." or ".." segments (they would escape a section on the filesystem),
no leading or trailing "/", at most 1024 bytes (S3's limit).
"""

from __future__ import annotations

import re

from smaug.bank.errors import InvalidKey

MAX_KEY_BYTES = 1024
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")


def validate_key(key: str, *, field: str = "key") -> str:
    """Return `key` unchanged if it is valid, else raise InvalidKey naming the rule broken."""
    if not key:
        raise InvalidKey(key, f"{field} must not be empty")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise InvalidKey(key, f"{field} is longer than {MAX_KEY_BYTES} bytes")
    if key.startswith("/") or key.endswith("/"):
        raise InvalidKey(key, f"{field} must not start or end with '/'")
    for segment in key.split("/"):
        if not segment:
            raise InvalidKey(key, f"{field} must not contain empty segments ('//')")
        if segment in (".", ".."):
            raise InvalidKey(key, f"{field} must not contain '.' or '..' segments")
        if not _SEGMENT.fullmatch(segment):
            raise InvalidKey(
                key, f"{field} segment {segment!r} may only use letters, digits, '.', '_' and '-'"
            )
    return key


def validate_prefix(prefix: str, *, field: str = "prefix") -> str:
    """A listing prefix: empty, or a key prefix (a trailing '/' and a partial segment are fine)."""
    if not prefix:
        return prefix
    body = prefix[:-1] if prefix.endswith("/") else prefix
    if not body:
        raise InvalidKey(prefix, f"{field} must not be just '/'")
    validate_key(body, field=field)
    return prefix


def encode_segment(text: str) -> str:
    """Turn any text (e.g. 'OS::Nova::Server') into one valid, reversible key segment.

    Characters outside the safe set, and '_' itself, become '_' followed by two hex digits per
    UTF-8 byte, so the encoding is injective and `decode_segment` undoes it.
    """
    if not text:
        raise InvalidKey(text, "a segment must not be empty")
    out: list[str] = []
    for char in text:
        if char in _SAFE:
            out.append(char)
        else:
            out.extend(f"_{byte:02x}" for byte in char.encode())
    encoded = "".join(out)
    if encoded in (".", ".."):
        encoded = encoded.replace(".", "_2e")
    return encoded


def decode_segment(segment: str) -> str:
    raw = bytearray()
    index = 0
    while index < len(segment):
        char = segment[index]
        if char == "_":
            raw.append(int(segment[index + 1 : index + 3], 16))
            index += 3
        else:
            raw.extend(char.encode())
            index += 1
    return raw.decode()


def join(*parts: str) -> str:
    """Join key parts with '/', ignoring empty ones and stray slashes at the joins."""
    return "/".join(part.strip("/") for part in parts if part.strip("/"))
