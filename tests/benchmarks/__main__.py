"""`python -m tests.benchmarks [--only text] [--only ...]`: run the benchmarks, print one table."""

from __future__ import annotations

import argparse
import sys

from tests.benchmarks import collect, format_table, module_names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help=f"run only this benchmark module (repeatable); one of: {', '.join(module_names())}",
    )
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(module_names()))
    if unknown:
        parser.error(f"unknown benchmark module: {', '.join(unknown)}")
    rows = collect(args.only)
    print(format_table(rows))
    # A missed target is a finding for the reader, not a crash: exit 0 unless told otherwise.
    return 0


if __name__ == "__main__":
    sys.exit(main())
