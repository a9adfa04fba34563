"""PDF adapter: the story as a magazine feature, a tagged PDF/UA-1 file laid out by WeasyPrint."""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import importlib
import logging
import mimetypes
import operator
import os
import re
import shutil
import sys
import textwrap
import weakref
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from markupsafe import Markup, escape

from storykit import libcache, present
from storykit.codec import dumps
from storykit.errors import LayoutError, RenderError, StorykitError
from storykit.formats import Options
from storykit.layouts import Layout, template_error
from storykit.model import Block, Event, Fact, Quote, Story

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
# Editorial limits that keep the layout sound whatever the merge produces.
KEY_FACTS = 8  # "By the numbers" shows the best-supported figures; the back matter lists them all
FACT_KINDS = ("count", "floor", "height", "distance", "age", "date", "weekday", "year")  # rank when tied
PULL_QUOTES = 3  # at most this many quotes are set large; the others are blockquotes in the flow
PULL_EVERY = 8  # and at most one per this many body blocks, never closer than this to another
PULL_CHARS = (25, 240)  # a pull quote is short enough to set large and long enough to say something
BRIEF_RAIL_CHARS = 650  # a longer "In brief" runs full width instead of in the rail beside the lead
RAIL_LINE_CHARS, TEXT_LINE_CHARS = 22, 73  # characters per line in the rail and in the text column
RAIL_LINE_PT, TEXT_LINE_PT = 11.5, 13.8
MIN_LEAD_PT = 130.0  # lines of story before the key figures interrupt it
TIMELINE_ROWS = 12  # events per timeline drawing; a longer timeline is drawn in parts that may break
RUNNING_TITLE_CHARS = 90


def load_weasyprint() -> ModuleType:
    """WeasyPrint, imported once per process with its system libraries looked up quickly."""
    if "weasyprint" not in sys.modules:
        from storykit.formats.stylesheets import user_agent_sheets_from_cache

        with _quick_library_lookup(), _font_tools_on_first_use(), _c_declarations_from_cache(), \
                user_agent_sheets_from_cache():
            import weasyprint  # noqa: F401
    # Also when something else imported WeasyPrint first; a no-op once installed.
    _quick_types(sys.modules["weasyprint.text.ffi"].ffi)
    _LAYOUT_MEMO.install()
    _FONT_KEYS.install()
    return sys.modules["weasyprint"]


_FONT_KEY_PROPERTIES = (
    "font_family", "font_style", "font_stretch", "font_weight", "font_variant_ligatures",
    "font_variant_position", "font_variant_caps", "font_variant_numeric", "font_variant_alternates",
    "font_variant_east_asian", "font_feature_settings", "font_variation_settings",
    "font_language_override", "lang", "font_size", "line_height",
)


class _FontKeys:
    """WeasyPrint's font cache keys (line_break._font_style_cache_key), made once per style.

    The key is the text of a tuple of 14 to 16 style values, made at every strut and character
    ratio lookup: 1,700 times a layout of the sample, 20-30 µs each for what is a dictionary
    lookup once made. A style's key is kept with the very objects it was made from and used again
    only while the style still holds those same objects; the kept keys are dropped before each
    document.
    """

    def __init__(self) -> None:
        self.made: dict[tuple[int, bool], tuple[Any, tuple[Any, ...], str]] = {}
        self.original: Callable[..., str] | None = None

    def install(self) -> None:
        """Have line_break (its only user) take its keys from here."""
        from weasyprint.text import line_break

        if self.original is None:
            self.original = line_break._font_style_cache_key
            line_break._font_style_cache_key = self.key

    def key(self, style: Any, include_size: bool = False) -> str:
        """_font_style_cache_key(style, include_size), from the last time for this style."""
        assert self.original is not None
        values = tuple(map(style.__getitem__, _FONT_KEY_PROPERTIES if include_size else _FONT_KEY_PROPERTIES[:-2]))
        slot = (id(style), include_size)
        kept = self.made.get(slot)
        if kept is not None and kept[0] is style and all(map(operator.is_, kept[1], values)):
            return kept[2]
        made: str = self.original(style, include_size)
        self.made[slot] = (style, values, made)
        return made

    def forget(self) -> None:
        """Drop the kept keys (and the styles they hold)."""
        self.made.clear()


_FONT_KEYS = _FontKeys()


_C_TYPE = re.compile(r"\s*([A-Za-z_][\w ]*?)\s*((?:\*\s*)+|\[(\d*)\])\s*")


