"""OS::Cinder::Volume protected by Cinder backup (Karbor's karbor-volume-protection-plugin).

Protect (main phase) waits until the volume is available or in-use, takes a temporary snapshot
(setting ``backup_from_snapshot``, default true, as Karbor: the volume is busy only while the
snapshot is cut, and an attached volume is backed up crash-consistent), backs the snapshot up
with Cinder backup and deletes the snapshot. ``backup_mode`` full makes a full backup;
incremental builds on the volume's latest backup, as Cinder chooses it, and makes a full one
(saying so in the reason) when the volume has no backup yet. Without the snapshot, an in-use
volume needs ``force``. The backup is tagged in Cinder with metadata ``smaug_checkpoint``,
``smaug_volume`` and, for an incremental one, ``smaug_parent``.

Restore (main phase) makes a NEW volume from the backup (``restore_name``,
``restore_description``, ``volume_type`` and ``availability_zone`` default to the original's),
with the original's metadata and bootable flag, and sets ``hook.new_resource_id``: the
protection service records it under ``OS::Cinder::Volume#<original id>``, where the server
plugin's restore_complete finds it. Verify checks that the backup still exists, is available
and is this volume's. Delete removes the backup; one that later incremental backups build on
cannot be deleted yet (Cinder refuses), so it is marked ``smaug_released=true`` and deleted
with the last checkpoint that builds on it. Copy is not offered: the data lives in Cinder, not
in the bank.

Bank section, object ``metadata`` (JSON, ``saved_info_schema``):
    ``volume_id``, ``backup_id``, ``backup_name``, ``backup_mode`` (as made: full or
    incremental), ``requested_mode``, ``parent_backup_id`` (incremental: the backup it builds
    on), ``container``, ``from_snapshot``, ``size`` (GiB), ``created_at``, and ``volume``: the
    volume record of ``volumes.VOLUME_RECORD_SCHEMA`` (name, description, size, volume_type,
    availability_zone, bootable, metadata, image_metadata, attachments, ...).

Run by the protection service: ``python -m smaug.plugins.openstack.volume_backup``.
"""

from __future__ import annotations

import json
import os
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

# Cinder backup metadata keys (Cinder keeps them with the backup, beyond the bank's life),
# besides volumes.CHECKPOINT_KEY.
VOLUME_KEY = "smaug_volume"
PARENT_KEY = "smaug_parent"
RELEASED_KEY = "smaug_released"
BACKUP_FAILED = ("error", "error_deleting", "deleting", "deleted")


