"""The OpenStack test tier: the real services of openstack-lite (tools/openstack starts them),
a fresh project and user per test, and a Smaug mesh whose api runs in Keystone mode.

Tests that need OpenStack take the ``openstack_cloud`` or ``openstack_project`` fixture; when the
cloud is not running they fail with the command that starts it (tools/test runs it first).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml

from smaug.v1 import (
    checkpoints_pb2,
    checkpoints_pb2_grpc,
    operation_logs_pb2_grpc,
    plans_pb2_grpc,
    protectables_pb2_grpc,
    providers_pb2_grpc,
    restores_pb2_grpc,
    scheduled_operations_pb2_grpc,
    triggers_pb2_grpc,
    verifications_pb2_grpc,
)
from support.mesh import Mesh, smaug_up

BASE = Path(os.environ.get("SMAUG_OPENSTACK_BASE", "/var/tmp/openstack-lite"))
AUTH_URL = "http://127.0.0.1:5000/v3"
ADMIN = {"username": "admin", "password": "secret", "project_name": "admin"}
# The OpenStack provider of the tier's meshes.
PROVIDER = "b6b5d1a6-3c0e-4c65-9d36-0a5e4c0e6f01"
# Where the file-backed Cinder driver keeps each volume as volume-<id> (to write and check data).
VOLUME_DIR = BASE / "data" / "cinder" / "volumes"
PASSWORD = "smaug-test-secret"  # test users only


def _answering(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(url, timeout=3).close()
        return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def connect(**auth: Any) -> Any:
    import openstack

    return openstack.connect(
        auth_url=AUTH_URL,
        user_domain_name="Default",
        project_domain_name="Default",
        region_name="RegionOne",
        identity_api_version="3",
        **auth,
    )


@dataclass
class OpenStackCloud:
    """The running cloud, with an admin connection for setup and cleanup."""

    admin: Any
    auth_url: str = AUTH_URL
    volume_dir: Path = VOLUME_DIR
    _flavor_id: str = ""

    def flavor(self) -> str:
        """A small public flavor the tests' servers boot with (made once)."""
        if not self._flavor_id:
            found = self.admin.compute.find_flavor("smaug-tiny")
            if found is None:
                found = self.admin.compute.create_flavor(
                    name="smaug-tiny", ram=64, vcpus=1, disk=1, is_public=True
                )
            self._flavor_id = found.id
        return self._flavor_id


@pytest.fixture(scope="session")
def openstack_cloud() -> OpenStackCloud:
    assert _answering(AUTH_URL) and _answering("http://127.0.0.1:8776/"), (
        "the OpenStack test cloud is not running: run tools/openstack (tools/test does) and "
        f"see {BASE}/logs if it fails"
    )
    return OpenStackCloud(admin=connect(**ADMIN))


@dataclass
class Tenant:
    """A fresh project with one member user, and that user's connection."""

    cloud: OpenStackCloud
    project_id: str
    project_name: str
    user_id: str
    username: str
    connection: Any
    _extra_users: list[str] = field(default_factory=list)

    def token(self) -> str:
        """A new Keystone token of the user, scoped to the project."""
        return str(self.connection.session.get_token())

    def user_connection(self) -> Any:
        return connect(username=self.username, password=PASSWORD, project_id=self.project_id)


def make_tenant(cloud: OpenStackCloud, role: str = "member") -> Tenant:
    admin = cloud.admin
    suffix = uuid.uuid4().hex[:8]
    project = admin.identity.create_project(name=f"smaug-test-{suffix}", domain_id="default")
    user = admin.identity.create_user(
        name=f"smaug-user-{suffix}", password=PASSWORD, domain_id="default"
    )
    role_id = admin.identity.find_role(role).id
    admin.identity.assign_project_role_to_user(project, user, role_id)
    connection = connect(username=user.name, password=PASSWORD, project_id=project.id)
    return Tenant(cloud, project.id, project.name, user.id, user.name, connection)


def clean_tenant(tenant: Tenant) -> None:
    """Delete everything the project holds, then the project and its user."""
    admin = tenant.cloud.admin
    connection = tenant.connection
    detach_routers(connection)
    try:
        connection.project_cleanup(dry_run=False, wait_timeout=180)
    except Exception as error:  # cleanup must not hide the test's own result
        print(f"project cleanup of {tenant.project_name} incomplete: {error}", file=sys.stderr)
    # Backups and images made public/shared may outlive project_cleanup; sweep as admin.
    for backup in admin.block_storage.backups(details=True, all_projects=True):
        if getattr(backup, "project_id", None) == tenant.project_id:
            _quietly(admin.block_storage.delete_backup, backup, force=True)
    for image in admin.image.images(owner=tenant.project_id):
        _quietly(admin.image.delete_image, image)
    _quietly(admin.identity.delete_user, tenant.user_id)
    _quietly(admin.identity.delete_project, tenant.project_id)


def detach_routers(connection: Any) -> None:
    """Remove the extra routes and interfaces of the project's routers: project_cleanup cannot
    delete a router that still has them."""
    network = connection.network
    try:
        routers = list(network.routers(project_id=connection.current_project_id))
        for router in routers:
            if router.routes:  # extra routes pin the interfaces they go through
                _quietly(network.update_router, router, routes=[])
            for port in list(network.ports(device_id=router.id)):
                if port.device_owner.startswith("network:router_interface"):
                    _quietly(network.remove_interface_from_router, router, port=port.id)
    except Exception as error:  # cleanup must not hide the test's own result
        print(f"cleanup: detaching routers failed: {error}", file=sys.stderr)


