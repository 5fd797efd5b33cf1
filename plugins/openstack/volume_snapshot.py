"""OS::Cinder::Volume protected by a Cinder snapshot (Karbor's karbor-volume-snapshot-plugin).

Protect (main phase) waits until the volume is available or in-use and takes a snapshot
(``snapshot_name``, ``description``; an attached volume needs ``force``, and the snapshot is
then crash-consistent), tagged in Cinder with metadata ``smaug_checkpoint``. The snapshot lives
on the volume's own backend: it is quick, but it is not a copy elsewhere, and Cinder will not
delete the volume while the snapshot exists (delete the checkpoint first, or use the
``volume_backup`` plugin for copies that outlive the volume).

Restore (main phase) makes a NEW volume from the snapshot (``restore_name``,
``restore_description``; same type and zone as the snapshot, as Cinder requires) with the
original's metadata and bootable flag, and sets ``hook.new_resource_id``: the protection
service records it under ``OS::Cinder::Volume#<original id>`` for the server plugin's
restore_complete. Verify checks that the snapshot exists, is available and is this volume's.
Delete removes the snapshot. Copy is not offered: the data lives in Cinder, not in the bank.

Bank section, object ``metadata`` (JSON, ``saved_info_schema``):
    ``volume_id``, ``snapshot_id``, ``snapshot_name``, ``size`` (GiB), ``created_at``, and
    ``volume``: the volume record of ``volumes.VOLUME_RECORD_SCHEMA``.

Run by the protection service: ``python -m smaug.plugins.openstack.volume_snapshot``.
"""

from __future__ import annotations

import json
from typing import Any

import grpc

from smaug.bank.client import SectionClient
from smaug.plugins.openstack.patience import call_patiently, create_once, patient, wait_for_data
from smaug.plugins.openstack.volumes import (
    CHECKPOINT_KEY,
    VOLUME_RECORD_SCHEMA,
    VolumePlugin,
    volume_record,
)
from smaug.plugins.sdk import Hook, PluginError, PluginServer

SNAPSHOT_FAILED = ("error", "error_deleting", "deleting", "deleted")


