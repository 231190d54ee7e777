"""Report rendering: ``.venv/bin/python bench/report.py [--runs N] [--variants] [--no-chromium]``.

Both demo reports are assembled once in a throw-away SQLite database (migrated in a temporary directory,
removed afterwards), then rendered:

0. in fresh processes (WeasyPrint import included), each printing its own time and peak RSS;
1. with WeasyPrint in this process (imported once, as the render worker runs it) and, alternating run by run,
   with a fresh headless Chromium printing the same HTML and CSS (when /usr/bin/chromium exists): medians of
   wall and CPU seconds (Chromium's CPU summed over its process tree), pages, size, peak RSS; the last lines
   are one per report ending in "ratio X.XX" (WeasyPrint ÷ Chromium, wall medians);
2. with --no-chromium: WeasyPrint alone, several times in this process;
3. with --variants: the same HTML with one CSS change each (table layout, borders, page-break rules, no
   tables at all), interleaved run by run, so that what costs layout time can be compared in one run.

Prints figures only; nothing here asserts a time. The machines are noisy: compare ratios from one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CHROMIUM = Path("/usr/bin/chromium")
# Flags for a clean, reproducible print: no sandbox or GPU in containers, shared memory in /tmp rather than
# a small /dev/shm, no header/footer, and all compositing done before the PDF is taken.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--run-all-compositor-stages-before-draw",
    "--no-pdf-header-footer",
]
VARIANTS = {
    "baseline": "",
    "table-layout:auto": "table { table-layout: auto !important; }",
    "border-collapse": (
        "table { border-collapse: collapse !important; } th, td { border: 0.5pt solid #333 !important; }"
    ),
    "no-keep-rules": (
        "tbody.keep { break-inside: auto !important; } tbody.lead tr + tr { break-before: auto !important; }"
        " .table-block.whole { break-inside: auto !important; }"
    ),
    "row-avoid": "tr { break-inside: avoid; }",
    "no-overflow-wrap": "th, td { overflow-wrap: normal !important; }",
    "no-cell-borders": "table { border: 0 !important; } th, td { border: 0 !important; }",
    "no-draft-marks": ".draft-stamp { display: none !important; } @page { @top-right { content: none; } }",
    "no-toc-page-numbers": ".toc a::after { content: none !important; }",
    "no-tables": "table { display: none !important; }",
}


def mib(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB"


def peak_rss_kib() -> int:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it is not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def setup_django(workdir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.test_settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    import django

    django.setup()


def assemble_demo(workdir: str) -> dict[str, dict]:
    """Migrate, load the demo and return both reports' content snapshots (JSON-able dicts)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from evaluations.demo import load_demo
    from reports.assembly import assemble_report
    from reports.selection import outline_for, report_title

    contents = {}
    for kind, evaluation in load_demo().items():
        started = time.monotonic()
        content = assemble_report(evaluation, outline_for(evaluation), title=report_title(evaluation))
        contents[kind] = content.to_dict()
        print(f"  {kind:<10} assembled in {time.monotonic() - started:.3f} s")
    return contents


def render_html_variant(html: str, css: str) -> bytes:
    from weasyprint import HTML

    from reports.rendering import STATIC_DIR, url_fetcher

    if css:
        html = html.replace("</head>", f"<style>{css}</style></head>", 1)
    document = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=url_fetcher()).render()
    return document.write_pdf(), len(document.pages)


def in_process(contents: dict[str, dict], runs: int) -> dict[str, float]:
    from reports.rendering import render_pdf_document

    print(f"\n2. In this process ({runs} runs each, WeasyPrint imported once)")
    medians = {}
    for kind, content in contents.items():
        totals, layouts, result = [], [], None
        for _ in range(runs):
            result = render_pdf_document(content)
            totals.append(result.seconds)
            layouts.append(result.layout_seconds)
        medians[kind] = statistics.median(totals)
        print(
            f"  {kind:<10} median {medians[kind]:.2f} s (layout {statistics.median(layouts):.2f} s, "
            f"write {medians[kind] - statistics.median(layouts):.2f} s); {result.pages} pages, "
            f"{len(result.pdf) / 1024:.0f} KiB"
        )
    print(f"  peak RSS of this process: {mib(peak_rss_kib())}")
    return medians


