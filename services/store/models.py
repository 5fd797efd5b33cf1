"""The SQL schema shared by the api, scheduler and protection services.

Times are naive UTC datetimes. Enum-valued columns hold the smaug.v1 enum numbers (for example
``OperationStatus.OPERATION_STATUS_IN_PROGRESS`` = 1). JSON columns hold plain JSON values;
protobuf messages kept in them (resource states, progress, structs) are stored in their JSON
mapping (``google.protobuf.json_format.MessageToDict``).

The schema is created and upgraded only by the migrations in ``smaug.store.migrations``; these
models must describe exactly what the newest migration builds (a test compares them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: sa.JSON, list[Any]: sa.JSON}


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    provider_id: Mapped[str] = mapped_column(sa.String(255))
    status: Mapped[int] = mapped_column(sa.Integer)
    # [{"type", "id", "name", "extra_info"?}, ...]
    resources: Mapped[list[Any]] = mapped_column(sa.JSON)
    # {"<type>" or "<type>#<id>": {option: value}}
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)
    update_time: Mapped[datetime] = mapped_column(sa.DateTime)


class Trigger(Base):
    __tablename__ = "triggers"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    name: Mapped[str] = mapped_column(sa.String(255))
    type: Mapped[int] = mapped_column(sa.Integer)
    format: Mapped[int] = mapped_column(sa.Integer)
    pattern: Mapped[str] = mapped_column(sa.Text)
    start_time: Mapped[datetime] = mapped_column(sa.DateTime)
    end_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    window_seconds: Mapped[int] = mapped_column(sa.Integer)
    next_fire_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)
    update_time: Mapped[datetime] = mapped_column(sa.DateTime)
    # When the rule (format, pattern, start, end, window) last changed; occurrences before it are
    # not due. None means create_time.
    rule_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    # EVENT triggers: the event rule (smaug.scheduler.events.EventRule.to_json); None for TIME.
    event: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)


class TriggerFiring(Base):
    """One firing of an EVENT trigger: the events it coalesced and when it fires (or fired).

    At most one firing per trigger is PENDING; events join it under a lock on the trigger row.
    ``state`` is a smaug.v1.TriggerFiringState; ``fire_time`` is when a PENDING firing is due,
    and the occurrence time of the runs of a FIRED one.
    """

    __tablename__ = "trigger_firings"
    __table_args__ = (sa.Index("ix_trigger_firings_state_fire_time", "state", "fire_time"),)

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    trigger_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    project_id: Mapped[str] = mapped_column(sa.String(255))
    state: Mapped[int] = mapped_column(sa.Integer)
    first_event_time: Mapped[datetime] = mapped_column(sa.DateTime)
    last_event_time: Mapped[datetime] = mapped_column(sa.DateTime)
    fire_time: Mapped[datetime] = mapped_column(sa.DateTime)
    fired_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    event_count: Mapped[int] = mapped_column(sa.Integer)


class TriggerEvent(Base):
    """An event recorded on an EVENT trigger; unique per (trigger, event key), so an event
    delivered or sent twice (same notification message id, call request id, checkpoint) counts
    once. ``source`` is a smaug.v1.TriggerEventSource."""

    __tablename__ = "trigger_events"
    __table_args__ = (sa.UniqueConstraint("trigger_id", "event_key", name="uq_trigger_events_key"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    trigger_id: Mapped[str] = mapped_column(sa.String(36))
    event_key: Mapped[str] = mapped_column(sa.String(300))
    firing_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    source: Mapped[int] = mapped_column(sa.Integer)
    event_type: Mapped[str] = mapped_column(sa.String(255))
    receive_time: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    event_time: Mapped[datetime] = mapped_column(sa.DateTime)
    project_id: Mapped[str] = mapped_column(sa.String(255))
    resource_type: Mapped[str] = mapped_column(sa.String(255))
    resource_id: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[str] = mapped_column(sa.String(255))
    publisher_id: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str] = mapped_column(sa.String(255))


class ScheduledOperation(Base):
    __tablename__ = "scheduled_operations"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    user_id: Mapped[str] = mapped_column(sa.String(255))
    name: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    operation_type: Mapped[int] = mapped_column(sa.Integer)
    trigger_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    provider_id: Mapped[str] = mapped_column(sa.String(255))
    plan_id: Mapped[str] = mapped_column(sa.String(36))
    max_backups: Mapped[int] = mapped_column(sa.Integer, default=0)
    retention_duration_days: Mapped[int] = mapped_column(sa.Integer, default=0)
    # COPY: the provider receiving the copies ("" means provider_id).
    destination_provider_id: Mapped[str] = mapped_column(sa.String(255), default="")
    enabled: Mapped[bool] = mapped_column(sa.Boolean)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)
    update_time: Mapped[datetime] = mapped_column(sa.DateTime)
    # When the operation was last enabled or bound to a trigger; earlier occurrences are not
    # due. None means create_time.
    enabled_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    # Keystone mode: the trust the owner delegated to Smaug's service user, so runs reach
    # OpenStack as the owner long after their token expired (empty standalone).
    trust_id: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")


class ScheduledOperationRun(Base):
    """One run of a scheduled operation (written by the scheduler; newest 5 are shown)."""

    __tablename__ = "scheduled_operation_runs"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    scheduled_operation_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    expected_time: Mapped[datetime] = mapped_column(sa.DateTime)
    triggered_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    start_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    end_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    state: Mapped[int] = mapped_column(sa.Integer)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    checkpoint_id: Mapped[str] = mapped_column(sa.String(36), default="")
    # EVENT triggers: the firing the run belongs to.
    firing_id: Mapped[str] = mapped_column(sa.String(36), default="")


class ScheduledOperationClaim(Base):
    """Exactly once: the scheduler replica that runs one occurrence of a scheduled operation.

    Inserted (unique per operation and occurrence) before the run starts; ``heartbeat_time`` is
    renewed while it runs, and a claim left IN_PROGRESS with a stale heartbeat is taken over by
    another replica. ``state`` is a ScheduledOperationRunState.
    """

    __tablename__ = "scheduled_operation_claims"
    __table_args__ = (
        sa.UniqueConstraint(
            "scheduled_operation_id", "occurrence_time", name="uq_claims_operation_occurrence"
        ),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    scheduled_operation_id: Mapped[str] = mapped_column(sa.String(36))
    occurrence_time: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    trigger_id: Mapped[str] = mapped_column(sa.String(36))
    replica: Mapped[str] = mapped_column(sa.String(255))
    state: Mapped[int] = mapped_column(sa.Integer)
    attempts: Mapped[int] = mapped_column(sa.Integer)
    claim_time: Mapped[datetime] = mapped_column(sa.DateTime)
    heartbeat_time: Mapped[datetime] = mapped_column(sa.DateTime, index=True)
    end_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    run_id: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    checkpoint_id: Mapped[str] = mapped_column(sa.String(36), default="")
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # EVENT triggers: the firing this occurrence is (occurrence_time is its fire_time).
    firing_id: Mapped[str | None] = mapped_column(sa.String(36), nullable=True, index=True)
    # Every checkpoint the run made (a COPY makes several); None until it made one.
    checkpoint_ids: Mapped[list[Any] | None] = mapped_column(sa.JSON, nullable=True)


class Restore(Base):
    __tablename__ = "restores"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    provider_id: Mapped[str] = mapped_column(sa.String(255))
    checkpoint_id: Mapped[str] = mapped_column(sa.String(255))
    restore_target: Mapped[str] = mapped_column(sa.Text, default="")
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[int] = mapped_column(sa.Integer)
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    resource_states: Mapped[list[Any]] = mapped_column(sa.JSON)
    progress: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)
    update_time: Mapped[datetime] = mapped_column(sa.DateTime)
    end_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)


class Verification(Base):
    __tablename__ = "verifications"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    provider_id: Mapped[str] = mapped_column(sa.String(255))
    checkpoint_id: Mapped[str] = mapped_column(sa.String(255))
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[int] = mapped_column(sa.Integer)
    status_reason: Mapped[str] = mapped_column(sa.Text, default="")
    resource_states: Mapped[list[Any]] = mapped_column(sa.JSON)
    progress: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)
    update_time: Mapped[datetime] = mapped_column(sa.DateTime)
    end_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)


class OperationLog(Base):
    __tablename__ = "operation_logs"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255), index=True)
    operation_type: Mapped[int] = mapped_column(sa.Integer)
    status: Mapped[int] = mapped_column(sa.Integer)
    checkpoint_id: Mapped[str] = mapped_column(sa.String(255), default="")
    plan_id: Mapped[str] = mapped_column(sa.String(36), default="", index=True)
    provider_id: Mapped[str] = mapped_column(sa.String(255), default="")
    restore_id: Mapped[str] = mapped_column(sa.String(36), default="")
    verification_id: Mapped[str] = mapped_column(sa.String(36), default="")
    scheduled_operation_id: Mapped[str] = mapped_column(sa.String(36), default="")
    start_time: Mapped[datetime] = mapped_column(sa.DateTime)
    end_time: Mapped[datetime | None] = mapped_column(sa.DateTime, nullable=True)
    error_info: Mapped[str] = mapped_column(sa.Text, default="")
    extra_info: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, nullable=True)


class QuotaLimit(Base):
    """A project's override of one quota resource."""

    __tablename__ = "quotas"

    project_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(sa.BigInteger)


