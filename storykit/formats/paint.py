"""Painting a laid-out PDF on two cores: a forked copy of this process draws the text of the
later pages while this one paints the first pages, then this one uses what the copy drew.

WeasyPrint shapes every line of text again when it paints a page, and that drawing is most of
a PDF write. Here painting still happens once, in page order, in this process, so the file is
the one a single process writes; only the drawing of text boxes is done ahead, by a copy made
after the layout (fork), which holds the same boxes at the same addresses. What the copy drew
is used only where the result cannot differ from drawing it here: the same box, the stream in
the same state, every font it uses already known here, no warning, no emoji, no new resource.
Every other box, and every box if the copy fails or is late, is drawn here. Pictures are
drawn here only: an SVG drawing names its groups by how many the page has, so its operators
depend on everything drawn before it, and the copy leaves them out.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import os
import pickle
import select
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

# Costs of painting, in units of one character of text (about 3.5 µs here), fitted on the
# sample's pages: a text box about 84 characters more than its text (a new Pango layout, shaping,
# marking), a character of SVG text 24 (drawn letter by letter), the copy's start 12,000 (the
# fork, and loading the fonts again), using a box the copy drew 16.
BOX_COST, SVG_CHAR_COST, FORK_COST, REPLAY_COST = 84, 24, 12_000, 16
# Fork only when that saves at least this much (about 20 ms).
MIN_SAVING = 5_700
# The copy's messages wait in the pipe until this process reaches the copy's pages.
PIPE_BYTES = 1 << 20
# Seconds this process waits for the copy's next message before it draws the rest itself.
PATIENCE = 60.0
# Text boxes the copy sends at a time, so this process may start a page the copy is still drawing.
CHUNK = 24

_HEADER = struct.Struct("!I")
Operators = list[Any]
Learned = dict[Any, tuple[list[tuple[int, int]], list[tuple[int, str]]]]


@dataclass(frozen=True)
class PageCost:
    """What painting one page costs: its text and text boxes, and the SVG text only this process draws."""

    characters: int
    boxes: int
    svg: int

    @property
    def whole(self) -> int:
        """Painting the page here."""
        return self.characters + BOX_COST * self.boxes + self.svg

    @property
    def in_copy(self) -> int:
        """Painting it in the copy, which leaves its SVG drawings out."""
        return self.characters + BOX_COST * self.boxes

    @property
    def replayed(self) -> int:
        """Painting it here with the copy's text boxes."""
        return self.svg + REPLAY_COST * self.boxes


@dataclass(frozen=True)
class _Drawn:
    """One box as the copy drew it: the stream's state before and after, the operators, and
    what the fonts learned (new glyph widths, new glyph texts, in order)."""

    box: tuple[Any, ...]
    before: tuple[Any, ...]
    after: tuple[Any, ...]
    operators: Operators
    fonts: Learned


def page_costs(document: Any) -> list[PageCost]:
    """The estimated cost of painting each page of a laid-out WeasyPrint document."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.images import SVGImage

    costs = []
    for page in document.pages:
        characters = count = svg = 0
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            if isinstance(box, boxes.TextBox):
                characters += len(box.text)
                count += 1
            elif isinstance(getattr(box, "replacement", None), SVGImage):
                tree = box.replacement._svg.tree._etree_node
                svg += SVG_CHAR_COST * sum(len(node.text or "") for node in tree.iter())
            if isinstance(box, boxes.ParentBox):
                stack.extend(box.children)
        costs.append(PageCost(characters, count, svg))
    return costs


def first_copied_page(costs: list[PageCost]) -> int | None:
    """The first page whose text the copy should draw, from the simulated end of painting
    (None: two processes would not save enough)."""
    alone = sum(cost.whole for cost in costs)
    best, best_end = None, alone - MIN_SAVING
    for first in range(1, len(costs)):
        here = sum(cost.whole for cost in costs[:first])
        copy = FORK_COST
        for cost in costs[first:]:
            copy += cost.in_copy
            here = max(here, copy) + cost.replayed
        if here < best_end:
            best, best_end = first, here
    return best


def can_fork() -> bool:
    """Whether this process may fork: Linux, and no other thread (a fork copies only the caller)."""
    return sys.platform == "linux" and threading.active_count() == 1


def write_in_two(document: Any, write: Callable[[], bytes]) -> bytes:
    """write(), which writes `document` as PDF, with a forked copy drawing the later pages' text."""
    if not can_fork():
        return write()
    first = first_copied_page(page_costs(document))
    if first is None:
        return write()
    number_of = {id(page): number for number, page in enumerate(document.pages)}
    reading, writing = os.pipe()
    with contextlib.suppress(OSError):
        fcntl.fcntl(writing, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    pid = os.fork()
    if pid == 0:  # the copy: it leaves through os._exit, running nothing of this process's
        # No collection either: it would copy the whole heap, and finalize this process's garbage
        # (a fonts configuration's finalizer deletes its font folder, which both processes share).
        gc.disable()
        status = 1
        try:
            os.close(reading)
            _draw_in_copy(number_of, first, writing, write)
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    try:
        with _using_copy(number_of, first, reading):
            return write()
    finally:
        os.close(reading)
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)  # it has exited already, unless it failed to finish
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _identity(box: Any) -> tuple[Any, ...]:
    """What must match for a drawing to be the same box's (its address is the key)."""
    return type(box).__name__, getattr(box, "text", None), box.position_x, box.position_y, box.width, box.height


