"""Layouts: templates and CSS found through a search path, so one file can be overridden."""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit.errors import LayoutError

if TYPE_CHECKING:
    import jinja2


def builtin_root() -> Path:
    """Folder holding the built-in layouts (inside the wheel, or at the top of a checkout)."""
    here = Path(__file__).resolve().parent
    packaged = here / "layouts"
    return packaged if packaged.is_dir() else here.parent / "layouts"


@dataclass(frozen=True)
class Layout:
    """A named layout and the folders searched for its files, first match wins."""

    name: str
    search_path: tuple[Path, ...]

    def find(self, relative: str) -> Path:
        """The first file at this relative path along the search path."""
        for folder in self.search_path:
            candidate = folder / relative
            if candidate.is_file():
                return candidate
        raise LayoutError(
            str(self.search_path[0] / relative),
            f"layout '{self.name}' has no file {relative}",
            "add it, or remove --layout to use the default",
        )

    def read_text(self, relative: str) -> str:
        """Text of a layout file."""
        return self.find(relative).read_text(encoding="utf-8")

    def read_bytes(self, relative: str) -> bytes:
        """Bytes of a layout file (fonts, images)."""
        return self.find(relative).read_bytes()

    def stamp(self) -> tuple[tuple[str, int, int], ...]:
        """Every file of the search path with its modification time and size: changes when any file does."""
        files = []
        for folder in self.search_path:
            for path in folder.rglob("*"):
                try:
                    info = path.stat()
                except OSError:  # removed while listing
                    continue
                if not stat.S_ISDIR(info.st_mode):
                    files.append((str(path), info.st_mtime_ns, info.st_size))
        return tuple(sorted(files))

    def folders(self, subdir: str) -> list[Path]:
        """Every existing folder for a subdirectory along the search path."""
        return [f / subdir for f in self.search_path if (f / subdir).is_dir()]

    def templates(self, subdir: str, finalize: Callable[[Any], Any] | None = None) -> jinja2.Environment:
        """A strict, autoescaping Jinja2 environment over one subdirectory of the layout."""
        import jinja2

        from storykit.libcache import jinja_bytecode

        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(p) for p in self.folders(subdir)]),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            finalize=finalize,
        )
        env.bytecode_cache = jinja_bytecode(env)
        return env


def template_error(env: jinja2.Environment, subdir: str, name: str, exc: jinja2.TemplateError) -> LayoutError:
    """A LayoutError naming the template and line at fault (an included or imported one too)."""
    import traceback

    import jinja2

    where, line = name, None
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where, line = exc.name or name, exc.lineno
    else:
        # Jinja rewrites the traceback so its frames point at template files and lines.
        roots = [str(p) for p in getattr(env.loader, "searchpath", [])]
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            root = next((r for r in roots if frame.filename.startswith(r.rstrip("/") + "/")), None)
            if root is not None:
                where, line = frame.filename[len(root.rstrip("/")) + 1 :], frame.lineno
                break
    message = getattr(exc, "message", None) or str(exc)
    at = f" on line {line}" if line else ""
    hint = f"fix the template{at}, or remove --layout to use the default"
    return LayoutError(f"{subdir}/{where}", f"template error{at}: {message}", hint)


def load_layout(name_or_path: str | None = None) -> Layout:
    """The layout by built-in name or folder path; it falls back to 'default' file by file."""
    default = builtin_root() / "default"
    if not name_or_path or name_or_path == "default":
        return Layout("default", (default,))
    candidate = Path(name_or_path)
    if candidate.is_dir():
        return Layout(candidate.name, (candidate.resolve(), default))
    builtin = builtin_root() / name_or_path
    if builtin.is_dir():
        return Layout(name_or_path, (builtin, default))
    raise LayoutError(
        name_or_path,
        "is neither a built-in layout nor a folder",
        "use 'default' or a folder holding pdf/, epub/ or txt/ files",
    )
