"""Plain-text adapter: the accessible text version, for screen readers, braille and speech."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass

from storykit import present
from storykit.errors import UsageError
from storykit.formats import Options
from storykit.layouts import Layout
from storykit.model import Block, Claim, Quote, Story
from storykit.textrules import (
    caps_heading,
    display_width,
    is_art,
    is_emoji,
    is_unreadable,
    styled_letter,
    units,
)

NO_BREAK_SPACES = frozenset("\u00a0\u202f\u2007")

ASCII_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u2039": "'",
        "\u203a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u00b7": "-",
        "\u2022": "-",
        "\u00d7": "x",
        "\u00f7": "/",
        "\u2044": "/",
        "\u00df": "ss",
        "\u1e9e": "SS",
        "\u00e6": "ae",
        "\u00c6": "AE",
        "\u0153": "oe",
        "\u0152": "OE",
        "\u00f8": "o",
        "\u00d8": "O",
        "\u0111": "d",
        "\u0110": "D",
        "\u00f0": "d",
        "\u00d0": "D",
        "\u00fe": "th",
        "\u00de": "Th",
        "\u0142": "l",
        "\u0141": "L",
        "\u0131": "i",
        "\u0127": "h",
        "\u0126": "H",
        "\u014b": "ng",
        "\u014a": "Ng",
        "\u00a9": "(c)",
        "\u00ae": "(R)",
        "\u2122": "(TM)",
        "\u00b0": " degrees",
        "\u20ac": "EUR",
        "\u00a3": "GBP",
        "\u00a5": "JPY",
        "\u00a2": "c",
        "\u00a7": "section",
        "\u00b6": "paragraph",
        "\u00bd": "1/2",
        "\u00bc": "1/4",
        "\u00be": "3/4",
        "\u00aa": "a",
        "\u00ba": "o",
        "\u00bf": "?",
        "\u00a1": "!",
        "\u2192": "->",
        "\u2190": "<-",
        "\u2264": "<=",
        "\u2265": ">=",
        "\u2260": "!=",
        "\u00b1": "+/-",
    }
)
GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψω",
        [
            "a",
            "b",
            "g",
            "d",
            "e",
            "z",
            "i",
            "th",
            "i",
            "k",
            "l",
            "m",
            "n",
            "x",
            "o",
            "p",
            "r",
            "s",
            "s",
            "t",
            "y",
            "f",
            "ch",
            "ps",
            "o",
        ],
        strict=True,
    )
)
CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяієїґ",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "yo",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "-",
            "y",
            "-",
            "e",
            "yu",
            "ya",
            "i",
            "ye",
            "yi",
            "g",
        ],
        strict=True,
    )
)


def _words(story: Story, layout: Layout) -> dict[str, str]:
    """UI strings in the story's language, plus fallbacks for words the JSON lacks."""
    return present.strings(layout, story.meta.language)


def _fold_char(ch: str) -> str:
    """Replacement for one character that must not appear in the text (or the character)."""
    cat = unicodedata.category(ch)
    if ch in NO_BREAK_SPACES:
        return ch  # meaningful ("10 000", French punctuation); never a break point
    if ch.isspace() or cat in ("Cc", "Zl", "Zp"):
        return " "
    if cat == "Cf" or is_unreadable(ch) or 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF:
        return ""  # invisible: zero-width, soft hyphen, bidi controls, variation selectors
    if styled_letter(ch):
        folded = unicodedata.normalize("NFKC", ch)
        decomposition = unicodedata.decomposition(ch)
        return f"^{folded}" if decomposition.startswith("<super>") and folded.isdigit() else folded
    if is_art(ch):
        return " "
    if is_emoji(ch):
        # H86: the meaning in words, e.g. "(face with tears of joy)"
        name = unicodedata.name(ch, "")
        if name.startswith("REGIONAL INDICATOR SYMBOL LETTER "):
            return name[-1]
        return f" ({name.lower()}) " if name else " "
    return ch


def clean(text: str) -> str:
    """Text safe for every rule: NFC, no invisible, styled, art or emoji characters, one-line."""
    for _ in range(4):  # folding can expose new compositions; stop when stable
        out = unicodedata.normalize("NFC", "".join(_fold_char(ch) for ch in text))
        if out == text:
            break
        text = out
    return _collapse(text)


