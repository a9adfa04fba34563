"""EPUB 3 adapter: accessible XHTML, navigation with the PDF edition's page list, reproducible zip."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import jinja2
import markupsafe
from ebooklib import epub
from lxml import etree

from storykit import present
from storykit.codec import dumps
from storykit.cover import cover_alt, cover_png
from storykit.errors import LayoutError, RenderError
from storykit.formats import Options
from storykit.layouts import Layout, template_error
from storykit.model import Fact, Quote, Story

XHTML = "application/xhtml+xml"
NS = {"h": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "svg": "http://www.w3.org/2000/svg"}
H_IMG, H_SPAN = f"{{{NS['h']}}}img", f"{{{NS['h']}}}span"
SVG, SVG_TITLE = f"{{{NS['svg']}}}svg", f"{{{NS['svg']}}}title"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FLOOR = datetime(1980, 1, 1, tzinfo=UTC)  # the earliest time a zip entry can carry
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://storykit.invalid/epub")
# Ids the templates give to parts of the book; a page map may use them too.
FIXED_IDS = frozenset({"top", "title", "in-brief", "quotes", "by-the-numbers", "sources-differ",
                       "timeline", "sources", "notes", "toc", "landmarks", "page-list"})
# The PDF template's names for the parts of the story that are not sections or blocks.
PDF_PARTS = {"brief": "in-brief", "numbers": "by-the-numbers", "differ": "sources-differ",
             "timeline": "timeline", "sources": "sources"}
SAFE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Document:
    """One content document of the spine."""

    name: str
    title: str
    template: str
    linear: bool = True


@dataclass(frozen=True)
class Note:
    """A note naming the sources of one paragraph, fact or quote (back-link first)."""

    id: str
    back: str
    marker: str
    sources: tuple[dict[str, Any], ...]
    single: bool
    quote: Quote | None = None
    fact: Fact | None = None


def render(story: Story, layout: Layout, options: Options) -> bytes:
    """The .epub bytes, with a page list taken from the PDF edition built from the same inputs."""
    # Imported here: WeasyPrint is heavy and only this adapter and the PDF's need it.
    from storykit.formats import pdf

    pages = pdf.page_map(story, layout, options)
    return build(story, layout, options, pages)


def prepare(story: Story, layout: Layout) -> None:
    """Do the work that needs no page map ahead of build(): draw the cover, compile the templates.

    The pipeline calls it while the PDF worker lays the story out. It never fails: build()
    reports any problem with its file and line.
    """
    with contextlib.suppress(Exception):
        _cover(_clean(story), layout)
    with contextlib.suppress(Exception):
        env = _environment(layout)
        for name in env.list_templates(extensions=["xhtml", "svg"]):
            env.get_template(name)


def _environment(layout: Layout) -> jinja2.Environment:
    return _compiled_environment(layout, layout.stamp())


@functools.lru_cache(maxsize=4)
def _compiled_environment(layout: Layout, stamp: object) -> jinja2.Environment:
    # One environment per layout version keeps its compiled templates (compiling costs more
    # than rendering) for every later build in this process.
    # Source text must stay inert and well-formed XML: drop characters XML 1.0 forbids.
    return layout.templates("epub", finalize=_xml_safe)


@functools.lru_cache(maxsize=2)
def _cover(story: Story, layout: Layout) -> bytes:
    return cover_png(story, layout)


def build(story: Story, layout: Layout, options: Options, pages: Mapping[str, int]) -> bytes:
    """The .epub bytes for a given page map (element id -> page where it starts; empty: no page list)."""
    original, story = story, _clean(story)
    words = _words(layout, story.meta.language)
    env = _environment(layout)
    ids = _Ids()
    quotes = {q.id: q for q in story.quotes}
    shown = {b.quote for b in story.blocks() if b.kind == "quote" and b.quote}
    extra_quotes = tuple(q for q in story.quotes if q.id not in shown)
    breaks = _page_breaks(_anchor_order(story, extra_quotes), pages)

    docs = [Document("cover.xhtml", words["cover"], "cover.xhtml"),
            Document("nav.xhtml", words["contents"], "nav.xhtml", linear=False),
            Document("story.xhtml", story.meta.title, "story.xhtml")]
    if story.facts:
        docs.append(Document("numbers.xhtml", words["by_the_numbers"], "numbers.xhtml"))
    if story.conflicts:
        docs.append(Document("differ.xhtml", words["sources_differ"], "differ.xhtml"))
    if story.timeline:
        docs.append(Document("timeline.xhtml", words["timeline"], "timeline.xhtml"))
    docs.append(Document("sources.xhtml", words["sources"], "sources.xhtml"))

    figure = _timeline_figure(story, words)
    common: dict[str, Any] = {
        "story": story, "words": words, "lang": story.meta.language,
        "rtl": present.is_rtl(story.meta.language), "is_rtl": present.is_rtl,
        "breaks": breaks, "ids": ids, "quotes": quotes, "extra_quotes": extra_quotes,
        "marker": lambda src: present.note_marker(story, src),
        "numbers": lambda src: present.note_numbers(story, src),
        "credit": present.credit_line(story, words),
        "dateline": " · ".join(p for p in (story.meta.place or "",
                                           present.display_date(story.meta.date, story.meta.language)) if p),
        "cover_alt": cover_alt(story, layout),
        "figure": figure,
        "sources": _source_views(story),
        "notes": _notes(story, ids, words),
    }

    rendered: dict[str, bytes] = {}
    for doc in docs:
        if doc.name == "nav.xhtml":
            continue
        rendered[doc.name] = _render(env, doc, common)
    page_list = _page_list(docs, rendered)
    common.update(toc=_toc(story, docs, words, ids), landmarks=_landmarks(docs, words), page_list=page_list)
    rendered["nav.xhtml"] = _render(env, docs[1], common)

    css = layout.read_bytes("epub/css/story.css")
    images: dict[str, bytes] = {"images/cover.png": _cover(story, layout)}
    if figure:
        images["images/timeline.svg"] = _render_template(env, "images/timeline.svg", {**common, **figure})

    missing = _missing_pages(pages, page_list)
    meta = accessibility_metadata([rendered[d.name] for d in docs], css, words, missing)
    book = _book(story, words, docs, rendered, css, images, meta, bool(page_list))
    # The story model itself travels inside the package, exactly as the JSON adapter writes it.
    book.add_item(epub.EpubItem(uid="story-json", file_name="data/story.json",
                                media_type="application/json", content=dumps(original)))
    return _write(book, _modified(story, options))


def accessibility_metadata(documents: Iterable[bytes], css: bytes, words: dict[str, str],
                           missing_pages: tuple[int, ...] = ()) -> list[tuple[str, str]]:
    """EPUB Accessibility 1.1 discovery metadata worked out from the rendered documents."""
    images = described = pagebreaks = headings = foreign = roles = 0
    toc = has_cover = media = False
    for raw in documents:
        root = etree.fromstring(raw)
        lang = root.get("lang")
        for img in root.iter(H_IMG):
            images += 1
            described += bool((img.get("alt") or "").strip())
            has_cover = has_cover or img.get("role") == "doc-cover"
        for svg in root.iter(SVG):
            images += 1
            described += bool(svg.findtext(SVG_TITLE) or svg.get("aria-label"))
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            local = etree.QName(el).localname
            headings += local in {"h1", "h2", "h3", "h4", "h5", "h6"}
            media = media or local in {"audio", "video", "canvas", "script"}
            pagebreaks += el.get(EPUB_TYPE) == "pagebreak"
            toc = toc or (local == "nav" and el.get(EPUB_TYPE) == "toc")
            roles += (el.get("role") or "").startswith("doc-")
            foreign += bool(el.get("lang")) and el.get("lang") != lang and el is not root
    mode = ["textual"] + (["visual"] if images else [])
    sufficient = ["textual"] if described == images else []
    sufficient += ["textual,visual"] if images else []
    features = []
    features += ["alternativeText"] if images and described == images else []
    features += ["ARIA"] if roles else []
    # Text size and spacing are left to the reader when the CSS never fixes them in absolute units.
    features += [] if re.search(rb"(font-size|line-height)\s*:\s*[\d.]+(px|pt)", css) else ["displayTransformability"]
    features += ["pageBreakMarkers", "pageNavigation"] if pagebreaks else []
    features += ["readingOrder"]
    features += ["structuralNavigation"] if headings else []
    features += ["tableOfContents"] if toc else []
    summary = [words["summary_structure"]]
    if images:
        if described < images:
            summary.append(words["summary_images_missing"].format(missing=images - described, n=images))
        elif images == 1:
            summary.append(words["summary_images_one"])
        else:
            summary.append(words["summary_images"].format(n=images))
    if has_cover:
        summary.append(words["summary_cover"])
    if pagebreaks:
        summary.append(words["summary_pages"].format(n=pagebreaks + len(missing_pages)))
    if missing_pages:
        summary.append(words["summary_pages_partial"].format(missing=", ".join(map(str, missing_pages))))
    if foreign:
        summary.append(words["summary_lang"])
    meta = [("schema:accessMode", m) for m in mode]
    meta += [("schema:accessModeSufficient", s) for s in sufficient]
    meta += [("schema:accessibilityFeature", f) for f in features]
    # Still text and images only: nothing flashes, moves or sounds.
    meta += [("schema:accessibilityHazard", "unknown" if media else "none")]
    meta += [("schema:accessibilitySummary", " ".join(summary))]
    return meta


class _Ids:
    """Turns model ids into XHTML ids that are safe and cannot clash with the templates' own."""

    def __call__(self, key: str) -> str:
        reserved = key in FIXED_IDS or key.startswith(("note-", "ref-", "page-", "source-", "x-"))
        if SAFE_ID.fullmatch(key) and not reserved:
            return key
        return "x-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def _xml_safe(value: Any) -> Any:
    """Strings without the control characters XML 1.0 cannot carry."""
    # Markup is template output whose values were cleaned already.
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return XML_INVALID.sub("", value)
    return value


