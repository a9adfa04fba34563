"""The `storykit` command's entry point: starts the PDF worker before the command line loads.

WeasyPrint's import is the longest step of a cold build, so the worker that imports it starts
here, about 0.1 s before click and the commands are loaded, when the arguments ask for a build
that needs a layout. The build adopts it; if the arguments turn out otherwise (a usage error, an
up-to-date build), it is closed unused.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

LAYOUT_FORMATS = frozenset({"pdf", "epub"})  # the formats that need WeasyPrint's layout (and the worker)


def wants_worker(args: Sequence[str]) -> bool:
    """Whether these arguments ask for a build of a format that needs WeasyPrint's layout."""
    if not args or args[0] != "build" or any(a in {"-h", "--help", "--version"} for a in args):
        return False
    formats: list[str] = []
    for index, arg in enumerate(args):
        if arg in {"-f", "--format"} and index + 1 < len(args):
            formats.append(args[index + 1])
        elif arg.startswith("--format="):
            formats.append(arg.split("=", 1)[1])
        elif arg.startswith("-f") and len(arg) > 2 and not arg.startswith("--"):
            formats.append(arg[2:])
    return not formats or any(f.lower() in LAYOUT_FORMATS for f in formats)


def main() -> None:
    """Run the storykit command."""
    import gc

    # A command runs once and exits; what it allocates is freed by reference counting, and the
    # collector's passes over the imported modules and the merge's objects were 0.04-0.07 s of a
    # build (-11 % of the main process on the sample; same peak memory on 40 articles and on
    # 30,000 words). `watch` collects between its rebuilds.
    gc.disable()
    from storykit.libcache import install_regex_programs

    install_regex_programs()  # before any module compiles its patterns
    if wants_worker(sys.argv[1:]):
        from storykit.pipeline import start_early_worker

        start_early_worker()
    from storykit.cli import main as cli

    try:
        cli()
    except SystemExit as done:
        exit_now(done.code)


def exit_now(code: object) -> None:
    """End the process as sys.exit(code) would, without tearing the interpreter down.

    Everything a command writes is written and closed by then; what is left is freeing every
    object and module one by one, 0.08-0.13 s after a build of the sample. The exit handlers
    still run (the PDF worker's shutdown, temporary folders, the regex cache), and the standard
    streams are flushed.
    """
    import atexit
    import contextlib
    import os

    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message"): printed, status 1
        print(code, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (storykit --help | head)
            stream.flush()
    os._exit(status)
