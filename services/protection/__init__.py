"""The protection service: providers, plugin servers, flows, checkpoints, and the Bank service."""
