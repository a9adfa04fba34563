"""The canonical story model: the only thing format adapters read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["heading", "paragraph", "quote", "question", "answer"]


@dataclass(frozen=True)
class Source:
    """One input article, as read."""

    id: str
    file: str
    checksum: str
    title: str = ""
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    copy_of: str | None = None  # id of the source this one reproduces (wire copy)


@dataclass(frozen=True)
class Dropped:
    """A piece of a source removed by cleaning, and why."""

    source: str
    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Block:
    """One unit of body text with the sources that carry it."""

    id: str
    kind: BlockKind
    text: str
    sources: tuple[str, ...]
    speaker: str | None = None
    quote: str | None = None  # id of the Quote this block shows
    truncated: bool = False  # the source's text stops mid-sentence
    language: str | None = None  # set when the block is in another language than the story


@dataclass(frozen=True)
class Section:
    """A run of blocks under an optional heading."""

    id: str
    heading: str | None
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Variant:
    """One wording of a statement, credited to the sources that print it."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Quote:
    """A direct quote: what was said, by whom, to whom, and who reports it."""

    id: str
    text: str
    sources: tuple[str, ...]
    speaker: str | None = None
    outlet: str | None = None  # the outlet the speaker talked to ("told X")
    variants: tuple[Variant, ...] = ()  # other wordings, never fused with `text`


@dataclass(frozen=True)
class Person:
    """Someone the story names, under one canonical name."""

    id: str
    name: str
    sources: tuple[str, ...]
    variants: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    age: str | None = None


@dataclass(frozen=True)
class Place:
    """A place the story names."""

    name: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Fact:
    """A checkable statement with a value, e.g. a count, age, date or distance."""

    id: str
    kind: str
    label: str
    value: str
    text: str
    sources: tuple[str, ...]
    disputed: bool = False  # the value takes part in a conflict: never shown as settled


@dataclass(frozen=True)
class Claim:
    """One side of a disagreement: a value, its wording and its sources."""

    value: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Conflict:
    """A topic on which the sources disagree, with every account."""

    id: str
    topic: str
    claims: tuple[Claim, ...]
    note: str = ""


@dataclass(frozen=True)
class Event:
    """A timeline entry."""

    when: str
    what: str
    sources: tuple[str, ...]
    date: str | None = None  # ISO date when resolved


@dataclass(frozen=True)
class Caption:
    """An image caption found in a source, kept once and apart from the body."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Meta:
    """Story-level metadata."""

    title: str
    slug: str
    language: str = "en"
    dek: str = ""
    place: str | None = None
    date: str | None = None  # ISO date of the event when known
    kicker: str = ""
    summary: tuple[str, ...] = ()  # "In brief" sentences, each from the body


@dataclass(frozen=True)
class Story:
    """One canonical story merged from several sources."""

    meta: Meta
    sources: tuple[Source, ...]
    sections: tuple[Section, ...]
    quotes: tuple[Quote, ...] = ()
    facts: tuple[Fact, ...] = ()
    people: tuple[Person, ...] = ()
    places: tuple[Place, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    timeline: tuple[Event, ...] = ()
    captions: tuple[Caption, ...] = ()
    dropped: tuple[Dropped, ...] = field(default=(), compare=True)

    def source(self, source_id: str) -> Source:
        """The source with this id."""
        for item in self.sources:
            if item.id == source_id:
                return item
        raise KeyError(source_id)

    def source_number(self, source_id: str) -> int:
        """1-based position of a source, used for note markers like [2]."""
        return [s.id for s in self.sources].index(source_id) + 1

    def independent(self, source_ids: tuple[str, ...]) -> int:
        """How many independent sources among these (copies count once)."""
        roots = {self.source(sid).copy_of or sid for sid in source_ids}
        return len(roots)

    def blocks(self) -> tuple[Block, ...]:
        """Every body block in reading order."""
        return tuple(b for s in self.sections for b in s.blocks)

    @property
    def credit(self) -> str:
        """The credit line, e.g. 'Compiled from 4 sources'."""
        n = len(self.sources)
        return f"Compiled from {n} source{'s' if n != 1 else ''}"
