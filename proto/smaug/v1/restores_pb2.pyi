import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from smaug.v1 import common_pb2 as _common_pb2
from smaug.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RestoreAuth(_message.Message):
    __slots__ = ("type", "username", "password")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    type: str
    username: str
    password: str
    def __init__(self, type: _Optional[str] = ..., username: _Optional[str] = ..., password: _Optional[str] = ...) -> None: ...

class Restore(_message.Message):
    __slots__ = ("id", "project_id", "provider_id", "checkpoint_id", "restore_target", "restore_auth", "parameters", "status", "status_reason", "resource_states", "progress", "create_time", "update_time", "end_time")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    RESTORE_TARGET_FIELD_NUMBER: _ClassVar[int]
    RESTORE_AUTH_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_STATES_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    provider_id: str
    checkpoint_id: str
    restore_target: str
    restore_auth: RestoreAuth
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    status: _common_pb2.OperationStatus
    status_reason: str
    resource_states: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ResourceState]
    progress: _common_pb2.Progress
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., restore_target: _Optional[str] = ..., restore_auth: _Optional[_Union[RestoreAuth, _Mapping]] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ..., status: _Optional[_Union[_common_pb2.OperationStatus, str]] = ..., status_reason: _Optional[str] = ..., resource_states: _Optional[_Iterable[_Union[_resources_pb2.ResourceState, _Mapping]]] = ..., progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListRestoresRequest(_message.Message):
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

class ListRestoresResponse(_message.Message):
    __slots__ = ("restores", "next_page_token")
    RESTORES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    restores: _containers.RepeatedCompositeFieldContainer[Restore]
    next_page_token: str
    def __init__(self, restores: _Optional[_Iterable[_Union[Restore, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetRestoreRequest(_message.Message):
    __slots__ = ("restore_id",)
    RESTORE_ID_FIELD_NUMBER: _ClassVar[int]
    restore_id: str
    def __init__(self, restore_id: _Optional[str] = ...) -> None: ...

class GetRestoreResponse(_message.Message):
    __slots__ = ("restore",)
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    restore: Restore
    def __init__(self, restore: _Optional[_Union[Restore, _Mapping]] = ...) -> None: ...

class CreateRestoreRequest(_message.Message):
    __slots__ = ("restore",)
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    restore: Restore
    def __init__(self, restore: _Optional[_Union[Restore, _Mapping]] = ...) -> None: ...

class CreateRestoreResponse(_message.Message):
    __slots__ = ("restore",)
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    restore: Restore
    def __init__(self, restore: _Optional[_Union[Restore, _Mapping]] = ...) -> None: ...

class WatchRestoreRequest(_message.Message):
    __slots__ = ("restore_id",)
    RESTORE_ID_FIELD_NUMBER: _ClassVar[int]
    restore_id: str
    def __init__(self, restore_id: _Optional[str] = ...) -> None: ...

class WatchRestoreResponse(_message.Message):
    __slots__ = ("event_time", "status", "status_reason", "resource_states", "progress")
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATUS_REASON_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_STATES_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    event_time: _timestamp_pb2.Timestamp
    status: _common_pb2.OperationStatus
    status_reason: str
    resource_states: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ResourceState]
    progress: _common_pb2.Progress
    def __init__(self, event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[_common_pb2.OperationStatus, str]] = ..., status_reason: _Optional[str] = ..., resource_states: _Optional[_Iterable[_Union[_resources_pb2.ResourceState, _Mapping]]] = ..., progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ...) -> None: ...

class CancelRestoreRequest(_message.Message):
    __slots__ = ("restore_id",)
    RESTORE_ID_FIELD_NUMBER: _ClassVar[int]
    restore_id: str
    def __init__(self, restore_id: _Optional[str] = ...) -> None: ...

class CancelRestoreResponse(_message.Message):
    __slots__ = ("restore",)
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    restore: Restore
    def __init__(self, restore: _Optional[_Union[Restore, _Mapping]] = ...) -> None: ...
