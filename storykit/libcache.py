"""Libraries' parsed data kept between runs, as Python keeps bytecode: templates, hyphenation
patterns, regular-expression programs (and, through their adapters, WeasyPrint's C declarations
and parsed stylesheets: storykit.formats.pdf and storykit.formats.stylesheets).

Every run would otherwise compile the layout's Jinja templates (0.06 s before the PDF can be
laid out), parse the hyphenation patterns of the story's language (0.1 s for English) and
compile the merge's regular expressions (0.16 s). All are pure functions of text that rarely
changes, so they are kept in the user's cache folder
(`$XDG_CACHE_HOME/storykit`, else `~/.cache/storykit`; `STORYKIT_CACHE_DIR` moves it, and an
empty value turns it off). An entry is found by a digest of what it was made from and of the
library's version, so a changed file or an upgrade is a miss, never a stale answer. Nothing
here can change an output: any problem (no home folder, a read-only disk, a damaged or foreign
file) means the data is parsed again as if there were no cache.

Not the build cache: `--no-cache` rebuilds the outputs, and still uses these parsed libraries.
"""

from __future__ import annotations

import _sre  # type: ignore[import-not-found]  # built in: the matcher behind re
import contextlib
import io
import os
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import re

    import jinja2

ENV = "STORYKIT_CACHE_DIR"
_FORMAT = "1"  # bump when an entry's layout changes


