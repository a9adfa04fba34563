"""The libraries' parsed data kept between runs (storykit.libcache), and WeasyPrint's quick import."""

from __future__ import annotations

import atexit
import ctypes.util
import json
import marshal
import os
import pickle
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyphen
import pytest

from storykit import libcache
from storykit.formats import Options, pdf
from storykit.layouts import load_layout
from storykit.model import Story


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(libcache.ENV, str(folder))
    return folder


@pytest.fixture
def fresh_pyphen(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyphen's own in-process cache, emptied for the test and restored after it."""
    monkeypatch.setattr(pyphen, "hdcache", {})


@pytest.mark.parametrize("language", ["en", "fr", "hu"])  # hu: patterns with non-standard hyphenation
def test_hyphenation_from_the_cache_equals_the_parsed_patterns(
    cache_dir: Path, fresh_pyphen: None, language: str
) -> None:
    path = pyphen.LANGUAGES[pyphen.language_fallback(language)]
    parsed = pyphen.HyphDict(path)
    libcache.hyphenation(language)  # a miss: parsed and stored
    assert len(list(cache_dir.glob("hyphenation-*.pickle"))) == 1
    pyphen.hdcache.clear()
    libcache.hyphenation(language)  # a hit
    restored = pyphen.hdcache[path]
    assert restored.patterns == parsed.patterns and restored.maxlen == parsed.maxlen
    words = ["hyphenation", "asszonnyal", "extraordinaire", "Rettungsaktion"]
    hyphenator = pyphen.Pyphen(lang=language)
    assert [hyphenator.inserted(w) for w in words] == [
        pyphen.Pyphen(filename=path, cache=False).inserted(w) for w in words
    ]


def test_a_damaged_entry_is_parsed_again(cache_dir: Path, fresh_pyphen: None) -> None:
    libcache.hyphenation("en")
    (entry,) = cache_dir.glob("hyphenation-*.pickle")
    entry.write_bytes(b"not a pickle")
    pyphen.hdcache.clear()
    libcache.hyphenation("en")
    assert pyphen.Pyphen(lang="en").inserted("hyphenation") == "hy-phen-a-tion"
    assert entry.read_bytes() != b"not a pickle"  # stored again


def test_the_cache_loads_no_class_it_was_not_told_about(cache_dir: Path) -> None:
    libcache.store("probe", "k", {"path": Path("/")})
    assert libcache.load("probe", "k") is None  # pathlib is not allowed: refused, not built
    libcache.store("probe", "k", {"a": (1, 2.5, "x", frozenset({3}))})
    assert libcache.load("probe", "k") == {"a": (1, 2.5, "x", frozenset({3}))}


def test_an_empty_setting_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch, fresh_pyphen: None) -> None:
    monkeypatch.setenv(libcache.ENV, "")
    assert libcache.folder() is None
    libcache.hyphenation("en")  # still works, parsed
    assert pyphen.Pyphen(lang="en").inserted("hyphenation") == "hy-phen-a-tion"


def test_a_folder_others_can_write_is_not_used(cache_dir: Path) -> None:
    cache_dir.mkdir()
    cache_dir.chmod(0o777)
    assert libcache.folder() is None
    cache_dir.chmod(0o700)
    assert libcache.folder() == cache_dir


def test_an_unwritable_cache_folder_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_pyphen: None
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder would be")
    monkeypatch.setenv(libcache.ENV, str(blocker / "cache"))
    assert libcache.folder() is None
    libcache.hyphenation("en")
    assert pyphen.Pyphen(lang="en").inserted("hyphenation") == "hy-phen-a-tion"


