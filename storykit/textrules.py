"""Checks for the plain-text accessible version (design/accessibility.md section 4, appendix B)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from storykit.findings import Finding

SCENE_BREAK = "* * *"  # the one agreed scene-break marker; every other symbol-only line is art
MAX_PER_RULE = 20  # past this many findings of one rule, one summary line instead of a flood

# Read sensibly by screen readers although their NFKC form differs (appendix B).
STYLED_EXEMPT = frozenset("ªº™¼½¾")
LIST_RE = re.compile(r"^(?:([-*\u2022])|(\d+)[.)]|\[(\d+)\])\s+\S")
LIST_MARK_RE = re.compile(r"^(?:[-*\u2022]|\d+[.)]|\[\d+\])$")
LIST_START_RE = re.compile(r"^(?:[-*\u2022]|\d+[.)]|\[\d+\])(?:\s|$)")
SEPARATOR_RE = re.compile(r"^[\W_]{3,}$")
UNDERLINE_RE = re.compile(r"^[=\-~_*#+^.:]{3,}$")
HYPHEN_END_RE = re.compile(r"[^\W\d_]-$")
CAPS_WORD_RE = re.compile(r"[^\W\d_]{4,}")
MARKER_HEAD_RE = re.compile(r"^\[?\d+,$")
MARKER_TAIL_RE = re.compile(r"^\d+[,\]]")


def styled_letter(ch: str) -> bool:
    """Whether a character is a fake-styled letter or digit (math, fullwidth, circled, ligature)."""
    if ord(ch) <= 0x7F or ch in STYLED_EXEMPT:
        return False
    folded = unicodedata.normalize("NFKC", ch)
    cat = unicodedata.category(ch)
    return folded != ch and (cat[0] in "LN" or (cat == "So" and folded.isalnum()))


def is_art(ch: str) -> bool:
    """Box-drawing, block-element or braille-pattern character."""
    cp = ord(ch)
    return 0x2500 <= cp <= 0x259F or 0x2800 <= cp <= 0x28FF


def is_emoji(ch: str) -> bool:
    """Pictographic emoji or dingbat (the simple story rule: none at all)."""
    cp = ord(ch)
    if 0x1F000 <= cp <= 0x1FAFF:
        # the enclosed alphanumerics there are styled letters, reported by that rule
        return not styled_letter(ch) and unicodedata.category(ch) == "So"
    return 0x2600 <= cp <= 0x27BF and unicodedata.category(ch) == "So"


def is_unreadable(ch: str) -> bool:
    """Private-use, surrogate or unassigned code point: nothing a reader can speak."""
    return unicodedata.category(ch) in ("Co", "Cs", "Cn")


def display_width(text: str) -> int:
    """Columns a line takes: combining marks take none, wide East Asian characters two."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def can_break(before: str, after: str, final: bool = False) -> bool:
    """Whether a wrapped line may end between two words; final: `after` ends the paragraph."""
    if re.search(r"\w-$", before):
        return False  # would read as a word hyphenated across lines ("sans-" / "papiers")
    if LIST_MARK_RE.match(before):
        return False  # a bullet or number alone on a line
    if LIST_RE.match(after) or (LIST_START_RE.match(after) and not final):
        return False  # a continuation line that would look like a new list item
    if UNDERLINE_RE.match(after):
        return False  # would look like a heading underline
    # keep a note marker such as "[1, 3]" on one line
    return not (MARKER_HEAD_RE.match(before) and MARKER_TAIL_RE.match(after))


def units(line: str) -> list[str]:
    """A line cut at its allowed break points: the pieces a wrap may not split."""
    words = line.split(" ")
    out = [words[0]]
    for k in range(1, len(words)):
        if can_break(words[k - 1], words[k], k == len(words) - 1):
            out.append(words[k])
        else:
            out[-1] += " " + words[k]
    return out


def unbreakable(line: str) -> bool:
    """Whether a line has no allowed break point (a very long word or glued run)."""
    return len(units(line)) == 1


def caps_heading(text: str) -> bool:
    """Whether a heading is ALL CAPS (every word of 4+ letters upper case, with two capitals or more)."""
    words = CAPS_WORD_RE.findall(text)
    # Two capitals at least: a capital before letters of a script without case ("Aؠؠؠ") is no shouting.
    caps = [w for w in words if w.isupper() and sum(ch.isupper() for ch in w) >= 2]
    return bool(words) and len(caps) == len(words)


