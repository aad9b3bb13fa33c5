"""Agreement-wide compare of 1,000 provisions between a round's close and now."""

from __future__ import annotations

import datetime
import random

from tests.benchmarks import Row, median_ms
from tests.benchmarks._django import django_ready
from tests.benchmarks.text import _PARTY_CODES, bracket, make_text, mutate

PROVISIONS = 1_000
CHANGED_SHARE = 0.10


def build_agreement(provisions: int = PROVISIONS, seed: int = 3):
    """An agreement of `provisions` bracketed articles (~1.5 KB each) tabled through the services.

    Returns the agreement and the moment before a tenth of them were edited and a few moved.
    """
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from agreement.models import Agreement, Chapter, Participation
    from parties.access import actor_for
    from parties.models import Membership, Party
    from provisions import services

    rng = random.Random(seed)
    agreement = Agreement.objects.create(title=f"Benchmark agreement {seed}")
    for code in _PARTY_CODES:
        party, _ = Party.objects.get_or_create(
            code=code, defaults={"name": code, "lead_agency": code}
        )
        Participation.objects.create(
            agreement=agreement, party=party, joined_on=datetime.date(2026, 1, 1)
        )
    user = get_user_model().objects.create(username=f"bench-{seed}")
    Membership.objects.create(user=user, party=Party.objects.get(code=_PARTY_CODES[0]), role="lead")
    actor = actor_for(user)
    chapters = [
        Chapter.objects.create(agreement=agreement, number=n, title=f"Chapter {n}")
        for n in range(1, 11)
    ]
    paragraphs = make_text(size=provisions * 1_500, seed=seed).split("\n\n")
    plain = {}
    created = []
    for index in range(provisions):
        plain[index + 1] = "\n\n".join(paragraphs[index * 2 : index * 2 + 2])
        body = bracket(plain[index + 1], seed=index)
        created.append(
            services.provision_create(
                actor=actor,
                agreement=agreement,
                chapter=chapters[index % 10],
                number=f"{index + 1}",
                heading=f"Article {index + 1}",
                category="trade_measures",
                body=body,
            )
        )
    moment = timezone.now()
    for provision in rng.sample(created, int(provisions * CHANGED_SHARE)):
        services.provision_update(
            actor=actor,
            provision=provision,
            expected_version=provision.version,
            body=bracket(
                mutate(plain[int(provision.number)], seed=provision.pk), seed=provision.pk
            ),
        )
    for provision in rng.sample(created, 20):
        provision.refresh_from_db()
        services.provision_update(
            actor=actor,
            provision=provision,
            expected_version=provision.version,
            chapter=chapters[(provision.chapter.number) % 10],
        )
    return agreement, moment


def bench_agreement_compare() -> Row:
    django_ready()
    from django.utils import timezone

    from provisions.selectors import agreement_compare

    agreement, moment = build_agreement()
    changes = agreement_compare(agreement, moment, timezone.now())
    figure = median_ms(lambda: agreement_compare(agreement, moment, timezone.now()), runs=5)
    return Row(
        name=f"agreement compare, {PROVISIONS:,} provisions",
        figure=figure,
        target="≤ 2000 ms",
        met=figure <= 2000,
        note=f"{len(changes)} changed",
    )
