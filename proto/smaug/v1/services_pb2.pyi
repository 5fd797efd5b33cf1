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

class ServiceInstanceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_INSTANCE_STATUS_UNSPECIFIED: _ClassVar[ServiceInstanceStatus]
    SERVICE_INSTANCE_STATUS_ENABLED: _ClassVar[ServiceInstanceStatus]
    SERVICE_INSTANCE_STATUS_DISABLED: _ClassVar[ServiceInstanceStatus]

class ServiceInstanceState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SERVICE_INSTANCE_STATE_UNSPECIFIED: _ClassVar[ServiceInstanceState]
    SERVICE_INSTANCE_STATE_UP: _ClassVar[ServiceInstanceState]
    SERVICE_INSTANCE_STATE_DOWN: _ClassVar[ServiceInstanceState]
SERVICE_INSTANCE_STATUS_UNSPECIFIED: ServiceInstanceStatus
SERVICE_INSTANCE_STATUS_ENABLED: ServiceInstanceStatus
SERVICE_INSTANCE_STATUS_DISABLED: ServiceInstanceStatus
SERVICE_INSTANCE_STATE_UNSPECIFIED: ServiceInstanceState
SERVICE_INSTANCE_STATE_UP: ServiceInstanceState
SERVICE_INSTANCE_STATE_DOWN: ServiceInstanceState

class ServiceInstance(_message.Message):
    __slots__ = ("id", "binary", "host", "status", "disabled_reason", "state", "heartbeat_time", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    BINARY_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DISABLED_REASON_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: int
    binary: str
    host: str
    status: ServiceInstanceStatus
    disabled_reason: str
    state: ServiceInstanceState
    heartbeat_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[int] = ..., binary: _Optional[str] = ..., host: _Optional[str] = ..., status: _Optional[_Union[ServiceInstanceStatus, str]] = ..., disabled_reason: _Optional[str] = ..., state: _Optional[_Union[ServiceInstanceState, str]] = ..., heartbeat_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListServiceInstancesRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ...) -> None: ...

class ListServiceInstancesResponse(_message.Message):
    __slots__ = ("service_instances", "next_page_token")
    SERVICE_INSTANCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    service_instances: _containers.RepeatedCompositeFieldContainer[ServiceInstance]
    next_page_token: str
    def __init__(self, service_instances: _Optional[_Iterable[_Union[ServiceInstance, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateServiceInstanceRequest(_message.Message):
    __slots__ = ("service_instance", "update_mask")
    SERVICE_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    service_instance: ServiceInstance
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, service_instance: _Optional[_Union[ServiceInstance, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateServiceInstanceResponse(_message.Message):
    __slots__ = ("service_instance",)
    SERVICE_INSTANCE_FIELD_NUMBER: _ClassVar[int]
    service_instance: ServiceInstance
    def __init__(self, service_instance: _Optional[_Union[ServiceInstance, _Mapping]] = ...) -> None: ...
