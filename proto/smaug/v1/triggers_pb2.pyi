import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from smaug.v1 import scheduled_operations_pb2 as _scheduled_operations_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TriggerType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_TYPE_UNSPECIFIED: _ClassVar[TriggerType]
    TRIGGER_TYPE_TIME: _ClassVar[TriggerType]
    TRIGGER_TYPE_EVENT: _ClassVar[TriggerType]

class TriggerFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_FORMAT_UNSPECIFIED: _ClassVar[TriggerFormat]
    TRIGGER_FORMAT_CALENDAR: _ClassVar[TriggerFormat]
    TRIGGER_FORMAT_CRONTAB: _ClassVar[TriggerFormat]

class TriggerFiringState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_FIRING_STATE_UNSPECIFIED: _ClassVar[TriggerFiringState]
    TRIGGER_FIRING_STATE_PENDING: _ClassVar[TriggerFiringState]
    TRIGGER_FIRING_STATE_FIRED: _ClassVar[TriggerFiringState]

class TriggerEventSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIGGER_EVENT_SOURCE_UNSPECIFIED: _ClassVar[TriggerEventSource]
    TRIGGER_EVENT_SOURCE_CALL: _ClassVar[TriggerEventSource]
    TRIGGER_EVENT_SOURCE_NOTIFICATION: _ClassVar[TriggerEventSource]
    TRIGGER_EVENT_SOURCE_CHECKPOINT_AVAILABLE: _ClassVar[TriggerEventSource]
TRIGGER_TYPE_UNSPECIFIED: TriggerType
TRIGGER_TYPE_TIME: TriggerType
TRIGGER_TYPE_EVENT: TriggerType
TRIGGER_FORMAT_UNSPECIFIED: TriggerFormat
TRIGGER_FORMAT_CALENDAR: TriggerFormat
TRIGGER_FORMAT_CRONTAB: TriggerFormat
TRIGGER_FIRING_STATE_UNSPECIFIED: TriggerFiringState
TRIGGER_FIRING_STATE_PENDING: TriggerFiringState
TRIGGER_FIRING_STATE_FIRED: TriggerFiringState
TRIGGER_EVENT_SOURCE_UNSPECIFIED: TriggerEventSource
TRIGGER_EVENT_SOURCE_CALL: TriggerEventSource
TRIGGER_EVENT_SOURCE_NOTIFICATION: TriggerEventSource
TRIGGER_EVENT_SOURCE_CHECKPOINT_AVAILABLE: TriggerEventSource

class TriggerProperties(_message.Message):
    __slots__ = ("format", "pattern", "start_time", "end_time", "window_seconds", "event")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    WINDOW_SECONDS_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    format: TriggerFormat
    pattern: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    window_seconds: int
    event: EventRule
    def __init__(self, format: _Optional[_Union[TriggerFormat, str]] = ..., pattern: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_seconds: _Optional[int] = ..., event: _Optional[_Union[EventRule, _Mapping]] = ...) -> None: ...

class EventRule(_message.Message):
    __slots__ = ("call", "notification", "checkpoint_available", "quiet_period_seconds", "max_delay_seconds")
    CALL_FIELD_NUMBER: _ClassVar[int]
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    QUIET_PERIOD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_DELAY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    call: CallEventSource
    notification: NotificationEventSource
    checkpoint_available: CheckpointEventSource
    quiet_period_seconds: int
    max_delay_seconds: int
    def __init__(self, call: _Optional[_Union[CallEventSource, _Mapping]] = ..., notification: _Optional[_Union[NotificationEventSource, _Mapping]] = ..., checkpoint_available: _Optional[_Union[CheckpointEventSource, _Mapping]] = ..., quiet_period_seconds: _Optional[int] = ..., max_delay_seconds: _Optional[int] = ...) -> None: ...

class CallEventSource(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NotificationEventSource(_message.Message):
    __slots__ = ("event_types", "project_id", "resource_types")
    EVENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPES_FIELD_NUMBER: _ClassVar[int]
    event_types: _containers.RepeatedScalarFieldContainer[str]
    project_id: str
    resource_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, event_types: _Optional[_Iterable[str]] = ..., project_id: _Optional[str] = ..., resource_types: _Optional[_Iterable[str]] = ...) -> None: ...

class CheckpointEventSource(_message.Message):
    __slots__ = ("plan_id",)
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    def __init__(self, plan_id: _Optional[str] = ...) -> None: ...

