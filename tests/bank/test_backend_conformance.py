"""One conformance suite, run against the filesystem and the S3 (SeaweedFS) backend."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from smaug.bank.backend import Backend
from smaug.bank.errors import ObjectNotFound, PreconditionFailed
from smaug.bank.fs_backend import FilesystemBackend


def test_put_get_head_delete(backend: Backend) -> None:
    etag = backend.put("a/b/c", b"hello")
    assert backend.get("a/b/c") == b"hello"
    data, info = backend.get_with_info("a/b/c")
    assert data == b"hello" and info.etag == etag and info.size == 5
    head = backend.head("a/b/c")
    assert head is not None and head.etag == etag and abs(head.modified - time.time()) < 60
    backend.put("a/b/c", b"world")
    assert backend.get("a/b/c") == b"world"
    backend.delete("a/b/c")
    assert backend.head("a/b/c") is None
    with pytest.raises(ObjectNotFound):
        backend.get("a/b/c")
    backend.delete("a/b/c")  # deleting a missing object is fine


def test_key_and_its_children_coexist(backend: Backend) -> None:
    backend.put("x", b"1")
    backend.put("x/y", b"2")
    backend.put("x.obj", b"3")
    assert backend.get("x") == b"1" and backend.get("x/y") == b"2"
    # Byte order (AWS, filesystem) and segment order (SeaweedFS) differ for such siblings.
    assert sorted(backend.list("x")) == ["x", "x.obj", "x/y"]
    assert backend.list("x/") == ["x/y"]


def test_empty_object(backend: Backend) -> None:
    backend.put("empty", b"")
    assert backend.get("empty") == b""


def _fill(backend: Backend) -> list[str]:
    keys = [f"p/{n:03d}" for n in range(25)] + ["p/sub/a", "p-other/z", "q/1", "p0"]
    for key in keys:
        backend.put(key, key.encode())
    return sorted(keys)


def test_list_prefix_marker_limit(backend: Backend) -> None:
    everything = _fill(backend)
    under_p = [key for key in everything if key.startswith("p/")]
    assert backend.list("p/") == under_p
    assert sorted(backend.list("p")) == [key for key in everything if key.startswith("p")]
    assert backend.list("p/00") == [f"p/{n:03d}" for n in range(10)]
    assert backend.list("p/", limit=5) == under_p[:5]
    assert backend.list("p/", start_after="p/004", limit=3) == ["p/005", "p/006", "p/007"]
    assert backend.list("p/", start_after="p/024") == ["p/sub/a"]
    assert backend.list("p/", start_after="p/sub/a") == []
    assert backend.list("nothing/") == []
    # page through with the marker: every key once, in order
    seen: list[str] = []
    marker = None
    while page := backend.list("p/", start_after=marker, limit=7):
        seen += page
        marker = page[-1]
    assert seen == under_p


def test_list_descending(backend: Backend) -> None:
    everything = _fill(backend)
    under_p = [key for key in everything if key.startswith("p/")]
    assert backend.list("p/", reverse=True) == under_p[::-1]
    assert backend.list("p/", reverse=True, limit=2) == ["p/sub/a", "p/024"]
    assert backend.list("p/", reverse=True, start_after="p/003") == ["p/002", "p/001", "p/000"]


def test_scan_reports_sizes(backend: Backend) -> None:
    backend.put("s/1", b"12345")
    backend.put("s/2/3", b"")
    infos = list(backend.scan("s/"))
    assert [(i.key, i.size) for i in infos] == [("s/1", 5), ("s/2/3", 0)]


def test_create_only_put(backend: Backend) -> None:
    backend.put("lease", b"first", if_none_match=True)
    with pytest.raises(PreconditionFailed):
        backend.put("lease", b"second", if_none_match=True)
    assert backend.get("lease") == b"first"


def test_compare_and_swap(backend: Backend) -> None:
    etag = backend.put("cas", b"v1")
    new = backend.put("cas", b"v2", if_match=etag)
    assert new != etag
    with pytest.raises(PreconditionFailed):
        backend.put("cas", b"v3", if_match=etag)  # stale etag loses
    assert backend.get("cas") == b"v2"
    with pytest.raises(PreconditionFailed):
        backend.delete("cas", if_match=etag)
    backend.delete("cas", if_match=new)
    assert backend.head("cas") is None


def test_touch_and_delete_if_stale(backend: Backend) -> None:
    backend.put("t", b"x")
    assert backend.touch("t")
    assert not backend.touch("missing")
    # written just now: not stale relative to a cutoff in the past
    assert not backend.delete_if_stale("t", time.time() - 300)
    assert backend.head("t") is not None
    assert backend.delete_if_stale("t", time.time() + 300)
    assert backend.head("t") is None
    assert not backend.delete_if_stale("t", time.time() + 300)


def test_repr_has_no_secrets(backend: Backend) -> None:
    assert "smaug-test" not in repr(backend)  # the test credentials


def test_deferred_put_appears_at_sync(backend: Backend) -> None:
    """A deferred put may stay invisible until sync() and is then there in full; a filesystem
    bank keeps it as a temp file meanwhile (never under its name before it is durable)."""
    key = "chunks/ab/deferred"
    backend.put_parts(key, [b"SMC1", b"\x00", b"payload"], deferred=True)
    if isinstance(backend, FilesystemBackend):
        assert backend.head(key) is None and backend.list("chunks/") == []
        assert len(backend.temp_files()) == 1
    backend.sync()
    assert backend.get(key) == b"SMC1\x00payload"
    assert backend.list("chunks/") == [key]
    if isinstance(backend, FilesystemBackend):
        assert backend.temp_files() == []


def test_sync_reports_a_deferred_put_that_vanished(tmp_path: Path) -> None:
    backend = FilesystemBackend(tmp_path / "bank")
    backend.put_parts("chunks/cd/first", [b"one"], deferred=True)
    backend.put_parts("chunks/cd/second", [b"two"], deferred=True)
    assert backend.clean_temp_files(older_than=-60) == 2  # as if they were an hour old
    with pytest.raises(OSError, match="vanished before sync"):
        backend.sync()
    assert backend.head("chunks/cd/first") is None
