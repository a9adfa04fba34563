"""PDF adapter: the story as a magazine feature, a tagged PDF/UA-1 file laid out by WeasyPrint."""

from __future__ import annotations

import functools
import hashlib
import logging
import mimetypes
import re
import textwrap
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from markupsafe import Markup, escape

from storykit import present
from storykit.codec import dumps
from storykit.errors import LayoutError, RenderError, StorykitError
from storykit.formats import Options
from storykit.layouts import Layout
from storykit.model import Block, Quote, Story

if TYPE_CHECKING:
    import jinja2

TEMPLATE = "story.html.jinja"
STYLESHEET = "pdf/story.css"
PDF_VARIANT = "pdf/ua-1"
PAPER = {"a4": ("A4", 210.0), "letter": ("letter", 215.9)}  # CSS size keyword, width in mm
MARGIN_MM = 20.0  # left and right page margins of story.css, for the figure's drawing width
# One column: benchmarks/bench_pdf.py measured multi-column body text at several times the
# layout cost of one column in WeasyPrint 70, for little gain at this story length.
BODY_COLUMNS = 1
EPOCH_ZERO = datetime(1970, 1, 1, tzinfo=UTC)


def render(story: Story, layout: Layout, options: Options) -> bytes:
    """The story as PDF/UA-1 bytes, identical for identical inputs."""
    import weasyprint

    laid = _laid_out(story, layout, options)
    attachment = weasyprint.Attachment(
        string=dumps(story), name="story.json", description="The story model (storykit story.json)",
        created=laid.when, modified=laid.when, relationship="Source",
    )
    with _captured_log() as records, _fatal_fetch_as_render_error():
        pdf: bytes = laid.document.write_pdf(
            pdf_variant=PDF_VARIANT, pdf_identifier=laid.identifier, attachments=[attachment],
        )
    _raise_on_errors(records, laid.template)
    return pdf


def page_map(story: Story, layout: Layout, options: Options) -> dict[str, int]:
    """The 1-based PDF page on which each section and block starts, keyed by its id."""
    laid = _laid_out(story, layout, options)
    first_page: dict[str, int] = {}
    for number, page in enumerate(laid.document.pages, start=1):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    wanted = [s.id for s in story.sections] + [b.id for b in story.blocks()]
    missing = [i for i in wanted if i not in first_page]
    if missing:
        raise RenderError(laid.template, f"the layout does not place element(s) {', '.join(missing[:5])}",
                          "keep id=\"{{ block.id }}\" on every section and block of the PDF template")
    return {i: first_page[i] for i in wanted}


def html(story: Story, layout: Layout, options: Options, columns: int = BODY_COLUMNS) -> str:
    """The HTML handed to WeasyPrint (all story text escaped by the template)."""
    import jinja2

    words = present.strings(layout, story.meta.language)
    lang = story.meta.language or "en"
    paper_width = PAPER[options.paper][1]
    try:
        return _template(layout).render(
            story=story, meta=story.meta, words=words, lang=lang, rtl=present.is_rtl(lang),
            credit=present.credit_line(story, words), outlets=_outlets(story),
            kicker=_kicker(story), keywords=", ".join(_keywords(story)),
            date=_iso(_when(story, options)) if _has_date(story, options) else "",
            columns=columns > 1, lead=_lead(story), initial_split=_initial_split,
            marker=lambda ids: present.note_marker(story, ids),
            lone=lambda ids: len(ids) > 0 and story.independent(tuple(ids)) == 1,
            quote_of=lambda block: _quote_of(story, block),
            attribution=lambda block: _attribution(story, block, words),
            reported_by=lambda ids: _reported_by(story, ids, words),
            name=present.source_name, number=story.source_number,
            display_date=lambda iso: present.display_date(iso, lang),
            language_name=present.language_name,
            copy_label=words.get("copy_of", "copy of"),
            captions_title=words.get("captions", "Captions"),
            timeline_svg=_timeline_svg(story, words, paper_width - 2 * MARGIN_MM),
            timeline_caption=_timeline_span(story, lang),
        )
    except jinja2.TemplateNotFound as exc:
        raise LayoutError(f"pdf/{exc.name}", f"layout '{layout.name}' has no PDF template",
                          "add it, or remove --layout to use the default") from None
    except jinja2.TemplateError as exc:
        where = getattr(exc, "filename", None) or f"pdf/{TEMPLATE}"
        raise LayoutError(where, f"template error: {exc}", "fix the template or fall back to the default") from None


@functools.lru_cache(maxsize=8)
def _template(layout: Layout) -> jinja2.Template:
    # Compiling the template costs more than rendering it; a process reuses it across builds.
    return layout.templates("pdf").get_template(TEMPLATE)


