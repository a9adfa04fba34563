"""The build pipeline: read → clean → merge → render each format → write atomically."""

from __future__ import annotations

import contextlib
import functools
import gc
import importlib
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storykit import libcache
from storykit.document import CleanDocument, RawDocument
from storykit.errors import OutputError, StorykitError
from storykit.formats import Format, Options, get_format
from storykit.launch import LAYOUT_FORMATS
from storykit.layouts import Layout
from storykit.manifest import Manifest
from storykit.model import Story

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Progress sink that says nothing."""


@dataclass(frozen=True)
class Built:
    """One written output file."""

    format: str
    path: Path
    size: int


def read_and_clean(
    paths: Sequence[Path],
    progress: Progress = _quiet,
    *,
    manifest: Manifest | None = None,
    skip_bad: bool = False,
    warn: Progress = _quiet,
    max_bytes: int | None = None,
) -> list[CleanDocument]:
    """Every source under these paths, decoded and cleaned, with ids in file-name order."""
    from storykit.errors import SourceError
    from storykit.manifest import apply_to_source
    from storykit.readers import DEFAULT_MAX_BYTES, find_sources, read_source

    files = find_sources(paths)
    progress(f"reading {len(files)} source{'s' if len(files) != 1 else ''}")
    raws = []
    for path in files:
        try:
            raws.append(read_source(path, max_bytes=max_bytes or DEFAULT_MAX_BYTES))
        except SourceError as error:
            if not skip_bad:
                raise
            warn(f"warning: skipped {error.line()}")
    if not raws:
        raise SourceError(
            ", ".join(str(p) for p in paths), "no readable source is left", "fix or replace the files above"
        )
    if manifest is not None:
        raws = [apply_to_source(manifest, raw) for raw in raws]
    # ids follow the sorted file names, so the same files always get the same ids
    raws.sort(key=lambda r: (r.name, r.checksum))
    progress("cleaning")
    return [_cleaned(raw, f"s{i}") for i, raw in enumerate(raws, start=1)]


@functools.lru_cache(maxsize=64)
def _cleaned(raw: RawDocument, source_id: str) -> CleanDocument:
    """clean(), kept for the next build of this process: a rebuild in `watch` cleans only what changed."""
    from storykit.clean import clean

    return clean(raw, source_id)


def merge_sources(
    paths: Sequence[Path],
    progress: Progress = _quiet,
    *,
    manifest: Manifest | None = None,
    skip_bad: bool = False,
    warn: Progress = _quiet,
    max_bytes: int | None = None,
) -> Story:
    """One story from the sources under these paths, with the manifest's overrides applied."""
    from storykit.manifest import find_manifest, load_manifest

    if manifest is None:
        manifest = load_manifest(find_manifest(list(paths)))
    docs = read_and_clean(paths, progress, manifest=manifest, skip_bad=skip_bad, warn=warn, max_bytes=max_bytes)
    return merge_documents(docs, manifest, progress)


def merge_documents(docs: Sequence[CleanDocument], manifest: Manifest, progress: Progress = _quiet) -> Story:
    """One story from cleaned sources, with the manifest's overrides applied."""
    from storykit.manifest import apply_to_story
    from storykit.merge import merge

    progress("merging")
    return apply_to_story(manifest, merge(list(docs)))


def render_all(
    story: Story,
    formats: Sequence[str],
    layout: Layout,
    options: Options,
    progress: Progress = _quiet,
    *,
    worker: PdfWorker | None = None,
) -> dict[Format, bytes]:
    """Every requested format rendered in memory, in registry order.

    With a `worker`, WeasyPrint's layout and the PDF run in that second process while this one
    renders the other formats; the EPUB takes the worker's page map, so the story is laid out
    once. The bytes are the same either way.
    """
    fmts = [get_format(name) for name in formats]
    wanted = {fmt.name for fmt in fmts}
    if worker is None or not wanted & LAYOUT_FORMATS:
        rendered: dict[Format, bytes] = {}
        for fmt in fmts:
            progress(f"rendering {fmt.name}")
            rendered[fmt] = fmt.renderer()(story, layout, options)
        return rendered
    return _render_beside(worker, story, fmts, layout, options, progress)


