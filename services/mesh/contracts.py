"""Where the mesh finds its contracts: the service descriptors of a generated proto package."""

from __future__ import annotations

import importlib
import pkgutil

from google.protobuf import descriptor as pb_descriptor


def services_of(package: str) -> list[pb_descriptor.ServiceDescriptor]:
    """Every service declared in the ``*_pb2`` modules of ``package`` (e.g. ``smaug.v1``)."""
    found: list[pb_descriptor.ServiceDescriptor] = []
    module = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda m: m.name):
        if info.name.endswith("_pb2"):
            generated = importlib.import_module(f"{package}.{info.name}")
            found.extend(generated.DESCRIPTOR.services_by_name.values())
    return found
