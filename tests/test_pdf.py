"""PDF adapter: structure (PDF/UA-1), text layer, reproducibility, paper, print marks and safety."""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest

from storykit.codec import dumps
from storykit.errors import RenderError
from storykit.formats import Options, pdf
from storykit.layouts import Layout, load_layout
from storykit.model import Block, Meta, Section, Story
from tests.sample_story import sample_story

EPOCH = 1751600000  # 2025-07-04
MM = 72 / 25.4


@pytest.fixture(scope="module")
def layout() -> Layout:
    """The default layout."""
    return load_layout()


@pytest.fixture(scope="module")
def story() -> Story:
    """The hand-built sample story."""
    return sample_story()


@pytest.fixture(scope="module")
def rendered(story: Story, layout: Layout) -> bytes:
    """The sample story as PDF."""
    return pdf.render(story, layout, Options(source_date_epoch=EPOCH))


def _open(data: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(data))


def _text(data: bytes, tmp_path: Path) -> str:
    """The text layer in content order (pdftotext -raw); WeasyPrint writes it in DOM order."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "story.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout


def _squash(text: str) -> str:
    # pdftotext drops line-end hyphens and breaks lines: compare without spaces and hyphens.
    return re.sub(r"[\s\-\u00ad\u2010]", "", text)


def _kids(element: pikepdf.Object) -> list[pikepdf.Object]:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _a11y_problems(data: bytes, expected_lang: str) -> list[str]:
    """The structural PDF/UA check of the accessibility design note, appendix A."""
    problems: list[str] = []
    doc = _open(data)
    root = doc.Root
    if "/StructTreeRoot" not in root:
        return ["no /StructTreeRoot (untagged PDF)"]
    if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
        problems.append("/MarkInfo /Marked is not true")
    if str(root.get("/Lang", "")).lower() != expected_lang.lower():
        problems.append(f"/Lang is {root.get('/Lang')!r}")
    if not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
        problems.append("DisplayDocTitle is not true")
    with doc.open_metadata() as xmp:
        if not (xmp.get("dc:title") or "").strip():
            problems.append("XMP dc:title missing")
        if str(xmp.get("pdfuaid:part")) != "1":
            problems.append("XMP pdfuaid:part is not 1")
    headings: list[int] = []
    figures: list[str] = []
    seen: set[tuple[int, int]] = set()

    def walk(element: pikepdf.Object) -> None:
        if not isinstance(element, pikepdf.Dictionary) or element.objgen in seen:
            return
        if element.objgen != (0, 0):
            seen.add(element.objgen)
        tag = str(element.get("/S", ""))
        if tag == "/Figure":
            figures.append(str(element.get("/Alt", "")).strip())
        if re.fullmatch(r"/H[1-6]", tag):
            headings.append(int(tag[2]))
        for kid in _kids(element):
            walk(kid)

    for kid in _kids(root.StructTreeRoot):
        walk(kid)
    if not figures:
        problems.append("no Figure in the structure tree")
    problems += ["Figure without /Alt" for alt in figures if not alt]
    if headings[:1] != [1]:
        problems.append(f"first heading is not H1: {headings[:1]}")
    problems += [f"heading level skipped: H{a} -> H{b}" for a, b in itertools.pairwise(headings)
                 if b > a + 1]
    for n, page in enumerate(doc.pages, 1):
        for _, font in page.Resources.get("/Font", {}).items():
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font.DescendantFonts[0].get("/FontDescriptor")
            if desc is None or not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"page {n}: font {font.get('/BaseFont')} not embedded")
            if "/ToUnicode" not in font:
                problems.append(f"page {n}: font {font.get('/BaseFont')} has no /ToUnicode")
        for annot in page.get("/Annots", []):
            if annot.get("/Subtype") == "/Link" and "/StructParent" not in annot:
                problems.append(f"page {n}: link annotation not in structure tree")
        if page.get("/Annots") and page.obj.get("/Tabs") != "/S":
            problems.append(f"page {n}: /Tabs is not /S")
    return problems


def test_structure_is_pdf_ua(rendered: bytes, story: Story) -> None:
    """Tagged, /Lang, title shown, fonts embedded with ToUnicode, figures with /Alt, no skipped heading."""
    assert _a11y_problems(rendered, story.meta.language) == []


def test_page_validation_ua1(rendered: bytes) -> None:
    """The veraPDF rules of page-validation find the file PDF/UA-1 compliant."""
    page = pytest.importorskip("page")
    report = page.validate_pdf_bytes(rendered, profile="ua1")
    assert report.is_compliant, [(f.rule_id, f.message) for f in report.failures]


def test_outlines_and_metadata(rendered: bytes, story: Story) -> None:
    """Bookmarks from headings; title, credit, dek, keywords and the story's date in the metadata."""
    doc = _open(rendered)
    with doc.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert titles[0] == story.meta.title
    with doc.open_outline() as outline:
        nested = [child.title for item in outline.root for child in item.children]
    assert "On the ledge" in titles + nested
    info = doc.docinfo
    assert str(info["/Title"]) == story.meta.title
    assert str(info["/Author"]) == "Compiled from 3 sources"
    assert str(info["/Subject"]) == story.meta.dek
    assert "Jean Dupont" in str(info["/Keywords"])
    assert str(info["/CreationDate"]).startswith("D:20250704")
    assert all(str(f).startswith("SK-") for f in _font_names(doc))