def _render_beside(
    worker: PdfWorker, story: Story, fmts: list[Format], layout: Layout, options: Options, progress: Progress
) -> dict[Format, bytes]:
    """render_all with the PDF's layout in the worker; errors are raised in the formats' order."""
    wanted = {fmt.name for fmt in fmts}
    # The worker writes the HTML itself: it compiled the template while this process merged, and
    # this process would spend the import of Jinja first (the story reaches the worker 0.03 s sooner).
    job = worker.submit(story, layout, options, pages="epub" in wanted, pdf="pdf" in wanted)
    progress("laying out the PDF in a second process")
    results: dict[str, bytes] = {}
    failures: dict[str, BaseException] = {}
    # Formats that need no layout first, while the worker lays the story out.
    for fmt in fmts:
        if fmt.name in LAYOUT_FORMATS:
            continue
        progress(f"rendering {fmt.name}")
        try:
            results[fmt.name] = fmt.renderer()(story, layout, options)
        except Exception as exc:  # kept, so it is raised in the same order as a sequential build
            failures[fmt.name] = exc
    if "epub" in wanted:
        try:
            results["epub"] = render_epub(story, layout, options, lambda: job.page_map(), progress)
        except Exception as exc:
            failures["epub"] = exc
    if "pdf" in wanted:
        try:
            results["pdf"] = job.pdf()
        except Exception as exc:
            failures["pdf"] = exc
    for fmt in fmts:
        if fmt.name in failures:
            raise failures[fmt.name]
    return {fmt: results[fmt.name] for fmt in fmts}


def render_epub(
    story: Story,
    layout: Layout,
    options: Options,
    pages: Callable[[], Mapping[str, int]],
    progress: Progress = _quiet,
) -> bytes:
    """The EPUB for a page map computed elsewhere: what epub.render() makes, without a second layout."""
    epub = importlib.import_module("storykit.formats.epub")  # ebooklib, Pillow: loaded while the worker works
    epub.prepare(story, layout)  # the cover and the templates, while the worker lays the story out
    page_map = pages()
    progress("rendering epub")
    data: bytes = epub.build(story, layout, options, page_map)
    return data


# ---------- The PDF worker: WeasyPrint in a second process ----------


def _portable(exc: BaseException) -> tuple[str, Any]:
    """An exception in a form that survives the pipe (StorykitError's __init__ does not unpickle)."""
    if isinstance(exc, StorykitError):
        return "storykit", (type(exc).__module__, type(exc).__qualname__, exc.path, exc.problem, exc.hint)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupt", None
    import traceback

    return "other", (f"{type(exc).__name__}: {exc}", "".join(traceback.format_exception(exc)))


def _restored(kind: str, payload: Any) -> BaseException:
    """The exception _portable() packed."""
    if kind == "interrupt":
        return KeyboardInterrupt()
    if kind == "storykit":
        module, name, path, problem, hint = payload
        cls = getattr(importlib.import_module(module), name, None)
        if isinstance(cls, type) and issubclass(cls, StorykitError):
            return cls(path, problem, hint)
        return StorykitError(path, problem, hint)
    message, trace = payload
    error = RuntimeError(f"in the PDF worker: {message}")
    error.add_note(f"the worker's traceback:\n{trace}")  # shown with STORYKIT_DEBUG=1
    return error


def _pdf_worker_main(conn: Connection, parents_end: Connection | None = None) -> None:
    """The worker's loop: import WeasyPrint now, then lay out and write one story per job."""
    if parents_end is not None:
        parents_end.close()  # a forked copy: closed, so the parent's exit reaches us as EOF
    # Ctrl-C reaches the whole process group: the parent decides, and closes the worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Terminated (a build that needed no layout, an interrupted one): exit through the finally
    # below, which removes WeasyPrint's temporary font folders (multiprocessing skips atexit).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    from storykit.formats import pdf

    try:
        _serve(conn, pdf)
    finally:
        pdf.close()
        libcache.save_regex_programs()  # multiprocessing's children skip atexit


def _exit_on_sigterm(*_: object) -> None:
    raise SystemExit(0)


