"""Migrations: the newest revision matches the models, and upgrading keeps existing data."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from smaug.store import identities, quotas, records
from smaug.store.db import Store, current_revision
from smaug.store.models import Base


def test_schema_matches_models(database_url: str) -> None:
    store = Store(database_url)
    with store.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    store.dispose()


def test_upgrade_keeps_data(database_url: str) -> None:
    old = Store(database_url, migrate_to="0001")
    assert current_revision(old.engine) == "0001"
    with old.write() as session:
        log_id = records.start_operation_log(session, "p", 1, plan_id="x")
        quotas.set_project_limits(session, "p", {"plans": 3})
    old.dispose()

    new = Store(database_url)
    assert current_revision(new.engine) == "0007"
    with new.write() as session:
        _, token = identities.create_user(session, "u", "p")
    # Re-running the upgrade is a no-op that keeps everything.
    again = Store(database_url)
    with again.read() as session:
        assert session.scalar(sa.text("SELECT plan_id FROM operation_logs")) == "x"
        assert records.get_plan(session, "missing") is None
        assert quotas.project_limits(session, "p")["plans"] == 3
        user = identities.authenticate(session, token)
        assert user is not None and user.project_id == "p"
        assert identities.authenticate(session, token + "x") is None
    assert log_id
    new.dispose()
    again.dispose()