def _collapse(text: str) -> str:
    """Runs of whitespace to one space (pure no-break runs kept), no marks after a space, trimmed."""
    chars: list[str] = []
    for ch in text:
        # a combining mark with no base would start a line or hang off a space
        if unicodedata.category(ch)[0] == "M" and (not chars or chars[-1].isspace()):
            continue
        chars.append(ch)
    text = "".join(chars)
    text = re.sub(r"\s+", lambda m: m.group() if set(m.group()) <= NO_BREAK_SPACES else " ", text)
    return text.strip()


def to_ascii(text: str) -> str:
    """ASCII transliteration: typographic marks folded, accents dropped, other letters spelt."""
    text = text.translate(ASCII_FOLD)
    out: list[str] = []
    for ch in unicodedata.normalize("NFKD", text):
        if ord(ch) < 0x80:
            out.append(ch)
        elif unicodedata.category(ch)[0] == "M":
            continue
        elif ch.translate(ASCII_FOLD) != ch:
            out.append(ch.translate(ASCII_FOLD))
        elif ch.lower() in GREEK or ch.lower() in CYRILLIC:
            latin = GREEK.get(ch.lower()) or CYRILLIC.get(ch.lower(), "")
            latin = "" if latin == "-" else latin
            out.append(latin.capitalize() if ch.isupper() else latin)
        elif ch.isspace():
            out.append(" ")
        else:
            out.append("?")  # readable fallback: the reader hears that something is missing
    return _collapse("".join(out))


def has_words(text: str) -> bool:
    """Whether a line says something (a letter or digit), not just symbols."""
    return any(ch.isalnum() for ch in text)


def sentence_case(text: str) -> str:
    """An ALL CAPS heading rewritten with capitals only at word starts."""
    if not caps_heading(text):
        return text
    return re.sub(
        r"[^\W\d_]{2,}", lambda m: m.group()[0] + m.group()[1:].lower() if m.group().isupper() else m.group(), text
    )


@dataclass
class _Doc:
    """Blocks of output: each a heading or a list of lines, finished and wrapped at the end."""

    ascii: bool
    width: int | None
    parts: list[tuple[str, list[str]]]  # ("heading" | "para" | "list", logical lines)

    def finish(self, text: str, heading: bool = False) -> str:
        """Clean a logical line; ASCII-fold it when asked; headings never in capitals."""
        text = clean(text)
        if self.ascii:
            text = to_ascii(text)
        if heading:
            text = clean(sentence_case(text))
            if self.ascii:
                text = to_ascii(text)
        return text

    def heading(self, text: str) -> str:
        """Add a heading; returns the text used ('' when it said nothing and was left out)."""
        done = self.finish(text, heading=True)
        if not has_words(done):
            return ""
        self.parts.append(("heading", [done]))
        return done

    def para(self, text: str) -> None:
        """Add a paragraph, unless it says nothing."""
        done = self.finish(text)
        if has_words(done):
            self.parts.append(("para", [done]))

    def items(self, texts: list[str]) -> None:
        """Add a list, one '- ' item per entry."""
        done = [self.finish(t) for t in texts]
        lines = [f"- {t}" for t in done if has_words(t)]
        if lines:
            self.parts.append(("list", lines))

    def render(self) -> str:
        """The whole text: two blank lines before headings, one elsewhere, LF, final newline."""
        parts = list(self.parts)
        while parts and parts[-1][0] == "heading":
            parts.pop()  # a heading with nothing after it
        out: list[str] = []
        for i, (kind, lines) in enumerate(parts):
            if i:
                out.append("\n\n" if kind == "heading" else "\n")
            wrapped = [w for line in lines for w in wrap(line, self.width)]
            out.append("\n".join(wrapped) + "\n")
        return unicodedata.normalize("NFC", "".join(out))


def wrap(line: str, width: int | None) -> list[str]:
    """Greedy wrap at spaces, never splitting a word; a word too long stays on its own line."""
    if width is None:
        return [line]
    lines: list[str] = []
    for unit in units(line):
        if lines and display_width(f"{lines[-1]} {unit}") <= width:
            lines[-1] += " " + unit
        else:
            lines.append(unit)
    return lines


def _marked(story: Story, text: str, sources: tuple[str, ...]) -> str:
    """Text followed by its source marker, e.g. 'It burned. [1, 3]'."""
    return f"{text} {present.note_marker(story, sources)}".strip()


