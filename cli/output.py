"""Printing: tables and detail views for people, protobuf JSON for scripts.

JSON is the canonical protobuf JSON mapping with the .proto field names (``provider_id``, not
``providerId``) and every field present, so scripts can rely on the names in
proto/smaug/v1/*.proto. A `show` prints the object; a `list` prints ``{"<collection>": [...]}``,
the List response without its page token.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from google.protobuf import json_format, struct_pb2, timestamp_pb2
from google.protobuf.message import Message

from smaug.v1 import resources_pb2


def to_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def enum_label(message: Message, field: str) -> str:
    """A message's enum field as a short lower-case word: CHECKPOINT_STATUS_AVAILABLE ->
    available; UNSPECIFIED -> "-"."""
    descriptor = message.DESCRIPTOR.fields_by_name[field].enum_type
    assert descriptor is not None
    return value_label(descriptor, getattr(message, field))


def value_label(descriptor: Any, number: int) -> str:
    first = descriptor.values[0].name
    prefix = first[: -len("UNSPECIFIED")] if first.endswith("UNSPECIFIED") else ""
    value = descriptor.values_by_number.get(number)
    if value is None:
        return str(number)
    name = str(value.name)
    if name == first:
        return "-"
    return name[len(prefix) :].lower() if name.startswith(prefix) else name.lower()


def parse_enum(descriptor: Any, text: str) -> Any:
    """The number of an enum value given as its short or full name, any case."""
    first = descriptor.values[0].name
    prefix = first[: -len("UNSPECIFIED")] if first.endswith("UNSPECIFIED") else ""
    wanted = text.strip().upper().replace("-", "_").replace(" ", "_")
    for value in descriptor.values:
        if value.name in (wanted, prefix + wanted):
            return int(value.number)
    raise ValueError(text)


def when(stamp: timestamp_pb2.Timestamp) -> str:
    if not stamp.seconds and not stamp.nanos:
        return "-"
    moment = datetime.fromtimestamp(stamp.seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def size(count: int | float) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(value) < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"


def count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def duration(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def struct_text(value: struct_pb2.Struct | None) -> str:
    if value is None or not value.fields:
        return "-"
    data = json_format.MessageToDict(value)
    return ", ".join(f"{k}={_scalar(v)}" for k, v in data.items())


def _scalar(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def parameters_text(parameters: Any) -> list[str]:
    """A parameters map ("<type>[#<id>]" -> Struct) as `key: k=v, ...` lines."""
    return [f"{key}: {struct_text(parameters[key])}" for key in sorted(parameters)]


def resource_label(resource: resources_pb2.Resource) -> str:
    label = f"{resource.type} {resource.id}"
    if resource.name and resource.name != resource.id:
        label += f' "{resource.name}"'
    return label


class Output:
    """Where and how to print: ``table`` (people) or ``json`` (scripts)."""

    def __init__(self, fmt: str = "table", out: TextIO | None = None) -> None:
        self.format = fmt
        self.out = out or sys.stdout

    @property
    def json(self) -> bool:
        return self.format == "json"

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def dump(self, value: Message | dict[str, Any] | list[Any]) -> None:
        data = to_dict(value) if isinstance(value, Message) else value
        print(json.dumps(data, indent=2, sort_keys=False), file=self.out)

    def dump_list(self, collection: str, items: Iterable[Message]) -> None:
        self.dump({collection: [to_dict(item) for item in items]})

    def table(self, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        print(render_table(headers, rows), file=self.out)

    def detail(self, pairs: Iterable[tuple[str, Any]]) -> None:
        pairs = [(k, v) for k, v in pairs if v is not None]
        width = max((len(k) for k, _ in pairs), default=0) + 1
        for key, value in pairs:
            text = value if isinstance(value, str) else str(value)
            lines = text.splitlines() or [""]
            print(f"{key + ':':<{width}} {lines[0]}", file=self.out)
            for more in lines[1:]:
                print(f"{'':<{width}} {more}", file=self.out)

    def section(self, title: str) -> None:
        print(f"\n{title}:", file=self.out)


def render_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [
        ["-" if c is None or c == "" else str(c) for c in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        text = "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row))
        lines.append(text.rstrip())
    return "\n".join(lines)


def graph_rows(
    graph: resources_pb2.ResourceGraph,
    states: dict[tuple[str, str], resources_pb2.ResourceState] | None = None,
    roots: Sequence[resources_pb2.Resource] = (),
) -> list[tuple[str, resources_pb2.Resource]]:
    """A resource graph as tree lines (prefix + label, resource), roots first, depth first.

    A child shared by several parents is drawn under each (its subtree only once, then as
    "(see above)")."""
    nodes = list(graph.nodes)
    if not nodes:
        return [("", r) for r in roots]
    root_indexes = list(graph.root_indexes) or [
        i
        for i in range(len(nodes))
        if not any(i in n.child_indexes for n in nodes)  # no parent
    ]
    rows: list[tuple[str, resources_pb2.Resource]] = []
    expanded: set[int] = set()

    def walk(index: int, lead: str, branch: str) -> None:
        node = nodes[index]
        seen = index in expanded
        label = resource_label(node.resource) + (
            " (see above)" if seen and node.child_indexes else ""
        )
        rows.append((lead + branch + label, node.resource))
        if seen:
            return
        expanded.add(index)
        children = list(node.child_indexes)
        more = lead + ("│   " if branch == "├── " else "    " if branch else "")
        for position, child in enumerate(children):
            last = position == len(children) - 1
            walk(child, more, "└── " if last else "├── ")

    for root in root_indexes:
        walk(root, "", "")
    return rows


def state_map(
    states: Iterable[resources_pb2.ResourceState],
) -> dict[tuple[str, str], resources_pb2.ResourceState]:
    return {(s.resource.type, s.resource.id): s for s in states}


def resource_table(
    out: Output,
    graph: resources_pb2.ResourceGraph | None,
    states: Sequence[resources_pb2.ResourceState],
    with_new_id: bool = False,
) -> None:
    """The resources of an operation as a tree (when the graph is known) with each one's status,
    progress and reason."""
    by_key = state_map(states)
    if graph is not None and graph.nodes:
        rows = graph_rows(graph)
    else:
        rows = [(resource_label(s.resource), s.resource) for s in states]
    headers = ["RESOURCE", "STATUS", "PROGRESS"] + (["NEW ID"] if with_new_id else []) + ["REASON"]
    table = []
    for label, resource in rows:
        state = by_key.get((resource.type, resource.id))
        if state is None:
            table.append([label, "-", "-"] + (["-"] if with_new_id else []) + ["-"])
            continue
        progress = state.progress
        if progress.bytes_total:
            amount = f"{size(progress.bytes_done)}/{size(progress.bytes_total)}"
        elif progress.bytes_done:
            amount = size(progress.bytes_done)
        else:
            amount = f"{progress.percent}%" if progress.percent else "-"
        row = [label, enum_label(state, "status"), amount]
        if with_new_id:
            row.append(state.new_resource_id or "-")
        row.append(state.reason or "-")
        table.append(row)
    out.table(headers, table)


def progress_text(progress: Any) -> str:
    parts = []
    if progress.resources_total:
        parts.append(f"{progress.resources_done}/{progress.resources_total} resources")
    if progress.bytes_total:
        parts.append(f"{size(progress.bytes_done)} of {size(progress.bytes_total)}")
    elif progress.bytes_done:
        parts.append(size(progress.bytes_done))
    if progress.percent:
        parts.append(f"{progress.percent}%")
    if progress.message:
        parts.append(progress.message)
    return ", ".join(parts) or "-"


def terminal_width(stream: TextIO) -> int:
    """Columns of the terminal behind ``stream`` ($COLUMNS, else 80, when it does not say)."""
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        columns = 0
    if columns <= 0:
        columns = shutil.get_terminal_size((80, 24)).columns
    return max(columns, 40)
