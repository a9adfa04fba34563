"""The merge: several cleaned sources about one event become one canonical Story."""

from __future__ import annotations

from storykit.merge.core import merge

__all__ = ["merge"]
