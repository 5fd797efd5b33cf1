"""Malformed requests at every RPC: only documented error codes, never INTERNAL or UNKNOWN."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor as pb_descriptor
from google.protobuf import message_factory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.conftest import Api
from smaug.mesh.contracts import services_of

ALLOWED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ALREADY_EXISTS,
    # Forwarded RPCs reach the peer, which serves only ProviderService.
    grpc.StatusCode.UNIMPLEMENTED,
    grpc.StatusCode.UNAVAILABLE,
}
FORWARDED_ONLY = {grpc.StatusCode.UNIMPLEMENTED}
FORWARDED = {
    "smaug.v1.ProtectableService",
    "smaug.v1.CheckpointService",
    "smaug.v1.ProviderService",
}
FORWARDED_METHODS = {
    "CreateRestore",
    "WatchRestore",
    "CancelRestore",
    "CreateVerification",
    "WatchVerification",
    "CancelVerification",
    "SetBankAccount",
    "DeleteBankAccount",
    "RecountQuotaUsage",  # counts checkpoints through protection
}

TEXT = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "admin",
            "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
            "OS::Cinder::Volume",
            "name = x",
            'name : "a"',
            "status = STARTED",
            "create_time desc",
            "id",
            "0 2 * * *",
            "BEGIN:VEVENT\nRRULE:FREQ=DAILY\nEND:VEVENT",
            "a" * 300,
        ]
    ),
    st.text(max_size=40),
)


def value_strategy(field: pb_descriptor.FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    t = field.type
    if t == field.TYPE_STRING:
        return TEXT
    if t == field.TYPE_BOOL:
        return st.booleans()
    if t in (field.TYPE_INT32, field.TYPE_SINT32, field.TYPE_SFIXED32):
        return st.integers(-(2**31), 2**31 - 1)
    if t in (field.TYPE_INT64, field.TYPE_SINT64, field.TYPE_SFIXED64):
        return st.integers(-(2**63), 2**63 - 1)
    if t in (field.TYPE_UINT32, field.TYPE_FIXED32):
        return st.integers(0, 2**32 - 1)
    if t in (field.TYPE_UINT64, field.TYPE_FIXED64):
        return st.integers(0, 2**64 - 1)
    if t in (field.TYPE_DOUBLE, field.TYPE_FLOAT):
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if t == field.TYPE_ENUM:
        return st.integers(-3, 12)
    if t == field.TYPE_BYTES:
        return st.binary(max_size=20)
    return message_strategy(field.message_type, depth + 1)


def message_strategy(
    descriptor: pb_descriptor.Descriptor, depth: int = 0
) -> st.SearchStrategy[Any]:
    cls = message_factory.GetMessageClass(descriptor)
    if depth > 3 or (
        descriptor.full_name.startswith("google.protobuf.")
        and descriptor.name not in ("Timestamp", "FieldMask")
    ):
        return st.just(cls())
    if descriptor.full_name == "google.protobuf.Timestamp":
        return st.builds(
            lambda s, n: cls(seconds=s, nanos=n),
            st.integers(-(2**40), 2**40),
            st.integers(0, 999_999_999),
        )
    if descriptor.full_name == "google.protobuf.FieldMask":
        return st.builds(
            lambda paths: cls(paths=paths),
            st.lists(
                st.sampled_from(
                    [
                        "name",
                        "status",
                        "plans",
                        "properties",
                        "x",
                        "properties.pattern",
                        "enabled",
                        "operation_definition",
                        "id",
                    ]
                ),
                max_size=3,
            ),
        )
    fields = {}
    for field in descriptor.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            fields[field.name] = st.dictionaries(TEXT, st.just(None), max_size=2)
        elif field.is_repeated:
            fields[field.name] = st.lists(value_strategy(field, depth), max_size=2)
        else:
            fields[field.name] = st.one_of(st.none(), value_strategy(field, depth))

    def make(values: dict[str, Any]) -> Any:
        message = cls()
        for name, value in values.items():
            field = descriptor.fields_by_name[name]
            if value is None:
                continue
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                target = getattr(message, name)
                entry = field.message_type.fields_by_name["value"]
                for key in value:
                    if entry.message_type is not None:
                        target.get_or_create(key)
                    else:
                        target[key] = entry.default_value
            elif field.is_repeated:
                getattr(message, name).extend(value)
            elif field.message_type is not None:
                getattr(message, name).CopyFrom(value)
            else:
                setattr(message, name, value)
        return message

    return st.fixed_dictionaries({}, optional=fields).map(make)


def rpcs() -> Iterator[tuple[str, pb_descriptor.MethodDescriptor]]:
    for service in services_of("smaug.v1"):
        for method in service.methods:
            yield service.full_name, method


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_malformed_requests(api: Api) -> None:
    user = api.user("fuzzer", "project-fuzz")
    metadata_sets = [user.metadata, api.admin.metadata]
    failures: list[str] = []

    for service, method in rpcs():
        request_cls = message_factory.GetMessageClass(method.input_type)
        reply_cls = message_factory.GetMessageClass(method.output_type)
        path = f"/{service}/{method.name}"
        forwarded = service in FORWARDED or method.name in FORWARDED_METHODS
        if method.server_streaming:
            call = api.channel.unary_stream(
                path,
                request_serializer=request_cls.SerializeToString,
                response_deserializer=reply_cls.FromString,
            )
        else:
            call = api.channel.unary_unary(
                path,
                request_serializer=request_cls.SerializeToString,
                response_deserializer=reply_cls.FromString,
            )
        examples: list[Any] = []

        @settings(
            max_examples=25, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        @given(message_strategy(method.input_type), st.integers(0, 1))
        def collect(request: Any, who: int) -> None:
            examples.append((request, who))  # noqa: B023 - run at once, not later

        collect()
        for request, who in examples:
            try:
                if method.server_streaming:
                    stream = call(request, metadata=metadata_sets[who], timeout=20)
                    async for _ in stream:
                        break
                    stream.cancel()
                    code = grpc.StatusCode.OK
                else:
                    await call(request, metadata=metadata_sets[who], timeout=20)
                    code = grpc.StatusCode.OK
            except grpc.aio.AioRpcError as error:
                code = error.code()
                detail = error.details()
            else:
                detail = ""
            allowed = ALLOWED if forwarded else ALLOWED - FORWARDED_ONLY
            if code not in allowed:
                failures.append(f"{path}: {code.name} {detail} for {request!r}"[:500])
    assert not failures, "\n".join(failures[:20])
