"""List RPCs over the store: AIP-160 filters, AIP-132 ordering and keyset page tokens.

A page token is base64url JSON of the last item's sort-key values and id plus a fingerprint of
the request fields, so pages stay stable when rows are inserted concurrently and a token used
with other request fields is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from smaug.api.validation import bad, page_size

# Sorts NULL times (unset next_fire_time, end_time) after every real time.
_NULL_TIME = datetime(9999, 12, 31, 23, 59, 59)

TEXT, ENUM, BOOL, INT, TIME = "text", "enum", "bool", "int", "time"


@dataclass(frozen=True)
class Column:
    """A filterable or sortable field of a collection."""

    expression: Any
    kind: str = TEXT
    # For ENUM: the generated enum wrapper and the value-name prefix ("PLAN_STATUS_").
    enum: Any = None
    prefix: str = ""
    nullable: bool = False

    def sort_expression(self) -> Any:
        if self.kind == TIME and self.nullable:
            return sa.func.coalesce(self.expression, sa.literal(_NULL_TIME, sa.DateTime()))
        return self.expression


@dataclass(frozen=True)
class Collection:
    model: Any
    filters: dict[str, Column]
    sortable: dict[str, Column]
    default_order: str
    project_column: Any = None
    id_column: Any = None
    id_kind: str = TEXT

    def __post_init__(self) -> None:
        if self.id_column is None:
            object.__setattr__(self, "id_column", self.model.id)
        if self.project_column is None and hasattr(self.model, "project_id"):
            object.__setattr__(self, "project_column", self.model.project_id)


@dataclass
class Page:
    rows: list[Any]
    next_page_token: str


_COMPARISON = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(!=|<=|>=|=|<|>|:)\s*(.*?)\s*$", re.S)


def _split_and(text: str) -> list[str]:
    """Split on the AND keyword outside double quotes."""
    parts: list[str] = []
    current: list[str] = []
    i, quoted = 0, False
    while i < len(text):
        char = text[i]
        if char == "\\" and quoted and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if char == '"':
            quoted = not quoted
        if (
            not quoted
            and text.startswith("AND", i)
            and (i == 0 or text[i - 1].isspace())
            and (i + 3 == len(text) or text[i + 3].isspace())
        ):
            parts.append("".join(current))
            current = []
            i += 3
            continue
        current.append(char)
        i += 1
    if quoted:
        raise bad("filter", "unterminated quoted string")
    parts.append("".join(current))
    return parts


def _value(raw: str) -> tuple[str, bool]:
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise bad("filter", f"malformed quoted value {raw[:50]!r}")
        try:
            decoded = json.loads(raw)
        except ValueError:
            raise bad("filter", f"malformed quoted value {raw[:50]!r}") from None
        if not isinstance(decoded, str):
            raise bad("filter", f"malformed quoted value {raw[:50]!r}")
        return decoded, True
    if not raw or any(c.isspace() or c in '"()' for c in raw):
        raise bad("filter", f"malformed value {raw[:50]!r}: quote text values")
    return raw, False


def parse_time(text: str, field_name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise bad(field_name, f"{text[:50]!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _condition(name: str, column: Column, op: str, raw: str, dialect: str) -> Any:
    value, quoted = _value(raw)
    expr = column.expression
    allowed_ops = {
        TEXT: ("=", "!=", ":"),
        ENUM: ("=", "!="),
        BOOL: ("=", "!="),
        INT: ("=", "!=", "<", "<=", ">", ">="),
        TIME: ("=", "!=", "<", "<=", ">", ">="),
    }[column.kind]
    if op not in allowed_ops:
        raise bad("filter", f"{name} supports only {' '.join(allowed_ops)}")
    typed: Any
    if column.kind == TEXT:
        typed = value
        if op == ":":
            if dialect == "postgresql":
                return sa.func.strpos(expr, typed) > 0
            return sa.func.instr(expr, typed) > 0
    elif column.kind == ENUM:
        name_upper = value.upper()
        candidates = [name_upper, column.prefix + name_upper]
        numbers = [column.enum.Value(c) for c in candidates if c in column.enum.keys()]
        if not numbers or numbers[0] == 0:
            choices = ", ".join(
                k[len(column.prefix) :] for k in column.enum.keys() if column.enum.Value(k)
            )
            raise bad("filter", f"{name} must be one of {choices}")
        typed = numbers[0]
    elif column.kind == BOOL:
        if value.lower() not in ("true", "false"):
            raise bad("filter", f"{name} must be true or false")
        typed = value.lower() == "true"
    elif column.kind == INT:
        try:
            typed = int(value)
        except ValueError:
            raise bad("filter", f"{name} must be an integer") from None
        if abs(typed) > 2**62:
            raise bad("filter", f"{name} is out of range")
    else:
        typed = parse_time(value, "filter")
    del quoted
    return {
        "=": lambda: expr == typed,
        "!=": lambda: expr != typed,
        "<": lambda: expr < typed,
        "<=": lambda: expr <= typed,
        ">": lambda: expr > typed,
        ">=": lambda: expr >= typed,
    }[op]()


def parse_filter(text: str, filters: dict[str, Column], dialect: str) -> list[Any]:
    if not text.strip():
        return []
    if len(text) > 4096:
        raise bad("filter", "at most 4096 characters")
    conditions = []
    for part in _split_and(text):
        match = _COMPARISON.match(part)
        if not match:
            raise bad(
                "filter",
                f"cannot parse {part.strip()[:80]!r}: use `field = value`, `field != value` or "
                '`field : "text"` joined by AND',
            )
        name, op, raw = match.groups()
        column = filters.get(name)
        if column is None:
            raise bad("filter", f"unknown field {name[:80]!r}; allowed: {', '.join(filters)}")
        conditions.append(_condition(name, column, op, raw, dialect))
    return conditions


def parse_order(text: str, sortable: dict[str, Column]) -> list[tuple[str, bool]]:
    order: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words:
            raise bad("order_by", f"empty sort key; allowed: {', '.join(sortable)}")
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise bad("order_by", f"{part.strip()[:80]!r}: use `field` or `field desc`")
        if words[0] not in sortable:
            raise bad(
                "order_by", f"cannot sort by {words[0][:80]!r}; allowed: {', '.join(sortable)}"
            )
        if any(name == words[0] for name, _ in order):
            raise bad("order_by", f"{words[0]} is given twice")
        order.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return order


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "t" in value:
        return datetime.fromisoformat(value["t"])
    return value


@dataclass
class ListQuery:
    collection: Collection
    page_size: int = 0
    page_token: str = ""
    filter: str = ""
    order_by: str = ""
    project_id: str | None = None  # None: every project (admin all_projects)
    extra: list[Any] = field(default_factory=list)
    fingerprint_extra: str = ""


def run_list(session: Session, query: ListQuery) -> Page:
    coll = query.collection
    size = page_size(query.page_size)
    dialect = session.get_bind().dialect.name
    filters = dict(coll.filters)
    if query.project_id is None and coll.project_column is not None:
        filters["project_id"] = Column(coll.project_column)
    conditions = parse_filter(query.filter, filters, dialect)
    order = parse_order(query.order_by or coll.default_order, coll.sortable)
    fingerprint = hashlib.sha256(
        json.dumps(
            [query.filter, query.order_by, query.project_id, query.fingerprint_extra]
        ).encode()
    ).hexdigest()[:16]

    statement = sa.select(coll.model).where(*conditions, *query.extra)
    if query.project_id is not None and coll.project_column is not None:
        statement = statement.where(coll.project_column == query.project_id)
    keys: list[tuple[Any, bool]] = [
        (coll.sortable[name].sort_expression(), desc) for name, desc in order
    ]
    keys.append((coll.id_column, False))
    if query.page_token:
        kinds = [coll.sortable[name].kind for name, _ in order] + [coll.id_kind]
        values = _token_values(query.page_token, fingerprint, kinds)
        statement = statement.where(_after(values, keys))
    statement = statement.order_by(*[k.desc() if d else k.asc() for k, d in keys]).limit(size + 1)
    rows = list(session.scalars(statement))
    token = ""
    if len(rows) > size:
        rows = rows[:size]
        token = _make_token(rows[-1], order, coll, fingerprint)
    return Page(rows, token)


def _sort_value(row: Any, column: Column) -> Any:
    key = column.expression.key
    value = getattr(row, key)
    if value is None and column.kind == TIME and column.nullable:
        return _NULL_TIME
    return value


def _make_token(
    row: Any, order: Sequence[tuple[str, bool]], coll: Collection, fingerprint: str
) -> str:
    values = [_encode(_sort_value(row, coll.sortable[name])) for name, _ in order]
    values.append(getattr(row, coll.id_column.key))
    payload = json.dumps({"v": values, "f": fingerprint}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


_KIND_TYPES: dict[str, tuple[type, ...]] = {
    TEXT: (str,),
    ENUM: (int,),
    INT: (int,),
    BOOL: (bool,),
    TIME: (datetime,),
}


def _token_values(token: str, fingerprint: str, kinds: Sequence[str]) -> list[Any]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        body = json.loads(raw)
        values = [_decode(v) for v in body["v"]]
        valid = body["f"] == fingerprint and len(values) == len(kinds)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        valid = False
    if not valid:
        raise bad(
            "page_token",
            "not a next_page_token of this list with these filter, order_by and scope",
        )
    for value, kind in zip(values, kinds, strict=True):
        wrong_bool = isinstance(value, bool) and kind != BOOL
        if (
            not isinstance(value, _KIND_TYPES[kind])
            or wrong_bool
            or (isinstance(value, int) and abs(value) > 2**62)
        ):
            raise bad("page_token", "malformed page token")
    return values


def _after(values: Sequence[Any], keys: Sequence[tuple[Any, bool]]) -> Any:
    alternatives = []
    for i, (expr, desc) in enumerate(keys):
        equal = [keys[j][0] == values[j] for j in range(i)]
        beyond = expr < values[i] if desc else expr > values[i]
        alternatives.append(sa.and_(*equal, beyond))
    return sa.or_(*alternatives)


Converter = Callable[[Any], Any]
