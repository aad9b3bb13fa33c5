"""The project's URLs, plus `bench/bare/` when BENCH_REFERENCE_VIEW=1 (the benchmark server).

The bare view is the reference for the provision list API: plain Django answering JSON of the
same shape and about the same size (50 provision-like dicts with 1.5 KB of text each), built
once at import, with no authentication and no database query.
"""

import os

from django.http import JsonResponse
from django.urls import include, path

_TEXT = (
    "Each Party shall establish a reference price for covered minerals in accordance with its "
    "domestic law, and shall publish it without undue delay. "
) * 10
_ROWS = [
    {
        "id": index,
        "agreement": 1,
        "chapter": 1 + index % 10,
        "number": f"{1 + index % 10}.{index}",
        "order": index,
        "heading": f"Article {index}",
        "category": "trade_measures",
        "status": "draft",
        "proposed_by": "US",
        "body": _TEXT,
        "bracket_count": 0,
        "minerals": [1, 2],
        "version": 1,
        "created_at": "2026-01-15T09:00:00Z",
        "updated_at": "2026-01-15T09:00:00Z",
    }
    for index in range(1, 51)
]


def bare_json(request):
    return JsonResponse({"count": 500, "next": None, "previous": None, "results": _ROWS})


urlpatterns = [path("", include("config.urls"))]
if os.environ.get("BENCH_REFERENCE_VIEW") == "1":
    urlpatterns.insert(0, path("bench/bare/", bare_json))
