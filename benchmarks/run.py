"""Benchmarks (issue 9): storykit's build against a pandoc pipeline, stages, PDF overhead, watch, scaling.

    python benchmarks/run.py [--rounds N] [--quick] [--json results.json]

The competition is a pandoc script (EPUB, PDF through WeasyPrint, plain text from one Markdown
file). pandoc comes from the system: `make bench` installs it (Debian's package, as root) or names
it; by hand: `sudo apt-get install pandoc`, `brew install pandoc`. Without it the ratio is left out.

Contenders run interleaved, round after round, so a change of load hits them alike; the tables
give medians. On a shared machine also read the CPU column (user + system time of the process
and its children), which load changes far less than wall time. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
VENV_BIN = Path(sys.executable).parent
PYTHON = sys.executable
# storykit's own command line, from this checkout (not whatever `storykit` is installed)
STORYKIT = [PYTHON, "-m", "storykit"]  # the same entry point as the installed `storykit` command
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


# ---------- measuring one command ----------

@dataclass(frozen=True)
class Run:
    """One command's wall time (s), CPU time (s, user + system with children) and peak RSS (KiB)."""

    wall: float
    cpu: float
    peak: int


def timed(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Run:
    """Run a command to its end; its peak RSS is that of its largest process (children included)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, env=env or ENV, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            raise SystemExit(f"failed: {' '.join(command)}\n{err.read().decode(errors='replace')[-800:]}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


@dataclass
class Series:
    """Runs of one contender."""

    label: str
    runs: list[Run] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def peak(self) -> int:
        return max(r.peak for r in self.runs)


def interleaved(contenders: dict[str, Callable[[], Run]], rounds: int) -> dict[str, Series]:
    """Each contender once per round, in turn."""
    series = {name: Series(name) for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            series[name].runs.append(run())
    return series


# ---------- inputs ----------

def concatenate(sources: Path, target: Path) -> None:
    """The sources as one Markdown file, as a user of pandoc would prepare them."""
    parts = []
    for path in sorted(sources.iterdir()):
        if path.suffix in {".txt", ".md"}:
            parts.append(f"# {path.stem}\n\n" + "\n\n".join(path.read_text(encoding="utf-8").splitlines()))
    target.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


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


PEOPLE = ("Marie Dubois", "Jean Martin", "Aisha Khan", "Tomás Ruiz", "Lena Vogel", "Kwame Mensah", "Yuki Sato",
          "Priya Nair", "Olga Petrova", "Samuel Okafor", "Hannah Berg", "Luca Rossi")
ROLES = ("the fire chief", "a neighbour", "the mayor", "a police spokesperson", "a paramedic", "the building manager",
         "a witness", "the council's engineer", "a shop owner", "the prefect")
PLACES = ("the Rue de la Gare", "the old harbour", "the north bridge", "the market square", "the station",
          "the riverside flats", "the school gates", "the hospital car park", "the ring road", "the town hall")
ACTS = ("had closed", "had inspected", "had reopened", "had evacuated", "had cordoned off", "had repaired",
        "had searched", "had photographed", "had measured", "had guarded")
THINGS = ("families", "firefighters", "vehicles", "windows", "metres of scaffolding", "volunteers", "calls",
          "emergency beds", "street lamps", "tonnes of rubble")
TIMES = ("on Monday morning", "late on Tuesday", "shortly after noon", "before dawn", "on Friday evening",
         "during the night", "at about 9 a.m.", "the following week", "within the hour", "by the weekend")


def long_source(words: int, target: Path) -> Path:
    """One story of about `words` words, every sentence different (the cleaner drops repeated lines)."""
    import random

    rng = random.Random(9)
    target.mkdir(parents=True, exist_ok=True)
    paragraphs, count = [], 0
    while count < words:
        sentences = []
        for _ in range(rng.randint(2, 4)):
            when = rng.choice(TIMES)
            sentence = (f"{when[0].upper()}{when[1:]}, {rng.choice(PEOPLE)}, {rng.choice(ROLES)}, said that "
                        f"{rng.randint(2, 9000)} {rng.choice(THINGS)} {rng.choice(ACTS)} near {rng.choice(PLACES)}"
                        f" after the {rng.randint(1, 31)} {rng.choice(('May', 'June', 'July'))} incident.")
            if rng.random() < 0.3:
                sentence += f" \u201cWe {rng.choice(ACTS).removeprefix('had ')} {rng.choice(THINGS)} " \
                            f"{rng.choice(TIMES)},\u201d {rng.choice(PEOPLE).split()[0]} said."
            sentences.append(sentence)
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    head = "Cleanup after the collapse goes on across the town\n\n"
    (target / "long.txt").write_text(head + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return target


# ---------- contenders ----------

def pandoc_pipeline(markdown: Path, out: Path) -> Callable[[], Run]:
    """The competition: EPUB, PDF through WeasyPrint and plain text from one Markdown file."""
    env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
    script = (
        f"pandoc {markdown} -s -o {out}/p.epub --metadata title=Story && "
        f"pandoc {markdown} -s -o {out}/p.pdf --pdf-engine=weasyprint --metadata title=Story && "
        f"pandoc {markdown} -t plain -o {out}/p.txt"
    )
    return lambda: timed(["bash", "-c", script], env=env)


def storykit_build(sources: Path, out: Path, extra: list[str], env: dict[str, str] | None = None) -> Callable[[], Run]:
    """storykit's full build from the raw sources."""
    return lambda: timed([*STORYKIT, "build", str(sources), "-o", str(out), "-q", *extra], env=env)


def first_build(sources: Path, out: Path) -> Callable[[], Run]:
    """A cold build with an empty library cache: templates compiled, hyphenation patterns parsed."""

    def run() -> Run:
        with tempfile.TemporaryDirectory() as empty:
            return timed([*STORYKIT, "build", str(sources), "-o", str(out), "-q", "--no-cache"],
                         env={**ENV, "STORYKIT_CACHE_DIR": empty})

    return run


# ---------- in-process probes (each in a fresh interpreter, so imports count as in a cold build) ----------

def probe(kind: str, *args: str) -> dict[str, float]:
    """Run one of this file's probes in a fresh interpreter; it prints a JSON object."""
    out = subprocess.run(
        [PYTHON, __file__, "--probe", kind, *args], capture_output=True, text=True, env=ENV, check=False
    )
    if out.returncode:
        raise SystemExit(f"probe {kind} failed:\n{out.stderr[-1500:]}")
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _probe_stages(sources: str) -> dict[str, float]:
    """Each stage of a sequential build, in order, in this fresh process."""
    times: dict[str, float] = {}
    start = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        times[name] = now - start
        start = now

    import importlib

    from storykit.formats import Options, pdf
    from storykit.layouts import load_layout
    lap("import storykit")
    from storykit.clean import clean
    from storykit.merge import merge
    from storykit.readers import find_sources, read_source
    lap("import read/clean/merge")
    raws = sorted((read_source(p) for p in find_sources([Path(sources)])), key=lambda r: (r.name, r.checksum))
    lap("read")
    docs = [clean(raw, f"s{i}") for i, raw in enumerate(raws, 1)]
    lap("clean")
    story = merge(docs)
    lap("merge")
    layout, options = load_layout(), Options()
    txt = importlib.import_module("storykit.formats.txt")
    txt.render(story, layout, options)
    lap("render txt")
    importlib.import_module("storykit.formats.json").render(story, layout, options)
    lap("render json")
    source = pdf.html(story, layout, options)
    lap("pdf html (template from the library cache, rendered)")
    pdf.load_weasyprint()
    lap("import weasyprint (pdf.load_weasyprint)")
    pdf.prepare(layout, [doc.raw.meta.language for doc in docs])
    lap("pdf prepare (stylesheet, fonts, hyphenation)")
    pages = pdf.page_map(story, layout, options, source=source)
    lap("pdf layout (page map)")
    pdf.render(story, layout, options, source=source)
    lap("pdf write (render, layout cached)")
    epub = importlib.import_module("storykit.formats.epub")
    lap("import ebooklib, Pillow (epub)")
    epub.prepare(story, layout)
    lap("epub prepare (cover, templates)")
    epub.build(story, layout, options, pages)
    lap("render epub (page map given)")
    times["sentences"] = float(_sentences(docs))
    return times


def _sentences(docs: Sequence[object]) -> int:
    """Sentences the merge aligns: its own splitter (storykit.merge.text.split_sentences) over every part."""
    from storykit.merge.text import split_sentences

    return sum(len(split_sentences(getattr(part, "text", ""))) for doc in docs for part in getattr(doc, "parts", ()))


def _probe_merge(sources: str) -> dict[str, float]:
    """Read + clean, then the merge timed alone (best of 3; the merge is deterministic)."""
    from storykit.pipeline import read_and_clean

    docs = read_and_clean([Path(sources)])
    from storykit.merge import merge

    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        merge(docs)
        best = min(best, time.perf_counter() - start)
    return {"merge": best, "sentences": float(_sentences(docs)), "sources": float(len(docs)),
            "words": float(sum(len(getattr(p, "text", "").split()) for d in docs for p in d.parts))}


def _probe_pdf(sources: str, rounds: str) -> dict[str, float]:
    """storykit's PDF stage against WeasyPrint alone on the same HTML and CSS (warm, medians)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from storykit.codec import dumps
    from storykit.formats import Options, pdf
    from storykit.layouts import load_layout
    from storykit.pipeline import merge_sources

    story = merge_sources([Path(sources)])
    layout, options = load_layout(), Options()

    def stage() -> None:
        pdf._laid_out.cache_clear()  # a fresh build lays out once, for the PDF and the EPUB's page map
        pdf.render(story, layout, options)
        pdf.page_map(story, layout, options)

    def alone(same_features: bool = False) -> None:
        source = pdf.html(story, layout, options)  # the same HTML
        css = layout.find(pdf.STYLESHEET)
        fonts = FontConfiguration()
        fetch = {"url_fetcher": pdf._layout_fetcher(layout)} if same_features else {}
        sheets = [weasyprint.CSS(filename=str(css), font_config=fonts, **fetch),
                  weasyprint.CSS(string=pdf.page_css(story, layout, options), font_config=fonts, **fetch)]
        doc = weasyprint.HTML(string=source, base_url=css.parent.as_uri(), **fetch).render(
            font_config=fonts, stylesheets=sheets, pdf_variant=pdf.PDF_VARIANT)
        extra: dict[str, object] = {}
        if same_features:  # what storykit's PDF carries besides the HTML: story.json attached
            extra["attachments"] = [weasyprint.Attachment(string=dumps(story), name="story.json",
                                                          relationship="Source")]
        doc.write_pdf(pdf_variant=pdf.PDF_VARIANT, **extra)

    def stage_on_two_cores() -> None:  # as the PDF worker runs it (storykit.formats.paint)
        pdf._laid_out.cache_clear()
        pdf.render(story, layout, options, processes=2)
        pdf.page_map(story, layout, options)

    actions: dict[str, Callable[[], None]] = {
        "storykit": stage, "weasyprint": alone, "weasyprint+attachment+fetcher": lambda: alone(True),
        "storykit, two cores": stage_on_two_cores}
    for action in actions.values():  # warm every path once
        action()
    names = list(actions)
    runs: dict[str, list[float]] = {name: [] for name in actions}
    for n in range(2 * int(rounds)):
        # A different order each round: the machine's speed drifts within a round too.
        for name in names[n % len(names):] + names[:n % len(names)]:
            start = time.perf_counter()
            actions[name]()
            runs[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(times) for name, times in runs.items()}
    # The overhead as the median of each round's ratio, which the drift between rounds does not move.
    for name in ("weasyprint", "weasyprint+attachment+fetcher"):
        medians[f"ratio to {name}"] = statistics.median(a / b for a, b in zip(runs["storykit"], runs[name]))
    return medians


def _probe_memory(*command: str) -> dict[str, float]:
    """Peak RSS (KiB) of this process and of its largest child, for one storykit command run here."""
    from storykit.cli import main

    try:
        main(list(command), standalone_mode=True)
    except SystemExit as exc:
        if exc.code:
            raise
    return {"main": float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss),
            "worker": float(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)}


PROBES: dict[str, Callable[..., dict[str, float]]] = {
    "stages": _probe_stages, "merge": _probe_merge, "pdf": _probe_pdf, "memory": _probe_memory,
}


# ---------- watch ----------

BUILT = re.compile(r"built in ([\d.]+) s")


def watch_rebuilds(sources: Path, out: Path, edits: int) -> tuple[list[float], list[float]]:
    """Times of `storykit watch` rebuilds after editing one source: as printed, and edit-to-line."""
    proc = subprocess.Popen([*STORYKIT, "watch", str(sources), "-o", str(out), "-q"], env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    printed, seen = [], []
    try:
        first = proc.stdout.readline()
        if "built in" not in first:
            raise SystemExit(f"storykit watch did not build: {first}{proc.stderr.read() if proc.stderr else ''}")
        files = sorted(p for p in sources.iterdir() if p.suffix == ".txt")
        for n in range(edits):
            time.sleep(0.5)
            target = files[n % len(files)]
            start = time.perf_counter()
            with target.open("a", encoding="utf-8") as handle:
                handle.write(f"\nA reader wrote in to add detail number {n} to this account.\n")
            line = proc.stdout.readline()
            seen.append(time.perf_counter() - start)
            match = BUILT.search(line)
            if not match:
                raise SystemExit(f"unexpected watch output: {line}")
            printed.append(float(match.group(1)))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    return printed, seen


# ---------- report ----------

def machine() -> dict[str, str]:
    """What the figures were measured on."""
    model = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    pandoc = shutil.which("pandoc")
    pandoc_version = subprocess.run([pandoc, "--version"], capture_output=True, text=True).stdout.split("\n")[0] \
        if pandoc else "not installed"
    from importlib.metadata import version

    return {"cpu": model, "cores": str(len(os.sched_getaffinity(0))), "python": platform.python_version(),
            "weasyprint": version("weasyprint"), "pandoc": pandoc_version,
            "load average (1, 5, 15 min)": " ".join(f"{x:.2f}" for x in os.getloadavg())}


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f}"


def table(rows: list[tuple[str, str, str, str]]) -> None:
    print(f"{'what':58} {'median s':>9} {'CPU s':>7} {'peak MiB':>9}")
    for row in rows:
        print(f"{row[0]:58} {row[1]:>9} {row[2]:>7} {row[3]:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 rounds, no scaling runs")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    if sys.argv[1:2] == ["--probe"]:  # internal: one probe in this fresh interpreter
        print(json.dumps(PROBES[sys.argv[2]](*sys.argv[3:])))
        return
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    facts = machine()
    print("machine: " + "; ".join(f"{k}: {v}" for k, v in facts.items()))
    if not shutil.which("pandoc"):
        print("pandoc is not installed, so there is no ratio: sudo apt-get install pandoc (or see the docstring)")
    results: dict[str, object] = {"machine": facts, "rounds": rounds}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        md = tmp / "all.md"
        concatenate(SEEDS, md)
        rows: list[tuple[str, str, str, str]] = []

        # The libraries' parsed data (storykit.libcache) lives in this run's folder: filled by the
        # warm-up runs, as on any machine after its first build, and emptied for the first-run row.
        ENV["STORYKIT_CACHE_DIR"] = str(tmp / "libcache")

        # 1. Cold build against pandoc, and without the PDF worker, interleaved.
        contenders = {
            "storykit build, cold (4 sources, all formats)": storykit_build(SEEDS, tmp / "sk", ["--no-cache"]),
            "  the same with STORYKIT_JOBS=1 (no PDF worker)": storykit_build(
                SEEDS, tmp / "sk1", ["--no-cache"], env={**ENV, "STORYKIT_JOBS": "1"}),
            "  the same, first run on a machine (library cache empty)": first_build(SEEDS, tmp / "skfirst"),
        }
        if shutil.which("pandoc"):
            contenders["pandoc pipeline (epub + pdf via weasyprint + txt)"] = pandoc_pipeline(md, tmp)
        for name in contenders:  # one untimed run each: compiled bytecode, warm disk cache
            contenders[name]()
        series = interleaved(contenders, rounds)
        for s in series.values():
            rows.append((s.label, f"{s.wall:.2f}", f"{s.cpu:.2f}", mib(s.peak)))
        cold = series["storykit build, cold (4 sources, all formats)"]
        memory = probe("memory", "build", str(SEEDS), "-o", str(tmp / "mem"), "-q", "--no-cache")
        both = f"{mib(memory['main'])} / {mib(memory['worker'])}"
        rows.append(("  peak RSS: main process / PDF worker", "", "", both))

        # 2. The small things.
        small = interleaved({
            "storykit build, unchanged rebuild (cache)": storykit_build(SEEDS, tmp / "sk", []),
            "storykit --help": lambda: timed([*STORYKIT, "--help"]),
            "storykit build -f txt (cold)": storykit_build(SEEDS, tmp / "txt", ["--no-cache", "-f", "txt"]),
        }, rounds)
        for s in small.values():
            rows.append((s.label, f"{s.wall:.2f}", f"{s.cpu:.2f}", mib(s.peak)))

        # 3. watch: a rebuild after editing one source.
        watched = tmp / "watched"
        shutil.copytree(SEEDS, watched)
        printed, seen = watch_rebuilds(watched, tmp / "wout", max(3, rounds))
        rows.append(("storykit watch: rebuild after editing one source", f"{statistics.median(printed):.2f}", "", ""))
        rows.append(("  edit to printed line (adds up to 0.3 s of polling)", f"{statistics.median(seen):.2f}", "", ""))

        # 4. Scaling.
        scaling: dict[str, dict[str, float]] = {}
        if not args.quick:
            big = scaled_sources(10, tmp / "x10")
            long = long_source(30_000, tmp / "long")
            grown = interleaved({
                "storykit build, 10x sources (40 articles)": storykit_build(big, tmp / "o10", ["--no-cache"]),
                "storykit build, one 30,000-word source": storykit_build(long, tmp / "olong", ["--no-cache"]),
            }, max(1, rounds // 2))
            for s in grown.values():
                rows.append((s.label, f"{s.wall:.2f}", f"{s.cpu:.2f}", mib(s.peak)))
                rows.append((f"  x sample: time {s.wall / cold.wall:.1f}, memory {s.peak / cold.peak:.1f}", "", "", ""))
            for factor in (1, 2, 5, 10):
                folder = scaled_sources(factor, tmp / f"m{factor}")
                scaling[f"{4 * factor} sources"] = probe("merge", str(folder))
            scaling["one 30,000-word source"] = probe("merge", str(long))

        print()
        table(rows)
        pandoc = series.get("pandoc pipeline (epub + pdf via weasyprint + txt)")
        if pandoc:
            print(f"\nratio storykit / pandoc, cold build (median wall): {cold.wall / pandoc.wall:.2f}"
                  f"   (CPU: {cold.cpu / pandoc.cpu:.2f})")

        # 5. Stages, each run in a fresh interpreter so first-use costs count where they fall.
        stage_runs = [probe("stages", str(SEEDS)) for _ in range(rounds)]
        stages = {k: statistics.median(r[k] for r in stage_runs) for k in stage_runs[0] if k != "sentences"}
        print("\nstages of one sequential build, fresh interpreter (median s):")
        for stage, seconds in stages.items():
            print(f"  {stage:36} {seconds:7.3f}")
        print(f"  {'sum':36} {sum(stages.values()):7.3f}")

        # 6. The PDF stage against WeasyPrint's own time on the same HTML.
        pdf_times = probe("pdf", str(SEEDS), str(rounds))
        overhead = 100 * (pdf_times["ratio to weasyprint"] - 1)
        same = 100 * (pdf_times["ratio to weasyprint+attachment+fetcher"] - 1)
        print(f"\nPDF stage, warm (median s, overhead = median of each round's ratio): storykit"
              f" {pdf_times['storykit']:.3f}; WeasyPrint alone on the same HTML {pdf_times['weasyprint']:.3f}"
              f" (overhead {overhead:+.1f}%); the same plus story.json attached and storykit's URL fetcher"
              f" {pdf_times['weasyprint+attachment+fetcher']:.3f} (overhead {same:+.1f}%); storykit painting on"
              f" two cores, as its PDF worker does, {pdf_times['storykit, two cores']:.3f}")

        if scaling:
            print("\nmerge scaling (merge alone, best of 3):")
            print(f"  {'input':24} {'sources':>7} {'words':>7} {'sentences':>9} {'merge s':>8} {'s per 1k sent.':>14}")
            for label, m in scaling.items():
                print(f"  {label:24} {m['sources']:7.0f} {m['words']:7.0f} {m['sentences']:9.0f} {m['merge']:8.3f}"
                      f" {1000 * m['merge'] / m['sentences']:14.3f}")
            first, last = scaling["4 sources"], scaling["40 sources"]
            slope = math.log(last["merge"] / first["merge"]) / math.log(last["sentences"] / first["sentences"])
            print(f"  growth exponent from 4 to 40 sources: time ~ sentences^{slope:.2f} (2 would be quadratic)")
            results["merge_exponent"] = slope

        results.update(rows=rows, stages=stages, pdf=pdf_times, scaling=scaling,
                       watch={"printed": printed, "edit_to_line": seen},
                       series={k: [r.__dict__ for r in s.runs] for k, s in {**series, **small}.items()},
                       memory=memory, load_after=" ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"\nload average at the end: {results['load_after']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
