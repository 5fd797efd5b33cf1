"""The Karbor v1 face (smaug.compat.karbor.v1.KarborService): a thin translation onto smaug.v1.

The REST gateway (deploy/gateway) serves this service at ``/v1/{project_id}/...`` with Karbor's
JSON; here every call is translated into the native request, handed to the native servicer
in-process with the caller's own call context (so authentication, validation, quotas and
forwarding happen exactly once, in the native code), and the native reply is rendered as
karbor-api renders it. What is Karbor-specific lives here: the ``{project_id}`` check, marker and
limit paging with ``<collection>_links``, Karbor's status strings, string-typed fields and its
error messages and HTTP statuses (carried to the gateway in a google.rpc.ErrorInfo, see
``fault``).
"""

from __future__ import annotations

import ast
import json
import urllib.parse
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import grpc
from google.protobuf import json_format, struct_pb2, timestamp_pb2
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from smaug.api.core import ApiContext
from smaug.compat.karbor.v1 import karbor_pb2 as k
from smaug.compat.karbor.v1 import karbor_pb2_grpc
from smaug.mesh.errors import RpcError
from smaug.mesh.identity import Identity
from smaug.v1 import (
    checkpoints_pb2,
    common_pb2,
    operation_logs_pb2,
    plans_pb2,
    protectables_pb2,
    providers_pb2,
    quotas_pb2,
    resources_pb2,
    restores_pb2,
    scheduled_operations_pb2,
    services_pb2,
    triggers_pb2,
    verifications_pb2,
)

T = TypeVar("T")

ERROR_DOMAIN = "karbor.smaug.dev"
MAX_LIMIT = 1000
NATIVE_PAGE = 1000
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
URL_METADATA = "x-karbor-url"

_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    424: grpc.StatusCode.FAILED_PRECONDITION,
    500: grpc.StatusCode.INTERNAL,
}


def fault(http_status: int, message: str) -> RpcError:
    """An error the gateway renders as Karbor's fault with exactly this HTTP status."""
    info = error_details_pb2.ErrorInfo(
        domain=ERROR_DOMAIN,
        reason=f"KARBOR_{http_status}",
        metadata={"http_status": str(http_status)},
    )
    return RpcError(_CODES.get(http_status, grpc.StatusCode.UNKNOWN), message, [info])


def _details(error: RpcError) -> list[Message]:
    found: list[Message] = []
    for key, value in error.to_status().trailing_metadata:
        if key == "grpc-status-details-bin" and isinstance(value, bytes):
            for packed in status_pb2.Status.FromString(value).details:
                for kind in (
                    error_details_pb2.BadRequest,
                    error_details_pb2.ResourceInfo,
                    error_details_pb2.PreconditionFailure,
                ):
                    if packed.Is(kind.DESCRIPTOR):
                        detail = kind()
                        packed.Unpack(detail)
                        found.append(detail)
    return found


def karbor_error(error: RpcError) -> RpcError:
    """A native error with Karbor's wording (and status, where Karbor differs)."""
    details = _details(error)
    if error.code == grpc.StatusCode.NOT_FOUND:
        for detail in details:
            if isinstance(detail, error_details_pb2.ResourceInfo):
                kind = detail.resource_type.replace("_", " ").capitalize()
                return fault(404, f"{kind} {detail.resource_name} could not be found.")
    if error.code == grpc.StatusCode.FAILED_PRECONDITION:
        for detail in details:
            if isinstance(detail, error_details_pb2.PreconditionFailure) and any(
                v.type == "TRIGGER_IN_USE" for v in detail.violations
            ):
                return fault(424, "Trigger is being used by one or more operations")
    if error.code == grpc.StatusCode.INVALID_ARGUMENT:
        for detail in details:
            if isinstance(detail, error_details_pb2.BadRequest) and detail.field_violations:
                text = "; ".join(f"{v.field}: {v.description}" for v in detail.field_violations)
                return fault(400, f"Invalid input received: {text}")
    return error


# Status strings.

_CHECKPOINT_STATUS = {
    value: name.removeprefix("CHECKPOINT_STATUS_")
    .lower()
    .replace("error_deleting", "error-deleting")
    for name, value in checkpoints_pb2.CheckpointStatus.items()
}
_OPERATION_STATUS = {
    common_pb2.OPERATION_STATUS_IN_PROGRESS: "in_progress",
    common_pb2.OPERATION_STATUS_SUCCEEDED: "success",
    common_pb2.OPERATION_STATUS_FAILED: "fail",
}
# Operation log statuses depend on the operation (Karbor writes what the flow calls them).
_LOG_STATUS = {
    common_pb2.OPERATION_TYPE_PROTECT: ("protecting", "available", "error"),
    common_pb2.OPERATION_TYPE_DELETE: ("deleting", "deleted", "error-deleting"),
    common_pb2.OPERATION_TYPE_COPY: ("copying", "available", "error"),
    common_pb2.OPERATION_TYPE_RESTORE: ("in_progress", "success", "fail"),
    common_pb2.OPERATION_TYPE_VERIFY: ("in_progress", "success", "fail"),
}
_LOG_STATUS_FILTER = {
    name: status
    for names in _LOG_STATUS.values()
    for name, status in zip(
        names,
        (
            common_pb2.OPERATION_STATUS_IN_PROGRESS,
            common_pb2.OPERATION_STATUS_SUCCEEDED,
            common_pb2.OPERATION_STATUS_FAILED,
        ),
        strict=True,
    )
}
_PLAN_STATUS = {
    plans_pb2.PLAN_STATUS_SUSPENDED: "suspended",
    plans_pb2.PLAN_STATUS_STARTED: "started",
}
_SO_TYPES = {
    "protect": scheduled_operations_pb2.SCHEDULED_OPERATION_TYPE_PROTECT,
    "retention_protect": scheduled_operations_pb2.SCHEDULED_OPERATION_TYPE_RETENTION_PROTECT,
}
_SORT_KEYS = {"created_at": "create_time", "id": "id", "name": "name", "status": "status"}
_TRUE = {"true", "yes", "y", "1", "on", "t"}
_FALSE = {"false", "no", "n", "0", "off", "f"}


# Value helpers.


def _null() -> struct_pb2.Value:
    return struct_pb2.Value(null_value=struct_pb2.NULL_VALUE)


def _text_or_null(text: str) -> struct_pb2.Value:
    return struct_pb2.Value(string_value=text) if text else _null()


def _value(data: Any) -> struct_pb2.Value:
    value = struct_pb2.Value()
    json_format.ParseDict(data, value)
    return value


def _struct_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    return _ints(json_format.MessageToDict(message))  # type: ignore[no-any-return]


def _ints(data: Any) -> Any:
    """JSON numbers come back from Struct as floats; Karbor (Python) shows 1, not 1.0."""
    if isinstance(data, float) and data.is_integer():
        return int(data)
    if isinstance(data, dict):
        return {key: _ints(item) for key, item in data.items()}
    if isinstance(data, list):
        return [_ints(item) for item in data]
    return data


