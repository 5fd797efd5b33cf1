"""RecountQuotaUsage repairs counters that drifted: plans counted in the store, checkpoints in
the banks (through the protection service), stale reservations dropped."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import grpc
import pytest

from smaug.store import identities
from smaug.store.db import Store, new_id, utcnow
from smaug.store.models import QuotaUsage, Reservation
from smaug.v1 import checkpoints_pb2, quotas_pb2
from support.mesh import smaug_up
from support.sample_mesh import Api, write_config


def test_recount_repairs_drifted_usage(tmp_path: Path) -> None:
    config = write_config(tmp_path)
    with smaug_up(tmp_path / "data", {"SMAUG_CONFIG": str(config)}) as mesh:
        api = Api(mesh)
        plan_id = api.plan(["t1"])
        for _ in range(2):
            checkpoint, _ = api.protect(plan_id)
            assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE
        project = checkpoint.project_id

        # Drift: counters off in both directions, and a reservation nobody will end.
        store = Store(f"sqlite:///{tmp_path / 'data' / 'smaug.db'}", migrate_to=None)
        with store.write() as session:
            for row in session.query(QuotaUsage).filter(QuotaUsage.project_id == project):
                row.in_use = {"plans": 0, "checkpoints": 7}[row.resource]
                if row.resource == "checkpoints":
                    row.reserved += 1
            session.add(
                Reservation(
                    id=new_id(),
                    project_id=project,
                    resource="checkpoints",
                    delta=1,
                    create_time=utcnow() - timedelta(hours=2),
                )
            )
            _, member_token = identities.create_user(session, "member", project, ("member",))
        store.dispose()

        repaired = api.call(
            api.quotas.RecountQuotaUsage,
            quotas_pb2.RecountQuotaUsageRequest(project_id=project),
        )
        usage = repaired.quota_usage
        assert (usage.plans.in_use, usage.checkpoints.in_use) == (1, 2)
        assert usage.checkpoints.reserved == 0
        changed = {
            c.resource: (c.recorded, c.counted, c.dropped_reservations)
            for c in repaired.corrections
        }
        assert changed == {"plans": (0, 1, 0), "checkpoints": (7, 2, 1)}

        # A second recount finds nothing to correct.
        again = api.call(
            api.quotas.RecountQuotaUsage,
            quotas_pb2.RecountQuotaUsageRequest(project_id=project),
        )
        assert list(again.corrections) == []

        with pytest.raises(grpc.RpcError) as member:
            api.quotas.RecountQuotaUsage(
                quotas_pb2.RecountQuotaUsageRequest(project_id=project),
                metadata=(("authorization", f"Bearer {member_token}"),),
                timeout=30,
            )
        assert member.value.code() == grpc.StatusCode.PERMISSION_DENIED
        with pytest.raises(grpc.RpcError) as missing:
            api.call(api.quotas.RecountQuotaUsage, quotas_pb2.RecountQuotaUsageRequest())
        assert missing.value.code() == grpc.StatusCode.INVALID_ARGUMENT