class _QuickTypes(dict[str, Any]):
    """cffi's cache of parsed C types that answers 'T *', 'T **', 'T[]' and 'T[N]' without parsing them.

    cffi parses each new type string with pycparser (about 5 ms), and WeasyPrint asks for a new
    'hb_codepoint_t[N]' for every font it embeds and for a dozen pointer types (25 parses in the
    sample's build). The answer is built from the declared or primitive type with cffi's backend,
    which keeps one type object per pointer, array and length: the very object the parser gives.
    """

    def __init__(self, ffi: Any, parsed: dict[str, Any]) -> None:
        super().__init__(parsed)
        self._ffi = ffi

    def __missing__(self, key: str) -> Any:
        match = _C_TYPE.fullmatch(key) if isinstance(key, str) else None
        base = self._declared(match[1]) if match else None
        if match is None or base is None:
            raise KeyError(key)  # cffi parses it as usual
        backend = self._ffi._backend
        ctype = backend.new_pointer_type(base)
        if match[2].startswith("["):
            ctype = backend.new_array_type(ctype, int(match[3]) if match[3] else None)
        for _ in range(match[2].count("*") - 1):
            ctype = backend.new_pointer_type(ctype)
        self[key] = (ctype, False)
        return self[key]

    def _declared(self, name: str) -> Any:
        """The backend type of a primitive or typedef'd name, or None for anything else."""
        from cffi import model

        name = " ".join(name.split())
        if name in model.PrimitiveType.ALL_PRIMITIVE_TYPES:
            declared = model.PrimitiveType(name)
        else:
            found = self._ffi._parser._declarations.get(f"typedef {name}")
            if found is None or isinstance(found[0], model.RawFunctionType):
                return None
            declared = found[0]
        with self._ffi._lock:  # as cffi's own _typeof_locked holds it
            return self._ffi._get_cached_btype(declared)


def _quick_types(ffi: Any) -> None:
    if type(getattr(ffi, "_parsed_types", None)) is dict and hasattr(getattr(ffi, "_backend", None), "new_array_type"):
        ffi._parsed_types = _QuickTypes(ffi, ffi._parsed_types)


# fontTools modules WeasyPrint imports at start but calls only for variable, emoji or WOFF fonts
# and when HarfBuzz cannot subset a font: 0.09 s of every import, for fonts storykit's layouts lack.
_FONT_TOOLS_LATER = ("fontTools.subset", "fontTools.varLib", "fontTools.varLib.instancer")


class _OnFirstUse(ModuleType):
    """Stands for a fontTools module during WeasyPrint's import; the first attribute asked for
    imports the real module."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        _forget_stand_ins()
        return getattr(importlib.import_module(self.__name__), name)


def _instantiate_variable_font(*args: Any, **kwargs: Any) -> Any:
    _forget_stand_ins()
    from fontTools.varLib.instancer import instantiateVariableFont

    return instantiateVariableFont(*args, **kwargs)


def _forget_stand_ins() -> None:
    for name in _FONT_TOOLS_LATER:
        if isinstance(sys.modules.get(name), _OnFirstUse):
            del sys.modules[name]


@contextmanager
def _font_tools_on_first_use() -> Iterator[None]:
    """Let WeasyPrint import fontTools' subsetter and variable-font instancer only when it calls them."""
    if any(name in sys.modules for name in _FONT_TOOLS_LATER):
        yield
        return
    instancer = _OnFirstUse("fontTools.varLib.instancer")
    instancer.instantiateVariableFont = _instantiate_variable_font  # type: ignore[attr-defined]
    sys.modules.update({
        "fontTools.subset": _OnFirstUse("fontTools.subset"),
        "fontTools.varLib": _OnFirstUse("fontTools.varLib"),
        "fontTools.varLib.instancer": instancer,
    })
    try:
        yield
    finally:
        _forget_stand_ins()  # later imports, WeasyPrint's calls included, get the real modules


# cffi's parser state after a cdef(): what a cached entry restores (cffi 1.x and 2.x).
_PARSER_STATE = ("_declarations", "_included_declarations", "_anonymous_counter", "_int_constants",
                 "_recomplete", "_uses_new_feature")


class _ParserStandIn:
    """Stands for cffi's C parser while WeasyPrint is imported, so that pycparser is not loaded
    when WeasyPrint's declarations come from the library cache; the first method asked for
    turns it into the real parser, keeping its declarations."""

    def __init__(self) -> None:
        self._declarations: dict[str, Any] = {}
        self._included_declarations: set[Any] = set()
        self._anonymous_counter = 0
        self._structnode2type: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        self._options: dict[str, Any] = {}
        self._int_constants: dict[str, int] = {}
        self._recomplete: list[Any] = []
        self._uses_new_feature: str | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        real = _real_module("cffi.cparser").Parser
        for key, value in vars(real()).items():  # anything a newer cffi's parser has and this lacks
            self.__dict__.setdefault(key, value)
        self.__class__ = real
        return getattr(self, name)


def _real_module(name: str) -> ModuleType:
    if isinstance(sys.modules.get(name), _CParserStandIn):
        del sys.modules[name]
    return importlib.import_module(name)


