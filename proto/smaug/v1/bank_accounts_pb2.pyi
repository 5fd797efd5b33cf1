import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.api import field_behavior_pb2 as _field_behavior_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BankAccount(_message.Message):
    __slots__ = ("provider_id", "project_id", "s3", "filesystem", "encrypted", "uri", "create_time", "update_time")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    S3_FIELD_NUMBER: _ClassVar[int]
    FILESYSTEM_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTED_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    project_id: str
    s3: S3BankAccount
    filesystem: FilesystemBankAccount
    encrypted: bool
    uri: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, provider_id: _Optional[str] = ..., project_id: _Optional[str] = ..., s3: _Optional[_Union[S3BankAccount, _Mapping]] = ..., filesystem: _Optional[_Union[FilesystemBankAccount, _Mapping]] = ..., encrypted: _Optional[bool] = ..., uri: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class S3BankAccount(_message.Message):
    __slots__ = ("bucket", "prefix", "access_key_id", "secret_access_key", "has_secret_access_key")
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    ACCESS_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    SECRET_ACCESS_KEY_FIELD_NUMBER: _ClassVar[int]
    HAS_SECRET_ACCESS_KEY_FIELD_NUMBER: _ClassVar[int]
    bucket: str
    prefix: str
    access_key_id: str
    secret_access_key: str
    has_secret_access_key: bool
    def __init__(self, bucket: _Optional[str] = ..., prefix: _Optional[str] = ..., access_key_id: _Optional[str] = ..., secret_access_key: _Optional[str] = ..., has_secret_access_key: _Optional[bool] = ...) -> None: ...

class FilesystemBankAccount(_message.Message):
    __slots__ = ("path",)
    PATH_FIELD_NUMBER: _ClassVar[int]
    path: str
    def __init__(self, path: _Optional[str] = ...) -> None: ...

class GetBankAccountRequest(_message.Message):
    __slots__ = ("provider_id", "project_id")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    project_id: str
    def __init__(self, provider_id: _Optional[str] = ..., project_id: _Optional[str] = ...) -> None: ...

class GetBankAccountResponse(_message.Message):
    __slots__ = ("bank_account",)
    BANK_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    bank_account: BankAccount
    def __init__(self, bank_account: _Optional[_Union[BankAccount, _Mapping]] = ...) -> None: ...

class ListBankAccountsRequest(_message.Message):
    __slots__ = ("provider_id", "project_id", "page_size", "page_token")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    project_id: str
    page_size: int
    page_token: str
    def __init__(self, provider_id: _Optional[str] = ..., project_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListBankAccountsResponse(_message.Message):
    __slots__ = ("bank_accounts", "next_page_token")
    BANK_ACCOUNTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    bank_accounts: _containers.RepeatedCompositeFieldContainer[BankAccount]
    next_page_token: str
    def __init__(self, bank_accounts: _Optional[_Iterable[_Union[BankAccount, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SetBankAccountRequest(_message.Message):
    __slots__ = ("bank_account",)
    BANK_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    bank_account: BankAccount
    def __init__(self, bank_account: _Optional[_Union[BankAccount, _Mapping]] = ...) -> None: ...

class SetBankAccountResponse(_message.Message):
    __slots__ = ("bank_account",)
    BANK_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    bank_account: BankAccount
    def __init__(self, bank_account: _Optional[_Union[BankAccount, _Mapping]] = ...) -> None: ...

class DeleteBankAccountRequest(_message.Message):
    __slots__ = ("provider_id", "project_id")
    PROVIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PROJECT_ID_FIELD_NUMBER: _ClassVar[int]
    provider_id: str
    project_id: str
    def __init__(self, provider_id: _Optional[str] = ..., project_id: _Optional[str] = ...) -> None: ...

class DeleteBankAccountResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
