"""Conflicting edits of one provision from several processes on PostgreSQL: no update is lost.

Each process signs in as its own negotiator and, as fast as it can, reads the provision through
the API (GET, the version from its ETag) and saves its own text on that version (PATCH with
If-Match). Between the read and the write another process has often saved, so many writes are
refused. The rule checked: every accepted write (200) is in the history at the version it was
given, with its text; every refused one got 409 naming a newer version; the history holds
nothing else; and the provision's version is its first version plus the accepted writes.

`run_conflicting_edits` is the whole experiment; `make bench` runs it at 4 × 50 on the bench
database, tests/integration/test_conflicting_processes.py at 4 × 10 on the test database.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field

from tests.benchmarks import Row, unavailable
from tests.benchmarks._postgres import (
    Unavailable,
    bench_database,
    django_process,
    setup_django,
)

PROCESSES = 4
EDITS_EACH = 50
# A worker that has not reported by then is stuck (or dead): the run fails instead of hanging.
WORKER_TIMEOUT_S = 300


@dataclass(frozen=True)
class Attempt:
    """One read-then-save. `version` is the version written (200) or the current one (409)."""

    process: int
    edit: int
    status: int
    based_on: int
    version: int | None
    body: str
    detail: str = ""


@dataclass(frozen=True)
class EditsResult:
    processes: int
    edits_each: int
    start_version: int
    final_version: int
    attempts: tuple[Attempt, ...]
    history: tuple[tuple[int, str], ...]  # (version, body) of every history row after the start
    seconds: float  # the editing, from the common start to the last worker's end
    worker_errors: tuple[str, ...] = field(default=())

    @property
    def accepted(self) -> list[Attempt]:
        return [a for a in self.attempts if a.status == 200]

    @property
    def refused(self) -> list[Attempt]:
        return [a for a in self.attempts if a.status == 409]

    @property
    def lost(self) -> list[Attempt]:
        """Accepted writes whose text is not in the history at the version they were given."""
        recorded = set(self.history)
        return [a for a in self.accepted if (a.version, a.body) not in recorded]

    @property
    def problems(self) -> list[str]:
        """Every way the run broke the rule, in words; empty when nothing was lost."""
        problems = list(self.worker_errors)
        expected = self.processes * self.edits_each
        if len(self.attempts) != expected:
            problems.append(f"{len(self.attempts)} attempts reported, {expected} expected")
        problems += [
            f"process {a.process} edit {a.edit}: answered {a.status} {a.detail}".strip()
            for a in self.attempts
            if a.status not in (200, 409)
        ]
        problems += [
            f"process {a.process} edit {a.edit}: 409 although version {a.based_on} was current"
            for a in self.refused
            if a.version is None or a.version <= a.based_on
        ]
        problems += [
            f"process {a.process} edit {a.edit}: accepted as version {a.version}, "
            "not in the history with its text"
            for a in self.lost
        ]
        versions = [version for version, _ in self.history]
        if len(versions) != len(set(versions)):
            problems.append("the history holds a version twice")
        if len(self.history) != len(self.accepted):
            problems.append(
                f"{len(self.history)} history rows added for {len(self.accepted)} accepted writes"
            )
        if self.final_version != self.start_version + len(self.accepted):
            problems.append(
                f"final version {self.final_version}, expected "
                f"{self.start_version} + {len(self.accepted)} accepted"
            )
        return problems


def run_conflicting_edits(processes: int, edits_each: int, database_url: str) -> EditsResult:
    """`processes` spawned processes each make `edits_each` read-then-PATCH edits of one new
    provision through the API, on the PostgreSQL database at `database_url` (already migrated)."""
    context = multiprocessing.get_context("spawn")
    with django_process(database_url) as control:
        provision_id, user_ids, start_version = control.submit(_seed, processes).result()
        start = context.Barrier(processes + 1)
        reports = context.Queue()
        workers = [
            context.Process(
                target=_edit,
                args=(database_url, index, user_ids[index], provision_id, edits_each),
                kwargs={"start": start, "reports": reports},
                daemon=True,
            )
            for index in range(processes)
        ]
        for worker in workers:
            worker.start()
        attempts: list[Attempt] = []
        errors: list[str] = []
        try:
            # A broken barrier means a worker failed before the start; its report says why.
            with contextlib.suppress(threading.BrokenBarrierError):
                start.wait(timeout=WORKER_TIMEOUT_S)
            began = time.perf_counter()
            for _ in workers:
                index, outcome = reports.get(timeout=WORKER_TIMEOUT_S)
                if isinstance(outcome, str):
                    errors.append(f"process {index} failed:\n{outcome}")
                else:
                    attempts.extend(outcome)
            seconds = time.perf_counter() - began
        finally:
            for worker in workers:
                worker.join(timeout=30)
                if worker.is_alive():
                    worker.terminate()
        final_version, history = control.submit(
            _history_after, provision_id, start_version
        ).result()
    return EditsResult(
        processes=processes,
        edits_each=edits_each,
        start_version=start_version,
        final_version=final_version,
        attempts=tuple(sorted(attempts, key=lambda a: (a.process, a.edit))),
        history=tuple(history),
        seconds=seconds,
        worker_errors=tuple(errors),
    )


def _seed(processes: int) -> tuple[int, list[int], int]:
    """A provision and one negotiator per process (parties in turn); in the control process."""
    from parties.access import actor_for
    from provisions import services
    from tests.benchmarks._world import negotiation

    # One delegation drafting its own provision: every edit is one its writers may make, so the
    # only refusals are the version conflicts this measures.
    world = negotiation(
        f"Conflicting edits {uuid.uuid4().hex[:8]}", negotiators=processes, one_party=True
    )
    provision = services.provision_create(
        actor=actor_for(world.negotiators[0]),
        agreement=world.agreement,
        chapter=world.chapter,
        number="1",
        heading="Price floors",
        category="trade_measures",
        body="The Parties [shall][should] establish price floors.",
    )
    return provision.pk, [user.pk for user in world.negotiators], provision.version


def _edit(
    database_url: str,
    index: int,
    user_id: int,
    provision_id: int,
    edits_each: int,
    *,
    start,
    reports,
) -> None:
    """One editing process: its attempts, or the traceback that stopped it, go to `reports`."""
    try:
        setup_django(database_url)
        from django.contrib.auth import get_user_model
        from django.db import connections
        from rest_framework.test import APIClient

        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(pk=user_id))
        url = f"/api/v1/provisions/{provision_id}/"
        attempts = []
        start.wait(timeout=WORKER_TIMEOUT_S)
        for edit in range(edits_each):
            read = client.get(url)
            if read.status_code != 200:
                raise RuntimeError(f"GET {url} answered {read.status_code}")
            based_on = int(read["ETag"].strip('"'))
            body = f"Process {index} edit {edit}: the Parties shall consult."
            saved = client.patch(
                url,
                {"body": body, "reason": f"process {index} edit {edit}"},
                format="json",
                HTTP_IF_MATCH=f'"{based_on}"',
            )
            data = saved.json() if saved["Content-Type"].startswith("application/json") else {}
            version = data.get("version") if saved.status_code == 200 else None
            if saved.status_code == 409:
                version = data.get("current_version")
            attempts.append(
                Attempt(
                    process=index,
                    edit=edit,
                    status=saved.status_code,
                    based_on=based_on,
                    version=version,
                    body=body,
                    detail="" if saved.status_code in (200, 409) else str(data)[:300],
                )
            )
        connections.close_all()
        reports.put((index, attempts))
    except BaseException:
        reports.put((index, traceback.format_exc()))
        # A failed barrier would leave the others waiting: let them go.
        start.abort()


def _history_after(provision_id: int, start_version: int) -> tuple[int, list[tuple[int, str]]]:
    from provisions.models import Provision

    provision = Provision.objects.get(pk=provision_id)
    rows = provision.history.filter(version__gt=start_version).order_by("version", "history_id")
    return provision.version, list(rows.values_list("version", "body"))


def bench_conflicting_edits() -> Row:
    total = PROCESSES * EDITS_EACH
    name = f"{total} conflicting edits, {PROCESSES} processes, PostgreSQL: lost updates"
    try:
        url = bench_database()
    except Unavailable as error:
        return unavailable(name, str(error))
    result = run_conflicting_edits(PROCESSES, EDITS_EACH, url)
    problems = result.problems
    note = (
        f"{len(result.accepted)} accepted, {len(result.refused)} refused with 409, "
        f"{total / result.seconds:.0f} edits/s"
    )
    if problems:
        note += f"; {len(problems)} problem(s), first: {problems[0]}"
    return Row(
        name=name,
        figure=len(result.lost),
        unit="lost",
        target="0 lost, only 200/409",
        met=not problems,
        note=note,
    )
