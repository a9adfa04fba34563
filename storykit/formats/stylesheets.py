"""WeasyPrint's parsed stylesheets kept in the library cache: its user-agent sheets and the layout's.

WeasyPrint parses its three user-agent stylesheets at every import (0.1 s of the PDF worker's
start) and the layout's stylesheet at every build (a further 0.04 s). A parsed stylesheet is
data (tinycss2 tokens, validated declarations, cssselect2's matcher) plus one function per
selector, which cssselect2 compiles from Python source it generates; the functions are kept as
their code (marshal, like bytecode) and everything else is pickled. An entry is keyed by the
stylesheet's text, its base URL, the libraries' versions and Python's bytecode version, and is
written only after it loaded back; what parsing does beside its result (the @font-face rules
registered with the fonts configuration, the user-agent counter styles) is kept with it and
done again on load. A stylesheet that imports others, or logs anything, is parsed every time.
"""

from __future__ import annotations

import builtins
import functools
import importlib.abc
import importlib.machinery
import importlib.util
import io
import marshal
import pickle
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from storykit import libcache

_KIND = "stylesheet"
# Modules whose classes a stored stylesheet may hold (checked when it is loaded).
_MODULES = ("tinycss2.ast", "cssselect2", "weasyprint", "weasyprint.css", "weasyprint.css.counters",
            "weasyprint.css.properties", "weasyprint.css.functions", "weasyprint.css.computed_values",
            "weasyprint.css.validation.descriptors", "weasyprint.css.validation.properties")
_SELECTOR_GLOBALS: dict[str, Any] = {}  # what cssselect2 gives each selector's function


def _selector_test(code: bytes) -> Callable[[Any], bool]:
    """A selector's function rebuilt from its code, with cssselect2's globals."""
    if not _SELECTOR_GLOBALS:
        from cssselect2 import compiler

        _SELECTOR_GLOBALS.update(split_whitespace=compiler.split_whitespace, ascii_lower=compiler.ascii_lower,
                                 urlparse=compiler.urlparse, __builtins__=builtins.__dict__)  # as eval() gives
    return types.FunctionType(marshal.loads(code), _SELECTOR_GLOBALS)


class _Pickler(pickle.Pickler):
    """Pickles cssselect2's compiled selector functions as their code."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.FunctionType) and "split_whitespace" in obj.__globals__:
            if obj.__closure__ or obj.__defaults__:
                raise pickle.PicklingError("not a selector function")
            return _selector_test, (marshal.dumps(obj.__code__),)
        return NotImplemented


def _allowed() -> frozenset[tuple[str, str]]:
    """The classes (and the one rebuilding function) a stored stylesheet may name."""
    names = {(__name__, "_selector_test")}
    for module_name in _MODULES:
        module = sys.modules.get(module_name)
        if module is not None:
            names |= {(module_name, name) for name, value in vars(module).items() if isinstance(value, type)}
    return frozenset(names)


def _key(text: str, **settings: Any) -> str:
    import cssselect2
    import tinycss2
    import weasyprint

    versions = (weasyprint.__version__, tinycss2.__version__, cssselect2.__version__)
    return libcache.digest(repr(versions), importlib.util.MAGIC_NUMBER, text, repr(sorted(settings.items())))


def _load(key: str) -> Any | None:
    return libcache.load(_KIND, key, _allowed())


def _store(key: str, value: Any) -> None:
    """Keep a parsed stylesheet, if it pickles and loads back."""
    buffer = io.BytesIO()
    try:
        _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
        libcache._unpickle(buffer.getvalue(), _allowed())
    except Exception:  # something that does not keep: parsed again next time
        return
    libcache.store_pickled(_KIND, key, buffer.getvalue())


def _cacheable(text: str) -> bool:
    return "@import" not in text.lower()


# ---------- WeasyPrint's user-agent stylesheets, at its import ----------

def _user_agent_sheet(css_class: type, *args: Any, **kwargs: Any) -> Any:
    """What `CSS(string=..., counter_style=...)` makes of a user-agent sheet, from the cache when it is there."""
    string, counter_style = kwargs.get("string"), kwargs.get("counter_style")
    if args or set(kwargs) - {"string", "counter_style"} or not isinstance(string, str) or \
            not isinstance(counter_style, dict | None):
        return css_class(*args, **kwargs)  # a call this cache was not written for
    key = _key(string, user_agent=True, counter_style=counter_style is not None)
    with _class_named_css(css_class):
        kept = _load(key)
    if isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], css_class) and isinstance(kept[1], dict):
        sheet, counters = kept
        if counter_style is not None:
            counter_style.update(counters)
        return sheet
    with _log_count() as logged:
        sheet = css_class(string=string, counter_style=counter_style)
    if not logged and _cacheable(string):
        with _class_named_css(css_class):
            _store(key, (sheet, dict(counter_style or {})))
    return sheet


@contextmanager
def _class_named_css(css_class: type) -> Iterator[None]:
    """weasyprint.CSS as the class itself, so pickle finds it by name (it is the stand-in meanwhile)."""
    weasyprint: Any = sys.modules["weasyprint"]
    stand_in, weasyprint.CSS = weasyprint.CSS, css_class
    try:
        yield
    finally:
        weasyprint.CSS = stand_in


class _SheetsFromCache(importlib.abc.Loader):
    """Loads weasyprint.html, whose import parses the user-agent sheets, with cached sheets."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        weasyprint: Any = sys.modules["weasyprint"]
        css_class = weasyprint.CSS
        weasyprint.CSS = functools.partial(_user_agent_sheet, css_class)
        try:
            self._loader.exec_module(module)
        finally:
            weasyprint.CSS = css_class
            if "CSS" in vars(module):
                setattr(module, "CSS", css_class)  # noqa: B010  # the name html.py imported

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