def test_templates_are_compiled_once_and_again_after_an_edit(cache_dir: Path, tmp_path: Path) -> None:
    layout_dir = tmp_path / "mine"
    (layout_dir / "pdf").mkdir(parents=True)
    (layout_dir / "pdf" / "note.jinja").write_text("first {{ x }}")
    layout = load_layout(str(layout_dir))
    assert layout.templates("pdf").get_template("note.jinja").render(x=1) == "first 1"
    assert len(list(cache_dir.glob("jinja-*.cache"))) == 1
    assert layout.templates("pdf").get_template("note.jinja").render(x=2) == "first 2"  # from the cache
    (layout_dir / "pdf" / "note.jinja").write_text("second {{ x }}")
    assert layout.templates("pdf").get_template("note.jinja").render(x=3) == "second 3"


def test_environments_with_other_settings_never_share_compiled_code(cache_dir: Path, tmp_path: Path) -> None:
    layout_dir = tmp_path / "mine"
    (layout_dir / "epub").mkdir(parents=True)
    (layout_dir / "epub" / "t.jinja").write_text("{{ x }}")
    layout = load_layout(str(layout_dir))
    plain = layout.templates("epub").get_template("t.jinja").render(x="a\x01b")
    kept = layout.templates("epub", finalize=lambda v: str(v).replace("\x01", "")).get_template("t.jinja")
    assert plain == "a\x01b" and kept.render(x="a\x01b") == "ab"
    assert len(list(cache_dir.glob("jinja-*.cache"))) == 2


def test_cached_hyphenation_gives_the_same_pdf(
    story: Story, monkeypatch: pytest.MonkeyPatch, cache_dir: Path, fresh_pyphen: None
) -> None:
    layout, options = load_layout(), Options(source_date_epoch=1751587200)
    monkeypatch.setenv(libcache.ENV, "")
    parsed = pdf.render(story, layout, options)
    pdf.forget()
    monkeypatch.setenv(libcache.ENV, str(cache_dir))
    pyphen.hdcache.clear()
    libcache.hyphenation("en")  # stored
    pyphen.hdcache.clear()
    libcache.hyphenation("en")  # restored
    assert pdf.render(story, layout, options) == parsed
    pdf.forget()


def test_weasyprint_imports_font_tools_parts_only_when_called() -> None:
    weasyprint = pdf.load_weasyprint()
    assert weasyprint is sys.modules["weasyprint"]
    assert not any(isinstance(m, pdf._OnFirstUse) for m in sys.modules.values())
    fonts = sys.modules["weasyprint.pdf.fonts"]
    from fontTools import subset

    assert fonts.subset.Options is subset.Options  # the stand-in forwards to the real module
    from fontTools.varLib import instancer

    assert callable(instancer.instantiateVariableFont)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ld.so cache is Linux's")
def test_one_reading_of_the_library_cache_answers_as_ctypes_does() -> None:
    lookup = pdf._ld_cache_lookup()
    assert lookup is not None
    ldconfig = ctypes.util._findSoname_ldconfig
    for name in ["c", "pango-1.0", "harfbuzz", "fontconfig", "gobject-2.0-0", "no-such-library"]:
        assert lookup(name) == ldconfig(name), name


def test_pickled_entries_are_private_to_the_user(cache_dir: Path) -> None:
    libcache.store("probe", "k", [1])
    (entry,) = cache_dir.glob("probe-*.pickle")
    assert entry.stat().st_mode & 0o077 == 0
    assert pickle.loads(entry.read_bytes()) == [1]
    assert os.stat(cache_dir).st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "cdecl",
    ["char *", "unsigned int *", "hb_tag_t *", "hb_codepoint_t *", "PangoRectangle *", "PangoFcFontMap *",
     "FcChar8 **", "char[]", "PangoLogAttr[]", "hb_codepoint_t[7]"],
)
def test_quick_c_types_are_the_objects_cffi_parses(cdecl: str) -> None:
    pdf.load_weasyprint()
    ffi = sys.modules["weasyprint.text.ffi"].ffi
    assert isinstance(ffi._parsed_types, pdf._QuickTypes)
    quick = ffi._typeof(cdecl)
    with ffi._lock:  # cffi builds types with it held
        parsed = ffi._get_cached_btype(ffi._parser.parse_type(cdecl))
    assert quick is parsed


