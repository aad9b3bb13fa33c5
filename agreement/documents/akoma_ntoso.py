"""Akoma Ntoso 3.0 XML of the consolidated text, valid against the OASIS schema.

- ``<meta>``: FRBR identification (work, expression at the point in time, manifestation), a
  TLCOrganization per party and one for the secretariat, the classification line and recipient
  marking as notes, and the export's own metadata under ``<proprietary>``.
- ``<preface>``: title, variant, point in time.
- ``<body>``: ``chapter`` → ``article`` → ``paragraph`` → ``content`` → ``p``.
- Brackets (negotiating, agreed): ``<inline name="bracket" refersTo="#us #eu">`` around the
  bracketed text, nested as the groups nest, with the marks and an
  ``<inline name="attribution">`` inside, so the text content still reads "[US: shall]".
- Redline: ``<ins>`` / ``<del>`` around the changed notation text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from lxml import etree

from .model import ArticleEntry, ConsolidatedText
from .rendering import (
    BuiltDocument,
    HeadingPiece,
    Para,
    article_notes,
    article_paragraphs,
    attribution,
    base_point,
    heading_pieces,
    party_line,
    point_in_time,
    progress_for,
    xml_safe,
)

CONTENT_TYPE = "application/akn+xml"
NAMESPACE = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
# Our own metadata under <proprietary>; the schema lets any other namespace in there.
EXPORT_NAMESPACE = "urn:critical-minerals-negotiations:export:1"
# FRBRcountry wants an ISO 3166-1 code for the jurisdiction; a plurilateral agreement has none.
# "int" (deliberately not an ISO code) marks it as international; the schema only wants a string.
COUNTRY = "int"
SOURCE = "#secretariat"

_A = f"{{{NAMESPACE}}}"
_X = f"{{{EXPORT_NAMESPACE}}}"
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9.-]+")
_SLUG_UNSAFE = re.compile(r"[^a-z0-9]+")


def build(text: ConsolidatedText, progress: Callable[[int], None] | None = None) -> BuiltDocument:
    """The consolidated text as an Akoma Ntoso 3.0 ``act`` document."""
    tracker = progress_for(text, progress)
    root = etree.Element(_A + "akomaNtoso", nsmap={None: NAMESPACE})
    act = _sub(root, "act", name="consolidatedText")
    _meta(act, text)
    _preface(act, text)
    body = _sub(act, "body")
    for chapter_index, chapter in enumerate(text.chapters, 1):
        chapter_id = f"chp_{chapter_index}"
        element = _sub(body, "chapter", eId=chapter_id)
        _sub(element, "num", f"Chapter {chapter.number}")
        _sub(element, "heading", chapter.title)
        if not chapter.articles:
            _sub(_sub(element, "content"), "p")
        used: set[str] = set()
        for article in chapter.articles:
            _article(
                element, text, article, _unique(f"{chapter_id}__art_{_id(article.number)}", used)
            )
            tracker.step()
    if not text.chapters:
        _sub(_sub(body, "chapter", eId="chp_1"), "content").append(etree.Element(_A + "p"))
    _indent(root)
    content = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    tracker.finish()
    return BuiltDocument(content, CONTENT_TYPE, "xml")


# --- Meta -------------------------------------------------------------------------------------


def _meta(act: etree._Element, text: ConsolidatedText) -> None:
    meta = _sub(act, "meta")
    slug = _SLUG_UNSAFE.sub("-", text.short_title.lower()).strip("-") or "agreement"
    day = text.as_of.date().isoformat()
    work = f"/akn/{COUNTRY}/act/agreement/{day}/{slug}"
    expression = f"{work}/eng@{day}"
    manifestation = f"{expression}/!main.xml"
    identification = _sub(meta, "identification", source=SOURCE)
    for level, this, uri, date, extra in (
        ("FRBRWork", f"{work}/!main", work, day, _work_extra),
        ("FRBRExpression", f"{expression}/!main", expression, day, _expression_extra),
        (
            "FRBRManifestation",
            manifestation,
            manifestation,
            text.generated_at.date().isoformat(),
            None,
        ),
    ):
        element = _sub(identification, level)
        _sub(element, "FRBRthis", value=this)
        _sub(element, "FRBRuri", value=uri)
        if level == "FRBRWork":
            _sub(element, "FRBRalias", value=xml_safe(text.agreement_title), name="title")
        _sub(
            element,
            "FRBRdate",
            date=date,
            name="asOf" if level != "FRBRManifestation" else "generated",
        )
        _sub(element, "FRBRauthor", href=SOURCE)
        if extra is not None:
            extra(element, text, slug)

    references = _sub(meta, "references", source=SOURCE)
    _sub(
        references,
        "TLCOrganization",
        eId="secretariat",
        href="/ontology/organization/secretariat",
        showAs="Secretariat",
    )
    for party in text.parties:
        code = _id(party.code.lower())
        _sub(
            references,
            "TLCOrganization",
            eId=code,
            href=f"/ontology/organization/party/{code}",
            showAs=xml_safe(party_line(party)),
        )

    notes = _sub(meta, "notes", source=SOURCE)
    for eid, value in (
        ("note_classification", text.classification),
        ("note_marking", text.marking),
        ("note_point-in-time", point_in_time(text)),
    ):
        _sub(_sub(notes, "note", eId=eid), "p", value)

    proprietary = _sub(meta, "proprietary", source=SOURCE)
    export = etree.SubElement(proprietary, _X + "export", nsmap={"export": EXPORT_NAMESPACE})
    for name, value in (
        ("variant", text.variant),
        ("variantLabel", text.variant_label),
        ("asOf", text.as_of.isoformat()),
        ("asOfLabel", text.as_of_label),
        ("baseLabel", text.base_label),
        ("baseAt", text.base_at.isoformat() if text.base_at else None),
        ("classification", text.classification),
        ("marking", text.marking),
        ("exportId", None if text.export_id is None else str(text.export_id)),
        ("generatedAt", text.generated_at.isoformat()),
    ):
        if value is not None:
            etree.SubElement(export, _X + name).text = xml_safe(value)


def _work_extra(element: etree._Element, text: ConsolidatedText, slug: str) -> None:
    _sub(element, "FRBRcountry", value=COUNTRY)
    _sub(element, "FRBRsubtype", value="agreement")
    _sub(element, "FRBRnumber", value=slug)
    _sub(element, "FRBRname", value=xml_safe(text.short_title))


def _expression_extra(element: etree._Element, text: ConsolidatedText, slug: str) -> None:
    _sub(element, "FRBRlanguage", language="eng")


def _preface(act: etree._Element, text: ConsolidatedText) -> None:
    preface = _sub(act, "preface")
    _sub(
        _sub(preface, "p", **{"class": "classification"}),
        "inline",
        text.classification,
        name="classification",
    )
    long_title = _sub(preface, "longTitle")
    _sub(_sub(long_title, "p"), "docTitle", text.agreement_title)
    _sub(_sub(preface, "p", **{"class": "variant"}), "docStage", text.variant_label)
    _sub(preface, "p", point_in_time(text), **{"class": "pointInTime"})
    base = base_point(text)
    if base:
        _sub(preface, "p", base, **{"class": "basePoint"})
    parties = _sub(preface, "container", name="parties")
    for party in text.parties:
        p = _sub(parties, "p")
        _sub(p, "party", party_line(party), refersTo=f"#{_id(party.code.lower())}")


# --- Body -------------------------------------------------------------------------------------


def _article(
    chapter: etree._Element, text: ConsolidatedText, article: ArticleEntry, article_id: str
) -> None:
    element = _sub(chapter, "article", eId=article_id)
    _sub(element, "num", f"Article {article.number}")
    heading = _sub(element, "heading")
    if text.variant == "redline":
        _changes(heading, heading_pieces(article))
    else:
        _text(heading, article.heading)
    paragraphs = article_paragraphs(text, article)
    # One subheading at most: the notes share it.
    note = " ".join(article_notes(article)) if text.variant == "redline" else None
    if not article.included:
        _sub(_sub(element, "content"), "p", "Under negotiation.")
        return
    if note:
        _sub(element, "subheading", note)
    if not paragraphs:
        _sub(_sub(element, "content"), "p")
        return
    balanced = text.variant != "redline"
    for index, paragraph in enumerate(paragraphs, 1):
        _paragraph(element, paragraph, f"{article_id}__para_{index}", balanced)


def _paragraph(article: etree._Element, paragraph: Para, eid: str, balanced: bool) -> None:
    element = _sub(article, "paragraph", eId=eid)
    if paragraph.number is not None:
        _sub(element, "num", paragraph.number)
    p = _sub(_sub(element, "content"), "p")
    stack = [p]  # open bracket groups (balanced runs only)
    change, wrapper = "equal", p  # the current <ins>/<del> (redline runs only)
    for run in paragraph.runs:
        target = stack[-1]
        if run.change != "equal":
            # Redline runs are flat: consecutive runs of one change share one ins/del.
            if run.change != change:
                wrapper = _sub(target, "ins" if run.change == "insert" else "del")
            target = wrapper
        change = run.change
        if run.kind == "text":
            # Flat (redline) text is notation: a literal bracket keeps its backslash there,
            # since bracket marks are not elements and could not be told apart otherwise.
            _text(target, run.text if balanced else run.text.translate(_LITERAL_BRACKETS))
        elif run.kind == "close":
            _text(target, run.text)
            if balanced and len(stack) > 1:
                stack.pop()
        else:
            group = target
            if balanced:
                refers = " ".join(f"#{_id(code.lower())}" for code in run.parties)
                attributes = {"name": "bracket"}
                if refers:
                    attributes["refersTo"] = refers
                group = _sub(target, "inline", **attributes)
                stack.append(group)
            _text(group, "[")
            label = attribution(run.parties)
            if label:
                _sub(group, "inline", label, name="attribution")
                _text(group, " ")


_LITERAL_BRACKETS = str.maketrans({"[": "\\[", "]": "\\]"})


def _changes(parent: etree._Element, pieces: Iterable[HeadingPiece]) -> None:
    for piece in pieces:
        if piece.change == "equal":
            _text(parent, piece.text)
        else:
            _sub(parent, "ins" if piece.change == "insert" else "del", piece.text)


# --- XML helpers ------------------------------------------------------------------------------


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, **attributes: str | None
) -> etree._Element:
    """A child element in the AKN namespace, with optional text; None attributes are left out."""
    element = etree.SubElement(parent, _A + tag)
    for key, value in attributes.items():
        if value is not None:
            element.set(key, value)
    if text:
        element.text = xml_safe(text)
    return element


def _text(parent: etree._Element, value: str) -> None:
    """Append mixed-content text at the end of ``parent`` (after its last child, if any)."""
    if not value:
        return
    lines = xml_safe(value).split("\n")
    for index, line in enumerate(lines):
        if index:
            etree.SubElement(parent, _A + "eol")
        if not line:
            continue
        if len(parent):
            last = parent[-1]
            last.tail = (last.tail or "") + line
        else:
            parent.text = (parent.text or "") + line


# Elements whose content is only other elements: whitespace between their children means
# nothing, so it can be indented. Everything else (p, heading, num, inline, ...) holds text, and
# indenting there would change the text.
_ELEMENT_ONLY = frozenset(
    _A + tag
    for tag in [
        "akomaNtoso",
        "act",
        "meta",
        "identification",
        "FRBRWork",
        "FRBRExpression",
        "FRBRManifestation",
        "references",
        "notes",
        "note",
        "proprietary",
        "preface",
        "longTitle",
        "container",
        "body",
        "chapter",
        "article",
        "paragraph",
        "content",
    ]
) | {_X + "export"}


def _indent(element: etree._Element, level: int = 0) -> None:
    """Indent the element-only parts of the tree for people reading the XML."""
    if element.tag not in _ELEMENT_ONLY or not len(element):
        return
    inner = "\n" + "  " * (level + 1)
    element.text = inner
    for child in element:
        _indent(child, level + 1)
        child.tail = inner
    element[-1].tail = "\n" + "  " * level


def _id(value: str) -> str:
    """A value usable inside an eId (no whitespace, no separators of our own)."""
    return _ID_UNSAFE.sub("-", value).strip("-") or "x"


def _unique(eid: str, used: set[str]) -> str:
    candidate, counter = eid, 1
    while candidate in used:
        counter += 1
        candidate = f"{eid}-{counter}"
    used.add(candidate)
    return candidate