class _HtmlModuleFinder(importlib.abc.MetaPathFinder):
    """Finds weasyprint.html as usual, and has it loaded by _SheetsFromCache."""

    def find_spec(self, name: str, path: Any, target: types.ModuleType | None = None) -> Any:
        if name != "weasyprint.html":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _SheetsFromCache(spec.loader)
        return spec


@contextmanager
def user_agent_sheets_from_cache() -> Iterator[None]:
    """While WeasyPrint is imported, take its user-agent stylesheets from the cache."""
    if "weasyprint.html" in sys.modules or libcache.folder() is None:
        yield
        return
    finder = _HtmlModuleFinder()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


# ---------- the layout's stylesheet ----------

def parse(text: str, base_url: str, url_fetcher: Any, font_config: Any) -> Any:
    """weasyprint.CSS(string=text, ...) for a layout's stylesheet, from the cache when it is there."""
    import weasyprint

    key = _key(text, base_url=base_url, media_type="print")
    kept = _load(key) if _cacheable(text) else None
    if isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], weasyprint.CSS):
        for descriptors in kept[1]:  # what the parse registered, registered again
            font_config.add_font_face(descriptors, url_fetcher)
        return kept[0]
    font_faces: list[Any] = []
    add_font_face = font_config.add_font_face

    def recorded(descriptors: Any, fetcher: Any) -> Any:
        font_faces.append(descriptors)
        return add_font_face(descriptors, fetcher)

    own = vars(font_config).get("add_font_face")
    font_config.add_font_face = recorded
    try:
        with _log_count() as logged:
            sheet = weasyprint.CSS(string=text, base_url=base_url, url_fetcher=url_fetcher, font_config=font_config)
    finally:
        if own is None:
            del font_config.add_font_face
        else:
            font_config.add_font_face = own
    if not logged and _cacheable(text):
        _store(key, (sheet, font_faces))
    return sheet


@contextmanager
def _log_count() -> Iterator[list[Any]]:
    """WeasyPrint's warnings and errors logged meanwhile: a stylesheet that logs is not kept, so
    that its messages come again with every parse."""
    import logging

    records: list[Any] = []

    class Kept(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("weasyprint")
    handler, level = Kept(logging.WARNING), logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