class _CParserStandIn(ModuleType):
    """cffi.cparser during WeasyPrint's import: FFI() gets a _ParserStandIn."""

    Parser = _ParserStandIn

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(_real_module("cffi.cparser"), name)


_CFFI_MODEL_CLASSES = frozenset({
    ("cffi.model", name) for name in (
        "VoidType", "BasePrimitiveType", "PrimitiveType", "UnknownIntegerType", "UnknownFloatType",
        "BaseFunctionType", "RawFunctionType", "FunctionPtrType", "PointerType",
        "NamedPointerType", "ArrayType", "StructOrUnion", "StructType", "UnionType", "EnumType",
    )
})


@contextmanager
def _c_declarations_from_cache() -> Iterator[None]:
    """Let cffi take WeasyPrint's C declarations from the library cache instead of parsing them.

    cffi parses them with pycparser at every import (0.04 s, and 0.05 s to import pycparser).
    The parsed declarations are plain data (cffi's model types); they are stored keyed by the
    declarations' text and cffi's version, and only after a round trip gave back the same types.
    """
    try:
        import cffi
        import cffi.api
    except ImportError:
        yield
        return
    if "cffi.cparser" in sys.modules or libcache.folder() is None:
        yield
        return
    original = cffi.api.FFI._cdef

    def cdef(ffi: Any, csource: str, override: bool = False, **options: Any) -> None:
        parser = ffi._parser
        if override or not isinstance(parser, _ParserStandIn) or parser._declarations or ffi._cdefsources:
            original(ffi, csource, override=override, **options)
            return
        key = libcache.digest("cffi", cffi.__version__, csource, repr(sorted(options.items())))
        state = libcache.load("cffi", key, _CFFI_MODEL_CLASSES)
        with ffi._lock:  # what FFI._cdef does, with the parse answered from the cache
            ffi._cdef_version = object()
            if isinstance(state, dict) and set(state) == set(_PARSER_STATE):
                parser.__dict__.update(state)
            else:
                parser.parse(csource, override=override, **options)
                _store_parser_state(key, parser)
            ffi._cdefsources.append(csource)
            finishlist = parser._recomplete
            if finishlist:
                parser._recomplete = []
                for tp in finishlist:
                    tp.finish_backend_type(ffi, finishlist)

    sys.modules["cffi.cparser"] = _CParserStandIn("cffi.cparser")
    cffi.api.FFI._cdef = cdef
    try:
        yield
    finally:
        cffi.api.FFI._cdef = original
        if isinstance(sys.modules.get("cffi.cparser"), _CParserStandIn):
            del sys.modules["cffi.cparser"]  # later FFIs get the real parser


def _store_parser_state(key: str, parser: Any) -> None:
    """Keep a parser's declarations if they come back from the cache's unpickler as the same types."""
    import pickle

    state = {name: getattr(parser, name) for name in _PARSER_STATE}
    with contextlib.suppress(Exception):
        copy = libcache._unpickle(pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL), _CFFI_MODEL_CLASSES)

        def names(declarations: dict[str, Any]) -> dict[str, tuple[str, str, Any]]:
            return {k: (type(t).__name__, t._get_c_name() if hasattr(t, "_get_c_name") else t, q)
                    for k, (t, q) in declarations.items()}

        if names(copy["_declarations"]) == names(state["_declarations"]) and \
                copy["_int_constants"] == state["_int_constants"]:
            libcache.store("cffi", key, state)


class _RecordedStyle:
    """A computed style that notes each property read through it, with its value."""

    __slots__ = ("_style", "read")

    def __init__(self, style: Any) -> None:
        self._style = style
        self.read: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        value = self._style[key]
        self.read.setdefault(key, value)
        return value

    def __getattr__(self, name: str) -> Any:
        return getattr(self._style, name)


# (text, width, options) -> [(style properties read, their values, the split)]
_Splits = dict[tuple[Any, ...], list[tuple[tuple[str, ...], tuple[Any, ...], tuple[Any, ...]]]]


