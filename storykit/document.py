"""What readers and cleaners hand to the merge: one source article, before merging."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from storykit.model import Dropped

PartKind = Literal["title", "heading", "paragraph", "caption", "question", "answer"]


@dataclass(frozen=True)
class SourceMeta:
    """Metadata found in a source file (HTML meta tags, JSON-LD, Markdown front matter)."""

    title: str = ""
    outlet: str | None = None
    author: str | None = None
    url: str | None = None
    published: str | None = None  # ISO 8601 date or datetime
    language: str | None = None  # BCP 47 tag, e.g. "en", "fr"


@dataclass(frozen=True)
class RawDocument:
    """A source file decoded to text, with any metadata its format carries."""

    path: str  # as given by the user, used in messages
    name: str  # file name, stored in the model
    checksum: str  # sha256 of the file's bytes
    text: str  # decoded text (for HTML: the extracted article text)
    meta: SourceMeta
    kind: Literal["txt", "md", "html"] = "txt"


@dataclass(frozen=True)
class Part:
    """A cleaned line of a source: a heading, a paragraph, a caption, or a FAQ item."""

    kind: PartKind
    text: str
    line: int  # 1-based line in the decoded text
    truncated: bool = False  # text stops mid-sentence


@dataclass(frozen=True)
class CleanDocument:
    """A source after cleaning: its parts in order and what was dropped."""

    id: str  # "s1", "s2", ... in the order the sources are merged
    raw: RawDocument
    parts: tuple[Part, ...]
    dropped: tuple[Dropped, ...]
