"""The plain-text adapter: structure, rules, wrapping, ASCII, quotes and the answer-key scorer."""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storykit import present
from storykit.formats import Options
from storykit.formats.txt import render, wrap
from storykit.layouts import load_layout
from storykit.model import (
    Block,
    Caption,
    Claim,
    Conflict,
    Event,
    Fact,
    Meta,
    Person,
    Quote,
    Section,
    Source,
    Story,
    Variant,
)
from storykit.textrules import can_break, check_text, display_width
from tests.sample_story import sample_story

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
LAYOUT = load_layout()


def txt(story: Story, width: int | None = None, ascii: bool = False) -> bytes:
    """Render a story as plain text."""
    return render(story, LAYOUT, Options(width=width, ascii=ascii))


def assert_encoding(data: bytes) -> str:
    """UTF-8 without BOM, NFC, LF only, one final newline; returns the text."""
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    assert unicodedata.is_normalized("NFC", text)
    assert "\r" not in text
    assert text.endswith("\n") and not text.endswith("\n\n")
    return text


def paragraphs(text: str) -> list[str]:
    """Blocks separated by blank lines, wraps joined."""
    return [" ".join(b.split("\n")) for b in re.split(r"\n\n+", text.strip())]


# -- the sample story ---------------------------------------------------------------------------

def test_sample_passes_every_rule() -> None:
    text = assert_encoding(txt(sample_story()))
    assert check_text(text) == []


def test_sample_structure() -> None:
    story = sample_story()
    text = txt(story).decode()
    lines = text.split("\n")
    assert lines[0] == story.meta.title
    assert "Compiled from 3 sources. Date: 4 July 2025. Place: Paris. Language: English." in lines
    for heading in ("In brief", "Contents", "The story", "On the ledge", "By the numbers",
                    "Where the sources differ", "Timeline", "People", "Sources"):
        assert f"\n\n\n{heading}\n\n" in text, heading
    assert "A caretaker climbed onto a sixth-floor ledge in Paris on Friday, 4 July 2025, and " \
           "brought six people out of a burning flat. [1, 2, 3]" in lines
    assert "- Taken to hospital: 10 [2]" in lines
    assert "Question: How many people did he save? [1]" in lines
    assert "(The source's text breaks off here.) [2]" in text
    assert "[Figure: The caretaker on the ledge, as filmed by a neighbour.] [3]" in lines
    assert any(ln.startswith("[2] Le Monde d’Exemple — Rescue on the sixth floor — b.html — https://")
               for ln in lines)
    assert not any(ln.startswith(("* ", "• ")) for ln in lines)


def test_sample_quotes_once_and_attributed() -> None:
    story = sample_story()
    paras = paragraphs(txt(story).decode())
    for quote in story.quotes:
        holding = [p for p in paras if quote.text in p]
        assert len(holding) == 1, quote.id
        if quote.speaker:
            assert quote.speaker in holding[0]
        else:
            assert holding[0].startswith("Unattributed:")
    assert "Jean Dupont told Le Parisien: “They had to be saved, that’s it.” [1, 2]" in paras
    assert ("Jean Dupont said: “I didn’t think twice.” [2] Another wording [3]: "
            "“I did not think about it twice.”") in paras


def test_sample_conflicts_side_by_side() -> None:
    lines = txt(sample_story()).decode().split("\n")
    line = next(ln for ln in lines if ln.startswith("- Age of the youngest child:"))
    assert "1 month [1]" in line and "5 months [2, 3]" in line
    assert "“a 1-month-old baby”" in line


def test_width_72_no_longer_line_no_broken_word() -> None:
    story = sample_story()
    plain = txt(story).decode()
    text = assert_encoding(txt(story, width=72))
    for line in text.split("\n"):
        assert display_width(line) <= 72 or " " not in line, line
    assert check_text(text, wrapped=72) == []
    assert [p.split() for p in paragraphs(text)] == [p.split() for p in paragraphs(plain)]