def _python_str(value: Any) -> str:
    """What Karbor's string-typed object fields make of a JSON value (str() in Python)."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _stringified(parameters: Any) -> dict[str, struct_pb2.Struct]:
    result = {}
    for key, options in parameters.items():
        struct = struct_pb2.Struct()
        struct.update({name: _python_str(v) for name, v in _struct_dict(options).items()})
        result[key] = struct
    return result


def _time(stamp: timestamp_pb2.Timestamp) -> datetime | None:
    if not stamp.seconds and not stamp.nanos:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def _iso_or_null(stamp: timestamp_pb2.Timestamp) -> struct_pb2.Value:
    moment = _time(stamp)
    if moment is None:
        return _null()
    return struct_pb2.Value(string_value=moment.replace(tzinfo=None).isoformat())


def _parse_time(field: str, text: str) -> timestamp_pb2.Timestamp:
    try:
        moment = datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise fault(
            400,
            f"Invalid input for field/attribute {field}. Value: {text}. "
            f"The time format must be {TIME_FORMAT.replace('%', '')}",
        ) from None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def _quote(text: str) -> str:
    return json.dumps(text)


# Views.


def plan_view(plan: plans_pb2.Plan) -> k.Plan:
    view = k.Plan(
        id=plan.id,
        name=plan.name,
        description=_text_or_null(plan.description),
        provider_id=plan.provider_id,
        status=_PLAN_STATUS.get(plan.status, "suspended"),
    )
    for resource in plan.resources:
        item = view.resources.add(id=resource.id, type=resource.type, name=resource.name)
        if resource.extra_info.fields:
            item.extra_info.struct_value.CopyFrom(resource.extra_info)
    for key, struct in _stringified(plan.parameters).items():
        view.parameters[key].CopyFrom(struct)
    return view


def provider_view(provider: providers_pb2.Provider) -> k.Provider:
    schemas: dict[str, dict[str, Any]] = {
        "options_schema": {},
        "restore_schema": {},
        "saved_info_schema": {},
    }
    for served in provider.resource_types:
        for name, schema in schemas.items():
            schema[served.resource_type] = _struct_dict(getattr(served, name))
    view = k.Provider(id=provider.id, name=provider.name, description=provider.description)
    view.extended_info_schema.update(schemas)
    return view


def _graph_text(graph: resources_pb2.ResourceGraph) -> str:
    """Karbor's serialized graph: [{sid: [type, id, name, extra_info]}, [[parent, [children]]]]
    with serial ids assigned in post-order."""
    nodes: dict[str, list[Any]] = {}
    adjacency: list[list[Any]] = []
    sids: dict[int, str] = {}

    def visit(index: int) -> str:
        if index in sids:
            return sids[index]
        node = graph.nodes[index]
        children = [visit(c) for c in node.child_indexes if 0 <= c < len(graph.nodes)]
        sid = hex(len(nodes))
        sids[index] = sid
        resource = node.resource
        extra = _struct_dict(resource.extra_info) if resource.extra_info.fields else None
        nodes[sid] = [resource.type, resource.id, resource.name, extra]
        if children:
            adjacency.append([sid, children])
        return sid

    for root in graph.root_indexes:
        if 0 <= root < len(graph.nodes):
            visit(root)
    return json.dumps([nodes, adjacency])


def checkpoint_view(
    checkpoint: checkpoints_pb2.Checkpoint, *, created: bool = False
) -> k.Checkpoint:
    plan = checkpoint.protection_plan
    view = k.Checkpoint(
        id=checkpoint.id,
        project_id=checkpoint.project_id,
        status=_CHECKPOINT_STATUS.get(checkpoint.status, "error"),
        extra_info=json.dumps(_struct_dict(checkpoint.extra_info)),
    )
    view.protection_plan.id = plan.id
    view.protection_plan.name = plan.name
    if not created:
        view.protection_plan.provider_id.string_value = plan.provider_id or checkpoint.provider_id
    for resource in plan.resources:
        item = view.protection_plan.resources.add(
            id=resource.id, type=resource.type, name=resource.name
        )
        if resource.extra_info.fields:
            item.extra_info.string_value = json.dumps(_struct_dict(resource.extra_info))
        else:
            item.extra_info.null_value = struct_pb2.NULL_VALUE
    moment = _time(checkpoint.create_time)
    if created or moment is None:
        view.created_at.null_value = struct_pb2.NULL_VALUE
    else:
        view.created_at.string_value = moment.date().isoformat()
    if created or not checkpoint.resource_graph.nodes:
        view.resource_graph.null_value = struct_pb2.NULL_VALUE
    else:
        view.resource_graph.string_value = _graph_text(checkpoint.resource_graph)
    return view


def _extra_or_null(resource: resources_pb2.Resource) -> struct_pb2.Value:
    if resource.extra_info.fields:
        return struct_pb2.Value(struct_value=resource.extra_info)
    return _null()


def instance_view(instance: protectables_pb2.ProtectableInstance) -> k.Instance:
    resource = instance.resource
    view = k.Instance(
        id=resource.id,
        type=resource.type,
        name=resource.name,
        extra_info=_extra_or_null(resource),
    )
    for dependent in instance.dependent_resources:
        view.dependent_resources.add(
            type=dependent.type,
            id=dependent.id,
            name=dependent.name,
            extra_info=_extra_or_null(dependent),
        )
    return view


def _resource_maps(
    states: Sequence[resources_pb2.ResourceState],
) -> tuple[dict[str, str], dict[str, str]]:
    status, reason = {}, {}
    for state in states:
        key = f"{state.resource.type}#{state.new_resource_id or state.resource.id}"
        status[key] = (
            resources_pb2.ResourceStatus.Name(state.status).removeprefix("RESOURCE_STATUS_").lower()
        )
        if state.reason:
            reason[key] = state.reason
    return status, reason


def restore_view(restore: restores_pb2.Restore) -> k.Restore:
    status, reason = _resource_maps(restore.resource_states)
    view = k.Restore(
        id=restore.id,
        project_id=restore.project_id,
        provider_id=restore.provider_id,
        checkpoint_id=restore.checkpoint_id,
        restore_target=_text_or_null(restore.restore_target),
        status=_OPERATION_STATUS.get(restore.status, "in_progress"),
        resources_status=status,
        resources_reason=reason,
    )
    for key, options in restore.parameters.items():
        view.parameters[key].CopyFrom(options)
    return view


def verification_view(verification: verifications_pb2.Verification) -> k.Verification:
    status, reason = _resource_maps(verification.resource_states)
    view = k.Verification(
        id=verification.id,
        project_id=verification.project_id,
        provider_id=verification.provider_id,
        checkpoint_id=verification.checkpoint_id,
        status=_OPERATION_STATUS.get(verification.status, "in_progress"),
        resources_status=status,
        resources_reason=reason,
    )
    for key, options in verification.parameters.items():
        view.parameters[key].CopyFrom(options)
    return view


def _event_properties(rule: triggers_pb2.EventRule) -> dict[str, str]:
    """An EVENT trigger's rule as Karbor-style string properties (Karbor had no such type)."""
    source = rule.WhichOneof("source") or "call"
    properties = {"source": source, "quiet_period": str(rule.quiet_period_seconds)}
    if rule.max_delay_seconds:
        properties["max_delay"] = str(rule.max_delay_seconds)
    if source == "notification":
        properties["event_types"] = ",".join(rule.notification.event_types)
        if rule.notification.project_id:
            properties["project_id"] = rule.notification.project_id
        if rule.notification.resource_types:
            properties["resource_types"] = ",".join(rule.notification.resource_types)
    elif source == "checkpoint_available":
        properties["plan_id"] = rule.checkpoint_available.plan_id
    return properties


