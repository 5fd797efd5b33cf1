"""Shared settings for every test."""

from __future__ import annotations

import os

# Tests fork plugin processes from a process using gRPC; its fork handlers would only warn.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")
