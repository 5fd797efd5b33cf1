"""Operation parameters against the JSON Schemas plugins publish (options, restore, verify).

Karbor clients send every parameter value as a string ("true", "3"), so where a schema asks for
a boolean, integer or number a string that spells one is accepted and converted; everything
else must match the schema as written.
"""

from __future__ import annotations

from typing import Any

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    return [str(k) for k in kind] if isinstance(kind, list) else []


def _convert(schema: dict[str, Any], value: Any) -> Any:
    if not isinstance(value, str):
        return value
    kinds = _types(schema)
    if "string" in kinds:
        return value
    text = value.strip()
    if "boolean" in kinds and text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    if "integer" in kinds:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in kinds:
        try:
            return float(text)
        except ValueError:
            pass
    return value


def coerce(schema: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with string spellings of booleans and numbers converted where the schema's
    property asks for them."""
    properties = schema.get("properties") or {}
    return {
        name: _convert(properties[name], value) if isinstance(properties.get(name), dict) else value
        for name, value in options.items()
    }


def violations(schema: dict[str, Any], options: dict[str, Any], field: str) -> dict[str, str]:
    """Field violations of ``options`` (after ``coerce``) against ``schema``, keyed
    ``<field>.<property path>``; an empty schema accepts anything."""
    if not schema:
        return {}
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    found: dict[str, str] = {}
    for error in sorted(validator.iter_errors(coerce(schema, options)), key=str):
        path = ".".join(str(p) for p in error.absolute_path)
        key = f"{field}.{path}" if path else field
        found.setdefault(key, error.message[:300])
    return found