def child(path: str) -> None:
    """Run in a fresh process: render one snapshot, print seconds, pages, size and peak RSS as JSON."""
    started = time.monotonic()
    setup_django(os.environ["BENCH_WORKDIR"])
    from reports.rendering import render_pdf_document

    content = json.loads(Path(path).read_text())
    ready = time.monotonic()
    result = render_pdf_document(content)
    print(
        json.dumps(
            {
                "render": result.seconds,
                "process": time.monotonic() - started,
                "setup": ready - started,
                "pages": result.pages,
                "size": len(result.pdf),
                "rss_kib": peak_rss_kib(),
            }
        )
    )


def fresh_processes(files: dict[str, Path], runs: int, workdir: str) -> dict[str, float]:
    print(f"\n0. Fresh processes ({runs} each; WeasyPrint import included in 'render')")
    medians = {}
    for kind, path in files.items():
        results = []
        for _ in range(runs):
            out = subprocess.run(  # noqa: S603 - our own script
                [sys.executable, __file__, "--child", str(path)],
                capture_output=True,
                text=True,
                check=True,
                env={**os.environ, "BENCH_WORKDIR": workdir},
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        medians[kind] = statistics.median(r["render"] for r in results)
        print(
            f"  {kind:<10} median render {medians[kind]:.2f} s, whole process "
            f"{statistics.median(r['process'] for r in results):.2f} s; {results[0]['pages']} pages, "
            f"{results[0]['size'] / 1024:.0f} KiB; peak RSS {mib(max(r['rss_kib'] for r in results))}"
        )
    return medians


def process_tree(pid: int) -> dict[int, tuple[int, float]]:
    """RSS (KiB) and CPU seconds so far of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[int, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        ppid = int(fields.get("PPid", "0").strip())
        children.setdefault(ppid, []).append(int(entry.name))
        cpu = (int(stat[11]) + int(stat[12])) / tick  # utime + stime
        stats[int(entry.name)] = (int(fields.get("VmRSS", "0 kB").split()[0]), cpu)
    tree, stack = {}, [pid]
    while stack:
        current = stack.pop()
        if current in stats:
            tree[current] = stats[current]
        stack += children.get(current, [])
    return tree


def tree_rss_kib(pid: int) -> int:
    return sum(rss for rss, _ in process_tree(pid).values())


def chromium_print(page: Path, output: Path, profile: Path) -> tuple[float, float, int]:
    """Print one page with a fresh headless Chromium: wall seconds, CPU seconds of its process tree, peak RSS.

    The tree is sampled every 20 ms (its processes are not all our children, so rusage would miss them): CPU is
    each process's last sample, so it undercounts by at most 20 ms per process.
    """
    command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={output}", page.as_uri()]
    peak, cpu = [0], {}
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603

    def sample() -> None:
        while process.poll() is None:
            tree = process_tree(process.pid)
            peak[0] = max(peak[0], sum(rss for rss, _ in tree.values()))
            cpu.update({pid: seconds for pid, (_, seconds) in tree.items()})
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    wall = time.monotonic() - started
    sampler.join()
    return wall, sum(cpu.values()), peak[0]


def side_by_side(contents: dict[str, dict], runs: int, html_dir: Path) -> None:
    """WeasyPrint (in this process, as the worker runs it) and Chromium (fresh browser) run by run, alternating."""
    from pypdf import PdfReader

    from reports.rendering import STATIC_DIR, render_html, render_pdf_document

    print(f"\n1. WeasyPrint and headless Chromium, interleaved ({runs} runs each; medians; CPU of each side)")
    print(f"   Chromium flags: {' '.join(CHROMIUM_FLAGS)}")
    for css in STATIC_DIR.glob("*.css"):
        shutil.copy(css, html_dir / css.name)
    lines = []
    for kind, content in contents.items():
        page = html_dir / f"{kind}.html"
        page.write_text(render_html(content))
        output = html_dir / f"{kind}-chromium.pdf"
        weasy_wall, weasy_cpu, layouts, chrome_wall, chrome_cpu, peaks = [], [], [], [], [], []
        result = None
        for run in range(runs):
            order = ("weasy", "chrome") if run % 2 == 0 else ("chrome", "weasy")  # no position bias
            for side in order:
                if side == "weasy":
                    cpu = time.process_time()
                    result = render_pdf_document(content)
                    weasy_cpu.append(time.process_time() - cpu)
                    weasy_wall.append(result.seconds)
                    layouts.append(result.layout_seconds)
                else:
                    wall, cpu, peak = chromium_print(page, output, html_dir / f"profile-{kind}-{run}")
                    chrome_wall.append(wall)
                    chrome_cpu.append(cpu)
                    peaks.append(peak)
        w, c = statistics.median(weasy_wall), statistics.median(chrome_wall)
        wc, cc = statistics.median(weasy_cpu), statistics.median(chrome_cpu)
        print(
            f"  {kind:<10} WeasyPrint {w:.2f} s (layout {statistics.median(layouts):.2f} s, CPU {wc:.2f} s), "
            f"{result.pages} pages, {len(result.pdf) / 1024:.0f} KiB; Chromium {c:.2f} s (CPU {cc:.2f} s), "
            f"{len(PdfReader(output).pages)} pages, {output.stat().st_size / 1024:.0f} KiB, "
            f"peak RSS {mib(max(peaks))}"
        )
        lines.append(
            f"{kind:<10} WeasyPrint {w:.2f} s / Chromium {c:.2f} s, CPU ratio {wc / cc:.2f}, ratio {w / c:.2f}"
        )
    print(f"  peak RSS of this process (WeasyPrint): {mib(peak_rss_kib())}\n")
    for line in lines:
        print(line)


def variants(contents: dict[str, dict], runs: int) -> None:
    from reports.rendering import render_html

    print(f"\n3. CSS variants, interleaved ({runs} runs each; median seconds, ratio to baseline)")
    for kind, content in contents.items():
        html = render_html(content)
        timings: dict[str, list[float]] = {name: [] for name in VARIANTS}
        pages: dict[str, int] = {}
        names = list(VARIANTS)
        for run in range(runs):
            for name in names[run % len(names) :] + names[: run % len(names)]:  # rotated: no position bias
                css = VARIANTS[name]
                started = time.monotonic()
                _, pages[name] = render_html_variant(html, css)
                timings[name].append(time.monotonic() - started)
        base = statistics.median(timings["baseline"])
        for name, values in timings.items():
            value = statistics.median(values)
            print(f"  {kind:<10} {name:<20} {value:6.2f} s  ×{value / base:.2f}  ({pages[name]} pages)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variants", action="store_true", help="also time CSS variants (slow)")
    parser.add_argument("--no-chromium", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory(prefix="perf-eval-report-bench-") as workdir:
        print("Assembling the demo reports (throw-away database)…")
        setup_django(workdir)
        contents = assemble_demo(workdir)
        files = {}
        for kind, content in contents.items():
            files[kind] = Path(workdir) / f"{kind}.json"
            files[kind].write_text(json.dumps(content, ensure_ascii=False))
        if CHROMIUM.exists() and not args.no_chromium:
            html_dir = Path(workdir) / "html"
            html_dir.mkdir()
            fresh_processes(files, args.runs, workdir)
            side_by_side(contents, args.runs, html_dir)
        else:
            in_process(contents, args.runs)
            fresh_processes(files, args.runs, workdir)
            reason = "--no-chromium" if args.no_chromium else "/usr/bin/chromium not found"
            print(f"\nHeadless Chromium: skipped ({reason})")
        if args.variants:
            variants(contents, args.runs)


if __name__ == "__main__":
    main()
