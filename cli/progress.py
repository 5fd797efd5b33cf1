"""Following a long operation (protect, delete, copy, restore, verify) through its Watch stream.

On a terminal the progress is one redrawn line on stderr: a bar, resources and bytes done, the
transfer rate, the elapsed time and the status; elsewhere a plain line whenever something
changes (at most one a second). The first Ctrl-C asks the server to cancel the operation and
keeps waiting for its final status; a second one stops waiting at once.
"""

from __future__ import annotations

import queue
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

import grpc

from smaug.cli import output
from smaug.cli.client import INTERRUPTED, Client, CliError

RECONNECT_ATTEMPTS = 10


@dataclass
class Operation:
    """How to follow one operation."""

    # What to call it in messages, e.g. "checkpoint 5f0c…" or "restore 8a1b…".
    label: str
    # Opens a new Watch stream (the first event of each is the current state).
    watch: Callable[[], Any]
    # Asks the server to cancel (a Cancel* RPC); None when Ctrl-C should only stop waiting.
    cancel: Callable[[], Any] | None
    # Whether an event's status is final.
    finished: Callable[[Any], bool]
    # Whether a final event means success.
    succeeded: Callable[[Any], bool]


@dataclass
class Outcome:
    event: Any
    succeeded: bool
    cancelled: bool
    elapsed: float


class Display:
    """The progress line (TTY) or progress lines (not a TTY)."""

    def __init__(self, label: str, stream: TextIO | None = None, tty: bool | None = None):
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.start = time.monotonic()
        self.samples: deque[tuple[float, int]] = deque(maxlen=20)
        self.last_plain = ""
        self.last_plain_time = 0.0
        self.event: Any = None
        self.note_text = ""
        self.drawn = False

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def update(self, event: Any, final: bool = False) -> None:
        self.event = event
        self.samples.append((time.monotonic(), int(event.progress.bytes_done)))
        self.draw(final)

    def note(self, text: str) -> None:
        self.note_text = text
        if self.tty:
            self.draw()
        else:
            self._print(f"{self.label}: {text}")

    def rate(self) -> float:
        if len(self.samples) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 and b1 >= b0 else 0.0

    def percent(self, final: bool) -> int:
        event = self.event
        if event is None:
            return 0
        progress = event.progress
        if progress.percent:
            return int(progress.percent)
        if progress.resources_total:
            return int(100 * progress.resources_done / progress.resources_total)
        if progress.bytes_total:
            return int(100 * progress.bytes_done / progress.bytes_total)
        return 100 if final else 0

    def parts(self, final: bool) -> list[str]:
        event = self.event
        parts = []
        if event is not None:
            progress = event.progress
            if progress.resources_total:
                parts.append(f"{progress.resources_done}/{progress.resources_total} resources")
            if progress.bytes_total:
                parts.append(
                    f"{output.size(progress.bytes_done)}/{output.size(progress.bytes_total)}"
                )
            elif progress.bytes_done:
                parts.append(output.size(progress.bytes_done))
            rate = self.rate()
            if rate > 0 and not final:
                parts.append(f"{output.size(rate)}/s")
        parts.append(output.duration(self.elapsed()))
        if event is not None:
            parts.append(output.enum_label(event, "status"))
            if event.progress.message and not final:
                parts.append(event.progress.message)
        if self.note_text and not final:
            parts.append(self.note_text)
        return parts

    def draw(self, final: bool = False) -> None:
        if self.tty:
            width = output.terminal_width(self.stream)
            percent = self.percent(final)
            bar_width = 24
            filled = bar_width * min(max(percent, 0), 100) // 100
            bar = "#" * filled + "-" * (bar_width - filled)
            text = f"{self.label} [{bar}] {percent:3d}%  " + "  ".join(self.parts(final))
            if len(text) > width - 1:
                text = text[: width - 2] + "…"
            self.stream.write("\r\x1b[K" + text + ("\n" if final else ""))
            self.stream.flush()
            self.drawn = not final
            return
        text = f"{self.label}: {self.percent(final)}%, " + ", ".join(self.parts(final))
        now = time.monotonic()
        # Plain lines: on any change of status or counters, at most one a second unless final.
        signature = self._signature()
        if final or (signature != self.last_plain and now - self.last_plain_time >= 1.0):
            self._print(text)
            self.last_plain = signature
            self.last_plain_time = now

    def _signature(self) -> str:
        event = self.event
        if event is None:
            return ""
        p = event.progress
        return f"{event.status}/{p.resources_done}/{p.bytes_done}/{p.percent}/{self.note_text}"

    def _print(self, text: str) -> None:
        if self.tty and self.drawn:
            self.stream.write("\r\x1b[K")
        print(text, file=self.stream, flush=True)

    def tick(self) -> None:
        if self.tty and self.event is not None:
            self.draw()

    def close(self) -> None:
        if self.tty and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


