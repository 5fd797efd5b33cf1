from __future__ import annotations

import pytest

from smaug.bank.backend import Backend
from smaug.bank.errors import InvalidKey, ObjectNotFound, ReadOnlySection
from smaug.bank.keys import decode_segment, encode_segment, validate_key
from smaug.bank.objects import Section


@pytest.mark.parametrize(
    ("key", "rule"),
    [
        ("", "empty"),
        ("/abs", "start or end"),
        ("trailing/", "start or end"),
        ("a//b", "empty segments"),
        ("a/../b", "'..'"),
        ("./a", "'.'"),
        ("a b", "letters, digits"),
        ("a:b", "letters, digits"),
        ("x" * 1025, "1024 bytes"),
    ],
)
def test_invalid_keys_name_key_and_rule(key: str, rule: str) -> None:
    with pytest.raises(InvalidKey) as caught:
        validate_key(key)
    assert isinstance(caught.value, ValueError)
    assert caught.value.key == key and rule in caught.value.rule
    assert rule in str(caught.value)


def test_valid_keys() -> None:
    for key in ("a", "a/b.c/d-e_f", "checkpoints/7f3e/meta", "...x"):
        assert validate_key(key) == key


@pytest.mark.parametrize("text", ["OS::Nova::Server", "a_b", "..", "é/ü", "plain-id.1"])
def test_segment_encoding_round_trips(text: str) -> None:
    encoded = encode_segment(text)
    validate_key(encoded)
    assert "/" not in encoded and decode_segment(encoded) == text


def test_section_confines_and_strips_prefix(backend: Backend) -> None:
    root = Section(backend)
    root.put("outside", b"x")
    section = root.sub("checkpoints/c1/objects/vol")
    section.put("meta", b"m")
    section.put("data/0", b"d")
    assert backend.get("checkpoints/c1/objects/vol/meta") == b"m"
    assert section.list() == ["data/0", "meta"]
    assert section.list("data/") == ["data/0"]
    assert section.list(sort="desc") == ["meta", "data/0"]
    assert section.list(marker="data/0") == ["meta"]
    assert section.list(limit=1) == ["data/0"]
    with pytest.raises(ObjectNotFound):
        section.get("outside")
    with pytest.raises(InvalidKey):
        section.get("../../../../outside")


def test_read_only_section_refuses_writes(backend: Backend) -> None:
    writable = Section(backend, "s")
    writable.put("k", b"v")
    read_only = writable.sub("", read_only=True) if False else Section(backend, "s", read_only=True)
    assert read_only.get("k") == b"v"
    with pytest.raises(ReadOnlySection) as caught:
        read_only.put("k", b"w")
    assert "read-only" in str(caught.value) and isinstance(caught.value, PermissionError)
    with pytest.raises(ReadOnlySection):
        read_only.delete("k")
    assert read_only.sub("deeper").read_only  # narrowing never makes it writable
    assert backend.get("s/k") == b"v"