def _quietly(function: Any, *args: Any, **kwargs: Any) -> None:
    try:
        function(*args, **kwargs)
    except Exception as error:
        print(f"cleanup: {function.__name__} failed: {error}", file=sys.stderr)


@pytest.fixture
def openstack_project(openstack_cloud: OpenStackCloud) -> Iterator[Tenant]:
    tenant = make_tenant(openstack_cloud)
    try:
        yield tenant
    finally:
        clean_tenant(tenant)


@contextmanager
def external_network(cloud: OpenStackCloud, cidr: str) -> Iterator[Any]:
    """An external network for router gateways and floating IPs (only an admin can make one);
    removed afterwards with whatever still uses it."""
    admin = cloud.admin.network
    network = admin.create_network(
        name=f"smaug-test-external-{uuid.uuid4().hex[:6]}", is_router_external=True
    )
    admin.create_subnet(network_id=network.id, cidr=cidr, ip_version=4, enable_dhcp=False)
    try:
        yield network
    finally:
        for ip in admin.ips(floating_network_id=network.id):
            admin.delete_ip(ip, ignore_missing=True)
        for router in admin.routers():
            if (router.external_gateway_info or {}).get("network_id") == network.id:
                admin.update_router(router, external_gateway_info={})
        for port in admin.ports(network_id=network.id):
            admin.delete_port(port, ignore_missing=True)
        admin.delete_network(network, ignore_missing=True)


def openstack_plugin(module: str, **settings: Any) -> dict[str, Any]:
    """A launched OpenStack plugin (``smaug.plugins.openstack.<module>``) for a provider."""
    return {
        "name": f"openstack-{module.replace('_', '-')}",
        "command": [sys.executable, "-m", f"smaug.plugins.openstack.{module}"],
        "settings": {"auth_url": AUTH_URL, "region_name": "RegionOne", **settings},
    }


def write_openstack_config(
    tmp: Path, plugins: list[dict[str, Any]], provider_id: str = PROVIDER
) -> Path:
    """A configuration with one OpenStack provider (filesystem bank under ``tmp``)."""
    config = {
        "providers": [
            {
                "id": provider_id,
                "name": "OpenStack",
                "description": "OpenStack workloads (test tier)",
                "bank": {"backend": "filesystem", "path": str(tmp / "bank")},
                "plugins": plugins,
            }
        ]
    }
    path = tmp / "smaug.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def keystone_env() -> dict[str, str]:
    """The api's Keystone mode against the tier's Keystone (admin validates tokens)."""
    return {
        "SMAUG_KEYSTONE_AUTH_URL": AUTH_URL,
        "SMAUG_KEYSTONE_USERNAME": ADMIN["username"],
        "SMAUG_KEYSTONE_PASSWORD": ADMIN["password"],
        "SMAUG_KEYSTONE_PROJECT_NAME": ADMIN["project_name"],
    }


@pytest.fixture
def openstack_mesh_factory(tmp_path: Path) -> Iterator[Any]:
    """Start a Keystone-mode mesh with the given OpenStack plugins; stopped at teardown."""
    started: list[Any] = []

    def start(plugins: list[dict[str, Any]]) -> Mesh:
        config = write_openstack_config(tmp_path, plugins)
        manager = smaug_up(tmp_path / "data", {"SMAUG_CONFIG": str(config), **keystone_env()})
        mesh = manager.__enter__()
        started.append(manager)
        return mesh

    yield start
    for manager in reversed(started):
        manager.__exit__(None, None, None)


class KeystoneApi:
    """Stubs of the api, called with a tenant's Keystone token."""

    def __init__(self, mesh: Mesh, tenant: Tenant) -> None:
        self.tenant = tenant
        self.channel = grpc.insecure_channel(mesh.api)
        self.plans = plans_pb2_grpc.PlanServiceStub(self.channel)
        self.checkpoints = checkpoints_pb2_grpc.CheckpointServiceStub(self.channel)
        self.restores = restores_pb2_grpc.RestoreServiceStub(self.channel)
        self.verifications = verifications_pb2_grpc.VerificationServiceStub(self.channel)
        self.logs = operation_logs_pb2_grpc.OperationLogServiceStub(self.channel)
        self.providers = providers_pb2_grpc.ProviderServiceStub(self.channel)
        self.protectables = protectables_pb2_grpc.ProtectableServiceStub(self.channel)
        self.triggers = triggers_pb2_grpc.TriggerServiceStub(self.channel)
        self.scheduled_operations = scheduled_operations_pb2_grpc.ScheduledOperationServiceStub(
            self.channel
        )

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return (("x-auth-token", self.tenant.token()),)

    def call(self, method: Any, request: Any, timeout: float = 60) -> Any:
        return method(request, metadata=self.metadata, timeout=timeout)

    def settle(self, checkpoint_id: str, timeout: float = 600) -> list[Any]:
        """Follow a checkpoint until its operation ends; returns the events."""
        return list(
            self.checkpoints.WatchCheckpoint(
                checkpoints_pb2.WatchCheckpointRequest(
                    provider_id=PROVIDER, checkpoint_id=checkpoint_id
                ),
                metadata=self.metadata,
                timeout=timeout,
            )
        )
