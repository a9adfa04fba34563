"""Issue 10: property tests for every stage, on generated input (any Unicode, bounded sizes).

readers: any bytes -> RawDocument or SourceError; clean: any text -> no crash, idempotent on
article-like text; merge: 1-4 generated articles -> a consistent, JSON round-tripping Story;
adapters: any story -> valid text (check_text), valid JSON (schema), well-formed EPUB, and a PDF.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from storykit import codec
from storykit.clean import clean, plain_letters
from storykit.document import CleanDocument, RawDocument, SourceMeta
from storykit.errors import SourceError
from storykit.formats import Options, epub, pdf, txt
from storykit.formats import json as json_format
from storykit.layouts import load_layout
from storykit.merge import merge
from storykit.model import Block, Meta, Person, Quote, Section, Source, Story
from storykit.readers import decode, read_source
from storykit.textrules import check_text

LAYOUT = load_layout()
SCHEMA = codec.schema()
FAST = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=8, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Any Unicode except surrogates (which cannot be encoded): controls, bidi, joiners, emoji, RTL, CJK.
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=200)
AWKWARD = st.sampled_from([
    "\u202e", "\u200b", "\u200d", "\u2066", "\u00ad", "\ufeff", "\x00", "\x1b", "\u0301", "🔥", "👩‍👩‍👧",
    "وقال", "השוער", "東京", "𝐁𝐨𝐥𝐝", "J\u0435an", "<script>", "{{ 7*7 }}", "{% x %}", "\\input{x}",
    "&amp;", "]]>", "\n", "\t", " ", "\u00a0", "\u2028", "ﬁ", "Ⓐ", "\ufffd", "\U000e0041",
])
NAMES = ["Jean Dupont", "Marie Curie", "Fousseynou Samba Cissé", "Anna Schmidt", "Li Wei"]
PLACES = ["Paris", "Lyon", "the 18th arrondissement", "Berlin"]


# ---------- readers ----------

@FAST
@given(st.binary(max_size=600), st.sampled_from([".txt", ".md", ".html", ".htm", ".markdown"]))
def test_reader_any_bytes(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"source{suffix}"
        path.write_bytes(data)
        try:
            raw = read_source(path)
        except SourceError as error:
            assert str(path) in error.line()
            assert "\n" not in error.line()
            return
    assert isinstance(raw, RawDocument)
    assert raw.text.strip()
    assert raw.meta.url is None or raw.meta.url.lower().startswith(("http://", "https://"))


@FAST
@given(st.lists(st.one_of(ANY_TEXT, AWKWARD), max_size=12).map("".join),
       st.sampled_from(["utf-8", "utf-16", "utf-8-sig", "cp1252", "latin-1"]))
def test_decode_any_text(text: str, encoding: str) -> None:
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    try:
        out = decode(data, "x.txt")
    except SourceError as error:
        assert error.path == "x.txt"
        return
    assert isinstance(out, str)
    assert "\r" not in out


@FAST
@given(st.lists(st.one_of(ANY_TEXT, AWKWARD), max_size=10).map("".join), st.sampled_from([".md", ".html"]))
def test_markup_readers_any_text(text: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"page{suffix}"
        path.write_text(text if suffix == ".md" else f"<html><body><article><p>{text}</p></article></body></html>",
                        encoding="utf-8", errors="surrogatepass")
        try:
            read_source(path)
        except SourceError as error:
            assert str(path) in error.line()


# ---------- clean ----------

def _raw(text: str, title: str = "") -> RawDocument:
    return RawDocument(path="x.txt", name="x.txt", checksum="0" * 64, text=text, meta=SourceMeta(title=title))


@FAST
@given(st.lists(st.one_of(ANY_TEXT, AWKWARD), max_size=15).map("".join))
def test_clean_any_text(text: str) -> None:
    cleaned = clean(_raw(text), "s1")
    for part in cleaned.parts:
        assert part.text.strip(" \t\n") == part.text and part.text.strip()
        assert part.line >= 1
        assert "\u202e" not in part.text and "\u200b" not in part.text
    assert all(d.source == "s1" for d in cleaned.dropped)


@FAST
@given(st.lists(st.one_of(ANY_TEXT, AWKWARD), max_size=15).map("".join))
def test_plain_letters_is_idempotent_on_awkward_text(text: str) -> None:
    once = plain_letters(text)
    assert plain_letters(once) == once


@st.composite
def sentence(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(NAMES))
    place = draw(st.sampled_from(PLACES))
    n = draw(st.integers(1, 99))
    noise = draw(st.lists(AWKWARD, max_size=2))
    template = draw(st.sampled_from([
        "{name} said {n} people were rescued in {place} on Friday{x}.",
        "Firefighters arrived in {place} after {n} minutes, {name} told reporters{x}.",
        "\"We did what we had to,\" said {name}, who is {n}{x}.",
        "The building in {place} had {n} floors, according to {name}{x}.",
    ]))
    return template.format(name=name, place=place, n=n, x=" " + "".join(noise) if noise else "")


@st.composite
def article(draw: st.DrawFn) -> str:
    title = draw(st.sampled_from(["Fire In Paris", "Caretaker Saves Six", "Rescue On The Ledge", "Incendie à Paris"]))
    paragraphs = draw(st.lists(st.lists(sentence(), min_size=1, max_size=3).map(" ".join), min_size=1, max_size=5))
    return "\n".join([title, *paragraphs])


@FAST
@given(article())
def test_clean_is_idempotent_on_generated_articles(text: str) -> None:
    first = clean(_raw(text), "s1")
    second = clean(_raw("\n".join(p.text for p in first.parts), first.raw.meta.title), "s1")
    assert [p.text for p in second.parts] == [p.text for p in first.parts]


# ---------- merge ----------

def _docs(texts: list[str]) -> list[CleanDocument]:
    return [clean(RawDocument(path=f"{i}.txt", name=f"{i}.txt", checksum=f"{i:064d}", text=t, meta=SourceMeta()),
                  f"s{i}") for i, t in enumerate(texts, start=1)]


def _check_story(story: Story) -> None:
    ids = {s.id for s in story.sources}
    blocks = story.blocks()
    for block in blocks:
        assert block.sources and set(block.sources) <= ids, block
    assert len({b.id for b in blocks}) == len(blocks)
    for item in (*story.quotes, *story.people, *story.facts, *story.places, *story.timeline, *story.captions):
        assert set(item.sources) <= ids, item
    for conflict in story.conflicts:
        for claim in conflict.claims:
            assert set(claim.sources) <= ids
    quote_ids = {q.id for q in story.quotes}
    assert all(b.quote in quote_ids for b in blocks if b.quote)
    assert all(s.copy_of in ids for s in story.sources if s.copy_of)
    data = codec.dumps(story)
    jsonschema.validate(json.loads(data), SCHEMA)
    assert codec.loads(data) == story


@FAST
@given(st.lists(article(), min_size=1, max_size=4))
def test_merge_generated_articles(texts: list[str]) -> None:
    _check_story(merge(_docs(texts)))


@SLOW
@given(st.lists(st.lists(st.one_of(ANY_TEXT, AWKWARD), min_size=1, max_size=10).map("".join), min_size=1, max_size=3))
def test_merge_any_text(texts: list[str]) -> None:
    _check_story(merge(_docs(texts)))


# ---------- adapters ----------

SHORT = st.lists(st.one_of(st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=30), AWKWARD),
                 min_size=1, max_size=4).map("".join)


@st.composite
def stories(draw: st.DrawFn) -> Story:
    n = draw(st.integers(1, 3))
    sources = tuple(Source(f"s{i}", draw(SHORT) + ".txt", f"{i:064d}", title=draw(SHORT),
                           outlet=draw(st.none() | SHORT), url=draw(st.none() | st.just("https://example.org/a")),
                           language=draw(st.none() | st.sampled_from(["en", "fr", "ar", "he"])))
                    for i in range(1, n + 1))
    ids = [s.id for s in sources]
    refs = st.lists(st.sampled_from(ids), min_size=1, max_size=n, unique=True).map(tuple)
    quotes = tuple(Quote(f"q-{i}", draw(SHORT), draw(refs), speaker=draw(st.none() | SHORT))
                   for i in range(draw(st.integers(0, 2))))
    sections = []
    count = 0
    for s in range(draw(st.integers(1, 3))):
        blocks = []
        for _ in range(draw(st.integers(1, 3))):
            count += 1
            kind = draw(st.sampled_from(["paragraph", "heading", "question", "answer", "quote"]))
            quote = draw(st.sampled_from([q.id for q in quotes])) if kind == "quote" and quotes else None
            blocks.append(Block(f"p-{count}", "paragraph" if kind == "quote" and not quote else kind,
                                draw(SHORT), draw(refs), quote=quote, truncated=draw(st.booleans())))
        sections.append(Section(f"sec-{s + 1}", draw(st.none() | SHORT), tuple(blocks)))
    people = tuple(Person(f"person-{i}", draw(SHORT), draw(refs)) for i in range(draw(st.integers(0, 2))))
    meta = Meta(title=draw(SHORT), slug="story", language=draw(st.sampled_from(["en", "fr", "ar", "he", "de"])),
                dek=draw(st.just("") | SHORT), summary=tuple(draw(st.lists(SHORT, max_size=2))))
    return Story(meta, sources, tuple(sections), quotes=quotes, people=people)


@FAST
@given(stories(), st.sampled_from([None, 20, 72]), st.booleans())
def test_txt_adapter(story: Story, width: int | None, ascii_only: bool) -> None:
    data = txt.render(story, LAYOUT, Options(width=width, ascii=ascii_only))
    text = data.decode("utf-8")
    errors = [f for f in check_text(text, wrapped=width) if f.level == "error"]
    assert errors == [], errors
    if ascii_only:
        assert text.isascii()


@FAST
@given(stories())
def test_json_adapter(story: Story) -> None:
    data = json_format.render(story, LAYOUT, Options())
    jsonschema.validate(json.loads(data), SCHEMA)
    assert codec.loads(data) == story


@SLOW
@given(stories())
def test_epub_adapter(story: Story) -> None:
    pages = {s.id: 1 for s in story.sections}
    book = epub.build(story, LAYOUT, Options(source_date_epoch=1751600000), pages)
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        assert z.namelist()[0] == "mimetype"
        for name in z.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx", ".svg")):
                root = etree.fromstring(z.read(name))
                assert not root.xpath("//*[local-name()='script']"), name
        assert codec.loads(z.read("EPUB/data/story.json")) == story


@settings(max_examples=3, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(stories())
def test_pdf_adapter(story: Story) -> None:
    data = pdf.render(story, LAYOUT, Options(source_date_epoch=1751600000))
    assert data.startswith(b"%PDF-")
