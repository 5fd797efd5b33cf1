"""Rich gRPC errors: the right status code plus google.rpc details, so every client (and the REST
face) can tell the caller which field is wrong and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status


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


def field_violations(error: grpc.aio.AioRpcError) -> dict[str, str]:
    """Client side: the BadRequest field violations carried by an error, by field."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    found: dict[str, str] = {}
    if status is None:
        return found
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            for violation in bad.field_violations:
                found[violation.field] = violation.description
    return found


def precondition_types(error: grpc.aio.AioRpcError) -> set[str]:
    """Client side: the types of the PreconditionFailure violations carried by an error."""
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    found: set[str] = set()
    if status is None:
        return found
    for detail in status.details:
        if detail.Is(error_details_pb2.PreconditionFailure.DESCRIPTOR):
            failure = error_details_pb2.PreconditionFailure()
            detail.Unpack(failure)
            found.update(violation.type for violation in failure.violations)
    return found
