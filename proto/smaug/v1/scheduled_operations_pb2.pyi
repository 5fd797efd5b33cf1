import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ScheduledOperationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHEDULED_OPERATION_TYPE_UNSPECIFIED: _ClassVar[ScheduledOperationType]
    SCHEDULED_OPERATION_TYPE_PROTECT: _ClassVar[ScheduledOperationType]
    SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT: _ClassVar[ScheduledOperationType]
    SCHEDULED_OPERATION_TYPE_COPY: _ClassVar[ScheduledOperationType]

class ScheduledOperationRunState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCHEDULED_OPERATION_RUN_STATE_UNSPECIFIED: _ClassVar[ScheduledOperationRunState]
    SCHEDULED_OPERATION_RUN_STATE_IN_PROGRESS: _ClassVar[ScheduledOperationRunState]
    SCHEDULED_OPERATION_RUN_STATE_SUCCEEDED: _ClassVar[ScheduledOperationRunState]
    SCHEDULED_OPERATION_RUN_STATE_FAILED: _ClassVar[ScheduledOperationRunState]
    SCHEDULED_OPERATION_RUN_STATE_DROPPED_OUT_OF_WINDOW: _ClassVar[ScheduledOperationRunState]
SCHEDULED_OPERATION_TYPE_UNSPECIFIED: ScheduledOperationType
SCHEDULED_OPERATION_TYPE_PROTECT: ScheduledOperationType
SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT: ScheduledOperationType
SCHEDULED_OPERATION_TYPE_COPY: ScheduledOperationType
SCHEDULED_OPERATION_RUN_STATE_UNSPECIFIED: ScheduledOperationRunState
SCHEDULED_OPERATION_RUN_STATE_IN_PROGRESS: ScheduledOperationRunState
SCHEDULED_OPERATION_RUN_STATE_SUCCEEDED: ScheduledOperationRunState
SCHEDULED_OPERATION_RUN_STATE_FAILED: ScheduledOperationRunState
SCHEDULED_OPERATION_RUN_STATE_DROPPED_OUT_OF_WINDOW: ScheduledOperationRunState

class ScheduledOperationDefinition(_message.Message):
    __slots__ = ("provider_id", "plan_id", "max_backups", "retention_duration_days", "destination_provider_id")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    MAX_BACKUPS_FIELD_NUMBER: _ClassVar[int]
    RETENTION_DURATION_DAYS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    plan_id: str
    max_backups: int
    retention_duration_days: int
    destination_provider_id: str
    def __init__(self, provider_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., max_backups: _Optional[int] = ..., retention_duration_days: _Optional[int] = ..., destination_provider_id: _Optional[str] = ...) -> None: ...

class ScheduledOperationRun(_message.Message):
    __slots__ = ("expected_time", "triggered_time", "start_time", "end_time", "state", "reason", "checkpoint_id", "trigger_firing_id")
    EXPECTED_TIME_FIELD_NUMBER: _ClassVar[int]
    TRIGGERED_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIRING_ID_FIELD_NUMBER: _ClassVar[int]
    expected_time: _timestamp_pb2.Timestamp
    triggered_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    state: ScheduledOperationRunState
    reason: str
    checkpoint_id: str
    trigger_firing_id: str
    def __init__(self, expected_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., triggered_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[ScheduledOperationRunState, str]] = ..., reason: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., trigger_firing_id: _Optional[str] = ...) -> None: ...

class ScheduledOperation(_message.Message):
    __slots__ = ("id", "project_id", "user_id", "name", "description", "operation_type", "trigger_id", "operation_definition", "enabled", "recent_runs", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OPERATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    RECENT_RUNS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    user_id: str
    name: str
    description: str
    operation_type: ScheduledOperationType
    trigger_id: str
    operation_definition: ScheduledOperationDefinition
    enabled: bool
    recent_runs: _containers.RepeatedCompositeFieldContainer[ScheduledOperationRun]
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., user_id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., operation_type: _Optional[_Union[ScheduledOperationType, str]] = ..., trigger_id: _Optional[str] = ..., operation_definition: _Optional[_Union[ScheduledOperationDefinition, _Mapping]] = ..., enabled: _Optional[bool] = ..., recent_runs: _Optional[_Iterable[_Union[ScheduledOperationRun, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListScheduledOperationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "order_by", "all_projects")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    ALL_PROJECTS_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    order_by: str
    all_projects: bool
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., order_by: _Optional[str] = ..., all_projects: _Optional[bool] = ...) -> None: ...

class ListScheduledOperationsResponse(_message.Message):
    __slots__ = ("scheduled_operations", "next_page_token")
    SCHEDULED_OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scheduled_operations: _containers.RepeatedCompositeFieldContainer[ScheduledOperation]
    next_page_token: str
    def __init__(self, scheduled_operations: _Optional[_Iterable[_Union[ScheduledOperation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetScheduledOperationRequest(_message.Message):
    __slots__ = ("scheduled_operation_id",)
    SCHEDULED_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation_id: str
    def __init__(self, scheduled_operation_id: _Optional[str] = ...) -> None: ...

class GetScheduledOperationResponse(_message.Message):
    __slots__ = ("scheduled_operation",)
    SCHEDULED_OPERATION_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation: ScheduledOperation
    def __init__(self, scheduled_operation: _Optional[_Union[ScheduledOperation, _Mapping]] = ...) -> None: ...

class CreateScheduledOperationRequest(_message.Message):
    __slots__ = ("scheduled_operation",)
    SCHEDULED_OPERATION_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation: ScheduledOperation
    def __init__(self, scheduled_operation: _Optional[_Union[ScheduledOperation, _Mapping]] = ...) -> None: ...

class CreateScheduledOperationResponse(_message.Message):
    __slots__ = ("scheduled_operation",)
    SCHEDULED_OPERATION_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation: ScheduledOperation
    def __init__(self, scheduled_operation: _Optional[_Union[ScheduledOperation, _Mapping]] = ...) -> None: ...

class UpdateScheduledOperationRequest(_message.Message):
    __slots__ = ("scheduled_operation", "update_mask")
    SCHEDULED_OPERATION_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation: ScheduledOperation
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, scheduled_operation: _Optional[_Union[ScheduledOperation, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateScheduledOperationResponse(_message.Message):
    __slots__ = ("scheduled_operation",)
    SCHEDULED_OPERATION_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation: ScheduledOperation
    def __init__(self, scheduled_operation: _Optional[_Union[ScheduledOperation, _Mapping]] = ...) -> None: ...

class DeleteScheduledOperationRequest(_message.Message):
    __slots__ = ("scheduled_operation_id",)
    SCHEDULED_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation_id: str
    def __init__(self, scheduled_operation_id: _Optional[str] = ...) -> None: ...

class DeleteScheduledOperationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
