"""Twenty delegates saving the same provision at once, on PostgreSQL with real transactions."""

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from parties.access import actor_for
from provisions import services
from provisions.models import Provision
from tests.conftest import need_service

WRITERS = 20


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        need_service("concurrent-write tests need PostgreSQL (set DATABASE_URL)")


def run_writers(
    provision_id: int,
    users,
    attempts_each: int,
    based_on: int | None = None,
    mineral_sets: list[list] | None = None,
) -> Counter:
    """Each writer saves its own text, based on `based_on` (all the same version) or on the version
    it has just read, and one of `mineral_sets` (its number in the reason) if given; returns the
    accepted/conflict counts."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(len(users))

    def writer(index: int, user) -> None:
        try:
            start.wait()
            for attempt in range(attempts_each):
                provision = Provision.objects.get(pk=provision_id)
                reason, minerals = f"writer {index} attempt {attempt}", {}
                if mineral_sets:
                    number = (index + attempt) % len(mineral_sets)
                    reason, minerals = (
                        f"{reason} minerals {number}",
                        {"minerals": mineral_sets[number]},
                    )
                try:
                    services.provision_update(
                        actor=actor_for(user),
                        provision=provision,
                        expected_version=based_on or provision.version,
                        body=f"Text from writer {index}, attempt {attempt}.",
                        reason=reason,
                        **minerals,
                    )
                    outcome = "accepted"
                except services.VersionConflict:
                    outcome = "conflict"
                except Exception as error:  # counted, so a failure shows what went wrong
                    outcome = f"error: {type(error).__name__}: {error}"

                with lock:
                    outcomes[outcome] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i, u)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_one_write_wins_per_version_and_history_holds_exactly_the_accepted(
    postgres, world, make_provision
):
    provision = make_provision("Original text.")
    # The US drafting its own provision: every write is allowed, so only versions decide.
    users = [world.user("US", role) for role in ("negotiator", "lead")] * 2
    users = [users[i % len(users)] for i in range(WRITERS)]

    first = run_writers(provision.pk, users, attempts_each=1, based_on=1)
    assert first == Counter({"accepted": 1, "conflict": WRITERS - 1})

    more = run_writers(provision.pk, users, attempts_each=5)
    accepted = first["accepted"] + more["accepted"]
    assert first.total() + more.total() == WRITERS * 6

    provision.refresh_from_db()
    versions = list(provision.history.order_by("version").values_list("version", flat=True))
    assert provision.version == 1 + accepted
    assert versions == list(range(1, accepted + 2))  # one row per version, none lost or doubled
    latest = provision.history.get(version=provision.version)
    assert latest.body == provision.body  # the row matches the text that won


def test_concurrent_writes_of_minerals_record_each_versions_own(postgres, world, make_provision):
    from tests.factories import MineralFactory

    cobalt = MineralFactory(agreement=world.agreement, name="Cobalt")
    mineral_sets = [[], [world.mineral], [world.mineral, cobalt]]
    provision = make_provision("Original text.", minerals=[cobalt])
    users = [world.user("US", role) for role in ("negotiator", "lead")] * 4

    outcomes = run_writers(provision.pk, users, attempts_each=4, mineral_sets=mineral_sets)
    assert set(outcomes) <= {"accepted", "conflict"}, outcomes

    provision.refresh_from_db()
    rows = list(provision.history.order_by("version"))
    assert [row.version for row in rows] == list(range(1, provision.version + 1))
    for row in rows[1:]:
        wanted = mineral_sets[int(row.history_change_reason.rsplit(" ", 1)[1])]
        recorded = row.minerals.values_list("mineral_id", flat=True)
        assert sorted(recorded) == sorted(m.pk for m in wanted), row.history_change_reason
    assert sorted(rows[-1].minerals.values_list("mineral_id", flat=True)) == sorted(
        provision.minerals.values_list("pk", flat=True)
    )