def test_ascii_only_ascii_bytes() -> None:
    data = txt(sample_story(), ascii=True)
    assert all(b < 0x80 for b in data)
    text = data.decode("ascii")
    assert "Zoe Angstrom, 31" in text
    assert 'Jean Dupont told Le Parisien: "They had to be saved, that\'s it." [1, 2]' in text
    assert check_text(text) == []
    wrapped = txt(sample_story(), width=40, ascii=True).decode("ascii")
    assert check_text(wrapped, wrapped=40) == []


def test_french_story_uses_french_words() -> None:
    story = sample_story()
    story = replace(story, meta=replace(story.meta, language="fr"))
    text = txt(story).decode()
    assert "Langue: français." in text
    assert "\n\n\nLà où les sources divergent\n\n" in text
    assert "Jean Dupont a déclaré à Le Parisien: «\u202fThey had to be saved" in text
    assert check_text(text) == []


def test_wrap_keeps_words_and_long_words() -> None:
    assert wrap("a bb ccc", 4) == ["a bb", "ccc"]
    assert wrap("short https://example.org/very/long/path end", 10) == [
        "short", "https://example.org/very/long/path", "end"]
    assert wrap("a well- known b", 7) == ["a", "well- known", "b"]


# -- generated stories --------------------------------------------------------------------------

# pieces that each break some rule when copied verbatim into a text file
NASTY = ["BREAKING", "NEWS", "-", "*", "•", "1.", "2)", "[3]", "[1,", "2]", "well-", "known", "===",
         "* * *", "\u00a0", "\u202f", "\t", "\r\n", "\u2028", "\u200b", "\u00ad", "\ufeff",
         "\u0301", "e\u0301", "\U0001d413\U0001d421\U0001d41e", "\uff21", "\u24b6", "\ufb01", "\u00b2",
         "\u2554\u2550\u2557", "\u2588", "\u2800", "\U0001f602", "\u2764\ufe0f", "\U0001f1eb\U0001f1f7",
         "\ue000", "\x0c", "\u202e", "Zoë", "ǅ", "ﬃ", "İSTANBUL", "ΑΘΗΝΑ", "МОСКВА", "中文", "…", "—",
         "“", "”", "«", "»", "\n\n\n", " ", "  "]
TEXT = st.text(max_size=60) | st.lists(st.sampled_from(NASTY), max_size=12).map("".join) | \
    st.lists(st.sampled_from(NASTY), max_size=12).map(" ".join)
WORDY = st.text(min_size=1, max_size=60) | st.lists(st.sampled_from(NASTY), min_size=1,
                                                     max_size=12).map(" ".join)


@st.composite
def stories(draw: st.DrawFn) -> Story:
    """A random but well-formed Story with arbitrary Unicode in every text field."""
    n = draw(st.integers(1, 4))
    sources = tuple(
        Source(f"s{i}", draw(TEXT), "0" * 64, draw(TEXT), outlet=draw(st.none() | TEXT),
               url=draw(st.none() | TEXT), copy_of=draw(st.sampled_from([None, "s0"])))
        for i in range(n)
    )
    ids = st.lists(st.sampled_from([s.id for s in sources]), max_size=3).map(tuple)
    quotes = tuple(
        Quote(f"q{i}", draw(WORDY), draw(ids), speaker=draw(st.none() | WORDY),
              outlet=draw(st.none() | TEXT),
              variants=tuple(Variant(draw(WORDY), draw(ids)) for _ in range(draw(st.integers(0, 2)))))
        for i in range(draw(st.integers(0, 3)))
    )
    kinds = st.sampled_from(["heading", "paragraph", "question", "answer"])
    sections = []
    for i in range(draw(st.integers(0, 3))):
        blocks = [Block(f"b{i}-{k}", draw(kinds), draw(TEXT), draw(ids), truncated=draw(st.booleans()))
                  for k in range(draw(st.integers(0, 4)))]
        for q in quotes[i::3]:
            blocks.insert(draw(st.integers(0, len(blocks))),
                          Block(f"b{i}-{q.id}", "quote", q.text, q.sources, q.speaker, q.id))
        sections.append(Section(f"sec{i}", draw(st.none() | TEXT), tuple(blocks)))
    return Story(
        meta=Meta(draw(TEXT), draw(TEXT), language=draw(st.sampled_from(["en", "fr", "xx", "de-CH"])),
                  dek=draw(TEXT), place=draw(st.none() | TEXT),
                  date=draw(st.none() | st.sampled_from(["2025-07-04", "sometime"])),
                  summary=tuple(draw(st.lists(TEXT, max_size=2)))),
        sources=sources,
        sections=tuple(sections),
        quotes=quotes,
        facts=tuple(Fact(f"f{i}", "count", draw(TEXT), draw(TEXT), draw(TEXT), draw(ids))
                    for i in range(draw(st.integers(0, 3)))),
        people=tuple(Person(f"p{i}", draw(TEXT), draw(ids), tuple(draw(st.lists(TEXT, max_size=2))),
                            tuple(draw(st.lists(TEXT, max_size=2))), draw(st.none() | TEXT))
                     for i in range(draw(st.integers(0, 2)))),
        conflicts=tuple(Conflict(f"c{i}", draw(TEXT), tuple(Claim(draw(TEXT), draw(TEXT), draw(ids))
                                                            for _ in range(draw(st.integers(0, 3)))),
                                 draw(TEXT))
                        for i in range(draw(st.integers(0, 2)))),
        timeline=tuple(Event(draw(TEXT), draw(TEXT), draw(ids)) for _ in range(draw(st.integers(0, 2)))),
        captions=tuple(Caption(draw(TEXT), draw(ids)) for _ in range(draw(st.integers(0, 2)))),
    )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(stories())
