"""Rich gRPC errors: the right status code plus google.rpc details, so every client (and the REST
face) can tell the caller which field is wrong and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

M = TypeVar("M", bound=Message)


class RpcError(Exception):
    """An error a handler raises to answer with a status and details; see ``MeshServer``."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        details: Iterable[object] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = list(details)

    def to_status(self) -> grpc.Status:
        packed = []
        for detail in self.details:
            holder = any_pb2.Any()
            holder.Pack(detail)  # type: ignore[arg-type]
            packed.append(holder)
        proto = status_pb2.Status(
            code=getattr(code_pb2, self.code.name), message=self.message, details=packed
        )
        return rpc_status.to_status(proto)


def invalid_argument(message: str, violations: dict[str, str]) -> RpcError:
    """INVALID_ARGUMENT with one BadRequest field violation per offending field."""
    bad = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field=field, description=text)
            for field, text in violations.items()
        ]
    )
    return RpcError(grpc.StatusCode.INVALID_ARGUMENT, message, [bad])


def not_found(kind: str, name: str) -> RpcError:
    """NOT_FOUND naming the resource, e.g. ``plan 7f3… not found``."""
    info = error_details_pb2.ResourceInfo(resource_type=kind, resource_name=name)
    return RpcError(grpc.StatusCode.NOT_FOUND, f"{kind} {name} not found", [info])


def failed_precondition(message: str, subject: str, kind: str) -> RpcError:
    """FAILED_PRECONDITION with a PreconditionFailure detail."""
    failure = error_details_pb2.PreconditionFailure(
        violations=[
            error_details_pb2.PreconditionFailure.Violation(
                type=kind, subject=subject, description=message
            )
        ]
    )
    return RpcError(grpc.StatusCode.FAILED_PRECONDITION, message, [failure])


def _details(error: grpc.aio.AioRpcError, kind: type[M]) -> Iterator[M]:
    """Client side: the details of type ``kind`` an error carries."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    for detail in status.details if status is not None else ():
        if detail.Is(kind.DESCRIPTOR):
            found = kind()
            detail.Unpack(found)
            yield found


def field_violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    """Client side: the BadRequest field violations carried by an error, by field."""
    return {
        violation.field: violation.description
        for bad in _details(error, error_details_pb2.BadRequest)
        for violation in bad.field_violations
    }


def precondition_types(error: grpc.aio.AioRpcError) -> set[str]:
    """Client side: the types of the PreconditionFailure violations carried by an error."""
    return {
        violation.type
        for failure in _details(error, error_details_pb2.PreconditionFailure)
        for violation in failure.violations
    }
