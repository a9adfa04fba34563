"""Command line: build, watch, merge, inspect, render, check, formats, schema."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click

from storykit import __version__
from storykit.errors import StorykitError, UsageError
from storykit.formats import FORMATS, Options
from storykit.layouts import load_layout

DEFAULT_SOURCES = Path("seeds")
DEFAULT_OUT = Path("output")
FORMAT_CHOICE = click.Choice(list(FORMATS), case_sensitive=False)


def _fail(error: StorykitError) -> NoReturn:
    click.echo(f"storykit: {error.line()}", err=True)
    sys.exit(error.exit_code)


@contextmanager
def _reported() -> Iterator[None]:
    """Turn storykit errors, interrupts and surprises into one line and an exit code."""
    try:
        yield
    except StorykitError as error:
        _fail(error)
    except KeyboardInterrupt:
        click.echo("storykit: interrupted; earlier outputs are untouched", err=True)
        sys.exit(130)
    except (click.exceptions.Exit, click.ClickException, SystemExit):
        raise
    except Exception as exc:
        if os.environ.get("STORYKIT_DEBUG"):
            raise
        click.echo(
            f"storykit: internal error: {type(exc).__name__}: {exc} "
            "(nothing was written; rerun with STORYKIT_DEBUG=1 to see the traceback, and please report it)",
            err=True,
        )
        sys.exit(70)


class _Progress:
    """One line per stage on a terminal, with the time since the start."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            click.echo(f"[{time.perf_counter() - self.start:5.2f}s] {message}", err=True)


def _progress(quiet: bool) -> _Progress:
    return _Progress(not quiet and sys.stderr.isatty())


def _options(paper: str, print_marks: bool, width: int | None, ascii_only: bool) -> Options:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and not epoch.strip().isdigit():
        raise UsageError(
            "SOURCE_DATE_EPOCH", f"is '{epoch}', not a whole number of seconds", "unset it or set it to e.g. 1751587200"
        )
    if width is not None and width < 20:
        raise UsageError(
            "--width", f"{width} is too narrow", "use 20 columns or more, or leave it out for one paragraph per line"
        )
    return Options(
        paper="letter" if paper == "letter" else "a4",
        print_marks=print_marks,
        width=width,
        ascii=ascii_only,
        source_date_epoch=int(epoch) if epoch else None,
    )


def _render_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for decorator in reversed(
        (
            click.option(
                "--layout",
                "layout_name",
                metavar="NAME|DIR",
                help="Layout name or folder; files missing there come from 'default'.",
            ),
            click.option(
                "--paper", type=click.Choice(["a4", "letter"]), default="a4", show_default=True, help="PDF paper size."
            ),
            click.option("--print-marks", is_flag=True, help="PDF with 3 mm bleed and crop marks for a print shop."),
            click.option(
                "--width",
                type=int,
                metavar="N",
                help="Wrap the text version at N columns (default: one paragraph per line).",
            ),
            click.option(
                "--ascii", "ascii_only", is_flag=True, help="Write an ASCII-only text version (<slug>.ascii.txt)."
            ),
            click.option("-q", "--quiet", is_flag=True, help="No progress lines."),
        )
    ):
        func = decorator(func)
    return func


def _source_options(func: Callable[..., Any]) -> Callable[..., Any]:
    for decorator in reversed(
        (
            click.option(
                "--skip-bad", is_flag=True, help="Skip unreadable sources with a warning instead of stopping."
            ),
            click.option(
                "--max-size",
                type=click.IntRange(min=1),
                metavar="MB",
                help="Refuse sources larger than this (default: 20 MB).",
            ),
        )
    ):
        func = decorator(func)
    return func


def _warn(message: str) -> None:
    click.echo(f"storykit: {message}", err=True)


def _max_bytes(max_size: int | None) -> int | None:
    return None if max_size is None else max_size * 1024 * 1024


def _layout_for(layout_name: str | None, sources: list[Path]) -> Any:
    """The layout from --layout, else from the manifest beside the sources, else 'default'."""
    if layout_name is None:
        from storykit.manifest import find_manifest, load_manifest

        layout_name = load_manifest(find_manifest(sources)).layout
    return load_layout(layout_name)