class _LayoutMemo:
    """WeasyPrint's line splits, kept for the next story laid out with the same layout.

    A rebuild in `storykit watch` lays out a story that differs from the last one in a few
    sentences, and shaping and breaking the unchanged lines again is a third of the layout:
    each split of a text into its first line and the rest is kept. A split is a pure function
    of its text, width and options, of the style properties it read (recorded when it was made,
    compared at every use) and of the layout's fonts: everything is dropped when the layout
    changes, and the splits of the last two stories are kept.
    """

    def __init__(self) -> None:
        self.owner: object = None
        self.current: _Splits = {}
        self.previous: _Splits = {}
        self.original: Callable[..., tuple[Any, ...]] | None = None

    def install(self) -> None:
        """Have WeasyPrint's inline layout, min/max-content widths and SVG text split lines through here.

        SVG text imports split_first_line at each call, from line_break itself, and lays its text
        out one letter at a time (every letter of the timeline, again at each use of the letter).
        """
        from weasyprint.layout import inline, preferred
        from weasyprint.text import line_break

        if self.original is None:
            self.original = line_break.split_first_line
            inline.split_first_line = preferred.split_first_line = line_break.split_first_line = self.split

    def use(self, owner: object) -> None:
        """Start a document laid out with this layout (its files' stamp included)."""
        if owner != self.owner:
            self.owner, self.current, self.previous = owner, {}, {}
        elif self.current:
            self.previous, self.current = self.current, {}

    def split(self, text: str, style: Any, context: Any, max_width: float | None, justification_spacing: float,
              is_line_start: bool = True, minimum: bool = False) -> tuple[Any, ...]:
        """split_first_line(), answered from an earlier split of the same text in the same style."""
        assert self.original is not None
        key = (text, max_width, justification_spacing, is_line_start, minimum)
        for table in (self.current, self.previous):
            for names, values, result in table.get(key, ()):
                if tuple(map(style.__getitem__, names)) == values:
                    if table is self.previous:
                        self.current.setdefault(key, []).append((names, values, result))
                    return (_copied(result[0]), *result[1:])  # the Layout is the box's own
        if len(self.current) >= _LAYOUT_MEMO_SIZE:  # WeasyPrint used directly, never through use()
            self.previous, self.current = self.current, {}
        recorded = _RecordedStyle(style)
        result = self.original(text, recorded, context, max_width, justification_spacing, is_line_start, minimum)
        kept = (tuple(recorded.read), tuple(recorded.read.values()), (_copied(result[0]), *result[1:]))
        self.current.setdefault(key, []).append(kept)
        return result


def _copied(layout: Any) -> Any:
    """A copy of a laid-out (deactivated) WeasyPrint Layout: plain attributes only."""
    twin = object.__new__(type(layout))
    twin.__dict__.update(layout.__dict__)
    return twin


_LAYOUT_MEMO = _LayoutMemo()
_LAYOUT_MEMO_SIZE = 200_000  # texts kept per document at most (the sample makes about 1,000)


@contextmanager
def _quick_library_lookup() -> Iterator[None]:
    """Answer ctypes' find_library from one reading of the ld.so cache while WeasyPrint loads.

    WeasyPrint asks cffi for each system library under the names of every platform; on Linux each
    name that is not there costs ldconfig, gcc and ld runs (about 20 ms each), and even one that
    is costs an `ldconfig -p` run (23 of them per import). `ldconfig -p` is read once here and
    every name answered from it, as ctypes does it. With LD_LIBRARY_PATH set, or no ldconfig,
    the full lookup stays.
    """
    import ctypes.util

    lookup = _ld_cache_lookup() if sys.platform.startswith("linux") and not os.environ.get("LD_LIBRARY_PATH") else None
    if lookup is None or lookup("c") is None:
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = lookup  # type: ignore[assignment]  # same call, positional name
    try:
        yield
    finally:
        ctypes.util.find_library = original


def _ld_cache_lookup() -> Callable[[str], str | None] | None:
    """find_library answered from one `ldconfig -p` listing (ctypes' own pattern), or None."""
    import struct
    import subprocess

    try:
        listing = subprocess.run(["/sbin/ldconfig", "-p"], stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, env={"LC_ALL": "C", "LANG": "C"}, check=False).stdout
    except OSError:
        return None
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    abi = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
           "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}.get(machine, "libc6")

    def lookup(name: str) -> str | None:
        found = re.search(os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}"), listing)
        return os.fsdecode(found.group(1)) if found else None

    return lookup


def render(story: Story, layout: Layout, options: Options, *, source: str | None = None, processes: int = 1) -> bytes:
    """The story as PDF/UA-1 bytes, identical for identical inputs.

    `source` is html(story, layout, options) when the caller has made it already (the
    benchmark's stages time the HTML apart from the layout). With processes=2 a forked copy of
    this process draws the later pages' lines meanwhile (storykit.formats.paint): same bytes.
    """
    weasyprint = load_weasyprint()

    laid = _laid_out(story, layout, options, source)
    attachment = weasyprint.Attachment(
        string=dumps(story), name="story.json", description="The story model (storykit story.json)",
        created=laid.when, modified=laid.when, relationship="Source",
    )
    def write() -> bytes:
        written: bytes = laid.document.write_pdf(
            pdf_variant=PDF_VARIANT, pdf_identifier=laid.identifier, attachments=[attachment],
        )
        return written

    with _captured_log() as records, _fatal_fetch_as_render_error(), _objects_serialized_once():
        if processes > 1:
            from storykit.formats import paint

            pdf = paint.write_in_two(laid.document, write)
        else:
            pdf = write()
    _raise_on_errors(records, laid.template)
    return pdf


