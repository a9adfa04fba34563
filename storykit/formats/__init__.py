"""Format adapters, registered here in one visible place.

Each adapter is a module with `render(story, layout, options) -> bytes`, a pure function of its
arguments. Modules are imported only when their format is used, so heavy libraries (WeasyPrint)
load only for the formats that need them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from storykit.errors import UsageError
from storykit.layouts import Layout
from storykit.model import Story


@dataclass(frozen=True)
class Options:
    """Rendering choices that are not part of the story."""

    paper: Literal["a4", "letter"] = "a4"
    print_marks: bool = False
    width: int | None = None  # plain text: wrap at this many columns (None: one line per paragraph)
    ascii: bool = False  # plain text: ASCII-only variant
    source_date_epoch: int | None = None  # fixed timestamp for reproducible files


Renderer = Callable[[Story, Layout, Options], bytes]


@dataclass(frozen=True)
class Format:
    """A registered output format."""

    name: str
    extension: str
    media_type: str
    module: str
    summary: str

    def renderer(self) -> Renderer:
        """The adapter's render function (imports its module on first use)."""
        module = importlib.import_module(self.module)
        render: Renderer = module.render
        return render


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("pdf", "pdf", "application/pdf", "storykit.formats.pdf", "print feature, tagged PDF/UA-1"),
        Format("epub", "epub", "application/epub+zip", "storykit.formats.epub", "EPUB 3 for e-readers, with page list"),
        Format("txt", "txt", "text/plain; charset=utf-8", "storykit.formats.txt", "accessible plain text"),
        Format("json", "json", "application/json", "storykit.formats.json", "the story model (story.json)"),
    )
}


def get_format(name: str) -> Format:
    """The registered format of this name."""
    try:
        return FORMATS[name.lower()]
    except KeyError:
        known = ", ".join(FORMATS)
        raise UsageError(None, f"unknown format '{name}'", f"choose from {known}") from None