# ---------- regular-expression programs ----------

PATTERNS = [
    (r"\b(?P<num>\d+(?:[.,]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten)\b", re.IGNORECASE),
    (r"(?P<h>\d{1,2})(?:[:.h](?P<m>\d{2}))?\s?(?P<ampm>a\.m\.|p\.m\.)", 0),
    (r"[\u0600-\u06ff]+|[à-ÿ]+(?=\s)", re.UNICODE),
    (rb"^\xef\xbb\xbf|[\x80-\xff]{2,}", re.MULTILINE),
    (r"(?x) (?<!\w) (a|b)+? \1 $", re.VERBOSE),
]


@pytest.fixture
def regex_programs(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], libcache._RegexPrograms]]:
    """install_regex_programs() for one test: re's compiler and the module's state are restored after it."""
    compiler = re._compiler  # type: ignore[attr-defined]
    monkeypatch.setattr(compiler, "compile", compiler.compile)
    monkeypatch.setattr(libcache, "_regex", [])
    monkeypatch.setattr(libcache, "REGEX_WORTH_KEEPING", 0.0)  # keep even the quick ones
    monkeypatch.setattr(libcache, "REGEX_WORTH_WRITING", 0.0)
    monkeypatch.setattr(atexit, "register", lambda *_: None)

    def start() -> libcache._RegexPrograms:
        """A new process's start: re's own compiler again, then the cache's."""
        compiler.compile = libcache._regex[0].original if libcache._regex else compiler.compile
        libcache._regex.clear()
        libcache.install_regex_programs()
        return libcache._regex[0]

    yield start


def _compile_fresh(pattern: str | bytes, flags: int) -> re.Pattern[Any]:
    re.purge()  # re's in-process cache would answer before the compiler is asked
    return re.compile(pattern, flags)


def test_patterns_from_the_cache_equal_compiled_ones(regex_programs: Callable[[], libcache._RegexPrograms]) -> None:
    first = regex_programs()
    compiled = [_compile_fresh(p, f) for p, f in PATTERNS]
    assert len(first.added) == len(PATTERNS) and not first.used
    libcache.save_regex_programs()
    second = regex_programs()
    again = [_compile_fresh(p, f) for p, f in PATTERNS]
    assert len(second.used) == len(PATTERNS) and not second.added  # every one from the cache
    assert again == compiled  # CPython compares pattern, flags and the matcher's program
    for pattern, (p, f) in zip(again, PATTERNS, strict=True):
        assert pattern.groupindex == second.original(p, f).groupindex
    number = again[0]
    assert number.search("Two babies")["num"] == "Two"  # type: ignore[index]


def test_a_damaged_or_refused_program_is_compiled_again(
    regex_programs: Callable[[], libcache._RegexPrograms], cache_dir: Path
) -> None:
    regex_programs()
    _compile_fresh(*PATTERNS[0])
    libcache.save_regex_programs()
    (entry,) = cache_dir.glob("regex-*.marshal")
    programs = marshal.loads(entry.read_bytes())
    key = next(iter(programs))
    flags, _, groups, groupindex, indexgroup = programs[key]
    programs[key] = (flags, [1, 2, 3, 999999], groups, groupindex, indexgroup)  # CPython refuses this code
    entry.write_bytes(marshal.dumps(programs))
    state = regex_programs()
    assert _compile_fresh(*PATTERNS[0]).search("it took seven hours")["num"] == "seven"  # type: ignore[index]
    assert not state.used and state.added
    entry.write_bytes(b"not marshal data")
    state = regex_programs()
    assert _compile_fresh(*PATTERNS[1]).match("10.30 p.m.")["m"] == "30"  # type: ignore[index]