class _Reader(threading.Thread):
    """Reads Watch streams into a queue, reopening one that breaks while the api is away."""

    def __init__(self, client: Client, operation: Operation, events: queue.Queue[Any]):
        super().__init__(daemon=True, name="smaug-watch")
        self.client = client
        self.operation = operation
        self.events = events
        self.stopped = threading.Event()
        self.call: Any = None

    def stop(self) -> None:
        self.stopped.set()
        call = self.call
        if call is not None:
            call.cancel()

    def run(self) -> None:
        failures = 0
        while not self.stopped.is_set():
            try:
                self.call = self.operation.watch()
                for event in self.call:
                    failures = 0
                    self.events.put(("event", event))
                    if self.operation.finished(event):
                        self.events.put(("end", None))
                        return
            except grpc.RpcError as error:
                if self.stopped.is_set():
                    return
                code = error.code() if hasattr(error, "code") else None
                if code == grpc.StatusCode.UNAVAILABLE and failures < RECONNECT_ATTEMPTS:
                    failures += 1
                    self.events.put(("retry", error))
                    self.stopped.wait(min(0.5 * 2**failures, 5.0))
                    continue
                self.events.put(("error", error))
                return
            # The stream ended without a final status (it should not): watch again.
            failures += 1
            if failures > RECONNECT_ATTEMPTS:
                self.events.put(("error", None))
                return
            self.stopped.wait(0.5)


def follow(client: Client, operation: Operation, display: Display | None = None) -> Outcome:
    """Follow an operation to its final status. Raises CliError when watching fails."""
    display = display or Display(operation.label)
    events: queue.Queue[Any] = queue.Queue()
    reader = _Reader(client, operation, events)
    reader.start()
    # Ctrl-C (SIGINT) must reach us even when started with it ignored (a background job).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    last: Any = None
    cancelled = False
    try:
        while True:
            try:
                try:
                    kind, payload = events.get(timeout=0.5)
                except queue.Empty:
                    display.tick()
                    continue
                if kind == "event":
                    last = payload
                    final = operation.finished(payload)
                    display.update(payload, final=final)
                    if final:
                        return Outcome(
                            last, operation.succeeded(last), cancelled, display.elapsed()
                        )
                elif kind == "retry":
                    display.note("api unreachable, reconnecting")
                elif kind == "error":
                    display.close()
                    if payload is None:
                        raise CliError(f"watching {operation.label} ended without a final status")
                    raise client.error(payload)
                elif kind == "end":
                    continue
            except KeyboardInterrupt:
                if cancelled or operation.cancel is None:
                    raise
                cancelled = True
                display.note("cancelling (Ctrl-C again to stop waiting)")
                try:
                    operation.cancel()
                except CliError as error:
                    display.note(f"cancel refused: {error.message}")
    except KeyboardInterrupt:
        display.close()
        note = (
            "stopped waiting; the cancellation goes on on the server"
            if cancelled
            else "stopped waiting; the operation goes on on the server"
        )
        print(f"smaug: {operation.label}: {note}", file=sys.stderr)
        raise CliError("interrupted", INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGINT, previous)
        reader.stop()
