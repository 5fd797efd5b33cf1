"""What the two OS::Cinder::Volume plugins (``volume_backup``, ``volume_snapshot``) share.

The protectable side (Karbor's): instances are the caller's volumes not in error/deleting;
parents are OS::Nova::Server (the volumes attached to it) and OS::Keystone::Project (the
project's volumes not in error/deleting). The volume record each checkpoint saves, waiting on
Cinder with its own messages as the reason, and making the restored volume are here too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

import grpc

from smaug.bank.client import SectionClient
from smaug.bank.errors import ObjectNotFound
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.openstack.cloud import OpenStackPlugin, call
from smaug.plugins.openstack.patience import call_patiently, create_once, patient, wait_for_data
from smaug.plugins.openstack.waiting import wait_for_delete, wait_for_status
from smaug.plugins.sdk import Hook, PluginError, Resource

#: Metadata key of a Cinder backup or snapshot naming the checkpoint it was made for.
CHECKPOINT_KEY = "smaug_checkpoint"

VOLUME = "OS::Cinder::Volume"
SERVER = "OS::Nova::Server"
PROJECT = "OS::Keystone::Project"

# Karbor neither lists these volumes nor makes them a project's dependents.
HIDDEN_STATUSES = frozenset({"error", "deleting", "error_deleting"})
# A volume is protected from one of these; the transitional ones are waited out.
USABLE_STATUSES = ("available", "in-use")
BROKEN_STATUSES = frozenset(
    {
        "error",
        "error_deleting",
        "deleting",
        "error_restoring",
        "error_extending",
        "error_backing-up",
        "error_managing",
        "awaiting-transfer",
    }
)
# Metadata of a restored volume: "<restore operation id>/<original volume id>" (provenance, and
# how a retried or restarted restore finds the volume it already made).
RESTORE_KEY = "smaug_restore"

# The volume record every volume checkpoint keeps (the "volume" key of its metadata object).
VOLUME_RECORD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The protected volume as it was",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "size": {"type": "integer", "description": "GiB"},
        "volume_type": {"type": "string"},
        "availability_zone": {"type": "string"},
        "bootable": {"type": "boolean"},
        "multiattach": {"type": "boolean"},
        "encrypted": {"type": "boolean"},
        "status": {"type": "string", "description": "available or in-use when protected"},
        "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
        "image_metadata": {
            "type": "object",
            "description": "Glance metadata of a volume made from an image (bootable volumes)",
        },
        "attachments": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"server_id": {"type": "string"}, "device": {"type": "string"}},
            },
        },
    },
}


def volume_record(volume: Any) -> dict[str, Any]:
    """What a restore needs to make the volume again (see VOLUME_RECORD_SCHEMA)."""
    return {
        "id": volume.id,
        "name": volume.name or "",
        "description": volume.description or "",
        "size": int(volume.size or 0),
        "volume_type": volume.volume_type or "",
        "availability_zone": volume.availability_zone or "",
        "bootable": bool(volume.is_bootable),
        "multiattach": bool(volume.is_multiattach),
        "encrypted": bool(volume.is_encrypted),
        "status": volume.status or "",
        "metadata": {str(k): str(v) for k, v in (volume.metadata or {}).items()},
        "image_metadata": dict(volume.volume_image_metadata or {}),
        "attachments": [
            {"server_id": a.get("server_id", ""), "device": a.get("device") or ""}
            for a in volume.attachments or []
        ],
    }


def cinder_messages(connection: Any, resource_id: str) -> str:
    """Cinder's own user messages about a resource (newest first), e.g. why a volume went to
    error; empty when it recorded none. Blocking: run it through ``call``."""
    try:
        response = connection.block_storage.get(
            "/messages",
            params={"resource_uuid": resource_id, "sort": "created_at:desc"},
            microversion="3.3",
            raise_exc=False,
        )
        if response.status_code != 200:
            return ""
        messages = response.json().get("messages", [])
    except Exception:  # the reason is a courtesy; never fail because it cannot be read
        return ""
    texts = list(dict.fromkeys(str(m.get("user_message", "")) for m in messages))
    return "; ".join(t for t in texts if t)[:500]


class VolumePlugin(OpenStackPlugin):
    """The protectable side of OS::Cinder::Volume and the helpers both volume plugins use."""

    resource_type = VOLUME
    parent_types = (SERVER, PROJECT)
    # What the protect/restore/... of this plugin is called in reasons ("backup", "snapshot").
    kind: ClassVar[str] = ""

    # -- protectables ----------------------------------------------------------------------------
    @staticmethod
    def _resource(volume: Any) -> Resource:
        return Resource(
            VOLUME,
            volume.id,
            volume.name or volume.id,
            {"availability_zone": volume.availability_zone or ""},
        )

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        connection = self.connection(context)
        volumes = await call_patiently(
            "listing volumes", lambda: list(connection.block_storage.volumes(details=True))
        )
        return [self._resource(v) for v in volumes if v.status not in HIDDEN_STATUSES]

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        connection = self.connection(context)
        volume = await call_patiently(
            f"reading volume {resource_id}", connection.block_storage.get_volume, resource_id
        )
        return self._resource(volume)

    async def dependents(self, parent: Resource, context: plugin_pb2.CallContext) -> list[Resource]:
        connection = self.connection(context)
        if parent.type == PROJECT:
            if parent.id != context.project_id:
                return []
            volumes = await call_patiently(
                "listing volumes", lambda: list(connection.block_storage.volumes(details=True))
            )
            return [self._resource(v) for v in volumes if v.status not in HIDDEN_STATUSES]
        if parent.type == SERVER:
            server = await call_patiently(
                f"reading server {parent.id}", connection.compute.get_server, parent.id
            )
            found = []
            for attached in server.attached_volumes or []:
                volume_id = attached["id"] if isinstance(attached, dict) else attached.id
                try:
                    volume = await call_patiently(
                        f"reading volume {volume_id} attached to server {parent.id}",
                        connection.block_storage.get_volume,
                        volume_id,
                    )
                except PluginError as error:
                    if error.code == grpc.StatusCode.NOT_FOUND:
                        continue  # detached and deleted since Nova listed it
                    raise
                found.append(self._resource(volume))
            return found
        return []

    # -- helpers for the hooks -------------------------------------------------------------------
    def _label(self, volume_id: str, name: str = "") -> str:
        if name and name != volume_id:
            return f"volume {name} ({volume_id})"
        return f"volume {volume_id}"

    def _fault(self, connection: Any) -> Callable[[Any], str]:
        """The reason of a failed wait: Cinder's messages about the resource, or a hint."""

        def reason(resource: Any) -> str:
            detail = getattr(resource, "fail_reason", None) or cinder_messages(
                connection, resource.id
            )
            return detail or "Cinder recorded no message about it"

        return reason

    async def usable_volume(self, hook: Hook, connection: Any) -> Any:
        """The volume to protect once it is available or in-use; a broken volume fails with
        its status and Cinder's own message."""
        volume_id = hook.resource.id
        volume = await call_patiently(
            f"reading volume {volume_id}", connection.block_storage.get_volume, volume_id
        )
        what = self._label(volume_id, volume.name)
        if volume.status in BROKEN_STATUSES:
            detail = await call(
                f"reading Cinder's messages about {what}", cinder_messages, connection, volume_id
            )
            raise PluginError(
                f"{what} is in status {volume.status}"
                + (f": {detail}" if detail else " (Cinder recorded no message about it)")
                + "; only available or in-use volumes can be protected: repair or reset it in "
                "Cinder, or take it out of the plan"
            )
        return await wait_for_status(
            what,
            patient(lambda: connection.block_storage.get_volume(volume_id)),
            USABLE_STATUSES,
            timeout=self.settings.status_timeout_seconds,
            poll=self.settings.poll_seconds,
            hook=hook,
            failed=BROKEN_STATUSES,
            reason=self._fault(connection),
        )

    async def create_volume(
        self, hook: Hook, connection: Any, what: str, attrs: dict[str, Any], record: dict[str, Any]
    ) -> Any:
        """Create a volume (from a backup or a snapshot, per ``attrs``), wait until it is
        available, and give it the original's bootable flag. A volume that fails is deleted and
        the failure carries Cinder's message."""
        marker = f"{hook.operation_id}/{hook.resource.id}"
        attrs = {**attrs, "metadata": {**attrs.get("metadata", {}), RESTORE_KEY: marker}}

        async def made() -> Any:
            volumes = await call_patiently(
                "listing volumes", lambda: list(connection.block_storage.volumes(details=True))
            )
            return next((v for v in volumes if (v.metadata or {}).get(RESTORE_KEY) == marker), None)

        volume = await create_once(
            what, lambda: connection.block_storage.create_volume(**attrs), made
        )
        await hook.progress(0, 0, f"{what}: volume {volume.id} created")
        try:
            volume = await wait_for_data(
                f"restored volume {volume.id}",
                patient(lambda: connection.block_storage.get_volume(volume.id)),
                ("available",),
                poll=self.settings.poll_seconds,
                hook=hook,
                failed=BROKEN_STATUSES,
                reason=self._fault(connection),
            )
            if record.get("bootable") and not volume.is_bootable:
                await call_patiently(
                    f"marking restored volume {volume.id} bootable",
                    connection.block_storage.set_volume_bootable_status,
                    volume,
                    True,
                )
        except BaseException:
            await self.discard_volume(connection, volume.id)
            raise
        return volume

    async def discard_volume(self, connection: Any, volume_id: str) -> None:
        """Best effort: a half-made restored volume must not linger and use quota."""
        try:
            await call_patiently(
                f"deleting failed volume {volume_id}",
                connection.block_storage.delete_volume,
                volume_id,
                force=False,
            )
        except PluginError:
            pass

    async def wait_gone(self, what: str, fetch: Callable[[], Any]) -> None:
        await wait_for_delete(
            what,
            fetch,
            timeout=self.settings.status_timeout_seconds,
            poll=self.settings.poll_seconds,
        )

    async def made_for(
        self,
        hook: Hook,
        what: str,
        listing: Callable[[], list[Any]],
        volume_id: str,
        failed: tuple[str, ...],
    ) -> Any:
        """The backup or snapshot (``what``) of the volume that this checkpoint already made
        and that did not fail: a protect run again after a crash reuses it."""
        found = await call_patiently(f"listing the {what}s of volume {volume_id}", listing)
        for item in found:
            if (
                (item.metadata or {}).get(CHECKPOINT_KEY) == hook.checkpoint.id
                and item.volume_id == volume_id
                and item.status not in failed
            ):
                return item
        return None

    async def remove_quietly(
        self, what: str, delete: Callable[[str], Any], resource_id: str
    ) -> None:
        """Best effort: a failed or unrecorded backup or snapshot must not linger and use
        quota."""
        try:
            await call_patiently(f"deleting {what} {resource_id}", delete, resource_id)
        except PluginError:
            pass

    async def recorded(
        self, what: str, get: Callable[[str], Any], resource_id: str, volume_id: str
    ) -> Any:
        """The backup or snapshot a checkpoint recorded, or an error saying Cinder lost it."""
        try:
            return await call_patiently(f"reading {what} {resource_id}", get, resource_id)
        except PluginError as error:
            raise not_in_cinder(f"{what} {resource_id} of volume {volume_id}", error) from None

    async def saved(self, hook: Hook) -> dict[str, Any]:
        """The checkpoint's ``metadata`` object of this volume."""
        async with SectionClient(hook.bank_section) as bank:
            try:
                saved: dict[str, Any] = json.loads(await bank.get_object("metadata"))
            except ObjectNotFound:
                raise PluginError(
                    f"the checkpoint holds no {self.kind} record of volume {hook.resource.id} "
                    "(its protection did not finish)"
                ) from None
        return saved

    @staticmethod
    def restored_name(hook: Hook, record: dict[str, Any]) -> str:
        """``restore_name``, else Karbor's ``<checkpoint id>@<volume id>`` when the original had no
        name, else the original name."""
        name = hook.parameters.get("restore_name")
        if name:
            return str(name)
        return str(record.get("name") or f"{hook.checkpoint.id}@{hook.resource.id}")

    async def carry_reason(self, hook: Hook) -> None:
        """The reason the main phase left, shown once the resource is done."""
        hook.reason = str(hook.state.get("reason", ""))


def not_in_cinder(what: str, error: PluginError) -> PluginError:
    """A checkpoint's backup or snapshot that Cinder no longer has: say what that means."""
    if error.code == grpc.StatusCode.NOT_FOUND:
        return PluginError(
            f"{what} no longer exists in Cinder (it was deleted outside Smaug); this checkpoint "
            "cannot restore the volume",
            grpc.StatusCode.FAILED_PRECONDITION,
        )
    return error