def backup_from_snapshot(environ: dict[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    raw = json.loads(env.get("SMAUG_PLUGIN_CONFIG") or "{}")
    return bool(raw.get("backup_from_snapshot", True))


class VolumeBackup(VolumePlugin):
    kind = "backup"
    options_schema = {
        "type": "object",
        "title": "Cinder backup options",
        "properties": {
            "backup_name": {
                "type": "string",
                "maxLength": 255,
                "description": "Name of the Cinder backup (default smaug-<checkpoint id>)",
            },
            "backup_mode": {
                "type": "string",
                "enum": ["full", "incremental"],
                "default": "full",
                "description": "full, or incremental on top of the volume's latest backup (a "
                "full backup when it has none yet)",
            },
            "container": {
                "type": "string",
                "maxLength": 255,
                "description": "Backup container (the backup driver's default when empty)",
            },
            "description": {
                "type": "string",
                "maxLength": 255,
                "description": "Description of the Cinder backup",
            },
            "force": {
                "type": "boolean",
                "default": False,
                "description": "Back up an in-use volume directly (only needed when the plugin "
                "setting backup_from_snapshot is false)",
            },
        },
        "additionalProperties": False,
    }
    restore_schema = {
        "type": "object",
        "title": "Cinder backup restore",
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
            "volume_type": {
                "type": "string",
                "maxLength": 255,
                "description": "Volume type of the new volume (default: the original's)",
            },
            "availability_zone": {
                "type": "string",
                "maxLength": 255,
                "description": "Availability zone of the new volume (default: the original's)",
            },
        },
        "additionalProperties": False,
    }
    verify_schema = {
        "type": "object",
        "title": "Cinder backup verify",
        "description": "Checks that the backup exists in Cinder, is available and is this "
        "volume's; no parameters",
        "properties": {},
        "additionalProperties": False,
    }
    saved_info_schema = {
        "type": "object",
        "title": "Cinder backup saved info (object 'metadata' of the section)",
        "properties": {
            "volume_id": {"type": "string"},
            "backup_id": {"type": "string"},
            "backup_name": {"type": "string"},
            "backup_mode": {"type": "string", "enum": ["full", "incremental"]},
            "requested_mode": {"type": "string", "enum": ["full", "incremental"]},
            "parent_backup_id": {"type": "string"},
            "container": {"type": "string"},
            "from_snapshot": {"type": "boolean"},
            "size": {"type": "integer", "description": "GiB"},
            "created_at": {"type": "string"},
            "volume": VOLUME_RECORD_SCHEMA,
        },
        "required": ["volume_id", "backup_id", "volume"],
    }

    # -- protect ---------------------------------------------------------------------------------
    async def protect_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        volume = await self.usable_volume(hook, connection)
        what = self._label(volume.id, volume.name)
        options = hook.parameters
        requested = str(options.get("backup_mode") or "full")
        force = bool(options.get("force", False))
        from_snapshot = backup_from_snapshot()
        if volume.status == "in-use" and not from_snapshot and not force:
            raise PluginError(
                f"{what} is attached (in-use), and Cinder backs up an attached volume only with "
                "force: set OS::Cinder::Volume.force=true in the plan (the copy is "
                "crash-consistent), or detach the volume"
            )
        snapshot = None
        parent = None
        notes: list[str] = []
        backup = await self._made_before(hook, connection, volume.id)
        if backup is not None:
            # This checkpoint's protection ran before (a restarted operation): adopt its backup.
            notes.append(f"adopted backup {backup.id}, made by an earlier run of this protection")
            parent_id = (backup.metadata or {}).get(PARENT_KEY, "")
            parent = await self._backup_or_none(connection, parent_id) if parent_id else None
            backup = await self._wait_backup(hook, connection, volume, backup)
        else:
            try:
                if from_snapshot:
                    snapshot = await self._temporary_snapshot(hook, connection, volume)
                if requested == "incremental":
                    parent = await self._parent(connection, volume.id, snapshot)
                    if parent is None:
                        notes.append(f"{what} had no backup yet, so this one is full")
                backup = await self._backup(hook, connection, volume, snapshot, parent, force)
            finally:
                if snapshot is not None:
                    notes.extend(await self._drop_snapshot(connection, snapshot.id))
        mode = "incremental" if backup.is_incremental else "full"
        saved = {
            "volume_id": volume.id,
            "backup_id": backup.id,
            "backup_name": backup.name or "",
            "backup_mode": mode,
            "requested_mode": requested,
            "parent_backup_id": parent.id if parent is not None and backup.is_incremental else "",
            "container": backup.container or "",
            "from_snapshot": bool(backup.snapshot_id),
            "size": int(backup.size or volume.size or 0),
            "created_at": str(backup.created_at or ""),
            "volume": volume_record(volume),
        }
        try:
            async with SectionClient(hook.bank_section) as bank:
                await bank.put_object("metadata", json.dumps(saved).encode())
        except BaseException:
            await self.remove_quietly("backup", connection.block_storage.delete_backup, backup.id)
            raise
        parent_id = saved["parent_backup_id"]
        on_top = f" on top of backup {parent_id}" if parent_id else ""
        hook.state["reason"] = "; ".join([f"{mode} Cinder backup {backup.id}{on_top}", *notes])

    async def _temporary_snapshot(self, hook: Hook, connection: Any, volume: Any) -> Any:
        name = f"smaug-{hook.checkpoint.id}-temporary"

        async def made() -> Any:
            snapshots = await call_patiently(
                f"listing the snapshots of volume {volume.id}",
                lambda: list(connection.block_storage.snapshots(details=True, volume_id=volume.id)),
            )
            return next((s for s in snapshots if s.name == name), None)

        snapshot = await create_once(
            f"snapshotting volume {volume.id} for its backup",
            lambda: connection.block_storage.create_snapshot(
                volume_id=volume.id,
                name=name,
                description="Smaug: temporary snapshot to back up from; deleted once backed up",
                force=True,
                metadata={CHECKPOINT_KEY: hook.checkpoint.id},
            ),
            made,
        )
        try:
            return await wait_for_data(
                f"temporary snapshot {snapshot.id} of volume {volume.id}",
                patient(lambda: connection.block_storage.get_snapshot(snapshot.id)),
                ("available",),
                poll=self.settings.poll_seconds,
                hook=hook,
                reason=self._fault(connection),
            )
        except BaseException:
            await self._drop_snapshot(connection, snapshot.id)
            raise

    async def _drop_snapshot(self, connection: Any, snapshot_id: str) -> list[str]:
        """Delete the temporary snapshot; a failure is reported, not fatal (the backup is made)."""
        try:
            await call_patiently(
                f"deleting temporary snapshot {snapshot_id}",
                connection.block_storage.delete_snapshot,
                snapshot_id,
            )
            await self.wait_gone(
                f"temporary snapshot {snapshot_id}",
                patient(lambda: connection.block_storage.get_snapshot(snapshot_id)),
            )
        except PluginError as error:
            return [f"the temporary snapshot {snapshot_id} is left over ({error}); delete it"]
        return []

    async def _made_before(self, hook: Hook, connection: Any, volume_id: str) -> Any:
        return await self.made_for(
            hook,
            "backup",
            lambda: list(connection.block_storage.backups(details=True, volume_id=volume_id)),
            volume_id,
            BACKUP_FAILED,
        )

    async def _backup_or_none(self, connection: Any, backup_id: str) -> Any:
        try:
            return await call_patiently(
                f"reading backup {backup_id}", connection.block_storage.get_backup, backup_id
            )
        except PluginError:
            return None

    async def _parent(self, connection: Any, volume_id: str, snapshot: Any) -> Any:
        """The backup Cinder will build an incremental one on: the volume's backup with the
        latest data, older than the snapshot backed up; None when there is none."""
        backups = await call_patiently(
            f"listing the backups of volume {volume_id}",
            lambda: list(connection.block_storage.backups(details=True, volume_id=volume_id)),
        )
        limit = str(snapshot.created_at) if snapshot is not None else ""
        candidates = [
            b
            for b in backups
            if b.volume_id == volume_id
            and b.data_timestamp
            and (not limit or str(b.data_timestamp) < limit)
        ]
        return max(candidates, key=lambda b: str(b.data_timestamp), default=None)

    async def _backup(
        self, hook: Hook, connection: Any, volume: Any, snapshot: Any, parent: Any, force: bool
    ) -> Any:
        options = hook.parameters
        metadata = {CHECKPOINT_KEY: hook.checkpoint.id, VOLUME_KEY: volume.id}
        if parent is not None:
            metadata[PARENT_KEY] = parent.id
        attrs: dict[str, Any] = {
            "volume_id": volume.id,
            "name": str(options.get("backup_name") or f"smaug-{hook.checkpoint.id}"),
            "description": str(
                options.get("description")
                or f"Smaug checkpoint {hook.checkpoint.id} of volume {volume.id}"
            ),
            "is_incremental": parent is not None,
            "force": force,
            "metadata": metadata,
        }
        if snapshot is not None:
            attrs["snapshot_id"] = snapshot.id
        if options.get("container"):
            attrs["container"] = str(options["container"])
        backup = await create_once(
            f"backing up volume {volume.id}",
            lambda: connection.block_storage.create_backup(**attrs),
            lambda: self._made_before(hook, connection, volume.id),
        )
        await hook.progress(0, 0, f"backup {backup.id} of volume {volume.id} started")
        return await self._wait_backup(hook, connection, volume, backup)

    async def _wait_backup(self, hook: Hook, connection: Any, volume: Any, backup: Any) -> Any:
        """Wait until the backup is available; a failed one is deleted, with Cinder's reason."""
        try:
            return await wait_for_data(
                f"backup {backup.id} of volume {volume.id}",
                patient(lambda: connection.block_storage.get_backup(backup.id)),
                ("available",),
                poll=self.settings.poll_seconds,
                hook=hook,
                failed=BACKUP_FAILED,
                reason=self._fault(connection),
            )
        except BaseException:
            await self.remove_quietly("backup", connection.block_storage.delete_backup, backup.id)
            raise

    protect_complete = VolumePlugin.carry_reason

    # -- restore ---------------------------------------------------------------------------------
    async def restore_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        saved = await self.saved(hook)
        record = saved["volume"]
        backup = await self.recorded(
            "backup", connection.block_storage.get_backup, saved["backup_id"], saved["volume_id"]
        )
        if backup.status != "available":  # another restore of it under way, say
            backup = await wait_for_data(
                f"backup {backup.id}",
                patient(lambda: connection.block_storage.get_backup(backup.id)),
                ("available",),
                poll=self.settings.poll_seconds,
                hook=hook,
                failed=BACKUP_FAILED,
                reason=self._fault(connection),
            )
        parameters = hook.parameters
        attrs: dict[str, Any] = {
            "name": self.restored_name(hook, record),
            "description": str(
                parameters.get("restore_description") or record.get("description") or ""
            ),
            "size": max(int(record.get("size") or 0), int(backup.size or 0)),
            "backup_id": backup.id,
            "metadata": dict(record.get("metadata") or {}),
        }
        for key in ("volume_type", "availability_zone"):
            value = parameters.get(key) or record.get(key)
            if value:
                attrs[key] = str(value)
        volume = await self.create_volume(
            hook, connection, f"restoring backup {backup.id} to a new volume", attrs, record
        )
        hook.new_resource_id = volume.id
        hook.state["reason"] = (
            f"restored as volume {volume.name} ({volume.id}) from "
            f"{saved.get('backup_mode', 'full')} backup {backup.id}"
        )

    restore_complete = VolumePlugin.carry_reason

    # -- verify ----------------------------------------------------------------------------------
    async def verify_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        saved = await self.saved(hook)
        backup = await self.recorded(
            "backup", connection.block_storage.get_backup, saved["backup_id"], saved["volume_id"]
        )
        if backup.volume_id != saved["volume_id"]:
            raise PluginError(
                f"backup {backup.id} is of volume {backup.volume_id}, not of volume "
                f"{saved['volume_id']} as the checkpoint recorded"
            )
        if backup.status != "available":
            detail = f": {backup.fail_reason}" if backup.fail_reason else ""
            raise PluginError(
                f"backup {backup.id} of volume {saved['volume_id']} is in status "
                f"{backup.status}{detail}; a restore needs it available"
            )
        mode = "incremental" if backup.is_incremental else "full"
        hook.state["reason"] = f"{mode} backup {backup.id} is available ({backup.size} GiB)"

    verify_complete = VolumePlugin.carry_reason

    # -- delete ----------------------------------------------------------------------------------
    async def delete_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        try:
            saved = await self.saved(hook)
        except PluginError:
            hook.state["reason"] = "no backup was recorded; nothing to delete in Cinder"
            return
        backup_id = str(saved["backup_id"])
        try:
            backup = await call_patiently(
                f"reading backup {backup_id}", connection.block_storage.get_backup, backup_id
            )
        except PluginError as error:
            if error.code != grpc.StatusCode.NOT_FOUND:
                raise
            hook.state["reason"] = f"backup {backup_id} was already gone from Cinder"
            return
        if backup.has_dependent_backups:
            metadata = {**(backup.metadata or {}), RELEASED_KEY: "true"}
            await call_patiently(
                f"marking backup {backup_id} released",
                lambda: connection.block_storage.update_backup(backup_id, metadata=metadata),
            )
            hook.state["reason"] = (
                f"kept backup {backup_id}: incremental backups of later checkpoints build on it; "
                "it is deleted with the last checkpoint that needs it"
            )
            return
        removed = [backup_id]
        await self._delete_backup(connection, backup_id)
        # Released backups this one was the last to build on go with it.
        parent_id = saved.get("parent_backup_id") or (backup.metadata or {}).get(PARENT_KEY, "")
        while parent_id:
            try:
                parent = await call_patiently(
                    f"reading backup {parent_id}", connection.block_storage.get_backup, parent_id
                )
            except PluginError:
                break
            metadata = parent.metadata or {}
            if metadata.get(RELEASED_KEY) != "true" or parent.has_dependent_backups:
                break
            await self._delete_backup(connection, parent.id)
            removed.append(parent.id)
            parent_id = metadata.get(PARENT_KEY, "")
        hook.state["reason"] = "deleted backup " + ", ".join(removed)

    async def _delete_backup(self, connection: Any, backup_id: str) -> None:
        await call_patiently(
            f"deleting backup {backup_id}", connection.block_storage.delete_backup, backup_id
        )
        await self.wait_gone(
            f"backup {backup_id}", patient(lambda: connection.block_storage.get_backup(backup_id))
        )

    delete_complete = VolumePlugin.carry_reason


def main() -> None:
    PluginServer(name="openstack-volume-backup", vendor="Smaug", version="0.1.0").register(
        VolumeBackup
    ).serve()


if __name__ == "__main__":
    main()