def _font_names(doc: pikepdf.Pdf) -> set[str]:
    return {str(font.get("/BaseFont")).split("+", 1)[-1].lstrip("/")
            for page in doc.pages for _, font in page.Resources.get("/Font", {}).items()}


def test_story_json_attached(rendered: bytes, story: Story) -> None:
    """story.json travels inside the PDF."""
    doc = _open(rendered)  # keep the Pdf alive while its attachments are read
    attachments = doc.attachments
    assert "story.json" in attachments
    assert attachments["story.json"].get_file().read_bytes() == dumps(story)


def test_text_layer_has_quotes_and_facts_in_order(rendered: bytes, story: Story, tmp_path: Path) -> None:
    """Every fact and every quote is in the text, each in reading order, with its note markers."""
    text = _squash(_text(rendered, tmp_path))
    quotes = {q.id: q for q in story.quotes}
    attributions = {"q-1": "Jean Dupont, told Le Parisien", "q-2": "Jean Dupont", "q-3": "Unattributed"}
    in_order = [[story.meta.title] + [part for f in story.facts for part in (f.value, f.label)],
                [story.meta.title] + [part for b in story.blocks() if b.quote
                                      for part in (quotes[b.quote].text, attributions[b.quote])]]
    for expected in in_order:
        position = 0
        for item in expected:
            found = text.find(_squash(item), position)
            assert found >= 0, f"{item!r} missing or out of order"
            position = found
    assert "[1,2,3]" in text
    for number, source in enumerate(story.sources, 1):
        assert _squash(source.file) in text and f"[{number}" in text


def test_identical_bytes(story: Story, layout: Layout) -> None:
    """Two builds of the same inputs give the same bytes, with or without SOURCE_DATE_EPOCH."""
    for options in (Options(source_date_epoch=EPOCH), Options()):
        first = pdf.render(story, layout, options)
        pdf._laid_out.cache_clear()
        assert pdf.render(story, layout, options) == first


def test_dates_never_from_the_clock(story: Story, layout: Layout) -> None:
    """Without SOURCE_DATE_EPOCH the date is the story's own."""
    doc = _open(pdf.render(story, layout, Options()))
    assert str(doc.docinfo["/CreationDate"]).startswith("D:20250704")


def test_letter_paper(story: Story, layout: Layout) -> None:
    """--paper letter gives 612 x 792 pt pages; A4 is the default."""
    letter = _open(pdf.render(story, layout, Options(paper="letter", source_date_epoch=EPOCH)))
    assert all([float(v) for v in p.MediaBox] == [0, 0, 612, 792] for p in letter.pages)
    a4 = _open(pdf.render(story, layout, Options(source_date_epoch=EPOCH)))
    assert [round(float(v)) for v in a4.pages[0].MediaBox] == [0, 0, 595, 842]


