"""Speed work that must not change what is built: the PDF worker, lazy imports. No timed assertions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from storykit import pipeline
from storykit.errors import LayoutError
from storykit.formats import FORMATS, Options
from storykit.layouts import load_layout
from storykit.model import Story
from storykit.pipeline import PdfWorker, build, publish, render_all
from tests.conftest import ROOT, SEEDS


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def editions(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The sample built with the PDF worker and without it."""
    beside = tmp_path_factory.mktemp("parallel")
    alone = tmp_path_factory.mktemp("sequential")
    options = Options(source_date_epoch=1751587200)
    build([SEEDS], beside, list(FORMATS), load_layout(), options, use_cache=False, parallel=True)
    build([SEEDS], alone, list(FORMATS), load_layout(), options, use_cache=False, parallel=False)
    return _files(beside), _files(alone)


def test_parallel_build_is_byte_identical_to_a_sequential_one(
    editions: tuple[dict[str, bytes], dict[str, bytes]],
) -> None:
    beside, alone = editions
    assert sorted(beside) == sorted(alone)
    assert sorted(Path(n).suffix for n in beside if not n.startswith(".")) == [".epub", ".json", ".pdf", ".txt"]
    for name in beside:
        assert beside[name] == alone[name], name


def test_formats_in_another_order_give_the_same_bytes(tmp_path: Path, story: Story) -> None:
    layout, options = load_layout(), Options()
    with PdfWorker() as worker:
        beside = render_all(story, ["epub", "txt", "pdf"], layout, options, worker=worker)
    alone = render_all(story, ["epub", "txt", "pdf"], layout, options)
    assert [f.name for f in beside] == ["epub", "txt", "pdf"]
    assert {f.name: d for f, d in beside.items()} == {f.name: d for f, d in alone.items()}


def test_one_worker_serves_several_stories(story: Story) -> None:
    import dataclasses

    layout, options = load_layout(), Options()
    other = dataclasses.replace(story, meta=dataclasses.replace(story.meta, title="Another headline"))
    with PdfWorker() as worker:
        first = render_all(story, ["pdf", "epub"], layout, options, worker=worker)
        second = render_all(other, ["pdf", "epub"], layout, options, worker=worker)
    assert {f.name: d for f, d in first.items()} == {f.name: d for f, d in render_all(story, ["pdf", "epub"],
                                                                                      layout, options).items()}
    assert {f.name: d for f, d in second.items()} != {f.name: d for f, d in first.items()}


def test_a_dead_worker_falls_back_to_this_process(story: Story) -> None:
    layout, options = load_layout(), Options()
    worker = PdfWorker()
    try:
        worker._process.kill()
        worker._process.join(timeout=10)
        assert not worker.alive
        beside = render_all(story, ["pdf", "epub"], layout, options, worker=worker)
    finally:
        worker.close()
    alone = render_all(story, ["pdf", "epub"], layout, options)
    assert {f.name: d for f, d in beside.items()} == {f.name: d for f, d in alone.items()}


def _broken_layout(tmp_path: Path) -> Path:
    folder = tmp_path / "broken"
    (folder / "pdf").mkdir(parents=True)
    (folder / "pdf" / "story.html.jinja").write_text("<html>{{ story.meta.title | no_such_filter }}</html>\n")
    return folder


@pytest.mark.parametrize("formats", [["pdf"], ["epub"], ["pdf", "epub", "txt"]])
def test_worker_errors_arrive_as_the_same_storykit_error(tmp_path: Path, story: Story, formats: list[str]) -> None:
    layout = load_layout(str(_broken_layout(tmp_path)))
    with pytest.raises(LayoutError) as alone:
        publish(story, tmp_path / "a", formats, layout, Options(), parallel=False)
    with pytest.raises(LayoutError) as beside:
        publish(story, tmp_path / "b", formats, layout, Options(), parallel=True)
    assert beside.value.line() == alone.value.line()
    assert beside.value.exit_code == alone.value.exit_code


def test_text_and_json_builds_start_no_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise AssertionError("a worker was started for formats that need no layout")

    monkeypatch.setattr(pipeline, "PdfWorker", refuse)
    built = build([SEEDS], tmp_path, ["txt", "json"], load_layout(), Options(), use_cache=False, parallel=True)
    assert sorted(b.format for b in built) == ["json", "txt"]


def test_storykit_jobs_1_turns_the_worker_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORYKIT_JOBS", "1")
    assert not pipeline.parallel_enabled()


