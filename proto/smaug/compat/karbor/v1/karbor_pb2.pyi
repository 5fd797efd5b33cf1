from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ListQuery(_message.Message):
    __slots__ = ("limit", "marker", "sort", "sort_key", "sort_dir", "all_tenants", "offset")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    MARKER_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    SORT_KEY_FIELD_NUMBER: _ClassVar[int]
    SORT_DIR_FIELD_NUMBER: _ClassVar[int]
    ALL_TENANTS_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    limit: str
    marker: str
    sort: str
    sort_key: str
    sort_dir: str
    all_tenants: str
    offset: str
    def __init__(self, limit: _Optional[str] = ..., marker: _Optional[str] = ..., sort: _Optional[str] = ..., sort_key: _Optional[str] = ..., sort_dir: _Optional[str] = ..., all_tenants: _Optional[str] = ..., offset: _Optional[str] = ...) -> None: ...

class PlanResource(_message.Message):
    __slots__ = ("id", "type", "name", "extra_info")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    name: str
    extra_info: _struct_pb2.Value
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., name: _Optional[str] = ..., extra_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class Plan(_message.Message):
    __slots__ = ("id", "name", "description", "resources", "provider_id", "status", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: _struct_pb2.Value
    resources: _containers.RepeatedCompositeFieldContainer[PlanResource]
    provider_id: str
    status: str
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., resources: _Optional[_Iterable[_Union[PlanResource, _Mapping]]] = ..., provider_id: _Optional[str] = ..., status: _Optional[str] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class PlanCreate(_message.Message):
    __slots__ = ("name", "description", "provider_id", "resources", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    provider_id: str
    resources: _containers.RepeatedCompositeFieldContainer[PlanResource]
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., provider_id: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[PlanResource, _Mapping]]] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class PlanUpdate(_message.Message):
    __slots__ = ("name", "description", "status", "resources")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    status: str
    resources: _containers.RepeatedCompositeFieldContainer[PlanResource]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[str] = ..., resources: _Optional[_Iterable[_Union[PlanResource, _Mapping]]] = ...) -> None: ...

