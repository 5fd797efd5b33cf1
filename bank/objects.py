"""The object layer: validated keys, listing with marker/limit/direction, and sections.

A Section confines its user to one subtree of the bank: keys are relative to its prefix, listed
keys come back relative, nothing outside can be named (keys are validated, so '..' cannot
escape), and a read-only section refuses writes.
"""

from __future__ import annotations

import json
from typing import Any

from smaug.bank.backend import Backend, ObjectInfo
from smaug.bank.errors import ObjectNotFound, ReadOnlySection
from smaug.bank.keys import join, validate_key, validate_prefix

DEFAULT_PAGE = 1000


class Section:
    def __init__(
        self, backend: Backend, prefix: str = "", *, read_only: bool = False, bank_name: str = ""
    ) -> None:
        if prefix:
            validate_key(prefix.strip("/"), field="section prefix")
        self.backend = backend
        self.prefix = prefix.strip("/")
        self.read_only = read_only
        self.bank_name = bank_name

    def __repr__(self) -> str:
        mode = "ro" if self.read_only else "rw"
        return f"Section({self.prefix!r}, {mode}, bank={self.bank_name!r})"

    def _full(self, key: str) -> str:
        validate_key(key)
        return join(self.prefix, key)

    def _writable(self, key: str) -> None:
        if self.read_only:
            raise ReadOnlySection(self.prefix, key)

    def sub(self, prefix: str, *, read_only: bool | None = None) -> Section:
        """A narrower section; it may become read-only, never writable again."""
        validate_key(prefix.strip("/"), field="section prefix")
        return Section(
            self.backend,
            join(self.prefix, prefix),
            read_only=self.read_only or bool(read_only),
            bank_name=self.bank_name,
        )

    def get(self, key: str) -> bytes:
        full = self._full(key)
        try:
            return self.backend.get(full)
        except ObjectNotFound:
            raise ObjectNotFound(key, self.bank_name) from None

    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo]:
        full = self._full(key)
        try:
            return self.backend.get_with_info(full)
        except ObjectNotFound:
            raise ObjectNotFound(key, self.bank_name) from None

    def head(self, key: str) -> ObjectInfo | None:
        return self.backend.head(self._full(key))

    def get_json(self, key: str) -> Any:
        return json.loads(self.get(key))

    def put(
        self, key: str, data: bytes, *, if_none_match: bool = False, if_match: str | None = None
    ) -> str:
        full = self._full(key)
        self._writable(key)
        return self.backend.put(full, data, if_none_match=if_none_match, if_match=if_match)

    def put_json(self, key: str, value: Any, **conditions: Any) -> str:
        text = json.dumps(value, sort_keys=True, separators=(",", ":"))
        return self.put(key, text.encode(), **conditions)

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        full = self._full(key)
        self._writable(key)
        self.backend.delete(full, if_match=if_match)

    def list(
        self,
        prefix: str = "",
        *,
        marker: str | None = None,
        limit: int | None = DEFAULT_PAGE,
        sort: str = "asc",
    ) -> list[str]:
        """Keys (relative to the section) starting with `prefix`, after `marker` (exclusive, in
        the listing's direction), at most `limit`, ascending or descending ('asc'/'desc')."""
        if sort not in ("asc", "desc"):
            raise ValueError(f"sort must be 'asc' or 'desc', not {sort!r}")
        validate_prefix(prefix)
        if marker:
            validate_key(marker, field="marker")
        base = self.prefix + "/" if self.prefix else ""
        keys = self.backend.list(
            base + prefix,
            start_after=base + marker if marker else None,
            limit=limit,
            reverse=sort == "desc",
        )
        return [key[len(base) :] for key in keys]

    def delete_tree(self, prefix: str = "") -> int:
        """Delete every object under `prefix`; returns how many."""
        self._writable(prefix or "*")
        removed = 0
        while True:
            keys = self.list(prefix, limit=DEFAULT_PAGE)
            if not keys:
                return removed
            for key in keys:
                self.backend.delete(join(self.prefix, key))
            removed += len(keys)
