"""Text helpers: folding, matching keys, sentence splitting and quote spans."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

OPEN_D = "“«„"
CLOSE_D = "”»"
OPEN_S = "‘‹"
CLOSE_S = "’›"

_FOLD = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "‹": "'",
        "›": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "«": '"',
        "»": '"',
        "–": "-",
        "—": "-",
        "‒": "-",
        "‐": "-",
        "‑": "-",
        "−": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def wordset(text: str) -> frozenset[str]:
    """A set of words written as one space-separated string."""
    return frozenset(text.split())


# abbreviations after which a full stop does not end a sentence (English and French)
ABBREVIATIONS = frozenset(
    wordset(
        "mr mrs ms mme mmes mlle dr prof st capt col gen lt sgt cpl maj gov sen rep rev fr jr sr "
        "no nos vol fig approx est dept univ inc ltd co corp vs etc av ave blvd bd cf ex p pp jan "
        "feb mar apr jun jul aug sep sept oct nov dec"
    )
)
_SENT_END = re.compile(r"[.!?…]+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_BRITISH = re.compile(r"(?<=[a-z]{2}[blmv])our(?=s?\b|ing\b|ed\b|hood\b|ite\b)")


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of these words that matches as `a|b|...` tried longest first, built as a trie.

    Python's matcher tries the alternatives of `a|b|...` one by one at every position; the trie
    tests each character once (about 2.5 times faster on the merge's number patterns). At any
    position the words that match are prefixes of one another, and the trie's greedy optional
    tails try them longest first, so the matches are the same. Where two branches start with
    letters one text character can match under IGNORECASE (s and ſ, k and the Kelvin sign), that
    part stays a plain longest-first alternation.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def suffixes(node: dict[str, Any]) -> list[str]:
        return [char + rest for char, child in node.items() for rest in (suffixes(child) if char else [""])]

    def pattern(node: dict[str, Any]) -> str:
        chars = [char for char in node if char]
        if any(_same_under_ignorecase(a, b) for i, a in enumerate(chars) for b in chars[i + 1:]):
            return "(?:" + "|".join(re.escape(w) for w in sorted(suffixes(node), key=len, reverse=True)) + ")"
        branches = [re.escape(char) + pattern(node[char]) for char in chars]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" not in node:
            return body
        return (body if len(branches) > 1 else f"(?:{body})") + "?"

    return f"(?:{pattern(trie)})"


def _same_under_ignorecase(a: str, b: str) -> bool:
    """Whether one character can match both letters in a pattern compiled with IGNORECASE."""
    if a.isascii() and b.isascii():  # ASCII letters fold only onto their own other case
        return a.lower() == b.lower()
    return bool(re.fullmatch(re.escape(a), b, re.I) or re.fullmatch(re.escape(b), a, re.I)
                or a.lower() == b.lower() or a.upper() == b.upper())


def fold(text: str) -> str:
    """Typographic quotes, dashes and spaces folded to ASCII punctuation."""
    return text.translate(_FOLD)


def strip_accents(text: str) -> str:
    """Text without combining accents (é → e)."""
    if text.isascii():  # most of a story once fold() has run: nothing to decompose or drop
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=16384)
def key(text: str) -> str:
    """A matching key: folded, accentless, lowercase, punctuation-free, one space between words."""
    low = strip_accents(fold(text)).lower()
    low = _BRITISH.sub("or", low)
    return " ".join(_WORD.findall(low))


def words(text: str) -> list[str]:
    """The words of a text, as written."""
    return _WORD.findall(text)


def _is_apostrophe(text: str, i: int) -> bool:
    """True when the ’ or ' at i sits inside a word (didn’t) rather than closing a quote."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return before.isalnum() and after.isalpha()


@dataclass(frozen=True)
class Span:
    """A quoted stretch of a paragraph: [start, end) includes the marks."""

    start: int
    end: int
    closed: bool
    double: bool

    def inner(self, text: str) -> str:
        """The quoted words without the marks and edge punctuation."""
        body = text[self.start + 1 : self.end - (1 if self.closed else 0)]
        return body.strip().strip(",").strip()


_MARKS = re.compile("[\"'“«„‘‹”»’›]")


def quote_spans(text: str) -> list[Span]:
    """Quoted stretches in a paragraph; an unclosed one runs to the end."""
    return list(_quote_spans(text))


@lru_cache(maxsize=8192)
def _quote_spans(text: str) -> tuple[Span, ...]:
    spans: list[Span] = []
    i, n = 0, len(text)
    while i < n:
        found = _MARKS.search(text, i)
        if found is None:
            break
        i = found.start()
        c = text[i]
        double = c in OPEN_D or (c == '"' and (i == 0 or not text[i - 1].isalnum()))
        single = c in OPEN_S or (c == "'" and (i == 0 or text[i - 1] in " (\u00a0—–-"))
        if c in "‘'" and single and i + 1 < n and not (text[i + 1].isalpha() or text[i + 1] in "…."):
            single = False
        if not (double or single):
            i += 1
            continue
        j = i + 1
        end = -1
        while j < n:
            d = text[j]
            if double and (d in CLOSE_D or (d == '"' and j > i + 1)):
                end = j + 1
                break
            if double and d in OPEN_D and c != "„":
                break
            if single and d in CLOSE_S + "'" and not _is_apostrophe(text, j):
                end = j + 1
                break
            j += 1
        if end < 0:
            if j < n:  # a new opening mark before any close: the first never closed
                spans.append(Span(i, j, False, double))
                i = j
                continue
            spans.append(Span(i, n, False, double))
            break
        spans.append(Span(i, end, True, double))
        i = end
    return tuple(s for s in spans if len(words(text[s.start : s.end])) >= 1)


