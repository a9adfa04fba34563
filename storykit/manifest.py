"""The optional manifest (story.toml) beside the sources: per-file metadata and editor overrides.

[story]                      # all optional
title = "A headline the editor chose"
dek = "The standfirst"
language = "fr"
layout = "default"           # a built-in layout name or a folder, relative to the manifest

[sources."wire.txt"]         # per source file: what the file itself does not say
outlet = "Example Wire"
url = "https://example.org/story"
published = "2025-07-05"
language = "en"
author = "A. Reporter"

[overrides]
drop = ["p-12"]              # block ids (see story.json) to leave out
speakers = { "q-3" = "A. Name" }   # quote id -> speaker

[[overrides.conflict]]
id = "c-1"                   # or topic = "..."
lead = "5 months"            # the account to show first; the others stay listed
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storykit.document import RawDocument, SourceMeta
from storykit.errors import SourceError
from storykit.model import Block, Conflict, Quote, Section, Story

NAME = "story.toml"
STORY_KEYS = {"title", "dek", "language", "layout"}
SOURCE_KEYS = {"title", "outlet", "url", "published", "language", "author"}
OVERRIDE_KEYS = {"drop", "speakers", "conflict"}


@dataclass(frozen=True)
class Manifest:
    """What an editor said about the sources and the story."""

    path: Path | None = None
    story: dict[str, str] = field(default_factory=dict)
    sources: dict[str, dict[str, str]] = field(default_factory=dict)
    drop: tuple[str, ...] = ()
    speakers: dict[str, str] = field(default_factory=dict)
    leads: tuple[tuple[str, str], ...] = ()  # (conflict id or topic, lead value)

    @property
    def layout(self) -> str | None:
        """The layout the manifest asks for, resolved against its folder."""
        name = self.story.get("layout")
        if not name or self.path is None:
            return name
        local = self.path.parent / name
        return str(local) if local.is_dir() else name


def find_manifest(paths: list[Path]) -> Path | None:
    """A story.toml given directly, or beside the sources in the first folder that has one."""
    for path in paths:
        if path.suffix == ".toml" and path.is_file():
            return path
    for path in paths:
        if path.is_dir() and (path / NAME).is_file():
            return path / NAME
    return None


def load_manifest(path: Path | None) -> Manifest:
    """The manifest at this path, checked; an empty one when there is none."""
    if path is None:
        return Manifest()
    import tomllib  # only for a story that has a manifest

    where = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(where, f"cannot be read ({exc})", "check the file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(where, f"is not valid TOML ({exc})", "fix its syntax; see 'storykit build --help'") from None
    _only(data, {"story", "sources", "overrides"}, where, "the top level")
    story = _table(data.get("story", {}), where, "[story]")
    _only(story, STORY_KEYS, where, "[story]")
    sources = _table(data.get("sources", {}), where, "[sources]")
    for name, entry in sources.items():
        _only(_table(entry, where, f'[sources."{name}"]'), SOURCE_KEYS, where, f'[sources."{name}"]')
    overrides = _table(data.get("overrides", {}), where, "[overrides]")
    _only(overrides, OVERRIDE_KEYS, where, "[overrides]")
    drop = overrides.get("drop", [])
    if not isinstance(drop, list) or not all(isinstance(d, str) for d in drop):
        raise SourceError(where, "overrides.drop must be a list of block ids", 'e.g. drop = ["p-12"]')
    leads = []
    for item in overrides.get("conflict", []):
        entry = _table(item, where, "[[overrides.conflict]]")
        _only(entry, {"id", "topic", "lead"}, where, "[[overrides.conflict]]")
        target = entry.get("id") or entry.get("topic")
        if not target or "lead" not in entry:
            raise SourceError(where, "each [[overrides.conflict]] needs an id (or topic) and a lead", 'e.g. id = "c-1"')
        leads.append((str(target), str(entry["lead"])))
    return Manifest(
        path=path,
        story={k: str(v) for k, v in story.items()},
        sources={name: {k: str(v) for k, v in entry.items()} for name, entry in sources.items()},
        drop=tuple(drop),
        speakers={str(k): str(v) for k, v in _table(overrides.get("speakers", {}), where, "speakers").items()},
        leads=tuple(leads),
    )


def _table(value: Any, where: str, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SourceError(where, f"{name} must be a table", "see the manifest example in the README")
    return value


def _only(table: dict[str, Any], allowed: set[str], where: str, name: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise SourceError(where, f"unknown key '{unknown[0]}' in {name}", f"use one of {', '.join(sorted(allowed))}")


def apply_to_source(manifest: Manifest, raw: RawDocument) -> RawDocument:
    """A source with the manifest's metadata for its file laid over its own."""
    entry = manifest.sources.get(raw.name)
    if not entry:
        return raw
    meta: SourceMeta = dataclasses.replace(raw.meta, **entry)
    return dataclasses.replace(raw, meta=meta)


def apply_to_story(manifest: Manifest, story: Story) -> Story:
    """The story with the editor's overrides: headline, dek, language, drops, speakers, leads."""
    meta = story.meta
    wanted = manifest.story
    meta = dataclasses.replace(
        meta,
        title=wanted.get("title", meta.title),
        dek=wanted.get("dek", meta.dek),
        language=wanted.get("language", meta.language),
    )
    known_blocks = {b.id for b in story.blocks()}
    for block_id in manifest.drop:
        if block_id not in known_blocks:
            raise SourceError(
                str(manifest.path),
                f"overrides.drop names '{block_id}', which the story does not have",
                "see the block ids in story.json ('storykit merge')",
            )
    sections = tuple(
        Section(s.id, s.heading, tuple(_speaker_fixed(b, manifest) for b in s.blocks if b.id not in manifest.drop))
        for s in story.sections
    )
    sections = tuple(s for s in sections if s.blocks)
    quotes = tuple(_quote_fixed(q, manifest) for q in story.quotes)
    conflicts = tuple(_lead_first(c, manifest) for c in story.conflicts)
    return dataclasses.replace(story, meta=meta, sections=sections, quotes=quotes, conflicts=conflicts)


def _speaker_fixed(block: Block, manifest: Manifest) -> Block:
    if block.quote and block.quote in manifest.speakers:
        return dataclasses.replace(block, speaker=manifest.speakers[block.quote])
    return block


def _quote_fixed(quote: Quote, manifest: Manifest) -> Quote:
    if quote.id in manifest.speakers:
        return dataclasses.replace(quote, speaker=manifest.speakers[quote.id])
    return quote


def _lead_first(conflict: Conflict, manifest: Manifest) -> Conflict:
    for target, lead in manifest.leads:
        if target in (conflict.id, conflict.topic):
            ordered = sorted(conflict.claims, key=lambda c: c.value != lead)
            return dataclasses.replace(conflict, claims=tuple(ordered))
    return conflict
