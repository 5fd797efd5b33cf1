from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from smaug.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Provider(_message.Message):
    __slots__ = ("id", "name", "description", "bank_type", "resource_types", "bank_accounts_required")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BANK_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPES_FIELD_NUMBER: _ClassVar[int]
    BANK_ACCOUNTS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    bank_type: str
    resource_types: _containers.RepeatedCompositeFieldContainer[ProviderResourceType]
    bank_accounts_required: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., bank_type: _Optional[str] = ..., resource_types: _Optional[_Iterable[_Union[ProviderResourceType, _Mapping]]] = ..., bank_accounts_required: _Optional[bool] = ...) -> None: ...

class ProviderResourceType(_message.Message):
    __slots__ = ("resource_type", "plugin_name", "options_schema", "restore_schema", "verify_schema", "saved_info_schema", "operations")
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PLUGIN_NAME_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    RESTORE_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    VERIFY_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    SAVED_INFO_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    resource_type: str
    plugin_name: str
    options_schema: _struct_pb2.Struct
    restore_schema: _struct_pb2.Struct
    verify_schema: _struct_pb2.Struct
    saved_info_schema: _struct_pb2.Struct
    operations: _containers.RepeatedScalarFieldContainer[_common_pb2.OperationType]
    def __init__(self, resource_type: _Optional[str] = ..., plugin_name: _Optional[str] = ..., options_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., restore_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., verify_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., saved_info_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., operations: _Optional[_Iterable[_Union[_common_pb2.OperationType, str]]] = ...) -> None: ...

class ListProvidersRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter", "order_by")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: str
    order_by: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[str] = ..., order_by: _Optional[str] = ...) -> None: ...

class ListProvidersResponse(_message.Message):
    __slots__ = ("providers", "next_page_token")
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    providers: _containers.RepeatedCompositeFieldContainer[Provider]
    next_page_token: str
    def __init__(self, providers: _Optional[_Iterable[_Union[Provider, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetProviderRequest(_message.Message):
    __slots__ = ("provider_id",)
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    def __init__(self, provider_id: _Optional[str] = ...) -> None: ...

class GetProviderResponse(_message.Message):
    __slots__ = ("provider",)
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...
