"""Quick paths through the cleaner's and the merge's patterns find what the plain ones did."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from storykit import clean, readers
from storykit.merge import numbers
from storykit.merge.numbers import CARDINALS, MONTHS, UNIT_WORDS, VAGUE, Figure, find_all
from storykit.merge.text import alternation

# Words with shared beginnings (un/une/unique, sept/septième/septembre), regex characters and accents.
WORDS = st.lists(st.sampled_from(["un", "une", "unique", "sept", "septième", "septembre", "a.b", "a+", "é", "ée",
                                  "rez-de-chaussée", "four", "fourteen", "fourth", "th", "x", "ſ", "K", "k",
                                  "ks", "s", "sa", "σ", "ς", "ß", "ẞ", "ı", "i"]),
                 min_size=1, max_size=8, unique=True)
TEXT_PIECES = st.sampled_from(["un", "une", "uniques", "sept", "septième", "SEPTEMBRE", "a.b", "a+", "aab", "é",
                               "É", "ée", "rez-de-chaussée", "fourteenth", "Fourth", "th", "x", "ſ", "k", "K", " ",
                               "-", ".", "İ", "ß", "٣", "1", "s", "S", "Σ", "ς", "ẞ", "I", "ı"])


@settings(max_examples=1000, deadline=None)
@given(WORDS, st.lists(TEXT_PIECES, max_size=12), st.booleans())
def test_a_trie_matches_as_the_longest_first_alternation(
    words: list[str], pieces: list[str], ignore_case: bool
) -> None:
    text = "".join(pieces)
    flags = re.I if ignore_case else 0
    plain = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    for template in (r"\b(?:{})\b", r"(?:{})(?:[- ](?:{}))*", r"(?:{})s?"):
        before = re.compile(template.format(plain, plain), flags)
        after = re.compile(template.format(alternation(words), alternation(words)), flags)
        assert [m.span() for m in before.finditer(text)] == [m.span() for m in after.finditer(text)]


def test_the_word_lists_need_no_order() -> None:
    """Months, weekdays and vague amounts are tried in any order: no word starts another."""
    for words in (MONTHS, numbers.WEEKDAYS, VAGUE):
        assert not [(a, b) for a in words for b in words if a != b and b.startswith(a)]


def _vague_counts_one_word_at_a_time(text: str) -> list[Figure]:
    """The vague amounts found as before the one-pass search: one search per word."""
    out = []
    for word, (lo, hi) in VAGUE.items():
        for m in re.finditer(rf"\b{word} (?:of |de |d')?(?:[a-zà-ÿ]+ )?(?P<noun>[a-zà-ÿ]+s)\b", text, re.I):
            noun = m.group("noun")
            if noun.lower() in UNIT_WORDS:
                continue
            out.append(Figure("count", lo, hi, m.group(0), m.start(), m.end(), subject=numbers.singular(noun),
                              role=numbers.role_of(text, m.start(), m.end())))
    return out


AMOUNT_PIECES = st.sampled_from([*VAGUE, "HUNDREDS", "Dozens", "of", "de", "d'", "people", "residents", "metres",
                                 "years", "hundreds", "families", "pompiers", "a", "few", "dozens", "s", "x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(AMOUNT_PIECES, st.sampled_from([" ", " ", "", ", "])), max_size=12))
def test_vague_amounts_in_one_pass_are_those_of_one_search_per_word(pieces: list[tuple[str, str]]) -> None:
    text = "".join(word + gap for word, gap in pieces)
    assert numbers._vague_counts(text) == _vague_counts_one_word_at_a_time(text)


def test_vague_amounts_of_one_word_never_overlap_but_of_two_words_may() -> None:
    text = "hundreds of hundreds of people and a few dozens of residents"
    assert [f.surface for f in numbers._vague_counts(text)] == \
        [f.surface for f in _vague_counts_one_word_at_a_time(text)] == \
        ["hundreds of hundreds", "dozens of residents", "a few dozens"]


def test_numbers_in_words_and_figures_are_found() -> None:
    found = [(f.kind, f.low, f.surface) for f in find_all(
        "Twenty-one people and ٣ firefighters reached the fourteenth floor; quatre-vingt enfants, "
        "un bébé de 5 mois, on 4 juillet 2025 at 4:30 p.m.")]
    assert ("count", 21, "Twenty-one people") in found and ("count", 3, "٣ firefighters") in found
    assert ("floor", 14, "fourteenth floor") in found and ("count", 80, "quatre-vingt enfants") in found
    assert ("age", 5, "5 mois") in found and ("date", 20250704, "4 juillet 2025") in found
    assert ("time", 16 * 60 + 30, "4:30 p.m.") in found


def test_the_number_lookahead_admits_every_start_of_a_number() -> None:
    start = re.compile(numbers._NUM_START, re.I)
    for word in [*CARDINALS, "42", "٣", "Twenty", "UNE"]:
        assert start.match(word), word


FOLDABLE = st.sampled_from([
    *(chr(c) for c in sorted(clean._ALWAYS_DROP | clean._CONTEXTUAL)), *sorted(clean._LOOKALIKE_SET),
    "ℎ", "ℬ", "ℯ", "𝐀", "𝟗", "Ａ", "１", "ⓐ", "ﬁ", "a", "b", " ", "’", "é", "\u0627", "\u05d0", "\u0915", "\U0001F600",
])


@settings(max_examples=500, deadline=None)
@given(st.lists(FOLDABLE, max_size=16))
def test_lines_the_quick_check_passes_over_are_those_folding_leaves_alone(chars: list[str]) -> None:
    text = "".join(chars)
    quick = clean.plain_letters(text)

    class Always:
        def search(self, _: str) -> bool:
            return True

    original, clean._FOLDABLE = clean._FOLDABLE, Always()  # type: ignore[assignment]
    try:
        assert clean.plain_letters(text) == quick
    finally:
        clean._FOLDABLE = original


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x2100), min_size=1))
def test_the_share_of_control_characters_is_counted_as_before(text: str) -> None:
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\f\v") or 0x7F <= ord(ch) < 0xA0)
    assert readers._control_share(text) == bad / len(text)


RTL_PIECES = st.sampled_from(["a", "é", "ش", "ا", "پ", "ٹ", "ے", "ש", "ב", "\u05b0", "\u0651", "\ufb1d", "\ufb50",
                              "\ufefc", "\ufeff", "1", "٣", " ", "ß"])


@settings(max_examples=500, deadline=None)
@given(st.lists(RTL_PIECES, max_size=40))
def test_the_script_of_a_text_is_found_as_before(pieces: list[str]) -> None:
    text = "".join(pieces)
    letters = [ch for ch in text if ch.isalpha()]
    hebrew = sum(1 for ch in letters if "\u0590" <= ch <= "\u05ff" or "\ufb1d" <= ch <= "\ufb4f")
    arabic = sum(1 for ch in letters if "\u0600" <= ch <= "\u08ff" or "\ufb50" <= ch <= "\ufeff")
    expected = None
    if letters and hebrew > len(letters) / 2:
        expected = "he"
    elif letters and arabic > len(letters) / 2:
        urdu, persian = any(ch in "ٹڈڑںےۓ" for ch in letters), any(ch in "پچژگی" for ch in letters)
        expected = "ur" if urdu else "fa" if persian else "ar"
    assert readers.script_language(text) == expected


@given(st.lists(st.one_of(st.integers(-1000, 1000), st.floats(-1e6, 1e6)), min_size=1))
def test_the_merges_median_is_the_statistics_modules(values: list[float]) -> None:
    import statistics

    from storykit.merge.align import median

    ordered = sorted(values)
    assert median(ordered) == statistics.median(ordered)
    assert type(median(ordered)) is type(statistics.median(ordered))