def test_print_marks_give_bleed(story: Story, layout: Layout) -> None:
    """--print-marks: A4 trim box inside a 3 mm bleed, crop marks drawn outside it."""
    doc = _open(pdf.render(story, layout, Options(print_marks=True, source_date_epoch=EPOCH)))
    for page in doc.pages:
        trim = [float(v) for v in page.TrimBox]
        bleed = [float(v) for v in page.BleedBox]
        assert trim[2] - trim[0] == pytest.approx(595.28, abs=0.1)
        assert trim[0] - bleed[0] == pytest.approx(3 * MM, abs=0.1)
        assert float(page.MediaBox[2]) >= bleed[2]


def test_page_map_covers_every_element(story: Story, layout: Layout, rendered: bytes) -> None:
    """Every section and block id has a page, in story order, within the document."""
    options = Options(source_date_epoch=EPOCH)
    pages = pdf.page_map(story, layout, options)
    ids = [s.id for s in story.sections] + [b.id for b in story.blocks()]
    assert set(pages) == set(ids)
    doc = _open(rendered)
    count = len(doc.pages)
    assert all(1 <= n <= count for n in pages.values())
    block_pages = [pages[b.id] for b in story.blocks()]
    assert block_pages == sorted(block_pages)


def test_layout_once_per_build(story: Story, layout: Layout) -> None:
    """render() and page_map() share one laid-out document."""
    options = Options(source_date_epoch=EPOCH + 1)
    pdf._laid_out.cache_clear()
    pdf.render(story, layout, options)
    pdf.page_map(story, layout, options)
    assert pdf._laid_out.cache_info().misses == 1


def _hostile() -> Story:
    base = sample_story()
    evil = Block("p-evil", "paragraph", '<script>alert(1)</script> {{ 7*7 }} {% raw %} '
                 '<img src="file:///etc/passwd"> <link rel="stylesheet" href="http://example.com/x.css">',
                 ("s1",))
    meta = dataclasses.replace(base.meta, title="<b>Bold</b> {{ title }} & co", dek="</p><p>{#")
    return dataclasses.replace(base, meta=meta, sections=(*base.sections, Section("sec-evil", "<i>x</i>", (evil,))))


def test_hostile_text_stays_inert(layout: Layout, tmp_path: Path) -> None:
    """Markup and template syntax in source text are printed as text, never run or fetched."""
    story = _hostile()
    source = pdf.html(story, layout, Options())
    assert "<script>" not in source and "&lt;script&gt;" in source
    assert '<img src="file' not in source
    data = pdf.render(story, layout, Options(source_date_epoch=EPOCH))
    text = _text(data, tmp_path)
    assert "<script>alert(1)</script>" in text and "{{ 7*7 }}" in text
    assert "root:" not in text
    doc = _open(data)
    assert str(doc.docinfo["/Title"]) == story.meta.title


def _override(tmp_path: Path, css: str) -> Layout:
    (tmp_path / "pdf").mkdir(exist_ok=True)
    default = load_layout()
    (tmp_path / "pdf" / "story.css").write_text(default.read_text("pdf/story.css") + css, encoding="utf-8")
    return Layout("hostile", (tmp_path, *default.search_path))


@pytest.mark.parametrize("url", ["file:///etc/hostname", "https://example.com/font.ttf",
                                 "../../../../../../etc/hostname"])
def test_fetcher_refuses_outside_files(story: Story, tmp_path: Path, url: str) -> None:
    """A layout may load only its own files: other paths and the network stop the build."""
    layout = _override(tmp_path, f'\n@font-face {{ font-family: X; src: url("{url}"); }}\nbody {{ font-family: X; }}\n')
    with pytest.raises(RenderError, match="outside its folders"):
        pdf.render(story, layout, Options(source_date_epoch=EPOCH))


