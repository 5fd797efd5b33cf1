"""The flow engine: every resource's four hooks, in Karbor's order, everything else concurrent.

For every operation the same rules hold (ARCHITECTURE.md, "Plugin contract"):
1. within one resource: prepare_begin, prepare_finish, main, complete;
2. a parent's prepare_begin runs before each child's prepare_begin;
3. every child's prepare_finish runs before the parent's prepare_finish;
4. every child's complete runs before the parent's complete;
5. main has no cross-resource ordering; everything not ordered above runs concurrently, at most
   ``concurrency`` hooks at a time;
6. a resource shared by several parents gets one set of hooks, linked to every parent.

When a hook fails, no new hook starts, the running ones finish, and the flow reports the first
failure. Cancelling the flow cancels the running hooks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from smaug.protection.graph import Key, Node, ResourceGraph

PHASES = ("prepare_begin", "prepare_finish", "main", "complete")

Step = tuple[Key, str]
RunHook = Callable[[Node, str], Awaitable[None]]


@dataclass
class FlowFailure(Exception):
    """A hook failed; ``node`` and ``phase`` say which, ``reason`` why."""

    node: Node
    phase: str
    reason: str

    def __str__(self) -> str:
        return f"{self.node.label} failed in {self.phase}: {self.reason}"


def dependencies(graph: ResourceGraph) -> dict[Step, set[Step]]:
    """For every step, the steps that must finish before it starts."""
    parents = graph.parents()
    needs: dict[Step, set[Step]] = {}
    for key, node in graph.nodes.items():
        needs[(key, "prepare_begin")] = {(p, "prepare_begin") for p in parents[key]}
        needs[(key, "prepare_finish")] = {(key, "prepare_begin")} | {
            (c, "prepare_finish") for c in node.children
        }
        needs[(key, "main")] = {(key, "prepare_finish")}
        needs[(key, "complete")] = {(key, "main")} | {(c, "complete") for c in node.children}
    return needs


async def run(graph: ResourceGraph, run_hook: RunHook, concurrency: int = 8) -> None:
    """Run every step of ``graph``; raises FlowFailure for the first hook that failed."""
    needs = dependencies(graph)
    waiting = {step: set(required) for step, required in needs.items()}
    dependents: dict[Step, list[Step]] = {step: [] for step in needs}
    for step, required in needs.items():
        for before in required:
            dependents[before].append(step)

    ready = [step for step, required in waiting.items() if not required]
    running: dict[asyncio.Task[None], Step] = {}
    failure: FlowFailure | None = None
    limit = max(1, concurrency)
    try:
        while ready or running:
            while ready and failure is None and len(running) < limit:
                key, phase = ready.pop(0)
                task = asyncio.ensure_future(run_hook(graph.nodes[key], phase))
                running[task] = (key, phase)
            if not running:
                break
            done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                step = running.pop(task)
                error = task.exception()
                if error is not None:
                    if failure is None:
                        failure = (
                            error
                            if isinstance(error, FlowFailure)
                            else FlowFailure(
                                graph.nodes[step[0]], step[1], str(error) or repr(error)
                            )
                        )
                    continue
                for after in dependents[step]:
                    waiting[after].discard(step)
                    if not waiting[after]:
                        ready.append(after)
            if failure is not None:
                ready.clear()
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
    if failure is not None:
        raise failure
