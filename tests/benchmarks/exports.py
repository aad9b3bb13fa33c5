"""Exports of a 1,000-provision agreement (about 1.5 MB of text) in every format, beside pandoc.

Each format is built by `agreement.documents.build` in a fresh process of its own, after a
warm-up on a ten-article text (imports, fonts), as a long-lived export worker would:

- time: median wall time of the builds (one build for PDF), with the process's CPU time beside
  it, since other work on the machine takes wall time but not CPU time;
- peak memory: the process's resident-set high-water mark during the builds minus its resident
  set just before them (Linux: VmHWM, reset through /proc/self/clear_refs). Unlike tracemalloc
  this counts what C libraries allocate too: WeasyPrint's Pango and cairo, lxml's trees.

pandoc (from Debian's packages, installed if missing) converts our own Markdown export of the
same text to DOCX, as the reference for our DOCX. Its figure is the whole `pandoc` process:
start-up included, and its peak memory is the process's own peak resident set.

The last row counts the queries `agreement.consolidation.consolidated_text` runs for agreements
of 100 and 1,000 provisions on the bench database: the same number whatever the size.
"""

from __future__ import annotations

import datetime
import multiprocessing
import re
import resource
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.benchmarks import Row, unavailable
from tests.benchmarks._postgres import Unavailable, bench_database, run_in_django
from tests.benchmarks._tools import debian_tool
from tests.benchmarks.text import _PARTY_CODES, bracket, make_text

PROVISIONS = 1_000
CHAPTERS = 10
TEXT_CHARS = 1_500_000
MEMORY_LIMIT_MB = 300
TIME_TARGETS_S = {"html": 0.5, "pdf": 30.0}
PANDOC_RUNS = 3


