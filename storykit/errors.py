"""One error hierarchy: every user-facing failure names a path, the problem and a fix."""

from __future__ import annotations


class StorykitError(Exception):
    """Base of every error storykit reports to its user."""

    exit_code = 1
    category = "error"

    def __init__(self, path: str | None, problem: str, hint: str = "") -> None:
        self.path = path
        self.problem = problem
        self.hint = hint
        super().__init__(self.line())

    def line(self) -> str:
        """The one-line message shown to the user."""
        where = f"{self.path}: " if self.path else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.problem}{hint}"


class UsageError(StorykitError):
    """The command line asks for something that does not exist (unknown format, bad option)."""

    exit_code = 2
    category = "usage"


class SourceError(StorykitError):
    """A source file is missing, unreadable, empty, binary or of an unknown type."""

    exit_code = 3
    category = "source"


class StoryFileError(StorykitError):
    """A story.json cannot be read back into the model."""

    exit_code = 3
    category = "story"


class LayoutError(StorykitError):
    """A layout is missing a file or has a template error."""

    exit_code = 4
    category = "layout"


class RenderError(StorykitError):
    """A format adapter could not produce a valid file (e.g. PDF/UA errors)."""

    exit_code = 5
    category = "render"


class OutputError(StorykitError):
    """The output folder cannot be written (missing parent, read-only, disk full)."""

    exit_code = 6
    category = "output"


class CheckFailed(StorykitError):
    """A built edition failed one or more checks."""

    exit_code = 7
    category = "check"


class ToolMissing(StorykitError):
    """An external validator needed by a check is not installed."""

    exit_code = 8
    category = "tool"