class QuotaClassLimit(Base):
    __tablename__ = "quota_classes"

    class_name: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(sa.BigInteger)


class QuotaUsage(Base):
    __tablename__ = "quota_usages"

    project_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    in_use: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reserved: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class Reservation(Base):
    __tablename__ = "reservations"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255))
    resource: Mapped[str] = mapped_column(sa.String(64))
    delta: Mapped[int] = mapped_column(sa.BigInteger)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)


class ServiceRecord(Base):
    __tablename__ = "services"
    __table_args__ = (sa.UniqueConstraint("binary", "host", name="uq_services_binary_host"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    binary: Mapped[str] = mapped_column(sa.String(255))
    host: Mapped[str] = mapped_column(sa.String(255))
    disabled: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    disabled_reason: Mapped[str] = mapped_column(sa.String(255), default="")
    heartbeat_time: Mapped[datetime] = mapped_column(sa.DateTime)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)
    update_time: Mapped[datetime] = mapped_column(sa.DateTime)


class User(Base):
    """A standalone-mode user (no Keystone): a name in one project with roles."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(255), unique=True)
    project_id: Mapped[str] = mapped_column(sa.String(255))
    roles: Mapped[list[Any]] = mapped_column(sa.JSON)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)


class Token(Base):
    """A standalone-mode API token, stored as its SHA-256 hex digest only."""

    __tablename__ = "tokens"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)


class RequestRecord(Base):
    """Idempotency: the object a create call with a client request id produced."""

    __tablename__ = "request_records"

    project_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    result_id: Mapped[str] = mapped_column(sa.String(255))
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)


class ProviderAccess(Base):
    """Which providers a project may use; project_id "*" is the default for projects without
    their own row. No row at all means every provider is visible."""

    __tablename__ = "provider_access"

    project_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    # True: every provider, whatever provider_ids holds.
    all_providers: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    # Sorted provider ids.
    provider_ids: Mapped[list[Any]] = mapped_column(sa.JSON)
    update_time: Mapped[datetime] = mapped_column(sa.DateTime)


class BankAccount(Base):
    """A project's own bank account on one provider's bank: where its checkpoints, indices and
    chunks live, and with which credentials. Rows are written by the protection service (which
    checks the location against the configuration and the banks) and read by every service."""

    __tablename__ = "bank_accounts"

    provider_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255), primary_key=True, index=True)
    # "s3" or "filesystem": the provider's bank backend.
    backend: Mapped[str] = mapped_column(sa.String(32))
    # s3: {"bucket", "prefix"}; filesystem: {"path"}.
    location: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    # S3 access key id ("" for the provider's credentials).
    access_key_id: Mapped[str] = mapped_column(sa.String(255), default="")
    # The S3 secret, sealed under the mesh secret (never returned by the API); "" for none.
    sealed_secret: Mapped[str] = mapped_column(sa.Text, default="")
    # Chunk data is encrypted under the account's own key (derived from the provider's).
    encrypted: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    create_time: Mapped[datetime] = mapped_column(sa.DateTime)
    update_time: Mapped[datetime] = mapped_column(sa.DateTime)
