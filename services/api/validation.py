"""Request checks shared by the api's servicers. Every failure is an RpcError
(INVALID_ARGUMENT with BadRequest field violations naming the field and what is allowed)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from google.protobuf import field_mask_pb2, struct_pb2
from google.protobuf.message import Message

from smaug.mesh.errors import RpcError, invalid_argument

MAX_TEXT = 255
PARAMETER_KEY = re.compile(r"^[A-Za-z0-9\-_:.# ]{1,255}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Violations:
    """Collects field violations; ``raise_if_any()`` raises them all at once."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}

    def add(self, field: str, text: str) -> None:
        self.found.setdefault(field, text)

    def raise_if_any(self, what: str = "request") -> None:
        if self.found:
            fields = ", ".join(self.found)
            raise invalid_argument(f"invalid {what}: check {fields}", self.found)


def bad(field: str, text: str) -> RpcError:
    return invalid_argument(f"invalid {field}: {text}", {field: text})


def is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower() and len(value) == 36
    except ValueError:
        return False


def check_uuid(v: Violations, field: str, value: str, required: bool = True) -> None:
    if not value:
        if required:
            v.add(field, "required: a UUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301")
        return
    if not is_uuid(value):
        v.add(field, "must be a UUID such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301")


def uuid_arg(field: str, value: str) -> str:
    v = Violations()
    check_uuid(v, field, value)
    v.raise_if_any()
    return value.lower()


def check_text_id(v: Violations, field: str, value: str, required: bool = True) -> None:
    """An identifier chosen elsewhere (provider, resource, project): 1..255 printable chars."""
    if not value:
        if required:
            v.add(field, "required: 1 to 255 printable characters")
        return
    if len(value) > MAX_TEXT or _CONTROL.search(value):
        v.add(field, "must be 1 to 255 printable characters")


def check_name(v: Violations, field: str, value: str) -> str:
    if not value or not value.strip():
        v.add(field, "required: 1 to 255 characters, not blank")
    elif len(value) > MAX_TEXT:
        v.add(field, f"too long ({len(value)} characters): at most 255")
    elif _CONTROL.search(value):
        v.add(field, "must not contain control characters")
    return value.strip()


def check_description(v: Violations, field: str, value: str) -> None:
    if len(value) > MAX_TEXT:
        v.add(field, f"too long ({len(value)} characters): at most 255")
    elif _CONTROL.search(value.replace("\n", "").replace("\t", "")):
        v.add(field, "must be printable characters only")


def check_enum(v: Violations, field: str, value: int, allowed: Sequence[int], names: Any) -> None:
    if value not in allowed:
        choices = ", ".join(names.Name(a) for a in allowed)
        v.add(field, f"must be one of {choices}")


def page_size(value: int) -> int:
    if value < 0:
        raise bad("page_size", "must be 0 (meaning 50) or a positive number (capped at 1000)")
    return 50 if value == 0 else min(value, 1000)


def check_page_size(v: Violations, value: int) -> None:
    if value < 0:
        v.add("page_size", "must be 0 (meaning 50) or a positive number (capped at 1000)")


def struct_to_dict(value: struct_pb2.Struct) -> dict[str, Any]:
    from google.protobuf import json_format

    result: dict[str, Any] = json_format.MessageToDict(value)
    return result


def check_parameters(v: Violations, field: str, parameters: Any) -> dict[str, dict[str, Any]]:
    """Parameters keyed "<type>" or "<type>#<id>", each an object of options."""
    result: dict[str, dict[str, Any]] = {}
    for key, value in parameters.items():
        path = f"{field}[{key!r}]" if len(key) <= 300 else f"{field}[...]"
        if not PARAMETER_KEY.match(key):
            v.add(
                path,
                'key must be "<resource type>" or "<resource type>#<resource id>" '
                "(1 to 255 of A-Z a-z 0-9 - _ : . # and space)",
            )
            continue
        type_name, _, resource_id = key.partition("#")
        if not type_name.strip() or ("#" in key and not resource_id.strip()):
            v.add(path, 'key must be "<resource type>" or "<resource type>#<resource id>"')
            continue
        result[key] = struct_to_dict(value)
    return result


def mask_paths(
    mask: field_mask_pb2.FieldMask, allowed: Iterable[str], immutable: Iterable[str] = ()
) -> list[str]:
    allowed = list(allowed)
    immutable = set(immutable)
    paths: list[str] = []
    v = Violations()
    for path in mask.paths:
        if path in immutable:
            v.add("update_mask", f"{path} cannot be changed; updatable: {', '.join(allowed)}")
        elif path not in allowed:
            v.add("update_mask", f"unknown path {path[:100]!r}; updatable: {', '.join(allowed)}")
        elif path not in paths:
            paths.append(path)
    v.raise_if_any()
    return paths


def has(message: Message, field: str) -> bool:
    return message.HasField(field)