def _serve(conn: Connection, pdf: Any) -> None:
    """Answer jobs until the parent says stop or goes away."""
    pdf.load_weasyprint()  # the point of the worker: this import overlaps the merge
    # The imported modules live as long as the worker, so the collector need never walk them again.
    gc.freeze()
    # No collections while a job runs: in a watch session the worker's heap holds the last story's
    # line splits and WeasyPrint's caches, and full collections over it took 0.1-0.2 s of every
    # rebuild. The job's cyclic garbage is collected once the worker is idle instead (on 30,000
    # words the peak waits for the layout's end: +10 % memory).
    gc.disable()
    while True:
        try:
            if not conn.poll(IDLE_BEFORE_COLLECTING):
                gc.collect()  # nothing waiting (a watch session): the user is editing
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        if message[0] == "prepare":  # the layout's story-independent work, while the sources merge
            _, layout, languages = message
            pdf.prepare(layout, languages)
            continue
        _, number, story, layout, options, want_pages, want_pdf = message
        try:
            if want_pages:
                conn.send((number, "pages", pdf.page_map(story, layout, options)))
            if want_pdf:
                # the worker exists because there are two cores: painting uses both (storykit.formats.paint)
                conn.send((number, "pdf", pdf.render(story, layout, options, processes=2)))
        except SystemExit:  # terminated: stop at once
            raise
        except BaseException as exc:
            conn.send((number, "error", _portable(exc)))
        finally:
            _forget_layouts(pdf)


# Seconds a worker waits for the next message before it collects garbage: a one-shot build's
# next message (stop) comes sooner, so its worker exits without collecting.
IDLE_BEFORE_COLLECTING = 0.25


def _forget_layouts(pdf: Any) -> None:
    """Drop the PDF adapter's cached layouts once a job is done: a long-lived worker (watch) would
    otherwise keep the last four documents, about 17 MiB each for the sample, 300 MiB for 30,000 words."""
    pdf.forget()


def _can_fork() -> bool:
    import multiprocessing

    return sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()


class PdfWorker:
    """A second process that imports WeasyPrint at once and renders the PDF (and its page map).

    Start it at the beginning of a build, so the import overlaps reading and merging; a watch
    session keeps one for every rebuild. If it dies, the work is done in this process instead.
    """

    def __init__(self) -> None:
        import multiprocessing

        # fork: the child starts with storykit already imported (spawn would import it again)
        fork = _can_fork()
        context = multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        self._conn, child = multiprocessing.Pipe()
        self._process: BaseProcess = context.Process(
            target=_pdf_worker_main, args=(child, self._conn) if fork else (child,), name="storykit-pdf", daemon=True
        )
        self._process.start()
        child.close()
        self._jobs = 0
        self._alive = True

    def prepare(self, layout: Layout, languages: Iterable[str | None] = ()) -> None:
        """Let the worker compile the layout and load the languages' hyphenation before the story comes."""
        if self._alive:
            with contextlib.suppress(Exception):  # the job that follows finds any problem
                self._conn.send(("prepare", layout, tuple(languages)))

    def submit(self, story: Story, layout: Layout, options: Options, *, pages: bool, pdf: bool) -> PdfJob:
        """Hand the worker a story (it writes the HTML and lays it out); the answers come through the returned job."""
        self._jobs += 1
        job = PdfJob(self, self._jobs, story, layout, options)
        if self._alive:
            try:
                self._conn.send(("job", job.number, story, layout, options, pages, pdf))
            except Exception:  # a broken pipe, or something that does not pickle: do the work here
                self._alive = False
                self._process.terminate()
        return job

    def _receive(self, job: PdfJob) -> bool:
        """Read the next answer to `job` into it (False: the worker is gone)."""
        while self._alive:
            try:
                number, kind, payload = self._conn.recv()
            except (EOFError, OSError):
                self._alive = False
                break
            if number == job.number:  # answers to an abandoned earlier job are dropped
                job.answers[kind] = payload
                return True
        return False

    @property
    def alive(self) -> bool:
        """Whether the worker still answers (a dead one is replaced by work in this process)."""
        return self._alive and self._process.is_alive()

    def close(self, *, now: bool = False) -> None:
        """Stop the worker: an idle one exits at once; a busy one (now=True, e.g. after Ctrl-C) is terminated,
        and so is one that never had a job (it may still be importing WeasyPrint)."""
        if not now and self._jobs:
            with contextlib.suppress(OSError, ValueError):
                self._conn.send(None)
            self._process.join(timeout=1.0)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=1.0)
        self._conn.close()
        self._alive = False

    def __enter__(self) -> PdfWorker:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        self.close(now=kind is not None)


