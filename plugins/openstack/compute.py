"""A Nova server: capture what rebuilding it needs, and build a new one from that record.

The record (version 1) holds the flavor (id and properties), the boot image (none when booted
from a volume) or the boot volume, the ports in interface order with their fixed addresses,
security groups and floating IPs, key pair name, metadata, tags, status (power state),
availability zone, config drive and the attached data volumes with their devices; every volume
with its ``delete_on_termination``. Records of earlier releases lack tags and floating IPs:
they read as none.

Building resolves every input before anything is created: restored ids from the same restore
(``new_resource_ids``, keyed ``type#original id``) first, else the original when it still
exists and is usable, else a clear failure naming what is missing and how to fix it. A server
that goes to ERROR is deleted and built again, up to ``attempts`` times (when Nova found no
host, once more only, after a pause); the last one is kept for its fault, which the failure
quotes. Tags go with the create request (Nova 2.52) or right after it (2.26); each volume keeps
its ``delete_on_termination`` (data volumes need Nova 2.79); a server protected SHUTOFF, PAUSED
or SUSPENDED is stopped, paused or suspended once built, unless the restore asks for
``power_state: active``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import grpc

from smaug.plugins.openstack import floating, topology
from smaug.plugins.openstack.cloud import call
from smaug.plugins.openstack.patience import call_patiently, patient
from smaug.plugins.openstack.waiting import ERROR_STATUSES, wait_for_status
from smaug.plugins.sdk import Hook, PluginError

VERSION = 1
IMAGE = "OS::Glance::Image"
VOLUME = "OS::Cinder::Volume"
# What puts a restored server back in the state its original was protected in: the
# openstacksdk compute method, the status to wait for, and words for progress and the reason.
POWER_ACTIONS = {
    "SHUTOFF": ("stop_server", "shutoff", "stopping", "stopped"),
    "PAUSED": ("pause_server", "paused", "pausing", "paused"),
    "SUSPENDED": ("suspend_server", "suspended", "suspending", "suspended"),
}
# Nova's fault when scheduling found no host, and the pause before the one retry it gets.
NO_HOST = "No valid host"
NO_HOST_PAUSE_SECONDS = 2.0
# Root disks are the first disk of their bus: vda, sda, xvda, hda.
ROOT_DEVICES = ("/dev/vda", "/dev/sda", "/dev/xvda", "/dev/hda")


def capture(connection: Any, server_id: str) -> dict[str, Any]:
    """The server's version-1 record (blocking; ``connection`` acts as the caller)."""
    compute = connection.compute
    server = compute.get_server(server_id)
    flavor = server.flavor
    flavor_name = flavor.original_name or flavor.name or ""
    # Since microversion 2.47 a server shows its flavor's properties, not its id: look it up.
    found = None
    if flavor_name:
        from openstack import exceptions

        try:
            found = compute.find_flavor(flavor_name, ignore_missing=False)
        except exceptions.NotFoundException:
            pass  # deleted since the server was built: the saved properties remain
    image = server.image or {}
    image_id = (image.get("id") if isinstance(image, dict) else image.id) or None
    keep = {
        a["id"]: bool(a.get("delete_on_termination"))
        for a in (server.attached_volumes or [])
        if isinstance(a, dict)
    }
    for attached in server.attached_volumes or []:
        if not isinstance(attached, dict):
            keep[attached.id] = bool(attached.delete_on_termination)
    volumes = [
        {
            "volume_id": attachment.volume_id,
            "device": attachment.device or "",
            "delete_on_termination": keep.get(attachment.volume_id, False),
        }
        for attachment in compute.volume_attachments(server)
    ]
    boot_volume = None
    if not image_id and volumes:
        root = server.root_device_name or ""
        boot_volume = next(
            (v for v in volumes if v["device"] == root),
            next((v for v in volumes if v["device"] in ROOT_DEVICES), volumes[0]),
        )
        volumes = [v for v in volumes if v is not boot_volume]
    order = [i.port_id for i in compute.server_interfaces(server)]
    ports = sorted(
        connection.network.ports(device_id=server.id),
        key=lambda p: order.index(p.id) if p.id in order else len(order),
    )
    return {
        "version": VERSION,
        "id": server.id,
        "name": server.name or "",
        "description": server.description or "",
        "status": server.status or "",
        "availability_zone": server.availability_zone or "",
        "key_name": server.key_name or "",
        "metadata": dict(server.metadata or {}),
        "config_drive": bool(server.config_drive),
        "flavor": {
            "id": found.id if found is not None else "",
            "name": flavor_name,
            "vcpus": flavor.vcpus,
            "ram": flavor.ram,
            "disk": flavor.disk,
            "ephemeral": flavor.ephemeral,
            "swap": flavor.swap or 0,
            "extra_specs": dict(flavor.extra_specs or {}),
        },
        "image_id": image_id,
        "boot_volume": boot_volume,
        "volumes": volumes,
        "ports": [
            {
                "port_id": port.id,
                "network_id": port.network_id,
                "mac_address": port.mac_address,
                "fixed_ips": [dict(ip) for ip in port.fixed_ips or []],
                "security_group_ids": list(port.security_group_ids or []),
                "floating_ips": floating.capture(connection.network, port.id),
            }
            for port in ports
        ],
        "tags": list(server.tags or []),
        "security_groups": sorted(
            {g["name"] for g in server.security_groups or [] if g.get("name")}
        ),
    }


