"""OS::Glance::Image: the image's data streamed into the bank, with its properties.

Instances are the images the caller sees, except killed, deleted, pending_delete and
deactivated ones. Parents (Karbor's): OS::Nova::Server, whose dependent is its boot image (with
``extra_info.server_id``; none when it boots from a volume), and OS::Keystone::Project, whose
dependents are the images the project owns.

Protect (main phase) waits until the image is active, then streams its data from Glance into
the bank's chunk store (``SectionClient.write_stream``): chunks the bank already holds (an
earlier checkpoint of the same image, or any identical data) are not stored again, so a second
checkpoint of an unchanged image adds almost nothing. While reading it computes the image's MD5
and its ``os_hash_algo`` digest and checks them, and the size, against what Glance recorded.
With ``snapshot_server`` true, a server's boot image is replaced by a Nova snapshot of the
server taken then (its disk as it is, as Karbor's enable_server_snapshot did); the temporary
snapshot image is deleted once stored.

Restore (main phase) creates a NEW image (``restore_name``, default the original's name;
``visibility``, default the original's, except that a public image comes back private unless
``visibility=public`` is asked for) with the original's formats, min_disk/min_ram, tags,
protected flag and custom properties, uploads the data from the bank, waits until Glance has it
active and checks that Glance's checksum and hash equal the recorded ones; on any failure the
new image is deleted. A shared image is shared again with the original's member projects (each
must accept it again: Glance lets only the member do that). It sets ``hook.new_resource_id``:
the protection service records it under ``OS::Glance::Image#<original id>``, where the server
plugin's restore_complete finds it. Verify re-reads every chunk (each checked against its hash
by the bank client) and checks the size, MD5 and hash against the recorded ones. Delete has
nothing outside the bank to remove. Copy streams the data into the destination bank
(deduplicated there too) with the metadata.

Bank section:
``data`` (stream)
    The image's bytes.
``metadata`` (object, JSON, ``saved_info_schema``)
    ``image_id``, ``name``, ``disk_format``, ``container_format``, ``min_disk``, ``min_ram``,
    ``visibility``, ``protected``, ``os_hidden``, ``tags``, ``members`` (projects a shared
    image is shared with), ``properties`` (custom ones,
    strings), ``size``, ``virtual_size``, ``checksum`` (MD5), ``os_hash_algo``,
    ``os_hash_value``, ``owner``, ``created_at``, ``source`` ("image" or "server_snapshot"),
    ``server_id`` (the server whose boot image it is, when protected as a dependent),
    ``backup_name``.

Run by the protection service: ``python -m smaug.plugins.openstack.image``.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import grpc

from smaug.bank.client import SectionClient
from smaug.bank.errors import ObjectNotFound
from smaug.plugin.v1 import plugin_pb2
from smaug.plugins.openstack.cloud import OpenStackPlugin, call
from smaug.plugins.openstack.patience import call_patiently, patient, wait_for_data
from smaug.plugins.sdk import Hook, PluginError, PluginServer, Resource

IMAGE = "OS::Glance::Image"
SERVER = "OS::Nova::Server"
PROJECT = "OS::Keystone::Project"
# Karbor neither lists these images nor makes them dependents.
HIDDEN_STATUSES = frozenset({"killed", "deleted", "pending_delete", "deactivated"})
IMAGE_FAILED = ("killed", "deleted", "pending_delete", "deactivated")
# Image fields Glance manages or that restore sets itself; every other key is a custom property.
GLANCE_FIELDS = frozenset(
    {
        "id",
        "name",
        "status",
        "visibility",
        "protected",
        "os_hidden",
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "owner",
        "size",
        "virtual_size",
        "min_ram",
        "min_disk",
        "disk_format",
        "container_format",
        "created_at",
        "updated_at",
        "tags",
        "file",
        "schema",
        "self",
        "direct_url",
        "locations",
        "stores",
    }
)
READ_BYTES = 1024 * 1024
PROGRESS_BYTES = 16 * 1024 * 1024


def custom_properties(raw: dict[str, Any]) -> dict[str, str]:
    """The image's own properties (os_distro, hw_*, the user's), without Glance's fields and
    its reserved os_glance_* ones."""
    return {
        key: str(value)
        for key, value in raw.items()
        if key not in GLANCE_FIELDS and not key.startswith("os_glance") and value is not None
    }


class Digests:
    """MD5 (Glance's ``checksum``) and the image's multihash, fed block by block."""

    def __init__(self, algorithm: str) -> None:
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.multihash = hashlib.new(algorithm) if algorithm else None
        self.size = 0

    def update(self, block: bytes) -> None:
        self.md5.update(block)
        if self.multihash is not None:
            self.multihash.update(block)
        self.size += len(block)

    def mismatches(self, saved: dict[str, Any]) -> list[str]:
        """How the data fed differs from what ``saved`` (Glance's record) says."""
        found = []
        if saved.get("size") is not None and self.size != int(saved["size"]):
            found.append(f"{self.size} bytes, not {saved['size']}")
        if saved.get("checksum") and self.md5.hexdigest() != saved["checksum"]:
            found.append(f"MD5 {self.md5.hexdigest()}, not {saved['checksum']}")
        if (
            self.multihash is not None
            and saved.get("os_hash_value")
            and self.multihash.hexdigest() != saved["os_hash_value"]
        ):
            found.append(f"{saved.get('os_hash_algo')} differs from the recorded one")
        return found


def glance(connection: Any, method: str, path: str, **kwargs: Any) -> Any:
    """A Glance v2 request through the caller's connection; HTTP errors raise openstacksdk's
    exceptions (so ``call`` turns them into reasons carrying Glance's message)."""
    from openstack import exceptions

    response = connection.image.request(path, method, raise_exc=False, **kwargs)
    exceptions.raise_from_response(response)
    return response


class GlanceImage(OpenStackPlugin):
    resource_type = IMAGE
    parent_types = (SERVER, PROJECT)
    options_schema = {
        "type": "object",
        "title": "Glance image options",
        "properties": {
            "backup_name": {
                "type": "string",
                "maxLength": 255,
                "description": "A label recorded with the checkpoint's copy of the image",
            },
            "snapshot_server": {
                "type": "boolean",
                "default": False,
                "description": "For a server's boot image: store a Nova snapshot of the server "
                "taken now (its disk as it is) instead of the image it booted from",
            },
        },
        "additionalProperties": False,
    }
    restore_schema = {
        "type": "object",
        "title": "Glance image restore",
        "properties": {
            "restore_name": {
                "type": "string",
                "maxLength": 255,
                "description": "Name of the new image (default: the original's name)",
            },
            "visibility": {
                "type": "string",
                "enum": ["private", "shared", "community", "public"],
                "description": "Visibility of the new image (default: the original's; a public "
                "image comes back private unless public is asked for, which needs admin)",
            },
        },
        "additionalProperties": False,
    }
    verify_schema = {
        "type": "object",
        "title": "Glance image verify",
        "description": "Re-reads every chunk of the image data and checks its size, MD5 and "
        "hash against Glance's record; no parameters",
        "properties": {},
        "additionalProperties": False,
    }
    saved_info_schema = {
        "type": "object",
        "title": "Glance image saved info (object 'metadata' of the section; data in stream "
        "'data')",
        "properties": {
            "image_id": {"type": "string"},
            "name": {"type": "string"},
            "disk_format": {"type": "string"},
            "container_format": {"type": "string"},
            "min_disk": {"type": "integer"},
            "min_ram": {"type": "integer"},
            "visibility": {"type": "string"},
            "protected": {"type": "boolean"},
            "os_hidden": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "members": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Projects a shared image was shared with",
            },
            "properties": {"type": "object", "additionalProperties": {"type": "string"}},
            "size": {"type": "integer"},
            "virtual_size": {"type": ["integer", "null"]},
            "checksum": {"type": "string", "description": "MD5 of the data"},
            "os_hash_algo": {"type": "string"},
            "os_hash_value": {"type": "string"},
            "owner": {"type": "string"},
            "created_at": {"type": "string"},
            "source": {"type": "string", "enum": ["image", "server_snapshot"]},
            "server_id": {"type": "string"},
            "backup_name": {"type": "string"},
        },
        "required": ["image_id", "disk_format", "container_format", "size", "checksum"],
    }

    # -- protectables ----------------------------------------------------------------------------
    @staticmethod
    def _resource(image: Any, extra_info: dict[str, Any] | None = None) -> Resource:
        return Resource(IMAGE, image.id, image.name or image.id, extra_info or {})

    async def list_instances(
        self, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> list[Resource]:
        connection = self.connection(context)
        images = await call_patiently("listing images", lambda: list(connection.image.images()))
        return [self._resource(i) for i in images if i.status not in HIDDEN_STATUSES]

    async def show_instance(
        self, resource_id: str, parameters: dict[str, Any], context: plugin_pb2.CallContext
    ) -> Resource:
        connection = self.connection(context)
        image = await call_patiently(
            f"reading image {resource_id}", connection.image.get_image, resource_id
        )
        return self._resource(image)

    async def dependents(self, parent: Resource, context: plugin_pb2.CallContext) -> list[Resource]:
        connection = self.connection(context)
        if parent.type == PROJECT:
            if parent.id != context.project_id:
                return []
            images = await call_patiently(
                "listing the project's images",
                lambda: list(connection.image.images(owner=parent.id)),
            )
            return [self._resource(i) for i in images if i.status not in HIDDEN_STATUSES]
        if parent.type == SERVER:
            server = await call_patiently(
                f"reading server {parent.id}", connection.compute.get_server, parent.id
            )
            image = server.image
            image_id = image.get("id") if isinstance(image, dict) else getattr(image, "id", "")
            if not image_id:
                return []  # booted from a volume: its volumes carry the disk
            try:
                found = await call_patiently(
                    f"reading image {image_id}", connection.image.get_image, image_id
                )
                name = found.name or image_id
            except PluginError as error:
                if error.code != grpc.StatusCode.NOT_FOUND:
                    raise
                # Deleted since the server booted: listed anyway, so the checkpoint says so
                # (or, with snapshot_server, stores the server's disk instead).
                name = image_id
            return [Resource(IMAGE, image_id, name, {"server_id": parent.id})]
        return []

    # -- protect ---------------------------------------------------------------------------------
    async def protect_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        server_id = str(hook.resource.extra_info.get("server_id") or "")
        notes: list[str] = []
        temporary = ""
        if hook.parameters.get("snapshot_server"):
            if server_id:
                temporary = await self._snapshot_server(hook, connection, server_id)
            else:
                notes.append("snapshot_server applies to a server's boot image only")
        try:
            image_id = temporary or hook.resource.id
            raw = await self._active_image(hook, connection, image_id)
            saved = await self._store(hook, connection, raw)
        finally:
            if temporary:
                notes.extend(await self._drop_image(connection, temporary))
        saved["image_id"] = hook.resource.id
        saved["members"] = [] if temporary else await self._members(hook, connection, raw, notes)
        saved["source"] = "server_snapshot" if temporary else "image"
        saved["server_id"] = server_id
        saved["backup_name"] = str(hook.parameters.get("backup_name") or "")
        async with SectionClient(hook.bank_section) as bank:
            await bank.put_object("metadata", json.dumps(saved).encode())
        source = f"snapshot of server {server_id}" if temporary else "image data"
        hook.state["reason"] = "; ".join(
            [f"stored {_size(saved['size'])} of {source}, MD5 {saved['checksum']}", *notes]
        )

    async def _active_image(self, hook: Hook, connection: Any, image_id: str) -> dict[str, Any]:
        """Glance's full record of the image (every property), once it is active."""

        def fetch() -> dict[str, Any]:
            record: dict[str, Any] = glance(connection, "GET", f"/images/{image_id}").json()
            return record

        raw = await call_patiently(f"reading image {image_id}", fetch)
        status = raw.get("status")
        if status == "queued":
            raise PluginError(
                f"image {image_id} has no data (status queued): upload its data, or take it out "
                "of the plan"
            )
        if status in HIDDEN_STATUSES:
            raise PluginError(
                f"image {image_id} is {status}: its data cannot be read"
                + ("; reactivate it first" if status == "deactivated" else "")
            )
        if status != "active":
            await wait_for_data(
                f"image {image_id}",
                patient(lambda: connection.image.get_image(image_id)),
                ("active",),
                poll=self.settings.poll_seconds,
                hook=hook,
                failed=IMAGE_FAILED,
            )
            raw = await call_patiently(f"reading image {image_id}", fetch)
        return raw

    async def _store(self, hook: Hook, connection: Any, raw: dict[str, Any]) -> dict[str, Any]:
        """Stream the image's data into the bank as ``data``; returns the metadata to save."""
        image_id = str(raw["id"])
        size = int(raw.get("size") or 0)
        response = await call_patiently(
            f"downloading image {image_id}",
            glance,
            connection,
            "GET",
            f"/images/{image_id}/file",
            stream=True,
        )
        digests = Digests(str(raw.get("os_hash_algo") or ""))
        blocks: Iterator[bytes] = response.iter_content(READ_BYTES)

        def next_block() -> bytes | None:
            block = next(blocks, None)
            if block:
                digests.update(block)
            return block

        async def data() -> AsyncIterator[bytes]:
            reported = 0
            while (block := await call(f"reading image {image_id}", next_block)) is not None:
                if digests.size - reported >= PROGRESS_BYTES:
                    reported = digests.size
                    await hook.progress(digests.size, size, f"reading image {image_id}")
                yield block

        try:
            async with SectionClient(hook.bank_section) as bank:
                stored = await bank.write_stream("data", data())
        finally:
            response.close()
        await hook.progress(stored, size, f"stored image {image_id}")
        saved = {
            "name": raw.get("name") or "",
            "disk_format": raw.get("disk_format") or "",
            "container_format": raw.get("container_format") or "",
            "min_disk": int(raw.get("min_disk") or 0),
            "min_ram": int(raw.get("min_ram") or 0),
            "visibility": raw.get("visibility") or "private",
            "protected": bool(raw.get("protected")),
            "os_hidden": bool(raw.get("os_hidden")),
            "tags": list(raw.get("tags") or []),
            "properties": custom_properties(raw),
            "size": size,
            "virtual_size": raw.get("virtual_size"),
            "checksum": raw.get("checksum") or "",
            "os_hash_algo": raw.get("os_hash_algo") or "",
            "os_hash_value": raw.get("os_hash_value") or "",
            "owner": raw.get("owner") or "",
            "created_at": raw.get("created_at") or "",
        }
        wrong = digests.mismatches(saved)
        if wrong:
            raise PluginError(
                f"the data read from image {image_id} does not match Glance's record "
                f"({'; '.join(wrong)}): it changed or was damaged while being read; protect again"
            )
        return saved

    async def _members(
        self, hook: Hook, connection: Any, raw: dict[str, Any], notes: list[str]
    ) -> list[str]:
        """The projects a shared image of the caller's project is shared with (Glance keeps
        members of shared images only, and shows another owner's image only the caller's own
        membership); their acceptance is theirs to give again after a restore."""
        if raw.get("visibility") != "shared":
            return []
        image_id = str(raw["id"])
        owner = str(raw.get("owner") or "")
        if owner != hook.context.project_id:
            notes.append(f"shared by project {owner}: its members are that project's to record")
            return []
        try:
            listed = await call_patiently(
                f"listing the members of image {image_id}",
                lambda: glance(connection, "GET", f"/images/{image_id}/members").json(),
            )
        except PluginError as error:
            if error.code not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.NOT_FOUND):
                raise
            notes.append(f"its members were not recorded ({error})")
            return []
        return sorted(str(member["member_id"]) for member in listed.get("members", []))

    async def _snapshot_server(self, hook: Hook, connection: Any, server_id: str) -> str:
        """A Nova snapshot of the server, active in Glance; returns its image id."""
        image = await call(
            f"snapshotting server {server_id}",
            lambda: connection.compute.create_server_image(
                server_id,
                f"smaug-{hook.checkpoint.id}-temporary",
                metadata={"smaug_checkpoint": hook.checkpoint.id},
            ),
        )
        image_id = str(getattr(image, "id", image))
        try:
            await wait_for_data(
                f"snapshot image {image_id} of server {server_id}",
                patient(lambda: connection.image.get_image(image_id)),
                ("active",),
                poll=self.settings.poll_seconds,
                hook=hook,
                failed=IMAGE_FAILED,
            )
        except BaseException:
            await self._drop_image(connection, image_id)
            raise
        return image_id

    async def _drop_image(self, connection: Any, image_id: str) -> list[str]:
        try:
            await call_patiently(
                f"deleting image {image_id}", connection.image.delete_image, image_id
            )
        except PluginError as error:
            return [f"the temporary image {image_id} is left over ({error}); delete it"]
        return []

    # -- restore ---------------------------------------------------------------------------------
    async def _saved(self, bank: SectionClient, image_id: str) -> dict[str, Any]:
        try:
            saved: dict[str, Any] = json.loads(await bank.get_object("metadata"))
        except ObjectNotFound:
            raise PluginError(
                f"the checkpoint holds no copy of image {image_id} (its protection did not finish)"
            ) from None
        return saved

    def _create_body(self, hook: Hook, saved: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        notes = []
        visibility = hook.parameters.get("visibility")
        if not visibility:
            visibility = saved.get("visibility") or "private"
            if visibility == "public":
                visibility = "private"
                notes.append("the original was public; restored private (ask visibility=public)")
        body: dict[str, Any] = {
            **saved.get("properties", {}),
            "name": str(hook.parameters.get("restore_name") or saved.get("name") or ""),
            "disk_format": saved["disk_format"],
            "container_format": saved["container_format"],
            "min_disk": int(saved.get("min_disk") or 0),
            "min_ram": int(saved.get("min_ram") or 0),
            "visibility": visibility,
            "tags": list(saved.get("tags") or []),
            "protected": bool(saved.get("protected")),
            "os_hidden": bool(saved.get("os_hidden")),
        }
        return body, notes

    async def restore_main(self, hook: Hook) -> None:
        connection = self.connection(hook.context)
        async with SectionClient(hook.bank_section) as bank:
            saved = await self._saved(bank, hook.resource.id)
            body, notes = self._create_body(hook, saved)
            created = await call(
                f"creating an image to restore image {hook.resource.id} into",
                lambda: glance(connection, "POST", "/images", json=body).json(),
            )
            new_id = str(created["id"])
            try:
                await self._upload(hook, connection, bank, new_id, saved)
                image = await wait_for_data(
                    f"restored image {new_id}",
                    patient(lambda: connection.image.get_image(new_id)),
                    ("active",),
                    poll=self.settings.poll_seconds,
                    hook=hook,
                    failed=IMAGE_FAILED,
                )
                wrong = []
                if saved.get("checksum") and image.checksum != saved["checksum"]:
                    wrong.append(f"checksum {image.checksum}, not {saved['checksum']}")
                if (
                    saved.get("os_hash_value")
                    and image.hash_algo == saved.get("os_hash_algo")
                    and image.hash_value != saved["os_hash_value"]
                ):
                    wrong.append(f"{image.hash_algo} hash differs from the recorded one")
                if wrong:
                    raise PluginError(
                        f"Glance holds different data in restored image {new_id} than the "
                        f"checkpoint recorded ({'; '.join(wrong)}); it was deleted"
                    )
                notes.extend(
                    await self._share(connection, new_id, created, body["visibility"], saved)
                )
            except BaseException:
                await self._drop_image(connection, new_id)
                raise
        hook.new_resource_id = new_id
        hook.state["reason"] = "; ".join(
            [f"restored as image {body['name']} ({new_id}), checksum {image.checksum}", *notes]
        )

    async def _share(
        self,
        connection: Any,
        image_id: str,
        created: dict[str, Any],
        visibility: str,
        saved: dict[str, Any],
    ) -> list[str]:
        """Share a restored image with the original's members; notes for the restore's reason.
        A member Glance refuses is named there rather than failing a restore whose data is in
        place: sharing is the owner's to repair."""
        owner = str(created.get("owner") or "")
        members = [str(m) for m in saved.get("members") or [] if str(m) != owner]
        if not members:
            return []
        if visibility != "shared":
            return [
                f"not shared with the original's {len(members)} member project(s): restored "
                f"{visibility}"
            ]
        refused = []
        for member in members:
            try:
                await call_patiently(
                    f"sharing image {image_id} with project {member}",
                    lambda member=member: glance(
                        connection, "POST", f"/images/{image_id}/members", json={"member": member}
                    ),
                )
            except PluginError as error:
                # 409: already a member (a retried request whose first answer was lost).
                if error.code != grpc.StatusCode.FAILED_PRECONDITION:
                    refused.append(f"{member} ({error})")
        notes = [
            f"shared again with {len(members) - len(refused)} of {len(members)} member "
            "project(s); each must accept it again"
        ]
        if refused:
            notes.append(f"Glance refused to share it with {'; '.join(refused)}")
        return notes

    async def _upload(
        self,
        hook: Hook,
        connection: Any,
        bank: SectionClient,
        image_id: str,
        saved: dict[str, Any],
    ) -> None:
        """PUT the bank's ``data`` stream to Glance as the image's file. The blocking upload runs
        in a thread that pulls blocks from the bank stream on this event loop."""
        loop = asyncio.get_running_loop()
        stream = bank.read_stream("data")
        digests = Digests(str(saved.get("os_hash_algo") or ""))
        stop = threading.Event()

        async def following() -> bytes | None:
            try:
                return await stream.__anext__()
            except StopAsyncIteration:
                return None

        def blocks() -> Iterator[bytes]:
            while not stop.is_set():
                block = asyncio.run_coroutine_threadsafe(following(), loop).result()
                if block is None:
                    return
                digests.update(block)
                yield block
            raise RuntimeError("the restore was cancelled")

        headers = {"Content-Type": "application/octet-stream"}
        if saved.get("size"):
            headers["X-OpenStack-Image-Size"] = str(saved["size"])
        upload = asyncio.ensure_future(
            call(
                f"uploading the data of restored image {image_id}",
                glance,
                connection,
                "PUT",
                f"/images/{image_id}/file",
                data=blocks(),
                headers=headers,
            )
        )
        try:
            while not upload.done():
                await asyncio.wait({upload}, timeout=2.0)
                await hook.progress(digests.size, int(saved.get("size") or 0), "uploading")
            upload.result()
        finally:
            stop.set()
            if not upload.done():
                upload.cancel()
            # Not while a block is being fetched for the (abandoned) upload thread.
            with contextlib.suppress(RuntimeError):
                await stream.aclose()  # type: ignore[attr-defined]
        wrong = digests.mismatches(saved)
        if wrong:
            raise PluginError(
                f"the checkpoint's copy of image {hook.resource.id} does not match its record "
                f"({'; '.join(wrong)})"
            )

    # -- verify, copy, delete --------------------------------------------------------------------
    async def verify_main(self, hook: Hook) -> None:
        async with SectionClient(hook.bank_section) as bank:
            saved = await self._saved(bank, hook.resource.id)
            digests = Digests(str(saved.get("os_hash_algo") or ""))
            reported = 0
            async for block in bank.read_stream("data"):
                digests.update(block)
                if digests.size - reported >= PROGRESS_BYTES:
                    reported = digests.size
                    await hook.progress(digests.size, int(saved.get("size") or 0), "verifying")
        wrong = digests.mismatches(saved)
        if wrong:
            raise PluginError(
                f"the checkpoint's copy of image {hook.resource.id} is damaged: {'; '.join(wrong)}"
            )
        hook.state["reason"] = (
            f"re-read {_size(digests.size)} of image data: size, MD5 and "
            f"{saved.get('os_hash_algo') or 'hash'} match"
        )

    async def copy_main(self, hook: Hook) -> None:
        async with (
            SectionClient(hook.bank_section) as source,
            SectionClient(hook.copy_bank_section) as destination,
        ):
            metadata = await source.get_object("metadata")
            copied = await destination.write_stream("data", source.read_stream("data"))
            await destination.put_object("metadata", metadata)
        hook.state["reason"] = f"copied {_size(copied)} of image data"

    async def delete_main(self, hook: Hook) -> None:
        """Nothing outside the bank: deleting the checkpoint drops the section."""

    async def _carry_reason(self, hook: Hook) -> None:
        hook.reason = str(hook.state.get("reason", ""))

    protect_complete = restore_complete = verify_complete = copy_complete = _carry_reason


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB"
    if count >= 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count} bytes"


def main() -> None:
    PluginServer(name="openstack-image", vendor="Smaug", version="0.1.0").register(
        GlanceImage
    ).serve()


if __name__ == "__main__":
    main()
