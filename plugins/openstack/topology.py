"""A project's Neutron topology: capture it as plain data, and rebuild what of it is missing.

The record (version 1) holds the project's own networks, subnets, routers (with their interfaces,
external gateway and extra routes) and security groups with their rules. Rebuilding maps every
saved object that still exists in the project to itself and recreates the rest, in dependency
order (security groups, rules, networks, subnets, routers, interfaces, routes); the map from
original ids to current ones is what a server restore needs to land on the restored network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import grpc

from smaug.plugins.openstack.cloud import call
from smaug.plugins.openstack.patience import patient
from smaug.plugins.sdk import Hook, PluginError

VERSION = 1
# Keys of the old id -> new id map (HookResult.related_resource_ids), Karbor's Neutron types.
NET = "OS::Neutron::Net"
SUBNET = "OS::Neutron::Subnet"
ROUTER = "OS::Neutron::Router"
SECURITY_GROUP = "OS::Neutron::SecurityGroup"
INTERFACE_OWNERS = ("network:router_interface", "network:router_interface_distributed")
# IPv6 modes where Neutron picks the address itself: a port cannot ask for one.
AUTO_ADDRESS_MODES = {"slaac", "dhcpv6-stateless"}
RULE_FIELDS = (
    "direction",
    "ethertype",
    "protocol",
    "port_range_min",
    "port_range_max",
    "remote_ip_prefix",
    "remote_group_id",
    "remote_address_group_id",
)


def capture(network: Any, project_id: str) -> dict[str, Any]:
    """The project's topology as a version-1 record (blocking; ``network`` is a connection's
    network proxy acting as the caller)."""
    rules: dict[str, list[dict[str, Any]]] = {}
    for rule in network.security_group_rules(project_id=project_id):
        rules.setdefault(rule.security_group_id, []).append(
            {
                "direction": rule.direction,
                "ethertype": rule.ether_type,
                "protocol": rule.protocol,
                "port_range_min": rule.port_range_min,
                "port_range_max": rule.port_range_max,
                "remote_ip_prefix": rule.remote_ip_prefix,
                "remote_group_id": rule.remote_group_id,
                "remote_address_group_id": getattr(rule, "remote_address_group_id", None),
                "description": rule.description or "",
            }
        )
    interfaces: dict[str, list[dict[str, Any]]] = {}
    for owner in INTERFACE_OWNERS:
        for port in network.ports(project_id=project_id, device_owner=owner):
            interfaces.setdefault(port.device_id, []).append(
                {
                    "port_id": port.id,
                    "network_id": port.network_id,
                    "fixed_ips": [dict(ip) for ip in port.fixed_ips or []],
                }
            )
    return {
        "version": VERSION,
        "id": project_id,
        "networks": [
            {
                "id": net.id,
                "name": net.name or "",
                "description": net.description or "",
                "admin_state_up": bool(net.is_admin_state_up),
                "mtu": net.mtu,
                "shared": bool(net.is_shared),
                "external": bool(net.is_router_external),
                "port_security_enabled": net.is_port_security_enabled,
                "availability_zone_hints": list(net.availability_zone_hints or []),
                "tags": list(net.tags or []),
            }
            for net in network.networks(project_id=project_id)
        ],
        "subnets": [
            {
                "id": subnet.id,
                "name": subnet.name or "",
                "description": subnet.description or "",
                "network_id": subnet.network_id,
                "cidr": subnet.cidr,
                "ip_version": subnet.ip_version,
                "gateway_ip": subnet.gateway_ip,
                "allocation_pools": [dict(p) for p in subnet.allocation_pools or []],
                "dns_nameservers": list(subnet.dns_nameservers or []),
                "host_routes": [dict(r) for r in subnet.host_routes or []],
                "enable_dhcp": bool(subnet.is_dhcp_enabled),
                "ipv6_address_mode": subnet.ipv6_address_mode,
                "ipv6_ra_mode": subnet.ipv6_ra_mode,
                "tags": list(subnet.tags or []),
            }
            for subnet in network.subnets(project_id=project_id)
        ],
        "routers": [
            {
                "id": router.id,
                "name": router.name or "",
                "description": router.description or "",
                "admin_state_up": bool(router.is_admin_state_up),
                "external_gateway": _gateway(router.external_gateway_info),
                "routes": [dict(r) for r in router.routes or []],
                "interfaces": interfaces.get(router.id, []),
                "tags": list(router.tags or []),
            }
            for router in network.routers(project_id=project_id)
        ],
        "security_groups": [
            {
                "id": group.id,
                "name": group.name or "",
                "description": group.description or "",
                "stateful": group.stateful is not False,
                "default": group.name == "default",
                "rules": rules.get(group.id, []),
                "tags": list(group.tags or []),
            }
            for group in network.security_groups(project_id=project_id)
        ],
    }


def _gateway(info: dict[str, Any] | None) -> dict[str, Any] | None:
    if not info or not info.get("network_id"):
        return None
    return {
        "network_id": info["network_id"],
        "enable_snat": info.get("enable_snat"),
        "external_fixed_ips": [dict(ip) for ip in info.get("external_fixed_ips") or []],
    }


def summary(record: dict[str, Any]) -> str:
    """How much a record holds, for reasons and progress."""
    return (
        f"{_count(record['networks'], 'network')}, {_count(record['subnets'], 'subnet')}, "
        f"{_count(record['routers'], 'router')} and "
        f"{_count(record['security_groups'], 'security group')}"
    )


def _count(items: list[Any] | int, noun: str) -> str:
    n = items if isinstance(items, int) else len(items)
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _rule_key(rule: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(rule.get(name) for name in RULE_FIELDS)


@dataclass
class Rebuilt:
    """What a rebuild did: the id map (``type#old`` -> current), counts and warnings."""

    mapping: dict[str, str] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    kept: int = 0
    notes: list[str] = field(default_factory=list)

    def reason(self) -> str:
        made = sum(self.created.values())
        text = (
            f"recreated {_count(self.created.get(NET, 0), 'network')}, "
            f"{_count(self.created.get(SUBNET, 0), 'subnet')}, "
            f"{_count(self.created.get(ROUTER, 0), 'router')} and "
            f"{_count(self.created.get(SECURITY_GROUP, 0), 'security group')}"
            if made
            else "nothing to recreate"
        )
        if self.kept:
            text += f"; {self.kept} still existed and were kept"
        return "; ".join([text, *self.notes])


class Rebuild:
    """Recreates the missing part of a saved topology as the caller. On failure, everything it
    created is removed again (best effort) so a retry starts from the same state."""

    def __init__(self, connection: Any, project_id: str, prefix: str, hook: Hook) -> None:
        self.network = connection.network
        self.project_id = project_id
        self.prefix = prefix
        self.hook = hook
        self.result = Rebuilt()
        self._undo: list[tuple[str, Callable[[], Any]]] = []

    async def run(self, record: dict[str, Any]) -> Rebuilt:
        try:
            await self._groups(record["security_groups"])
            await self._networks(record["networks"])
            await self._subnets(record["subnets"])
            await self._routers(record["routers"], {s["id"]: s for s in record["subnets"]})
        except BaseException:
            await self._roll_back()
            raise
        return self.result

    async def _call(self, what: str, function: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """A call that changes something: never repeated (a 5xx may have done it)."""
        return await call(what, function, *args, **kw)

    async def _read(self, what: str, function: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """A call safe to repeat: retried after transient failures."""
        return await call(what, patient(function), *args, **kw)

    def _made(self, kind: str, old: str, new: str, undo: Callable[[], Any]) -> None:
        self.result.mapping[f"{kind}#{old}"] = new
        self.result.created[kind] = self.result.created.get(kind, 0) + 1
        self._undo.append((f"{kind} {new}", undo))

    def _kept(self, kind: str, old: str, current: str | None = None) -> None:
        self.result.mapping[f"{kind}#{old}"] = current or old
        self.result.kept += 1

    def _name(self, name: str) -> str:
        return f"{self.prefix}{name}" if self.prefix else name

    async def _progress(self, message: str) -> None:
        await self.hook.progress(0, 0, message)

    async def _tag(self, resource: Any, tags: list[str], what: str) -> None:
        if tags:
            await self._read(f"tagging {what}", self.network.set_tags, resource, tags)

    async def _groups(self, groups: list[dict[str, Any]]) -> None:
        existing = await self._read(
            "listing the project's security groups",
            lambda: list(self.network.security_groups(project_id=self.project_id)),
        )
        present = {group.id for group in existing}
        default = next((g.id for g in existing if g.name == "default"), None)
        created: list[tuple[dict[str, Any], str]] = []
        for group in groups:
            if group["id"] in present:
                self._kept(SECURITY_GROUP, group["id"])
            elif group["default"]:
                # Every project has its own default group; Neutron makes it, we never do.
                if default is None:
                    raise PluginError(
                        f"project {self.project_id} has no default security group to map the "
                        f"saved one ({group['id']}) to",
                        grpc.StatusCode.FAILED_PRECONDITION,
                    )
                self._kept(SECURITY_GROUP, group["id"], default)
            else:
                what = f"security group {group['name'] or group['id']}"
                new = await self._call(
                    f"creating {what}",
                    self.network.create_security_group,
                    name=self._name(group["name"]),
                    description=group["description"],
                    **({} if group["stateful"] else {"stateful": False}),
                )
                self._made(SECURITY_GROUP, group["id"], new.id, partial(self._delete_group, new))
                await self._tag(new, group["tags"], what)
                created.append((group, new.id))
        for group, new_id in created:
            await self._rules(group, new_id)
        if groups:
            await self._progress(f"security groups: {len(created)} recreated")

    def _delete_group(self, group: Any) -> None:
        self.network.delete_security_group(group, ignore_missing=True)

    async def _rules(self, group: dict[str, Any], new_id: str) -> None:
        """The saved rules the new group lacks (Neutron gives it default egress rules)."""
        have = await self._read(
            f"listing the rules of security group {new_id}",
            lambda: [
                _rule_key(
                    {
                        "direction": r.direction,
                        "ethertype": r.ether_type,
                        "protocol": r.protocol,
                        "port_range_min": r.port_range_min,
                        "port_range_max": r.port_range_max,
                        "remote_ip_prefix": r.remote_ip_prefix,
                        "remote_group_id": r.remote_group_id,
                        "remote_address_group_id": getattr(r, "remote_address_group_id", None),
                    }
                )
                for r in self.network.security_group_rules(security_group_id=new_id)
            ],
        )
        for rule in group["rules"]:
            wanted = dict(rule)
            if rule.get("remote_group_id"):
                wanted["remote_group_id"] = self.result.mapping.get(
                    f"{SECURITY_GROUP}#{rule['remote_group_id']}", rule["remote_group_id"]
                )
            if _rule_key(wanted) in have:
                continue
            attributes = {k: v for k, v in wanted.items() if v is not None and k != "ethertype"}
            await self._call(
                f"adding a {rule['direction']} rule to security group {group['name']}",
                self.network.create_security_group_rule,
                security_group_id=new_id,
                ether_type=wanted["ethertype"],
                **attributes,
            )

    async def _networks(self, networks: list[dict[str, Any]]) -> None:
        visible = await self._read(
            "listing networks", lambda: {n.id: n for n in self.network.networks()}
        )
        made = 0
        for net in networks:
            current = visible.get(net["id"])
            if current is not None and (current.project_id == self.project_id or net["external"]):
                self._kept(NET, net["id"])
                continue
            if net["external"]:
                self.result.notes.append(
                    f"external network {net['name'] or net['id']} no longer exists and only an "
                    "admin can recreate it"
                )
                continue
            await self._network(net)
            made += 1
        if networks:
            await self._progress(f"networks: {made} recreated")

    async def _network(self, net: dict[str, Any]) -> None:
        what = f"network {net['name'] or net['id']}"
        attributes: dict[str, Any] = {
            "name": self._name(net["name"]),
            "description": net["description"],
            "is_admin_state_up": net["admin_state_up"],
        }
        if net.get("mtu"):
            attributes["mtu"] = net["mtu"]
        if net.get("port_security_enabled") is not None:
            attributes["is_port_security_enabled"] = net["port_security_enabled"]
        if net.get("availability_zone_hints"):
            attributes["availability_zone_hints"] = net["availability_zone_hints"]
        try:
            new = await self._call(
                f"creating {what}",
                self.network.create_network,
                **attributes,
                **({"is_shared": True} if net["shared"] else {}),
            )
        except PluginError as error:
            if not net["shared"] or error.code != grpc.StatusCode.PERMISSION_DENIED:
                raise
            new = await self._call(f"creating {what}", self.network.create_network, **attributes)
            self.result.notes.append(
                f"{what} was shared; Neutron's policy lets only admins share networks, so the "
                "new one is not"
            )
        self._made(
            NET,
            net["id"],
            new.id,
            partial(self.network.delete_network, new, ignore_missing=True),
        )
        await self._tag(new, net["tags"], what)

    async def _subnets(self, subnets: list[dict[str, Any]]) -> None:
        present = await self._read(
            "listing the project's subnets",
            lambda: {s.id for s in self.network.subnets(project_id=self.project_id)},
        )
        made = 0
        for subnet in subnets:
            if subnet["id"] in present:
                self._kept(SUBNET, subnet["id"])
                continue
            network_id = self.result.mapping.get(f"{NET}#{subnet['network_id']}")
            if network_id is None:
                self.result.notes.append(
                    f"subnet {subnet['cidr']} was not recreated: its network "
                    f"{subnet['network_id']} is gone"
                )
                continue
            what = f"subnet {subnet['name'] or subnet['cidr']}"
            attributes: dict[str, Any] = {
                "name": self._name(subnet["name"]) if subnet["name"] else "",
                "description": subnet["description"],
                "network_id": network_id,
                "cidr": subnet["cidr"],
                "ip_version": subnet["ip_version"],
                "gateway_ip": subnet["gateway_ip"],  # None is "no gateway", as saved
                "is_dhcp_enabled": subnet["enable_dhcp"],
            }
            for key in ("allocation_pools", "dns_nameservers", "host_routes"):
                if subnet[key]:
                    attributes[key] = subnet[key]
            for key in ("ipv6_address_mode", "ipv6_ra_mode"):
                if subnet.get(key):
                    attributes[key] = subnet[key]
            new = await self._call(f"creating {what}", self.network.create_subnet, **attributes)
            self._made(
                SUBNET,
                subnet["id"],
                new.id,
                partial(self.network.delete_subnet, new, ignore_missing=True),
            )
            await self._tag(new, subnet["tags"], what)
            made += 1
        if subnets:
            await self._progress(f"subnets: {made} recreated")

    async def _routers(self, routers: list[dict[str, Any]], subnets: dict[str, Any]) -> None:
        present = await self._read(
            "listing the project's routers",
            lambda: {r.id for r in self.network.routers(project_id=self.project_id)},
        )
        made = 0
        for router in routers:
            what = f"router {router['name'] or router['id']}"
            if router["id"] in present:
                self._kept(ROUTER, router["id"])
                current = router["id"]
                fresh = False
            else:
                current = await self._router(router, what)
                fresh = True
                made += 1
            for interface in router["interfaces"]:
                recreated = any(
                    f"{SUBNET}#{ip['subnet_id']}" in self.result.mapping
                    and self.result.mapping[f"{SUBNET}#{ip['subnet_id']}"] != ip["subnet_id"]
                    for ip in interface["fixed_ips"]
                )
                if fresh or recreated:
                    await self._interface(current, interface, subnets, what)
            if fresh and router["routes"]:
                await self._read(
                    f"setting the extra routes of {what}",
                    self.network.update_router,
                    current,
                    routes=router["routes"],
                )
                self._undo.append(
                    (
                        f"the extra routes of {what}",
                        partial(self.network.update_router, current, routes=[]),
                    )
                )
        if routers:
            await self._progress(f"routers: {made} recreated")

    async def _router(self, router: dict[str, Any], what: str) -> str:
        attributes: dict[str, Any] = {
            "name": self._name(router["name"]),
            "description": router["description"],
            "is_admin_state_up": router["admin_state_up"],
        }
        gateway = router["external_gateway"]
        if gateway:
            network_id = self.result.mapping.get(f"{NET}#{gateway['network_id']}")
            if network_id is None:
                network_id = await self._visible_network(gateway["network_id"])
            if network_id:
                # Only the network: SNAT mode and fixed gateway addresses are admin-only.
                attributes["external_gateway_info"] = {"network_id": network_id}
            else:
                self.result.notes.append(
                    f"{what} lost its external gateway: network {gateway['network_id']} is gone"
                )
        new = await self._call(f"creating {what}", self.network.create_router, **attributes)
        self._made(ROUTER, router["id"], new.id, partial(self._delete_router, new.id))
        await self._tag(new, router["tags"], what)
        return str(new.id)

    async def _visible_network(self, network_id: str) -> str | None:
        try:
            found = await self._read(
                f"reading network {network_id}", self.network.get_network, network_id
            )
        except PluginError as error:
            if error.code == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return str(found.id)

    async def _interface(
        self, router_id: str, interface: dict[str, Any], subnets: dict[str, Any], what: str
    ) -> None:
        ips = []
        for ip in interface["fixed_ips"]:
            old = ip["subnet_id"]
            # A subnet the project does not own (a shared network's) keeps its id.
            subnet_id = self.result.mapping.get(f"{SUBNET}#{old}", None if old in subnets else old)
            if subnet_id is None:
                self.result.notes.append(
                    f"{what} lost its interface {ip['ip_address']}: subnet {old} is gone"
                )
                return
            ips.append((ip, subnet_id, subnets.get(old, {})))
        if not ips:
            return
        first, subnet_id, saved = ips[0]
        if len(ips) == 1 and first["ip_address"] == saved.get("gateway_ip"):
            await self._call(
                f"attaching {what} to subnet {subnet_id}",
                self.network.add_interface_to_router,
                router_id,
                subnet=subnet_id,
            )
            self._undo.append(
                (
                    f"the interface of {what} on subnet {subnet_id}",
                    lambda: self.network.remove_interface_from_router(router_id, subnet=subnet_id),
                )
            )
            return
        old_network = interface["network_id"]
        fixed = [
            {"subnet_id": new_subnet, "ip_address": ip["ip_address"]}
            for ip, new_subnet, saved_subnet in ips
            if saved_subnet.get("ipv6_address_mode") not in AUTO_ADDRESS_MODES
        ]
        port = await self._call(
            f"creating the port of {what} at {first['ip_address']}",
            self.network.create_port,
            network_id=self.result.mapping.get(f"{NET}#{old_network}", old_network),
            fixed_ips=fixed,
        )
        try:
            await self._call(
                f"attaching {what} to port {port.id}",
                self.network.add_interface_to_router,
                router_id,
                port=port.id,
            )
        except BaseException:
            await call(f"removing port {port.id}", patient(self.network.delete_port), port)
            raise
        # Removing the interface deletes its port too.
        self._undo.append(
            (
                f"the interface of {what} on port {port.id}",
                lambda: self.network.remove_interface_from_router(router_id, port=port.id),
            )
        )

    def _delete_router(self, router_id: str) -> None:
        self.network.update_router(router_id, routes=[])
        for owner in INTERFACE_OWNERS:
            for port in list(self.network.ports(device_id=router_id, device_owner=owner)):
                self.network.remove_interface_from_router(router_id, port=port.id)
        self.network.delete_router(router_id, ignore_missing=True)

    async def _roll_back(self) -> None:
        for what, undo in reversed(self._undo):
            try:
                await call(f"removing {what} after the failed restore", patient(undo))
            except Exception as error:  # best effort: report and carry on with the rest
                await self.hook.progress(0, 0, f"could not remove {what}: {error}")