class Trigger(_message.Message):
    __slots__ = ("id", "project_id", "name", "type", "properties", "next_fire_time", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_FIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    name: str
    type: TriggerType
    properties: TriggerProperties
    next_fire_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[_Union[TriggerType, str]] = ..., properties: _Optional[_Union[TriggerProperties, _Mapping]] = ..., next_fire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListTriggersRequest(_message.Message):
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

class ListTriggersResponse(_message.Message):
    __slots__ = ("triggers", "next_page_token")
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    triggers: _containers.RepeatedCompositeFieldContainer[Trigger]
    next_page_token: str
    def __init__(self, triggers: _Optional[_Iterable[_Union[Trigger, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTriggerRequest(_message.Message):
    __slots__ = ("trigger_id",)
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    trigger_id: str
    def __init__(self, trigger_id: _Optional[str] = ...) -> None: ...

class GetTriggerResponse(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: Trigger
    def __init__(self, trigger: _Optional[_Union[Trigger, _Mapping]] = ...) -> None: ...

class CreateTriggerRequest(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: Trigger
    def __init__(self, trigger: _Optional[_Union[Trigger, _Mapping]] = ...) -> None: ...

class CreateTriggerResponse(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: Trigger
    def __init__(self, trigger: _Optional[_Union[Trigger, _Mapping]] = ...) -> None: ...

class UpdateTriggerRequest(_message.Message):
    __slots__ = ("trigger", "update_mask")
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    trigger: Trigger
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, trigger: _Optional[_Union[Trigger, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateTriggerResponse(_message.Message):
    __slots__ = ("trigger",)
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    trigger: Trigger
    def __init__(self, trigger: _Optional[_Union[Trigger, _Mapping]] = ...) -> None: ...

class DeleteTriggerRequest(_message.Message):
    __slots__ = ("trigger_id",)
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    trigger_id: str
    def __init__(self, trigger_id: _Optional[str] = ...) -> None: ...

class DeleteTriggerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TriggerEvent(_message.Message):
    __slots__ = ("id", "source", "event_type", "receive_time", "event_time", "project_id", "resource_type", "resource_id", "user_id", "publisher_id", "request_id", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    RECEIVE_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PUBLISHER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    source: TriggerEventSource
    event_type: str
    receive_time: _timestamp_pb2.Timestamp
    event_time: _timestamp_pb2.Timestamp
    project_id: str
    resource_type: str
    resource_id: str
    user_id: str
    publisher_id: str
    request_id: str
    description: str
    def __init__(self, id: _Optional[str] = ..., source: _Optional[_Union[TriggerEventSource, str]] = ..., event_type: _Optional[str] = ..., receive_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., project_id: _Optional[str] = ..., resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., user_id: _Optional[str] = ..., publisher_id: _Optional[str] = ..., request_id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class TriggerFiringRun(_message.Message):
    __slots__ = ("scheduled_operation_id", "state", "reason", "checkpoint_ids")
    SCHEDULED_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_IDS_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation_id: str
    state: _scheduled_operations_pb2.ScheduledOperationRunState
    reason: str
    checkpoint_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, scheduled_operation_id: _Optional[str] = ..., state: _Optional[_Union[_scheduled_operations_pb2.ScheduledOperationRunState, str]] = ..., reason: _Optional[str] = ..., checkpoint_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class TriggerFiring(_message.Message):
    __slots__ = ("id", "trigger_id", "state", "first_event_time", "last_event_time", "fire_time", "event_count", "events", "runs")
    ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FIRST_EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    FIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    EVENT_COUNT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    RUNS_FIELD_NUMBER: _ClassVar[int]
    id: str
    trigger_id: str
    state: TriggerFiringState
    first_event_time: _timestamp_pb2.Timestamp
    last_event_time: _timestamp_pb2.Timestamp
    fire_time: _timestamp_pb2.Timestamp
    event_count: int
    events: _containers.RepeatedCompositeFieldContainer[TriggerEvent]
    runs: _containers.RepeatedCompositeFieldContainer[TriggerFiringRun]
    def __init__(self, id: _Optional[str] = ..., trigger_id: _Optional[str] = ..., state: _Optional[_Union[TriggerFiringState, str]] = ..., first_event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., event_count: _Optional[int] = ..., events: _Optional[_Iterable[_Union[TriggerEvent, _Mapping]]] = ..., runs: _Optional[_Iterable[_Union[TriggerFiringRun, _Mapping]]] = ...) -> None: ...

class FireTriggerRequest(_message.Message):
    __slots__ = ("trigger_id", "request_id", "description")
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    trigger_id: str
    request_id: str
    description: str
    def __init__(self, trigger_id: _Optional[str] = ..., request_id: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class FireTriggerResponse(_message.Message):
    __slots__ = ("event", "duplicate", "firing")
    EVENT_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    FIRING_FIELD_NUMBER: _ClassVar[int]
    event: TriggerEvent
    duplicate: bool
    firing: TriggerFiring
    def __init__(self, event: _Optional[_Union[TriggerEvent, _Mapping]] = ..., duplicate: _Optional[bool] = ..., firing: _Optional[_Union[TriggerFiring, _Mapping]] = ...) -> None: ...

class ListTriggerFiringsRequest(_message.Message):
    __slots__ = ("trigger_id", "page_size", "page_token")
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    trigger_id: str
    page_size: int
    page_token: str
    def __init__(self, trigger_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTriggerFiringsResponse(_message.Message):
    __slots__ = ("firings", "next_page_token")
    FIRINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    firings: _containers.RepeatedCompositeFieldContainer[TriggerFiring]
    next_page_token: str
    def __init__(self, firings: _Optional[_Iterable[_Union[TriggerFiring, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetTriggerFiringRequest(_message.Message):
    __slots__ = ("trigger_id", "firing_id")
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    FIRING_ID_FIELD_NUMBER: _ClassVar[int]
    trigger_id: str
    firing_id: str
    def __init__(self, trigger_id: _Optional[str] = ..., firing_id: _Optional[str] = ...) -> None: ...

class GetTriggerFiringResponse(_message.Message):
    __slots__ = ("firing",)
    FIRING_FIELD_NUMBER: _ClassVar[int]
    firing: TriggerFiring
    def __init__(self, firing: _Optional[_Union[TriggerFiring, _Mapping]] = ...) -> None: ...