def test_generated_stories_pass_every_rule(story: Story) -> None:
    text = assert_encoding(txt(story))
    assert check_text(text) == [], text


@SETTINGS
@given(stories(), st.integers(8, 100))
def test_generated_stories_wrapped(story: Story, width: int) -> None:
    text = assert_encoding(txt(story, width=width))
    assert check_text(text, wrapped=width) == [], text
    plain = txt(story).decode()
    # wrapping only moves line ends: the same words in the same paragraphs
    assert [p.split(" ") for p in paragraphs(text)] == [p.split(" ") for p in paragraphs(plain)]


@SETTINGS
@given(stories(), st.none() | st.integers(8, 100))
def test_generated_stories_ascii(story: Story, width: int | None) -> None:
    data = txt(story, width=width, ascii=True)
    assert all(b < 0x80 for b in data)
    assert check_text(data.decode("ascii"), wrapped=width) == []


@SETTINGS
@given(stories())
def test_generated_quotes_attributed(story: Story) -> None:
    paras = paragraphs(txt(story).decode())
    words = present.strings(LAYOUT, story.meta.language)
    for quote in story.quotes:
        if not any(ch.isalnum() for ch in quote.text) or quote.speaker is None:
            continue
        speaker = " ".join(quote.speaker.split())
        if not speaker or not speaker.isprintable() or not speaker.isascii():
            continue  # cleaning may fold the name; plain names are checked exactly
        body = " ".join(quote.text.split())
        if not body.isascii() or not body.isprintable():
            continue
        holding = [p for p in paras if body in p and speaker in p]
        assert holding, (quote, words["said"])


@given(st.text(alphabet=st.sampled_from("ab- [1,2]*.)3"), max_size=80), st.integers(1, 30))
def test_wrap_never_breaks_a_word(line: str, width: int) -> None:
    line = " ".join(line.split())
    if not line:
        return
    lines = wrap(line, width)
    assert " ".join(lines) == line
    for a, b in itertools.pairwise(lines):
        final = b is lines[-1] and " " not in b
        assert can_break(a.split(" ")[-1], b.split(" ")[0], final)


# -- the answer-key scorer ----------------------------------------------------------------------

