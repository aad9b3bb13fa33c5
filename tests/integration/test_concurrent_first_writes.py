"""Record-or-replace endpoints under twenty concurrent first writes, on PostgreSQL.

Each writer is a thread with its own database connection, going through the API as a client
does: every answer is a success, one row results, and the history holds every write in order.
"""

import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, connections
from rest_framework.test import APIClient

from negotiations.models import Position, Watch
from parties.access import actor_for
from provisions.models import Presence
from provisions.services import presence_touch
from tests.conftest import need_service

WRITERS = 20


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        need_service("concurrent-write tests need PostgreSQL (set DATABASE_URL)")


def all_at_once(write) -> Counter:
    """Run write(index) in WRITERS threads released together; count what each answered."""
    outcomes: Counter = Counter()
    lock = threading.Lock()
    start = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        try:
            start.wait()
            try:
                outcome = write(index)
            except Exception as error:  # counted, so a failure shows what went wrong
                outcome = f"error: {type(error).__name__}: {error}"
            with lock:
                outcomes[outcome] += 1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def client_as(username: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


def test_twenty_first_positions_of_one_party_give_one_position_and_its_whole_history(
    postgres, world, make_provision
):
    provision = make_provision()
    stances = ["support", "reserve", "study_reserve", "oppose"]

    def record(index: int) -> int:
        response = client_as("eu-lead").post(
            "/api/v1/positions/",
            {
                "provision": provision.pk,
                "party": "EU",
                "stance": stances[index % len(stances)],
                "note": f"writer {index}",
            },
            format="json",
        )
        return response.status_code

    outcomes = all_at_once(record)

    assert set(outcomes) <= {200, 201}, outcomes
    position = Position.objects.get(provision=provision, party=world.eu)
    history = list(position.history.order_by("history_id"))
    assert len(history) == WRITERS
    assert [row.history_type for row in history] == ["+"] + ["~"] * (WRITERS - 1)
    assert sorted(row.note for row in history) == sorted(f"writer {i}" for i in range(WRITERS))
    assert (history[-1].stance, history[-1].note) == (position.stance, position.note)
    assert {(row.history_user.username, row.history_party) for row in history} == {
        ("eu-lead", "EU")
    }
    assert {row.provision_version for row in history} == {provision.version}


def test_twenty_first_watches_of_one_provision_give_one_watch(postgres, world, make_provision):
    provision = make_provision()

    def watch(index: int) -> int:
        return (
            client_as("us-observer")
            .post("/api/v1/watches/", {"provision": provision.pk}, format="json")
            .status_code
        )

    outcomes = all_at_once(watch)

    assert set(outcomes) <= {200, 201}, outcomes
    assert Watch.objects.filter(provision=provision).count() == 1


def test_twenty_first_visits_of_one_provision_page_give_one_presence(
    postgres, world, make_provision
):
    provision = make_provision()

    def visit(index: int) -> str:
        user = get_user_model().objects.get(username="us-negotiator")
        presence_touch(actor=actor_for(user), provision=provision, editing=index % 2 == 0)
        return "touched"

    outcomes = all_at_once(visit)

    assert outcomes == {"touched": WRITERS}, outcomes
    assert Presence.objects.filter(provision=provision).count() == 1
