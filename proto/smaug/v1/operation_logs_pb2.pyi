import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from smaug.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OperationLog(_message.Message):
    __slots__ = ("id", "project_id", "operation_type", "status", "checkpoint_id", "plan_id", "provider_id", "restore_id", "verification_id", "scheduled_operation_id", "start_time", "end_time", "error_info", "extra_info")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    RESTORE_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ERROR_INFO_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    operation_type: _common_pb2.OperationType
    status: _common_pb2.OperationStatus
    checkpoint_id: str
    plan_id: str
    provider_id: str
    restore_id: str
    verification_id: str
    scheduled_operation_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    error_info: str
    extra_info: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., operation_type: _Optional[_Union[_common_pb2.OperationType, str]] = ..., status: _Optional[_Union[_common_pb2.OperationStatus, str]] = ..., checkpoint_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., restore_id: _Optional[str] = ..., verification_id: _Optional[str] = ..., scheduled_operation_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., error_info: _Optional[str] = ..., extra_info: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListOperationLogsRequest(_message.Message):
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

class ListOperationLogsResponse(_message.Message):
    __slots__ = ("operation_logs", "next_page_token")
    OPERATION_LOGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    operation_logs: _containers.RepeatedCompositeFieldContainer[OperationLog]
    next_page_token: str
    def __init__(self, operation_logs: _Optional[_Iterable[_Union[OperationLog, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetOperationLogRequest(_message.Message):
    __slots__ = ("operation_log_id",)
    OPERATION_LOG_ID_FIELD_NUMBER: _ClassVar[int]
    operation_log_id: str
    def __init__(self, operation_log_id: _Optional[str] = ...) -> None: ...

class GetOperationLogResponse(_message.Message):
    __slots__ = ("operation_log",)
    OPERATION_LOG_FIELD_NUMBER: _ClassVar[int]
    operation_log: OperationLog
    def __init__(self, operation_log: _Optional[_Union[OperationLog, _Mapping]] = ...) -> None: ...