def _scorer() -> ModuleType:
    """The shared answer-key scorer, imported from its file."""
    spec = importlib.util.spec_from_file_location("score", SHARED / "eval" / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SPEAKERS = {"Ciss": "Fousseynou Cissé", "Naomi": "Naomi", "F[ée]raud": "Rémi Féraud",
            "Valet": "Matthieu Valet"}
CLAIMS = {"youngest-age": (("1 month", "a 1-month-old baby"), ("5 months", "a five-month-old")),
          "second-child-age": (("1 year", "a one-year-old"), ("18 months", "an 18-month-old")),
          "babies-count": (("four babies", "four babies"), ("two babies", "two babies")),
          "adults-count": (("four adults", "then four adults"), ("two adults", "two adults"))}


@pytest.mark.skipif(not (SHARED / "eval" / "cisse" / "key.json").is_file(), reason="no answer key")
@pytest.mark.parametrize("width", [None, 72])
def test_key_quotes_and_conflicts_pass_the_scorer(width: int | None) -> None:
    """A story holding the key's quotes and conflicts renders so the scorer finds them all."""
    key = json.loads((SHARED / "eval" / "cisse" / "key.json").read_text(encoding="utf-8"))
    base = sample_story()
    sources = base.sources
    quotes = tuple(
        Quote(q["id"], q["text"].replace("'", "’") + ".", (sources[i % 3].id,),
              speaker=SPEAKERS[q["speaker"]], outlet="BFMTV" if i % 2 else None)
        for i, q in enumerate(key["quotes"])
    )
    # each quote in its own paragraph among ordinary ones, as a merge would place them
    blocks: list[Block] = []
    for q in quotes:
        blocks.append(Block(f"p-{q.id}", "paragraph", "Firefighters arrived minutes later.", ("s1",)))
        blocks.append(Block(f"b-{q.id}", "quote", q.text, q.sources, q.speaker, q.id))
    conflicts = tuple(
        Conflict(c["id"], c["id"].replace("-", " ").capitalize(),
                 tuple(Claim(v, t, (sources[k].id,)) for k, (v, t) in enumerate(CLAIMS[c["id"]])))
        for c in key["conflicts"]
    )
    story = replace(base, quotes=quotes, conflicts=conflicts,
                    sections=(Section("sec", "Quotes", tuple(blocks)),))
    scorer = _scorer()
    _value, fails, summary = scorer.score(key, txt(story, width=width).decode())
    assert summary["quotes"] == f"{len(quotes)}/{len(quotes)}", fails
    assert summary["conflicts"] == f"{len(conflicts)}/{len(conflicts)}", fails
    assert summary["noise"].split("/")[0] == summary["noise"].split("/")[1], fails


# -- listening ----------------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_reads_aloud_without_spelling(tmp_path: Path) -> None:
    """eSpeak NG speaks the opening as words: no 'letter', 'asterisk' or code points."""
    text = txt(sample_story()).decode()
    opening = "\n".join(text.split("\n")[:12])
    result = subprocess.run(["espeak-ng", "-q", "-x", "-v", "en", opening], capture_output=True,
                            text=True, timeout=30, check=True)
    phonemes = result.stdout
    assert phonemes.strip()
    for spelled in ("l'Et@", "asterisk", "'Ikw@lz"):  # "letter", "asterisk", "equals"
        assert spelled not in phonemes


def test_the_sample_text_never_reads_a_sentence_twice(sample_edition: Path) -> None:
    import collections

    text = next(p for p in sample_edition.iterdir() if p.suffix == ".txt").read_text(encoding="utf-8")
    sentences = []
    for line in text.splitlines():
        line = re.sub(r"\s*\[[\d, ]+\]", "", line)
        sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", line) if len(s.strip()) > 40]
    repeated = [s for s, n in collections.Counter(sentences).items() if n > 1]
    assert repeated == []


def test_a_source_named_only_by_what_ascii_drops_keeps_a_name() -> None:
    """Found by hypothesis: a source whose only field folds to nothing in ASCII ("¨") was listed as a bare "[2]"."""
    base = sample_story()
    odd = replace(base.sources[0], id="s9", outlet=None, title="", file="", url="¨", copy_of=None)
    story = replace(base, sources=(*base.sources, odd))
    text = txt(story, ascii=True).decode("ascii")
    assert text.rstrip("\n").splitlines()[-1] == f"[{len(story.sources)}] s9"
    assert check_text(text) == []
    assert txt(story).decode().rstrip("\n").splitlines()[-1] == f"[{len(story.sources)}] ¨"
