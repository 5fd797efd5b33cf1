import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from smaug.v1 import common_pb2 as _common_pb2
from smaug.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CheckpointStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHECKPOINT_STATUS_UNSPECIFIED: _ClassVar[CheckpointStatus]
    CHECKPOINT_STATUS_PROTECTING: _ClassVar[CheckpointStatus]
    CHECKPOINT_STATUS_AVAILABLE: _ClassVar[CheckpointStatus]
    CHECKPOINT_STATUS_ERROR: _ClassVar[CheckpointStatus]
    CHECKPOINT_STATUS_DELETING: _ClassVar[CheckpointStatus]
    CHECKPOINT_STATUS_DELETED: _ClassVar[CheckpointStatus]
    CHECKPOINT_STATUS_ERROR_DELETING: _ClassVar[CheckpointStatus]
    CHECKPOINT_STATUS_WAIT_COPYING: _ClassVar[CheckpointStatus]
    CHECKPOINT_STATUS_COPYING: _ClassVar[CheckpointStatus]
CHECKPOINT_STATUS_UNSPECIFIED: CheckpointStatus
CHECKPOINT_STATUS_PROTECTING: CheckpointStatus
CHECKPOINT_STATUS_AVAILABLE: CheckpointStatus
CHECKPOINT_STATUS_ERROR: CheckpointStatus
CHECKPOINT_STATUS_DELETING: CheckpointStatus
CHECKPOINT_STATUS_DELETED: CheckpointStatus
CHECKPOINT_STATUS_ERROR_DELETING: CheckpointStatus
CHECKPOINT_STATUS_WAIT_COPYING: CheckpointStatus
CHECKPOINT_STATUS_COPYING: CheckpointStatus

class ProtectionPlan(_message.Message):
    __slots__ = ("id", "name", "provider_id", "resources", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    provider_id: str
    resources: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Resource]
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., provider_id: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[_resources_pb2.Resource, _Mapping]]] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("id", "project_id", "provider_id", "status", "status_reason", "protection_plan", "resource_graph", "extra_info", "resource_states", "progress", "source_checkpoint_id", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    PROTECTION_PLAN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_GRAPH_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_STATES_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    provider_id: str
    status: CheckpointStatus
    status_reason: str
    protection_plan: ProtectionPlan
    resource_graph: _resources_pb2.ResourceGraph
    extra_info: _struct_pb2.Struct
    resource_states: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ResourceState]
    progress: _common_pb2.Progress
    source_checkpoint_id: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., status: _Optional[_Union[CheckpointStatus, str]] = ..., status_reason: _Optional[str] = ..., protection_plan: _Optional[_Union[ProtectionPlan, _Mapping]] = ..., resource_graph: _Optional[_Union[_resources_pb2.ResourceGraph, _Mapping]] = ..., extra_info: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., resource_states: _Optional[_Iterable[_Union[_resources_pb2.ResourceState, _Mapping]]] = ..., progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., source_checkpoint_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CheckpointCopy(_message.Message):
    __slots__ = ("source_checkpoint_id", "copy_checkpoint_id")
    SOURCE_CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    COPY_CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    source_checkpoint_id: str
    copy_checkpoint_id: str
    def __init__(self, source_checkpoint_id: _Optional[str] = ..., copy_checkpoint_id: _Optional[str] = ...) -> None: ...

class ListCheckpointsRequest(_message.Message):
    __slots__ = ("provider_id", "plan_id", "start_time", "end_time", "page_size", "page_token", "filter", "order_by", "all_projects")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    ALL_PROJECTS_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    plan_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    filter: str
    order_by: str
    all_projects: bool
    def __init__(self, provider_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., order_by: _Optional[str] = ..., all_projects: _Optional[bool] = ...) -> None: ...

class ListCheckpointsResponse(_message.Message):
    __slots__ = ("checkpoints", "next_page_token")
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    checkpoints: _containers.RepeatedCompositeFieldContainer[Checkpoint]
    next_page_token: str
    def __init__(self, checkpoints: _Optional[_Iterable[_Union[Checkpoint, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetCheckpointRequest(_message.Message):
    __slots__ = ("provider_id", "checkpoint_id")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    checkpoint_id: str
    def __init__(self, provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ...) -> None: ...

class GetCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: Checkpoint
    def __init__(self, checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class CreateCheckpointRequest(_message.Message):
    __slots__ = ("provider_id", "plan_id", "extra_info", "request_id")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    plan_id: str
    extra_info: _struct_pb2.Struct
    request_id: str
    def __init__(self, provider_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., extra_info: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: Checkpoint
    def __init__(self, checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class DeleteCheckpointRequest(_message.Message):
    __slots__ = ("provider_id", "checkpoint_id")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    checkpoint_id: str
    def __init__(self, provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ...) -> None: ...

class DeleteCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: Checkpoint
    def __init__(self, checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class ResetCheckpointStateRequest(_message.Message):
    __slots__ = ("provider_id", "checkpoint_id", "status")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    checkpoint_id: str
    status: CheckpointStatus
    def __init__(self, provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., status: _Optional[_Union[CheckpointStatus, str]] = ...) -> None: ...

class ResetCheckpointStateResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: Checkpoint
    def __init__(self, checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class CopyCheckpointsRequest(_message.Message):
    __slots__ = ("provider_id", "plan_id", "destination_provider_id", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    plan_id: str
    destination_provider_id: str
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, provider_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., destination_provider_id: _Optional[str] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class CopyCheckpointsResponse(_message.Message):
    __slots__ = ("project_id", "provider_id", "destination_provider_id", "plan_id", "copies", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    COPIES_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    provider_id: str
    destination_provider_id: str
    plan_id: str
    copies: _containers.RepeatedCompositeFieldContainer[CheckpointCopy]
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., destination_provider_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., copies: _Optional[_Iterable[_Union[CheckpointCopy, _Mapping]]] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class WatchCheckpointRequest(_message.Message):
    __slots__ = ("provider_id", "checkpoint_id")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    checkpoint_id: str
    def __init__(self, provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ...) -> None: ...

class WatchCheckpointResponse(_message.Message):
    __slots__ = ("event_time", "operation", "status", "status_reason", "resource_states", "progress")
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_STATES_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    event_time: _timestamp_pb2.Timestamp
    operation: _common_pb2.OperationType
    status: CheckpointStatus
    status_reason: str
    resource_states: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ResourceState]
    progress: _common_pb2.Progress
    def __init__(self, event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., operation: _Optional[_Union[_common_pb2.OperationType, str]] = ..., status: _Optional[_Union[CheckpointStatus, str]] = ..., status_reason: _Optional[str] = ..., resource_states: _Optional[_Iterable[_Union[_resources_pb2.ResourceState, _Mapping]]] = ..., progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ...) -> None: ...

class CancelCheckpointRequest(_message.Message):
    __slots__ = ("provider_id", "checkpoint_id")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    checkpoint_id: str
    def __init__(self, provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ...) -> None: ...

class CancelCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: Checkpoint
    def __init__(self, checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...