class ListPlansRequest(_message.Message):
    __slots__ = ("project_id", "query", "name", "description", "status")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    query: ListQuery
    name: str
    description: str
    status: str
    def __init__(self, project_id: _Optional[str] = ..., query: _Optional[_Union[ListQuery, _Mapping]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class ListPlansResponse(_message.Message):
    __slots__ = ("plans", "plans_links")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    PLANS_LINKS_FIELD_NUMBER: _ClassVar[int]
    plans: _containers.RepeatedCompositeFieldContainer[Plan]
    plans_links: _struct_pb2.ListValue
    def __init__(self, plans: _Optional[_Iterable[_Union[Plan, _Mapping]]] = ..., plans_links: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class CreatePlanRequest(_message.Message):
    __slots__ = ("project_id", "plan")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    plan: PlanCreate
    def __init__(self, project_id: _Optional[str] = ..., plan: _Optional[_Union[PlanCreate, _Mapping]] = ...) -> None: ...

class CreatePlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class GetPlanRequest(_message.Message):
    __slots__ = ("project_id", "plan_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    plan_id: str
    def __init__(self, project_id: _Optional[str] = ..., plan_id: _Optional[str] = ...) -> None: ...

class GetPlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class UpdatePlanRequest(_message.Message):
    __slots__ = ("project_id", "plan_id", "plan")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    plan_id: str
    plan: PlanUpdate
    def __init__(self, project_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., plan: _Optional[_Union[PlanUpdate, _Mapping]] = ...) -> None: ...

class UpdatePlanResponse(_message.Message):
    __slots__ = ("plan",)
    PLAN_FIELD_NUMBER: _ClassVar[int]
    plan: Plan
    def __init__(self, plan: _Optional[_Union[Plan, _Mapping]] = ...) -> None: ...

class DeletePlanRequest(_message.Message):
    __slots__ = ("project_id", "plan_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    plan_id: str
    def __init__(self, project_id: _Optional[str] = ..., plan_id: _Optional[str] = ...) -> None: ...

class DeletePlanResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Provider(_message.Message):
    __slots__ = ("id", "name", "description", "extended_info_schema")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    EXTENDED_INFO_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: str
    extended_info_schema: _struct_pb2.Struct
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[str] = ..., extended_info_schema: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListProvidersRequest(_message.Message):
    __slots__ = ("project_id", "query", "name", "description")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    query: ListQuery
    name: str
    description: str
    def __init__(self, project_id: _Optional[str] = ..., query: _Optional[_Union[ListQuery, _Mapping]] = ..., name: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class ListProvidersResponse(_message.Message):
    __slots__ = ("providers", "providers_links")
    PROVIDERS_FIELD_NUMBER: _ClassVar[int]
    PROVIDERS_LINKS_FIELD_NUMBER: _ClassVar[int]
    providers: _containers.RepeatedCompositeFieldContainer[Provider]
    providers_links: _struct_pb2.ListValue
    def __init__(self, providers: _Optional[_Iterable[_Union[Provider, _Mapping]]] = ..., providers_links: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class GetProviderRequest(_message.Message):
    __slots__ = ("project_id", "provider_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    provider_id: str
    def __init__(self, project_id: _Optional[str] = ..., provider_id: _Optional[str] = ...) -> None: ...

class GetProviderResponse(_message.Message):
    __slots__ = ("provider",)
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    provider: Provider
    def __init__(self, provider: _Optional[_Union[Provider, _Mapping]] = ...) -> None: ...

class CheckpointResource(_message.Message):
    __slots__ = ("id", "type", "name", "extra_info")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    name: str
    extra_info: _struct_pb2.Value
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., name: _Optional[str] = ..., extra_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class CheckpointPlan(_message.Message):
    __slots__ = ("id", "name", "provider_id", "resources")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    provider_id: _struct_pb2.Value
    resources: _containers.RepeatedCompositeFieldContainer[CheckpointResource]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., provider_id: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., resources: _Optional[_Iterable[_Union[CheckpointResource, _Mapping]]] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("id", "project_id", "status", "protection_plan", "resource_graph", "created_at", "extra_info")
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PROTECTION_PLAN_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_GRAPH_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    status: str
    protection_plan: CheckpointPlan
    resource_graph: _struct_pb2.Value
    created_at: _struct_pb2.Value
    extra_info: str
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., status: _Optional[str] = ..., protection_plan: _Optional[_Union[CheckpointPlan, _Mapping]] = ..., resource_graph: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., created_at: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., extra_info: _Optional[str] = ...) -> None: ...

class CheckpointCreate(_message.Message):
    __slots__ = ("plan_id", "extra_info")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    extra_info: _struct_pb2.Struct
    def __init__(self, plan_id: _Optional[str] = ..., extra_info: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListCheckpointsRequest(_message.Message):
    __slots__ = ("project_id", "provider_id", "query", "plan_id", "start_date", "end_date")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    provider_id: str
    query: ListQuery
    plan_id: str
    start_date: str
    end_date: str
    def __init__(self, project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., query: _Optional[_Union[ListQuery, _Mapping]] = ..., plan_id: _Optional[str] = ..., start_date: _Optional[str] = ..., end_date: _Optional[str] = ...) -> None: ...

class ListCheckpointsResponse(_message.Message):
    __slots__ = ("checkpoints", "checkpoints_links")
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_LINKS_FIELD_NUMBER: _ClassVar[int]
    checkpoints: _containers.RepeatedCompositeFieldContainer[Checkpoint]
    checkpoints_links: _struct_pb2.ListValue
    def __init__(self, checkpoints: _Optional[_Iterable[_Union[Checkpoint, _Mapping]]] = ..., checkpoints_links: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class CreateCheckpointRequest(_message.Message):
    __slots__ = ("project_id", "provider_id", "checkpoint")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    provider_id: str
    checkpoint: CheckpointCreate
    def __init__(self, project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., checkpoint: _Optional[_Union[CheckpointCreate, _Mapping]] = ...) -> None: ...

class CreateCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: Checkpoint
    def __init__(self, checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class GetCheckpointRequest(_message.Message):
    __slots__ = ("project_id", "provider_id", "checkpoint_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    provider_id: str
    checkpoint_id: str
    def __init__(self, project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ...) -> None: ...

class GetCheckpointResponse(_message.Message):
    __slots__ = ("checkpoint",)
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    checkpoint: Checkpoint
    def __init__(self, checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ...) -> None: ...

class DeleteCheckpointRequest(_message.Message):
    __slots__ = ("project_id", "provider_id", "checkpoint_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    provider_id: str
    checkpoint_id: str
    def __init__(self, project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ...) -> None: ...

class DeleteCheckpointResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ResetState(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: str
    def __init__(self, state: _Optional[str] = ...) -> None: ...

class ResetCheckpointStateRequest(_message.Message):
    __slots__ = ("project_id", "provider_id", "checkpoint_id", "os_reset_state")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    OS_RESET_STATE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    provider_id: str
    checkpoint_id: str
    os_reset_state: ResetState
    def __init__(self, project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., os_reset_state: _Optional[_Union[ResetState, _Mapping]] = ...) -> None: ...

class ResetCheckpointStateResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CopyCreate(_message.Message):
    __slots__ = ("plan_id", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, plan_id: _Optional[str] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class CopyPair(_message.Message):
    __slots__ = ("checkpoint_protect_id", "checkpoint_copy_id")
    CHECKPOINT_PROTECT_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_COPY_ID_FIELD_NUMBER: _ClassVar[int]
    checkpoint_protect_id: str
    checkpoint_copy_id: str
    def __init__(self, checkpoint_protect_id: _Optional[str] = ..., checkpoint_copy_id: _Optional[str] = ...) -> None: ...

class Copy(_message.Message):
    __slots__ = ("project_id", "provider_id", "plan_id", "checkpoint_id", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    provider_id: str
    plan_id: str
    checkpoint_id: _containers.RepeatedCompositeFieldContainer[CopyPair]
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., checkpoint_id: _Optional[_Iterable[_Union[CopyPair, _Mapping]]] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class CopyCheckpointsRequest(_message.Message):
    __slots__ = ("project_id", "provider_id", "copy")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    COPY_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    provider_id: str
    copy: CopyCreate
    def __init__(self, project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., copy: _Optional[_Union[CopyCreate, _Mapping]] = ...) -> None: ...

class CopyCheckpointsResponse(_message.Message):
    __slots__ = ("copy",)
    COPY_FIELD_NUMBER: _ClassVar[int]
    copy: Copy
    def __init__(self, copy: _Optional[_Union[Copy, _Mapping]] = ...) -> None: ...

class ProtectableType(_message.Message):
    __slots__ = ("name", "dependent_types")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DEPENDENT_TYPES_FIELD_NUMBER: _ClassVar[int]
    name: str
    dependent_types: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., dependent_types: _Optional[_Iterable[str]] = ...) -> None: ...

class DependentResource(_message.Message):
    __slots__ = ("type", "id", "name", "extra_info")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    name: str
    extra_info: _struct_pb2.Value
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ..., name: _Optional[str] = ..., extra_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class Instance(_message.Message):
    __slots__ = ("id", "type", "name", "extra_info", "dependent_resources")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    DEPENDENT_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: str
    name: str
    extra_info: _struct_pb2.Value
    dependent_resources: _containers.RepeatedCompositeFieldContainer[DependentResource]
    def __init__(self, id: _Optional[str] = ..., type: _Optional[str] = ..., name: _Optional[str] = ..., extra_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., dependent_resources: _Optional[_Iterable[_Union[DependentResource, _Mapping]]] = ...) -> None: ...

class ListProtectableTypesRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class ListProtectableTypesResponse(_message.Message):
    __slots__ = ("protectable_type",)
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    protectable_type: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, protectable_type: _Optional[_Iterable[str]] = ...) -> None: ...

class GetProtectableTypeRequest(_message.Message):
    __slots__ = ("project_id", "protectable_type")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    protectable_type: str
    def __init__(self, project_id: _Optional[str] = ..., protectable_type: _Optional[str] = ...) -> None: ...

class GetProtectableTypeResponse(_message.Message):
    __slots__ = ("protectable_type",)
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    protectable_type: ProtectableType
    def __init__(self, protectable_type: _Optional[_Union[ProtectableType, _Mapping]] = ...) -> None: ...

class ListProtectableInstancesRequest(_message.Message):
    __slots__ = ("project_id", "protectable_type", "query", "parameters")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    protectable_type: str
    query: ListQuery
    parameters: str
    def __init__(self, project_id: _Optional[str] = ..., protectable_type: _Optional[str] = ..., query: _Optional[_Union[ListQuery, _Mapping]] = ..., parameters: _Optional[str] = ...) -> None: ...

class ListProtectableInstancesResponse(_message.Message):
    __slots__ = ("instances", "instances_links")
    INSTANCES_FIELD_NUMBER: _ClassVar[int]
    INSTANCES_LINKS_FIELD_NUMBER: _ClassVar[int]
    instances: _containers.RepeatedCompositeFieldContainer[Instance]
    instances_links: _struct_pb2.ListValue
    def __init__(self, instances: _Optional[_Iterable[_Union[Instance, _Mapping]]] = ..., instances_links: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class GetProtectableInstanceRequest(_message.Message):
    __slots__ = ("project_id", "protectable_type", "resource_id", "parameters")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROTECTABLE_TYPE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    protectable_type: str
    resource_id: str
    parameters: str
    def __init__(self, project_id: _Optional[str] = ..., protectable_type: _Optional[str] = ..., resource_id: _Optional[str] = ..., parameters: _Optional[str] = ...) -> None: ...

class GetProtectableInstanceResponse(_message.Message):
    __slots__ = ("instance",)
    INSTANCE_FIELD_NUMBER: _ClassVar[int]
    instance: Instance
    def __init__(self, instance: _Optional[_Union[Instance, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("id", "project_id", "provider_id", "checkpoint_id", "restore_target", "parameters", "status", "resources_status", "resources_reason")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    class ResourcesStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ResourcesReasonEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    RESTORE_TARGET_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    provider_id: str
    checkpoint_id: str
    restore_target: _struct_pb2.Value
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    status: str
    resources_status: _containers.ScalarMap[str, str]
    resources_reason: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., restore_target: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ..., status: _Optional[str] = ..., resources_status: _Optional[_Mapping[str, str]] = ..., resources_reason: _Optional[_Mapping[str, str]] = ...) -> None: ...

class RestoreCreate(_message.Message):
    __slots__ = ("provider_id", "checkpoint_id", "restore_target", "restore_auth", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    RESTORE_TARGET_FIELD_NUMBER: _ClassVar[int]
    RESTORE_AUTH_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    checkpoint_id: str
    restore_target: str
    restore_auth: RestoreAuth
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., restore_target: _Optional[str] = ..., restore_auth: _Optional[_Union[RestoreAuth, _Mapping]] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class ListRestoresRequest(_message.Message):
    __slots__ = ("project_id", "query", "status")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    query: ListQuery
    status: str
    def __init__(self, project_id: _Optional[str] = ..., query: _Optional[_Union[ListQuery, _Mapping]] = ..., status: _Optional[str] = ...) -> None: ...

class ListRestoresResponse(_message.Message):
    __slots__ = ("restores", "restores_links")
    RESTORES_FIELD_NUMBER: _ClassVar[int]
    RESTORES_LINKS_FIELD_NUMBER: _ClassVar[int]
    restores: _containers.RepeatedCompositeFieldContainer[Restore]
    restores_links: _struct_pb2.ListValue
    def __init__(self, restores: _Optional[_Iterable[_Union[Restore, _Mapping]]] = ..., restores_links: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class CreateRestoreRequest(_message.Message):
    __slots__ = ("project_id", "restore")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    restore: RestoreCreate
    def __init__(self, project_id: _Optional[str] = ..., restore: _Optional[_Union[RestoreCreate, _Mapping]] = ...) -> None: ...

class CreateRestoreResponse(_message.Message):
    __slots__ = ("restore",)
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    restore: Restore
    def __init__(self, restore: _Optional[_Union[Restore, _Mapping]] = ...) -> None: ...

class GetRestoreRequest(_message.Message):
    __slots__ = ("project_id", "restore_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    RESTORE_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    restore_id: str
    def __init__(self, project_id: _Optional[str] = ..., restore_id: _Optional[str] = ...) -> None: ...

class GetRestoreResponse(_message.Message):
    __slots__ = ("restore",)
    RESTORE_FIELD_NUMBER: _ClassVar[int]
    restore: Restore
    def __init__(self, restore: _Optional[_Union[Restore, _Mapping]] = ...) -> None: ...

class Verification(_message.Message):
    __slots__ = ("id", "project_id", "provider_id", "checkpoint_id", "parameters", "status", "resources_status", "resources_reason")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    class ResourcesStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ResourcesReasonEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_STATUS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    project_id: str
    provider_id: str
    checkpoint_id: str
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    status: str
    resources_status: _containers.ScalarMap[str, str]
    resources_reason: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., project_id: _Optional[str] = ..., provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ..., status: _Optional[str] = ..., resources_status: _Optional[_Mapping[str, str]] = ..., resources_reason: _Optional[_Mapping[str, str]] = ...) -> None: ...

class VerificationCreate(_message.Message):
    __slots__ = ("provider_id", "checkpoint_id", "parameters")
    class ParametersEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _struct_pb2.Struct
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    checkpoint_id: str
    parameters: _containers.MessageMap[str, _struct_pb2.Struct]
    def __init__(self, provider_id: _Optional[str] = ..., checkpoint_id: _Optional[str] = ..., parameters: _Optional[_Mapping[str, _struct_pb2.Struct]] = ...) -> None: ...

class ListVerificationsRequest(_message.Message):
    __slots__ = ("project_id", "query", "status")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    query: ListQuery
    status: str
    def __init__(self, project_id: _Optional[str] = ..., query: _Optional[_Union[ListQuery, _Mapping]] = ..., status: _Optional[str] = ...) -> None: ...

class ListVerificationsResponse(_message.Message):
    __slots__ = ("verifications", "verifications_links")
    VERIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    VERIFICATIONS_LINKS_FIELD_NUMBER: _ClassVar[int]
    verifications: _containers.RepeatedCompositeFieldContainer[Verification]
    verifications_links: _struct_pb2.ListValue
    def __init__(self, verifications: _Optional[_Iterable[_Union[Verification, _Mapping]]] = ..., verifications_links: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class CreateVerificationRequest(_message.Message):
    __slots__ = ("project_id", "verification")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    verification: VerificationCreate
    def __init__(self, project_id: _Optional[str] = ..., verification: _Optional[_Union[VerificationCreate, _Mapping]] = ...) -> None: ...

class CreateVerificationResponse(_message.Message):
    __slots__ = ("verification",)
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    verification: Verification
    def __init__(self, verification: _Optional[_Union[Verification, _Mapping]] = ...) -> None: ...

class GetVerificationRequest(_message.Message):
    __slots__ = ("project_id", "verification_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    verification_id: str
    def __init__(self, project_id: _Optional[str] = ..., verification_id: _Optional[str] = ...) -> None: ...

class GetVerificationResponse(_message.Message):
    __slots__ = ("verification",)
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    verification: Verification
    def __init__(self, verification: _Optional[_Union[Verification, _Mapping]] = ...) -> None: ...

class Trigger(_message.Message):
    __slots__ = ("id", "name", "type", "properties")
    class PropertiesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    type: str
    properties: _containers.ScalarMap[str, str]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., type: _Optional[str] = ..., properties: _Optional[_Mapping[str, str]] = ...) -> None: ...

class TriggerProperties(_message.Message):
    __slots__ = ("format", "pattern", "start_time", "end_time", "window")
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    PATTERN_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    format: str
    pattern: str
    start_time: str
    end_time: str
    window: int
    def __init__(self, format: _Optional[str] = ..., pattern: _Optional[str] = ..., start_time: _Optional[str] = ..., end_time: _Optional[str] = ..., window: _Optional[int] = ...) -> None: ...

class TriggerCreate(_message.Message):
    __slots__ = ("name", "type", "properties")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    properties: TriggerProperties
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., properties: _Optional[_Union[TriggerProperties, _Mapping]] = ...) -> None: ...

class TriggerUpdate(_message.Message):
    __slots__ = ("name", "type", "properties")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    PROPERTIES_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    properties: TriggerProperties
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., properties: _Optional[_Union[TriggerProperties, _Mapping]] = ...) -> None: ...

class ListTriggersRequest(_message.Message):
    __slots__ = ("project_id", "query", "name", "type")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    query: ListQuery
    name: str
    type: str
    def __init__(self, project_id: _Optional[str] = ..., query: _Optional[_Union[ListQuery, _Mapping]] = ..., name: _Optional[str] = ..., type: _Optional[str] = ...) -> None: ...

class ListTriggersResponse(_message.Message):
    __slots__ = ("triggers", "triggers_links")
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_LINKS_FIELD_NUMBER: _ClassVar[int]
    triggers: _containers.RepeatedCompositeFieldContainer[Trigger]
    triggers_links: _struct_pb2.ListValue
    def __init__(self, triggers: _Optional[_Iterable[_Union[Trigger, _Mapping]]] = ..., triggers_links: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class CreateTriggerRequest(_message.Message):
    __slots__ = ("project_id", "trigger_info")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_INFO_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    trigger_info: TriggerCreate
    def __init__(self, project_id: _Optional[str] = ..., trigger_info: _Optional[_Union[TriggerCreate, _Mapping]] = ...) -> None: ...

class CreateTriggerResponse(_message.Message):
    __slots__ = ("trigger_info",)
    TRIGGER_INFO_FIELD_NUMBER: _ClassVar[int]
    trigger_info: Trigger
    def __init__(self, trigger_info: _Optional[_Union[Trigger, _Mapping]] = ...) -> None: ...

class GetTriggerRequest(_message.Message):
    __slots__ = ("project_id", "trigger_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    trigger_id: str
    def __init__(self, project_id: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class GetTriggerResponse(_message.Message):
    __slots__ = ("trigger_info",)
    TRIGGER_INFO_FIELD_NUMBER: _ClassVar[int]
    trigger_info: Trigger
    def __init__(self, trigger_info: _Optional[_Union[Trigger, _Mapping]] = ...) -> None: ...

class UpdateTriggerRequest(_message.Message):
    __slots__ = ("project_id", "trigger_id", "trigger_info")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_INFO_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    trigger_id: str
    trigger_info: TriggerUpdate
    def __init__(self, project_id: _Optional[str] = ..., trigger_id: _Optional[str] = ..., trigger_info: _Optional[_Union[TriggerUpdate, _Mapping]] = ...) -> None: ...

class UpdateTriggerResponse(_message.Message):
    __slots__ = ("trigger_info",)
    TRIGGER_INFO_FIELD_NUMBER: _ClassVar[int]
    trigger_info: Trigger
    def __init__(self, trigger_info: _Optional[_Union[Trigger, _Mapping]] = ...) -> None: ...

class DeleteTriggerRequest(_message.Message):
    __slots__ = ("project_id", "trigger_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    trigger_id: str
    def __init__(self, project_id: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class DeleteTriggerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ScheduledOperation(_message.Message):
    __slots__ = ("id", "name", "description", "operation_type", "trigger_id", "operation_definition", "enabled")
    class OperationDefinitionEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OPERATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    description: _struct_pb2.Value
    operation_type: str
    trigger_id: str
    operation_definition: _containers.ScalarMap[str, str]
    enabled: bool
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., description: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., operation_type: _Optional[str] = ..., trigger_id: _Optional[str] = ..., operation_definition: _Optional[_Mapping[str, str]] = ..., enabled: _Optional[bool] = ...) -> None: ...

class ScheduledOperationCreate(_message.Message):
    __slots__ = ("name", "description", "operation_type", "trigger_id", "operation_definition")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OPERATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_DEFINITION_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    operation_type: str
    trigger_id: str
    operation_definition: _struct_pb2.Struct
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., operation_type: _Optional[str] = ..., trigger_id: _Optional[str] = ..., operation_definition: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class ListScheduledOperationsRequest(_message.Message):
    __slots__ = ("project_id", "query", "name", "operation_type", "trigger_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    OPERATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    query: ListQuery
    name: str
    operation_type: str
    trigger_id: str
    def __init__(self, project_id: _Optional[str] = ..., query: _Optional[_Union[ListQuery, _Mapping]] = ..., name: _Optional[str] = ..., operation_type: _Optional[str] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class ListScheduledOperationsResponse(_message.Message):
    __slots__ = ("operations", "operations_links")
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_LINKS_FIELD_NUMBER: _ClassVar[int]
    operations: _containers.RepeatedCompositeFieldContainer[ScheduledOperation]
    operations_links: _struct_pb2.ListValue
    def __init__(self, operations: _Optional[_Iterable[_Union[ScheduledOperation, _Mapping]]] = ..., operations_links: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class CreateScheduledOperationRequest(_message.Message):
    __slots__ = ("project_id", "scheduled_operation")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_OPERATION_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    scheduled_operation: ScheduledOperationCreate
    def __init__(self, project_id: _Optional[str] = ..., scheduled_operation: _Optional[_Union[ScheduledOperationCreate, _Mapping]] = ...) -> None: ...

class CreateScheduledOperationResponse(_message.Message):
    __slots__ = ("scheduled_operation",)
    SCHEDULED_OPERATION_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation: ScheduledOperation
    def __init__(self, scheduled_operation: _Optional[_Union[ScheduledOperation, _Mapping]] = ...) -> None: ...

class GetScheduledOperationRequest(_message.Message):
    __slots__ = ("project_id", "scheduled_operation_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    scheduled_operation_id: str
    def __init__(self, project_id: _Optional[str] = ..., scheduled_operation_id: _Optional[str] = ...) -> None: ...

class GetScheduledOperationResponse(_message.Message):
    __slots__ = ("scheduled_operation",)
    SCHEDULED_OPERATION_FIELD_NUMBER: _ClassVar[int]
    scheduled_operation: ScheduledOperation
    def __init__(self, scheduled_operation: _Optional[_Union[ScheduledOperation, _Mapping]] = ...) -> None: ...

class DeleteScheduledOperationRequest(_message.Message):
    __slots__ = ("project_id", "scheduled_operation_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    scheduled_operation_id: str
    def __init__(self, project_id: _Optional[str] = ..., scheduled_operation_id: _Optional[str] = ...) -> None: ...

class DeleteScheduledOperationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OperationLog(_message.Message):
    __slots__ = ("id", "operation_type", "checkpoint_id", "plan_id", "provider_id", "restore_id", "scheduled_operation_id", "status", "started_at", "ended_at", "error_info", "extra_info")
    ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    RESTORE_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    ENDED_AT_FIELD_NUMBER: _ClassVar[int]
    ERROR_INFO_FIELD_NUMBER: _ClassVar[int]
    EXTRA_INFO_FIELD_NUMBER: _ClassVar[int]
    id: str
    operation_type: str
    checkpoint_id: _struct_pb2.Value
    plan_id: _struct_pb2.Value
    provider_id: _struct_pb2.Value
    restore_id: _struct_pb2.Value
    scheduled_operation_id: _struct_pb2.Value
    status: str
    started_at: _struct_pb2.Value
    ended_at: _struct_pb2.Value
    error_info: _struct_pb2.Value
    extra_info: _struct_pb2.Value
    def __init__(self, id: _Optional[str] = ..., operation_type: _Optional[str] = ..., checkpoint_id: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., plan_id: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., provider_id: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., restore_id: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., scheduled_operation_id: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., status: _Optional[str] = ..., started_at: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., ended_at: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., error_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., extra_info: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class ListOperationLogsRequest(_message.Message):
    __slots__ = ("project_id", "query", "checkpoint_id", "plan_id", "restore_id", "status")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    RESTORE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    query: ListQuery
    checkpoint_id: str
    plan_id: str
    restore_id: str
    status: str
    def __init__(self, project_id: _Optional[str] = ..., query: _Optional[_Union[ListQuery, _Mapping]] = ..., checkpoint_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., restore_id: _Optional[str] = ..., status: _Optional[str] = ...) -> None: ...

class ListOperationLogsResponse(_message.Message):
    __slots__ = ("operation_logs", "operation_logs_links")
    OPERATION_LOGS_FIELD_NUMBER: _ClassVar[int]
    OPERATION_LOGS_LINKS_FIELD_NUMBER: _ClassVar[int]
    operation_logs: _containers.RepeatedCompositeFieldContainer[OperationLog]
    operation_logs_links: _struct_pb2.ListValue
    def __init__(self, operation_logs: _Optional[_Iterable[_Union[OperationLog, _Mapping]]] = ..., operation_logs_links: _Optional[_Union[_struct_pb2.ListValue, _Mapping]] = ...) -> None: ...

class GetOperationLogRequest(_message.Message):
    __slots__ = ("project_id", "operation_log_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    OPERATION_LOG_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    operation_log_id: str
    def __init__(self, project_id: _Optional[str] = ..., operation_log_id: _Optional[str] = ...) -> None: ...

class GetOperationLogResponse(_message.Message):
    __slots__ = ("operation_log",)
    OPERATION_LOG_FIELD_NUMBER: _ClassVar[int]
    operation_log: OperationLog
    def __init__(self, operation_log: _Optional[_Union[OperationLog, _Mapping]] = ...) -> None: ...

class Service(_message.Message):
    __slots__ = ("id", "binary", "host", "status", "state", "updated_at", "disabled_reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    BINARY_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    DISABLED_REASON_FIELD_NUMBER: _ClassVar[int]
    id: int
    binary: str
    host: str
    status: str
    state: str
    updated_at: _struct_pb2.Value
    disabled_reason: _struct_pb2.Value
    def __init__(self, id: _Optional[int] = ..., binary: _Optional[str] = ..., host: _Optional[str] = ..., status: _Optional[str] = ..., state: _Optional[str] = ..., updated_at: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., disabled_reason: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class ListServicesRequest(_message.Message):
    __slots__ = ("project_id", "host", "binary")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    HOST_FIELD_NUMBER: _ClassVar[int]
    BINARY_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    host: str
    binary: str
    def __init__(self, project_id: _Optional[str] = ..., host: _Optional[str] = ..., binary: _Optional[str] = ...) -> None: ...

class ListServicesResponse(_message.Message):
    __slots__ = ("services",)
    SERVICES_FIELD_NUMBER: _ClassVar[int]
    services: _containers.RepeatedCompositeFieldContainer[Service]
    def __init__(self, services: _Optional[_Iterable[_Union[Service, _Mapping]]] = ...) -> None: ...

class UpdateServiceRequest(_message.Message):
    __slots__ = ("project_id", "service_id", "status", "disabled_reason")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DISABLED_REASON_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    service_id: str
    status: str
    disabled_reason: str
    def __init__(self, project_id: _Optional[str] = ..., service_id: _Optional[str] = ..., status: _Optional[str] = ..., disabled_reason: _Optional[str] = ...) -> None: ...

class UpdateServiceResponse(_message.Message):
    __slots__ = ("service",)
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    service: Service
    def __init__(self, service: _Optional[_Union[Service, _Mapping]] = ...) -> None: ...

class Quota(_message.Message):
    __slots__ = ("plans", "checkpoints", "id")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    plans: int
    checkpoints: int
    id: _struct_pb2.Value
    def __init__(self, plans: _Optional[int] = ..., checkpoints: _Optional[int] = ..., id: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class QuotaInput(_message.Message):
    __slots__ = ("plans", "checkpoints")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    plans: int
    checkpoints: int
    def __init__(self, plans: _Optional[int] = ..., checkpoints: _Optional[int] = ...) -> None: ...

class QuotaDetailItem(_message.Message):
    __slots__ = ("limit", "in_use", "reserved")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    IN_USE_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    limit: int
    in_use: int
    reserved: int
    def __init__(self, limit: _Optional[int] = ..., in_use: _Optional[int] = ..., reserved: _Optional[int] = ...) -> None: ...

class QuotaDetail(_message.Message):
    __slots__ = ("plans", "checkpoints", "id")
    PLANS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    plans: QuotaDetailItem
    checkpoints: QuotaDetailItem
    id: str
    def __init__(self, plans: _Optional[_Union[QuotaDetailItem, _Mapping]] = ..., checkpoints: _Optional[_Union[QuotaDetailItem, _Mapping]] = ..., id: _Optional[str] = ...) -> None: ...

class GetQuotaRequest(_message.Message):
    __slots__ = ("project_id", "target_project_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    target_project_id: str
    def __init__(self, project_id: _Optional[str] = ..., target_project_id: _Optional[str] = ...) -> None: ...

class GetQuotaResponse(_message.Message):
    __slots__ = ("quota",)
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    quota: Quota
    def __init__(self, quota: _Optional[_Union[Quota, _Mapping]] = ...) -> None: ...

class GetQuotaDetailRequest(_message.Message):
    __slots__ = ("project_id", "target_project_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    target_project_id: str
    def __init__(self, project_id: _Optional[str] = ..., target_project_id: _Optional[str] = ...) -> None: ...

class GetQuotaDetailResponse(_message.Message):
    __slots__ = ("quota",)
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    quota: QuotaDetail
    def __init__(self, quota: _Optional[_Union[QuotaDetail, _Mapping]] = ...) -> None: ...

class GetQuotaDefaultsRequest(_message.Message):
    __slots__ = ("project_id", "target_project_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    target_project_id: str
    def __init__(self, project_id: _Optional[str] = ..., target_project_id: _Optional[str] = ...) -> None: ...

class GetQuotaDefaultsResponse(_message.Message):
    __slots__ = ("quota",)
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    quota: Quota
    def __init__(self, quota: _Optional[_Union[Quota, _Mapping]] = ...) -> None: ...

class UpdateQuotaRequest(_message.Message):
    __slots__ = ("project_id", "target_project_id", "quota")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    target_project_id: str
    quota: QuotaInput
    def __init__(self, project_id: _Optional[str] = ..., target_project_id: _Optional[str] = ..., quota: _Optional[_Union[QuotaInput, _Mapping]] = ...) -> None: ...

class UpdateQuotaResponse(_message.Message):
    __slots__ = ("quota",)
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    quota: Quota
    def __init__(self, quota: _Optional[_Union[Quota, _Mapping]] = ...) -> None: ...

class DeleteQuotaRequest(_message.Message):
    __slots__ = ("project_id", "target_project_id")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    TARGET_PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    target_project_id: str
    def __init__(self, project_id: _Optional[str] = ..., target_project_id: _Optional[str] = ...) -> None: ...

class DeleteQuotaResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetQuotaClassRequest(_message.Message):
    __slots__ = ("project_id", "class_name")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    class_name: str
    def __init__(self, project_id: _Optional[str] = ..., class_name: _Optional[str] = ...) -> None: ...

class GetQuotaClassResponse(_message.Message):
    __slots__ = ("quota_class",)
    QUOTA_CLASS_FIELD_NUMBER: _ClassVar[int]
    quota_class: Quota
    def __init__(self, quota_class: _Optional[_Union[Quota, _Mapping]] = ...) -> None: ...

class UpdateQuotaClassRequest(_message.Message):
    __slots__ = ("project_id", "class_name", "quota_class")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    QUOTA_CLASS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    class_name: str
    quota_class: QuotaInput
    def __init__(self, project_id: _Optional[str] = ..., class_name: _Optional[str] = ..., quota_class: _Optional[_Union[QuotaInput, _Mapping]] = ...) -> None: ...

class UpdateQuotaClassResponse(_message.Message):
    __slots__ = ("quota_class",)
    QUOTA_CLASS_FIELD_NUMBER: _ClassVar[int]
    quota_class: Quota
    def __init__(self, quota_class: _Optional[_Union[Quota, _Mapping]] = ...) -> None: ...
