"""Libraries' parsed data kept between runs, as Python keeps bytecode: templates, hyphenation patterns.

Every run would otherwise compile the layout's Jinja templates (0.06 s before the PDF can be
laid out) and parse the hyphenation patterns of the story's language (0.1 s for English). Both
are pure functions of files that rarely change, so they are kept in the user's cache folder
(`$XDG_CACHE_HOME/storykit`, else `~/.cache/storykit`; `STORYKIT_CACHE_DIR` moves it, and an
empty value turns it off). An entry is found by a digest of what it was made from and of the
library's version, so a changed file or an upgrade is a miss, never a stale answer. Nothing
here can change an output: any problem (no home folder, a read-only disk, a damaged or foreign
file) means the data is parsed again as if there were no cache.

Not the build cache: `--no-cache` rebuilds the outputs, and still uses these parsed libraries.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
        return _Restricted(io.BytesIO(data), allowed).load()
    except Exception:  # missing, damaged, or written by another version: parse again
        return None


def store(kind: str, key: str, value: object) -> None:
    """Keep a value under this key for later runs (silently not, if the folder is unusable)."""
    base = folder()
    if base is None:
        return
    with contextlib.suppress(Exception):
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        fd, part = tempfile.mkstemp(prefix=f".{kind}-", suffix=".part", dir=base)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(part, base / f"{kind}-{key}.pickle")  # atomic: a reader sees all or nothing
        finally:
            with contextlib.suppress(OSError):
                os.unlink(part)


class _Restricted(pickle.Unpickler):
    """An unpickler that builds plain data (numbers, strings, containers) and the named classes only."""

    def __init__(self, file: io.BytesIO, allowed: frozenset[tuple[str, str]]) -> None:
        super().__init__(file)
        self._allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._allowed:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in the cache")


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