def _clean(value: Any) -> Any:
    """The story with every string made XML-safe (templates and package metadata both need it)."""
    if isinstance(value, str):
        return XML_INVALID.sub("", value)
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _clean(getattr(value, f.name))
                                             for f in dataclasses.fields(value)})
    return value


def _words(layout: Layout, language: str) -> dict[str, str]:
    """Shared UI strings plus the EPUB's own, in the story's language with English fallback."""
    words = present.strings(layout, language)
    words.update(_strings_file(layout, "epub/strings/en.json"))
    primary = language.split("-")[0].lower()
    if primary != "en":
        # No translation: the English strings stay.
        with contextlib.suppress(LayoutError):
            layout.find(f"epub/strings/{primary}.json")
            words.update(_strings_file(layout, f"epub/strings/{primary}.json"))
    return words


def _strings_file(layout: Layout, relative: str) -> dict[str, str]:
    """A layout's strings file, or a LayoutError naming it and the line at fault."""
    try:
        data = json.loads(layout.read_text(relative))
    except ValueError as exc:
        raise LayoutError(relative, f"is not valid JSON ({exc})", "fix the file, or remove --layout") from None
    if not isinstance(data, dict):
        raise LayoutError(relative, "is not a JSON object of strings", "fix the file, or remove --layout")
    return data


