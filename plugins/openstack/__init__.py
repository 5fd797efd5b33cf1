"""Protection plugins for OpenStack workloads, each its own plugin server.

Every module here serves one resource type the way Karbor's plugins did (``project``,
``server``, ``volume_backup`` and ``volume_snapshot``, ``image``, ``network``) and reaches
OpenStack through openstacksdk *as the caller*: the Keystone token in the hook's CallContext,
never a shared admin identity (``cloud``). Waiting on OpenStack status transitions has
deadlines and reports progress (``waiting``).
"""
