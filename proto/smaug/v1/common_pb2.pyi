from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class OperationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_TYPE_UNSPECIFIED: _ClassVar[OperationType]
    OPERATION_TYPE_PROTECT: _ClassVar[OperationType]
    OPERATION_TYPE_RESTORE: _ClassVar[OperationType]
    OPERATION_TYPE_VERIFY: _ClassVar[OperationType]
    OPERATION_TYPE_DELETE: _ClassVar[OperationType]
    OPERATION_TYPE_COPY: _ClassVar[OperationType]

class OperationStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_STATUS_UNSPECIFIED: _ClassVar[OperationStatus]
    OPERATION_STATUS_IN_PROGRESS: _ClassVar[OperationStatus]
    OPERATION_STATUS_SUCCEEDED: _ClassVar[OperationStatus]
    OPERATION_STATUS_FAILED: _ClassVar[OperationStatus]
OPERATION_TYPE_UNSPECIFIED: OperationType
OPERATION_TYPE_PROTECT: OperationType
OPERATION_TYPE_RESTORE: OperationType
OPERATION_TYPE_VERIFY: OperationType
OPERATION_TYPE_DELETE: OperationType
OPERATION_TYPE_COPY: OperationType
OPERATION_STATUS_UNSPECIFIED: OperationStatus
OPERATION_STATUS_IN_PROGRESS: OperationStatus
OPERATION_STATUS_SUCCEEDED: OperationStatus
OPERATION_STATUS_FAILED: OperationStatus

class Progress(_message.Message):
    __slots__ = ("bytes_done", "bytes_total", "percent", "resources_done", "resources_total", "message")
    BYTES_DONE_FIELD_NUMBER: _ClassVar[int]
    BYTES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    PERCENT_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_DONE_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    bytes_done: int
    bytes_total: int
    percent: int
    resources_done: int
    resources_total: int
    message: str
    def __init__(self, bytes_done: _Optional[int] = ..., bytes_total: _Optional[int] = ..., percent: _Optional[int] = ..., resources_done: _Optional[int] = ..., resources_total: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...