def page_css(story: Story, layout: Layout, options: Options) -> str:
    """The generated sheet: paper size, bleed and crop marks, and the folio in the story's language."""
    words = present.strings(layout, story.meta.language)
    size = PAPER[options.paper][0]
    marks = " bleed: 3mm; marks: crop;" if options.print_marks else ""
    folio = f'{_css_string(words["page"])} " " counter(page) " " {_css_string(words["of"])} " " counter(pages)'
    return f"@page {{ size: {size};{marks} @bottom-center {{ content: {folio}; }} }}\n"


# ---------- Layout, shared by render() and page_map() ----------

@dataclass(frozen=True)
class _LaidOut:
    """One WeasyPrint document laid out for one (story, layout, options)."""

    document: Any
    identifier: bytes
    when: datetime
    template: str


@functools.lru_cache(maxsize=4)
def _laid_out(story: Story, layout: Layout, options: Options) -> _LaidOut:
    # Cached so a build that asks for both the PDF and its page map lays the story out once.
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    template_path = str(layout.find(f"pdf/{TEMPLATE}"))
    source = html(story, layout, options)
    fetcher = _layout_fetcher(layout)
    fonts = FontConfiguration()
    css_path = layout.find(STYLESHEET)
    with _captured_log() as records, _fatal_fetch_as_render_error():
        sheets = [
            weasyprint.CSS(string=css_path.read_text(encoding="utf-8"), base_url=css_path.as_uri(),
                           url_fetcher=fetcher, font_config=fonts),
            weasyprint.CSS(string=page_css(story, layout, options), url_fetcher=fetcher, font_config=fonts),
        ]
        document = weasyprint.HTML(string=source, base_url=css_path.parent.as_uri(), url_fetcher=fetcher).render(
            font_config=fonts, stylesheets=sheets, pdf_variant=PDF_VARIANT,
        )
    _raise_on_errors(records, template_path)
    digest = hashlib.sha256(dumps(story) + repr((options, layout.name)).encode()).hexdigest()
    return _LaidOut(document, digest[:32].encode(), _when(story, options), template_path)


def _layout_fetcher(layout: Layout) -> Any:
    """A WeasyPrint URL fetcher serving only the layout's own files (and data: URLs)."""
    import weasyprint
    from weasyprint.urls import URLFetcherResponse

    roots = [folder.resolve() for folder in layout.search_path]

    class LayoutFetcher(weasyprint.URLFetcher):  # type: ignore[misc]
        """Refuses every URL that is not a file of the layout's search path or a data: URL."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            """The resource, or RenderError for anything outside the layout."""
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
                for root in roots:
                    if path.is_relative_to(root):
                        # Resolve along the search path, so a layout may override one file only.
                        found = layout.find(path.relative_to(root).as_posix())
                        kind = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
                        return URLFetcherResponse(url, found.read_bytes(), {"Content-Type": kind})
            raise RenderError(url, "the layout asks for a file outside its folders or on the network",
                              "a layout may use only its own files and data: URLs")

    # fail_on_errors: a refused or missing file stops the build instead of a logged warning.
    return LayoutFetcher(fail_on_errors=True)


@contextmanager
def _fatal_fetch_as_render_error() -> Iterator[None]:
    """Turn WeasyPrint's fatal fetch error back into the storykit error that caused it."""
    from weasyprint.urls import FatalURLFetchingError

    try:
        yield
    except FatalURLFetchingError as exc:
        cause = exc.__cause__
        if isinstance(cause, StorykitError):
            raise cause from None
        raise RenderError(None, str(exc), f"check the layout's files ({cause})") from None


class _ListHandler(logging.Handler):
    """Keeps the log records it receives."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Store the record."""
        self.records.append(record)


@contextmanager
def _captured_log() -> Iterator[list[logging.LogRecord]]:
    """WeasyPrint's warnings and errors logged inside the block (it logs PDF/UA errors, never raises)."""
    logger = logging.getLogger("weasyprint")
    handler = _ListHandler()
    level = logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _raise_on_errors(records: list[logging.LogRecord], path: str) -> None:
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise RenderError(path, f"WeasyPrint reported: {errors[0]}{more}",
                          "the PDF would not be valid PDF/UA-1; fix the layout's template or CSS")


# ---------- Wording and metadata ----------

def _quote_of(story: Story, block: Block) -> Quote | None:
    return next((q for q in story.quotes if q.id == block.quote), None)


def _attribution(story: Story, block: Block, words: dict[str, str]) -> str:
    """'Jean Dupont, told Le Parisien', 'Jean Dupont', or 'Unattributed'."""
    quote = _quote_of(story, block)
    speaker = block.speaker or (quote.speaker if quote else None)
    outlet = quote.outlet if quote else None
    if not speaker:
        return words["unattributed"]
    return f"{speaker}, {words['told']} {outlet}" if outlet else speaker