def test_fetcher_serves_layout_files_and_data(story: Story, tmp_path: Path) -> None:
    """Files found along the search path and data: URLs are fine."""
    css = '\n.kicker { background: url("data:image/svg+xml,<svg xmlns=%22http://www.w3.org/2000/svg%22/>"); }\n'
    data = pdf.render(story, _override(tmp_path, css), Options(source_date_epoch=EPOCH))
    assert data.startswith(b"%PDF-1.7")


def test_weasyprint_errors_fail_the_build(story: Story, tmp_path: Path) -> None:
    """An accessibility ERROR logged by WeasyPrint (an image without alt) raises RenderError."""
    (tmp_path / "pdf").mkdir()
    default = load_layout()
    svg = "<svg xmlns=%22http://www.w3.org/2000/svg%22 width=%2210%22 height=%2210%22/>"
    template = default.read_text("pdf/story.html.jinja").replace(
        "<article>", f'<article><img src="data:image/svg+xml,{svg}">')
    (tmp_path / "pdf" / "story.html.jinja").write_text(template, encoding="utf-8")
    layout = Layout("no-alt", (tmp_path, *default.search_path))
    with pytest.raises(RenderError, match="WeasyPrint reported"):
        pdf.render(story, layout, Options(source_date_epoch=EPOCH))


def test_every_script_has_a_vendored_font(layout: Layout) -> None:
    """Greek, Cyrillic, Arabic and Hebrew text is set in the layout's own fonts."""
    base = sample_story()
    meta = Meta(title="Ελληνικά, кириллица, العربية, עברית", slug="scripts", language="en")
    section = Section("sec-s", None, (Block("s-1", "paragraph", "Η διάσωση. Спасение. إنقاذ. חילוץ.", ("s1",)),))
    story = dataclasses.replace(base, meta=meta, sections=(section,))
    doc = _open(pdf.render(story, layout, Options(source_date_epoch=EPOCH)))
    names = _font_names(doc)
    assert {"SK-Arabic", "SK-Hebrew"} <= names
    assert all(name.startswith("SK-") for name in names)


def test_text_formats_do_not_import_weasyprint() -> None:
    """Importing the PDF adapter does not load WeasyPrint (only rendering does)."""
    code = "import sys, storykit.formats.pdf; assert 'weasyprint' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])


# ---------- Layout on real and messy stories: no near-empty page, every text once ----------

LONG_WORD = "Rettungsschwimmerausbildungsverordnungsänderungsgesetzentwurfsbegründung"
LONG_URL = "https://example.org/" + "/".join(["a-very-long-path-segment-without-any-break"] * 4) + "?q=" + "x" * 90


