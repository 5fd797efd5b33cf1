"""The OpenStack tier: tests against the real services tools/openstack runs."""

from support.openstack import (  # noqa: F401  (fixtures)
    openstack_cloud,
    openstack_mesh_factory,
    openstack_project,
)
