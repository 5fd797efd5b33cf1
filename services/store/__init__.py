"""The SQL store shared by the services: plans, triggers, scheduled operations, restores,
verifications, operation logs, quotas, service registry and identities."""
