"""Which images and volumes belong to a project and to a server (Karbor's dependency rules),
answered by the image and Cinder backup plugins against the real Nova, Cinder and Glance; and a
whole-project checkpoint that backs up attached volumes from temporary snapshots, without force."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import grpc

from smaug.plugin.v1 import plugin_pb2, plugin_pb2_grpc
from smaug.v1 import checkpoints_pb2, protectables_pb2, resources_pb2
from support.openstack import (
    AUTH_URL,
    PROVIDER,
    KeystoneApi,
    OpenStackCloud,
    Tenant,
    openstack_plugin,
)
from support.openstack_storage import (
    IMAGE,
    PROJECT,
    VOLUME,
    Flows,
    MiB,
    make_image,
    make_volume,
    state_of,
    wait_until,
)

SERVER = "OS::Nova::Server"


@contextmanager
def standalone(module: str) -> Iterator[plugin_pb2_grpc.ProtectionPluginServiceStub]:
    """An OpenStack plugin run on its own (``--listen``), as an appliance would run it."""
    settings = {"auth_url": AUTH_URL, "region_name": "RegionOne"}
    process = subprocess.Popen(
        [sys.executable, "-m", f"smaug.plugins.openstack.{module}", "--listen", "127.0.0.1:0"],
        env={**os.environ, "SMAUG_PLUGIN_CONFIG": json.dumps(settings)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        address = process.stdout.readline().rsplit(" ", 1)[1].strip()
        with grpc.insecure_channel(address) as channel:
            yield plugin_pb2_grpc.ProtectionPluginServiceStub(channel)
    finally:
        process.terminate()
        process.wait(10)


def dependents_of(
    stub: plugin_pb2_grpc.ProtectionPluginServiceStub,
    tenant: Tenant,
    child_type: str,
    parent_type: str,
    parent_id: str,
) -> list[tuple[str, str, dict[str, Any]]]:
    from google.protobuf import json_format

    reply = stub.ListDependentResources(
        plugin_pb2.ListDependentResourcesRequest(
            resource_type=child_type,
            parent=plugin_pb2.Resource(type=parent_type, id=parent_id),
            context=plugin_pb2.CallContext(project_id=tenant.project_id, auth_token=tenant.token()),
        ),
        timeout=60,
    )
    return [(r.type, r.id, json_format.MessageToDict(r.extra_info)) for r in reply.resources]


def boot(tenant: Tenant, cloud: OpenStackCloud, name: str, **how: Any) -> Any:
    compute = tenant.connection.compute
    server = compute.create_server(name=name, flavor_id=cloud.flavor(), networks="none", **how)
    return compute.wait_for_server(server, wait=120)


def test_dependents_of_servers_and_the_project(
    openstack_project: Tenant, openstack_cloud: OpenStackCloud, openstack_mesh_factory: Any
) -> None:
    tenant = openstack_project
    connection = tenant.connection
    image = make_image(tenant, "smaug-base", os.urandom(MiB))
    data = make_volume(tenant, "smaug-data")
    root = make_volume(tenant, "smaug-root")
    broken = make_volume(tenant, "smaug-broken")
    openstack_cloud.admin.block_storage.reset_volume_status(broken, "error", None, None)
    connection.block_storage.set_volume_bootable_status(root, True)
    from_image = boot(tenant, openstack_cloud, "smaug-from-image", image_id=image.id)
    connection.compute.create_volume_attachment(from_image, volume_id=data.id)
    from_volume = boot(
        tenant,
        openstack_cloud,
        "smaug-from-volume",
        block_device_mapping=[
            {
                "boot_index": 0,
                "uuid": root.id,
                "source_type": "volume",
                "destination_type": "volume",
            }
        ],
    )
    for volume in (data, root):
        connection.block_storage.wait_for_status(volume, "in-use", wait=120)
    wait_until(
        "the broken volume in error",
        lambda: connection.block_storage.get_volume(broken.id).status == "error",
    )

    # A server's dependents: its boot image (none when it boots from a volume), its volumes.
    with standalone("image") as images, standalone("volume_backup") as volumes:
        assert dependents_of(images, tenant, IMAGE, SERVER, from_image.id) == [
            (IMAGE, image.id, {"server_id": from_image.id})
        ]
        assert dependents_of(images, tenant, IMAGE, SERVER, from_volume.id) == []
        assert [d[1] for d in dependents_of(volumes, tenant, VOLUME, SERVER, from_image.id)] == [
            data.id
        ]
        assert [d[1] for d in dependents_of(volumes, tenant, VOLUME, SERVER, from_volume.id)] == [
            root.id
        ]

    # The project's dependents through the api: its images and its volumes not in error.
    mesh = openstack_mesh_factory(
        [
            openstack_plugin("project"),
            openstack_plugin("image", poll_seconds=0.5),
            openstack_plugin("volume_backup", poll_seconds=0.5),
        ]
    )
    api = KeystoneApi(mesh, tenant)
    shown = api.call(
        api.protectables.GetProtectableInstance,
        protectables_pb2.GetProtectableInstanceRequest(
            protectable_type=PROJECT, instance_id=tenant.project_id, provider_id=PROVIDER
        ),
    ).instance
    found = {(r.type, r.id) for r in shown.dependent_resources}
    assert found == {(IMAGE, image.id), (VOLUME, data.id), (VOLUME, root.id)}, found
    listed = api.call(
        api.protectables.ListProtectableInstances,
        protectables_pb2.ListProtectableInstancesRequest(
            protectable_type=VOLUME, provider_id=PROVIDER
        ),
    )
    assert {i.resource.id for i in listed.instances} == {data.id, root.id}

    # The whole project: both attached volumes are backed up from snapshots, no force needed.
    flows = Flows(api)
    plan = flows.plan([(PROJECT, tenant.project_id, tenant.project_name)], {})
    checkpoint = flows.protect(plan)
    assert checkpoint.status == checkpoints_pb2.CHECKPOINT_STATUS_AVAILABLE, (
        checkpoint.status_reason,
        [(s.resource.id, s.reason) for s in checkpoint.resource_states],
    )
    for kind, resource_id in found:
        state = state_of(checkpoint.resource_states, kind, resource_id)
        assert state.status == resources_pb2.RESOURCE_STATUS_AVAILABLE, state.reason
    for volume in (data, root):
        (backup,) = connection.block_storage.backups(details=True, volume_id=volume.id)
        assert backup.status == "available" and backup.snapshot_id
    assert list(connection.block_storage.snapshots(volume_id=data.id)) == []
