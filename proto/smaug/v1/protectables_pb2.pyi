from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from smaug.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProtectableType(_message.Message):
    __slots__ = ("name", "parent_types", "dependent_types", "listable", "provider_ids")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    DEPENDENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    LISTABLE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_IDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    parent_types: _containers.RepeatedScalarFieldContainer[str]
    dependent_types: _containers.RepeatedScalarFieldContainer[str]
    listable: bool
    provider_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., parent_types: _Optional[_Iterable[str]] = ..., dependent_types: _Optional[_Iterable[str]] = ..., listable: _Optional[bool] = ..., provider_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ProtectableInstance(_message.Message):
    __slots__ = ("resource", "dependent_resources")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    DEPENDENT_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    resource: _resources_pb2.Resource
    dependent_resources: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Resource]
    def __init__(self, resource: _Optional[_Union[_resources_pb2.Resource, _Mapping]] = ..., dependent_resources: _Optional[_Iterable[_Union[_resources_pb2.Resource, _Mapping]]] = ...) -> None: ...

class ListProtectableTypesRequest(_message.Message):
    __slots__ = ("provider_id", "page_size", "page_token")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    page_size: int
    page_token: str
    def __init__(self, provider_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListProtectableTypesResponse(_message.Message):
    __slots__ = ("protectable_types", "next_page_token")
    PROTECTABLE_TYPES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    protectable_types: _containers.RepeatedCompositeFieldContainer[ProtectableType]
    next_page_token: str
    def __init__(self, protectable_types: _Optional[_Iterable[_Union[ProtectableType, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetProtectableTypeRequest(_message.Message):
    __slots__ = ("protectable_type",)
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    protectable_type: str
    def __init__(self, protectable_type: _Optional[str] = ...) -> None: ...

class GetProtectableTypeResponse(_message.Message):
    __slots__ = ("protectable_type",)
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    protectable_type: ProtectableType
    def __init__(self, protectable_type: _Optional[_Union[ProtectableType, _Mapping]] = ...) -> None: ...

class ListProtectableInstancesRequest(_message.Message):
    __slots__ = ("protectable_type", "provider_id", "parameters", "include_dependents", "page_size", "page_token", "filter", "order_by")
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DEPENDENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    protectable_type: str
    provider_id: str
    parameters: _struct_pb2.Struct
    include_dependents: bool
    page_size: int
    page_token: str
    filter: str
    order_by: str
    def __init__(self, protectable_type: _Optional[str] = ..., provider_id: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., include_dependents: _Optional[bool] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListProtectableInstancesResponse(_message.Message):
    __slots__ = ("instances", "next_page_token")
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    instances: _containers.RepeatedCompositeFieldContainer[ProtectableInstance]
    next_page_token: str
    def __init__(self, instances: _Optional[_Iterable[_Union[ProtectableInstance, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetProtectableInstanceRequest(_message.Message):
    __slots__ = ("protectable_type", "instance_id", "provider_id", "parameters")
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    protectable_type: str
    instance_id: str
    provider_id: str
    parameters: _struct_pb2.Struct
    def __init__(self, protectable_type: _Optional[str] = ..., instance_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class GetProtectableInstanceResponse(_message.Message):
    __slots__ = ("instance",)
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    instance: ProtectableInstance
    def __init__(self, instance: _Optional[_Union[ProtectableInstance, _Mapping]] = ...) -> None: ...

class ListDependentResourcesRequest(_message.Message):
    __slots__ = ("protectable_type", "instance_id", "provider_id", "dependent_type", "parameters", "page_size", "page_token")
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    DEPENDENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    protectable_type: str
    instance_id: str
    provider_id: str
    dependent_type: str
    parameters: _struct_pb2.Struct
    page_size: int
    page_token: str
    def __init__(self, protectable_type: _Optional[str] = ..., instance_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., dependent_type: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListDependentResourcesResponse(_message.Message):
    __slots__ = ("resources", "next_page_token")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[_resources_pb2.Resource]
    next_page_token: str
    def __init__(self, resources: _Optional[_Iterable[_Union[_resources_pb2.Resource, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