def trigger_view(trigger: triggers_pb2.Trigger) -> k.Trigger:
    props = trigger.properties
    if trigger.type == triggers_pb2.TRIGGER_TYPE_EVENT:
        properties = _event_properties(props.event)
    else:
        properties = {
            "format": (
                "crontab" if props.format == triggers_pb2.TRIGGER_FORMAT_CRONTAB else "calendar"
            ),
            "pattern": props.pattern,
        }
    start = _time(props.start_time)
    if start is not None:
        properties["start_time"] = start.strftime(TIME_FORMAT)
    end = _time(props.end_time)
    if end is not None:
        properties["end_time"] = end.strftime(TIME_FORMAT)
    if props.window_seconds:
        properties["window"] = str(props.window_seconds)
    kind = "event" if trigger.type == triggers_pb2.TRIGGER_TYPE_EVENT else "time"
    return k.Trigger(id=trigger.id, name=trigger.name, type=kind, properties=properties)


def scheduled_operation_view(
    op: scheduled_operations_pb2.ScheduledOperation,
) -> k.ScheduledOperation:
    definition = op.operation_definition
    fields = {"provider_id": definition.provider_id, "plan_id": definition.plan_id}
    if definition.max_backups:
        fields["max_backups"] = str(definition.max_backups)
    if definition.retention_duration_days:
        fields["retention_duration"] = str(definition.retention_duration_days)
    if definition.destination_provider_id:
        fields["destination_provider_id"] = definition.destination_provider_id
    kind = {v: n for n, v in _SO_TYPES.items()}.get(op.operation_type, "protect")
    if op.operation_type == scheduled_operations_pb2.SCHEDULED_OPERATION_TYPE_COPY:
        kind = "copy"  # shown, not accepted on create: Karbor had no copy operations
    return k.ScheduledOperation(
        id=op.id,
        name=op.name,
        description=_text_or_null(op.description),
        operation_type=kind,
        trigger_id=op.trigger_id,
        operation_definition=fields,
        enabled=op.enabled if op.HasField("enabled") else True,
    )


def operation_log_view(log: operation_logs_pb2.OperationLog) -> k.OperationLog:
    names = _LOG_STATUS.get(log.operation_type, ("in_progress", "success", "fail"))
    status = {
        common_pb2.OPERATION_STATUS_IN_PROGRESS: names[0],
        common_pb2.OPERATION_STATUS_SUCCEEDED: names[1],
        common_pb2.OPERATION_STATUS_FAILED: names[2],
    }.get(log.status, names[0])
    return k.OperationLog(
        id=log.id,
        operation_type=common_pb2.OperationType.Name(log.operation_type)
        .removeprefix("OPERATION_TYPE_")
        .lower(),
        checkpoint_id=_text_or_null(log.checkpoint_id),
        plan_id=_text_or_null(log.plan_id),
        provider_id=_text_or_null(log.provider_id),
        restore_id=_text_or_null(log.restore_id),
        scheduled_operation_id=_text_or_null(log.scheduled_operation_id),
        status=status,
        started_at=_iso_or_null(log.start_time),
        ended_at=_iso_or_null(log.end_time),
        error_info=_text_or_null(log.error_info),
        extra_info=(
            struct_pb2.Value(struct_value=log.extra_info) if log.extra_info.fields else _null()
        ),
    )


def service_view(service: services_pb2.ServiceInstance) -> k.Service:
    return k.Service(
        id=service.id,
        binary=service.binary,
        host=service.host,
        status=(
            "disabled"
            if service.status == services_pb2.SERVICE_INSTANCE_STATUS_DISABLED
            else "enabled"
        ),
        state="up" if service.state == services_pb2.SERVICE_INSTANCE_STATE_UP else "down",
        updated_at=_iso_or_null(service.heartbeat_time),
        disabled_reason=_text_or_null(service.disabled_reason),
    )


# Requests.


@dataclass
class Listing:
    """A Karbor list request translated: native order, filter and scope, and paging."""

    limit: int
    marker: str
    order_by: str
    all_projects: bool


def _limit(text: str) -> int:
    if not text:
        return MAX_LIMIT
    try:
        limit = int(text)
    except ValueError:
        raise fault(400, "limit param must be an integer") from None
    if limit <= 0:
        raise fault(400, "limit param must be positive")
    return min(limit, MAX_LIMIT)


