"""Scheduler settings: tunables read from the environment, notification listening from the
configuration file (smaug.deploy.config)."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, replace

from smaug.deploy.config import (
    NOTIFICATION_EXCHANGES,
    NOTIFICATION_QUEUE,
    NOTIFICATION_TOPICS,
    SchedulerConfig,
)


def _float(env: Mapping[str, str], name: str, default: float, minimum: float = 0.0) -> float:
    try:
        value = float(env.get(name, "") or default)
    except ValueError:
        return default
    return max(value, minimum)


@dataclass(frozen=True)
class SchedulerSettings:
    # How often each replica looks for due occurrences and stale claims.
    poll_seconds: float = 5.0
    # How often a replica renews its service heartbeat and the leases of the runs it holds.
    heartbeat_seconds: float = 10.0
    # A claim IN_PROGRESS whose lease was not renewed for this long is taken over.
    claim_stale_seconds: float = 60.0
    # Occurrences older than this are never looked at (nor recorded as dropped).
    lookback_seconds: float = 86400.0
    # Claims are kept this long after their occurrence (must exceed lookback_seconds).
    claim_retention_seconds: float = 3 * 86400.0
    # Runs one replica holds at once; at the limit it claims nothing more.
    max_concurrent_runs: int = 16
    # Deadline of each call to the api.
    call_timeout_seconds: float = 60.0
    # On SIGTERM, how long runs under way may take to finish before they are abandoned (and
    # later taken over by another replica).
    stop_grace_seconds: float = 10.0
    # Service-registry host of this replica; empty means "<hostname>:<listen port>".
    replica: str = ""
    # Tests only: pause between claiming an occurrence and running it.
    run_delay_seconds: float = 0.0
    # OpenStack notifications (event triggers); see smaug.deploy.config.SchedulerConfig, where
    # they are configured, for what each means.
    notification_url: str = ""
    notification_exchanges: tuple[str, ...] = NOTIFICATION_EXCHANGES
    notification_topics: tuple[str, ...] = NOTIFICATION_TOPICS
    notification_queue: str = NOTIFICATION_QUEUE
    notification_durable_exchanges: bool = False

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, config: SchedulerConfig | None = None
    ) -> SchedulerSettings:
        """Tunables from the environment; notifications from ``config`` (the file)."""
        env = os.environ if environ is None else environ
        lookback = _float(env, "SMAUG_SCHEDULER_LOOKBACK_SECONDS", 86400.0, 60.0)
        settings = cls(
            poll_seconds=_float(env, "SMAUG_SCHEDULER_POLL_SECONDS", 5.0, 0.05),
            heartbeat_seconds=_float(env, "SMAUG_SCHEDULER_HEARTBEAT_SECONDS", 10.0, 0.05),
            claim_stale_seconds=_float(env, "SMAUG_SCHEDULER_CLAIM_STALE_SECONDS", 60.0, 0.2),
            lookback_seconds=lookback,
            claim_retention_seconds=max(
                _float(env, "SMAUG_SCHEDULER_CLAIM_RETENTION_SECONDS", 3 * 86400.0),
                2 * lookback,
            ),
            max_concurrent_runs=int(_float(env, "SMAUG_SCHEDULER_MAX_CONCURRENT_RUNS", 16, 1)),
            call_timeout_seconds=_float(env, "SMAUG_SCHEDULER_CALL_TIMEOUT_SECONDS", 60.0, 1.0),
            stop_grace_seconds=_float(env, "SMAUG_SCHEDULER_STOP_GRACE_SECONDS", 10.0),
            replica=env.get("SMAUG_SCHEDULER_REPLICA", ""),
            run_delay_seconds=_float(env, "SMAUG_SCHEDULER_TEST_RUN_DELAY_SECONDS", 0.0),
        )
        if config is None:
            return settings
        return replace(
            settings,
            notification_url=config.notification_url,
            notification_exchanges=config.notification_exchanges,
            notification_topics=config.notification_topics,
            notification_queue=config.notification_queue,
            notification_durable_exchanges=config.notification_durable_exchanges,
        )


def default_replica(port: int) -> str:
    return f"{socket.gethostname()}:{port}"