def _report(built: list[Any], quiet: bool) -> None:
    if quiet:
        return
    for item in built:
        click.echo(f"wrote {item.path} ({item.size:,} bytes)")


def _early_worker(formats: list[str]) -> Any:
    """The PDF worker, started before anything else when the build needs WeasyPrint: its import is
    the longest step of a cold build, so every millisecond it starts earlier is one saved. A build
    that turns out to be up to date terminates it unused."""
    from contextlib import nullcontext

    from storykit.launch import LAYOUT_FORMATS
    from storykit.pipeline import PdfWorker, parallel_enabled, take_early_worker

    early = take_early_worker()  # started by storykit.launch before click loaded
    if {name.lower() for name in formats} & LAYOUT_FORMATS and parallel_enabled():
        return early or PdfWorker()
    if early is not None:
        early.close(now=True)
    return nullcontext(None)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, package_name="storykit")
def main() -> None:
    """Merge several articles about one event into one canonical story, and publish it
    as a print PDF, an EPUB 3 and an accessible plain-text file.

    \b
    Examples:
      storykit build                      # seeds/ -> output/, every format
      storykit build articles/ -o out/ -f pdf -f txt
      storykit watch articles/ -o out/    # rebuild on every change
      storykit merge articles/*.html -o story.json
      storykit render story.json -f epub -o out/
      storykit check out/
    """


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o", "--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True, help="Output folder."
)
@click.option(
    "-f", "--format", "formats", type=FORMAT_CHOICE, multiple=True, help="Format to build (repeatable; default: all)."
)
@click.option("--check", "then_check", is_flag=True, help="Check the edition after building; fail if a check fails.")
@click.option("--strict", is_flag=True, help="With --check: treat warnings as failures.")
@click.option("--no-cache", is_flag=True, help="Rebuild even when sources, layout and options are unchanged.")
@_source_options
@_render_options
def build(
    sources: tuple[Path, ...],
    out: Path,
    formats: tuple[str, ...],
    then_check: bool,
    strict: bool,
    no_cache: bool,
    skip_bad: bool,
    max_size: int | None,
    layout_name: str | None,
    paper: str,
    print_marks: bool,
    width: int | None,
    ascii_only: bool,
    quiet: bool,
) -> None:
    """Read SOURCES (files or folders; default: seeds/), merge them, write every format to OUT.

    \b
    Outputs are named after the story: OUT/<slug>.pdf, .epub, .txt and .json.
    Examples:
      storykit build
      storykit build wire.txt local.html blog.md -o edition/
      storykit build seeds/ -f txt --width 72
      storykit build seeds/ --check --strict

    \b
    Environment: SOURCE_DATE_EPOCH fixes embedded dates; STORYKIT_JOBS=1 keeps
    the PDF layout in this process; STORYKIT_CACHE_DIR moves the cache of what
    libraries parse (templates, hyphenation patterns, regular expressions, C
    declarations, stylesheets; empty: off; default ~/.cache/storykit).
    """
    from storykit.pipeline import build as run_build

    with _reported():
        chosen = list(formats) or list(FORMATS)
        with _early_worker(chosen) as worker:
            options = _options(paper, print_marks, width, ascii_only)
            paths = list(sources) or [DEFAULT_SOURCES]
            layout = _layout_for(layout_name, paths)
            built = run_build(
                paths,
                out,
                chosen,
                layout,
                options,
                _progress(quiet),
                use_cache=not no_cache,
                skip_bad=skip_bad,
                warn=_warn,
                max_bytes=_max_bytes(max_size),
                worker=worker,
            )
        _report(built, quiet)
        if then_check:
            _run_checks(out, strict, False, True)