class PdfJob:
    """One story handed to a PdfWorker: its page map and PDF bytes, as they come back."""

    def __init__(self, worker: PdfWorker, number: int, story: Story, layout: Layout, options: Options) -> None:
        self.worker = worker
        self.number = number
        self.inputs = (story, layout, options)
        self.answers: dict[str, Any] = {}

    def _wait(self, kind: str) -> Any:
        while kind not in self.answers and "error" not in self.answers:
            if not self.worker._receive(self):
                return self._here(kind)  # the worker died: do the work in this process
        if "error" in self.answers:
            raise _restored(*self.answers["error"])
        return self.answers[kind]

    def _here(self, kind: str) -> Any:
        from storykit.formats import pdf

        story, layout, options = self.inputs
        self.answers[kind] = (pdf.page_map if kind == "pages" else pdf.render)(story, layout, options)
        return self.answers[kind]

    def page_map(self) -> dict[str, int]:
        """The 1-based PDF page each section and block starts on (as pdf.page_map gives it)."""
        pages: dict[str, int] = self._wait("pages")
        return pages

    def pdf(self) -> bytes:
        """The PDF bytes (as pdf.render gives them)."""
        data: bytes = self._wait("pdf")
        return data


_early: list[PdfWorker] = []


def start_early_worker() -> None:
    """Start the PDF worker now, for the build that follows to adopt (see storykit.launch)."""
    if parallel_enabled() and not _early:
        _early.append(PdfWorker())


def take_early_worker() -> PdfWorker | None:
    """The worker start_early_worker() started, handed over once (None: there is none)."""
    return _early.pop() if _early else None


def parallel_enabled() -> bool:
    """Whether builds use a second process: two cores or more, unless STORYKIT_JOBS=1."""
    if os.environ.get("STORYKIT_JOBS", "").strip() == "1":
        return False
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return cores > 1


def output_names(story: Story, rendered: dict[Format, bytes], options: Options) -> dict[str, bytes]:
    """File names for rendered outputs, named after the story's slug."""
    suffix = ".ascii" if options.ascii else ""
    return {
        f"{story.meta.slug}{suffix if fmt.name == 'txt' else ''}.{fmt.extension}": data
        for fmt, data in rendered.items()
    }


def _umask() -> int:
    """The process's umask (reading it means setting it, so set it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_output_folder(folder: Path) -> None:
    """Fail before any work when the output folder cannot be made (the writes check the rest)."""
    if folder.exists() and not folder.is_dir():
        raise OutputError(str(folder), "is a file, not a folder", "choose another -o")
    if not folder.exists() and folder.parent.exists() and not folder.parent.is_dir():
        raise OutputError(
            str(folder), f"cannot create the output folder: {folder.parent} is a file", "choose another -o"
        )
    if not folder.exists() and not folder.parent.exists():
        raise OutputError(str(folder), "its parent folder does not exist", "create it first or choose another -o")


def write_atomically(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file, or none: temporary files first, then renamed into place."""
    import tempfile

    try:
        folder.mkdir(parents=False, exist_ok=True)
    except FileNotFoundError:
        raise OutputError(
            str(folder), "its parent folder does not exist", "create it first or choose another -o"
        ) from None
    except OSError as exc:
        raise OutputError(
            str(folder), f"cannot create the output folder ({exc.strerror})", "choose another -o"
        ) from None
    temps: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            fd, part = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
            temps.append((Path(part), folder / name))
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600 files; outputs are for sharing
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        for tmp, final in temps:
            os.replace(tmp, final)
    except OSError as exc:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise OutputError(
            str(folder),
            f"cannot write the outputs ({exc.strerror})",
            "check the folder is writable and the disk has room; earlier outputs are untouched",
        ) from None
    except BaseException:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        raise
    return [final for _, final in temps]


