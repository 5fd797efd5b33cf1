"""The S3 backend on boto3: path-style addressing, any S3-compatible server (AWS, SeaweedFS...).

Atomicity comes from S3 itself (a PUT is all or nothing). Conditional writes use If-None-Match:*
(create) and If-Match:<etag> (compare-and-swap), which the server must honour: SeaweedFS and AWS
do, rclone's S3 server silently ignores them and is therefore unsafe for leases.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from smaug.bank.backend import Backend, ObjectInfo
from smaug.bank.errors import BankError, ObjectNotFound, PreconditionFailed

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_NOT_FOUND = {"NoSuchKey", "404", "NotFound"}
_PRECONDITION = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}


_SESSION_LOCK = threading.Lock()
_SESSION: boto3.session.Session | None = None


def _session() -> boto3.session.Session:
    """One shared session: loading the S3 model per session costs ~0.1 s per client, and
    sessions are not thread-safe, hence the lock around client creation."""
    global _SESSION
    if _SESSION is None:
        _SESSION = boto3.session.Session()
    return _SESSION


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3Backend(Backend):
    #: Requests in flight to hide network and server latency.
    preferred_workers = 16
    latency_bound = True

    def __init__(
        self,
        *,
        bucket: str,
        endpoint: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        prefix: str = "",
        create_bucket: bool = True,
        max_connections: int = 32,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.location = f"s3://{bucket}/{self.prefix}" + (f" at {endpoint}" if endpoint else "")
        config = Config(
            s3={"addressing_style": "path"},
            max_pool_connections=max_connections,
            retries={"max_attempts": 5, "mode": "standard"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # Credentials go straight into the client and are not kept on this object, so they
        # cannot leak through repr() or logs. None means boto3's chain (AWS_* env, profiles).
        with _SESSION_LOCK:
            self._client: S3Client = _session().client(
                "s3",
                endpoint_url=endpoint,
                region_name=region or "us-east-1",
                aws_access_key_id=access_key,
                aws_secret_access_key=secret_key,
                aws_session_token=session_token,
                config=config,
            )
        if create_bucket:
            self._ensure_bucket()

    def __repr__(self) -> str:
        return f"S3Backend({self.location!r})"

    def _ensure_bucket(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
            return
        except ClientError as error:
            if _code(error) not in {"404", "NoSuchBucket", "NotFound"}:
                raise BankError(
                    f"cannot use bucket {self.bucket!r} at {self.location}: {error}; "
                    "check the endpoint, credentials and bucket name"
                ) from None
        try:
            self._client.create_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _code(error) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                raise BankError(
                    f"cannot create bucket {self.bucket!r} at {self.location}: {error}"
                ) from None

    def _full(self, key: str) -> str:
        return self.prefix + key

    def _short(self, full: str) -> str:
        return full[len(self.prefix) :]

    @staticmethod
    def _modified(value: Any) -> float:
        return float(value.timestamp()) if value is not None else 0.0

    def get(self, key: str) -> bytes:
        return self.get_with_info(key)[0]

    def get_with_info(self, key: str) -> tuple[bytes, ObjectInfo]:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._full(key))
        except ClientError as error:
            if _code(error) in _NOT_FOUND:
                raise ObjectNotFound(key) from None
            raise
        data = answer["Body"].read()
        info = ObjectInfo(key, len(data), answer["ETag"], self._modified(answer["LastModified"]))
        return data, info

    def head(self, key: str) -> ObjectInfo | None:
        try:
            answer = self._client.head_object(Bucket=self.bucket, Key=self._full(key))
        except ClientError as error:
            if _code(error) in _NOT_FOUND:
                return None
            raise
        return ObjectInfo(
            key, answer["ContentLength"], answer["ETag"], self._modified(answer["LastModified"])
        )

    def put(
        self,
        key: str,
        data: bytes,
        *,
        if_none_match: bool = False,
        if_match: str | None = None,
        durable: bool = True,  # S3 writes are always durable
    ) -> str:
        extra: dict[str, str] = {}
        if if_none_match:
            extra["IfNoneMatch"] = "*"
        if if_match is not None:
            extra["IfMatch"] = if_match
        try:
            answer = self._client.put_object(
                Bucket=self.bucket,
                Key=self._full(key),
                Body=data,
                **extra,  # type: ignore[arg-type]
            )
        except ClientError as error:
            if _code(error) in _PRECONDITION:
                why = "object already exists" if if_none_match else "object changed since read"
                raise PreconditionFailed(key, why) from None
            raise
        return answer["ETag"]

    def delete(self, key: str, *, if_match: str | None = None) -> None:
        try:
            if if_match is not None:
                self._client.delete_object(
                    Bucket=self.bucket, Key=self._full(key), IfMatch=if_match
                )
            else:
                self._client.delete_object(Bucket=self.bucket, Key=self._full(key))
        except ClientError as error:
            code = _code(error)
            if code in _PRECONDITION or (if_match is not None and code in _NOT_FOUND):
                raise PreconditionFailed(key, "object changed since it was read") from None
            if code not in _NOT_FOUND:
                raise

    def _pages(self, prefix: str, start_after: str | None) -> Iterator[list[Any]]:
        arguments: dict[str, Any] = {"Bucket": self.bucket, "Prefix": self._full(prefix)}
        if start_after is not None:
            arguments["StartAfter"] = self._full(start_after)
        while True:
            answer = self._client.list_objects_v2(**arguments)
            yield list(answer.get("Contents", []))
            if not answer.get("IsTruncated"):
                return
            arguments.pop("StartAfter", None)
            arguments["ContinuationToken"] = answer["NextContinuationToken"]

    def list(
        self,
        prefix: str,
        *,
        start_after: str | None = None,
        limit: int | None = None,
        reverse: bool = False,
    ) -> list[str]:
        if limit is not None and limit <= 0:
            return []
        if reverse:
            # S3 lists ascending only: read the whole prefix (documented cost), then page.
            everything = [
                self._short(item["Key"]) for page in self._pages(prefix, None) for item in page
            ]
            everything.reverse()
            if start_after is not None:
                everything = [key for key in everything if key < start_after]
            return everything[:limit] if limit is not None else everything
        keys: list[str] = []
        for page in self._pages(prefix, start_after):
            for item in page:
                keys.append(self._short(item["Key"]))
                if limit is not None and len(keys) >= limit:
                    return keys
        return keys

    def scan(self, prefix: str) -> Iterator[ObjectInfo]:
        for page in self._pages(prefix, None):
            for item in page:
                yield ObjectInfo(
                    self._short(item["Key"]),
                    int(item.get("Size", 0)),
                    str(item.get("ETag", "")),
                    self._modified(item.get("LastModified")),
                )

    def touch(self, key: str) -> bool:
        full = self._full(key)
        try:
            # A self-copy must change something; new metadata refreshes LastModified.
            self._client.copy_object(
                Bucket=self.bucket,
                Key=full,
                CopySource={"Bucket": self.bucket, "Key": full},
                MetadataDirective="REPLACE",
                Metadata={"touched": f"{time.time():.3f}"},
            )
            return True
        except ClientError as error:
            if _code(error) in _NOT_FOUND:
                return False
            raise

    def delete_if_stale(self, key: str, modified_before: float) -> bool:
        info = self.head(key)
        if info is None or info.modified >= modified_before:
            return False
        try:
            self.delete(key, if_match=info.etag)
        except PreconditionFailed:
            return False
        return True

    def close(self) -> None:
        self._client.close()