_TRANSFORMATIONS = 6  # where _state() puts the stream's transformation stack


def _state(stream: Any) -> tuple[Any, ...]:
    """What a box's operators depend on in a stream: colour, alpha, font, transformation, last operator."""
    last = stream.stream[-1] if stream.stream else None
    return (
        stream._current_color, stream._current_color_stroke, stream._current_alpha,
        stream._current_alpha_stroke, stream._current_font, stream._old_font,
        tuple(matrix.values for matrix in stream._ctm_stack),
        last if isinstance(last, (bytes, str)) else None,
    )


def _set_state(stream: Any, state: tuple[Any, ...]) -> None:
    (stream._current_color, stream._current_color_stroke, stream._current_alpha,
     stream._current_alpha_stroke, stream._current_font, stream._old_font, _, _) = state


def _resources(stream: Any) -> tuple[int, ...]:
    """The sizes of the shared resources a drawing could add to."""
    return (*(len(v) for v in stream._resources.values() if isinstance(v, dict)), len(stream._images))


class _Done(BaseException):
    """Raised in the copy once its last page is sent: the rest of the write is not its work."""


def _draw_in_copy(number_of: dict[int, int], first: int, fd: int, write: Callable[[], bytes]) -> None:
    """In the copy: run the write with pages before `first` left blank, record each text box drawn, send each page."""
    import weasyprint.draw as draw
    import weasyprint.draw.text as draw_text_module
    from weasyprint.document import Page
    from weasyprint.images import SVGImage
    from weasyprint.pdf.fonts import Font
    from weasyprint.pdf.stream import Stream
    from weasyprint.text.fonts import get_pango_font_key

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    tainted = False
    learning: dict[Any, tuple[Any, int, int]] | None = None

    class Taint(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            nonlocal tainted
            tainted = True  # a warning: the box is drawn again where the warning is captured

    for name in ("weasyprint", "weasyprint.progress"):
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate = [Taint()], False

    add_font, unused_glyph, draw_emojis = Stream.add_font, Font.get_unused_glyph_id, draw_text_module.draw_emojis

    def add_font_noted(stream: Any, pango_font: Any) -> Any:
        font, size = add_font(stream, pango_font)
        if learning is not None:
            key = get_pango_font_key(pango_font)[0]
            learning.setdefault(key, (font, len(font.widths), len(font.to_unicode)))
        return font, size

    def unused_glyph_noted(font: Any, codepoint: int) -> Any:
        nonlocal tainted
        tainted = True  # a missing glyph: the font's state changes beyond what is recorded
        return unused_glyph(font, codepoint)

    def draw_emojis_noted(stream: Any, style: Any, x: float, y: float, emojis: list[Any]) -> None:
        nonlocal tainted
        tainted = tainted or bool(emojis)
        draw_emojis(stream, style, x, y, emojis)

    drawn: dict[int, _Drawn] = {}
    draw_text = draw.draw_text

    def draw_text_recorded(stream: Any, box: Any, *args: Any) -> None:
        nonlocal learning, tainted
        before, start, resources = _state(stream), len(stream.stream), _resources(stream)
        learning, tainted = {}, False
        try:
            draw_text(stream, box, *args)
        finally:
            learned, learning = learning, None
        after = _state(stream)
        if tainted or _resources(stream) != resources or after[_TRANSFORMATIONS] != before[_TRANSFORMATIONS]:
            return
        fonts = {
            key: (list(font.widths.items())[widths:], list(font.to_unicode.items())[texts:])
            for key, (font, widths, texts) in learned.items()
        }
        drawn[id(box)] = _Drawn(_identity(box), before, after, stream.stream[start:], fonts)
        if len(drawn) >= CHUNK:
            send(complete=False)

    last, paint = len(number_of) - 1, Page.paint

    page_number = first

    def send(*, complete: bool) -> None:
        _send(fd, pickle.dumps((page_number, drawn, complete), pickle.HIGHEST_PROTOCOL))
        drawn.clear()

    def paint_recorded(page: Any, stream: Any, scale: float = 1) -> None:
        nonlocal page_number
        page_number = number_of[id(page)]
        if page_number < first:
            return
        paint(page, stream, scale)
        send(complete=True)
        if page_number == last:
            raise _Done

    def svg_left_out(*_: Any) -> None:
        """This process draws SVG pictures itself: the copy leaves the picture's frame and state
        as drawing it would, but for the last font of its text (one box after it is drawn here)."""

    Stream.add_font, Font.get_unused_glyph_id, draw_text_module.draw_emojis = (
        add_font_noted, unused_glyph_noted, draw_emojis_noted)
    SVGImage.draw = svg_left_out
    draw.draw_text, Page.paint = draw_text_recorded, paint_recorded
    with contextlib.suppress(_Done):
        write()


class _CopyReader:
    """This process's side of the pipe: the boxes the copy drew on the page being painted here.

    The copy sends each page in parts as it draws it, the last part marked complete; a box is
    waited for only until its page is complete, so this process can paint a page's start while
    the copy still draws its end.
    """

    def __init__(self, fd: int, first: int) -> None:
        self.fd, self.first = fd, first
        self.page, self.complete, self.gone = first - 1, True, False  # where the copy's messages are
        self.painting = -1
        self.drawn: dict[int, _Drawn] = {}

    def start(self, number: int) -> None:
        """This process starts painting page `number` (its earlier pages' messages are passed over)."""
        self.painting = number
        self.drawn.clear()
        while number >= self.first and not self.gone and (self.page < number - 1 or not self.complete):
            self._read()  # parts of earlier pages: not kept, as they are not of the page painted

    def find(self, key: int) -> _Drawn | None:
        """The copy's drawing of this box of the page being painted, if it made one."""
        while (key not in self.drawn and self.painting >= self.first and not self.gone
               and not (self.page == self.painting and self.complete)):
            self._read()
        return self.drawn.get(key)

    def _read(self) -> None:
        message = _receive(self.fd)
        if message is None:  # gone, or late: the rest is drawn here
            self.gone = True
            return
        page, boxes, complete = pickle.loads(message)
        if page != (self.page + 1 if self.complete else self.page):
            self.gone = True  # out of step
            return
        self.page, self.complete = page, complete
        if page == self.painting:
            self.drawn.update(boxes)


def _send(fd: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> bytes | None:
    """The copy's next message (None: it is gone, or later than PATIENCE)."""
    parts: list[bytes] = []
    wanted, size_known = _HEADER.size, False
    while wanted:
        ready, _, _ = select.select([fd], [], [], PATIENCE)
        if not ready:
            return None
        part = os.read(fd, min(wanted, PIPE_BYTES))
        if not part:
            return None
        parts.append(part)
        wanted -= len(part)
        if not wanted and not size_known:
            (wanted,), parts, size_known = _HEADER.unpack(b"".join(parts)), [], True
    return b"".join(parts)


@contextmanager
def _using_copy(number_of: dict[int, int], first: int, fd: int) -> Iterator[None]:
    """While this process writes the PDF: take each later page's drawn boxes from the copy, and use them."""
    import weasyprint.draw as draw
    from weasyprint.document import Page

    copy = _CopyReader(fd, first)
    paint, draw_text = Page.paint, draw.draw_text

    def paint_using_copy(page: Any, stream: Any, scale: float = 1) -> None:
        copy.start(number_of.get(id(page), -1))
        paint(page, stream, scale)

    def draw_text_using_copy(stream: Any, box: Any, *args: Any) -> None:
        done = copy.find(id(box))
        if (done is None or done.box != _identity(box) or _state(stream) != done.before
                or not all(key in stream._fonts for key in done.fonts)):
            draw_text(stream, box, *args)
            return
        stream.stream.extend(done.operators)
        _set_state(stream, done.after)
        for key, (widths, texts) in done.fonts.items():
            font = stream._fonts[key]
            for glyph, width in widths:  # what drawing it here adds: the glyphs not known yet
                font.widths.setdefault(glyph, width)
            for glyph, text in texts:
                font.to_unicode.setdefault(glyph, text)

    Page.paint, draw.draw_text = paint_using_copy, draw_text_using_copy
    try:
        yield
    finally:
        Page.paint, draw.draw_text = paint, draw_text
