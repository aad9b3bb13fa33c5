"""JSON of the consolidated text, in a stable schema for other tools.

Shape (``schema`` names the version; fields are only ever added)::

    {"schema": "consolidated-text/1",
     "metadata": {title, short_title, variant, variant_label, as_of, as_of_label, base_label,
                  base_at, classification, marking, export_id, generated_at,
                  parties: [{code, name, standing}]},
     "chapters": [{number, title, articles: [{number, heading, status, status_label, category,
                   proposed_by, version, included, body, ...}]}]}

``body`` is bracket notation (null for an article the agreed variant only lists). The
negotiating variant adds ``brackets`` (counts in total, unattributed and by party); the redline
variant adds ``change``, ``base_heading``, ``base_body``, ``diff`` (``[{op, text}]``, the
same operations as the API's version diff), and ``minerals`` and ``base_minerals``: sorted names
of the minerals covered now and at the base point, null where that version did not record them
(unknown) and, for ``base_minerals``, where the article did not exist then.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from provisions.brackets import count_brackets, parse

from .model import ArticleEntry, ConsolidatedText
from .rendering import BuiltDocument, article_ops, progress_for

CONTENT_TYPE = "application/json"
SCHEMA = "consolidated-text/1"


def build(text: ConsolidatedText, progress: Callable[[int], None] | None = None) -> BuiltDocument:
    """The consolidated text as UTF-8 JSON (indented, keys in a fixed order)."""
    tracker = progress_for(text, progress)
    chapters = []
    for chapter in text.chapters:
        articles = []
        for article in chapter.articles:
            articles.append(_article(text, article))
            tracker.step()
        chapters.append({"number": chapter.number, "title": chapter.title, "articles": articles})
    data = {"schema": SCHEMA, "metadata": metadata(text), "chapters": chapters}
    content = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    tracker.finish()
    return BuiltDocument(content, CONTENT_TYPE, "json")


def metadata(text: ConsolidatedText) -> dict[str, Any]:
    """The export's metadata as JSON-ready data."""
    return {
        "title": text.agreement_title,
        "short_title": text.short_title,
        "variant": text.variant,
        "variant_label": text.variant_label,
        "as_of": text.as_of.isoformat(),
        "as_of_label": text.as_of_label,
        "base_label": text.base_label,
        "base_at": text.base_at.isoformat() if text.base_at else None,
        "classification": text.classification,
        "marking": text.marking,
        "export_id": text.export_id,
        "generated_at": text.generated_at.isoformat(),
        "parties": [
            {"code": party.code, "name": party.name, "standing": party.standing}
            for party in text.parties
        ],
    }


def _article(text: ConsolidatedText, article: ArticleEntry) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": article.number,
        "heading": article.heading,
        "status": article.status,
        "status_label": article.status_label,
        "category": article.category_label,
        "proposed_by": article.proposed_by,
        "version": article.version,
        "included": article.included,
        "body": article.body if article.included else None,
    }
    if text.variant == "negotiating":
        data["brackets"] = count_brackets(parse(article.body).document).as_dict()
    elif text.variant == "redline":
        data["change"] = article.change
        data["base_heading"] = article.base_heading
        data["base_body"] = article.base_body
        data["diff"] = [op.as_dict() for op in article_ops(article)]
        data["minerals"] = _names(article.minerals)
        data["base_minerals"] = _names(article.base_minerals)
    return data


def _names(minerals: tuple[str, ...] | None) -> list[str] | None:
    return None if minerals is None else list(minerals)