def stress_story(language: str = "en") -> Story:
    """A messy story: 40 facts, 15 conflicts, 30 quotes, 12 sources, long words and URLs, an Arabic passage."""
    from storykit.model import Claim, Conflict, Event, Fact, Quote, Source

    fr = language == "fr"
    sources = tuple(
        Source(f"s{n}", f"source-{n:02d}-{LONG_WORD[:30]}.html", f"{n:064d}", f"Titre numéro {n} de l’article"
               if fr else f"Article number {n} on the rescue", outlet=f"Outlet {n}" if n % 3 else None,
               url=f"{LONG_URL}&n={n}" if n % 2 else None, published=f"2025-07-{n + 1:02d}",
               language=language, copy_of="s1" if n == 12 else None)
        for n in range(1, 13))
    ids = [s.id for s in sources]

    def cite(n: int, k: int) -> tuple[str, ...]:
        return tuple(ids[(n + i) % len(ids)] for i in range(k))

    word = "Le sauveteur" if fr else "The rescuer"
    sentence = ("a grimpé sur la corniche du sixième étage et a passé les enfants un par un à un voisin "
                if fr else "climbed onto the sixth-floor ledge and passed the children one by one to a neighbour ")
    quotes = tuple(Quote(f"q-{n}", (f"Citation {n} : " if fr else f"Quote {n}: ") + sentence * (1 + n % 4),
                         cite(n, 1 + n % 5), speaker=None if n % 7 == 0 else f"Speaker {n % 5}",
                         outlet=f"Outlet {n % 4 + 1}" if n % 2 else None) for n in range(1, 31))
    sections: list[Section] = []
    q = iter(quotes)
    for s in range(1, 11):
        blocks: list[Block] = []
        for p in range(1, 5):
            text = f"{word} {s}.{p} " + sentence * (2 + (s * p) % 5)
            if s == 3 and p == 2:
                text += f" {LONG_WORD} {LONG_URL} "
            if s == 5 and p == 1:
                text += " قال المنقذ إنه لم يفكر مرتين قبل أن يتسلق الحافة لإنقاذ الأطفال. "
            blocks.append(Block(f"p-{s}-{p}", "paragraph", text.strip(), cite(s + p, 1 + p % 3)))
            for _ in range(1 if p % 2 else 0):
                quote = next(q, None)
                if quote:
                    blocks.append(Block(f"b-{quote.id}", "quote", quote.text, quote.sources,
                                        speaker=quote.speaker, quote=quote.id))
        heading = None if s == 1 else (f"Intertitre {s} : " if fr else f"Subhead {s}: ") + (
            LONG_WORD if s == 4 else "a long subhead that runs over several lines of the rail")
        sections.append(Section(f"sec-{s}", heading, tuple(blocks)))
    rest = [quote for quote in q]
    sections.append(Section("sec-quotes", "Quotes" if not fr else "Citations", tuple(
        Block(f"b-{quote.id}", "quote", quote.text, quote.sources, speaker=quote.speaker, quote=quote.id)
        for quote in rest)))
    facts = tuple(Fact(f"f-{n}", ("count", "age", "date", "floor", "height")[n % 5],
                       f"{'Chiffre' if fr else 'Figure'} {n % 13} {'de la liste' if n % 4 else LONG_WORD[:40]}",
                       f"{n * 7} {'personnes' if fr else 'people'}" if n % 6 else LONG_WORD, f"fact {n}",
                       cite(n, 1 + n % 6)) for n in range(1, 41))
    conflicts = tuple(Conflict(f"c-{n}", (f"Sujet {n}" if fr else f"Topic {n}") + (f" {LONG_WORD}" if n == 3 else ""),
                               tuple(Claim(f"value {n}-{k}", f"wording {n}-{k} " + sentence, cite(n + k, 1 + k % 3))
                                     for k in range(1 + n % 3 + 1)), note="Note." if n % 4 == 0 else "")
                      for n in range(1, 16))
    timeline = tuple(Event(f"{n} July", f"Event {n} " + sentence, cite(n, 1), f"2025-07-{n:02d}") for n in range(1, 21))
    meta = Meta(title=("Un concierge sur une corniche au sixième étage sauve six voisins d’un incendie, "
                       "et toute la ville parle de son courage" if fr else
                       "A caretaker on a sixth-floor ledge saves six neighbours from a fire, and the whole "
                       "city talks about his courage") + f" {LONG_WORD}",
                slug="stress", language=language, dek=sentence.capitalize().strip() + ".", place="Paris",
                date="2025-07-04", kicker="Paris", summary=tuple(f"{word} {n} " + sentence for n in range(1, 5)))
    return Story(meta=meta, sources=sources, sections=tuple(sections), quotes=quotes, facts=facts,
                 conflicts=conflicts, timeline=timeline)


def _pages(data: bytes, tmp_path: Path) -> list[str]:
    """The text of each page (pdftotext), without its whitespace."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True, text=True).stdout
    return ["".join(page.split()) for page in text.split("\f")[:-1]]


def _real_story() -> Story:
    """The story merged from the repository's seeds, as `storykit build` makes it."""
    from storykit.pipeline import merge_sources

    seeds = Path(__file__).resolve().parents[1] / "seeds"
    if not seeds.is_dir():
        pytest.skip("no seeds/ folder")
    return merge_sources([seeds])


STORIES = {
    "sample": (sample_story, 3),
    "real": (_real_story, 9),
    "stress-en": (lambda: stress_story("en"), 18),
    "stress-fr": (lambda: stress_story("fr"), 18),
}