def _bool(name: str, text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE or not lowered:
        return False
    raise fault(400, f"Invalid value '{text}' for {name}")


def _order(query: k.ListQuery, keys: dict[str, str]) -> str:
    if query.sort and (query.sort_key or query.sort_dir):
        raise fault(
            400,
            "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be "
            "used with the 'sort' parameter.",
        )
    pairs: list[tuple[str, str]] = []
    if query.sort:
        for part in query.sort.split(","):
            key, _, direction = part.strip().partition(":")
            pairs.append((key.strip(), direction.strip() or "desc"))
    elif query.sort_key:
        pairs.append((query.sort_key, query.sort_dir or "desc"))
    elif query.sort_dir:
        pairs.append(("created_at", query.sort_dir))
    order = []
    for key, direction in pairs:
        if direction not in ("asc", "desc"):
            raise fault(400, f"Unknown sort direction, must be 'desc' or 'asc': {direction}")
        if key not in keys:
            raise fault(400, f"Invalid sort key {key}: allowed are {', '.join(sorted(keys))}")
        order.append(keys[key] + (" desc" if direction == "desc" else ""))
    return ", ".join(order)


def _filter(*conditions: str) -> str:
    return " AND ".join(c for c in conditions if c)


def _contains(field: str, value: str) -> str:
    return f"{field} : {_quote(value)}" if value else ""


def _equals(field: str, value: str) -> str:
    return f"{field} = {_quote(value)}" if value else ""


def _parameters(text: str) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    if not text:
        return struct
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        value = None
    if not isinstance(value, dict):
        raise fault(400, "The parameters must be a dict.")
    try:
        struct.update(value)
    except (ValueError, TypeError):
        raise fault(400, "The parameters must be a dict.") from None
    return struct


class KarborFace(karbor_pb2_grpc.KarborServiceServicer):
    """Karbor's v1 API over the native servicers (each passed in, called in-process)."""

    def __init__(self, ctx: ApiContext, native: dict[str, Any]) -> None:
        self.ctx = ctx
        self.plans = native["PlanService"]
        self.providers = native["ProviderService"]
        self.protectables = native["ProtectableService"]
        self.checkpoints = native["CheckpointService"]
        self.restores = native["RestoreService"]
        self.verifications = native["VerificationService"]
        self.triggers = native["TriggerService"]
        self.scheduled_operations = native["ScheduledOperationService"]
        self.operation_logs = native["OperationLogService"]
        self.quotas = native["QuotaService"]
        self.services = native["ServiceRegistryService"]

    # Plumbing.

    async def _caller(self, request: Any, context: Any) -> Identity:
        identity = await self.ctx.identify(context)
        if request.project_id != identity.project_id:
            raise fault(400, "Malformed request url")
        return identity

    @staticmethod
    async def _native(call: Callable[[Any, Any], Awaitable[T]], request: Any, context: Any) -> T:
        try:
            return await call(request, context)
        except RpcError as error:
            raise karbor_error(error) from None

    def _listing(self, identity: Identity, query: k.ListQuery, keys: dict[str, str]) -> Listing:
        all_tenants = _bool("all_tenants", query.all_tenants) if query.all_tenants else False
        return Listing(
            limit=_limit(query.limit),
            marker=query.marker,
            order_by=_order(query, keys),
            all_projects=all_tenants and identity.is_admin,
        )

    async def _collect(
        self,
        fetch: Callable[[str], Awaitable[tuple[Sequence[T], str]]],
        listing: Listing,
        kind: str,
        ident: Callable[[T], str],
    ) -> tuple[list[T], bool]:
        """Karbor paging over native pages: items after ``marker``, at most ``limit``; the
        bool says the page is full (Karbor then adds a next link)."""
        items: list[T] = []
        found = not listing.marker
        token = ""
        while True:
            page, token = await fetch(token)
            for item in page:
                if not found:
                    found = ident(item) == listing.marker
                    continue
                items.append(item)
                if len(items) >= listing.limit:
                    return items, True
            if not token:
                break
        if not found:
            raise fault(404, f"{kind} {listing.marker} could not be found.")
        return items, False

    @staticmethod
    def _links(
        context: Any, collection: str, project_id: str, last_id: str
    ) -> struct_pb2.ListValue:
        url = ""
        for key, value in context.invocation_metadata() or ():
            if key == URL_METADATA:
                url = value if isinstance(value, str) else value.decode()
        parts = urllib.parse.urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
        query = [
            (k_.removeprefix("query."), v)
            for k_, v in urllib.parse.parse_qsl(parts.query)
            if k_.removeprefix("query.") != "marker"
        ]
        query.append(("marker", last_id))
        href = f"{base}/v1/{project_id}/{collection}?{urllib.parse.urlencode(query)}"
        links = struct_pb2.ListValue()
        item = struct_pb2.Struct()
        item.update({"rel": "next", "href": href})
        links.append(item)
        return links

    async def _list(
        self,
        call: Callable[[Any, Any], Awaitable[Any]],
        make: Callable[[str], Any],
        field: str,
        context: Any,
        listing: Listing,
        kind: str,
    ) -> tuple[list[Any], bool]:
        async def fetch(token: str) -> tuple[Sequence[Any], str]:
            reply = await self._native(call, make(token), context)
            return list(getattr(reply, field)), reply.next_page_token

        return await self._collect(fetch, listing, kind, lambda item: item.id)

    # Plans.

    async def ListPlans(self, request: k.ListPlansRequest, context: Any) -> k.ListPlansResponse:
        identity = await self._caller(request, context)
        listing = self._listing(identity, request.query, _SORT_KEYS)
        status = request.status.strip().upper()
        conditions = _filter(
            _contains("name", request.name),
            _contains("description", request.description),
            f"status = {status}" if status in ("SUSPENDED", "STARTED") else "",
        )
        if request.status and status not in ("SUSPENDED", "STARTED"):
            return k.ListPlansResponse()
        plans, full = await self._list(
            self.plans.ListPlans,
            lambda token: plans_pb2.ListPlansRequest(
                page_size=NATIVE_PAGE,
                page_token=token,
                filter=conditions,
                order_by=listing.order_by,
                all_projects=listing.all_projects,
            ),
            "plans",
            context,
            listing,
            "Plan",
        )
        reply = k.ListPlansResponse(plans=[plan_view(p) for p in plans])
        if full:
            reply.plans_links.CopyFrom(
                self._links(context, "plans", request.project_id, plans[-1].id)
            )
        return reply

    @staticmethod
    def _resources(resources: Sequence[k.PlanResource], field: str) -> list[resources_pb2.Resource]:
        result = []
        for resource in resources:
            native = resources_pb2.Resource(type=resource.type, id=resource.id, name=resource.name)
            kind = resource.extra_info.WhichOneof("kind")
            if kind == "struct_value":
                native.extra_info.CopyFrom(resource.extra_info.struct_value)
            elif kind not in (None, "null_value"):
                raise fault(
                    400, f"Invalid input for field/attribute {field}.extra_info: must be an object"
                )
            result.append(native)
        return result

    async def CreatePlan(self, request: k.CreatePlanRequest, context: Any) -> k.CreatePlanResponse:
        await self._caller(request, context)
        body = request.plan
        if not request.HasField("plan"):
            raise fault(400, "Missing required element 'plan' in request body.")
        if not body.resources:
            raise fault(
                400, "Invalid input received: list resources must be provided when creating a plan."
            )
        plan = plans_pb2.Plan(
            name=body.name,
            description=body.description,
            provider_id=body.provider_id,
            resources=self._resources(body.resources, "resources"),
        )
        for key, options in body.parameters.items():
            plan.parameters[key].CopyFrom(options)
        reply = await self._native(
            self.plans.CreatePlan, plans_pb2.CreatePlanRequest(plan=plan), context
        )
        return k.CreatePlanResponse(plan=plan_view(reply.plan))

    async def GetPlan(self, request: k.GetPlanRequest, context: Any) -> k.GetPlanResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.plans.GetPlan, plans_pb2.GetPlanRequest(plan_id=request.plan_id), context
        )
        return k.GetPlanResponse(plan=plan_view(reply.plan))

    async def UpdatePlan(self, request: k.UpdatePlanRequest, context: Any) -> k.UpdatePlanResponse:
        await self._caller(request, context)
        body = request.plan
        plan = plans_pb2.Plan(id=request.plan_id)
        paths = []
        if body.HasField("name"):
            plan.name = body.name
            paths.append("name")
        if body.HasField("description"):
            plan.description = body.description
            paths.append("description")
        if body.HasField("status"):
            statuses = {v: n for n, v in _PLAN_STATUS.items()}
            if body.status not in statuses:
                raise fault(
                    400,
                    f"Invalid input for field/attribute status. Value: "
                    f"{body.status}. Must be one of suspended, started",
                )
            plan.status = statuses[body.status]
            paths.append("status")
        if body.resources:
            plan.resources.extend(self._resources(body.resources, "resources"))
            paths.append("resources")
        if not paths:
            raise fault(400, "Missing updated parameters in request body.")
        native = plans_pb2.UpdatePlanRequest(plan=plan)
        native.update_mask.paths.extend(paths)
        reply = await self._native(self.plans.UpdatePlan, native, context)
        return k.UpdatePlanResponse(plan=plan_view(reply.plan))

    async def DeletePlan(self, request: k.DeletePlanRequest, context: Any) -> k.DeletePlanResponse:
        await self._caller(request, context)
        await self._native(
            self.plans.DeletePlan, plans_pb2.DeletePlanRequest(plan_id=request.plan_id), context
        )
        return k.DeletePlanResponse()

    # Providers.

    async def ListProviders(
        self, request: k.ListProvidersRequest, context: Any
    ) -> k.ListProvidersResponse:
        identity = await self._caller(request, context)
        listing = self._listing(identity, request.query, _SORT_KEYS)
        listing.order_by = ""  # Karbor ignores sorting for providers (ordered by id).
        conditions = _filter(
            _equals("name", request.name), _equals("description", request.description)
        )
        providers, full = await self._list(
            self.providers.ListProviders,
            lambda token: providers_pb2.ListProvidersRequest(
                page_size=NATIVE_PAGE, page_token=token, filter=conditions
            ),
            "providers",
            context,
            listing,
            "Provider",
        )
        reply = k.ListProvidersResponse(providers=[provider_view(p) for p in providers])
        if full:
            reply.providers_links.CopyFrom(
                self._links(context, "providers", request.project_id, providers[-1].id)
            )
        return reply

    async def GetProvider(
        self, request: k.GetProviderRequest, context: Any
    ) -> k.GetProviderResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.providers.GetProvider,
            providers_pb2.GetProviderRequest(provider_id=request.provider_id),
            context,
        )
        return k.GetProviderResponse(provider=provider_view(reply.provider))

    # Checkpoints.

    async def ListCheckpoints(
        self, request: k.ListCheckpointsRequest, context: Any
    ) -> k.ListCheckpointsResponse:
        identity = await self._caller(request, context)
        listing = self._listing(identity, request.query, _SORT_KEYS)
        # Karbor passes only the direction of the first sort key down to the bank.
        first = listing.order_by.split(",")[0]
        listing.order_by = "create_time" if first and not first.endswith(" desc") else ""

        def make(token: str) -> checkpoints_pb2.ListCheckpointsRequest:
            native = checkpoints_pb2.ListCheckpointsRequest(
                provider_id=request.provider_id,
                plan_id=request.plan_id,
                page_size=NATIVE_PAGE,
                page_token=token,
                order_by=listing.order_by,
                all_projects=listing.all_projects,
            )
            if request.start_date:
                native.start_time.CopyFrom(_date(request.start_date, "start_date", False))
                if request.end_date:
                    native.end_time.CopyFrom(_date(request.end_date, "end_date", True))
            return native

        checkpoints, full = await self._list(
            self.checkpoints.ListCheckpoints, make, "checkpoints", context, listing, "Checkpoint"
        )
        reply = k.ListCheckpointsResponse(checkpoints=[checkpoint_view(c) for c in checkpoints])
        if full:
            reply.checkpoints_links.CopyFrom(
                self._links(
                    context,
                    f"providers/{request.provider_id}/checkpoints",
                    request.project_id,
                    checkpoints[-1].id,
                )
            )
        return reply

    async def CreateCheckpoint(
        self, request: k.CreateCheckpointRequest, context: Any
    ) -> k.CreateCheckpointResponse:
        await self._caller(request, context)
        native = checkpoints_pb2.CreateCheckpointRequest(
            provider_id=request.provider_id,
            plan_id=request.checkpoint.plan_id,
            extra_info=request.checkpoint.extra_info,
        )
        reply = await self._native(self.checkpoints.CreateCheckpoint, native, context)
        return k.CreateCheckpointResponse(
            checkpoint=checkpoint_view(reply.checkpoint, created=True)
        )

    async def GetCheckpoint(
        self, request: k.GetCheckpointRequest, context: Any
    ) -> k.GetCheckpointResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.checkpoints.GetCheckpoint,
            checkpoints_pb2.GetCheckpointRequest(
                provider_id=request.provider_id, checkpoint_id=request.checkpoint_id
            ),
            context,
        )
        return k.GetCheckpointResponse(checkpoint=checkpoint_view(reply.checkpoint))

    async def DeleteCheckpoint(
        self, request: k.DeleteCheckpointRequest, context: Any
    ) -> k.DeleteCheckpointResponse:
        await self._caller(request, context)
        await self._native(
            self.checkpoints.DeleteCheckpoint,
            checkpoints_pb2.DeleteCheckpointRequest(
                provider_id=request.provider_id, checkpoint_id=request.checkpoint_id
            ),
            context,
        )
        return k.DeleteCheckpointResponse()

    async def ResetCheckpointState(
        self, request: k.ResetCheckpointStateRequest, context: Any
    ) -> k.ResetCheckpointStateResponse:
        await self._caller(request, context)
        states = {
            "available": checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE,
            "error": checkpoints_pb2.CHECKPOINT_STATUS_ERROR,
        }
        state = request.os_reset_state.state
        if state not in states:
            raise fault(
                400,
                f"Invalid input for field/attribute state. Value: {state}. "
                f"'{state}' is not one of ['available', 'error']",
            )
        await self._native(
            self.checkpoints.ResetCheckpointState,
            checkpoints_pb2.ResetCheckpointStateRequest(
                provider_id=request.provider_id,
                checkpoint_id=request.checkpoint_id,
                status=states[state],
            ),
            context,
        )
        return k.ResetCheckpointStateResponse()

    async def CopyCheckpoints(
        self, request: k.CopyCheckpointsRequest, context: Any
    ) -> k.CopyCheckpointsResponse:
        await self._caller(request, context)
        native = checkpoints_pb2.CopyCheckpointsRequest(
            provider_id=request.provider_id, plan_id=request.copy.plan_id
        )
        for key, options in request.copy.parameters.items():
            native.parameters[key].CopyFrom(options)
        reply = await self._native(self.checkpoints.CopyCheckpoints, native, context)
        copy = k.Copy(
            project_id=reply.project_id,
            provider_id=reply.provider_id,
            plan_id=reply.plan_id,
            checkpoint_id=[
                k.CopyPair(
                    checkpoint_protect_id=pair.source_checkpoint_id,
                    checkpoint_copy_id=pair.copy_checkpoint_id,
                )
                for pair in reply.copies
            ],
        )
        for key, options in reply.parameters.items():
            copy.parameters[key].CopyFrom(options)
        return k.CopyCheckpointsResponse(copy=copy)

    # Protectables.

    async def _protectable(self, call: Any, native: Any, context: Any) -> Any:
        try:
            return await call(native, context)
        except RpcError as error:
            if error.code == grpc.StatusCode.NOT_FOUND and not any(
                isinstance(d, error_details_pb2.ResourceInfo)
                and d.resource_type not in ("protectable type", "protectable_type")
                for d in _details(error)
            ):
                if "type" in error.message.lower() and "instance" not in error.message.lower():
                    raise fault(400, "Invalid protectable type provided.") from None
            raise karbor_error(error) from None

    async def ListProtectableTypes(
        self, request: k.ListProtectableTypesRequest, context: Any
    ) -> k.ListProtectableTypesResponse:
        await self._caller(request, context)
        names: list[str] = []
        token = ""
        while True:
            reply = await self._native(
                self.protectables.ListProtectableTypes,
                protectables_pb2.ListProtectableTypesRequest(
                    page_size=NATIVE_PAGE, page_token=token
                ),
                context,
            )
            names.extend(t.name for t in reply.protectable_types)
            token = reply.next_page_token
            if not token:
                return k.ListProtectableTypesResponse(protectable_type=names)

    async def GetProtectableType(
        self, request: k.GetProtectableTypeRequest, context: Any
    ) -> k.GetProtectableTypeResponse:
        await self._caller(request, context)
        reply = await self._protectable(
            self.protectables.GetProtectableType,
            protectables_pb2.GetProtectableTypeRequest(protectable_type=request.protectable_type),
            context,
        )
        found = reply.protectable_type
        return k.GetProtectableTypeResponse(
            protectable_type=k.ProtectableType(
                name=found.name, dependent_types=list(found.dependent_types)
            )
        )

    async def ListProtectableInstances(
        self, request: k.ListProtectableInstancesRequest, context: Any
    ) -> k.ListProtectableInstancesResponse:
        identity = await self._caller(request, context)
        listing = self._listing(identity, request.query, _SORT_KEYS)
        parameters = _parameters(request.parameters)
        instances: list[protectables_pb2.ProtectableInstance] = []
        token = ""
        while True:
            native = protectables_pb2.ListProtectableInstancesRequest(
                protectable_type=request.protectable_type,
                parameters=parameters,
                include_dependents=True,
                page_size=NATIVE_PAGE,
                page_token=token,
            )
            reply = await self._protectable(
                self.protectables.ListProtectableInstances, native, context
            )
            instances.extend(reply.instances)
            token = reply.next_page_token
            if not token:
                break
        # Karbor returns every instance (marker, limit and sort are ignored); a full page only
        # adds the next link.
        view = k.ListProtectableInstancesResponse(instances=[instance_view(i) for i in instances])
        if instances and len(instances) >= listing.limit:
            view.instances_links.CopyFrom(
                self._links(
                    context,
                    f"protectables/{request.protectable_type}/instances",
                    request.project_id,
                    instances[-1].resource.id,
                )
            )
        return view

    async def GetProtectableInstance(
        self, request: k.GetProtectableInstanceRequest, context: Any
    ) -> k.GetProtectableInstanceResponse:
        await self._caller(request, context)
        reply = await self._protectable(
            self.protectables.GetProtectableInstance,
            protectables_pb2.GetProtectableInstanceRequest(
                protectable_type=request.protectable_type,
                instance_id=request.resource_id,
                parameters=_parameters(request.parameters),
            ),
            context,
        )
        return k.GetProtectableInstanceResponse(instance=instance_view(reply.instance))

    # Restores and verifications.

    def _status_filter(self, status: str) -> tuple[str, bool]:
        """(native filter, possible): Karbor status strings onto OperationStatus."""
        if not status:
            return "", True
        reverse = {text: value for value, text in _OPERATION_STATUS.items()}
        if status not in reverse:
            return "", False
        return f"status = {common_pb2.OperationStatus.Name(reverse[status])}", True

    async def ListRestores(
        self, request: k.ListRestoresRequest, context: Any
    ) -> k.ListRestoresResponse:
        identity = await self._caller(request, context)
        listing = self._listing(identity, request.query, _SORT_KEYS)
        listing.order_by = listing.order_by.replace("status", "create_time")
        conditions, possible = self._status_filter(request.status)
        if not possible:
            return k.ListRestoresResponse()
        restores, full = await self._list(
            self.restores.ListRestores,
            lambda token: restores_pb2.ListRestoresRequest(
                page_size=NATIVE_PAGE,
                page_token=token,
                filter=conditions,
                order_by=listing.order_by,
                all_projects=listing.all_projects,
            ),
            "restores",
            context,
            listing,
            "Restore",
        )
        reply = k.ListRestoresResponse(restores=[restore_view(r) for r in restores])
        if full:
            reply.restores_links.CopyFrom(
                self._links(context, "restores", request.project_id, restores[-1].id)
            )
        return reply

    async def CreateRestore(
        self, request: k.CreateRestoreRequest, context: Any
    ) -> k.CreateRestoreResponse:
        await self._caller(request, context)
        body = request.restore
        restore = restores_pb2.Restore(
            provider_id=body.provider_id,
            checkpoint_id=body.checkpoint_id,
            restore_target=body.restore_target,
        )
        if body.HasField("restore_auth"):
            restore.restore_auth.CopyFrom(
                restores_pb2.RestoreAuth(
                    type=body.restore_auth.type,
                    username=body.restore_auth.username,
                    password=body.restore_auth.password,
                )
            )
        for key, options in body.parameters.items():
            restore.parameters[key].CopyFrom(options)
        reply = await self._native(
            self.restores.CreateRestore, restores_pb2.CreateRestoreRequest(restore=restore), context
        )
        return k.CreateRestoreResponse(restore=restore_view(reply.restore))

    async def GetRestore(self, request: k.GetRestoreRequest, context: Any) -> k.GetRestoreResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.restores.GetRestore,
            restores_pb2.GetRestoreRequest(restore_id=request.restore_id),
            context,
        )
        return k.GetRestoreResponse(restore=restore_view(reply.restore))

    async def ListVerifications(
        self, request: k.ListVerificationsRequest, context: Any
    ) -> k.ListVerificationsResponse:
        identity = await self._caller(request, context)
        listing = self._listing(identity, request.query, _SORT_KEYS)
        listing.order_by = listing.order_by.replace("status", "create_time")
        conditions, possible = self._status_filter(request.status)
        if not possible:
            return k.ListVerificationsResponse()
        verifications, full = await self._list(
            self.verifications.ListVerifications,
            lambda token: verifications_pb2.ListVerificationsRequest(
                page_size=NATIVE_PAGE,
                page_token=token,
                filter=conditions,
                order_by=listing.order_by,
                all_projects=listing.all_projects,
            ),
            "verifications",
            context,
            listing,
            "Verification",
        )
        reply = k.ListVerificationsResponse(
            verifications=[verification_view(v) for v in verifications]
        )
        if full:
            reply.verifications_links.CopyFrom(
                self._links(context, "verifications", request.project_id, verifications[-1].id)
            )
        return reply

    async def CreateVerification(
        self, request: k.CreateVerificationRequest, context: Any
    ) -> k.CreateVerificationResponse:
        await self._caller(request, context)
        body = request.verification
        verification = verifications_pb2.Verification(
            provider_id=body.provider_id, checkpoint_id=body.checkpoint_id
        )
        for key, options in body.parameters.items():
            verification.parameters[key].CopyFrom(options)
        reply = await self._native(
            self.verifications.CreateVerification,
            verifications_pb2.CreateVerificationRequest(verification=verification),
            context,
        )
        return k.CreateVerificationResponse(verification=verification_view(reply.verification))

    async def GetVerification(
        self, request: k.GetVerificationRequest, context: Any
    ) -> k.GetVerificationResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.verifications.GetVerification,
            verifications_pb2.GetVerificationRequest(verification_id=request.verification_id),
            context,
        )
        return k.GetVerificationResponse(verification=verification_view(reply.verification))

    # Triggers.

    @staticmethod
    def _trigger_properties(
        props: k.TriggerProperties, target: triggers_pb2.TriggerProperties
    ) -> None:
        target.format = (
            triggers_pb2.TRIGGER_FORMAT_CRONTAB
            if props.format == "crontab"
            else triggers_pb2.TRIGGER_FORMAT_CALENDAR
        )
        target.pattern = props.pattern
        if props.HasField("start_time"):
            target.start_time.CopyFrom(_parse_time("start_time", props.start_time))
        if props.HasField("end_time"):
            target.end_time.CopyFrom(_parse_time("end_time", props.end_time))
        if props.HasField("window"):
            target.window_seconds = props.window

    async def ListTriggers(
        self, request: k.ListTriggersRequest, context: Any
    ) -> k.ListTriggersResponse:
        identity = await self._caller(request, context)
        listing = self._listing(identity, request.query, _SORT_KEYS)
        listing.order_by = listing.order_by.replace("status", "create_time")
        kinds = {"time": "TRIGGER_TYPE_TIME", "event": "TRIGGER_TYPE_EVENT"}
        if request.type and request.type not in kinds:
            return k.ListTriggersResponse()
        kind = f"type = {kinds[request.type]}" if request.type else ""
        conditions = _filter(_contains("name", request.name), kind)
        triggers, full = await self._list(
            self.triggers.ListTriggers,
            lambda token: triggers_pb2.ListTriggersRequest(
                page_size=NATIVE_PAGE,
                page_token=token,
                filter=conditions,
                order_by=listing.order_by,
                all_projects=listing.all_projects,
            ),
            "triggers",
            context,
            listing,
            "Trigger",
        )
        reply = k.ListTriggersResponse(triggers=[trigger_view(t) for t in triggers])
        if full:
            reply.triggers_links.CopyFrom(
                self._links(context, "triggers", request.project_id, triggers[-1].id)
            )
        return reply

    async def CreateTrigger(
        self, request: k.CreateTriggerRequest, context: Any
    ) -> k.CreateTriggerResponse:
        await self._caller(request, context)
        body = request.trigger_info
        if not body.name or not body.type or not body.HasField("properties"):
            raise fault(
                400, "Invalid input received: trigger name, type and properties are required."
            )
        if body.type != "time":
            raise fault(400, f"Invalid input received: Invalid trigger type:{body.type}")
        props = body.properties
        if not props.HasField("format") or not props.HasField("pattern"):
            raise fault(
                400, "Invalid input received: trigger properties format and pattern are required."
            )
        trigger = triggers_pb2.Trigger(name=body.name, type=triggers_pb2.TRIGGER_TYPE_TIME)
        self._trigger_properties(props, trigger.properties)
        reply = await self._native(
            self.triggers.CreateTrigger, triggers_pb2.CreateTriggerRequest(trigger=trigger), context
        )
        return k.CreateTriggerResponse(trigger_info=trigger_view(reply.trigger))

    async def GetTrigger(self, request: k.GetTriggerRequest, context: Any) -> k.GetTriggerResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.triggers.GetTrigger,
            triggers_pb2.GetTriggerRequest(trigger_id=request.trigger_id),
            context,
        )
        return k.GetTriggerResponse(trigger_info=trigger_view(reply.trigger))

    async def UpdateTrigger(
        self, request: k.UpdateTriggerRequest, context: Any
    ) -> k.UpdateTriggerResponse:
        await self._caller(request, context)
        body = request.trigger_info
        trigger = triggers_pb2.Trigger(id=request.trigger_id)
        paths = []
        if body.HasField("name"):
            trigger.name = body.name.strip()
            paths.append("name")
        props = body.properties
        if body.HasField("properties") and props.ListFields():
            if not props.HasField("start_time"):
                raise fault(400, "Invalid input received: start_time should be supplied")
            current = await self._native(
                self.triggers.GetTrigger,
                triggers_pb2.GetTriggerRequest(trigger_id=request.trigger_id),
                context,
            )
            if current.trigger.type == triggers_pb2.TRIGGER_TYPE_EVENT:
                raise fault(
                    400,
                    "Invalid input received: an event trigger's properties cannot be changed "
                    "through the Karbor API; use PATCH /v1/triggers/{id} of the native API",
                )
            if not props.HasField("format"):
                props.format = trigger_view(current.trigger).properties["format"]
            self._trigger_properties(props, trigger.properties)
            paths.append("properties")
        if not paths:
            reply = await self._native(
                self.triggers.GetTrigger,
                triggers_pb2.GetTriggerRequest(trigger_id=request.trigger_id),
                context,
            )
            return k.UpdateTriggerResponse(trigger_info=trigger_view(reply.trigger))
        native = triggers_pb2.UpdateTriggerRequest(trigger=trigger)
        native.update_mask.paths.extend(paths)
        updated = await self._native(self.triggers.UpdateTrigger, native, context)
        return k.UpdateTriggerResponse(trigger_info=trigger_view(updated.trigger))

    async def DeleteTrigger(
        self, request: k.DeleteTriggerRequest, context: Any
    ) -> k.DeleteTriggerResponse:
        await self._caller(request, context)
        await self._native(
            self.triggers.DeleteTrigger,
            triggers_pb2.DeleteTriggerRequest(trigger_id=request.trigger_id),
            context,
        )
        return k.DeleteTriggerResponse()

    # Scheduled operations.

    async def ListScheduledOperations(
        self, request: k.ListScheduledOperationsRequest, context: Any
    ) -> k.ListScheduledOperationsResponse:
        identity = await self._caller(request, context)
        listing = self._listing(identity, request.query, _SORT_KEYS)
        listing.order_by = listing.order_by.replace("status", "create_time")
        kind = ""
        if request.operation_type:
            if request.operation_type not in _SO_TYPES:
                return k.ListScheduledOperationsResponse()
            kind = "operation_type = " + scheduled_operations_pb2.ScheduledOperationType.Name(
                _SO_TYPES[request.operation_type]
            )
        conditions = _filter(
            _contains("name", request.name), kind, _equals("trigger_id", request.trigger_id)
        )
        operations, full = await self._list(
            self.scheduled_operations.ListScheduledOperations,
            lambda token: scheduled_operations_pb2.ListScheduledOperationsRequest(
                page_size=NATIVE_PAGE,
                page_token=token,
                filter=conditions,
                order_by=listing.order_by,
                all_projects=listing.all_projects,
            ),
            "scheduled_operations",
            context,
            listing,
            "Scheduled operation",
        )
        reply = k.ListScheduledOperationsResponse(
            operations=[scheduled_operation_view(o) for o in operations]
        )
        if full:
            reply.operations_links.CopyFrom(
                self._links(context, "scheduled_operations", request.project_id, operations[-1].id)
            )
        return reply

    async def CreateScheduledOperation(
        self, request: k.CreateScheduledOperationRequest, context: Any
    ) -> k.CreateScheduledOperationResponse:
        await self._caller(request, context)
        body = request.scheduled_operation
        if not body.name or not body.operation_type or not body.HasField("operation_definition"):
            raise fault(
                400, "Invalid input received: Operation name or type or definition is not provided."
            )
        if body.operation_type not in _SO_TYPES:
            raise fault(
                400, f"Invalid input received: Invalid operation type:{body.operation_type}"
            )
        definition = _struct_dict(body.operation_definition)
        native_definition = scheduled_operations_pb2.ScheduledOperationDefinition(
            provider_id=str(definition.get("provider_id", "")),
            plan_id=str(definition.get("plan_id", "")),
        )
        for key, field in (
            ("max_backups", "max_backups"),
            ("retention_duration", "retention_duration_days"),
        ):
            if key in definition:
                try:
                    setattr(native_definition, field, int(definition[key]))
                except (TypeError, ValueError):
                    raise fault(400, f"Invalid input received: {key} must be an integer") from None
        op = scheduled_operations_pb2.ScheduledOperation(
            name=body.name,
            description=body.description,
            operation_type=_SO_TYPES[body.operation_type],
            trigger_id=body.trigger_id,
            operation_definition=native_definition,
        )
        reply = await self._native(
            self.scheduled_operations.CreateScheduledOperation,
            scheduled_operations_pb2.CreateScheduledOperationRequest(scheduled_operation=op),
            context,
        )
        return k.CreateScheduledOperationResponse(
            scheduled_operation=scheduled_operation_view(reply.scheduled_operation)
        )

    async def GetScheduledOperation(
        self, request: k.GetScheduledOperationRequest, context: Any
    ) -> k.GetScheduledOperationResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.scheduled_operations.GetScheduledOperation,
            scheduled_operations_pb2.GetScheduledOperationRequest(
                scheduled_operation_id=request.scheduled_operation_id
            ),
            context,
        )
        return k.GetScheduledOperationResponse(
            scheduled_operation=scheduled_operation_view(reply.scheduled_operation)
        )

    async def DeleteScheduledOperation(
        self, request: k.DeleteScheduledOperationRequest, context: Any
    ) -> k.DeleteScheduledOperationResponse:
        await self._caller(request, context)
        await self._native(
            self.scheduled_operations.DeleteScheduledOperation,
            scheduled_operations_pb2.DeleteScheduledOperationRequest(
                scheduled_operation_id=request.scheduled_operation_id
            ),
            context,
        )
        return k.DeleteScheduledOperationResponse()

    # Operation logs.

    async def ListOperationLogs(
        self, request: k.ListOperationLogsRequest, context: Any
    ) -> k.ListOperationLogsResponse:
        identity = await self._caller(request, context)
        listing = self._listing(identity, request.query, {**_SORT_KEYS, "created_at": "start_time"})
        status = ""
        if request.status:
            if request.status not in _LOG_STATUS_FILTER:
                return k.ListOperationLogsResponse()
            status = "status = " + common_pb2.OperationStatus.Name(
                _LOG_STATUS_FILTER[request.status]
            )
        conditions = _filter(
            _equals("checkpoint_id", request.checkpoint_id),
            _equals("plan_id", request.plan_id),
            _equals("restore_id", request.restore_id),
            status,
        )
        logs, full = await self._list(
            self.operation_logs.ListOperationLogs,
            lambda token: operation_logs_pb2.ListOperationLogsRequest(
                page_size=NATIVE_PAGE,
                page_token=token,
                filter=conditions,
                order_by=listing.order_by.replace("name", "start_time"),
                all_projects=listing.all_projects,
            ),
            "operation_logs",
            context,
            listing,
            "Operation log",
        )
        reply = k.ListOperationLogsResponse(operation_logs=[operation_log_view(x) for x in logs])
        if full:
            reply.operation_logs_links.CopyFrom(
                self._links(context, "operation_logs", request.project_id, logs[-1].id)
            )
        return reply

    async def GetOperationLog(
        self, request: k.GetOperationLogRequest, context: Any
    ) -> k.GetOperationLogResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.operation_logs.GetOperationLog,
            operation_logs_pb2.GetOperationLogRequest(operation_log_id=request.operation_log_id),
            context,
        )
        return k.GetOperationLogResponse(operation_log=operation_log_view(reply.operation_log))

    # Services.

    async def ListServices(
        self, request: k.ListServicesRequest, context: Any
    ) -> k.ListServicesResponse:
        await self._caller(request, context)
        conditions = _filter(_equals("host", request.host), _equals("binary", request.binary))
        services: list[services_pb2.ServiceInstance] = []
        token = ""
        while True:
            reply = await self._native(
                self.services.ListServiceInstances,
                services_pb2.ListServiceInstancesRequest(
                    page_size=NATIVE_PAGE, page_token=token, filter=conditions
                ),
                context,
            )
            services.extend(reply.service_instances)
            token = reply.next_page_token
            if not token:
                return k.ListServicesResponse(services=[service_view(s) for s in services])

    async def UpdateService(
        self, request: k.UpdateServiceRequest, context: Any
    ) -> k.UpdateServiceResponse:
        await self._caller(request, context)
        statuses = {
            "enabled": services_pb2.SERVICE_INSTANCE_STATUS_ENABLED,
            "disabled": services_pb2.SERVICE_INSTANCE_STATUS_DISABLED,
        }
        if request.status not in statuses:
            raise fault(400, f"Invalid input for field/attribute status. Value: {request.status}.")
        if request.status == "enabled" and request.HasField("disabled_reason"):
            raise fault(
                400,
                "Invalid input received: disabled_reason is only allowed when disabling a service.",
            )
        try:
            service_id = int(request.service_id)
        except ValueError:
            raise fault(404, f"Service {request.service_id} could not be found.") from None
        native = services_pb2.UpdateServiceInstanceRequest(
            service_instance=services_pb2.ServiceInstance(
                id=service_id,
                status=statuses[request.status],
                disabled_reason=request.disabled_reason,
            )
        )
        native.update_mask.paths.extend(["status", "disabled_reason"])
        reply = await self._native(self.services.UpdateServiceInstance, native, context)
        return k.UpdateServiceResponse(service=service_view(reply.service_instance))

    # Quotas.

    @staticmethod
    def _quota(quota: Any, ident: str | None) -> k.Quota:
        view = k.Quota(plans=quota.plans, checkpoints=quota.checkpoints)
        if ident is not None:
            view.id.string_value = ident
        return view

    async def GetQuota(self, request: k.GetQuotaRequest, context: Any) -> k.GetQuotaResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.quotas.GetQuota,
            quotas_pb2.GetQuotaRequest(project_id=request.target_project_id),
            context,
        )
        return k.GetQuotaResponse(quota=self._quota(reply.quota, request.target_project_id))

    async def GetQuotaDetail(
        self, request: k.GetQuotaDetailRequest, context: Any
    ) -> k.GetQuotaDetailResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.quotas.GetQuotaUsage,
            quotas_pb2.GetQuotaUsageRequest(project_id=request.target_project_id),
            context,
        )
        usage = reply.quota_usage

        def item(value: quotas_pb2.QuotaResourceUsage) -> k.QuotaDetailItem:
            return k.QuotaDetailItem(
                limit=value.limit, in_use=value.in_use, reserved=value.reserved
            )

        return k.GetQuotaDetailResponse(
            quota=k.QuotaDetail(
                plans=item(usage.plans),
                checkpoints=item(usage.checkpoints),
                id=request.target_project_id,
            )
        )

    async def GetQuotaDefaults(
        self, request: k.GetQuotaDefaultsRequest, context: Any
    ) -> k.GetQuotaDefaultsResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.quotas.GetDefaultQuota, quotas_pb2.GetDefaultQuotaRequest(), context
        )
        return k.GetQuotaDefaultsResponse(quota=self._quota(reply.quota, request.target_project_id))

    @staticmethod
    def _limits(body: k.QuotaInput, target: Any, mask: Any) -> None:
        for name in ("plans", "checkpoints"):
            if body.HasField(name):
                setattr(target, name, getattr(body, name))
                mask.paths.append(name)

    async def UpdateQuota(
        self, request: k.UpdateQuotaRequest, context: Any
    ) -> k.UpdateQuotaResponse:
        await self._caller(request, context)
        native = quotas_pb2.UpdateQuotaRequest(
            quota=quotas_pb2.Quota(project_id=request.target_project_id)
        )
        self._limits(request.quota, native.quota, native.update_mask)
        if not native.update_mask.paths:
            reply: Any = await self._native(
                self.quotas.GetQuota,
                quotas_pb2.GetQuotaRequest(project_id=request.target_project_id),
                context,
            )
        else:
            reply = await self._native(self.quotas.UpdateQuota, native, context)
        return k.UpdateQuotaResponse(quota=self._quota(reply.quota, None))

    async def DeleteQuota(
        self, request: k.DeleteQuotaRequest, context: Any
    ) -> k.DeleteQuotaResponse:
        await self._caller(request, context)
        await self._native(
            self.quotas.DeleteQuota,
            quotas_pb2.DeleteQuotaRequest(project_id=request.target_project_id),
            context,
        )
        return k.DeleteQuotaResponse()

    async def GetQuotaClass(
        self, request: k.GetQuotaClassRequest, context: Any
    ) -> k.GetQuotaClassResponse:
        await self._caller(request, context)
        reply = await self._native(
            self.quotas.GetQuotaClass,
            quotas_pb2.GetQuotaClassRequest(quota_class_name=request.class_name),
            context,
        )
        return k.GetQuotaClassResponse(
            quota_class=self._quota(reply.quota_class, request.class_name)
        )

    async def UpdateQuotaClass(
        self, request: k.UpdateQuotaClassRequest, context: Any
    ) -> k.UpdateQuotaClassResponse:
        await self._caller(request, context)
        native = quotas_pb2.UpdateQuotaClassRequest(
            quota_class=quotas_pb2.QuotaClass(name=request.class_name)
        )
        self._limits(request.quota_class, native.quota_class, native.update_mask)
        if not native.update_mask.paths:
            raise fault(400, "Missing updated parameters in request body.")
        reply = await self._native(self.quotas.UpdateQuotaClass, native, context)
        return k.UpdateQuotaClassResponse(quota_class=self._quota(reply.quota_class, None))


def _date(text: str, field: str, end: bool) -> timestamp_pb2.Timestamp:
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise fault(400, f"Invalid input received: {field} must be YYYY-MM-DD") from None
    if end:
        day = day.replace(hour=23, minute=59, second=59, microsecond=999999)
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(day)
    return stamp
