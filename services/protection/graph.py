"""The resource graph: a plan's resources and, through the plugins' dependents calls, everything
they contain or depend on.

Edges go from a parent to the resources it contains or depends on (its children). A resource
reachable from several parents is one node linked to each (identity is type and id). Roots are
the plan's resources that are no other resource's child. A cycle is an error naming it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format

from smaug.v1 import resources_pb2

Key = tuple[str, str]


@dataclass
class Node:
    """One resource of the graph."""

    type: str
    id: str
    name: str
    extra_info: dict[str, Any] = field(default_factory=dict)
    children: list[Key] = field(default_factory=list)

    @property
    def key(self) -> Key:
        return (self.type, self.id)

    @property
    def label(self) -> str:
        """How errors and parameter overrides name the resource: ``type#id``."""
        return f"{self.type}#{self.id}"


class GraphCycle(ValueError):
    """The dependents calls described a cycle; the message lists it."""


@dataclass
class ResourceGraph:
    """Nodes in insertion order plus the roots."""

    nodes: dict[Key, Node] = field(default_factory=dict)
    roots: list[Key] = field(default_factory=list)

    def parents(self) -> dict[Key, list[Key]]:
        found: dict[Key, list[Key]] = {key: [] for key in self.nodes}
        for node in self.nodes.values():
            for child in node.children:
                found[child].append(node.key)
        return found

    def post_order(self) -> list[Key]:
        """Children before parents; each node once."""
        ordered: list[Key] = []
        seen: set[Key] = set()

        def visit(key: Key) -> None:
            if key in seen:
                return
            seen.add(key)
            for child in self.nodes[key].children:
                visit(child)
            ordered.append(key)

        for key in [*self.roots, *self.nodes]:
            visit(key)
        return ordered

    def check_acyclic(self) -> None:
        state: dict[Key, int] = {}  # 1 visiting, 2 done
        path: list[Key] = []

        def visit(key: Key) -> None:
            state[key] = 1
            path.append(key)
            for child in self.nodes[key].children:
                if state.get(child) == 1:
                    cycle = [*path[path.index(child) :], child]
                    names = " -> ".join(self.nodes[k].label for k in cycle)
                    raise GraphCycle(f"resource graph has a cycle: {names}")
                if child not in state:
                    visit(child)
            path.pop()
            state[key] = 2

        for key in self.nodes:
            if key not in state:
                visit(key)

    def to_proto(self) -> resources_pb2.ResourceGraph:
        order = self.post_order()
        index = {key: i for i, key in enumerate(order)}
        graph = resources_pb2.ResourceGraph()
        for key in order:
            node = self.nodes[key]
            message = graph.nodes.add()
            message.resource.type = node.type
            message.resource.id = node.id
            message.resource.name = node.name
            if node.extra_info:
                message.resource.extra_info.update(node.extra_info)
            message.child_indexes.extend(index[c] for c in node.children)
        graph.root_indexes.extend(index[r] for r in self.roots)
        return graph

    @classmethod
    def from_proto(cls, message: resources_pb2.ResourceGraph) -> ResourceGraph:
        graph = cls()
        keys: list[Key] = []
        for item in message.nodes:
            resource = item.resource
            node = Node(
                resource.type,
                resource.id,
                resource.name,
                json_format.MessageToDict(resource.extra_info),
            )
            graph.nodes[node.key] = node
            keys.append(node.key)
        for item, key in zip(message.nodes, keys, strict=True):
            graph.nodes[key].children = [keys[i] for i in item.child_indexes]
        graph.roots = [keys[i] for i in message.root_indexes]
        return graph

    def to_karbor(self) -> str:
        """Karbor's serialized form (a JSON string): ``[{"0x0": [type, id, name, extra]},
        [["0x0", ["0x1"]], ...]]`` with nodes named by hex index, as its REST face returns."""
        order = self.post_order()
        names = {key: hex(i) for i, key in enumerate(order)}
        nodes = {
            names[key]: [
                self.nodes[key].type,
                self.nodes[key].id,
                self.nodes[key].name,
                json.dumps(self.nodes[key].extra_info) if self.nodes[key].extra_info else None,
            ]
            for key in order
        }
        edges = [
            [names[key], [names[c] for c in self.nodes[key].children]]
            for key in order
            if self.nodes[key].children
        ]
        return json.dumps([nodes, edges])


ChildLookup = Callable[[Node], Awaitable[Iterable[Node]]]


async def build(resources: Iterable[Node], children_of: ChildLookup) -> ResourceGraph:
    """Expand ``resources`` through ``children_of`` until every node's children are known."""
    graph = ResourceGraph()
    pending: list[Key] = []
    for resource in resources:
        if resource.key not in graph.nodes:
            graph.nodes[resource.key] = resource
            pending.append(resource.key)
    planned = list(pending)
    expanded: set[Key] = set()
    while pending:
        key = pending.pop()
        if key in expanded:
            continue
        expanded.add(key)
        node = graph.nodes[key]
        for child in await children_of(node):
            if child.key not in graph.nodes:
                graph.nodes[child.key] = child
                pending.append(child.key)
            if child.key not in node.children:
                node.children.append(child.key)
    graph.check_acyclic()
    children = {c for node in graph.nodes.values() for c in node.children}
    graph.roots = [key for key in planned if key not in children]
    return graph
