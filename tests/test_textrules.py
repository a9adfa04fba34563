"""Each plain-text rule fires on a crafted bad text, and a clean text passes."""

from __future__ import annotations

import pytest

from storykit.textrules import can_break, caps_heading, check_bytes, check_text, styled_letter, unbreakable

GOOD = (
    "A title\n"
    "\n"
    "Compiled from 2 sources. Language: English.\n"
    "\n"
    "\n"
    "A heading\n"
    "\n"
    "One paragraph on one line. [1]\n"
    "\n"
    "- first item\n"
    "- second item\n"
    "\n"
    "* * *\n"
    "\n"
    "1. numbered\n"
    "2. numbered again\n"
    "\n"
    "[1] Daily Example\n"
    "[2] Another outlet\n"
)


def rules(text: str, wrapped: int | None = None) -> set[str]:
    """The rule ids that fire on a text."""
    return {f.rule for f in check_text(text, wrapped=wrapped)}


def test_clean_text_passes() -> None:
    assert check_text(GOOD) == []
    assert check_bytes(GOOD.encode()) == []


BAD = [
    ("txt-bom", "\ufeff" + GOOD),
    ("txt-nfc", GOOD.replace("One paragraph", "Cafe\u0301 paragraph")),
    ("txt-crlf", GOOD.replace("\n", "\r\n")),
    ("txt-final-newline", GOOD.rstrip("\n")),
    ("txt-styled-letters", GOOD.replace("One paragraph", "\U0001d47b\u210e\U0001d452 paragraph")),
    ("txt-styled-letters", GOOD.replace("One", "\uff2fne")),  # fullwidth
    ("txt-styled-letters", GOOD.replace("One", "\u24c4ne")),  # circled
    ("txt-zero-width", GOOD.replace("One paragraph", "One\u200bparagraph")),
    ("txt-zero-width", GOOD.replace("paragraph", "para\u00adgraph")),  # soft hyphen
    ("txt-control", GOOD.replace("One", "One\x0c")),
    ("txt-box-drawing", GOOD.replace("* * *", "\u2554\u2550\u2550\u2557 box")),
    ("txt-box-drawing", GOOD.replace("One", "\u2588\u2588 One")),
    ("txt-emoji", GOOD.replace("One paragraph", "One \U0001f602 paragraph")),
    ("txt-emoji", GOOD.replace("One paragraph", "One \u2764 paragraph")),
    ("txt-private-use", GOOD.replace("One", "One\ue000")),
    ("txt-symbol-line", GOOD.replace("* * *", "~~~~~~")),
    ("txt-symbol-line", GOOD.replace("* * *", "-=-=-=-")),
    ("txt-trailing-space", GOOD.replace("[1]\n", "[1] \n")),
    ("txt-leading-space", GOOD.replace("One paragraph", "    One paragraph")),
    ("txt-tab", GOOD.replace("One paragraph", "One\tparagraph")),
    ("txt-blank-lines", GOOD.replace("\n\n\nA heading", "\n\n\n\nA heading")),
    ("txt-blank-lines", GOOD + "\n"),
    ("txt-blank-lines", GOOD + "\n\nLast heading\n"),
    ("txt-heading-caps", GOOD.replace("A heading", "BREAKING NEWS FROM PARIS")),
    ("txt-heading-caps", "A TITLE IN CAPITALS\n\nText.\n"),
    ("txt-heading-underline", GOOD.replace("A heading\n", "A heading\n=========\n")),
    ("txt-heading-underline", GOOD.replace("A heading\n", "A heading\n---------\n")),
    ("txt-hard-wrap", GOOD.replace("One paragraph on", "One paragraph\non")),
    ("txt-hard-wrap", GOOD.replace("A heading", "A heading\non two lines")),
    ("txt-hyphen-break", GOOD.replace("One paragraph", "One para-\ngraph")),
    ("txt-bullets", GOOD.replace("- second", "* second")),
    ("txt-bullets", GOOD.replace("1. numbered\n2.", "2. numbered\n1.")),
    ("txt-bullets", GOOD + "\n* third item\n* fourth item\n"),
    ("txt-title", "\n" + GOOD),
    ("txt-title", ""),
]


@pytest.mark.parametrize(("rule", "text"), BAD, ids=[f"{r}-{i}" for i, (r, _) in enumerate(BAD)])
def test_each_rule_fires(rule: str, text: str) -> None:
    found = check_text(text)
    assert rule in {f.rule for f in found}
    for finding in found:
        assert finding.format == "txt"
        assert finding.where.startswith("story.txt")
        assert finding.message


def test_findings_say_the_line() -> None:
    text = GOOD.replace("One paragraph", "One\tparagraph")
    (finding,) = check_text(text)
    assert finding.where == "story.txt:8"
    assert "tab" in finding.message


def test_bad_utf8() -> None:
    assert "txt-utf8" in {f.rule for f in check_bytes(GOOD.encode() + b"\xff\n")}


def test_line_length_only_when_wrapped() -> None:
    wrapped = GOOD.replace("One paragraph on one line. [1]", "One paragraph\non two lines. [1]")
    assert rules(wrapped) == {"txt-hard-wrap"}
    assert rules(wrapped, wrapped=45) == set()
    assert rules(GOOD, wrapped=20) == {"txt-line-length"}
    long_word = GOOD.replace("One paragraph on one line. [1]", "https://example.org/" + "x" * 40)
    assert rules(long_word, wrapped=45) == set()  # a word too long for the line stays whole


def test_flood_is_capped() -> None:
    text = "Title\n\n" + "".join(f"Line {i}\t\n\n" for i in range(50))
    tabs = [f for f in check_text(text.rstrip("\n") + "\n") if f.rule == "txt-tab"]
    assert len(tabs) == 21
    assert "30 more" in tabs[-1].message


def test_helpers() -> None:
    assert styled_letter("\U0001d400") and styled_letter("\ufb01") and styled_letter("\u00b2")
    assert not styled_letter("é") and not styled_letter("½") and not styled_letter("A")
    assert not can_break("well-", "known")
    assert not can_break("text", "-")
    assert not can_break("[1,", "3]")
    assert can_break("word", "word")
    assert unbreakable("averyveryverylongword") and not unbreakable("two words")


@pytest.mark.parametrize(
    ("heading", "shouting"),
    [("BREAKING NEWS", True), ("NATO summit", False), ("Aؠؠؠ", False), ("ÉTÉ À PARIS", True), ("حريق في باريس", False)],
)
def test_all_caps_needs_two_capitals_in_every_long_word(heading: str, shouting: bool) -> None:
    # Found by hypothesis: one capital before letters of a script without case is not ALL CAPS.
    assert caps_heading(heading) is shouting