def _anchor_order(story: Story, extra_quotes: tuple[Quote, ...]) -> list[str]:
    """Keys that can carry page breaks, in reading order (model ids and the fixed part ids)."""
    order = ["top"] + (["in-brief"] if story.meta.summary else [])
    for section in story.sections:
        order += [section.id] + [b.id for b in section.blocks]
    order += (["quotes"] + [q.id for q in extra_quotes]) if extra_quotes else []
    order += (["by-the-numbers"] + [f.id for f in story.facts]) if story.facts else []
    order += (["sources-differ"] + [c.id for c in story.conflicts]) if story.conflicts else []
    order += ["timeline"] if story.timeline else []
    return [*order, "sources"]


def _page_breaks(order: list[str], pages: Mapping[str, int]) -> dict[str, tuple[int, ...]]:
    """Page numbers whose break goes before each key: every page from the last one up to the key's."""
    if not pages:
        return {}
    known = {"top": 1, **{_alias(k): v for k, v in pages.items()}}
    breaks: dict[str, tuple[int, ...]] = {}
    current = 0
    for key in order:
        page = known.get(key)
        # A key on an earlier page than one already passed is out of the PDF's order: skip it, so
        # page numbers only ever grow along the spine.
        if page is None or page <= current:
            continue
        breaks[key] = tuple(range(current + 1, page + 1))
        current = page
    return breaks


