"""Free TCP ports on 127.0.0.1 for the servers tests start.

Ports come from below Linux's ephemeral range (32768-60999): a port picked now and bound a
moment later by a child process must not be taken meanwhile by an outgoing connection or a bind
to port 0. A port is never handed out twice in one test process: two picks for one mesh (say
the api and the gateway) would otherwise collide once in a few thousand meshes, because nothing
holds a port between the pick and the child's bind.
"""

from __future__ import annotations

import random
import socket

_PICK_FROM, _PICK_TO = 20000, 32767
_handed_out: set[int] = set()


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(twin_offset: int = 0) -> int:
    """A port free now and never handed out before; with ``twin_offset``, port + offset is too
    (SeaweedFS binds each HTTP port's +10000 gRPC twin)."""
    for _ in range(500):
        port = random.randrange(_PICK_FROM, _PICK_TO - twin_offset + 1)
        wanted = {port, port + twin_offset}
        if wanted & _handed_out or not all(_bindable(p) for p in wanted):
            continue
        _handed_out.update(wanted)
        return port
    raise RuntimeError(f"no free port between {_PICK_FROM} and {_PICK_TO}")
