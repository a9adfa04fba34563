"""JSON adapter: the story model itself, the most useful golden file."""

from __future__ import annotations

from storykit.codec import dumps
from storykit.formats import Options
from storykit.layouts import Layout
from storykit.model import Story


def render(story: Story, layout: Layout, options: Options) -> bytes:
    """story.json bytes."""
    return dumps(story)