def test_no_regex_cache_when_the_cache_is_off(
    regex_programs: Callable[[], libcache._RegexPrograms], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(libcache.ENV, "")
    compiler = re._compiler.compile  # type: ignore[attr-defined]
    libcache.install_regex_programs()
    assert not libcache._regex and re._compiler.compile is compiler  # type: ignore[attr-defined]


_CFFI_PROBE = """
import json, sys
from storykit.formats import pdf
pdf.load_weasyprint()
before = "pycparser" in sys.modules
ffi = sys.modules["weasyprint.text.ffi"].ffi
declarations = {k: [type(t).__name__, t._get_c_name() if hasattr(t, "_get_c_name") else t, q]
                for k, (t, q) in ffi._parser._declarations.items()}
# types no shortcut answers: the stand-in becomes cffi's real parser to read them
sizes = [ffi.sizeof("PangoRectangle"), ffi.sizeof("PangoGlyphInfo"), ffi.sizeof("FcChar8 *")]
rect = ffi.new("PangoRectangle *")
rect.width = 7
pango = sys.modules["weasyprint.text.ffi"].pango
version = pango.pango_version()
print(json.dumps({"pycparser": before, "declarations": declarations, "sizes": sizes, "width": rect.width,
                  "version": version, "parser": type(ffi._parser).__name__}))
"""


def test_c_declarations_from_the_cache_are_the_parsed_ones(cache_dir: Path) -> None:
    env = {**os.environ, libcache.ENV: str(cache_dir), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}

    def probe() -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-c", _CFFI_PROBE], env=env, capture_output=True, text=True, check=True)
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    parsed = probe()  # a miss: parsed by pycparser, then stored
    assert parsed["pycparser"] and len(list(cache_dir.glob("cffi-*.pickle"))) == 1
    cached = probe()
    assert not cached["pycparser"]  # the declarations came from the cache
    assert cached["parser"] == "Parser"  # the unusual type turned the stand-in into cffi's parser
    assert {k: cached[k] for k in ["declarations", "sizes", "width", "version"]} == \
        {k: parsed[k] for k in ["declarations", "sizes", "width", "version"]}


def test_a_run_that_compiled_little_writes_nothing(
    regex_programs: Callable[[], libcache._RegexPrograms], cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    regex_programs()
    _compile_fresh(*PATTERNS[0])
    libcache.save_regex_programs()
    (entry,) = cache_dir.glob("regex-*.marshal")
    before = entry.stat().st_mtime_ns, entry.read_bytes()
    monkeypatch.setattr(libcache, "REGEX_WORTH_WRITING", 60.0)  # a pattern per run, as from a set's order
    state = regex_programs()
    _compile_fresh(*PATTERNS[1])
    assert state.added
    libcache.save_regex_programs()
    assert (entry.stat().st_mtime_ns, entry.read_bytes()) == before


def test_builds_with_the_library_cache_filled_empty_or_off_write_the_same_files(tmp_path: Path) -> None:
    """The command's caches (regular-expression programs, C declarations, templates, patterns) never show."""
    from tests.conftest import ROOT, SEEDS

    def build(cache: str, out: str) -> dict[str, bytes]:
        env = {**os.environ, libcache.ENV: cache, "SOURCE_DATE_EPOCH": "1751587200", "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "storykit", "build", str(SEEDS), "-o", str(tmp_path / out),
                        "--no-cache", "-q", "-f", "txt", "-f", "json", "-f", "pdf"], env=env, check=True)
        return {p.name: p.read_bytes() for p in sorted((tmp_path / out).iterdir()) if not p.name.startswith(".")}

    cache = tmp_path / "cache"
    first = build(str(cache), "first")  # fills the cache
    assert list(cache.glob("regex-*.marshal")) and list(cache.glob("cffi-*.pickle"))
    assert build(str(cache), "second") == first  # every program and declaration from the cache
    assert build("", "off") == first


def test_parsed_stylesheets_from_the_cache_give_the_same_pdf(cache_dir: Path, tmp_path: Path) -> None:
    """WeasyPrint's user-agent sheets and the layout's, parsed or from the cache: the same PDF, in new processes."""
    from tests.conftest import ROOT

    probe = (
        "import hashlib, sys\n"
        "from storykit.formats import Options, pdf\n"
        "from storykit.layouts import load_layout\n"
        "from tests.sample_story import sample_story\n"
        "data = pdf.render(sample_story(), load_layout(), Options(source_date_epoch=0))\n"
        "print(hashlib.sha256(data).hexdigest())\n"
    )
    env = {**os.environ, libcache.ENV: str(cache_dir), "PYTHONPATH": str(ROOT)}

    def run() -> str:
        return subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                              check=True).stdout

    parsed = run()
    assert len(list(cache_dir.glob("stylesheet-*.pickle"))) == 4  # three user-agent sheets and the layout's
    assert run() == parsed
    env[libcache.ENV] = ""
    assert run() == parsed


