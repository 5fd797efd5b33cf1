from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ProviderAccessSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROVIDER_ACCESS_SOURCE_UNSPECIFIED: _ClassVar[ProviderAccessSource]
    PROVIDER_ACCESS_SOURCE_PROJECT: _ClassVar[ProviderAccessSource]
    PROVIDER_ACCESS_SOURCE_DEFAULT: _ClassVar[ProviderAccessSource]
    PROVIDER_ACCESS_SOURCE_NONE: _ClassVar[ProviderAccessSource]
PROVIDER_ACCESS_SOURCE_UNSPECIFIED: ProviderAccessSource
PROVIDER_ACCESS_SOURCE_PROJECT: ProviderAccessSource
PROVIDER_ACCESS_SOURCE_DEFAULT: ProviderAccessSource
PROVIDER_ACCESS_SOURCE_NONE: ProviderAccessSource

class ProviderAccess(_message.Message):
    __slots__ = ("project_id", "all_providers", "provider_ids", "source")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    ALL_PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_IDS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    all_providers: bool
    provider_ids: _containers.RepeatedScalarFieldContainer[str]
    source: ProviderAccessSource
    def __init__(self, project_id: _Optional[str] = ..., all_providers: _Optional[bool] = ..., provider_ids: _Optional[_Iterable[str]] = ..., source: _Optional[_Union[ProviderAccessSource, str]] = ...) -> None: ...

class GetProviderAccessRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class GetProviderAccessResponse(_message.Message):
    __slots__ = ("provider_access",)
    PROVIDER_ACCESS_FIELD_NUMBER: _ClassVar[int]
    provider_access: ProviderAccess
    def __init__(self, provider_access: _Optional[_Union[ProviderAccess, _Mapping]] = ...) -> None: ...

class SetProviderAccessRequest(_message.Message):
    __slots__ = ("provider_access", "update_mask")
    PROVIDER_ACCESS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    provider_access: ProviderAccess
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, provider_access: _Optional[_Union[ProviderAccess, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class SetProviderAccessResponse(_message.Message):
    __slots__ = ("provider_access",)
    PROVIDER_ACCESS_FIELD_NUMBER: _ClassVar[int]
    provider_access: ProviderAccess
    def __init__(self, provider_access: _Optional[_Union[ProviderAccess, _Mapping]] = ...) -> None: ...

class DeleteProviderAccessRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class DeleteProviderAccessResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