def _missing(error: PluginError) -> bool:
    return error.code == grpc.StatusCode.NOT_FOUND


async def _find(what: str, finder: Any, name_or_id: str) -> Any:
    """``finder(name_or_id)`` (an openstacksdk find_*), or None when there is no such thing."""
    try:
        return await call(f"looking up {what}", patient(finder), name_or_id, ignore_missing=False)
    except PluginError as error:
        if _missing(error):
            return None
        raise


@dataclass
class Inputs:
    """Everything a new server needs, resolved before it is created."""

    flavor_id: str = ""
    image_id: str = ""
    boot_volume_id: str = ""
    networks: list[dict[str, str]] | str = "none"
    security_groups: list[str] = field(default_factory=list)
    boot_delete_on_termination: bool = False
    key_name: str = ""
    availability_zone: str = ""
    tags: list[str] = field(default_factory=list)
    tags_at_create: bool = False  # Nova takes them in the create request (2.52)
    # (new volume id, device, delete_on_termination)
    volumes: list[tuple[str, str, bool]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class ServerBuild:
    """Builds a new server from a record, as the caller, with the restore's parameters."""

    def __init__(
        self, connection: Any, hook: Hook, timeout: float, poll: float, attempts: int = 3
    ) -> None:
        self.connection = connection
        self.attempts = max(1, attempts)
        self.hook = hook
        self.ids = hook.new_resource_ids
        self.parameters = hook.parameters
        self.timeout = timeout
        self.poll = poll

    async def resolve(self, record: dict[str, Any]) -> Inputs:
        inputs = Inputs()
        inputs.flavor_id = await self._flavor(record["flavor"])
        if record.get("image_id"):
            inputs.image_id = await self._image(record["image_id"], inputs)
        if record.get("boot_volume"):
            boot = record["boot_volume"]
            inputs.boot_volume_id = await self._volume(boot["volume_id"], "boot volume", inputs)
            inputs.boot_delete_on_termination = bool(boot.get("delete_on_termination"))
        if not inputs.image_id and not inputs.boot_volume_id:
            raise PluginError(
                f"server {record['id']}'s record names neither a boot image nor a boot volume",
                grpc.StatusCode.DATA_LOSS,
            )
        inputs.networks = await self._networks(record["ports"], inputs)
        inputs.security_groups = await self._security_groups(record["ports"])
        inputs.key_name = await self._key(record["key_name"], inputs)
        inputs.availability_zone = await self._zone(record["availability_zone"], inputs)
        for volume in record["volumes"]:
            new = await self._volume(volume["volume_id"], "data volume", inputs)
            inputs.volumes.append(
                (new, volume["device"], bool(volume.get("delete_on_termination")))
            )
        inputs.tags = [str(t) for t in record.get("tags") or []]
        if inputs.tags:
            inputs.tags_at_create = await self._supports("2.52")
            if not inputs.tags_at_create and not await self._supports("2.26"):
                inputs.notes.append(
                    f"this Nova predates server tags (API 2.26); tags {', '.join(inputs.tags)} "
                    "were not set"
                )
                inputs.tags = []
        if any(v[2] for v in inputs.volumes) and not await self._supports("2.79"):
            inputs.notes.append(
                "this Nova cannot set delete_on_termination when attaching (API 2.79); the data "
                "volumes were attached without it"
            )
            inputs.volumes = [(v, device, False) for v, device, _ in inputs.volumes]
        return inputs

    async def _supports(self, microversion: str) -> bool:
        """Whether both Nova and this openstacksdk speak the compute API ``microversion``."""
        from openstack import utils

        compute = self.connection.compute
        return await call(
            "reading the compute API versions",
            patient(lambda: utils.supports_microversion(compute, microversion)),
        )

    async def _flavor(self, saved: dict[str, Any]) -> str:
        compute = self.connection.compute
        wanted = str(self.parameters.get("restore_flavor_id") or "")
        if wanted:
            found = await _find(f"flavor {wanted}", compute.find_flavor, wanted)
            if found is None:
                raise PluginError(
                    f"restore_flavor_id {wanted!r} names no flavor this project can use",
                    grpc.StatusCode.NOT_FOUND,
                )
            return str(found.id)
        for key in (saved.get("id"), saved.get("name")):
            if key:
                found = await _find(f"flavor {key}", compute.find_flavor, key)
                if found is not None:
                    return str(found.id)
        raise PluginError(
            f"the server's flavor {saved.get('name') or saved.get('id')!r} ({saved.get('vcpus')} "
            f"vCPUs, {saved.get('ram')} MiB RAM, {saved.get('disk')} GiB disk) no longer "
            "exists; name another with the restore parameter restore_flavor_id",
            grpc.StatusCode.FAILED_PRECONDITION,
        )

    async def _image(self, old: str, inputs: Inputs) -> str:
        restored = self.ids.get(f"{IMAGE}#{old}")
        if restored:
            return restored
        try:
            image = await call(
                f"reading image {old}", patient(self.connection.image.get_image), old
            )
        except PluginError as error:
            if not _missing(error):
                raise
            raise PluginError(
                f"the server's boot image {old} was not restored by this restore and no longer "
                "exists in Glance: protect the image with the server (a provider with an "
                f"{IMAGE} plugin) or upload it again",
                grpc.StatusCode.FAILED_PRECONDITION,
            ) from None
        if image.status != "active":
            raise PluginError(
                f"the server's boot image {old} was not restored by this restore and the "
                f"original is {image.status}, not active",
                grpc.StatusCode.FAILED_PRECONDITION,
            )
        inputs.notes.append(f"booted from the original image {old}")
        return old

    async def _volume(self, old: str, role: str, inputs: Inputs) -> str:
        restored = self.ids.get(f"{VOLUME}#{old}")
        if restored:
            return restored
        block = self.connection.block_storage
        try:
            volume = await call(f"reading volume {old}", patient(block.get_volume), old)
        except PluginError as error:
            if not _missing(error):
                raise
            raise PluginError(
                f"the server's {role} {old} was not restored by this restore and no longer "
                f"exists in Cinder: protect it with the server (a provider with an {VOLUME} "
                "plugin)",
                grpc.StatusCode.FAILED_PRECONDITION,
            ) from None
        if volume.status != "available":
            holders = ", ".join(a.get("server_id", "?") for a in volume.attachments or [])
            raise PluginError(
                f"the server's {role} {old} was not restored by this restore and the original "
                f"is {volume.status}"
                + (f" (attached to server {holders})" if holders else "")
                + "; detach it or restore it with the server",
                grpc.StatusCode.FAILED_PRECONDITION,
            )
        inputs.notes.append(
            f"{'booted from' if role == 'boot volume' else 'reattached'} the original {role} {old}"
        )
        return old

    async def _exists(self, what: str, getter: Any, resource_id: str) -> bool:
        try:
            await call(f"reading {what} {resource_id}", patient(getter), resource_id)
        except PluginError as error:
            if _missing(error):
                return False
            raise
        return True

    async def _networks(
        self, ports: list[dict[str, Any]], inputs: Inputs
    ) -> list[dict[str, str]] | str:
        network = self.connection.network
        named = str(self.parameters.get("restore_net_id") or "")
        if named:
            if not await self._exists("network", network.get_network, named):
                raise PluginError(
                    f"restore_net_id {named}: no such network is visible to project "
                    f"{self.hook.context.project_id}; name an existing network",
                    grpc.StatusCode.NOT_FOUND,
                )
            return [{"uuid": named}]
        if not ports:
            return "none"
        nics = []
        for port in ports:
            old = port["network_id"]
            current = self.ids.get(f"{topology.NET}#{old}")
            if current is None:
                if not await self._exists("network", network.get_network, old):
                    raise PluginError(
                        f"the server's network {old} was not restored by this restore and no "
                        "longer exists: restore it with the server (a provider with the "
                        "OS::Neutron::Network plugin) or name a network with restore_net_id",
                        grpc.StatusCode.FAILED_PRECONDITION,
                    )
                current = old
            nic = {"uuid": current}
            address = await self._address(port, current, inputs)
            if address:
                nic["fixed_ip"] = address
            nics.append(nic)
        return nics

    async def _address(self, port: dict[str, Any], network_id: str, inputs: Inputs) -> str:
        """The port's first fixed address, if its subnet is there and no port holds it."""
        network = self.connection.network
        for ip in port["fixed_ips"]:
            subnet = ip["subnet_id"]
            if self.ids.get(f"{topology.SUBNET}#{subnet}") is None and not await self._exists(
                "subnet", network.get_subnet, subnet
            ):
                continue
            address = ip["ip_address"]
            holders = await call(
                f"looking for ports holding {address}",
                patient(
                    lambda a=address: [
                        p.id
                        for p in network.ports(network_id=network_id, fixed_ips=[f"ip_address={a}"])
                    ]
                ),
            )
            if holders:
                inputs.notes.append(f"{address} is taken by port {holders[0]}; got a new address")
                return ""
            return str(address)
        if port["fixed_ips"]:
            inputs.notes.append(
                f"the subnet of {port['fixed_ips'][0]['ip_address']} is gone; got a new address"
            )
        return ""

    async def _security_groups(self, ports: list[dict[str, Any]]) -> list[str]:
        network = self.connection.network
        groups: list[str] = []
        for port in ports:
            for old in port["security_group_ids"]:
                current = self.ids.get(f"{topology.SECURITY_GROUP}#{old}")
                if current is None:
                    if not await self._exists("security group", network.get_security_group, old):
                        raise PluginError(
                            f"the server's security group {old} was not restored by this "
                            "restore and no longer exists: restore it with the server (a "
                            "provider with the OS::Neutron::Network plugin)",
                            grpc.StatusCode.FAILED_PRECONDITION,
                        )
                    current = old
                if current not in groups:
                    groups.append(current)
        return groups

    async def _key(self, name: str, inputs: Inputs) -> str:
        if not name:
            return ""
        found = await _find(f"key pair {name}", self.connection.compute.find_keypair, name)
        if found is None:
            inputs.notes.append(f"key pair {name} does not exist for the caller; none was set")
            return ""
        return name

    async def _zone(self, zone: str, inputs: Inputs) -> str:
        if not zone:
            return ""
        zones = await call(
            "listing availability zones",
            patient(lambda: [z.name for z in self.connection.compute.availability_zones()]),
        )
        if zone not in zones:
            inputs.notes.append(f"availability zone {zone} is gone; Nova picked one")
            return ""
        return zone

    async def create(self, record: dict[str, Any], inputs: Inputs) -> Any:
        compute = self.connection.compute
        name = str(self.parameters.get("restore_name") or record["name"])
        attributes: dict[str, Any] = {
            "name": name,
            "flavor_id": inputs.flavor_id,
            "networks": inputs.networks,
            "metadata": record["metadata"],
        }
        if inputs.image_id:
            attributes["image_id"] = inputs.image_id
        else:
            attributes["block_device_mapping"] = [
                {
                    "boot_index": 0,
                    "uuid": inputs.boot_volume_id,
                    "source_type": "volume",
                    "destination_type": "volume",
                    "delete_on_termination": inputs.boot_delete_on_termination,
                }
            ]
        if inputs.tags and inputs.tags_at_create:
            attributes["tags"] = inputs.tags
        if inputs.security_groups and inputs.networks != "none":
            attributes["security_groups"] = [{"name": g} for g in inputs.security_groups]
        if inputs.key_name:
            attributes["key_name"] = inputs.key_name
        if inputs.availability_zone:
            attributes["availability_zone"] = inputs.availability_zone
        if record.get("description"):
            attributes["description"] = record["description"]
        if record.get("config_drive"):
            attributes["config_drive"] = True
        faults: list[str] = []
        for attempt in range(1, self.attempts + 1):
            server = await call(f"creating server {name}", compute.create_server, **attributes)
            await self.hook.progress(0, 0, f"server {server.id} created; waiting for ACTIVE")
            try:
                what = f"restored server {name} ({server.id})"
                return await self._until(what, server.id, "active")
            except PluginError as error:
                # ERROR with a fault. "No valid host" is tried once more, after a pause: builds
                # racing for placement (or a placement write that failed) pass, while a server
                # that fits no host would only fail again.
                no_host = NO_HOST in error.message
                final = (
                    error.code != grpc.StatusCode.FAILED_PRECONDITION
                    or attempt == self.attempts
                    or (no_host and any(NO_HOST in fault for fault in faults))
                )
                if final:
                    if faults:
                        error.message += f" (attempt {attempt}; before: {'; '.join(faults)})"
                        error.args = (error.message,)
                    raise
                faults.append(error.message)
                await self.hook.progress(
                    0, 0, f"{error.message}; deleting it and trying again ({attempt + 1})"
                )
                await self._delete(server.id)
                if no_host:
                    await asyncio.sleep(NO_HOST_PAUSE_SECONDS)
        raise AssertionError("unreachable")  # the last attempt returns or raises

    async def _until(self, what: str, server_id: str, status: str) -> Any:
        """The server once Nova reports ``status``; ERROR fails with Nova's fault."""
        return await wait_for_status(
            what,
            patient(partial(self.connection.compute.get_server, server_id)),
            [status],
            timeout=self.timeout,
            poll=self.poll,
            hook=self.hook,
            failed={"error"},
            reason=_fault,
        )

    async def _delete(self, server_id: str) -> None:
        """Delete a server that failed to build and wait until it is gone (its ports and
        addresses with it)."""
        compute = self.connection.compute
        await call(f"deleting failed server {server_id}", patient(compute.delete_server), server_id)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                server = await call(
                    f"reading server {server_id}", patient(compute.get_server), server_id
                )
            except PluginError as error:
                if error.code == grpc.StatusCode.NOT_FOUND:
                    return
                raise
            if str(server.status).lower() == "deleted":
                return
            await asyncio.sleep(self.poll)
        raise PluginError(
            f"failed server {server_id} was not deleted within {self.timeout:.0f}s",
            grpc.StatusCode.DEADLINE_EXCEEDED,
        )

    async def attach(self, server: Any, volumes: list[tuple[str, str, bool]]) -> None:
        compute = self.connection.compute
        block = self.connection.block_storage
        for volume_id, device, delete_on_termination in volumes:
            options: dict[str, Any] = {"device": device} if device else {}
            if delete_on_termination:  # only sent when set: older Nova refuses the field
                options["delete_on_termination"] = True
            await call(
                f"attaching volume {volume_id} to server {server.id} at {device or 'any device'}",
                compute.create_volume_attachment,
                server,
                volume_id,
                **options,
            )
            await wait_for_status(
                f"volume {volume_id}",
                patient(partial(block.get_volume, volume_id)),
                ["in-use"],
                timeout=self.timeout,
                poll=self.poll,
                hook=self.hook,
                failed=ERROR_STATUSES | {"error_attaching"},
            )

    async def tag(self, server: Any, inputs: Inputs) -> None:
        """Tags Nova could not take with the create request (before API 2.52)."""
        if not inputs.tags or inputs.tags_at_create:
            return
        compute = self.connection.compute
        await call_patiently(
            f"tagging server {server.id}", lambda: server.set_tags(compute, inputs.tags)
        )

    async def power(self, server: Any, record: dict[str, Any], inputs: Inputs) -> None:
        """Leave the new server as the original was when protected: SHUTOFF is stopped again,
        PAUSED paused, SUSPENDED suspended, unless the restore parameter power_state is
        ``active``."""
        was = str(record.get("status") or "").upper()
        action = POWER_ACTIONS.get(was)
        if str(self.parameters.get("power_state") or "original") == "active":
            if action is not None:
                inputs.notes.append(f"left running (power_state active); it was {was}")
            return
        if was in ("SHELVED", "SHELVED_OFFLOADED"):
            inputs.notes.append(f"it was {was} when protected; it was restored ACTIVE")
        if action is None:
            return
        method, status, doing, done = action
        compute = self.connection.compute
        await self.hook.progress(0, 0, f"{doing} server {server.id}: it was {was}")
        try:
            # Not repeated: an action that did happen would be refused (409) the second time.
            await call(f"{doing} restored server {server.id}", getattr(compute, method), server)
            await self._until(f"restored server {server.name} ({server.id})", server.id, status)
        except PluginError as error:
            # The server is restored and works; some hosts cannot pause or suspend (Ironic,
            # PCI passthrough). A warning, as for floating IPs, rather than a failed restore.
            inputs.notes.append(
                f"warning: it was {was}, but {doing} it failed ({error}); do that by hand"
            )
            return
        inputs.notes.append(f"{done}, as it was when protected")


def _fault(server: Any) -> str:
    fault = getattr(server, "fault", None) or {}
    return str(fault.get("message") or "Nova gave no fault message").strip()