def _inside(spans: list[Span], pos: int) -> bool:
    return any(s.start < pos < s.end - 1 for s in spans)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of a paragraph; never splits inside a quote or after an abbreviation."""
    return list(_split_sentences(text))


@lru_cache(maxsize=8192)
def _split_sentences(text: str) -> tuple[tuple[int, int], ...]:
    spans = quote_spans(text)
    cuts: list[int] = []
    for m in _SENT_END.finditer(text):
        end = m.end()
        while end < len(text) and text[end] in CLOSE_D + CLOSE_S + "\"')]":
            end += 1
        if end >= len(text):
            continue
        if not text[end].isspace():
            continue
        nxt = text[end:].lstrip()
        if not nxt or not (nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in OPEN_D + OPEN_S + "\"'("):
            continue
        if _inside(spans, m.start()) and not any(sp.end == end for sp in spans):
            continue
        if m.group(0) == ".":
            prev = re.search(r"([^\W\d_]+)\.$", text[: m.end()])
            if prev and (prev.group(1).lower() in ABBREVIATIONS or len(prev.group(1)) == 1):
                continue
        cuts.append(end)
    out: list[tuple[int, int]] = []
    start = 0
    for cut in [*cuts, len(text)]:
        seg = text[start:cut]
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg.rstrip())
        if seg.strip():
            out.append((start + lead, start + trail))
        start = cut
    return tuple(out)


def excerpt(text: str, start: int, end: int, width: int = 40) -> str:
    """A short excerpt around [start, end), cut at word and clause boundaries."""
    left = max(0, start - width)
    right = min(len(text), end + width)
    for stop in ',;:()“”‘’"':
        k = text.rfind(stop, left, start)
        if k >= 0 and not (stop in "’'" and _is_apostrophe(text, k)):
            left = max(left, k + 1)
        k = text.find(stop, end, right)
        if k >= 0 and not (stop in "’'" and _is_apostrophe(text, k)):
            right = min(right, k)
    if left > 0 and not text[left - 1].isspace() and text[left - 1] not in ',;:()“”‘’"':
        sp = text.find(" ", left, start)
        left = sp + 1 if sp >= 0 else start
    if right < len(text) and text[right].isalnum():
        sp = text.rfind(" ", end, right)
        right = sp if sp >= 0 else end
    return text[left:right].strip(" ,;:-–—")


def slugify(text: str, max_words: int = 8, max_len: int = 60) -> str:
    """ASCII, lowercase, hyphenated slug from a title."""
    ascii_text = strip_accents(fold(text)).encode("ascii", "ignore").decode("ascii").lower()
    parts = re.findall(r"[a-z0-9]+", ascii_text)[:max_words]
    slug = "-".join(parts)
    while len(slug) > max_len and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    return slug or "story"


_CLAUSE = ",;:()—–"


def clause_excerpt(text: str, start: int, end: int, width: int = 70, min_words: int = 8) -> str:
    """The clause around [start, end), widened to at least `min_words` words, cut only at clause or word
    boundaries, with an ellipsis wherever the sentence was cut."""
    left = 0
    for k in range(start - 1, -1, -1):
        if text[k] in _CLAUSE and not (text[k] in "–" and k > 0 and text[k - 1].isdigit()):
            left = k + 1
            break
    right = len(text)
    for k in range(end, len(text)):
        if text[k] in _CLAUSE and not (text[k] in "–" and k + 1 < len(text) and text[k + 1].isdigit()):
            right = k
            break
    # widen a short clause by its neighbours
    while len(text[left:right].split()) < min_words and (left > 0 or right < len(text)):
        grew = False
        if right < len(text):
            nxt = min((k for k in range(right + 1, len(text)) if text[k] in _CLAUSE), default=len(text))
            right, grew = nxt, True
        if len(text[left:right].split()) < min_words and left > 0:
            prv = max((k + 1 for k in range(0, left - 1) if text[k] in _CLAUSE), default=0)
            left, grew = prv, True
        if not grew:
            break
    # too long: cut at words around the figure
    if start - left > width:
        sp = text.find(" ", start - width, start)
        left = sp + 1 if sp >= 0 else left
    if right - end > width:
        sp = text.rfind(" ", end, end + width)
        right = sp if sp >= 0 else right
    body = text[left:right].strip(" ,;:—–-")
    if not body:
        return text.strip()
    head = "" if not text[:left].strip() else "… "
    tail_rest = text[right:].strip()
    tail = "" if not tail_rest or all(c in ".!?…”’\"'»)" for c in tail_rest) else " …"
    if not tail and tail_rest:
        body += tail_rest
    return f"{head}{body}{tail}"