@pytest.fixture(scope="module", params=sorted(STORIES))
def laid(request: pytest.FixtureRequest, layout: Layout) -> tuple[str, Story, bytes]:
    """Each test story, rendered once."""
    make, _ = STORIES[request.param]
    story = make()
    return request.param, story, pdf.render(story, layout, Options(source_date_epoch=EPOCH))


def test_no_page_is_nearly_empty(laid: tuple[str, Story, bytes], tmp_path: Path) -> None:
    """The opening flows into the story; no box leaves a blank or near-blank page; few pages."""
    name, _, data = laid
    pages = _pages(data, tmp_path)
    assert len(pages) <= STORIES[name][1], f"{name}: {len(pages)} pages"
    median = sorted(len(p) for p in pages)[len(pages) // 2]
    thin = [n for n, page in enumerate(pages[:-1], 1) if len(page) < 0.4 * median]
    assert not thin, f"{name}: nearly empty page(s) {thin} ({[len(p) for p in pages]})"


def test_story_starts_on_the_first_page(laid: tuple[str, Story, bytes], tmp_path: Path) -> None:
    """Page 1 holds the headline and the start of the lead paragraph (with its drop cap)."""
    _, story, data = laid
    first = _squash(_pages(data, tmp_path)[0])
    lead = next(b for b in story.blocks() if b.kind == "paragraph")
    assert _squash(story.meta.title)[:40] in first
    assert _squash(lead.text)[1:30] in first


def test_every_text_once(laid: tuple[str, Story, bytes], tmp_path: Path) -> None:
    """Every fact value, quote, conflict topic and claim value and every source's outlet, title and
    file is in the text layer; each quote exactly once (pull quotes are never repeated)."""
    name, story, data = laid
    text = _squash("".join(_pages(data, tmp_path)))
    wanted = [f.value for f in story.facts] + [c.topic for c in story.conflicts]
    wanted += [claim.value for c in story.conflicts for claim in c.claims]
    wanted += [x for s in story.sources for x in (s.outlet, s.title, s.file) if x]
    missing = [item for item in wanted if _squash(item) not in text]
    assert not missing, f"{name}: missing {missing[:5]}"
    for quote in story.quotes:
        if any(b.quote == quote.id for b in story.blocks()):
            assert text.count(_squash(quote.text)) == 1, f"{name}: {quote.text[:40]!r} not exactly once"


def test_editorial_limits(laid: tuple[str, Story, bytes], layout: Layout) -> None:
    """A compact key-figures box, at most three pull quotes, every fact in the back matter."""
    _, story, _ = laid
    source = pdf.html(story, layout, Options())
    numbers = source.split('id="sk-numbers"', 1)[1].split("</section>", 1)[0] if story.facts else ""
    assert numbers.count('class="fact"') == min(len(story.facts), pdf.KEY_FACTS)
    assert source.count('class="quote pull"') <= pdf.PULL_QUOTES
    if len(story.facts) > pdf.KEY_FACTS:
        assert all(f'data-id="sk-all-{f.id}"' in source for f in story.facts)
    assert source.count('class="quote ') == sum(1 for b in story.blocks() if b.kind == "quote")


def test_key_facts_rank_by_support() -> None:
    """By the numbers shows the best-supported figures, one per value, at most KEY_FACTS."""
    story = stress_story()
    key = pdf._key_facts(story)
    assert len(key) == pdf.KEY_FACTS
    support = [story.independent(f.sources) for f in key]
    assert support == sorted(support, reverse=True)
    assert min(support) >= max(story.independent(f.sources) for f in story.facts if f not in key) - 0
    assert len({f.value for f in key}) == len(key)


def test_every_story_is_pdf_ua(laid: tuple[str, Story, bytes]) -> None:
    """The messy and real stories stay PDF/UA-1 (structure check and page-validation)."""
    name, story, data = laid
    assert _a11y_problems(data, story.meta.language) == [], name
    page = pytest.importorskip("page")
    report = page.validate_pdf_bytes(data, profile="ua1")
    assert report.is_compliant, (name, [(f.rule_id, f.message) for f in report.failures][:5])


def test_each_object_serialized_once_gives_pydyfs_own_bytes(
    story: Story, layout: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pydyf serializes every object twice to make the file identifier; answering the second from the
    first changes no byte (compared at pydyf's own compression level)."""
    monkeypatch.setattr(pdf, "PDF_COMPRESSION_LEVEL", 9)
    options = Options(source_date_epoch=EPOCH)
    ours = pdf.render(story, layout, options)
    laid = pdf._laid_out(story, layout, options, None)
    weasyprint = pdf.load_weasyprint()
    attachment = weasyprint.Attachment(string=dumps(story), name="story.json",
                                       description="The story model (storykit story.json)",
                                       created=laid.when, modified=laid.when, relationship="Source")
    theirs = laid.document.write_pdf(pdf_variant=pdf.PDF_VARIANT, pdf_identifier=laid.identifier,
                                     attachments=[attachment])
    assert ours == theirs
    import pydyf

    assert "data" not in vars(pydyf.PDF) and pydyf.PDF.write.__module__ == "pydyf"  # nothing left patched


def test_streams_are_compressed_at_zlibs_default_level(rendered: bytes) -> None:
    doc = _open(rendered)
    streams = [o for o in doc.objects if isinstance(o, pikepdf.Stream) and o.get("/Filter") == "/FlateDecode"]
    assert streams and all(o.read_bytes() for o in streams)  # every stream still decodes


def test_a_template_that_marks_blocks_with_ids_gets_the_same_page_map(story: Story, layout: Layout,
                                                                      tmp_path: Path) -> None:
    """The default template marks sections and blocks with data-id (styles then shared); a layout
    of its own may still use id, found as WeasyPrint's anchors."""
    template = (layout.find("pdf/story.html.jinja")).read_text(encoding="utf-8")
    assert 'data-id="{{ block.id }}"' in template and ' id="{{ block.id }}"' not in template
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "story.html.jinja").write_text(template.replace("data-id=", "id="), encoding="utf-8")
    options = Options(source_date_epoch=EPOCH)
    assert pdf.page_map(story, load_layout(str(tmp_path)), options) == pdf.page_map(story, layout, options)


def test_a_template_that_marks_no_block_says_what_to_keep(story: Story, layout: Layout, tmp_path: Path) -> None:
    template = (layout.find("pdf/story.html.jinja")).read_text(encoding="utf-8")
    (tmp_path / "pdf").mkdir()
    (tmp_path / "pdf" / "story.html.jinja").write_text(template.replace('data-id="{{ block.id }}"', ""),
                                                        encoding="utf-8")
    with pytest.raises(RenderError, match="does not place") as raised:
        pdf.page_map(story, load_layout(str(tmp_path)), Options(source_date_epoch=EPOCH))
    assert 'data-id="{{ block.id }}"' in raised.value.line()


def test_font_keys_are_weasyprints_and_follow_a_changed_style() -> None:
    pdf.load_weasyprint()
    from weasyprint.css.properties import INITIAL_VALUES

    class Style(dict):  # type: ignore[type-arg]
        """A style as line_break reads it."""

    original = pdf._FONT_KEYS.original
    assert original is not None
    style = Style({k.replace("-", "_"): v for k, v in INITIAL_VALUES.items()})
    style["font_family"] = ["SK Serif", "serif"]
    for include_size in (False, True):
        assert pdf._FONT_KEYS.key(style, include_size) == original(style, include_size)
        assert pdf._FONT_KEYS.key(style, include_size) == original(style, include_size)  # kept
    style["font_weight"] = 700  # a value replaced in the same style: a new key
    style["font_family"] = ["SK Serif", "serif"]  # an equal value, another object: made again
    assert pdf._FONT_KEYS.key(style, True) == original(style, True)
    assert "700" in pdf._FONT_KEYS.key(style)
    pdf._FONT_KEYS.forget()
    assert not pdf._FONT_KEYS.made