def quote_line(story: Story, words: dict[str, str], quote: Quote, block: Block | None) -> str:
    """A quote as one paragraph naming its speaker and outlet, with any other wordings."""
    opening, closing = present.quote_marks(story.meta.language)
    speaker = quote.speaker or (block.speaker if block else None)
    text = block.text if block else quote.text
    sources = block.sources if block and block.sources else quote.sources
    if speaker and quote.outlet:
        intro = f"{speaker} {words['told']} {quote.outlet}:"
    elif speaker:
        intro = f"{speaker} {words['said']}:"
    else:
        intro = f"{words['unattributed']}:"
    line = _marked(story, f"{intro} {opening}{text}{closing}", sources)
    for variant in quote.variants:
        marker = present.note_marker(story, variant.sources)
        label = f"{words['variant']} {marker}".strip()
        line += f" {label}: {opening}{variant.text}{closing}"
    return line


def block_line(story: Story, words: dict[str, str], block: Block) -> str:
    """A body block as one paragraph with its source markers."""
    text = block.text
    if block.kind == "question":
        text = f"{words['question']}: {text}"
    elif block.kind == "answer":
        text = f"{words['answer']}: {text}"
    if block.truncated:
        ellipsis = "" if text.rstrip().endswith(("…", "...")) else "…"
        text = f"{text.rstrip()}{ellipsis} ({words['truncated']})"
    return _marked(story, text, block.sources)


def _front(doc: _Doc, story: Story, words: dict[str, str]) -> None:
    """Title, credit block, In brief and contents."""
    meta = story.meta
    title = doc.finish(meta.title, heading=True)
    if not has_words(title):
        title = doc.finish(meta.slug, heading=True)
    if not has_words(title):
        title = doc.finish(words["story"], heading=True)
    doc.parts.append(("para", [title]))
    brief = _brief(story)
    body = " ".join(b.text for b in story.blocks())
    # the dek is usually a body sentence: printed again here it would be read twice
    if meta.summary and meta.dek and meta.dek not in meta.summary and meta.dek not in body:
        doc.para(meta.dek)
    facts = [present.credit_line(story, words) + "."]
    if meta.date:
        facts.append(f"{words['date']}: {present.display_date(meta.date, meta.language)}.")
    if meta.place:
        facts.append(f"{words['place']}: {meta.place}.")
    facts.append(f"{words['language']}: {present.language_name(meta.language, meta.language)}.")
    doc.para(" ".join(facts))
    if brief and has_words(clean(" ".join(text for text, _ in brief))):
        doc.heading(words["in_brief"])
        doc.para(" ".join(_marked(story, text, sources) for text, sources in brief))


def _brief(story: Story) -> list[tuple[str, tuple[str, ...]]]:
    """The In brief sentences, each with the sources of the body block it comes from."""
    sentences = list(story.meta.summary) or ([story.meta.dek] if story.meta.dek else [])
    found = []
    for sentence in sentences:
        home = next((b for b in story.blocks() if sentence.strip() and sentence.strip() in b.text), None)
        found.append((sentence, home.sources if home else ()))
    return found


def _without_brief(brief: list[tuple[str, tuple[str, ...]]], block: Block) -> Block | None:
    """A body block without the sentences In brief already gave (None when nothing is left)."""
    if block.kind not in ("paragraph", "answer"):
        return block
    text = block.text
    for sentence, _ in brief:
        if sentence.strip() and sentence.strip() in text:
            text = text.replace(sentence.strip(), " ", 1)
    text = " ".join(text.split())
    if text == " ".join(block.text.split()):
        return block
    return dataclasses.replace(block, text=text) if has_words(clean(text)) else None


def _body(doc: _Doc, story: Story, words: dict[str, str]) -> None:
    """The story's sections, quotes with their speakers, and captions."""
    quotes = {q.id: q for q in story.quotes}
    brief = _brief(story)
    doc.heading(words["story"])
    for section in story.sections:
        if section.heading:
            doc.heading(section.heading)
        for block in section.blocks:
            quote = quotes.get(block.quote or "")
            if block.kind == "heading":
                doc.heading(block.text)
            elif block.kind == "quote" or quote:
                doc.para(
                    quote_line(story, words, quote or Quote(block.id, block.text, block.sources, block.speaker), block)
                )
            else:
                kept = _without_brief(brief, block)
                if kept is not None:
                    doc.para(block_line(story, words, kept))
    rest = unshown_quotes(story)
    if rest:
        doc.heading(words["quotes"])
        for quote in rest:
            doc.para(quote_line(story, words, quote, None))
    if story.captions:
        # captions describe the sources' pictures: kept apart so they never read as body text
        doc.heading(words["captions"])
        for caption in story.captions:
            doc.para(_marked(story, f"[{words['figure']}: {caption.text}]", caption.sources))


