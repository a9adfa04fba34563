"""Painting a PDF on two cores (storykit.formats.paint) gives the bytes one process writes. No timed assertions."""

from __future__ import annotations

import dataclasses
import os
import threading
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storykit.formats import Options, paint, pdf
from storykit.layouts import load_layout
from storykit.model import Block, Meta, Section, Story
from tests.sample_story import sample_story
from tests.test_pdf import stress_story

OPTIONS = Options(source_date_epoch=1751587200)


def _scripts() -> Story:
    base = sample_story()
    text = "Η διάσωση έγινε στο Παρίσι. Спасение в Париже. إنقاذ في باريس. חילוץ בפריז. "
    blocks = tuple(Block(f"s-{n}", "paragraph", text * 6, ("s1",)) for n in range(40))
    return dataclasses.replace(
        base, meta=Meta(title="Ελληνικά, кириллица, العربية, עברית", slug="scripts", language="en"),
        sections=(*base.sections, Section("sec-s", None, blocks)))


def _seeds() -> Story:
    from storykit.pipeline import merge_sources
    from tests.conftest import SEEDS

    return merge_sources([SEEDS])


STORIES = {"seeds": _seeds, "stress": lambda: stress_story("fr"), "scripts": _scripts}


@pytest.fixture(scope="module")
def stress_alone() -> bytes:
    """The French stress story, written by one process."""
    pdf.forget()
    return pdf.render(stress_story("fr"), load_layout(), OPTIONS)


@pytest.fixture(autouse=True)
def _fresh_layouts() -> Any:
    pdf.forget()
    yield
    pdf.forget()


def _count_uses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many boxes this process took from the copy (one entry per use)."""
    uses: list[int] = []
    set_state = paint._set_state

    def counted(stream: Any, state: tuple[Any, ...]) -> None:
        uses.append(1)
        set_state(stream, state)

    monkeypatch.setattr(paint, "_set_state", counted)
    return uses


@pytest.mark.parametrize("name", sorted(STORIES))
def test_two_processes_write_the_bytes_one_process_writes(
    name: str, monkeypatch: pytest.MonkeyPatch, stress_alone: bytes,
) -> None:
    story, layout = STORIES[name](), load_layout()
    alone = stress_alone if name == "stress" else pdf.render(story, layout, OPTIONS)
    pdf.forget()
    uses = _count_uses(monkeypatch)
    assert pdf.render(story, layout, OPTIONS, processes=2) == alone
    assert uses, "the copy drew nothing that was used"


def test_a_copy_that_fails_leaves_the_drawing_to_this_process(
    monkeypatch: pytest.MonkeyPatch, stress_alone: bytes,
) -> None:

    def fail(*_: object) -> None:
        raise RuntimeError("the copy broke")

    monkeypatch.setattr(paint, "_draw_in_copy", fail)
    uses = _count_uses(monkeypatch)
    assert pdf.render(stress_story("fr"), load_layout(), OPTIONS, processes=2) == stress_alone
    assert not uses


def test_a_late_copy_is_not_waited_for(monkeypatch: pytest.MonkeyPatch, stress_alone: bytes) -> None:
    draw_in_copy = paint._draw_in_copy

    def slow(*args: Any) -> None:
        import time

        time.sleep(30)
        draw_in_copy(*args)

    monkeypatch.setattr(paint, "_draw_in_copy", slow)
    monkeypatch.setattr(paint, "PATIENCE", 0.05)
    assert pdf.render(stress_story("fr"), load_layout(), OPTIONS, processes=2) == stress_alone


def test_a_copy_out_of_step_is_no_longer_used(monkeypatch: pytest.MonkeyPatch, stress_alone: bytes) -> None:
    import pickle

    send = paint._send

    def shifted(fd: int, data: bytes) -> None:
        number, drawn = pickle.loads(data)
        send(fd, pickle.dumps((number + 1, drawn)))

    monkeypatch.setattr(paint, "_send", shifted)
    uses = _count_uses(monkeypatch)
    assert pdf.render(stress_story("fr"), load_layout(), OPTIONS, processes=2) == stress_alone
    assert not uses


def test_the_copy_is_gone_when_the_write_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    children: list[int] = []
    fork = os.fork

    def noted_fork() -> int:
        pid = fork()
        if pid:
            children.append(pid)
        return pid

    monkeypatch.setattr(paint.os, "fork", noted_fork)
    pdf.render(_seeds(), load_layout(), OPTIONS, processes=2)
    assert children
    for pid in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped already


def test_a_short_story_is_painted_without_a_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise AssertionError("forked for a one-page story")

    monkeypatch.setattr(paint.os, "fork", no_fork)
    pdf.render(sample_story(), load_layout(), OPTIONS, processes=2)  # two pages


def test_no_fork_while_another_thread_runs() -> None:
    assert paint.can_fork() == (os.name == "posix" and os.uname().sysname == "Linux")
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not paint.can_fork()
    finally:
        stop.set()
        thread.join()


costs = st.lists(st.builds(paint.PageCost, st.integers(0, 9000), st.integers(0, 300), st.integers(0, 5000)),
                 max_size=30)


@given(costs)
def test_the_copy_starts_on_a_later_page_and_only_when_it_saves(pages: list[paint.PageCost]) -> None:
    first = paint.first_copied_page(pages)
    if first is not None:
        assert 1 <= first < len(pages)
        assert sum(p.whole for p in pages[first:]) > paint.MIN_SAVING


def test_weasyprint_still_has_what_the_copy_relies_on() -> None:
    """The names the two processes patch and the stream state they compare (WeasyPrint 70)."""
    pdf.load_weasyprint()
    import weasyprint.draw as draw
    import weasyprint.draw.text as draw_text
    from weasyprint.document import Page
    from weasyprint.matrix import Matrix
    from weasyprint.pdf.fonts import Font
    from weasyprint.pdf.stream import Stream

    assert callable(draw.draw_text) and callable(draw_text.draw_emojis) and callable(Page.paint)
    assert callable(Font.get_unused_glyph_id) and callable(Stream.add_font)
    stream = Stream({}, (0, 0, 10, 10), {"ExtGState": {}}, {}, None, {}, None)
    state = paint._state(stream)
    assert state[6] == (Matrix().values,)
    paint._set_state(stream, state)
    assert paint._state(stream) == state
