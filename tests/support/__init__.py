"""Shared test helpers (plain modules, no fixtures registered on import)."""