@dataclass
class _Collector:
    """Findings of one check run, capped per rule."""

    where: str
    found: list[Finding]
    counts: dict[str, int]

    def add(self, rule: str, line: int | None, message: str) -> None:
        """Record one finding at a line (None: the whole file)."""
        n = self.counts.get(rule, 0) + 1
        self.counts[rule] = n
        if n <= MAX_PER_RULE:
            place = f"{self.where}:{line}" if line is not None else self.where
            self.found.append(Finding("txt", rule, place, message))

    def finish(self) -> list[Finding]:
        """The findings, with one summary line per rule that went over the cap."""
        for rule, n in self.counts.items():
            if n > MAX_PER_RULE:
                self.found.append(Finding("txt", rule, self.where,
                                          f"{n - MAX_PER_RULE} more like the above"))
        return self.found


def _char_rules(c: _Collector, no: int, line: str, first: bool) -> None:
    """Character-level rules for one line (without its newline)."""
    if "\r" in line:
        c.add("txt-crlf", no, "line ends in CR or CRLF; write LF line endings only")
    if line != unicodedata.normalize("NFC", line):
        c.add("txt-nfc", no, "text is not NFC-normalised; normalise it with unicodedata.normalize('NFC', ...)")
    seen: set[str] = set()

    def once(rule: str, message: str) -> None:
        if rule not in seen:
            seen.add(rule)
            c.add(rule, no, message)

    for col, ch in enumerate(line, 1):
        cat = unicodedata.category(ch)
        name = f"U+{ord(ch):04X}"
        if ch == "\t":
            once("txt-tab", f"tab at column {col}; use a single space, never tabs for layout")
        elif ch == "\ufeff" and first and col == 1:
            pass  # reported by txt-bom
        elif cat == "Cc" and ch != "\r":
            once("txt-control", f"control character {name} at column {col}; remove it")
        elif cat == "Cf":
            once("txt-zero-width",
                 f"invisible format character {name} at column {col} (zero-width, soft hyphen, "
                 "bidi mark); remove it")
        elif styled_letter(ch):
            once("txt-styled-letters",
                 f"styled letter {name} at column {col} is read code point by code point; write "
                 f"the plain letter '{unicodedata.normalize('NFKC', ch)}'")
        elif is_art(ch):
            once("txt-box-drawing", f"box-drawing, block or braille character {name} at column "
                 f"{col}; describe the picture in words instead")
        elif is_emoji(ch):
            once("txt-emoji", f"emoji {name} at column {col}; say it in words or leave it out")
        elif is_unreadable(ch):
            once("txt-private-use", f"private-use or unassigned code point {name} at column {col}; "
                 "remove it")
    bare = line.rstrip("\r")
    if bare != bare.rstrip():
        c.add("txt-trailing-space", no, "trailing whitespace; remove it")
    if bare.strip() and bare != bare.lstrip():
        c.add("txt-leading-space", no, "leading whitespace (indent or centring); start the line "
              "at the margin")


@dataclass(frozen=True)
class _Block:
    """Consecutive non-blank lines and the number of blank lines before them."""

    start: int  # 1-based line number of the first line
    lines: list[str]
    blanks_before: int
    heading: bool


def _blocks(lines: list[str]) -> Iterator[_Block]:
    """Split lines into blocks; a block after two or more blank lines is a heading."""
    blanks = 0
    current: list[str] = []
    start = 1
    before = 0
    first = True
    for no, line in enumerate(lines, 1):
        if line.strip():
            if not current:
                start, before = no, blanks
            current.append(line)
            blanks = 0
            continue
        if current:
            yield _Block(start, current, before, not first and before >= 2)
            first = False
            current = []
        blanks += 1
    if current:
        yield _Block(start, current, before, not first and before >= 2)


