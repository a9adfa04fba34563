"""Issue 10: faults while writing or rendering leave earlier outputs intact, with one clear line.

Every case runs `storykit` through click's runner and checks the exit code, the one-line message
(naming the file or folder), that no traceback is printed, that the previous edition is byte for
byte unchanged and that no temporary *.part file is left behind.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from storykit import pipeline
from storykit.cli import main
from storykit.layouts import builtin_root

BASE = ("A caretaker climbed onto a sixth-floor ledge in Paris on Friday and brought six people "
        "out of a burning flat, the fire brigade said.")
ARTICLE = f"Fire In Paris\n\n{BASE}\n\n\"They had to be saved,\" said Jean Dupont, the caretaker.\n"
CHANGED = ARTICLE + "\nThe mayor praised him on Saturday for his courage and gave him a medal.\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _one_line(result: Result) -> str:
    out = result.output
    assert "Traceback" not in out
    assert out.count("\n") == 1, out
    assert out.startswith("storykit: ")
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


@pytest.fixture
def edition(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A source, an output folder holding a first build of it (txt + json), and that build's bytes."""
    src = tmp_path / "article.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    out = tmp_path / "out"
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-f", "json", "-q")
    assert result.exit_code == 0, result.output
    before = _snapshot(out)
    assert len([n for n in before if not n.startswith(".")]) == 2
    src.write_text(CHANGED, encoding="utf-8")  # a rebuild would now change every output
    return src, out, before


def _intact(out: Path, before: dict[str, bytes]) -> None:
    after = _snapshot(out)
    assert after == before
    assert not [p for p in out.iterdir() if p.name.endswith(".part")]


# ---------- Output folder ----------

def test_output_under_a_regular_file(tmp_path: Path) -> None:
    src = tmp_path / "article.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    blocker = tmp_path / "somefile"
    blocker.write_text("not a folder")
    result = run("build", str(src), "-o", str(blocker / "out"), "-f", "txt", "-q")
    assert result.exit_code == 6
    line = _one_line(result)
    assert str(blocker / "out") in line and "cannot create the output folder" in line
    assert blocker.read_text() == "not a folder"


def test_output_parent_missing(tmp_path: Path) -> None:
    src = tmp_path / "article.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    target = tmp_path / "missing" / "out"
    result = run("build", str(src), "-o", str(target), "-f", "txt", "-q")
    assert result.exit_code == 6
    line = _one_line(result)
    assert str(target) in line and "parent folder does not exist" in line
    assert not (tmp_path / "missing").exists()


def test_merge_output_under_a_regular_file(tmp_path: Path) -> None:
    src = tmp_path / "article.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    blocker = tmp_path / "somefile"
    blocker.write_text("x")
    result = run("merge", str(src), "-o", str(blocker / "story.json"), "-q")
    assert result.exit_code == 6
    assert str(blocker) in _one_line(result)