def _reported_by(story: Story, source_ids: Iterable[str], words: dict[str, str]) -> str:
    numbers = present.note_numbers(story, source_ids)
    names = dict.fromkeys(present.source_name(story.sources[n - 1]) for n in numbers)
    return f"{words['reported_by']} {', '.join(names)}" if names else ""


def _outlets(story: Story) -> list[str]:
    return list(dict.fromkeys(s.outlet for s in story.sources if s.outlet))


def _kicker(story: Story) -> str:
    meta = story.meta
    if meta.kicker:
        return meta.kicker
    parts = [meta.place or "", present.display_date(meta.date, meta.language)]
    return " · ".join(p for p in parts if p)


def _keywords(story: Story) -> list[str]:
    names = [p.name for p in story.places] + [p.name for p in story.people] + _outlets(story)
    return list(dict.fromkeys(n for n in names if n))


def _lead(story: Story) -> str:
    first = next((b for b in story.blocks() if b.kind == "paragraph"), None)
    return first.id if first else ""


def _initial_split(text: str) -> tuple[str, str]:
    """The drop cap (first letter with any opening punctuation) and the rest of the text."""
    match = re.match(r"^(\W{0,2}\w)", text)
    return (match.group(1), text[match.end():]) if match else ("", text)


def _has_date(story: Story, options: Options) -> bool:
    return options.source_date_epoch is not None or _story_date(story) is not None


def _story_date(story: Story) -> date | None:
    for iso in (story.meta.date, *sorted((s.published or "" for s in story.sources), reverse=True)):
        try:
            return date.fromisoformat((iso or "")[:10])
        except ValueError:
            continue
    return None


def _when(story: Story, options: Options) -> datetime:
    """The file's date: SOURCE_DATE_EPOCH, else the story's own date; never the clock."""
    if options.source_date_epoch is not None:
        return datetime.fromtimestamp(options.source_date_epoch, UTC)
    day = _story_date(story)
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else EPOCH_ZERO


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _css_string(text: str) -> str:
    """A CSS string literal; every character outside plain ASCII letters is escaped."""
    return '"' + "".join(c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x}" for c in text) + '"'


# ---------- The generated figure ----------

def _timeline_span(story: Story, lang: str) -> str:
    dated = sorted(e.date for e in story.timeline if e.date)
    if len(dated) < 2 or dated[0] == dated[-1]:
        return ""
    return f"{present.display_date(dated[0], lang)} – {present.display_date(dated[-1], lang)}."


def _timeline_svg(story: Story, words: dict[str, str], width_mm: float) -> Markup:
    """The timeline as an SVG figure; its <title> is the full text alternative (PDF /Alt)."""
    if not story.timeline:
        return Markup("")
    px = width_mm * 96 / 25.4  # CSS px, so the drawing is at 1:1 with the text around it
    axis, text_x, line_h = 150.0, 168.0, 15.0
    when_chars, what_chars = 22, max(30, int((px - text_x) / 6.1))
    rows: list[tuple[list[str], list[str], str, float]] = []
    y = 14.0
    for event in story.timeline:
        when = textwrap.wrap(event.when, when_chars) or [""]
        what = textwrap.wrap(event.what, what_chars) or [""]
        rows.append((when, what, present.note_marker(story, event.sources), y))
        y += max(len(when), len(what)) * line_h + 12
    height = y - 4
    alt = f"{words['timeline']}. " + " ".join(
        f"{e.when}: {e.what} {present.note_marker(story, e.sources)}".strip() for e in story.timeline)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(alt)}" '
           f'viewBox="0 0 {px:.1f} {height:.1f}" width="{px:.1f}" height="{height:.1f}">',
           f"<title>{escape(alt)}</title>",
           f'<line x1="{axis + 6}" y1="{rows[0][3] - 4}" x2="{axis + 6}" y2="{rows[-1][3] - 4}" '
           'stroke="#a4161a" stroke-width="1.5"/>']
    for when, what, marker, top in rows:
        out.append(f'<circle cx="{axis + 6}" cy="{top - 4}" r="4.5" fill="#ffffff" stroke="#a4161a" stroke-width="2"/>')
        for i, line in enumerate(when):
            out.append(f'<text x="{axis - 4}" y="{top + i * line_h}" text-anchor="end" font-family="SK Sans" '
                       f'font-weight="700" font-size="10.5" fill="#161616">{escape(line)}</text>')
        for i, line in enumerate(what):
            tail = (f' <tspan font-family="SK Sans" font-size="8.5" fill="#a4161a">{escape(marker)}</tspan>'
                    if i == len(what) - 1 and marker else "")
            out.append(f'<text x="{text_x}" y="{top + i * line_h}" font-family="SK Serif" font-size="12" '
                       f'fill="#161616">{escape(line)}{tail}</text>')
    out.append("</svg>")
    return Markup("".join(out))