def unshown_quotes(story: Story) -> list[Quote]:
    """Quotes the body does not already show: not as a quote block, nor, when no speaker is known,
    word for word inside a paragraph (listing it again would only repeat it)."""
    shown = {b.quote for b in story.blocks() if b.quote}
    body = _squashed(" ".join(b.text for b in story.blocks()))
    return [q for q in story.quotes if q.id not in shown and not (q.speaker is None and _squashed(q.text) in body)]


def _squashed(text: str) -> str:
    """Lowercased letters and digits only, for 'is this text already there' tests."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch.isalnum())


def _back(doc: _Doc, story: Story, words: dict[str, str]) -> None:
    """Key figures, disagreements, timeline, people and the numbered sources."""
    if story.facts:
        doc.heading(words["by_the_numbers"])
        doc.items(
            [
                _marked(story, f"{f.label}: {f.value}" + (f" ({words['disputed']})" if f.disputed else ""), f.sources)
                for f in story.facts
            ]
        )
    if story.conflicts:
        doc.heading(words["sources_differ"])
        doc.items([conflict_line(story, c.topic, c.claims, c.note) for c in story.conflicts])
    if story.timeline:
        doc.heading(words["timeline"])
        doc.items([_marked(story, f"{e.when}: {e.what}", e.sources) for e in story.timeline])
    if story.people:
        doc.heading(words["people"])
        lines = []
        for person in story.people:
            parts = [person.name, *([person.age] if person.age else []), *person.roles]
            text = ", ".join(p for p in parts if p.strip())
            if person.variants:
                text += f" ({words['also_called']} {', '.join(person.variants)})"
            lines.append(_marked(story, text, person.sources))
        doc.items(lines)
    if story.sources:
        doc.heading(words["sources"])
        lines = []
        for number, source in enumerate(story.sources, 1):
            fields: list[str | None] = [source.outlet, source.title, source.file, source.url]
            if source.copy_of:
                copied = present.note_marker(story, (source.copy_of,))
                fields.append(f"{words['copy_of']} {copied}")
            seen: list[str] = []
            for part in fields:
                # judged as printed: a field the ASCII version folds to nothing would leave "[2]" bare
                if part and doc.finish(part) and clean(part) not in seen:
                    seen.append(clean(part))
            name = " — ".join(seen) or next(
                (clean(p) for p in (source.id, source.checksum[:12]) if doc.finish(p)), "?")
            lines.append(f"[{number}] {name}")
        done = [doc.finish(line) for line in lines]
        doc.parts.append(("list", done))


def conflict_line(story: Story, topic: str, claims: tuple[Claim, ...], note: str) -> str:
    """One disagreement on one line, every account side by side with its sources and wording."""
    accounts = []
    for claim in claims:
        account = present.claim_line(story, claim)
        if claim.text.strip() and clean(claim.text) != clean(claim.value):
            account += f" (“{claim.text}”)"
        accounts.append(account)
    line = f"{topic}: " + "; ".join(accounts) + "."
    return f"{line} {note}" if note.strip() else line


def render(story: Story, layout: Layout, options: Options) -> bytes:
    """story.txt bytes: UTF-8 without BOM, NFC, LF, one paragraph per line unless width is set."""
    if options.width is not None and options.width < 1:
        raise UsageError(None, f"--width {options.width} is too small", "use a width of 20 or more")
    words = _words(story, layout)
    doc = _Doc(options.ascii, options.width, [])
    _front(doc, story, words)
    if story.sections or story.captions or story.quotes:
        headings = [s.heading for s in story.sections if s.heading and has_words(clean(s.heading))]
        contents = [f"{words['story']}: {'; '.join(headings)}" if headings else words["story"]]
        parts: tuple[tuple[str, object], ...] = (
            ("quotes", unshown_quotes(story)),
            ("captions", story.captions),
            ("by_the_numbers", story.facts),
            ("sources_differ", story.conflicts),
            ("timeline", story.timeline),
            ("people", story.people),
            ("sources", story.sources),
        )
        for key, items in parts:
            if items:
                contents.append(words[key])
        doc.heading(words["contents"])
        doc.items(contents)
    _body(doc, story, words)
    _back(doc, story, words)
    text = doc.render()
    if options.ascii:
        text = text.encode("ascii", errors="replace").decode("ascii")
    return text.encode("utf-8")