def build(
    sources: Sequence[Path],
    out: Path,
    formats: Sequence[str],
    layout: Layout,
    options: Options,
    progress: Progress = _quiet,
    *,
    use_cache: bool = True,
    skip_bad: bool = False,
    warn: Progress = _quiet,
    max_bytes: int | None = None,
    parallel: bool | None = None,
    worker: PdfWorker | None = None,
) -> list[Built]:
    """Build the edition: merge the sources, render the formats, write them into `out`.

    parallel (default: two cores or more) starts a PdfWorker before the merge, so WeasyPrint's
    import and the PDF's layout overlap the rest of the build; a caller that builds repeatedly
    (watch) passes its own long-lived `worker` instead.
    """
    from storykit import cache
    from storykit.manifest import find_manifest, load_manifest
    from storykit.readers import find_sources

    for name in formats:
        get_format(name)  # fail on an unknown format before any work
    check_output_folder(out)
    manifest_path = find_manifest(list(sources))
    manifest = load_manifest(manifest_path)
    files = find_sources([p for p in sources if p != manifest_path])
    key = cache.build_key([*files, *([manifest_path] if manifest_path else [])], formats, layout, options)
    if use_cache and (ready := cache.up_to_date(out, key)):
        progress("up to date: sources, layout and options unchanged (use --no-cache to rebuild)")
        return [Built(p.suffix.lstrip("."), p, p.stat().st_size) for p in ready]
    with _worker_for(formats, parallel, worker) as pdf_worker:
        docs = read_and_clean(files, progress, manifest=manifest, skip_bad=skip_bad, warn=warn, max_bytes=max_bytes)
        if pdf_worker is not None:
            languages = [manifest.story.get("language"), *(doc.raw.meta.language for doc in docs)]
            pdf_worker.prepare(layout, languages)
        story = merge_documents(docs, manifest, progress)
        return publish(
            story,
            out,
            formats,
            layout,
            options,
            progress,
            cache_key=key,
            parallel=pdf_worker is not None,
            worker=pdf_worker,
        )


@contextlib.contextmanager
def _worker_for(formats: Sequence[str], parallel: bool | None, given: PdfWorker | None) -> Iterator[PdfWorker | None]:
    """The worker a build uses: the caller's, a new one closed afterwards, or none."""
    needed = bool({get_format(name).name for name in formats} & LAYOUT_FORMATS)
    if given is not None or not needed or not (parallel_enabled() if parallel is None else parallel):
        yield given if needed else None
        return
    with PdfWorker() as worker:
        yield worker


def publish(
    story: Story,
    out: Path,
    formats: Sequence[str],
    layout: Layout,
    options: Options,
    progress: Progress = _quiet,
    cache_key: str | None = None,
    *,
    parallel: bool | None = None,
    worker: PdfWorker | None = None,
) -> list[Built]:
    """Render a story in the given formats and write the files atomically."""
    from storykit import cache

    check_output_folder(out)
    with _worker_for(formats, parallel if worker is None else True, worker) as pdf_worker:
        rendered = render_all(story, formats, layout, options, progress, worker=pdf_worker)
    files = output_names(story, rendered, options)
    progress(f"writing {len(files)} file{'s' if len(files) != 1 else ''} to {out}")
    record = {cache.MANIFEST: cache.manifest_bytes(cache_key, files)} if cache_key else {}
    if not cache_key:
        # a render from an edited story.json invalidates any earlier build record
        with contextlib.suppress(OSError):
            (out / cache.MANIFEST).unlink()
    written = write_atomically(out, {**files, **record})
    return [
        Built(fmt.name, path, len(data))
        for (fmt, data), path in zip(rendered.items(), written[: len(rendered)], strict=True)
    ]


__all__ = [
    "Built",
    "PdfJob",
    "PdfWorker",
    "StorykitError",
    "build",
    "merge_documents",
    "merge_sources",
    "parallel_enabled",
    "publish",
    "read_and_clean",
    "render_all",
    "render_epub",
]