@main.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "-o", "--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True, help="Output folder."
)
@click.option(
    "-f", "--format", "formats", type=FORMAT_CHOICE, multiple=True, help="Format to build (repeatable; default: all)."
)
@_source_options
@_render_options
def watch(
    sources: tuple[Path, ...],
    out: Path,
    formats: tuple[str, ...],
    skip_bad: bool,
    max_size: int | None,
    layout_name: str | None,
    paper: str,
    print_marks: bool,
    width: int | None,
    ascii_only: bool,
    quiet: bool,
) -> None:
    """Build SOURCES into OUT (as 'build' does), then again whenever a source, the manifest
    (story.toml) or a layout file changes, with the libraries kept loaded. Ctrl-C stops.

    \b
    One line per build, with its time. A failed build is reported and the watch goes on.
    Example:
      storykit watch seeds/ -o output/
      storykit watch articles/ -f pdf --layout my-layout/
    """
    from storykit.watch import Watcher

    with _reported():
        options = _options(paper, print_marks, width, ascii_only)
        watcher = Watcher(
            list(sources) or [DEFAULT_SOURCES], out, list(formats) or list(FORMATS), layout_name, options,
            skip_bad=skip_bad, max_bytes=_max_bytes(max_size), warn=_warn,
        )
        if not quiet:
            click.echo(f"watching {', '.join(str(p) for p in watcher.sources)} (Ctrl-C to stop)", err=True)
        try:
            watcher.run(lambda line: click.echo(line), freeze=True)
        except KeyboardInterrupt:
            click.echo("storykit: stopped watching; the last outputs are in place", err=True)
            sys.exit(0)


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    type=click.Path(path_type=Path),
    default=Path("story.json"),
    show_default=True,
    help="Where to write the story model.",
)
@click.option("-q", "--quiet", is_flag=True, help="No summary or progress lines.")
@_source_options
def merge(sources: tuple[Path, ...], out: Path, quiet: bool, skip_bad: bool, max_size: int | None) -> None:
    """Merge SOURCES into one story model (JSON) that you can read, correct and render.

    \b
    A story.toml beside the sources (see README) can add metadata and override the
    headline, dek, speakers, dropped blocks and which account of a conflict leads.
    Example:
      storykit merge seeds/ -o story.json
      storykit render story.json -f pdf
    """
    from storykit.codec import dumps
    from storykit.pipeline import merge_sources, write_atomically

    with _reported():
        story = merge_sources(
            list(sources), _progress(quiet), skip_bad=skip_bad, warn=_warn, max_bytes=_max_bytes(max_size)
        )
        target = out if out.suffix else out / "story.json"
        write_atomically(target.parent, {target.name: dumps(story)})
        if not quiet:
            blocks = story.blocks()
            shared = sum(1 for b in blocks if len(b.sources) > 1)
            click.echo(
                f"{len(story.sources)} sources, {len(story.dropped)} lines dropped or changed in cleaning; "
                f"{len(blocks)} blocks ({shared} carried by several sources, {len(blocks) - shared} by one); "
                f"{len(story.quotes)} quotes, {len(story.people)} people, {len(story.facts)} facts, "
                f"{len(story.conflicts)} conflicts"
            )
            click.echo(f"wrote {target}")


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON for other tools.")
@_source_options
def inspect(sources: tuple[Path, ...], as_json: bool, skip_bad: bool, max_size: int | None) -> None:
    """Show what was read from each source and every line dropped or changed, with the reason.

    \b
    Example:
      storykit inspect seeds/
      storykit inspect page.html --json
    """
    from storykit.manifest import find_manifest, load_manifest
    from storykit.pipeline import read_and_clean

    with _reported():
        paths = list(sources)
        manifest = load_manifest(find_manifest(paths))
        docs = read_and_clean(paths, manifest=manifest, skip_bad=skip_bad, warn=_warn, max_bytes=_max_bytes(max_size))
        if as_json:
            import json

            click.echo(json.dumps([_inspection(doc) for doc in docs], ensure_ascii=False, indent=2))
            return
        for doc in docs:
            meta = doc.raw.meta
            words = sum(len(p.text.split()) for p in doc.parts)
            facts = "".join(f", {v}" for v in (meta.outlet, meta.published, meta.language) if v)
            click.echo(f"{doc.id} {doc.raw.path} ({doc.raw.kind}, {words} words{facts})")
            if meta.title:
                click.echo(f"   title: {meta.title}")
            kinds = sorted({p.kind for p in doc.parts})
            click.echo("   kept: " + ", ".join(f"{sum(1 for p in doc.parts if p.kind == k)} {k}" for k in kinds))
            for drop in doc.dropped:
                click.echo(f"   line {drop.line:>3}: {drop.reason}: {drop.text[:70]}")