def test_a_stylesheet_that_warns_or_imports_is_parsed_every_time(
    cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from weasyprint.text.fonts import FontConfiguration

    from storykit.formats import stylesheets

    pdf.load_weasyprint()
    for css in ("p { colour: red }", '@import "other.css"; p { color: red }', "p { color: red }"):
        for _ in range(2):
            with caplog.at_level(logging.WARNING, logger="weasyprint"):
                caplog.clear()
                stylesheets.parse(css, "file:///nowhere/story.css", None, FontConfiguration())
            if "colour" in css:
                assert "colour" in caplog.text  # warned again: not answered from the cache
    kept = list(cache_dir.glob("stylesheet-*.pickle"))
    assert len(kept) == 1  # only the sheet that parsed cleanly


def test_a_stylesheet_from_the_cache_registers_its_fonts_again(cache_dir: Path) -> None:
    from weasyprint.text.fonts import FontConfiguration

    from storykit.formats import stylesheets

    pdf.load_weasyprint()
    layout = load_layout()
    css_path = layout.find(pdf.STYLESHEET)
    text = css_path.read_text(encoding="utf-8")
    seen: list[list[Any]] = []
    for _ in range(2):  # parsed, then from the cache
        fonts = FontConfiguration()
        calls: list[Any] = []
        add = fonts.add_font_face
        fonts.add_font_face = lambda descriptors, fetcher, add=add, calls=calls: (calls.append(str(descriptors)),
                                                                                 add(descriptors, fetcher))[1]
        stylesheets.parse(text, css_path.as_uri(), pdf._layout_fetcher(layout), fonts)
        seen.append(calls)
    assert seen[0] and seen[1] == seen[0]


def test_a_user_agent_sheet_call_the_cache_does_not_know_goes_to_weasyprint(cache_dir: Path) -> None:
    from storykit.formats import stylesheets

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    class Stand:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            calls.append((args, kwargs))

    stylesheets._user_agent_sheet(Stand, "p {}")
    stylesheets._user_agent_sheet(Stand, string="p {}", media_type="screen")
    assert calls == [(("p {}",), {}), ((), {"string": "p {}", "media_type": "screen"})]
    assert not list(cache_dir.glob("stylesheet-*"))


def test_an_edited_layout_stylesheet_is_parsed_again_in_the_same_process(cache_dir: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """As in `storykit watch`: a stylesheet edited between two renders gives the edited PDF, not the cached one."""
    from storykit.layouts import Layout
    from tests.sample_story import sample_story

    default = load_layout()
    (tmp_path / "pdf").mkdir()
    css = tmp_path / "pdf" / "story.css"
    layout = Layout("edited", (tmp_path, *default.search_path))
    story, options = sample_story(), Options(source_date_epoch=0)

    def render(extra: str) -> bytes:
        css.write_text(default.read_text("pdf/story.css") + extra, encoding="utf-8")
        pdf._laid_out.cache_clear()
        return pdf.render(story, layout, options)

    plain = render("")
    red = render("\nh1 { color: #00aa00; }\n")
    assert red != plain and render("") == plain  # each text parsed once, then from the cache
    monkeypatch.setenv(libcache.ENV, "")
    assert render("\nh1 { color: #00aa00; }\n") == red  # the cached sheet is the parsed one