# zlib's default level: pydyf asks for 9, which took three times as long on the sample's streams
# (fonts mostly) for a file 1.7 % smaller.
PDF_COMPRESSION_LEVEL = 6


@contextmanager
def _objects_serialized_once() -> Iterator[None]:
    """While WeasyPrint writes a PDF, serialize (and compress) each of pydyf's objects once.

    Given a file identifier, pydyf serializes every object a second time to hash the file, and
    compresses every stream again: a fifth of the PDF write on the sample. Nothing changes an
    object while the file is written, so the second serialization is answered from the first;
    objects are held until the write ends, so no id is reused meanwhile.
    """
    import pydyf

    original_write = pydyf.PDF.write

    def write(pdf: Any, *args: Any, **kwargs: Any) -> Any:
        classes = [cls for cls in (pydyf.Stream, pydyf.Dictionary, pydyf.Array, pydyf.String) if "data" in vars(cls)]
        properties = {cls: vars(cls)["data"] for cls in classes}
        made: dict[int, tuple[object, bytes]] = {}

        def once(prop: property) -> property:
            def data(obj: object) -> bytes:
                kept = made.get(id(obj))
                if kept is None:
                    kept = made[id(obj)] = (obj, prop.fget(obj))  # type: ignore[misc]
                return kept[1]
            return property(data)

        zlib = pydyf.zlib
        pydyf.zlib = _ZlibAtLevel(zlib, PDF_COMPRESSION_LEVEL)
        for cls, prop in properties.items():
            cls.data = once(prop)
        try:
            return original_write(pdf, *args, **kwargs)
        finally:
            for cls, prop in properties.items():
                cls.data = prop
            pydyf.zlib = zlib

    pydyf.PDF.write = write
    try:
        yield
    finally:
        pydyf.PDF.write = original_write


class _ZlibAtLevel:
    """The zlib module as pydyf sees it, with its compressors at one level."""

    def __init__(self, zlib: ModuleType, level: int) -> None:
        self._zlib, self._level = zlib, level

    def compressobj(self, level: int = -1, *args: Any, **kwargs: Any) -> Any:
        return self._zlib.compressobj(self._level, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._zlib, name)


def page_map(story: Story, layout: Layout, options: Options, *, source: str | None = None) -> dict[str, int]:
    """The 1-based PDF page on which each section and block starts, keyed by its id.

    The template marks each section and block with data-id="…" (an id="…" is found too, as an
    anchor). Not id: WeasyPrint gives an element with an id a computed style of its own, so a
    paragraph with an id, and everything in it, shares no style with its like; with data-id the
    sample's layout computes a third fewer style values and takes 11 % less time.
    """
    laid = _laid_out(story, layout, options, source)
    first_page: dict[str, int] = {}
    for number, page in enumerate(laid.document.pages, start=1):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
        for marked in _data_ids(page._page_box):
            first_page.setdefault(marked, number)
    wanted = [s.id for s in story.sections] + [b.id for b in story.blocks()]
    missing = [i for i in wanted if i not in first_page]
    if missing:
        raise RenderError(laid.template, f"the layout does not place element(s) {', '.join(missing[:5])}",
                          "keep data-id=\"{{ block.id }}\" on every section and block of the PDF template")
    return {i: first_page[i] for i in wanted}


def _data_ids(page_box: Any) -> Iterator[str]:
    """The data-id of every element with a box on this page (a box's fragments, on each page of it)."""
    seen: set[int] = set()
    boxes = [page_box]
    while boxes:
        box = boxes.pop()
        element = box.element
        if element is not None and id(element) not in seen:
            seen.add(id(element))
            if (marked := element.get("data-id")) is not None:
                yield marked
        boxes.extend(box.all_children())


def html(story: Story, layout: Layout, options: Options, columns: int = BODY_COLUMNS, *,
         stamp: object = None) -> str:
    """The HTML handed to WeasyPrint (all story text escaped by the template); `stamp` is
    layout.stamp() when the caller has taken it already."""
    import jinja2

    words = present.strings(layout, story.meta.language)
    lang = story.meta.language or "en"
    paper_width = PAPER[options.paper][1]
    key = _key_facts(story)
    brief_rail = _brief_in_rail(story)
    try:
        template = _compiled_template(layout, layout.stamp() if stamp is None else stamp)
        return template.render(
            key_facts=key, all_facts=_fact_groups(story) if len(key) < len(story.facts) else [],
            brief_rail=brief_rail, numbers_after=_numbers_after(story, brief_rail),
            pulls=_pull_quotes(story), headline_size=_headline_size(story.meta.title),
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
            web_url=present.is_web_url,
            is_rtl=present.is_rtl,
            qo=present.quote_marks(lang)[0],
            qc=present.quote_marks(lang)[1],
            timeline_svgs=_timeline_svgs(story, words, paper_width - 2 * MARGIN_MM),
            timeline_caption=_timeline_span(story, lang),
        )
    except jinja2.TemplateNotFound as exc:
        raise LayoutError(f"pdf/{exc.name}", f"layout '{layout.name}' has no PDF template",
                          "add it, or remove --layout to use the default") from None
    except jinja2.TemplateError as exc:
        raise template_error(layout.templates("pdf"), "pdf", TEMPLATE, exc) from None