def _inspection(doc: Any) -> dict[str, Any]:
    """What `inspect --json` reports of one cleaned source."""
    import dataclasses

    return {
        "id": doc.id,
        "file": doc.raw.path,
        "kind": doc.raw.kind,
        **dataclasses.asdict(doc.raw.meta),
        "words": sum(len(p.text.split()) for p in doc.parts),
        "parts": [dataclasses.asdict(p) for p in doc.parts],
        "dropped": [dataclasses.asdict(d) for d in doc.dropped],
    }


@main.command()
@click.argument("story_file", type=click.Path(path_type=Path))
@click.option(
    "-o", "--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True, help="Output folder."
)
@click.option(
    "-f", "--format", "formats", type=FORMAT_CHOICE, multiple=True, help="Format to render (repeatable; default: all)."
)
@_render_options
def render(
    story_file: Path,
    out: Path,
    formats: tuple[str, ...],
    layout_name: str | None,
    paper: str,
    print_marks: bool,
    width: int | None,
    ascii_only: bool,
    quiet: bool,
) -> None:
    """Render a story model (STORY_FILE, e.g. an edited story.json) without merging again.

    \b
    Example:
      storykit render story.json -f pdf -f epub -o output/
    """
    from storykit.codec import loads
    from storykit.errors import StoryFileError
    from storykit.pipeline import publish

    with _reported():
        try:
            raw = story_file.read_bytes()
        except FileNotFoundError:
            raise StoryFileError(
                str(story_file), "does not exist", "make one with 'storykit merge SOURCES -o story.json'"
            ) from None
        except IsADirectoryError:
            raise StoryFileError(
                str(story_file), "is a folder, not a story file", "give the path of a story.json"
            ) from None
        except OSError as exc:
            raise StoryFileError(str(story_file), f"cannot be read ({exc.strerror})", "check its permissions") from None
        story = loads(raw, str(story_file))
        options = _options(paper, print_marks, width, ascii_only)
        built = publish(story, out, list(formats) or list(FORMATS), load_layout(layout_name), options, _progress(quiet))
        _report(built, quiet)


def _run_checks(folder: Path, strict: bool, as_json: bool, external: bool) -> None:
    """Check a built edition, print one line per finding and a summary; fail on errors."""
    from storykit.checks import check_folder
    from storykit.errors import CheckFailed

    findings = check_folder(folder, external=external)
    errors = [f for f in findings if f.level == "error" or strict]
    if as_json:
        import json

        click.echo(json.dumps([vars(f) for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(finding.line())
        warnings = len(findings) - sum(1 for f in findings if f.level == "error")
        click.echo(f"checked {folder}: {len(findings) - warnings} errors, {warnings} warnings", err=True)
    if errors:
        raise CheckFailed(
            str(folder),
            f"{len(errors)} check{'s' if len(errors) != 1 else ''} failed",
            "fix the findings above and rebuild",
        )


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), default=DEFAULT_OUT)
@click.option("--strict", is_flag=True, help="Treat warnings as failures.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON for other tools.")
@click.option("--no-external", is_flag=True, help="Skip EPUBCheck and Ace (no Java or Chromium needed).")
def check(folder: Path, strict: bool, as_json: bool, no_external: bool) -> None:
    """Check a built edition (default: output/): EPUBCheck and Ace for the EPUB, PDF/UA-1 for
    the PDF, the plain-text rules, the JSON schema, and parity between the formats.

    \b
    Examples:
      storykit check
      storykit check edition/ --strict --json > findings.json
    """
    with _reported():
        _run_checks(folder, strict, as_json, not no_external)


@main.command()
def formats() -> None:
    """List the output formats.

    \b
    Example:
      storykit formats
    """
    for fmt in FORMATS.values():
        click.echo(f"{fmt.name:5} .{fmt.extension:5} {fmt.summary}")


@main.command()
def schema() -> None:
    """Print the JSON Schema of story.json.

    \b
    Example:
      storykit schema > story.schema.json
    """
    from storykit.codec import schema_json

    click.echo(schema_json().decode("utf-8"), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