class VolumeSnapshot(VolumePlugin):
    kind = "snapshot"
    options_schema = {
        "type": "object",
        "title": "Cinder snapshot options",
        "properties": {
            "snapshot_name": {
                "type": "string",
                "maxLength": 255,
                "description": "Name of the Cinder snapshot (default smaug-<checkpoint id>)",
            },
            "description": {
                "type": "string",
                "maxLength": 255,
                "description": "Description of the Cinder snapshot",
            },
            "force": {
                "type": "boolean",
                "default": False,
                "description": "Snapshot an attached (in-use) volume; the copy is crash-consistent",
            },
        },
        "additionalProperties": False,
    }
    restore_schema = {
        "type": "object",
        "title": "Cinder snapshot restore",
        "properties": {
            "restore_name": {
                "type": "string",
                "maxLength": 255,
                "description": "Name of the new volume (default: the original's name)",
            },
            "restore_description": {
                "type": "string",
                "maxLength": 255,
                "description": "Description of the new volume (default: the original's)",
            },
        },
        "additionalProperties": False,
    }
    verify_schema = {
        "type": "object",
        "title": "Cinder snapshot verify",
        "description": "Checks that the snapshot exists in Cinder, is available and is this "
        "volume's; no parameters",
        "properties": {},
        "additionalProperties": False,
    }
    saved_info_schema = {
        "type": "object",
        "title": "Cinder snapshot saved info (object 'metadata' of the section)",
        "properties": {
            "volume_id": {"type": "string"},
            "snapshot_id": {"type": "string"},
            "snapshot_name": {"type": "string"},
            "size": {"type": "integer", "description": "GiB"},
            "created_at": {"type": "string"},
            "volume": VOLUME_RECORD_SCHEMA,
        },
        "required": ["volume_id", "snapshot_id", "volume"],
    }

    # -- protect ---------------------------------------------------------------------------------
    async def protect_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        volume = await self.usable_volume(hook, connection)
        options = hook.parameters
        force = bool(options.get("force", False))
        if volume.status == "in-use" and not force:
            raise PluginError(
                f"{self._label(volume.id, volume.name)} is attached (in-use), and Cinder "
                "snapshots an attached volume only with force: set OS::Cinder::Volume.force=true "
                "in the plan (the copy is crash-consistent), or detach the volume"
            )
        snapshot = await self._made_before(hook, connection, volume.id)
        adopted = snapshot is not None
        if snapshot is None:
            snapshot = await create_once(
                f"snapshotting volume {volume.id}",
                lambda: connection.block_storage.create_snapshot(
                    volume_id=volume.id,
                    name=str(options.get("snapshot_name") or f"smaug-{hook.checkpoint.id}"),
                    description=str(
                        options.get("description")
                        or f"Smaug checkpoint {hook.checkpoint.id} of volume {volume.id}"
                    ),
                    force=force,
                    metadata={CHECKPOINT_KEY: hook.checkpoint.id},
                ),
                lambda: self._made_before(hook, connection, volume.id),
            )
        try:
            snapshot = await wait_for_data(
                f"snapshot {snapshot.id} of volume {volume.id}",
                patient(lambda: connection.block_storage.get_snapshot(snapshot.id)),
                ("available",),
                poll=self.settings.poll_seconds,
                hook=hook,
                failed=SNAPSHOT_FAILED,
                reason=self._fault(connection),
            )
            saved = {
                "volume_id": volume.id,
                "snapshot_id": snapshot.id,
                "snapshot_name": snapshot.name or "",
                "size": int(snapshot.size or volume.size or 0),
                "created_at": str(snapshot.created_at or ""),
                "volume": volume_record(volume),
            }
            async with SectionClient(hook.bank_section) as bank:
                await bank.put_object("metadata", json.dumps(saved).encode())
        except BaseException:
            await self.remove_quietly(
                "snapshot", connection.block_storage.delete_snapshot, snapshot.id
            )
            raise
        hook.state["reason"] = f"Cinder snapshot {snapshot.id}" + (
            ", made by an earlier run of this protection" if adopted else ""
        )

    async def _made_before(self, hook: Hook, connection: Any, volume_id: str) -> Any:
        return await self.made_for(
            hook,
            "snapshot",
            lambda: list(connection.block_storage.snapshots(details=True, volume_id=volume_id)),
            volume_id,
            SNAPSHOT_FAILED,
        )

    protect_complete = VolumePlugin.carry_reason

    # -- restore ---------------------------------------------------------------------------------
    async def restore_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        saved = await self.saved(hook)
        record = saved["volume"]
        snapshot = await self.recorded(
            "snapshot",
            connection.block_storage.get_snapshot,
            saved["snapshot_id"],
            saved["volume_id"],
        )
        if snapshot.status != "available":
            snapshot = await wait_for_data(
                f"snapshot {snapshot.id}",
                patient(lambda: connection.block_storage.get_snapshot(snapshot.id)),
                ("available",),
                poll=self.settings.poll_seconds,
                hook=hook,
                failed=SNAPSHOT_FAILED,
                reason=self._fault(connection),
            )
        parameters = hook.parameters
        attrs = {
            "name": self.restored_name(hook, record),
            "description": str(
                parameters.get("restore_description") or record.get("description") or ""
            ),
            "size": max(int(record.get("size") or 0), int(snapshot.size or 0)),
            "snapshot_id": snapshot.id,
            "metadata": dict(record.get("metadata") or {}),
        }
        volume = await self.create_volume(
            hook, connection, f"restoring snapshot {snapshot.id} to a new volume", attrs, record
        )
        hook.new_resource_id = volume.id
        hook.state["reason"] = (
            f"restored as volume {volume.name} ({volume.id}) from snapshot {snapshot.id}"
        )

    restore_complete = VolumePlugin.carry_reason

    # -- verify ----------------------------------------------------------------------------------
    async def verify_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        saved = await self.saved(hook)
        snapshot = await self.recorded(
            "snapshot",
            connection.block_storage.get_snapshot,
            saved["snapshot_id"],
            saved["volume_id"],
        )
        if snapshot.volume_id != saved["volume_id"]:
            raise PluginError(
                f"snapshot {snapshot.id} is of volume {snapshot.volume_id}, not of volume "
                f"{saved['volume_id']} as the checkpoint recorded"
            )
        if snapshot.status != "available":
            raise PluginError(
                f"snapshot {snapshot.id} of volume {saved['volume_id']} is in status "
                f"{snapshot.status}; a restore needs it available"
            )
        hook.state["reason"] = f"snapshot {snapshot.id} is available ({snapshot.size} GiB)"

    verify_complete = VolumePlugin.carry_reason

    # -- delete ----------------------------------------------------------------------------------
    async def delete_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        try:
            saved = await self.saved(hook)
        except PluginError:
            hook.state["reason"] = "no snapshot was recorded; nothing to delete in Cinder"
            return
        snapshot_id = str(saved["snapshot_id"])
        try:
            await call_patiently(
                f"deleting snapshot {snapshot_id}",
                connection.block_storage.delete_snapshot,
                snapshot_id,
                ignore_missing=False,
            )
        except PluginError as error:
            if error.code != grpc.StatusCode.NOT_FOUND:
                raise
            hook.state["reason"] = f"snapshot {snapshot_id} was already gone from Cinder"
            return
        await self.wait_gone(
            f"snapshot {snapshot_id}",
            patient(lambda: connection.block_storage.get_snapshot(snapshot_id)),
        )
        hook.state["reason"] = f"deleted snapshot {snapshot_id}"

    delete_complete = VolumePlugin.carry_reason


def main() -> None:
    PluginServer(name="openstack-volume-snapshot", vendor="Smaug", version="0.1.0").register(
        VolumeSnapshot
    ).serve()


if __name__ == "__main__":
    main()
