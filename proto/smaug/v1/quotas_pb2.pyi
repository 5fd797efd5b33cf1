from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Quota(_message.Message):
    __slots__ = ("project_id", "plans", "checkpoints")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    plans: int
    checkpoints: int
    def __init__(self, project_id: _Optional[str] = ..., plans: _Optional[int] = ..., checkpoints: _Optional[int] = ...) -> None: ...

class QuotaResourceUsage(_message.Message):
    __slots__ = ("limit", "in_use", "reserved")
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    IN_USE_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    limit: int
    in_use: int
    reserved: int
    def __init__(self, limit: _Optional[int] = ..., in_use: _Optional[int] = ..., reserved: _Optional[int] = ...) -> None: ...

class QuotaUsage(_message.Message):
    __slots__ = ("project_id", "plans", "checkpoints")
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    plans: QuotaResourceUsage
    checkpoints: QuotaResourceUsage
    def __init__(self, project_id: _Optional[str] = ..., plans: _Optional[_Union[QuotaResourceUsage, _Mapping]] = ..., checkpoints: _Optional[_Union[QuotaResourceUsage, _Mapping]] = ...) -> None: ...

class QuotaClass(_message.Message):
    __slots__ = ("name", "plans", "checkpoints")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    plans: int
    checkpoints: int
    def __init__(self, name: _Optional[str] = ..., plans: _Optional[int] = ..., checkpoints: _Optional[int] = ...) -> None: ...

class GetQuotaRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class GetQuotaResponse(_message.Message):
    __slots__ = ("quota",)
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    quota: Quota
    def __init__(self, quota: _Optional[_Union[Quota, _Mapping]] = ...) -> None: ...

class GetQuotaUsageRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class GetQuotaUsageResponse(_message.Message):
    __slots__ = ("quota_usage",)
    QUOTA_USAGE_FIELD_NUMBER: _ClassVar[int]
    quota_usage: QuotaUsage
    def __init__(self, quota_usage: _Optional[_Union[QuotaUsage, _Mapping]] = ...) -> None: ...

class GetDefaultQuotaRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetDefaultQuotaResponse(_message.Message):
    __slots__ = ("quota",)
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    quota: Quota
    def __init__(self, quota: _Optional[_Union[Quota, _Mapping]] = ...) -> None: ...

class UpdateQuotaRequest(_message.Message):
    __slots__ = ("quota", "update_mask")
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    quota: Quota
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, quota: _Optional[_Union[Quota, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateQuotaResponse(_message.Message):
    __slots__ = ("quota",)
    QUOTA_FIELD_NUMBER: _ClassVar[int]
    quota: Quota
    def __init__(self, quota: _Optional[_Union[Quota, _Mapping]] = ...) -> None: ...

class DeleteQuotaRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class DeleteQuotaResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetQuotaClassRequest(_message.Message):
    __slots__ = ("quota_class_name",)
    QUOTA_CLASS_NAME_FIELD_NUMBER: _ClassVar[int]
    quota_class_name: str
    def __init__(self, quota_class_name: _Optional[str] = ...) -> None: ...

class GetQuotaClassResponse(_message.Message):
    __slots__ = ("quota_class",)
    QUOTA_CLASS_FIELD_NUMBER: _ClassVar[int]
    quota_class: QuotaClass
    def __init__(self, quota_class: _Optional[_Union[QuotaClass, _Mapping]] = ...) -> None: ...

class UpdateQuotaClassRequest(_message.Message):
    __slots__ = ("quota_class", "update_mask")
    QUOTA_CLASS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    quota_class: QuotaClass
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, quota_class: _Optional[_Union[QuotaClass, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class UpdateQuotaClassResponse(_message.Message):
    __slots__ = ("quota_class",)
    QUOTA_CLASS_FIELD_NUMBER: _ClassVar[int]
    quota_class: QuotaClass
    def __init__(self, quota_class: _Optional[_Union[QuotaClass, _Mapping]] = ...) -> None: ...

class RecountQuotaUsageRequest(_message.Message):
    __slots__ = ("project_id",)
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    project_id: str
    def __init__(self, project_id: _Optional[str] = ...) -> None: ...

class QuotaCorrection(_message.Message):
    __slots__ = ("resource", "recorded", "counted", "dropped_reservations")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    COUNTED_FIELD_NUMBER: _ClassVar[int]
    DROPPED_RESERVATIONS_FIELD_NUMBER: _ClassVar[int]
    resource: str
    recorded: int
    counted: int
    dropped_reservations: int
    def __init__(self, resource: _Optional[str] = ..., recorded: _Optional[int] = ..., counted: _Optional[int] = ..., dropped_reservations: _Optional[int] = ...) -> None: ...

class RecountQuotaUsageResponse(_message.Message):
    __slots__ = ("quota_usage", "corrections")
    QUOTA_USAGE_FIELD_NUMBER: _ClassVar[int]
    CORRECTIONS_FIELD_NUMBER: _ClassVar[int]
    quota_usage: QuotaUsage
    corrections: _containers.RepeatedCompositeFieldContainer[QuotaCorrection]
    def __init__(self, quota_usage: _Optional[_Union[QuotaUsage, _Mapping]] = ..., corrections: _Optional[_Iterable[_Union[QuotaCorrection, _Mapping]]] = ...) -> None: ...
