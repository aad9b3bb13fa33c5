"""Benchmark registry: `python -m tests.benchmarks [--only NAME]` prints one table.

Every module in this package (its file name has no `test_` prefix, so pytest never collects it)
contributes rows: each of its public functions named `bench_*` is called in the order written
and returns a `Row` or a list of them. Adding a benchmark means adding such a function, or a
new module; nothing here needs to change.
"""

from __future__ import annotations

import importlib
import pkgutil
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Row:
    """One line of the table. `figure` is None when the benchmark could not run."""

    name: str
    figure: float | None
    unit: str = "ms"
    reference_figure: float | None = None
    reference_name: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


def unavailable(name: str, reason: str) -> Row:
    """A row for a benchmark whose code or tool is missing, so the table still prints."""
    return Row(name=name, figure=None, note=f"not available: {reason}")


def median_ms(func: Callable[[], object], runs: int = 7, warmup: int = 1) -> float:
    """Median wall time of `func()` in milliseconds over `runs` calls, after `warmup` calls."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def paired_median_ms(
    first: Callable[[], object], second: Callable[[], object], runs: int = 9
) -> tuple[float, float]:
    """Median times in ms of two functions measured turn about, so both see the same load."""
    first()
    second()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for func, bucket in ((first, times[0]), (second, times[1])):
            start = time.perf_counter()
            func()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def module_names() -> list[str]:
    """Benchmark modules in this package, by name (`text`, ...)."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(__path__)
        if not info.name.startswith(("_", "test_"))
    )


def collect(only: Sequence[str] = ()) -> list[Row]:
    """Run the benchmarks of every module, or of the modules named in `only`."""
    rows: list[Row] = []
    for name in only or module_names():
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ImportError as error:
            rows.append(unavailable(name, str(error)))
            continue
        for bench in _bench_functions(module):
            result = bench()
            rows.extend([result] if isinstance(result, Row) else result)
    return rows


def _bench_functions(module: ModuleType) -> list[Callable[[], Row | list[Row]]]:
    functions = [
        value
        for key, value in vars(module).items()
        if key.startswith("bench_") and callable(value) and value.__module__ == module.__name__
    ]
    return sorted(functions, key=lambda function: function.__code__.co_firstlineno)


def format_table(rows: Iterable[Row]) -> str:
    """The rows as an aligned plain-text table with a header line."""
    header = ("benchmark", "ours", "reference", "ratio", "target", "met")
    lines = [header, *(_cells(row) for row in rows)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    )


def _cells(row: Row) -> tuple[str, str, str, str, str, str]:
    if row.figure is None:
        return (row.name, row.note or "not available", "-", "-", "-", "-")
    reference = "-"
    if row.reference_figure is not None:
        reference = f"{row.reference_name} {_number(row.reference_figure)} {row.unit}".strip()
    elif row.reference_name:
        reference = row.reference_name
    return (
        f"{row.name} ({row.note})" if row.note else row.name,
        f"{_number(row.figure)} {row.unit}",
        reference,
        "-" if row.ratio is None else f"{row.ratio:.2f}×",
        row.target or "-",
        "-" if row.met is None else ("yes" if row.met else "no"),
    )


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"
