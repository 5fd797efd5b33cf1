"""A server's floating IPs: which were on its ports, and putting them back on a new server's.

Protect saves, per port, each floating IP associated with it: id, address, floating (external)
network, the fixed address it pointed at and its description. Restore matches every saved port
to a port of the new server (on the restored network, preferring the one holding the same fixed
address) and, for each saved floating IP, associates the original again when it still exists
and is free; else allocates a new one on the same external network (or the one the topology
restore mapped it to) pointing at the new port. Nothing here fails a restore: a floating IP that
cannot be put back (no such external network, the network not reachable from the new port's
subnet because no router has a gateway on it, quota) is a warning naming the cause and the fix.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

import grpc

from smaug.plugins.openstack import topology
from smaug.plugins.openstack.cloud import call
from smaug.plugins.openstack.patience import call_patiently, create_once, patient
from smaug.plugins.sdk import PluginError

# Keys of HookResult.related_resource_ids (type#original id -> current id), Heat's type names.
FLOATING_IP = "OS::Neutron::FloatingIP"
PORT = "OS::Neutron::Port"

RECORD_SCHEMA: dict[str, Any] = {
    "type": "array",
    "description": "Floating IPs associated with the port when protected",
    "items": {
        "type": "object",
        "required": ["id", "floating_ip_address", "floating_network_id"],
        "properties": {
            "id": {"type": "string"},
            "floating_ip_address": {"type": "string"},
            "floating_network_id": {"type": "string", "description": "The external network"},
            "fixed_ip_address": {
                "type": ["string", "null"],
                "description": "The port's fixed address it pointed at",
            },
            "description": {"type": "string"},
        },
    },
}


def capture(network: Any, port_id: str) -> list[dict[str, Any]]:
    """The floating IPs on a port (blocking; ``network`` is a connection's network proxy)."""
    return [
        {
            "id": ip.id,
            "floating_ip_address": ip.floating_ip_address,
            "floating_network_id": ip.floating_network_id,
            "fixed_ip_address": ip.fixed_ip_address,
            "description": ip.description or "",
        }
        for ip in network.ips(port_id=port_id)
    ]


@dataclass
class Reassociated:
    """What putting the floating IPs back did: the id map and what could not be done."""

    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Reassociate:
    """Puts a record's floating IPs on the ports of a new server, as the caller."""

    def __init__(
        self, connection: Any, new_resource_ids: dict[str, str], restore_net_id: str = ""
    ) -> None:
        self.network = connection.network
        self.ids = new_resource_ids
        self.restore_net_id = restore_net_id  # every new port is on it
        self.result = Reassociated()

    async def run(self, saved_ports: list[dict[str, Any]], server_id: str) -> Reassociated:
        ports = await call(
            f"listing the ports of server {server_id}",
            patient(lambda: list(self.network.ports(device_id=server_id))),
        )
        taken: set[str] = set()
        for saved in saved_ports:
            port = self._match(saved, ports, taken)
            floating = saved.get("floating_ips") or []
            if port is None:
                for ip in floating:
                    self.result.notes.append(
                        f"warning: floating IP {ip['floating_ip_address']} was not restored: "
                        f"the new server has no port on the network of port {saved['port_id']} "
                        "(restore_net_id gives it one interface); associate one by hand"
                    )
                continue
            taken.add(port.id)
            self.result.mapping[f"{PORT}#{saved['port_id']}"] = port.id
            used: set[str] = set()
            for ip in floating:
                await self._restore(ip, port, used)
        return self.result

    def _match(self, saved: dict[str, Any], ports: list[Any], taken: set[str]) -> Any:
        """The new port standing for ``saved``: on its (restored) network, the one holding the
        same fixed address if any; on restore_net_id the first free one."""
        old = saved["network_id"]
        network_id = self.restore_net_id or self.ids.get(f"{topology.NET}#{old}", old)
        candidates = [p for p in ports if p.id not in taken and p.network_id == network_id]
        addresses = {ip["ip_address"] for ip in saved.get("fixed_ips") or []}
        for port in candidates:
            if addresses & {ip["ip_address"] for ip in port.fixed_ips or []}:
                return port
        return candidates[0] if candidates else None

    @staticmethod
    def _fixed_address(ip: dict[str, Any], port: Any, used: set[str]) -> str:
        """The new port's address the floating IP points at: the saved one if the port has
        it, else its first IPv4 address not given to another floating IP."""
        have = [str(f["ip_address"]) for f in port.fixed_ips or []]
        if ip.get("fixed_ip_address") in have and ip["fixed_ip_address"] not in used:
            return str(ip["fixed_ip_address"])
        for address in have:
            if ipaddress.ip_address(address).version == 4 and address not in used:
                return address
        return ""

    async def _restore(self, ip: dict[str, Any], port: Any, used: set[str]) -> None:
        address = ip["floating_ip_address"]
        fixed = self._fixed_address(ip, port, used)
        if not fixed:
            self.result.notes.append(
                f"warning: floating IP {address} was not restored: new port {port.id} has no "
                "free IPv4 address to point it at"
            )
            return
        try:
            original = await self._original(ip["id"])
            if original is not None and not original.port_id:
                await call_patiently(
                    f"associating floating IP {address} with port {port.id}",
                    self.network.update_ip,
                    original.id,
                    port_id=port.id,
                    fixed_ip_address=fixed,
                )
                self.result.mapping[f"{FLOATING_IP}#{ip['id']}"] = original.id
                self.result.notes.append(f"floating IP {address} associated again, with {fixed}")
            else:
                new = await self._allocate(ip, port.id, fixed)
                self.result.mapping[f"{FLOATING_IP}#{ip['id']}"] = new.id
                why = (
                    "no longer exists"
                    if original is None
                    else f"is held by port {original.port_id}"
                )
                self.result.notes.append(
                    f"floating IP {address} {why}; allocated {new.floating_ip_address} for {fixed}"
                )
        except PluginError as error:
            if error.code == grpc.StatusCode.UNAUTHENTICATED:
                raise
            # The server is restored all the same; the warning says what to do by hand.
            fix = f"associate a floating IP with port {port.id} by hand"
            if "not reachable" in error.message:
                fix = (
                    f"give the subnet of port {port.id} a router with a gateway on the external "
                    f"network, then {fix}"
                )
            self.result.notes.append(
                f"warning: floating IP {address} was not restored ({error.message}); {fix}"
            )
            return
        used.add(fixed)

    async def _original(self, floating_ip_id: str) -> Any:
        try:
            return await call(
                f"reading floating IP {floating_ip_id}",
                patient(self.network.get_ip),
                floating_ip_id,
            )
        except PluginError as error:
            if error.code == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    async def _allocate(self, ip: dict[str, Any], port_id: str, fixed: str) -> Any:
        old_network = ip["floating_network_id"]
        network_id = self.ids.get(f"{topology.NET}#{old_network}", old_network)
        try:
            await call(
                f"reading external network {network_id}",
                patient(self.network.get_network),
                network_id,
            )
        except PluginError as error:
            if error.code != grpc.StatusCode.NOT_FOUND:
                raise
            raise PluginError(
                f"its external network {network_id} no longer exists", grpc.StatusCode.NOT_FOUND
            ) from None

        async def made() -> Any:
            found = await call(
                f"looking for the floating IP of port {port_id}",
                patient(
                    lambda: [
                        f for f in self.network.ips(port_id=port_id) if f.fixed_ip_address == fixed
                    ]
                ),
            )
            return found[0] if found else None

        # Allocated and associated in one request: Neutron refuses both when the external
        # network is not reachable from the port, leaving nothing behind.
        return await create_once(
            f"allocating a floating IP on network {network_id} for port {port_id}",
            lambda: self.network.create_ip(
                floating_network_id=network_id,
                port_id=port_id,
                fixed_ip_address=fixed,
                description=ip.get("description") or "",
            ),
            made,
        )