def synthetic_text(provisions: int = PROVISIONS, chars: int = TEXT_CHARS):
    """A consolidated negotiating text of `provisions` bracketed articles in ten chapters,
    about `chars` characters of provision text in all."""
    from agreement.documents.model import ArticleEntry, ChapterEntry, ConsolidatedText, PartyEntry

    paragraphs = make_text(size=chars, seed=5).split("\n\n")
    share = max(len(paragraphs) // provisions, 1)
    per_chapter = max(provisions // CHAPTERS, 1)
    articles = [
        ArticleEntry(
            number=f"{1 + index // per_chapter}.{1 + index % per_chapter}",
            heading=f"Article {index + 1} on critical minerals",
            status="under_negotiation",
            status_label="Under negotiation",
            category_label="Trade measures",
            proposed_by=_PARTY_CODES[index % len(_PARTY_CODES)],
            body=bracket("\n\n".join(paragraphs[index * share : (index + 1) * share]), seed=index),
            version=3,
        )
        for index in range(provisions)
    ]
    moment = datetime.datetime(2026, 6, 19, 12, tzinfo=datetime.UTC)
    return ConsolidatedText(
        agreement_title="Plurilateral Agreement on Trade in Critical Minerals (benchmark)",
        short_title="Critical Minerals Agreement",
        variant="negotiating",
        as_of=moment,
        as_of_label="close of Round 3",
        parties=tuple(PartyEntry(code=c, name=c, standing="participant") for c in _PARTY_CODES),
        chapters=tuple(
            ChapterEntry(
                number=number + 1,
                title=f"Chapter {number + 1}",
                articles=tuple(articles[number * per_chapter : (number + 1) * per_chapter]),
            )
            for number in range(CHAPTERS)
        ),
        classification="Limited — negotiating text",
        marking="Prepared for bench-negotiator (US) on 2026-06-19, export 1",
        generated_at=moment,
        export_id=1,
        party_colours={code: "#1d4f91" for code in _PARTY_CODES},
    )


def bench_formats() -> list[Row]:
    from agreement.documents import FORMATS, build

    text = synthetic_text()
    chars = sum(len(article.body) for article in text.articles())
    label = f"{PROVISIONS:,} provisions, {chars / 1_000_000:.1f} MB"
    measured = {fmt: _in_fresh_process(_measure_build, fmt) for fmt in FORMATS}
    pandoc = _pandoc_reference(build("md", text).content)

    rows = []
    for fmt in FORMATS:
        seconds, cpu, peak_mb, size = measured[fmt]
        in_seconds = fmt == "pdf"
        figure = seconds if in_seconds else seconds * 1000
        note = f"CPU {_duration(cpu)}, {_size(size)}"
        if fmt == "docx" and pandoc is not None:
            rows.append(
                Row(
                    name=f"export docx, {label}",
                    figure=figure,
                    unit="s" if in_seconds else "ms",
                    reference_figure=pandoc[0] if in_seconds else pandoc[0] * 1000,
                    reference_name="pandoc md→docx",
                    ratio=seconds / pandoc[0],
                    target="≤ pandoc",
                    met=seconds <= pandoc[0],
                    note=note,
                )
            )
        else:
            target = TIME_TARGETS_S.get(fmt)
            rows.append(
                Row(
                    name=f"export {fmt}, {label}",
                    figure=figure,
                    unit="s" if in_seconds else "ms",
                    target=_target(target, in_seconds),
                    met=None if target is None else seconds <= target,
                    note=note
                    + ("; pandoc not available" if fmt == "docx" and pandoc is None else ""),
                )
            )
        rows.append(
            Row(
                name=f"export {fmt}: peak memory",
                figure=peak_mb,
                unit="MB",
                reference_figure=pandoc[1] if fmt == "docx" and pandoc else None,
                reference_name="pandoc process" if fmt == "docx" and pandoc else "",
                target=f"≤ {MEMORY_LIMIT_MB} MB",
                met=peak_mb <= MEMORY_LIMIT_MB,
            )
        )
    return rows


def bench_consolidation_queries() -> Row:
    name = f"consolidated text queries, {PROVISIONS:,} provisions"
    try:
        url = bench_database()
    except Unavailable as error:
        return unavailable(name, str(error))
    counts, seconds = run_in_django(url, _count_queries)
    return Row(
        name=name,
        figure=counts[PROVISIONS]["negotiating"],
        unit="queries",
        reference_figure=counts[100]["negotiating"],
        reference_name="100 provisions",
        target="same count",
        met=counts[PROVISIONS] == counts[100],
        note=f"redline {counts[PROVISIONS]['redline']} vs {counts[100]['redline']}; "
        f"{seconds * 1000:.0f} ms for {PROVISIONS:,}",
    )


# In the child processes.


def _in_fresh_process(function, *args):
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as executor:
        return executor.submit(function, *args).result()


def _measure_build(fmt: str) -> tuple[float, float, float, int]:
    """Median wall seconds, CPU seconds per build, peak MB above the start, bytes: one format."""
    from agreement.documents import build

    build(fmt, synthetic_text(provisions=10, chars=15_000))  # imports, fonts
    text = synthetic_text()
    runs = 1 if fmt == "pdf" else 3 if fmt == "docx" else 5
    walls, cpus, peaks = [], [], []
    for _ in range(runs):
        before = _reset_peak()
        cpu = time.process_time()
        start = time.perf_counter()
        size = len(build(fmt, text).content)
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        peaks.append(_peak_kb() - before)
    return statistics.median(walls), statistics.median(cpus), max(peaks) / 1024, size


def _status_kb(field: str) -> int:
    match = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(match.group(1)) if match else 0


def _reset_peak() -> int:
    """Reset the resident-set high-water mark; answer the resident set now, in kB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return _status_kb("VmRSS")
    except OSError:  # not Linux, or not allowed: the lifetime peak is the best there is
        return _status_kb("VmRSS") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_kb() -> int:
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _pandoc_reference(markdown: bytes) -> tuple[float, float] | None:
    """pandoc's median wall seconds and peak resident MB for Markdown → DOCX, or None."""
    pandoc = debian_tool("pandoc")
    if pandoc is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "agreement.md")
        source.write_bytes(markdown)
        return _in_fresh_process(_run_pandoc, pandoc, str(source), str(Path(folder, "out.docx")))


def _run_pandoc(pandoc: str, source: str, target: str) -> tuple[float, float]:
    walls = []
    for _ in range(PANDOC_RUNS):
        start = time.perf_counter()
        subprocess.run(
            [pandoc, "--from=markdown", "--to=docx", f"--output={target}", source],
            check=True,
            capture_output=True,
        )
        walls.append(time.perf_counter() - start)
    # The children of this process are the pandoc runs alone: their peak is pandoc's.
    return statistics.median(walls), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _count_queries() -> tuple[dict[int, dict[str, int]], float]:
    """Queries of consolidated_text, per size and variant; seconds for the largest."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from agreement.consolidation import consolidated_text
    from agreement.models import ExportJob
    from tests.benchmarks.compare import build_agreement

    counts: dict[int, dict[str, int]] = {}
    seconds = 0.0
    for size, seed in ((100, 41), (PROVISIONS, 42)):
        agreement, moment = build_agreement(provisions=size, seed=seed)
        counts[size] = {}
        for variant in ("negotiating", "redline"):
            job = ExportJob(
                agreement=agreement,
                requested_by=get_user_model().objects.get(username=f"bench-{seed}"),
                format="pdf",
                variant=variant,
                as_of=timezone.now(),
                as_of_label="now",
                base_at=moment if variant == "redline" else None,
                base_label="the benchmark's start" if variant == "redline" else "",
                marking="benchmark",
            )
            start = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                text = consolidated_text(job)
            if variant == "negotiating":
                seconds = time.perf_counter() - start
            articles = sum(1 for _ in text.articles())
            if articles != size:
                raise AssertionError(f"consolidated text of {size} provisions has {articles}")
            counts[size][variant] = len(queries)
    return counts, seconds


def _target(seconds: float | None, in_seconds: bool) -> str:
    if seconds is None:
        return ""
    return f"≤ {seconds:g} s" if in_seconds else f"≤ {seconds * 1000:.0f} ms"


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds * 1000:.0f} ms"


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1_000:.0f} KB"