@functools.lru_cache(maxsize=8)
def _compiled_template(layout: Layout, stamp: object) -> jinja2.Template:
    # Compiling the template costs more than rendering it; a process reuses it across builds
    # until a file of the layout changes (the stamp).
    return layout.templates("pdf").get_template(TEMPLATE)


def page_css(story: Story, layout: Layout, options: Options) -> str:
    """The generated sheet: paper size, bleed and crop marks, and the folio in the story's language."""
    words = present.strings(layout, story.meta.language)
    size = PAPER[options.paper][0]
    marks = " bleed: 3mm; marks: crop;" if options.print_marks else ""
    folio = f'{_css_string(words["page"])} " " counter(page) " " {_css_string(words["of"])} " " counter(pages)'
    title = _css_string(_shorten(" ".join(story.meta.title.split()), RUNNING_TITLE_CHARS))
    return (f"@page {{ size: {size};{marks} @bottom-center {{ content: {folio}; }} "
            f"@top-left {{ content: {title}; }} }}\n")


# ---------- Layout, shared by render() and page_map() ----------

@dataclass(frozen=True)
class _LaidOut:
    """One WeasyPrint document laid out for one (story, layout, options)."""

    document: Any
    identifier: bytes
    when: datetime
    template: str


def forget() -> None:
    """Drop the cached layouts (a long-lived process keeps ~17 MiB per laid-out story otherwise)."""
    _laid_out.cache_clear()
    _FONT_KEYS.forget()


def close() -> None:
    """Drop every cached layout and stylesheet, so WeasyPrint deletes its temporary font folders now.

    WeasyPrint copies a document's fonts into a temporary folder that it removes when the fonts
    configuration is collected; at interpreter shutdown that removal fails, so the folders of
    anything still cached then would be left behind.
    """
    _laid_out.cache_clear()
    _prepared.clear()
    _LAYOUT_MEMO.use(None)
    for fonts in list(_font_configurations):
        # Removed here rather than by a garbage collection of the whole heap (0.1 s in a worker).
        folder = getattr(fonts, "_folder", None)
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
            fonts._folder = None


atexit.register(close)


def prepare(layout: Layout, languages: Iterable[str | None] = ()) -> None:
    """Do a layout's story-independent work ahead of the next render: parse its stylesheet and
    fonts, load the hyphenation patterns of these languages.

    The PDF worker calls it while the sources are merged, and compiles the layout's template
    (importing Jinja) so that writing the story's HTML there takes milliseconds. It never fails:
    a broken layout is reported by the render that needs it.
    """
    _prepared.clear()
    stamp = layout.stamp()
    with contextlib.suppress(Exception):  # the render reports it, with its file and line
        _prepared[(layout, stamp)] = _parse_stylesheet(layout)
    with contextlib.suppress(Exception):
        _compiled_template(layout, stamp)
    _load_hyphenation(languages)


def _load_hyphenation(languages: Iterable[str | None]) -> None:
    """Have pyphen hold these languages' patterns before WeasyPrint asks (parsed, or from the cache)."""
    for language in {lang for lang in languages if lang}:
        libcache.hyphenation(language)


@dataclass(frozen=True)
class _Stylesheet:
    """A layout's parsed stylesheet, with the fonts it declares and what WeasyPrint logged."""

    css: Any
    fonts: Any
    fetcher: Any
    records: tuple[logging.LogRecord, ...]


_prepared: dict[tuple[Layout, object], _Stylesheet] = {}
_font_configurations: weakref.WeakSet[Any] = weakref.WeakSet()  # for close()


def _stylesheet(layout: Layout, stamp: object) -> _Stylesheet:
    """The stylesheet prepare() parsed for this render, or a new one.

    One per document: with a fonts configuration shared by documents, a story's layout depends
    on the stories laid out before it (lines a few points apart after a story in other scripts;
    wrong glyphs in round 2). tests/test_perf.py renders stories through one worker and compares
    each with a new process's PDF.
    """
    return _prepared.pop((layout, stamp), None) or _parse_stylesheet(layout)


