"""Small form-js schemas for the tests of engine.forms."""

from __future__ import annotations

from typing import Any

from engine.forms import FormResult, validate


def component(kind: str, key: str = "f", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "key": key, "id": f"Field_{key}", "label": key.title(), **extra}


def group(path: str | None, *children: dict[str, Any], **extra: Any) -> dict[str, Any]:
    found = {"type": "group", "id": f"Group_{path}", "label": (path or "group").title(),
             "components": list(children), **extra}
    if path:
        found["path"] = path
    return found


def dynamic_list(path: str, *children: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "dynamiclist", "id": f"List_{path}", "label": path.title(), "path": path,
            "isRepeating": True, "components": list(children), **extra}


def form(*components: dict[str, Any]) -> dict[str, Any]:
    return {"type": "default", "id": "f", "schemaVersion": 19, "components": list(components)}


def codes(result: FormResult) -> dict[str, list[str]]:
    """Error codes by field key."""
    out: dict[str, list[str]] = {}
    for error in result.errors:
        out.setdefault(error.field, []).append(error.code)
    return out


def errors(schema: dict[str, Any], data: Any, **options: Any) -> dict[str, list[str]]:
    return codes(validate(schema, data, **options))
