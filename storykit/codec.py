"""JSON codec and JSON Schema for the story model, derived from its dataclasses."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from functools import cache
from typing import Any, Literal, TypeVar, get_args, get_origin, get_type_hints

from storykit.errors import StoryFileError
from storykit.model import Story

SCHEMA_ID = "https://storykit.invalid/schema/story-1.json"
FORMAT_VERSION = 1

T = TypeVar("T")


def to_data(value: Any) -> Any:
    """Plain JSON-ready data for a model value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    return value


def dumps(story: Story) -> bytes:
    """The story as stable, human-readable JSON bytes."""
    data = {"storykit": FORMAT_VERSION, **to_data(story)}
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def loads(raw: bytes | str, path: str = "story.json") -> Story:
    """A story from JSON made by `dumps` (or edited by hand)."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StoryFileError(
            path, f"is not valid JSON ({exc})", "fix the syntax or rebuild it with 'storykit merge'"
        ) from None
    if not isinstance(data, dict):
        raise StoryFileError(path, "is not a story (expected a JSON object)", "rebuild it with 'storykit merge'")
    data.pop("storykit", None)
    try:
        return _build(Story, data, "")
    except (TypeError, ValueError, KeyError) as exc:
        raise StoryFileError(
            path, f"does not match the story model: {exc}", "compare it with 'storykit schema'"
        ) from None


def _build(cls: type[T], data: Any, where: str) -> T:
    if not isinstance(data, dict):
        raise TypeError(f"{where or 'story'} should be an object")
    hints = _hints(cls)  # type: ignore[arg-type]
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - set(fields)
    if unknown:
        raise KeyError(f"unknown field {sorted(unknown)[0]!r} in {where or 'story'}")
    kwargs = {}
    for name, value in data.items():
        kwargs[name] = _coerce(hints[name], value, f"{where}.{name}".lstrip("."))
    return cls(**kwargs)


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        if value is None and type(None) in get_args(tp):
            return None
        inner = [a for a in get_args(tp) if a is not type(None)]
        return _coerce(inner[0], value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise TypeError(f"{where} should be a list")
        (item,) = get_args(tp)[:1]
        return tuple(_coerce(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is Literal:
        if value not in get_args(tp):
            raise ValueError(f"{where} is {value!r}, expected one of {list(get_args(tp))}")
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise TypeError(f"{where} should be true or false")
        return value
    if tp is str and not isinstance(value, str):
        raise TypeError(f"{where} should be a string")
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of story.json, derived from the model."""
    defs: dict[str, Any] = {}
    _schema_for(Story, defs)
    root_def = defs.pop("Story")
    root_def["properties"] = {"storykit": {"const": FORMAT_VERSION}, **root_def["properties"]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "storykit story",
        **root_def,
        "$defs": dict(sorted(defs.items())),
    }


def _schema_for(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        return {"anyOf": [_schema_for(a, defs) for a in get_args(tp)]}
    if origin is tuple:
        return {"type": "array", "items": _schema_for(get_args(tp)[0], defs)}
    if origin is Literal:
        return {"enum": list(get_args(tp))}
    if tp is type(None):
        return {"type": "null"}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}
            hints = _hints(tp)
            fields = dataclasses.fields(tp)
            defs[name] = {
                "type": "object",
                "description": (tp.__doc__ or "").strip(),
                "properties": {f.name: _schema_for(hints[f.name], defs) for f in fields},
                "required": [
                    f.name
                    for f in fields
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
                ],
                "additionalProperties": False,
            }
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no schema for {tp!r}")


def schema_json() -> bytes:
    """The schema as stable JSON bytes (the committed file)."""
    return (json.dumps(schema(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
