"""Findings reported by checks: one line each, saying where and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Finding:
    """One problem found in a built file."""

    format: str  # "pdf", "epub", "txt", "json", "parity"
    rule: str  # short stable id, e.g. "txt-styled-letters"
    where: str  # file and line, page or document
    message: str  # what is wrong and what to do
    level: Literal["error", "warning"] = "error"

    def line(self) -> str:
        """The one-line form printed by `storykit check`."""
        return f"{self.level}: {self.format} {self.rule} at {self.where}: {self.message}"
