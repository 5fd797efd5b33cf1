import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Operation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_UNSPECIFIED: _ClassVar[Operation]
    OPERATION_PROTECT: _ClassVar[Operation]
    OPERATION_RESTORE: _ClassVar[Operation]
    OPERATION_VERIFY: _ClassVar[Operation]
    OPERATION_DELETE: _ClassVar[Operation]
    OPERATION_COPY: _ClassVar[Operation]

class Phase(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PHASE_UNSPECIFIED: _ClassVar[Phase]
    PHASE_PREPARE_BEGIN: _ClassVar[Phase]
    PHASE_PREPARE_FINISH: _ClassVar[Phase]
    PHASE_MAIN: _ClassVar[Phase]
    PHASE_COMPLETE: _ClassVar[Phase]

class ResourceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RESOURCE_STATUS_UNSPECIFIED: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_IN_PROGRESS: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_AVAILABLE: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_ERROR: _ClassVar[ResourceStatus]
    RESOURCE_STATUS_DELETED: _ClassVar[ResourceStatus]
OPERATION_UNSPECIFIED: Operation
OPERATION_PROTECT: Operation
OPERATION_RESTORE: Operation
OPERATION_VERIFY: Operation
OPERATION_DELETE: Operation
OPERATION_COPY: Operation
PHASE_UNSPECIFIED: Phase
PHASE_PREPARE_BEGIN: Phase
PHASE_PREPARE_FINISH: Phase
PHASE_MAIN: Phase
PHASE_COMPLETE: Phase
RESOURCE_STATUS_UNSPECIFIED: ResourceStatus
RESOURCE_STATUS_IN_PROGRESS: ResourceStatus
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

class ResourceTypeInfo(_message.Message):
    __slots__ = ("type", "parent_types", "options_schema", "restore_schema", "verify_schema", "saved_info_schema", "operations", "listable")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PARENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    RESTORE_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    VERIFY_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    SAVED_INFO_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    LISTABLE_FIELD_NUMBER: _ClassVar[int]
    type: str
    parent_types: _containers.RepeatedScalarFieldContainer[str]
    options_schema: _struct_pb2.Struct
    restore_schema: _struct_pb2.Struct
    verify_schema: _struct_pb2.Struct
    saved_info_schema: _struct_pb2.Struct
    operations: _containers.RepeatedScalarFieldContainer[Operation]
    listable: bool
    def __init__(self, type: _Optional[str] = ..., parent_types: _Optional[_Iterable[str]] = ..., options_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., restore_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., verify_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., saved_info_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., operations: _Optional[_Iterable[_Union[Operation, str]]] = ..., listable: _Optional[bool] = ...) -> None: ...

class GetPluginInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetPluginInfoResponse(_message.Message):
    __slots__ = ("name", "vendor", "version", "contract_versions", "resource_types")
    NAME_FIELD_NUMBER: _ClassVar[int]
    VENDOR_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_VERSIONS_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPES_FIELD_NUMBER: _ClassVar[int]
    name: str
    vendor: str
    version: str
    contract_versions: _containers.RepeatedScalarFieldContainer[int]
    resource_types: _containers.RepeatedCompositeFieldContainer[ResourceTypeInfo]
    def __init__(self, name: _Optional[str] = ..., vendor: _Optional[str] = ..., version: _Optional[str] = ..., contract_versions: _Optional[_Iterable[int]] = ..., resource_types: _Optional[_Iterable[_Union[ResourceTypeInfo, _Mapping]]] = ...) -> None: ...

class CallContext(_message.Message):
    __slots__ = ("project_id", "user_id", "auth_token", "request_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AUTH_TOKEN_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    user_id: str
    auth_token: str
    request_id: str
    def __init__(self, project_id: _Optional[str] = ..., user_id: _Optional[str] = ..., auth_token: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ListResourcesRequest(_message.Message):
    __slots__ = ("resource_type", "parameters", "page_size", "page_token", "context")
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    resource_type: str
    parameters: _struct_pb2.Struct
    page_size: int
    page_token: str
    context: CallContext
    def __init__(self, resource_type: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., context: _Optional[_Union[CallContext, _Mapping]] = ...) -> None: ...

class ListResourcesResponse(_message.Message):
    __slots__ = ("resources", "next_page_token")
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[Resource]
    next_page_token: str
    def __init__(self, resources: _Optional[_Iterable[_Union[Resource, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetResourceRequest(_message.Message):
    __slots__ = ("resource_type", "resource_id", "parameters", "context")
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    resource_type: str
    resource_id: str
    parameters: _struct_pb2.Struct
    context: CallContext
    def __init__(self, resource_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., context: _Optional[_Union[CallContext, _Mapping]] = ...) -> None: ...

class GetResourceResponse(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: Resource
    def __init__(self, resource: _Optional[_Union[Resource, _Mapping]] = ...) -> None: ...

class ListDependentResourcesRequest(_message.Message):
    __slots__ = ("parent", "resource_type", "parameters", "context")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_TYPE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    parent: Resource
    resource_type: str
    parameters: _struct_pb2.Struct
    context: CallContext
    def __init__(self, parent: _Optional[_Union[Resource, _Mapping]] = ..., resource_type: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., context: _Optional[_Union[CallContext, _Mapping]] = ...) -> None: ...

class ListDependentResourcesResponse(_message.Message):
    __slots__ = ("resources",)
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    resources: _containers.RepeatedCompositeFieldContainer[Resource]
    def __init__(self, resources: _Optional[_Iterable[_Union[Resource, _Mapping]]] = ...) -> None: ...

class CheckpointRef(_message.Message):
    __slots__ = ("id", "provider_id", "plan_id", "project_id", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    provider_id: str
    plan_id: str
    project_id: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., provider_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., project_id: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BankSection(_message.Message):
    __slots__ = ("address", "token", "read_only")
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    READ_ONLY_FIELD_NUMBER: _ClassVar[int]
    address: str
    token: str
    read_only: bool
    def __init__(self, address: _Optional[str] = ..., token: _Optional[str] = ..., read_only: _Optional[bool] = ...) -> None: ...

class RunHookRequest(_message.Message):
    __slots__ = ("operation", "phase", "checkpoint", "resource", "parameters", "bank_section", "state", "new_resource_ids", "restore_target", "copy_checkpoint", "copy_bank_section", "context", "operation_id")
    class NewResourceIdsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    OPERATION_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    BANK_SECTION_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    NEW_RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    RESTORE_TARGET_FIELD_NUMBER: _ClassVar[int]
    COPY_CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    COPY_BANK_SECTION_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    operation: Operation
    phase: Phase
    checkpoint: CheckpointRef
    resource: Resource
    parameters: _struct_pb2.Struct
    bank_section: BankSection
    state: _struct_pb2.Struct
    new_resource_ids: _containers.ScalarMap[str, str]
    restore_target: str
    copy_checkpoint: CheckpointRef
    copy_bank_section: BankSection
    context: CallContext
    operation_id: str
    def __init__(self, operation: _Optional[_Union[Operation, str]] = ..., phase: _Optional[_Union[Phase, str]] = ..., checkpoint: _Optional[_Union[CheckpointRef, _Mapping]] = ..., resource: _Optional[_Union[Resource, _Mapping]] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., bank_section: _Optional[_Union[BankSection, _Mapping]] = ..., state: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., new_resource_ids: _Optional[_Mapping[str, str]] = ..., restore_target: _Optional[str] = ..., copy_checkpoint: _Optional[_Union[CheckpointRef, _Mapping]] = ..., copy_bank_section: _Optional[_Union[BankSection, _Mapping]] = ..., context: _Optional[_Union[CallContext, _Mapping]] = ..., operation_id: _Optional[str] = ...) -> None: ...

class Progress(_message.Message):
    __slots__ = ("bytes_done", "bytes_total", "message")
    BYTES_DONE_FIELD_NUMBER: _ClassVar[int]
    BYTES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    bytes_done: int
    bytes_total: int
    message: str
    def __init__(self, bytes_done: _Optional[int] = ..., bytes_total: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class HookResult(_message.Message):
    __slots__ = ("state", "status", "reason", "new_resource_id", "related_resource_ids")
    class RelatedResourceIdsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NEW_RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    RELATED_RESOURCE_IDS_FIELD_NUMBER: _ClassVar[int]
    state: _struct_pb2.Struct
    status: ResourceStatus
    reason: str
    new_resource_id: str
    related_resource_ids: _containers.ScalarMap[str, str]
    def __init__(self, state: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., status: _Optional[_Union[ResourceStatus, str]] = ..., reason: _Optional[str] = ..., new_resource_id: _Optional[str] = ..., related_resource_ids: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RunHookResponse(_message.Message):
    __slots__ = ("progress", "result")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    progress: Progress
    result: HookResult
    def __init__(self, progress: _Optional[_Union[Progress, _Mapping]] = ..., result: _Optional[_Union[HookResult, _Mapping]] = ...) -> None: ...
