"""Settings of the server `tests/benchmarks/api.py` measures: the project's own, with a URLconf
that adds the bare reference view (only when BENCH_REFERENCE_VIEW=1).

The leading underscore keeps the benchmark registry from importing this module as a benchmark.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks._bench_urls"
