"""Benchmark of the PDF stage: storykit's time beside WeasyPrint's own, and 1 vs 2 body columns.

Run: .venv/bin/python benchmarks/bench_pdf.py [--repeat N] [--copies N]
Not a timed test: it prints numbers to decide the layout with.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from storykit.formats import Options, pdf
from storykit.layouts import Layout, load_layout
from storykit.model import Section, Story
from tests.sample_story import sample_story


def long_story(copies: int) -> Story:
    """The sample story with its body repeated, ids kept unique (about a 2,000-word feature at 8)."""
    base = sample_story()
    sections: list[Section] = []
    for n in range(copies):
        for section in base.sections:
            blocks = tuple(dataclasses.replace(b, id=f"{b.id}-{n}") for b in section.blocks)
            sections.append(dataclasses.replace(section, id=f"{section.id}-{n}", blocks=blocks))
    return dataclasses.replace(base, sections=tuple(sections))


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and minimum wall time of an action, in seconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), min(runs)


def weasyprint_alone(story: Story, layout: Layout, options: Options, columns: int, write: bool = True) -> bytes:
    """WeasyPrint on the same HTML and CSS, with no storykit work around it (write=False: layout only)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    source = pdf.html(story, layout, options, columns=columns)
    css = layout.find(pdf.STYLESHEET)
    fonts = FontConfiguration()
    sheets = [weasyprint.CSS(filename=str(css), font_config=fonts),
              weasyprint.CSS(string=pdf.page_css(story, layout, options), font_config=fonts)]
    doc = weasyprint.HTML(string=source, base_url=css.parent.as_uri()).render(
        font_config=fonts, stylesheets=sheets, pdf_variant=pdf.PDF_VARIANT)
    if not write:
        return b""
    data: bytes = doc.write_pdf(pdf_variant=pdf.PDF_VARIANT)
    return data


def main() -> None:
    """Print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--copies", type=int, default=8)
    args = parser.parse_args()
    layout = load_layout()
    options = Options(source_date_epoch=0)
    stories = {"sample": sample_story(), f"long (x{args.copies})": long_story(args.copies)}
    weasyprint_alone(stories["sample"], layout, options, 1)  # warm up imports and font loading
    print(f"{'story':<14}{'what':<40}{'median s':>10}{'min s':>9}")
    for label, story in stories.items():
        def stage(story: Story = story) -> bytes:
            pdf._laid_out.cache_clear()  # a fresh build lays out once
            data = pdf.render(story, layout, options)
            pdf.page_map(story, layout, options)
            return data

        rows = {
            "storykit PDF stage (render + page_map)": timed(stage, args.repeat),
            "WeasyPrint alone, same HTML, 1 column": timed(
                lambda s=story: weasyprint_alone(s, layout, options, 1), args.repeat),
            "WeasyPrint alone, same HTML, 2 columns": timed(
                lambda s=story: weasyprint_alone(s, layout, options, 2), args.repeat),
            "WeasyPrint layout only, 1 column": timed(
                lambda s=story: weasyprint_alone(s, layout, options, 1, write=False), args.repeat),
            "WeasyPrint layout only, 2 columns": timed(
                lambda s=story: weasyprint_alone(s, layout, options, 2, write=False), args.repeat),
        }
        for what, (median, best) in rows.items():
            print(f"{label:<14}{what:<40}{median:>10.3f}{best:>9.3f}")
        stage_t = rows["storykit PDF stage (render + page_map)"][0]
        one = rows["WeasyPrint alone, same HTML, 1 column"][0]
        two = rows["WeasyPrint alone, same HTML, 2 columns"][0]
        lay1 = rows["WeasyPrint layout only, 1 column"][0]
        lay2 = rows["WeasyPrint layout only, 2 columns"][0]
        print(f"{label:<14}stage overhead vs WeasyPrint: {100 * (stage_t / one - 1):+.1f}%   "
              f"2 columns cost x{two / one:.2f} of 1 column (layout alone x{lay2 / lay1:.2f})")


if __name__ == "__main__":
    main()
