"""Conflicting edits from four processes through the API on PostgreSQL: no update is lost.

The same experiment as `make bench` (tests/benchmarks/concurrency.py), at 4 × 10 edits on the
test database: the worker processes connect to it by name, so the test commits its data
(`transactional_db`) instead of running in a transaction they could not see.
"""

from django.db import connection

from tests.benchmarks._postgres import database_url_for
from tests.benchmarks.concurrency import run_conflicting_edits
from tests.conftest import need_service

PROCESSES = 4
EDITS_EACH = 10


def test_every_accepted_edit_is_in_history_and_every_refused_one_got_409(transactional_db):
    if connection.vendor != "postgresql":
        need_service("conflicting edits from several processes need PostgreSQL (set DATABASE_URL)")

    result = run_conflicting_edits(
        PROCESSES, EDITS_EACH, database_url_for(connection.settings_dict)
    )

    assert result.problems == []
    assert result.lost == []
    assert len(result.accepted) + len(result.refused) == PROCESSES * EDITS_EACH
    assert len(result.accepted) >= 1
    assert len(result.history) == len(result.accepted)
    assert result.final_version == result.start_version + len(result.accepted)
