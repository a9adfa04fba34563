"""Presentation helpers shared by the adapters, so every format words things the same way."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from storykit.errors import LayoutError
from storykit.layouts import Layout
from storykit.model import Claim, Source, Story

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "de": "German",
    "el": "Greek",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "he": "Hebrew",
    "it": "Italian",
    "nl": "Dutch",
    "pt": "Portuguese",
    "ru": "Russian",
    "uk": "Ukrainian",
    "pl": "Polish",
    "tr": "Turkish",
    "zh": "Chinese",
}
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "yi"})
QUOTE_MARKS = {"fr": ("«\u202f", "\u202f»"), "de": ("„", "“")}
DEFAULT_MARKS = ("“", "”")


def _strings_file(path: Path) -> dict[str, str]:
    """One strings file of the layout, checked."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise LayoutError(str(path), f"is not valid JSON ({exc})", "fix the file, or remove --layout") from None
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise LayoutError(str(path), "must map names to strings", 'e.g. {"sources": "Sources"}')
    return data


def strings(layout: Layout, language: str) -> dict[str, str]:
    """UI strings for the story's language, falling back to English key by key."""
    base = _strings_file(layout.find("strings/en.json"))
    primary = language.split("-")[0].lower()
    # a language without a strings file falls back to English; a broken one is an error
    own = [f / "strings" / f"{primary}.json" for f in layout.search_path if primary != "en"]
    found = next((path for path in own if path.is_file()), None)
    if found is not None:
        base.update(_strings_file(found))
    return base


LANGUAGE_NAMES_FR = {
    "ar": "arabe", "de": "allemand", "el": "grec", "en": "anglais", "es": "espagnol",
    "fr": "français", "he": "hébreu", "it": "italien", "nl": "néerlandais", "pt": "portugais",
    "ru": "russe", "uk": "ukrainien", "pl": "polonais", "tr": "turc", "zh": "chinois",
}


def language_name(code: str, in_language: str = "en") -> str:
    """A language's name in English or French ('fr' -> 'French' or 'français'), else the code."""
    names = LANGUAGE_NAMES_FR if in_language.split("-")[0].lower() == "fr" else LANGUAGE_NAMES
    return names.get(code.split("-")[0].lower(), code)


def is_rtl(code: str) -> bool:
    """Whether a language is written right to left."""
    return code.split("-")[0].lower() in RTL_LANGUAGES


def source_name(source: Source) -> str:
    """How a source is named to readers: its outlet, else its title, else its file."""
    return source.outlet or source.title or source.file


def note_numbers(story: Story, source_ids: Iterable[str]) -> tuple[int, ...]:
    """Sorted 1-based source numbers for note markers."""
    return tuple(sorted({story.source_number(sid) for sid in source_ids}))


def note_marker(story: Story, source_ids: Iterable[str]) -> str:
    """A bracketed marker such as '[1, 3]'."""
    numbers = note_numbers(story, source_ids)
    return "[" + ", ".join(str(n) for n in numbers) + "]" if numbers else ""


def credit_line(story: Story, words: dict[str, str]) -> str:
    """'Compiled from N sources' in the story's language."""
    n = len(story.sources)
    return words["compiled_from_one"] if n == 1 else words["compiled_from"].format(n=n)


def claim_line(story: Story, claim: Claim) -> str:
    """One account of a disagreement: its value and who reports it, e.g. '5 months [2, 3]'."""
    return f"{claim.value} {note_marker(story, claim.sources)}".strip()


def display_date(iso: str | None, language: str = "en") -> str:
    """A reader-friendly date ('4 July 2025'), or the input when it is not an ISO date."""
    if not iso:
        return ""
    try:
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    months_en = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    months_fr = [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ]
    months = months_fr if language.startswith("fr") else months_en
    return f"{day.day} {months[day.month - 1]} {day.year}"


def is_web_url(url: str | None) -> bool:
    """Whether a URL may become a link: http(s) only, never javascript:, file: or data:."""
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def quote_marks(language: str) -> tuple[str, str]:
    """Opening and closing quotation marks for a language (« » with thin spaces in French)."""
    return QUOTE_MARKS.get(language.split("-")[0].lower(), DEFAULT_MARKS)
