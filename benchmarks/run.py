"""Benchmarks: storykit's build against a pandoc pipeline, per-stage times, scaling, start-up.

    python benchmarks/run.py [--rounds N] [--quick]

Prints tables of medians (seconds) and peak memory; nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
VENV_BIN = Path(sys.executable).parent
STORYKIT = [str(VENV_BIN / "storykit")]


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and peak RSS (KiB) of one command and its children."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            err.seek(0)
            raise SystemExit(f"failed: {' '.join(command)}\n{err.read().decode(errors='replace')[-800:]}")
    return elapsed, usage.ru_maxrss


def concatenate(sources: Path, target: Path) -> None:
    """The sources as one Markdown file, as a user of pandoc would prepare them."""
    parts = []
    for path in sorted(sources.iterdir()):
        if path.suffix in {".txt", ".md"}:
            parts.append(f"# {path.stem}\n\n" + "\n\n".join(path.read_text(encoding="utf-8").splitlines()))
    target.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def pandoc_pipeline(markdown: Path, out: Path) -> Callable[[], tuple[float, int]]:
    """The competition: EPUB, PDF through WeasyPrint and plain text from one Markdown file."""
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    script = (
        f"pandoc {markdown} -s -o {out}/p.epub --metadata title=Story && "
        f"pandoc {markdown} -s -o {out}/p.pdf --pdf-engine=weasyprint --metadata title=Story && "
        f"pandoc {markdown} -t plain -o {out}/p.txt"
    )
    return lambda: timed(["bash", "-c", script], env=env)


def storykit_build(sources: Path, out: Path, extra: list[str]) -> Callable[[], tuple[float, int]]:
    """storykit's full build from the raw sources."""
    return lambda: timed([*STORYKIT, "build", str(sources), "-o", str(out), "-q", *extra])


def median_of(run: Callable[[], tuple[float, int]], rounds: int) -> tuple[float, int]:
    """Median time and max peak memory over rounds."""
    results = [run() for _ in range(rounds)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def stage_times(sources: Path) -> dict[str, float]:
    """Per-stage times of one in-process build."""
    sys.path.insert(0, str(ROOT))
    from storykit.formats import FORMATS, Options
    from storykit.layouts import load_layout
    from storykit.pipeline import render_all

    times: dict[str, float] = {}
    start = time.perf_counter()
    from storykit.clean import clean
    from storykit.merge import merge
    from storykit.readers import find_sources, read_source

    raws = [read_source(p) for p in find_sources([sources])]
    times["read"] = time.perf_counter() - start
    start = time.perf_counter()
    docs = [clean(raw, f"s{i}") for i, raw in enumerate(raws, 1)]
    times["clean"] = time.perf_counter() - start
    start = time.perf_counter()
    story = merge(docs)
    times["merge"] = time.perf_counter() - start
    layout = load_layout()
    for name in ("txt", "json", "pdf", "epub"):
        start = time.perf_counter()
        render_all(story, [name], layout, Options())
        times[f"render {name}"] = time.perf_counter() - start
    assert set(FORMATS) == {"pdf", "epub", "txt", "json"}
    return times


def scaled_sources(factor: int, target: Path) -> Path:
    """The sample's sources copied `factor` times, each copy lightly varied."""
    target.mkdir(parents=True, exist_ok=True)
    for n in range(factor):
        for path in sorted(SEEDS.iterdir()):
            text = path.read_text(encoding="utf-8")
            (target / f"{n:02d}_{path.name}").write_text(
                text if n == 0 else text.replace(".", f" ({n}).", 3), encoding="utf-8"
            )
    return target


def long_source(words: int, target: Path) -> Path:
    """One story of about `words` words, made from the sample's sentences."""
    target.mkdir(parents=True, exist_ok=True)
    lines = [
        line for p in sorted(SEEDS.iterdir()) for line in p.read_text(encoding="utf-8").splitlines() if len(line) > 80
    ]
    body, count, n = [], 0, 0
    while count < words:
        line = lines[n % len(lines)]
        body.append(f"{line} ({n})")
        count += len(line.split())
        n += 1
    (target / "long.txt").write_text("\n".join(body) + "\n", encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer rounds, no scaling runs")
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds
    print(
        f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        md = tmp / "all.md"
        concatenate(SEEDS, md)
        rows: list[tuple[str, float, int]] = []

        # interleave the two contenders so load changes hit both alike
        cold = storykit_build(SEEDS, tmp / "sk", ["--no-cache"])
        warm = storykit_build(SEEDS, tmp / "sk", [])
        pan = pandoc_pipeline(md, tmp) if shutil.which("pandoc") else None
        sk_times, pd_times, mem_sk, mem_pd = [], [], 0, 0
        for _ in range(rounds):
            t, m = cold()
            sk_times.append(t)
            mem_sk = max(mem_sk, m)
            if pan:
                t, m = pan()
                pd_times.append(t)
                mem_pd = max(mem_pd, m)
        rows.append(("storykit build, cold (4 sources, all formats)", statistics.median(sk_times), mem_sk))
        if pan:
            rows.append(("pandoc pipeline (epub + pdf via weasyprint + txt)", statistics.median(pd_times), mem_pd))
        t, m = median_of(warm, rounds)
        rows.append(("storykit build, unchanged rebuild (cache)", t, m))
        t, m = median_of(lambda: timed([*STORYKIT, "--help"]), rounds)
        rows.append(("storykit --help", t, m))
        t, m = median_of(storykit_build(SEEDS, tmp / "txt", ["--no-cache", "-f", "txt"]), rounds)
        rows.append(("storykit build -f txt", t, m))
        if not args.quick:
            big = scaled_sources(10, tmp / "x10")
            t, m = median_of(storykit_build(big, tmp / "o10", ["--no-cache"]), max(1, rounds // 2))
            rows.append(("storykit build, 10x sources (40 articles)", t, m))
            long = long_source(30_000, tmp / "long")
            t, m = median_of(storykit_build(long, tmp / "olong", ["--no-cache"]), max(1, rounds // 2))
            rows.append(("storykit build, one 30,000-word source", t, m))

        print(f"\n{'what':55} {'median s':>9} {'peak MiB':>9}")
        for what, seconds, peak in rows:
            print(f"{what:55} {seconds:9.2f} {peak / 1024:9.0f}")
        if pan:
            print(f"\nratio storykit / pandoc (cold): {statistics.median(sk_times) / statistics.median(pd_times):.2f}")
        else:
            print("\npandoc is not installed: apt-get install pandoc to compare")
        print("\nstages of one in-process build (s):")
        for stage, seconds in stage_times(SEEDS).items():
            print(f"  {stage:15} {seconds:7.3f}")


if __name__ == "__main__":
    main()
