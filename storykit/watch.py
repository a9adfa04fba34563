"""`storykit watch`: keep the libraries loaded and rebuild whenever an input changes.

The inputs are the source files (a folder's files are listed again at every poll, so a new or
removed source counts), the manifest (story.toml) and every file of the layout's search path.
Changes are found by polling modification times and sizes (about every 0.3 s): no dependency,
and it works the same on every file system, network shares included.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from storykit.errors import StorykitError
from storykit.formats import Options, get_format
from storykit.launch import LAYOUT_FORMATS
from storykit.layouts import Layout, load_layout
from storykit.pipeline import Built, PdfWorker, build, parallel_enabled

Stamp = tuple[int, int]  # modification time (ns) and size
INTERVAL = 0.3


def _stamp(path: Path) -> Stamp | None:
    try:
        info = path.stat()
    except OSError:  # removed between listing and stat: the next poll sees it gone
        return None
    return info.st_mtime_ns, info.st_size


def inputs(sources: Sequence[Path], layout: Layout, out: Path) -> dict[Path, Stamp]:
    """Every file a build reads, with its stamp (files inside the output folder are left out)."""
    skip = out.resolve()
    files: list[Path] = []
    for path in sources:
        if path.is_dir():
            files.extend(p for p in path.iterdir() if not p.name.startswith("."))
        else:
            files.append(path)  # a missing file is an input too: its creation starts a build
    for folder in layout.search_path:
        files.extend(folder.rglob("*"))
    stamps: dict[Path, Stamp] = {}
    for path in files:
        if path.parent.resolve() == skip or path.is_dir():
            continue
        stamp = _stamp(path)
        if stamp is not None:
            stamps[path] = stamp
    return stamps


def changed_files(before: dict[Path, Stamp], after: dict[Path, Stamp]) -> list[Path]:
    """Files added, removed or modified between two polls."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


@dataclass(frozen=True)
class Rebuild:
    """One build of a watch session."""

    seconds: float
    built: list[Built] | None  # None: it failed
    message: str

    def line(self) -> str:
        """The one line printed for it."""
        return f"{time.strftime('%H:%M:%S')} {self.message}"


class Watcher:
    """Builds an edition again whenever its inputs change, keeping WeasyPrint loaded in a worker."""

    def __init__(
        self,
        sources: Sequence[Path],
        out: Path,
        formats: Sequence[str],
        layout_name: str | None,
        options: Options,
        *,
        skip_bad: bool = False,
        max_bytes: int | None = None,
        parallel: bool | None = None,
        warn: Callable[[str], None] = lambda _: None,
    ) -> None:
        for name in formats:
            get_format(name)  # an unknown format is a usage error before anything starts
        self.sources = list(sources)
        self.out = out
        self.formats = list(formats)
        self.layout_name = layout_name
        self.options = options
        self.skip_bad = skip_bad
        self.max_bytes = max_bytes
        self.warn = warn
        needed = bool({get_format(n).name for n in formats} & LAYOUT_FORMATS)
        self.parallel = needed and (parallel_enabled() if parallel is None else parallel)
        self.worker: PdfWorker | None = None
        self.layout = self._layout()

    def _layout(self) -> Layout:
        """--layout, else the manifest's, read again at each build (the manifest may change it)."""
        name = self.layout_name
        if name is None:
            from storykit.manifest import find_manifest, load_manifest

            name = load_manifest(find_manifest(self.sources)).layout
        return load_layout(name)

    def snapshot(self) -> dict[Path, Stamp]:
        """The stamps of every input now."""
        return inputs(self.sources, self.layout, self.out)

    def rebuild(self, why: str) -> Rebuild:
        """One build; a failure is reported, not raised, so the session goes on."""
        start = time.perf_counter()
        if self.parallel and (self.worker is None or not self.worker.alive):
            self.worker = PdfWorker()  # first build, or the last worker died
        notes: list[str] = []
        try:
            self.layout = self._layout()
            built = build(
                self.sources, self.out, self.formats, self.layout, self.options, notes.append,
                use_cache=True, skip_bad=self.skip_bad, warn=self.warn, max_bytes=self.max_bytes,
                parallel=self.parallel, worker=self.worker,
            )
        except StorykitError as error:
            seconds = time.perf_counter() - start
            return Rebuild(seconds, None, f"failed after {seconds:.2f} s ({why}): {error.line()}")
        seconds = time.perf_counter() - start
        if any(n.startswith("up to date") for n in notes):
            return Rebuild(seconds, built, f"up to date in {seconds:.2f} s ({why}): outputs unchanged")
        count = f"{len(built)} file{'s' if len(built) != 1 else ''}"
        return Rebuild(seconds, built, f"built in {seconds:.2f} s ({why}): {count} in {self.out}")

    def close(self, *, now: bool = False) -> None:
        """Stop the worker (now: without waiting for the job it may be on)."""
        if self.worker is not None:
            self.worker.close(now=now)
            self.worker = None

    def run(
        self,
        echo: Callable[[str], None],
        *,
        interval: float = INTERVAL,
        stop: threading.Event | None = None,
        on_build: Callable[[Rebuild], None] | None = None,
        freeze: bool = False,
    ) -> None:
        """Build now, then again after every change, until `stop` is set (or Ctrl-C).

        freeze (the command's session, which owns its process): once the first build is done,
        the collector leaves alone everything loaded so far, for the rest of the process.
        """
        stop = stop or threading.Event()
        finished = False
        try:
            stamps = self.snapshot()
            self._report(self.rebuild("first build"), echo, on_build)
            gc.collect()
            if freeze:
                # Everything imported and cached by now lives as long as the session: the collector
                # need not walk it at every rebuild (a full collection took 0.04 s of one). The
                # first build's garbage went first, so none of it is kept.
                gc.freeze()
            while not stop.wait(interval):
                now = self.snapshot()
                changed = changed_files(stamps, now)
                if not changed:
                    continue
                stamps = now
                self._report(self.rebuild(_describe(changed)), echo, on_build)
                gc.collect()  # the rebuild's garbage, now that its result is out (the command disables the collector)
            finished = True
        finally:
            self.close(now=not finished)

    @staticmethod
    def _report(result: Rebuild, echo: Callable[[str], None], on_build: Callable[[Rebuild], None] | None) -> None:
        echo(result.line())
        if on_build is not None:
            on_build(result)


def _describe(changed: list[Path]) -> str:
    names = ", ".join(p.name for p in changed[:3])
    more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
    return f"changed: {names}{more}"