def _alias(key: str) -> str:
    """Our id for a key of the PDF's page map (the PDF template prefixes its own parts with 'sk-')."""
    if not key.startswith("sk-"):
        return key
    bare = key.removeprefix("sk-")
    return PDF_PARTS.get(bare, bare)


def _missing_pages(pages: Mapping[str, int], page_list: list[dict[str, str]]) -> tuple[int, ...]:
    """PDF pages after the last one the EPUB could place (no element of ours starts on them)."""
    if not pages:
        return ()
    placed = {int(p["label"]) for p in page_list}
    return tuple(n for n in range(1, max(pages.values()) + 1) if n not in placed)


def _render_template(env: jinja2.Environment, name: str, context: dict[str, Any]) -> bytes:
    """One template rendered and checked to be well-formed XML."""
    try:
        text = env.get_template(name).render(context)
    except jinja2.TemplateError as exc:
        raise template_error(env, "epub", name, exc) from None
    data = text.encode("utf-8")
    try:
        etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        raise RenderError(f"epub/{name}", f"not well-formed XML: {exc}", "fix the template") from exc
    return data


def _render(env: jinja2.Environment, doc: Document, context: dict[str, Any]) -> bytes:
    """A content document."""
    return _render_template(env, doc.template, {**context, "doc_title": doc.title})


def _page_list(docs: list[Document], rendered: dict[str, bytes]) -> list[dict[str, str]]:
    """The page list read back from the markers actually written, so it can never point nowhere."""
    entries = []
    for doc in docs:
        if doc.name not in rendered:
            continue
        root = etree.fromstring(rendered[doc.name])
        for span in root.iter(H_SPAN):
            if span.get(EPUB_TYPE) == "pagebreak":
                entries.append({"href": f"{doc.name}#{span.get('id')}", "label": span.get("aria-label", "")})
    return entries


def _toc(story: Story, docs: list[Document], words: dict[str, str], ids: _Ids) -> list[dict[str, Any]]:
    """Table of contents entries in spine order."""
    toc: list[dict[str, Any]] = []
    for doc in docs:
        if doc.name in {"cover.xhtml", "nav.xhtml"}:
            continue
        children = []
        if doc.name == "story.xhtml":
            if story.meta.summary:
                children.append({"href": "story.xhtml#in-brief", "title": words["in_brief"]})
            children += [{"href": f"story.xhtml#{ids(s.id)}", "title": s.heading}
                         for s in story.sections if s.heading]
        toc.append({"href": doc.name, "title": doc.title, "children": children})
    return toc


def _landmarks(docs: list[Document], words: dict[str, str]) -> list[dict[str, str]]:
    """Landmarks: cover, contents, start of the story, sources."""
    return [{"type": "cover", "href": "cover.xhtml", "title": words["cover"]},
            {"type": "toc", "href": "nav.xhtml#toc", "title": words["contents"]},
            {"type": "bodymatter", "href": "story.xhtml", "title": words["story"]},
            {"type": "bibliography", "href": "sources.xhtml#sources", "title": words["sources"]}]