def _structure_rules(c: _Collector, lines: list[str], wrapped: int | None) -> None:
    """Block-level rules: blank lines, headings, hard wraps, lists, symbol lines, hyphen breaks."""
    if lines and not lines[0].strip():
        c.add("txt-title", 1, "the file starts with a blank line; put the title on the first line")
    run = 0
    for no, line in enumerate(lines, 1):
        run = run + 1 if not line.strip() else 0
        if run == 3:
            c.add("txt-blank-lines", no, "three or more blank lines in a row; use one between "
                  "paragraphs and two before a heading")
    blocks = list(_blocks([ln.rstrip("\r") for ln in lines]))
    bullet_styles: dict[str, int] = {}
    for i, block in enumerate(blocks):
        text_lines = list(block.lines)
        underline = [k for k, ln in enumerate(text_lines) if k > 0 and UNDERLINE_RE.match(ln.strip())]
        for k in underline:
            c.add("txt-heading-underline", block.start + k, "heading underlined with symbols; "
                  "mark a heading with two blank lines before it and one after instead")
        body = [ln for k, ln in enumerate(text_lines) if k not in underline]
        joined = " ".join(ln.strip() for ln in body)
        if (block.heading or i == 0) and caps_heading(joined):
            c.add("txt-heading-caps", block.start, "heading in ALL CAPS is spelt out letter "
                  "by letter by some screen readers; write it in sentence case")
        if block.heading and i == len(blocks) - 1:
            c.add("txt-blank-lines", block.start, "heading at the end of the file with no text "
                  "after it; remove it or add its text")
        items = [LIST_RE.match(ln) for ln in body]
        if wrapped is None and len(body) > 1 and not all(items):
            bad = next(k for k, m in enumerate(items) if m is None)
            what = "heading" if block.heading or i == 0 else "paragraph"
            c.add("txt-hard-wrap", block.start + bad, f"{what} split over several lines; write "
                  "one paragraph per line (or check with wrapped=N for a --width file)")
        found = [m for m in items if m]
        if items and items[0] and len(found) >= 2:
            _list_rule(c, block, found, bullet_styles)
        if not underline:
            parts = [ln.strip() for ln in body] if all(items) and len(body) > 1 else [joined]
            for k, part in enumerate(parts):
                if SEPARATOR_RE.match(part) and part != SCENE_BREAK:
                    line_no = block.start + (k if len(parts) > 1 else 0)
                    c.add("txt-symbol-line", line_no, f"line of symbols only; use '{SCENE_BREAK}' "
                          "as the one scene-break marker, or words")
        for k in range(len(text_lines) - 1):
            a, b = text_lines[k].rstrip(), text_lines[k + 1].lstrip()
            if HYPHEN_END_RE.search(a) and b[:1].isalpha():
                c.add("txt-hyphen-break", block.start + k, "word hyphenated across lines; keep "
                      "words whole (wrap only at spaces)")


def _list_rule(c: _Collector, block: _Block, found: list[re.Match[str]],
               styles: dict[str, int]) -> None:
    """One bullet style per list and across lists; numbers in ascending order."""
    bullets = {m.group(1) for m in found if m.group(1)}
    numbers = [int(m.group(2) or m.group(3)) for m in found if not m.group(1)]
    if len(bullets) > 1 or (bullets and numbers):
        c.add("txt-bullets", block.start, "list mixes bullet styles; use one bullet ('- ') "
              "for every item")
    if numbers and numbers != sorted(numbers):
        c.add("txt-bullets", block.start, "numbered list out of order; number items in "
              "ascending order")
    if len(bullets) == 1:
        bullet = next(iter(bullets))
        first = styles.setdefault("", block.start)
        styles.setdefault(bullet, block.start)
        if len(styles) > 2 and styles[bullet] == block.start:
            c.add("txt-bullets", block.start, f"this list's bullet differs from the list at line "
                  f"{first}; use one bullet style in the whole file")


def check_text(text: str, where: str = "story.txt", wrapped: int | None = None) -> list[Finding]:
    """Every plain-text rule on decoded text; wrapped=N checks a --width N file."""
    c = _Collector(where, [], {})
    if not text:
        c.add("txt-title", None, "the file is empty; it should start with the title")
        return c.finish()
    if text.startswith("\ufeff"):
        c.add("txt-bom", 1, "file starts with a byte-order mark; write UTF-8 without BOM")
    if not text.endswith("\n"):
        c.add("txt-final-newline", None, "the last line has no newline; end the file with one LF")
    elif text.endswith("\n\n"):
        c.add("txt-blank-lines", None, "blank lines at the end of the file; end with one newline")
    body = text[1:] if text.startswith("\ufeff") else text
    lines = body.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for no, line in enumerate(lines, 1):
        _char_rules(c, no, line, no == 1)
        bare = line.rstrip("\r")
        if wrapped is not None and display_width(bare) > wrapped and not unbreakable(bare):
            c.add("txt-line-length", no, f"line is {display_width(bare)} columns, longer than "
                  f"{wrapped}; wrap at spaces")
    _structure_rules(c, lines, wrapped)
    return c.finish()


def check_bytes(data: bytes, where: str = "story.txt", wrapped: int | None = None) -> list[Finding]:
    """Every plain-text rule on a file's bytes, including its encoding."""
    found: list[Finding] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        found.append(Finding("txt", "txt-utf8", f"{where}:{line}", f"byte {err.start} is not "
                             "valid UTF-8; save the file as UTF-8"))
        text = data.decode("utf-8", errors="replace")
    return found + check_text(text, where, wrapped)
