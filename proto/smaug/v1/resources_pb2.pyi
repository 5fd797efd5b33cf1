from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from smaug.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ResourceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOURCE_STATUS_UNSPECIFIED: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_PENDING: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_PROTECTING: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_RESTORING: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_VERIFYING: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_DELETING: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_COPYING: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_AVAILABLE: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_ERROR: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_DELETED: _ClassVar[ResourceStatus]
RESOURCE_STATUS_UNSPECIFIED: ResourceStatus
RESOURCE_STATUS_PENDING: ResourceStatus
RESOURCE_STATUS_PROTECTING: ResourceStatus
RESOURCE_STATUS_RESTORING: ResourceStatus
RESOURCE_STATUS_VERIFYING: ResourceStatus
RESOURCE_STATUS_DELETING: ResourceStatus
RESOURCE_STATUS_COPYING: ResourceStatus
RESOURCE_STATUS_AVAILABLE: ResourceStatus
RESOURCE_STATUS_ERROR: ResourceStatus
RESOURCE_STATUS_DELETED: ResourceStatus

class Resource(_message.Message):
    __slots__ = ("type", "id", "name", "extra_info")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    name: str
    extra_info: _struct_pb2.Struct
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., name: _Optional[str] = ..., extra_info: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ResourceGraph(_message.Message):
    __slots__ = ("nodes", "root_indexes")
    NODES_FIELD_NUMBER: _ClassVar[int]
    ROOT_INDEXES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[ResourceGraphNode]
    root_indexes: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, nodes: _Optional[_Iterable[_Union[ResourceGraphNode, _Mapping]]] = ..., root_indexes: _Optional[_Iterable[int]] = ...) -> None: ...

class ResourceGraphNode(_message.Message):
    __slots__ = ("resource", "child_indexes")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    CHILD_INDEXES_FIELD_NUMBER: _ClassVar[int]
    resource: Resource
    child_indexes: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, resource: _Optional[_Union[Resource, _Mapping]] = ..., child_indexes: _Optional[_Iterable[int]] = ...) -> None: ...

class ResourceState(_message.Message):
    __slots__ = ("resource", "status", "reason", "progress", "new_resource_id", "related_resource_ids")
    class RelatedResourceIdsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    NEW_RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    RELATED_RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    resource: Resource
    status: ResourceStatus
    reason: str
    progress: _common_pb2.Progress
    new_resource_id: str
    related_resource_ids: _containers.ScalarMap[str, str]
    def __init__(self, resource: _Optional[_Union[Resource, _Mapping]] = ..., status: _Optional[_Union[ResourceStatus, str]] = ..., reason: _Optional[str] = ..., progress: _Optional[_Union[_common_pb2.Progress, _Mapping]] = ..., new_resource_id: _Optional[str] = ..., related_resource_ids: _Optional[_Mapping[str, str]] = ...) -> None: ...