def _source_views(story: Story) -> list[dict[str, Any]]:
    """What the source list shows for each source."""
    views = []
    for n, source in enumerate(story.sources, 1):
        foreign = source.language and source.language.split("-")[0] != story.meta.language.split("-")[0]
        url = source.url if source.url and re.match(r"https?://", source.url) else None
        views.append({
            "number": n,
            "title": source.title or source.file,
            "outlet": source.outlet,
            "author": source.author,
            "published": present.display_date(source.published, story.meta.language),
            "language": source.language,
            "language_name": present.language_name(source.language) if foreign and source.language else "",
            "copy_of": story.source_number(source.copy_of) if source.copy_of else None,
            "url": url,
        })
    return views


def _notes(story: Story, ids: _Ids, words: dict[str, str]) -> list[Note]:
    """One note per paragraph, quote and fact, in reading order."""
    def sources(src: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
        return tuple({"number": n, "name": present.source_name(story.sources[n - 1])}
                     for n in present.note_numbers(story, src))

    quotes = {q.id: q for q in story.quotes}
    notes: list[Note] = []
    seen: set[str] = set()
    for block in story.blocks():
        if block.kind == "heading":
            continue
        quote = quotes.get(block.quote) if block.quote else None
        key = quote.id if quote else block.id
        if key in seen:
            continue
        seen.add(key)
        notes.append(Note(ids(key), f"story.xhtml#ref-{ids(key)}", present.note_marker(story, block.sources),
                          sources(block.sources), story.independent(block.sources) == 1, quote=quote))
    for quote in story.quotes:
        if quote.id not in seen:
            notes.append(Note(ids(quote.id), f"story.xhtml#ref-{ids(quote.id)}",
                              present.note_marker(story, quote.sources), sources(quote.sources),
                              story.independent(quote.sources) == 1, quote=quote))
    for fact in story.facts:
        notes.append(Note(ids(fact.id), f"numbers.xhtml#ref-{ids(fact.id)}",
                          present.note_marker(story, fact.sources), sources(fact.sources),
                          story.independent(fact.sources) == 1, fact=fact))
    return notes


def _wrap(text: str, width: int) -> list[str]:
    """Word wrap by characters, for SVG text which does not wrap itself."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _timeline_figure(story: Story, words: dict[str, str]) -> dict[str, Any] | None:
    """Layout and text alternative of the timeline figure (two events or more)."""
    if len(story.timeline) < 2:
        return None
    rows, y = [], 50
    for event in story.timeline:
        lines = _wrap(event.what, 52)
        rows.append({"y": y, "when": event.when, "lines": lines})
        y += 36 + 26 * len(lines) + 30
    first, last = story.timeline[0].when, story.timeline[-1].when
    alt = words["timeline_alt"].format(n=len(story.timeline), first=first, last=last)
    return {"width": 640, "height": y, "rows": rows, "line_top": 50, "line_bottom": rows[-1]["y"],
            "title": words["timeline"], "alt": alt, "caption": words["timeline_caption"]}


def _identifier(story: Story) -> str:
    """A urn:uuid fixed by the story's slug and its sources, so re-renders keep the same identity."""
    name = "\n".join([story.meta.slug, *sorted(s.checksum for s in story.sources)])
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, name)}"


def _modified(story: Story, options: Options) -> datetime:
    """dcterms:modified: SOURCE_DATE_EPOCH, else the story's date, else its latest source; never now."""
    if options.source_date_epoch is not None:
        return max(FLOOR, datetime.fromtimestamp(options.source_date_epoch, UTC))
    candidates = [story.meta.date, *sorted((s.published or "" for s in story.sources), reverse=True)]
    for value in candidates:
        try:
            day = date.fromisoformat((value or "")[:10])
        except ValueError:
            continue
        return max(FLOOR, datetime(day.year, day.month, day.day, tzinfo=UTC))
    return FLOOR