def _parse_stylesheet(layout: Layout) -> _Stylesheet:
    load_weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    from storykit.formats import stylesheets

    fetcher = _layout_fetcher(layout)
    fonts = FontConfiguration()
    _font_configurations.add(fonts)
    css_path = layout.find(STYLESHEET)
    with _captured_log() as records, _fatal_fetch_as_render_error():
        css = stylesheets.parse(css_path.read_text(encoding="utf-8"), css_path.as_uri(), fetcher, fonts)
    return _Stylesheet(css, fonts, fetcher, tuple(records))


@functools.lru_cache(maxsize=4)
def _laid_out(story: Story, layout: Layout, options: Options, source: str | None) -> _LaidOut:
    # Cached so a build that asks for both the PDF and its page map lays the story out once.
    weasyprint = load_weasyprint()

    template_path = str(layout.find(f"pdf/{TEMPLATE}"))
    stamp = layout.stamp()  # one walk of the layout's folders for the template, stylesheet and memo
    if source is None:
        source = html(story, layout, options, stamp=stamp)
    sheet = _stylesheet(layout, stamp)
    _LAYOUT_MEMO.use((layout, stamp))
    _FONT_KEYS.forget()
    _load_hyphenation([story.meta.language, *(b.language for b in story.blocks()),
                       *(s.language for s in story.sources)])
    fetcher, fonts = sheet.fetcher, sheet.fonts
    css_path = layout.find(STYLESHEET)
    with _captured_log() as records, _fatal_fetch_as_render_error():
        sheets = [
            sheet.css,
            weasyprint.CSS(string=page_css(story, layout, options), url_fetcher=fetcher, font_config=fonts),
        ]
        document = weasyprint.HTML(string=source, base_url=css_path.parent.as_uri(), url_fetcher=fetcher).render(
            font_config=fonts, stylesheets=sheets, pdf_variant=PDF_VARIANT,
        )
    _raise_on_errors([*sheet.records, *records], template_path)
    digest = hashlib.sha256(dumps(story) + repr((options, layout.name)).encode()).hexdigest()
    return _LaidOut(document, digest[:32].encode(), _when(story, options), template_path)


def _layout_fetcher(layout: Layout) -> Any:
    """A WeasyPrint URL fetcher serving only the layout's own files (and data: URLs)."""
    load_weasyprint()
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    roots = [folder.resolve() for folder in layout.search_path]

    class LayoutFetcher(URLFetcher):  # type: ignore[misc]
        """Refuses every URL that is not a file of the layout's search path or a data: URL."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            """The resource, or RenderError for anything outside the layout."""
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                from urllib.request import url2pathname  # loaded with WeasyPrint already; not at start

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


# ---------- Editorial choices: what goes where ----------

def _support(story: Story, source_ids: tuple[str, ...]) -> int:
    known = {s.id for s in story.sources}
    ids = tuple(i for i in source_ids if i in known)
    return story.independent(ids) if ids else 0


def _key_facts(story: Story, limit: int = KEY_FACTS) -> list[Fact]:
    """The figures for "By the numbers": undisputed, most independent sources first, then by kind."""
    def rank(item: tuple[int, Fact]) -> tuple[int, int, int, int]:
        index, fact = item
        kind = FACT_KINDS.index(fact.kind) if fact.kind in FACT_KINDS else len(FACT_KINDS)
        return (-_support(story, fact.sources), -len(fact.sources), kind, index)

    chosen: list[Fact] = []
    values: set[str] = set()
    for _, fact in sorted(enumerate(story.facts), key=rank):
        if fact.disputed:
            continue  # a contested figure is shown with every account, never as a key figure
        value = " ".join(fact.value.casefold().replace("-", " ").split())
        if value in values:
            continue
        values.add(value)
        chosen.append(fact)
        if len(chosen) == limit:
            break
    return chosen


@dataclass(frozen=True)
class _FactGroup:
    """Every reported figure under one label, for the back matter."""

    label: str
    facts: tuple[Fact, ...]


def _fact_groups(story: Story) -> list[_FactGroup]:
    groups: dict[str, list[Fact]] = {}
    for fact in story.facts:
        groups.setdefault(fact.label or fact.kind, []).append(fact)
    return [_FactGroup(label, tuple(facts)) for label, facts in groups.items()]


def _lines_pt(text: str, chars: int, line_pt: float) -> float:
    return -(-len(text) // chars) * line_pt


def _brief_pt(story: Story) -> float:
    """About how tall "In brief" is in the rail, with the first section's subhead above it."""
    first = story.sections[0] if story.sections else None
    heading = _lines_pt(first.heading, 18, 13.0) + 12 if first and first.heading else 0.0
    lines = sum(_lines_pt(line, RAIL_LINE_CHARS, RAIL_LINE_PT) + 6 for line in story.meta.summary)
    return heading + 30.0 + lines