def test_worker_exits_when_its_parent_dies() -> None:
    """A killed build leaves no WeasyPrint process behind (the worker sees the pipe close)."""
    script = (
        "import os, sys\n"
        "from storykit.pipeline import PdfWorker\n"
        "w = PdfWorker()\n"
        "print(w._process.pid, flush=True)\n"
        "os._exit(0)\n"  # no clean-up at all, as after SIGKILL
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    pid = int(out.stdout.strip())
    for _ in range(200):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        import time

        time.sleep(0.05)
    os.kill(pid, 9)
    pytest.fail("the worker outlived its parent")


def test_text_sources_never_import_trafilatura(tmp_path: Path) -> None:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from storykit.pipeline import merge_sources\n"
        f"merge_sources([Path({str(src)!r})])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'trafilatura', 'weasyprint', 'ebooklib'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_full_build_keeps_weasyprint_out_of_the_main_process(tmp_path: Path) -> None:
    """With the worker, the parent never imports WeasyPrint: its memory stays small."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from storykit.formats import FORMATS, Options\n"
        "from storykit.layouts import load_layout\n"
        "from storykit.pipeline import build\n"
        f"build([Path({str(SEEDS)!r})], Path({str(tmp_path)!r}), list(FORMATS), load_layout(), Options(),"
        " parallel=True)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'weasyprint'))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    assert sorted(p.suffix for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        ".epub", ".json", ".pdf", ".txt"]


@pytest.mark.skipif(not pipeline._can_fork(), reason="the patch reaches the worker only through fork")
def test_an_unexpected_worker_error_keeps_its_message_and_traceback(
    story: Story, monkeypatch: pytest.MonkeyPatch
) -> None:
    from storykit.formats import pdf

    def broken(*_: object, **__: object) -> bytes:
        raise ValueError("a bug in the PDF adapter")

    monkeypatch.setattr(pdf, "render", broken)
    with PdfWorker() as worker, pytest.raises(RuntimeError) as info:
        render_all(story, ["pdf"], load_layout(), Options(), worker=worker)
    assert "ValueError: a bug in the PDF adapter" in str(info.value)
    assert any("broken" in note for note in getattr(info.value, "__notes__", []))


def test_cli_build_leaves_no_worker_behind_even_when_up_to_date(tmp_path: Path) -> None:
    import multiprocessing

    from click.testing import CliRunner

    from storykit.cli import main

    for _ in range(2):  # a full build, then an up-to-date one whose early worker is never used
        result = CliRunner().invoke(main, ["build", str(SEEDS), "-o", str(tmp_path), "-f", "pdf", "-q"])
        assert result.exit_code == 0, result.output
        assert multiprocessing.active_children() == []
    assert next(tmp_path.glob("*.pdf")).read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_build_leaves_no_temporary_font_folder_behind(tmp_path: Path, jobs: str) -> None:
    """WeasyPrint copies the fonts into a temporary folder; the command removes it, worker or not."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "STORYKIT_JOBS": jobs}
    for args in (["--no-cache"], [], ["--no-cache", "-f", "txt"]):  # full, up to date, no layout
        subprocess.run([sys.executable, "-m", "storykit", "build", str(SEEDS), "-o", str(tmp_path / "out"), "-q",
                        *args], env=env, check=True, cwd=ROOT)
        assert sorted(p.name for p in temp.iterdir()) == []


def test_the_command_starts_the_worker_only_for_a_build_that_lays_out() -> None:
    from storykit.launch import wants_worker

    assert wants_worker(["build"])
    assert wants_worker(["build", "seeds", "-o", "out", "-f", "txt", "-f", "pdf"])
    assert wants_worker(["build", "--format=EPUB"])
    assert not wants_worker(["build", "-f", "txt", "--format", "json"])
    assert not wants_worker(["build", "--help"])
    assert not wants_worker(["merge", "seeds"])
    assert not wants_worker([])


def test_line_splits_kept_from_the_last_story_give_the_same_pdf(story: Story, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from storykit.formats import pdf

    layout, options = load_layout(), Options()
    first, *rest = story.sections
    block = dataclasses.replace(first.blocks[0], text=first.blocks[0].text + " A reader wrote in to add a detail.")
    edited = dataclasses.replace(story, sections=(dataclasses.replace(first, blocks=(block, *first.blocks[1:])), *rest))
    with PdfWorker() as fresh:  # a new process: nothing kept from an earlier story
        (expected,) = render_all(edited, ["pdf"], layout, options, worker=fresh).values()
    pdf.render(story, layout, options)
    made: list[str] = []
    original = pdf._LAYOUT_MEMO.original
    assert original is not None
    monkeypatch.setattr(pdf._LAYOUT_MEMO, "original", lambda text, *args: made.append(text) or original(text, *args))
    assert pdf.render(edited, layout, options) == expected
    kept = sum(len(entries) for entries in pdf._LAYOUT_MEMO.current.values())
    assert 0 < len(made) < kept / 5  # most lines were split once, for the first story


def test_stories_in_several_scripts_through_one_worker_match_new_processes() -> None:
    """The worker keeps line splits from story to story (and a fonts configuration per story): never visible."""
    import dataclasses

    from storykit.formats import pdf
    from storykit.model import Block, Meta, Section
    from tests.sample_story import sample_story
    from tests.test_pdf import stress_story

    base = sample_story()
    scripts = dataclasses.replace(
        base, meta=Meta(title="Ελληνικά, кириллица, العربية, עברית", slug="scripts", language="en"),
        sections=(Section("sec-s", None, (Block("s-1", "paragraph", "Η διάσωση. Спасение. إنقاذ. חילוץ.", ("s1",)),)),))
    stories = [scripts, base, stress_story("fr"), scripts]
    layout, options = load_layout(), Options(source_date_epoch=1751587200)
    pdf.render(base, layout, Options())  # workers fork from this process: it has laid out a story too
    with PdfWorker() as worker:
        kept = [render_all(s, ["pdf"], layout, options, worker=worker) for s in stories]
    for story, pdf_of in zip(stories[:3], kept, strict=False):
        with PdfWorker() as fresh:
            assert list(render_all(story, ["pdf"], layout, options, worker=fresh).values()) == list(pdf_of.values())
    assert list(kept[0].values()) == list(kept[3].values())


class _FakeConnection:
    """The worker's end of the pipe: a script of (idle?, message) pairs."""

    def __init__(self, script: list[tuple[bool, object]]) -> None:
        self.script, self.sent = script, []  # type: list[tuple[bool, object]], list[object]

    def poll(self, timeout: float) -> bool:
        return not self.script[0][0]

    def recv(self) -> object:
        return self.script.pop(0)[1]

    def send(self, message: object) -> None:
        self.sent.append(message)


class _FakeCollector:
    """gc as the worker sees it, recording what it is asked to do."""

    def __init__(self, events: list[str]) -> None:
        self.events = events

    def freeze(self) -> None:
        self.events.append("freeze")

    def disable(self) -> None:
        self.events.append("disable")

    def collect(self) -> int:
        self.events.append("collect")
        return 0


def test_the_worker_collects_garbage_only_while_idle(monkeypatch: pytest.MonkeyPatch, story: Story) -> None:
    events: list[str] = []

    class FakePdf:
        @staticmethod
        def load_weasyprint() -> None:
            events.append("import")

        @staticmethod
        def page_map(*_: object) -> dict[str, int]:
            events.append("layout")
            return {}

        @staticmethod
        def render(*_: object, processes: int = 1) -> bytes:
            events.append(f"write in {processes}")
            return b"%PDF"

        @staticmethod
        def forget() -> None:
            events.append("forget")

    monkeypatch.setattr(pipeline, "gc", _FakeCollector(events))
    job = ("job", 1, story, load_layout(), Options(), True, True)
    # A one-shot build: the job and the stop come at once, so nothing is collected.
    conn = _FakeConnection([(False, job), (False, None)])
    pipeline._serve(conn, FakePdf)  # type: ignore[arg-type]
    assert events == ["import", "freeze", "disable", "layout", "write in 2", "forget"]  # the worker paints on two cores
    assert [m[1] for m in conn.sent] == ["pages", "pdf"]  # type: ignore[index]
    # A watch session: the user edits between jobs, and the worker collects meanwhile, not during one.
    events.clear()
    conn = _FakeConnection([(True, job), (True, job), (False, None)])
    pipeline._serve(conn, FakePdf)  # type: ignore[arg-type]
    assert events == ["import", "freeze", "disable", "collect", "layout", "write in 2", "forget",
                      "collect", "layout", "write in 2", "forget"]


def test_the_command_runs_without_the_garbage_collector() -> None:
    probe = ("import atexit, gc, sys; atexit.register(lambda: print('collector on:', gc.isenabled())); "
             "sys.argv = ['storykit', '--version']; from storykit.launch import main; main()")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "collector on: False" in done.stdout


def test_the_command_exits_with_its_status_and_all_its_output(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "storykit", *args], capture_output=True, text=True,
                              cwd=tmp_path, timeout=120)

    version = run("--version")
    assert version.returncode == 0 and "storykit" in version.stdout.lower()
    missing = run("build", str(tmp_path / "nowhere"), "-o", str(tmp_path / "out"))
    assert missing.returncode not in (0, 1) and "nowhere" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "out").exists()
    built = run("build", str(SEEDS), "-o", str(tmp_path / "out"), "-f", "txt")
    assert built.returncode == 0, built.stderr
    assert [p.suffix for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")] == [".txt"]
    assert built.stdout.strip()  # the summary, flushed before the process ended


def test_sys_exit_with_a_message_prints_it_and_fails() -> None:
    probe = "from storykit.launch import exit_now; print('before'); exit_now('a message for the user')"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (1, "before\n", "a message for the user\n")
