"""Hook ordering on graphs with shared children and several levels, failure and cancellation."""

from __future__ import annotations

import asyncio
import random

import pytest

from smaug.protection import flow
from smaug.protection.graph import GraphCycle, Node, ResourceGraph, build


def diamond() -> ResourceGraph:
    """project -> server1, server2; server1 -> vol, image; server2 -> vol, net; vol -> disk."""
    edges = {
        "project": ["server1", "server2"],
        "server1": ["vol", "image"],
        "server2": ["vol", "net"],
        "vol": ["disk"],
    }
    graph = ResourceGraph()
    for name in ["project", "server1", "server2", "vol", "image", "net", "disk"]:
        graph.nodes[("T", name)] = Node("T", name, name)
    for parent, children in edges.items():
        graph.nodes[("T", parent)].children = [("T", c) for c in children]
    graph.roots = [("T", "project")]
    return graph


def check_order(graph: ResourceGraph, log: list[tuple[str, str]]) -> None:
    position = {entry: i for i, entry in enumerate(log)}
    # Every step ran exactly once.
    assert len(log) == len(set(log)) == 4 * len(graph.nodes)
    for node in graph.nodes.values():
        steps = [position[(node.id, p)] for p in flow.PHASES]
        assert steps == sorted(steps), f"{node.id} phases out of order"
        for child_key in node.children:
            child = graph.nodes[child_key].id
            assert position[(node.id, "prepare_begin")] < position[(child, "prepare_begin")]
            assert position[(child, "prepare_finish")] < position[(node.id, "prepare_finish")]
            assert position[(child, "complete")] < position[(node.id, "complete")]


@pytest.mark.parametrize("seed", range(5))
async def test_order_holds_under_random_timing(seed: int) -> None:
    graph = diamond()
    log: list[tuple[str, str]] = []
    rng = random.Random(seed)

    async def hook(node: Node, phase: str) -> None:
        await asyncio.sleep(rng.random() / 200)
        log.append((node.id, phase))

    await flow.run(graph, hook, concurrency=4)
    check_order(graph, log)


async def test_main_of_a_parent_may_overlap_childrens_main() -> None:
    graph = diamond()
    active: set[str] = set()
    overlaps: list[tuple[str, str]] = []

    async def hook(node: Node, phase: str) -> None:
        if phase == "main":
            for other in active:
                overlaps.append((node.id, other))
            active.add(node.id)
            await asyncio.sleep(0.01)
            active.discard(node.id)

    await flow.run(graph, hook, concurrency=16)
    assert overlaps, "main hooks never ran concurrently"


async def test_concurrency_limit_is_respected() -> None:
    graph = diamond()
    active = 0
    peak = 0

    async def hook(node: Node, phase: str) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.005)
        active -= 1

    await flow.run(graph, hook, concurrency=2)
    assert peak == 2


async def test_failure_stops_new_work_and_names_the_resource() -> None:
    graph = diamond()
    started: list[tuple[str, str]] = []

    async def hook(node: Node, phase: str) -> None:
        started.append((node.id, phase))
        if (node.id, phase) == ("vol", "main"):
            raise RuntimeError("disk full")
        await asyncio.sleep(0.01)

    with pytest.raises(flow.FlowFailure) as failed:
        await flow.run(graph, hook, concurrency=8)
    assert str(failed.value) == "T#vol failed in main: disk full"
    # Nothing that depends on the failed step ran, and no complete of an ancestor ran.
    assert ("vol", "complete") not in started
    assert ("project", "complete") not in started


async def test_cancelling_the_flow_cancels_running_hooks() -> None:
    graph = diamond()
    cancelled: list[str] = []

    async def hook(node: Node, phase: str) -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(node.id)
            raise

    task = asyncio.ensure_future(flow.run(graph, hook))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled == ["project"]


async def test_build_dedupes_shared_children_and_finds_roots() -> None:
    edges = {"server1": ["vol"], "server2": ["vol"], "vol": []}

    async def children(node: Node) -> list[Node]:
        return [Node("T", c, c) for c in edges.get(node.id, [])]

    # The plan names the volume too: it is processed once, as the servers' child.
    graph = await build([Node("T", n, n) for n in ["vol", "server1", "server2"]], children)
    assert sorted(k[1] for k in graph.nodes) == ["server1", "server2", "vol"]
    assert graph.roots == [("T", "server1"), ("T", "server2")]
    proto = graph.to_proto()
    assert next(n.resource.id for n in proto.nodes) == "vol"  # post-order: children first
    again = ResourceGraph.from_proto(proto)
    assert again.nodes[("T", "server2")].children == [("T", "vol")]
    assert again.roots == graph.roots


async def test_build_rejects_cycles() -> None:
    edges = {"a": ["b"], "b": ["c"], "c": ["a"]}

    async def children(node: Node) -> list[Node]:
        return [Node("T", c, c) for c in edges[node.id]]

    with pytest.raises(GraphCycle, match="T#a -> T#b -> T#c -> T#a"):
        await build([Node("T", "a", "a")], children)