def _brief_in_rail(story: Story) -> bool:
    """Whether "In brief" goes in the rail beside the lead: when it is short and the lead section is
    longer than it (a section holds its rail, so a taller rail would leave a hole); else full width."""
    summary = story.meta.summary
    if not story.sections or not 0 < len(summary) <= 5 or sum(map(len, summary)) > BRIEF_RAIL_CHARS:
        return False
    text = sum(_lines_pt(b.text, TEXT_LINE_CHARS, TEXT_LINE_PT) for b in story.sections[0].blocks)
    return text >= 1.15 * _brief_pt(story) + 60  # with room for the key figures under the rail


def _numbers_after(story: Story, brief_rail: bool) -> str:
    """The block after which "By the numbers" runs: past the rail's "In brief" and a few lines of lead."""
    if not story.sections or not story.sections[0].blocks:
        return ""
    blocks = story.sections[0].blocks
    need = max(MIN_LEAD_PT, 1.15 * _brief_pt(story) if brief_rail else 0.0)  # err long: no hole
    text_pt = 0.0
    for index, block in enumerate(blocks):
        text_pt += _lines_pt(block.text, TEXT_LINE_CHARS, TEXT_LINE_PT)
        next_is_para = index + 1 < len(blocks) and blocks[index + 1].kind == "paragraph"
        if text_pt >= need and block.kind == "paragraph" and next_is_para:
            return block.id
    return blocks[-1].id


def _pull_quotes(story: Story) -> frozenset[str]:
    """The ids of the quote blocks set large: the best-supported few, spread through the story."""
    blocks = story.blocks()
    quotes = {q.id: q for q in story.quotes}
    limit = min(PULL_QUOTES, len(blocks) // PULL_EVERY or 1)
    candidates = []
    for index, block in enumerate(blocks):
        if block.kind != "quote" or not PULL_CHARS[0] <= len(block.text) <= PULL_CHARS[1] or index < 3:
            continue
        quote = quotes.get(block.quote or "")
        sources = quote.sources if quote else block.sources
        speaker = bool(block.speaker or (quote and quote.speaker))
        candidates.append((-_support(story, sources), not speaker, abs(len(block.text) - 120), index, block.id))
    chosen: list[tuple[int, str]] = []
    for *_, index, block_id in sorted(candidates):
        if len(chosen) == limit:
            break
        if all(abs(index - other) >= PULL_EVERY for other, _ in chosen):
            chosen.append((index, block_id))
    return frozenset(block_id for _, block_id in chosen)


def _headline_size(title: str) -> str:
    """A size class for the headline, so a long one stays within three or four lines."""
    n = len(title)
    return "short" if n <= 48 else "medium" if n <= 80 else "long" if n <= 130 else "very-long"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:—–-") + "…"


# ---------- Wording and metadata ----------

def _quote_of(story: Story, block: Block) -> Quote | None:
    return next((q for q in story.quotes if q.id == block.quote), None)


def _attribution(story: Story, block: Block, words: dict[str, str]) -> str:
    """'A. Name, told Example Daily', 'A. Name', or 'Unattributed'."""
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


def _timeline_svgs(story: Story, words: dict[str, str], width_mm: float) -> list[Markup]:
    """The timeline drawn in parts of at most TIMELINE_ROWS events, so a long one can break across pages."""
    events = story.timeline
    parts = [events[i:i + TIMELINE_ROWS] for i in range(0, len(events), TIMELINE_ROWS)]
    out = []
    for n, part in enumerate(parts):
        title = words["timeline"] if n == 0 else f"{words['timeline']} ({words['continued']})"
        out.append(_timeline_svg(story, part, title, width_mm))
    return out


def _timeline_svg(story: Story, events: Iterable[Event], title: str, width_mm: float) -> Markup:
    """Timeline events as an SVG figure; its <title> is the full text alternative (PDF /Alt)."""
    events = tuple(events)
    if not events:
        return Markup("")
    px = width_mm * 96 / 25.4  # CSS px, so the drawing is at 1:1 with the text around it
    axis, text_x, line_h = 150.0, 168.0, 15.0
    when_chars, what_chars = 22, max(30, int((px - text_x) / 6.1))
    rows: list[tuple[list[str], list[str], str, float]] = []
    y = 14.0
    for event in events:
        when = textwrap.wrap(event.when, when_chars, break_on_hyphens=False) or [""]
        what = textwrap.wrap(event.what, what_chars, break_on_hyphens=False) or [""]
        rows.append((when, what, present.note_marker(story, event.sources), y))
        y += max(len(when), len(what)) * line_h + 12
    height = y - 4
    alt = f"{title}. " + " ".join(
        f"{e.when}: {e.what} {present.note_marker(story, e.sources)}".strip() for e in events)
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