def _book(story: Story, words: dict[str, str], docs: list[Document], rendered: dict[str, bytes],
          css: bytes, images: dict[str, bytes], meta: list[tuple[str, str]], paginated: bool) -> Any:
    """The ebooklib book: package metadata, manifest and spine."""
    book = epub.EpubBook()
    # ebooklib adds its own generator line; storykit names itself instead.
    book.metadata[epub.NAMESPACES["OPF"]] = {}
    book.add_metadata(None, "meta", "", {"name": "generator", "content": "storykit"})
    book.set_identifier(_identifier(story))
    book.set_title(story.meta.title)
    book.set_language(story.meta.language)
    if present.is_rtl(story.meta.language):
        book.set_direction("rtl")
    if story.meta.dek:
        book.add_metadata("DC", "description", story.meta.dek)
    if story.meta.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", story.meta.date):
        book.add_metadata("DC", "date", story.meta.date)
    for source in story.sources:
        if source.outlet:
            book.add_metadata("DC", "contributor", source.outlet)
    if paginated:
        book.add_metadata("DC", "source", words["pdf_edition"].format(title=story.meta.title),
                          {"id": "pagination-source"})
        book.add_metadata(None, "meta", "pagination",
                          {"refines": "#pagination-source", "property": "source-of"})
    for prop, value in meta:
        book.add_metadata(None, "meta", value, {"property": prop})
    # Kindle takes its thumbnail from this EPUB 2 style meta, which names the image's manifest id.
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})

    cover = epub.EpubCover(uid="cover-image", file_name="images/cover.png")
    cover.content = images["images/cover.png"]
    book.add_item(cover)
    book.add_item(epub.EpubItem(uid="css", file_name="css/story.css", media_type="text/css", content=css))
    if "images/timeline.svg" in images:
        book.add_item(epub.EpubItem(uid="figure-timeline", file_name="images/timeline.svg",
                                    media_type="image/svg+xml", content=images["images/timeline.svg"]))
    spine: list[Any] = []
    for doc in docs:
        item = epub.EpubItem(uid=doc.name.removesuffix(".xhtml"), file_name=doc.name,
                             media_type=XHTML, content=rendered[doc.name])
        if doc.name == "nav.xhtml":
            item.properties = ["nav"]
        book.add_item(item)
        spine.append(item if doc.linear else (item, "no"))
    book.add_item(epub.EpubNcx())
    book.spine = spine
    book.toc = [epub.Link(doc.name, doc.title, "toc-" + doc.name.removesuffix(".xhtml"))
                for doc in docs if doc.name not in {"cover.xhtml", "nav.xhtml"}]
    return book


class _FixedZip(zipfile.ZipFile):
    """A zip whose entries all carry one fixed time and mode, for byte-identical output."""

    def __init__(self, file: io.BytesIO, when: datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
        self.when = (when.year, when.month, when.day, when.hour, when.minute, when.second)

    def writestr(self, zinfo_or_arcname: str | zipfile.ZipInfo, data: Any,
                 compress_type: int | None = None, compresslevel: int | None = None) -> None:
        """Store the entry with the fixed time (ebooklib passes plain names, which take the clock)."""
        name = zinfo_or_arcname.filename if isinstance(zinfo_or_arcname, zipfile.ZipInfo) else zinfo_or_arcname
        info = zipfile.ZipInfo(name, self.when)
        info.compress_type = compress_type if compress_type is not None else zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        super().writestr(info, data, compress_type=info.compress_type, compresslevel=compresslevel)


class _Writer(epub.EpubWriter):  # type: ignore[misc]  # ebooklib has no type hints
    """ebooklib's writer with xml:lang on <package> and a reproducible zip."""

    def _write_opf_file(self, root: Any) -> None:
        # ebooklib leaves the package without xml:lang, which Ace reports (epub-lang).
        root.set(XML_LANG, self.book.language)
        super()._write_opf_file(root)

    def write(self) -> None:
        """Write mimetype first and stored, then the package, all with fixed timestamps."""
        self.out = _FixedZip(self.file_name, self.options["mtime"])
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()
        self._write_opf()
        self._write_items()
        self.out.close()


def _write(book: Any, when: datetime) -> bytes:
    """The package as bytes."""
    out = io.BytesIO()
    writer = _Writer(out, book, {"mtime": when, "epub3_pages": False, "epub3_landmark": False,
                                 "epub2_guide": False})
    writer.process()
    writer.write()
    return out.getvalue()
