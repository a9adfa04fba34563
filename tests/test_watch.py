"""`storykit watch`: rebuilds on changes of sources, manifest and layout; Ctrl-C exits cleanly.

Every wait has a generous timeout and nothing asserts a time.
"""

from __future__ import annotations

import queue
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from storykit.cli import main
from storykit.formats import Options
from storykit.layouts import load_layout
from storykit.watch import Rebuild, Watcher, changed_files, inputs
from tests.conftest import ROOT, SEEDS

TIMEOUT = 120.0  # seconds; only a hang fails, never slowness


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(SEEDS, src)
    return src


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + f"\n{text}\n", encoding="utf-8")


class Session:
    """A Watcher running in a thread; `next()` waits for its next build."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher
        self.builds: queue.Queue[Rebuild] = queue.Queue()
        self.lines: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=watcher.run, args=(self.lines.append,),
            kwargs={"interval": 0.05, "stop": self.stop, "on_build": self.builds.put}, daemon=True,
        )

    def next(self) -> Rebuild:
        return self.builds.get(timeout=TIMEOUT)

    def quiet(self, seconds: float = 0.5) -> bool:
        """True if no build starts within this time (nothing changed, nothing to do)."""
        try:
            self.builds.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def session(sources: Path, tmp_path: Path) -> Iterator[Session]:
    watcher = Watcher([sources], tmp_path / "out", ["txt", "json"], None, Options())
    running = Session(watcher)
    running.thread.start()
    yield running
    running.stop.set()
    running.thread.join(timeout=TIMEOUT)
    assert not running.thread.is_alive()


def test_first_build_then_a_rebuild_per_source_change(session: Session, sources: Path, tmp_path: Path) -> None:
    first = session.next()
    assert first.built is not None and "first build" in first.message
    text = next((tmp_path / "out").glob("*.txt"))
    before = text.read_bytes()
    source = sorted(sources.iterdir())[0]
    _append(source, "The fire brigade later confirmed that nobody had been hurt in the rescue.")
    second = session.next()
    assert second.built is not None, second.message
    assert source.name in second.message and "built in" in second.message
    assert text.read_bytes() != before
    assert len(session.lines) == 2  # one line per build


def test_nothing_changed_means_no_rebuild(session: Session) -> None:
    session.next()
    assert session.quiet()


def test_touch_without_change_is_up_to_date(session: Session, sources: Path) -> None:
    session.next()
    source = sorted(sources.iterdir())[1]
    source.write_bytes(source.read_bytes())
    import os

    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10_000_000))
    result = session.next()
    assert "up to date" in result.message


def test_a_broken_source_is_reported_and_the_watch_goes_on(session: Session, sources: Path) -> None:
    session.next()
    bad = sources / "zz-broken.txt"
    bad.write_bytes(b"%PDF-1.7 binary\x00\x01\x02")
    failed = session.next()
    assert failed.built is None
    assert "failed" in failed.message and "zz-broken.txt" in failed.message
    bad.unlink()
    again = session.next()
    assert again.built is not None, again.message


def test_manifest_change_rebuilds(session: Session, sources: Path, tmp_path: Path) -> None:
    session.next()
    (sources / "story.toml").write_text('[story]\ntitle = "An editor chose this headline"\n', encoding="utf-8")
    result = session.next()
    assert result.built is not None, result.message
    assert "story.toml" in result.message
    assert "An editor chose this headline" in next((tmp_path / "out").glob("*.txt")).read_text(encoding="utf-8")


def test_layout_files_are_inputs(tmp_path: Path, sources: Path) -> None:
    layout_dir = tmp_path / "mine"
    (layout_dir / "txt").mkdir(parents=True)
    layout = load_layout(str(layout_dir))
    before = inputs([sources], layout, tmp_path / "out")
    (layout_dir / "txt" / "strings.json").write_text("{}\n")
    after = inputs([sources], layout, tmp_path / "out")
    assert changed_files(before, after) == [layout_dir / "txt" / "strings.json"]


def test_new_and_removed_sources_count_as_changes(tmp_path: Path, sources: Path) -> None:
    layout = load_layout()
    before = inputs([sources], layout, tmp_path / "out")
    (sources / "new.md").write_text("# A new source\n")
    (sorted(sources.glob("*.txt"))[0]).unlink()
    after = inputs([sources], layout, tmp_path / "out")
    assert len(changed_files(before, after)) == 2


def test_outputs_inside_a_watched_folder_are_not_inputs(tmp_path: Path, sources: Path) -> None:
    out = sources / "out"
    out.mkdir()
    (out / "story.txt").write_text("an output\n")
    assert not any(p.parent == out for p in inputs([sources, out], load_layout(), out))


def test_pdf_rebuilds_reuse_one_worker(sources: Path, tmp_path: Path) -> None:
    watcher = Watcher([sources], tmp_path / "out", ["pdf", "epub"], None, Options(), parallel=True)
    running = Session(watcher)
    running.thread.start()
    try:
        assert running.next().built is not None
        worker = watcher.worker
        assert worker is not None and worker.alive
        _append(sorted(sources.iterdir())[2], "Neighbours said the man had lived in the building for years.")
        result = running.next()
        assert result.built is not None, result.message
        assert watcher.worker is worker
    finally:
        running.stop.set()
        running.thread.join(timeout=TIMEOUT)
    assert watcher.worker is None  # closed when the watch ends


def test_watch_help_has_an_example() -> None:
    result = CliRunner().invoke(main, ["watch", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "Ctrl-C" in result.output


def test_ctrl_c_exits_cleanly(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "storykit.cli", "watch", str(sources), "-o", str(out), "-f", "txt"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # blocks until the first build is reported
        assert "built in" in first, first
        _append(sorted(sources.iterdir())[3], "Officials thanked the passers-by who had called for help.")
        second = proc.stdout.readline()
        assert "built in" in second and "changed" in second, second
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert "stopped watching" in stderr
    assert "Traceback" not in stderr



@pytest.mark.parametrize("freeze", [False, True])
def test_the_session_collects_after_each_build_and_freezes_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, sources: Path, tmp_path: Path, freeze: bool,
) -> None:
    import storykit.watch as watch_module

    events: list[str] = []

    class Collector:
        def collect(self) -> int:
            events.append("collect")
            return 0

        def freeze(self) -> None:
            events.append("freeze")

    watcher = Watcher([sources], tmp_path / "out", ["txt"], None, Options())
    builds = iter(["first", "second"])
    changes = iter([[], [sources / "a.txt"]])
    stop = threading.Event()

    def rebuild(why: str) -> Rebuild:
        events.append(next(builds))
        return Rebuild(0.0, [], why)

    def changed(*_: object) -> list[Path]:
        change = next(changes, None)
        if change is None:
            stop.set()
        return change or []

    monkeypatch.setattr(watch_module, "gc", Collector())
    monkeypatch.setattr(watch_module, "changed_files", changed)
    monkeypatch.setattr(watcher, "rebuild", rebuild)
    monkeypatch.setattr(watcher, "snapshot", dict)
    watcher.run(lambda _: None, interval=0.0, stop=stop, freeze=freeze)
    assert events == ["first", "collect", *(["freeze"] if freeze else []), "second", "collect"]