def test_read_only_output_folder(edition: tuple[Path, Path, dict[str, bytes]],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Root ignores permission bits, so the refusal is simulated where the first file is created."""
    src, out, before = edition

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    import tempfile

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-f", "json", "-q", "--no-cache")
    assert result.exit_code == 6
    line = _one_line(result)
    assert str(out) in line and "Permission denied" in line and "writable" in line
    _intact(out, before)


class _Faulty:
    """A file handle whose write fails for the n-th file opened (1-based)."""

    def __init__(self, handle: Any, error: BaseException | None) -> None:
        self.handle, self.error = handle, error

    def __enter__(self) -> _Faulty:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def write(self, data: bytes) -> int:
        if self.error is not None:
            self.handle.write(data[: len(data) // 2])  # half the bytes reach the disk
            raise self.error
        return int(self.handle.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


def _fail_write(monkeypatch: pytest.MonkeyPatch, nth: int, error: BaseException) -> None:
    real = os.fdopen
    opened = [0]

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        opened[0] += 1
        return _Faulty(real(fd, *args, **kwargs), error if opened[0] == nth else None)

    monkeypatch.setattr(pipeline.os, "fdopen", fdopen)


@pytest.mark.parametrize("nth", [1, 2])
def test_disk_full(edition: tuple[Path, Path, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch,
                   nth: int) -> None:
    src, out, before = edition
    _fail_write(monkeypatch, nth, OSError(errno.ENOSPC, "No space left on device"))
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-f", "json", "-q", "--no-cache")
    assert result.exit_code == 6
    line = _one_line(result)
    assert str(out) in line and "No space left on device" in line and "earlier outputs are untouched" in line
    _intact(out, before)


def test_disk_full_on_merge_keeps_the_old_story_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "article.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    target = tmp_path / "story.json"
    target.write_bytes(b'{"old": true}\n')
    _fail_write(monkeypatch, 1, OSError(errno.ENOSPC, "No space left on device"))
    result = run("merge", str(src), "-o", str(target), "-q")
    assert result.exit_code == 6
    assert str(tmp_path) in _one_line(result)
    assert target.read_bytes() == b'{"old": true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["article.txt", "story.json"]


def test_rename_failing_half_way(edition: tuple[Path, Path, dict[str, bytes]],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """If renaming fails after a first file was replaced, each file is still whole: old or new."""
    src, out, before = edition
    real = os.replace
    calls = [0]

    def replace(a: Any, b: Any) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise OSError(errno.EIO, "Input/output error")
        real(a, b)

    monkeypatch.setattr(pipeline.os, "replace", replace)
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-f", "json", "-q", "--no-cache")
    assert result.exit_code == 6
    assert str(out) in _one_line(result)
    after = _snapshot(out)
    assert set(after) == set(before)
    assert not [n for n in after if n.endswith(".part")]
    changed = [n for n in after if after[n] != before[n]]
    assert len(changed) <= 1
    for name in changed:
        assert name.endswith(".txt") and b"medal" in after[name]


# ---------- Interrupts ----------

def _interrupt(*args: Any, **kwargs: Any) -> Any:
    raise KeyboardInterrupt


@pytest.mark.parametrize(("fmt", "module"), [("txt", "storykit.formats.txt"), ("json", "storykit.formats.json")])
def test_interrupt_while_rendering(edition: tuple[Path, Path, dict[str, bytes]],
                                   monkeypatch: pytest.MonkeyPatch, fmt: str, module: str) -> None:
    src, out, before = edition
    monkeypatch.setattr(f"{module}.render", _interrupt)
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-f", "json", "-f", fmt, "-q", "--no-cache")
    assert result.exit_code == 130
    line = _one_line(result)
    assert "interrupted" in line and "untouched" in line
    _intact(out, before)


@pytest.mark.parametrize("fmt", ["pdf", "epub"])
def test_ctrl_c_while_the_pdf_is_laid_out(edition: tuple[Path, Path, dict[str, bytes]],
                                          monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    """A real SIGINT to the storykit process while WeasyPrint works (in this process or a PDF worker)."""
    src, out, before = edition
    main_pid = os.getpid()

    def ctrl_c(*args: Any, **kwargs: Any) -> Any:
        os.kill(main_pid, signal.SIGINT)
        time.sleep(0.5 if os.getpid() == main_pid else 20)  # a worker waits to be stopped
        raise AssertionError("the interrupt did not stop the build")

    monkeypatch.setattr("storykit.formats.pdf.render", ctrl_c)
    monkeypatch.setattr("storykit.formats.pdf.page_map", ctrl_c)
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-f", fmt, "-q", "--no-cache")
    assert result.exit_code == 130, result.output
    line = _one_line(result)
    assert "interrupted" in line and "untouched" in line
    _intact(out, before)


def test_interrupt_while_writing(edition: tuple[Path, Path, dict[str, bytes]],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    src, out, before = edition
    _fail_write(monkeypatch, 2, KeyboardInterrupt())
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-f", "json", "-q", "--no-cache")
    assert result.exit_code == 130
    assert "interrupted" in _one_line(result)
    _intact(out, before)


def test_interrupt_while_reading(edition: tuple[Path, Path, dict[str, bytes]],
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    src, out, before = edition
    monkeypatch.setattr("storykit.readers.read_source", _interrupt)
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-q", "--no-cache")
    assert result.exit_code == 130
    _one_line(result)
    _intact(out, before)


def test_unexpected_error_is_one_line_and_keeps_outputs(edition: tuple[Path, Path, dict[str, bytes]],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    src, out, before = edition
    monkeypatch.delenv("STORYKIT_DEBUG", raising=False)

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("boom")

    monkeypatch.setattr("storykit.formats.txt.render", boom)
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-q", "--no-cache")
    assert result.exit_code == 70
    assert "internal error" in _one_line(result)
    _intact(out, before)


def test_a_failed_build_is_not_reported_up_to_date(edition: tuple[Path, Path, dict[str, bytes]],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    src, out, _ = edition
    with monkeypatch.context() as patch:
        patch.setattr("storykit.formats.txt.render", _interrupt)
        assert run("build", str(src), "-o", str(out), "-f", "txt", "-f", "json", "-q").exit_code == 130
    result = run("build", str(src), "-o", str(out), "-f", "txt", "-f", "json", "-q")
    assert result.exit_code == 0, result.output
    assert b"medal" in next(p for p in out.iterdir() if p.suffix == ".txt").read_bytes()


# ---------- Layouts with template errors ----------

def _layout(tmp_path: Path, relative: str, edit: Callable[[str], str], copy_all: bool = False) -> Path:
    """A layout folder overriding one default file with an edited copy (or a full copy of default)."""
    folder = tmp_path / "broken"
    default = builtin_root() / "default"
    if copy_all:
        shutil.copytree(default, folder, ignore=shutil.ignore_patterns("fonts"))
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(edit((default / relative).read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def _break_after(text: str, needle: str, insert: str) -> tuple[str, int]:
    """The text with `insert` on a new line after the first line holding `needle`, and its line number."""
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if needle in line)
    lines.insert(index + 1, insert)
    return "\n".join(lines), index + 2


def _template_case(tmp_path: Path, relative: str, needle: str, insert: str, fmt: str,
                   copy_all: bool = False) -> tuple[Result, int]:
    src = tmp_path / "article.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    line_no = [0]

    def edit(text: str) -> str:
        broken, line_no[0] = _break_after(text, needle, insert)
        return broken

    layout = _layout(tmp_path, relative, edit, copy_all)
    out = tmp_path / "out"
    result = run("build", str(src), "-o", str(out), "-f", fmt, "-q", "--no-cache", "--layout", str(layout))
    if result.exit_code != 0:
        assert not out.exists() or not list(out.iterdir())
    return result, line_no[0]


@pytest.mark.parametrize(("relative", "needle"), [("epub/story.xhtml", "<h1 id"), ("epub/macros.xhtml", "macro block"),
                                                  ("epub/base.xhtml", "<html")])
@pytest.mark.parametrize("insert", ["{% if story.meta.title %}", "{{ story.meta.title | nosuchfilter }}",
                                    "{{ no_such_variable.attribute }}"])
def test_epub_template_error_names_template_line_and_fix(tmp_path: Path, relative: str, needle: str,
                                                         insert: str) -> None:
    result, line_no = _template_case(tmp_path, relative, needle, insert, "epub", copy_all=True)
    assert result.exit_code == 4, result.output
    line = _one_line(result)
    assert f"{relative}: " in line, line
    reported = re.search(r"\bline (\d+)\b", line)
    assert reported, line
    if insert.startswith("{% if"):
        # an unclosed block is noticed where the template goes on without it
        assert int(reported.group(1)) >= line_no, (line, line_no)
    else:
        assert int(reported.group(1)) == line_no, (line, line_no)
    assert re.search(r"\(fix [^)]*\)\s*$", line), line


@pytest.mark.parametrize("insert", ["{% if story.meta.title %}", "{{ no_such_variable.attribute }}"])
def test_pdf_template_error_names_template_line_and_fix(tmp_path: Path, insert: str) -> None:
    result, line_no = _template_case(tmp_path, "pdf/story.html.jinja", "<article", insert, "pdf")
    assert result.exit_code == 4, result.output
    line = _one_line(result)
    assert "story.html.jinja" in line
    reported = re.search(r"\bline (\d+)\b", line)
    assert reported, line
    if insert.startswith("{% if"):
        # an unclosed block is noticed where the template goes on without it
        assert int(reported.group(1)) >= line_no, (line, line_no)
    else:
        assert int(reported.group(1)) == line_no, (line, line_no)


@pytest.mark.parametrize("insert", ["{% if story.meta.title %}", "{{ no_such_variable.attribute }}"])
def test_pdf_template_error_is_a_layout_error(tmp_path: Path, insert: str) -> None:
    result, _ = _template_case(tmp_path, "pdf/story.html.jinja", "<article", insert, "pdf")
    assert result.exit_code == 4, result.output
    line = _one_line(result)
    assert "story.html.jinja" in line and "template error" in line and "(fix the template" in line


def test_broken_epub_strings_do_not_stop_the_text_version(tmp_path: Path) -> None:
    result, _ = _template_case(tmp_path, "epub/strings/en.json", "{", '"broken": ', "txt")
    assert result.exit_code == 0, result.output


def test_broken_epub_strings_file_names_it(tmp_path: Path) -> None:
    result, _ = _template_case(tmp_path, "epub/strings/en.json", "{", '"broken": ', "epub")
    assert result.exit_code == 4, result.output
    line = _one_line(result)
    assert "epub/strings/en.json" in line and "not valid JSON" in line and re.search(r"line \d+", line)



def test_broken_strings_file_names_it(tmp_path: Path) -> None:
    result, _ = _template_case(tmp_path, "strings/en.json", "{", '"broken": ', "txt")
    assert result.exit_code == 4, result.output
    assert "strings/en.json" in _one_line(result)


def test_unknown_layout(tmp_path: Path) -> None:
    src = tmp_path / "article.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    result = run("build", str(src), "-o", str(tmp_path / "out"), "-q", "--layout", str(tmp_path / "nope"))
    assert result.exit_code == 4
    assert "nope" in _one_line(result)
