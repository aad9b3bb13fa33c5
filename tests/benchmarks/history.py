"""A provision with 10,000 versions: its history page and the diff of its last two versions.

On PostgreSQL (the bench database of `_postgres`), through the pages and the API as a signed-in
negotiator sees them, beside the same requests on a provision with 10 versions.

Versions are written through `provision_update` while that fits the time budget; past it (each
edit costs tens of milliseconds) the middle versions are written in bulk with simple-history's
`bulk_history_create`, one history row per version, and the provision row is set to match. The
last two versions are always written by the service, so the diff compares real edits.
"""

from __future__ import annotations

import datetime
import time
from dataclasses import dataclass

from tests.benchmarks import Row, median_ms, unavailable
from tests.benchmarks._postgres import Unavailable, bench_database, run_in_django
from tests.benchmarks.text import bracket, make_text, mutate

VERSIONS = 10_000
FEW_VERSIONS = 10
SERVICE_SAMPLE = 200  # edits timed through the service before deciding
SERVICE_BUDGET_S = 180  # if all versions through the service would take longer: bulk
TARGET_MS = 50


def bench_history() -> list[Row]:
    try:
        url = bench_database()
    except Unavailable as error:
        return [unavailable("history and diff, 10,000 versions", str(error))]
    return run_in_django(url, _measure)


def _version_body(plain: str, version: int) -> str:
    """The text of one version: the same article, reworded a little differently each time."""
    return bracket(mutate(plain, rate=0.03, seed=version), seed=version)


def _measure() -> list[Row]:
    from django.test import Client
    from rest_framework.test import APIClient

    from parties.access import actor_for
    from provisions import services
    from tests.benchmarks._world import negotiation

    world = negotiation("History benchmark", negotiators=1)
    user = world.negotiators[0]
    actor = actor_for(user)
    plain = make_text(size=1_500, seed=21)

    def table(number: str):
        return services.provision_create(
            actor=actor,
            agreement=world.agreement,
            chapter=world.chapter,
            number=number,
            heading=f"Reference prices {number}",
            category="trade_measures",
            body=_version_body(plain, 1),
        )

    def edit(provision, version: int):
        return services.provision_update(
            actor=actor,
            provision=provision,
            expected_version=provision.version,
            body=_version_body(plain, version),
            reason=f"Redraft {version}",
        )

    few = table("1")
    for version in range(2, FEW_VERSIONS + 1):
        few = edit(few, version)

    many = table("2")
    start = time.perf_counter()
    for version in range(2, SERVICE_SAMPLE + 2):
        many = edit(many, version)
    per_edit_ms = (time.perf_counter() - start) * 1000 / SERVICE_SAMPLE
    projected_s = per_edit_ms * (VERSIONS - 1) / 1000
    if projected_s <= SERVICE_BUDGET_S:
        for version in range(many.version + 1, VERSIONS + 1):
            many = edit(many, version)
        how = f"all {VERSIONS:,} versions by the service"
    else:
        many = _bulk_versions(many, plain, up_to=VERSIONS - 2)
        for version in (VERSIONS - 1, VERSIONS):
            many = edit(many, version)
        how = (
            f"{VERSIONS - SERVICE_SAMPLE - 3:,} versions in bulk: "
            f"the service alone would take ~{projected_s:.0f} s"
        )
    _check_versions(many, VERSIONS)
    _check_versions(few, FEW_VERSIONS)

    page = Client()
    page.force_login(user)
    api = APIClient()
    api.force_authenticate(user)

    rows = [
        Row(
            name="provision_update through the service, 1.5 KB text",
            figure=per_edit_ms,
            note=f"mean of {SERVICE_SAMPLE}; {how}",
        )
    ]
    requests = [
        ("history page", page, "/provisions/{}/history/"),
        ("history API, first page of 50", api, "/api/v1/provisions/{}/history/"),
        ("compare page, last two versions", page, "/provisions/{}/compare/"),
        ("diff API, last two versions", api, "/api/v1/provisions/{}/diff/"),
    ]
    queries = {}
    for label, client, path in requests:
        ours = _request(client, path.format(many.pk))
        reference = _request(client, path.format(few.pk))
        queries[label] = (ours.queries, reference.queries)
        rows.append(
            Row(
                name=f"{label}, {VERSIONS:,} versions",
                figure=ours.ms,
                reference_figure=reference.ms,
                reference_name=f"{FEW_VERSIONS} versions",
                ratio=ours.ms / reference.ms,
                target=f"< {TARGET_MS} ms",
                met=ours.ms < TARGET_MS,
                note=_size(ours.size),
            )
        )
    many_queries, few_queries = queries["history page"]
    rows.append(
        Row(
            name=f"history page queries, {VERSIONS:,} versions",
            figure=many_queries,
            unit="queries",
            reference_figure=few_queries,
            reference_name=f"{FEW_VERSIONS} versions",
            target="same count",
            met=many_queries == few_queries,
        )
    )
    return rows


def _bulk_versions(provision, plain: str, *, up_to: int):
    """History rows for versions provision.version+1 .. up_to, then the provision row to match."""
    from provisions.models import Provision
    from provisions.selectors import text_check

    latest = provision.history.latest()
    first = provision.version + 1
    versions = []
    for version in range(first, up_to + 1):
        state = _copy(provision)
        state.version = version
        state.body = _version_body(plain, version)
        state.bracket_count = text_check(provision.agreement, state.body).count.total
        state.updated_at = provision.updated_at + datetime.timedelta(seconds=version - first + 1)
        state._history_date = state.updated_at
        state._history_user = latest.history_user
        state._change_reason = f"Redraft {version}"
        versions.append(state)
    Provision.history.bulk_history_create(
        versions,
        batch_size=1_000,
        update=True,
        custom_historical_attrs={"history_party": latest.history_party},
    )
    last = versions[-1]
    # The history rows above are the record of these versions; the row takes the last one's state.
    Provision.objects.filter(pk=provision.pk).update(
        version=last.version,
        body=last.body,
        bracket_count=last.bracket_count,
        updated_at=last.updated_at,
    )
    return Provision.objects.get(pk=provision.pk)


def _copy(provision):
    from provisions.models import Provision

    fields = {field.attname: getattr(provision, field.attname) for field in Provision._meta.fields}
    return Provision(**fields)


def _check_versions(provision, versions: int) -> None:
    provision.refresh_from_db()
    numbers = list(provision.history.order_by("version").values_list("version", flat=True))
    if provision.version != versions or numbers != list(range(1, versions + 1)):
        raise AssertionError(
            f"provision {provision.pk} has version {provision.version} and "
            f"{len(numbers)} history rows; expected versions 1..{versions}, one row each"
        )
    if provision.history.get(version=versions).body != provision.body:
        raise AssertionError("the latest history row does not hold the provision's text")


@dataclass(frozen=True)
class Timed:
    ms: float  # median
    size: int  # bytes of the response
    queries: int  # database queries of one request


def _request(client, url: str) -> Timed:
    """GET `url` as `client`: median time (fewer runs when it is slow), size and query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    first = time.perf_counter() - start
    # Read now: every request starts by emptying the connection's query log.
    count = len(queries)
    if response.status_code != 200:
        raise AssertionError(f"GET {url} answered {response.status_code}")
    runs = 9 if first < 0.2 else 3
    return Timed(
        ms=median_ms(lambda: client.get(url), runs=runs, warmup=0),
        size=len(response.content),
        queries=count,
    )


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size / 1_000:.0f} KB"