def folder() -> Path | None:
    """The cache folder, made if need be, or None when it is off or unusable."""
    configured = os.environ.get(ENV)
    if configured is not None:
        if not configured.strip():
            return None
        base = Path(configured)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        try:
            base = (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / "storykit"
        except RuntimeError:  # no home folder
            return None
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = base.stat()
    except OSError:
        return None
    # Only a folder of this user's that others cannot write: its files are loaded as code.
    if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return base


def digest(*parts: str | bytes) -> str:
    """A short key for an entry made from these parts."""
    import hashlib  # here, not at start: install_regex_programs() runs before anything else

    hashed = hashlib.sha256(_FORMAT.encode())
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        hashed.update(len(data).to_bytes(8, "little") + data)
    return hashed.hexdigest()[:32]


def load(kind: str, key: str, allowed: frozenset[tuple[str, str]] = frozenset()) -> Any | None:
    """The value stored under this key, or None. Unpickling admits builtins and `allowed` classes only."""
    base = folder()
    if base is None:
        return None
    try:
        data = (base / f"{kind}-{key}.pickle").read_bytes()
        return _unpickle(data, allowed)
    except Exception:  # missing, damaged, or written by another version: parse again
        return None


def store(kind: str, key: str, value: object) -> None:
    """Keep a value under this key for later runs (silently not, if the folder is unusable)."""
    base = folder()
    if base is None:
        return
    import pickle

    with contextlib.suppress(Exception):
        store_pickled(kind, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def store_pickled(kind: str, key: str, data: bytes) -> None:
    """Keep a value pickled by the caller under this key, as store() does."""
    base = folder()
    if base is None:
        return
    with contextlib.suppress(Exception):
        _write(base / f"{kind}-{key}.pickle", data)


def _write(path: Path, data: bytes) -> None:
    """Replace a file atomically: a reader sees the old file or the new one, never a part."""
    import tempfile

    fd, part = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(part, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(part)


def _unpickle(data: bytes, allowed: frozenset[tuple[str, str]]) -> Any:
    """Unpickle plain data (numbers, strings, containers) and the named classes only."""
    import pickle

    class Restricted(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) in allowed:
                return super().find_class(module, name)
            raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")

    return Restricted(io.BytesIO(data)).load()


def jinja_bytecode(env: jinja2.Environment) -> jinja2.BytecodeCache | None:
    """Jinja's own cache of compiled templates for this environment (None when the cache is off)."""
    base = folder()
    if base is None:
        return None
    import jinja2

    # Jinja checks each entry against its template's source; the settings that change the
    # compiled code (finalize among them) are in the file names, so environments never share one.
    settings = repr((
        env.autoescape, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.undefined,
        getattr(env.finalize, "__module__", None), getattr(env.finalize, "__qualname__", None),
        env.block_start_string, env.variable_start_string, env.comment_start_string,
        env.line_statement_prefix, env.line_comment_prefix, env.newline_sequence, sorted(env.extensions),
    ))
    tag = f"{sys.implementation.cache_tag}-{digest(jinja2.__version__, settings)[:12]}"
    return jinja2.FileSystemBytecodeCache(str(base), pattern=f"jinja-{tag}-%s.cache")


def hyphenation(language: str) -> None:
    """Load a language's hyphenation patterns into pyphen, from the cache when they are there."""
    import pyphen

    known = pyphen.language_fallback(language)
    if not known:
        return
    path = pyphen.LANGUAGES[known]
    if path in pyphen.hdcache:
        return
    try:
        source = path.read_bytes()
    except OSError:
        return
    key = digest("pyphen", getattr(pyphen, "VERSION", "?"), str(path), source)
    state = load("hyphenation", key, frozenset({("pyphen", "DataInt")}))
    if isinstance(state, dict) and isinstance(state.get("patterns"), dict) and "maxlen" in state:
        patterns = pyphen.HyphDict.__new__(pyphen.HyphDict)
        patterns.__dict__.update(state)
        patterns.cache = {}
        pyphen.hdcache[path] = patterns
        return
    parsed = pyphen.Pyphen(lang=known).hd  # parsed here, and kept in pyphen's own cache
    store("hyphenation", key, {"patterns": parsed.patterns, "maxlen": parsed.maxlen})


# ---------- Regular-expression programs ----------
#
# CPython compiles a pattern in Python code (parse, then emit the matcher's program): 0.16 s of
# every build for the merge's word-list patterns. The program is plain data (a list of ints and
# the group names) from which the C matcher is built directly, so it is kept like bytecode. A
# program is stored only after the pattern it builds compared equal to re's own (CPython
# compares the programs), and the C side validates every program it is given.

REGEX_WORTH_KEEPING = 0.0002  # seconds: patterns that compile faster are not worth a lookup
# ... and a run writes the file only when its new programs saved this much: some libraries build
# patterns from sets, whose order changes from run to run, and each run would write the file.
REGEX_WORTH_WRITING = 0.005
REGEX_MAX_PROGRAMS = 4096  # a larger file keeps only the programs of the run that writes it

Program = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]


class _RegexPrograms:
    """The programs of this process: loaded from the cache, and the ones compiled since."""

    def __init__(self, path: Path, compile_: Callable[[Any, int], re.Pattern[Any]]) -> None:
        self.path = path
        self.original = compile_
        self.loaded: dict[tuple[str | bytes, int], Program] = _read_programs(path)
        self.used: set[tuple[str | bytes, int]] = set()
        self.added: dict[tuple[str | bytes, int], Program] = {}
        self.added_seconds = 0.0

    def compile(self, pattern: Any, flags: int = 0) -> re.Pattern[Any]:
        """re's compiler, answered from the cache when it holds the program."""
        if not isinstance(pattern, str | bytes) or flags & 128:  # 128: re.DEBUG prints the program
            return self.original(pattern, flags)
        key = (pattern, int(flags))
        program = self.loaded.get(key)
        if program is not None:
            with contextlib.suppress(Exception):  # refused by the C side's validation: compile
                compiled: re.Pattern[Any] = _sre.compile(pattern, *program)
                self.used.add(key)
                return compiled
        start = time.perf_counter()
        compiled = self.original(pattern, flags)
        seconds = time.perf_counter() - start
        if seconds >= REGEX_WORTH_KEEPING:
            with contextlib.suppress(Exception):
                program = _program(pattern, int(flags))
                if _sre.compile(pattern, *program) == compiled:
                    self.added[key] = program
                    self.added_seconds += seconds
        return compiled

    def save(self) -> None:
        """Add the programs compiled in this process to the file (others' additions are kept)."""
        import marshal

        if self.added_seconds < REGEX_WORTH_WRITING:
            return
        programs = {**_read_programs(self.path), **self.added}
        if len(programs) > REGEX_MAX_PROGRAMS:
            programs = {**{k: v for k, v in self.loaded.items() if k in self.used}, **self.added}
        with contextlib.suppress(Exception):
            _write(self.path, marshal.dumps(programs))
        self.loaded.update(self.added)
        self.added, self.added_seconds = {}, 0.0


def _program(pattern: str | bytes, flags: int) -> Program:
    """What re._compiler.compile hands the C matcher for this pattern (the same steps)."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    code: list[int] = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    code = [int(op) for op in code]  # opcodes are int subclasses, which marshal refuses
    return int(flags | parsed.state.flags), code, parsed.state.groups - 1, groupindex, tuple(indexgroup)


def _read_programs(path: Path) -> dict[tuple[str | bytes, int], Program]:
    import marshal

    try:
        programs = marshal.loads(path.read_bytes())
    except Exception:  # missing, damaged: compile again
        return {}
    return programs if isinstance(programs, dict) else {}


_regex: list[_RegexPrograms] = []


def install_regex_programs() -> None:
    """From now on, compile regular expressions from the cache when it holds their programs.

    For the storykit command (storykit.launch), before anything compiles a pattern; a library
    user's process is left alone. save_regex_programs() runs at exit.
    """
    import atexit
    import re

    compiler = getattr(re, "_compiler", None)
    if _regex or compiler is None or not callable(getattr(compiler, "compile", None)):
        return
    base = folder()
    if base is None:
        return
    # The program's format is CPython's, per version: another interpreter is another file.
    name = f"regex-{sys.implementation.cache_tag}-{sys.version_info.micro}-{_sre.MAGIC}.marshal"
    state = _RegexPrograms(base / name, compiler.compile)
    compiler.compile = state.compile
    _regex.append(state)
    atexit.register(save_regex_programs)


def save_regex_programs() -> None:
    """Keep the programs this process compiled (at exit; the PDF worker, which skips atexit, calls it)."""
    for state in _regex:
        state.save()
