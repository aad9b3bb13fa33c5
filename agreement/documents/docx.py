"""Word (DOCX) of the consolidated text, with the redline variant as real tracked changes.

python-docx provides the package: styles, section, header and footer, core properties. The body
is written as WordprocessingML text into a list of strings and parsed once per chapter: going
through python-docx's object API for each of the ~50,000 runs of a full agreement would be
several times slower, and every character still passes through one escaping function here.

Chapters are "Heading 1" and articles "Heading 2" (the built-in styles, so Word's navigation pane
and a generated table of contents work). Text is only ever written into ``w:t``/``w:delText``:
"{ MERGEFIELD x }" in a provision is shown as typed, never becomes a field. The only fields are
our own PAGE/NUMPAGES in the footer.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable
from xml.sax.saxutils import escape, quoteattr

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.document import CT_Body
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt, RGBColor

from .model import ArticleEntry, ConsolidatedText
from .rendering import (
    BuiltDocument,
    Change,
    HeadingPiece,
    Para,
    Run,
    article_label,
    article_meta,
    article_minerals_note,
    article_paragraphs,
    article_title,
    attribution,
    base_point,
    chapter_title,
    heading_pieces,
    legend,
    party_colours,
    party_line,
    point_in_time,
    progress_for,
    subject_line,
    tint,
    xml_safe,
)

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_FONT = "Times New Roman"


def build(text: ConsolidatedText, progress: Callable[[int], None] | None = None) -> BuiltDocument:
    """The consolidated text as a DOCX; the redline variant carries Word tracked changes."""
    tracker = progress_for(text, progress, end=95)
    document = Document()
    _set_up(document, text)
    writer = _BodyWriter(text)
    body = document.element.body
    _append(body, writer.title_page())
    for chapter in text.chapters:
        parts = [writer.paragraph(chapter_title(chapter), style="Heading1")]
        for article in chapter.articles:
            writer.article(parts, article)
            tracker.step()
        _append(body, parts)
    stream = io.BytesIO()
    document.save(stream)
    tracker.finish()
    return BuiltDocument(stream.getvalue(), CONTENT_TYPE, "docx")


def _append(body: CT_Body, parts: list[str]) -> None:
    """Parse body XML fragments at once and put them before the section properties."""
    fragment = parse_xml(f"<w:body {nsdecls('w')}>{''.join(parts)}</w:body>")
    section = body.sectPr
    for element in list(fragment):
        section.addprevious(element)


class _BodyWriter:
    """Writes WordprocessingML for paragraphs and runs, numbering tracked changes as it goes."""

    def __init__(self, text: ConsolidatedText) -> None:
        self.text = text
        self.redline = text.variant == "redline"
        self.shading = {code: tint(colour).upper() for code, colour in party_colours(text).items()}
        author = f"Secretariat, export {text.export_id}" if text.export_id else "Secretariat"
        # Word wants UTC without fractions; the changes are those up to the export's point in time.
        moment = text.as_of
        if moment.tzinfo is not None:
            moment = moment.astimezone(datetime.UTC)
        date = moment.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
        self.revision_attrs = f" w:author={quoteattr(author)} w:date={quoteattr(date)}"
        self.revision_id = 0

    # --- Front matter -------------------------------------------------------------------------

    def title_page(self) -> list[str]:
        """Classification, title, variant, point in time, parties, legend, marking; page break."""
        text = self.text
        centred = "center"
        parts = [
            self.paragraph(text.classification, bold=True, align=centred),
            self.paragraph(text.agreement_title, style="Title", align=centred),
            self.paragraph(text.variant_label, bold=True, align=centred, size=28),
            self.paragraph(point_in_time(text), align=centred),
        ]
        base = base_point(text)
        if base:
            parts.append(self.paragraph(base, align=centred))
        parts.append(self.paragraph("Parties", bold=True, align=centred))
        parts += [self.paragraph(party_line(party), align=centred) for party in text.parties]
        parts.append(self.paragraph(legend(text), size=18, align=centred))
        parts.append(self.paragraph(text.marking, size=18, align=centred))
        parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        return parts

    # --- Articles -----------------------------------------------------------------------------

    def article(self, parts: list[str], article: ArticleEntry) -> None:
        """Append the heading, status line and paragraphs of one article to ``parts``."""
        whole: Change = "equal"
        if self.redline and article.change == "added":
            whole = "insert"
        elif self.redline and article.change == "removed":
            whole = "delete"
        parts.append(self._heading(article, whole))
        # Added and removed articles are whole tracked changes; a change of minerals is not
        # text, so it is a note.
        note = article_minerals_note(article) if self.redline else None
        if note:  # body size and bold: a reader must not miss it
            parts.append(self.paragraph(note, bold=True))
        meta = article_meta(self.text, article)
        if meta:
            parts.append(self.paragraph(meta, size=16, italic=True))
        for paragraph in article_paragraphs(self.text, article):
            mark = whole if whole != "equal" else paragraph.end_change
            parts.append(self._body_paragraph(paragraph, mark))

    def _heading(self, article: ArticleEntry, whole: Change) -> str:
        if not self.redline:
            return self.paragraph(article_title(article), style="Heading2")
        pieces = [HeadingPiece(article_label(article) + " ", whole), *heading_pieces(article)]
        runs = self._tracked(
            (piece.change, self._run(piece.text, deleted=piece.change == "delete"))
            for piece in pieces
        )
        return self._p(self._ppr(style="Heading2", mark=whole), runs)

    def _body_paragraph(self, paragraph: Para, mark: Change) -> str:
        runs: list[tuple[Change, str]] = []
        if paragraph.number is not None:
            runs.append(("equal", self._run(paragraph.number + " ", bold=True)))
        for run in paragraph.runs:
            runs.append((run.change, self._bracket_run(run)))
        return self._p(self._ppr(align="both", space_after=120, mark=mark), self._tracked(runs))

    def _bracket_run(self, run: Run) -> str:
        deleted = run.change == "delete"
        shade = self.shading.get(run.parties[0]) if run.parties and not self.redline else None
        if run.kind == "text":
            return self._run(run.text, deleted=deleted, shade=shade)
        if run.kind == "close":
            return self._run(run.text, bold=True, deleted=deleted, shade=shade) if run.text else ""
        label = attribution(run.parties)
        # The attribution is text, in bold, so it survives printing in black and white.
        return self._run(f"[{label} " if label else "[", bold=True, deleted=deleted, shade=shade)

    def _tracked(self, runs: Iterable[tuple[Change, str]]) -> str:
        """Join runs, wrapping each stretch of inserted or deleted runs in w:ins / w:del."""
        out: list[str] = []
        current: Change = "equal"
        for change, xml in runs:
            if not xml:
                continue
            if change != current:
                if current != "equal":
                    out.append(f"</w:{_REVISION_TAG[current]}>")
                if change != "equal":
                    out.append(self._open_revision(change))
                current = change
            out.append(xml)
        if current != "equal":
            out.append(f"</w:{_REVISION_TAG[current]}>")
        return "".join(out)

    def _open_revision(self, change: Change) -> str:
        self.revision_id += 1
        return f'<w:{_REVISION_TAG[change]} w:id="{self.revision_id}"{self.revision_attrs}>'

    # --- XML pieces ---------------------------------------------------------------------------

    def paragraph(
        self,
        value: str,
        *,
        style: str | None = None,
        bold: bool = False,
        italic: bool = False,
        size: int | None = None,
        align: str | None = None,
    ) -> str:
        """One untracked paragraph of plain text (size in half-points)."""
        run = self._run(value, bold=bold, italic=italic, size=size)
        return self._p(self._ppr(style=style, align=align), run)

    def _p(self, ppr: str, runs: str) -> str:
        return f"<w:p>{ppr}{runs}</w:p>"

    def _ppr(
        self,
        *,
        style: str | None = None,
        align: str | None = None,
        space_after: int | None = None,
        mark: Change = "equal",
    ) -> str:
        # Children in the order the schema requires: pStyle, spacing, jc, rPr.
        inner = []
        if style:
            inner.append(f'<w:pStyle w:val="{style}"/>')
        if space_after is not None:
            inner.append(f'<w:spacing w:after="{space_after}"/>')
        if align:
            inner.append(f'<w:jc w:val="{align}"/>')
        if mark != "equal":
            # A tracked paragraph mark: accepting joins or splits paragraphs as the text did.
            self.revision_id += 1
            tag = _REVISION_TAG[mark]
            inner.append(
                f'<w:rPr><w:{tag} w:id="{self.revision_id}"{self.revision_attrs}/></w:rPr>'
            )
        return f"<w:pPr>{''.join(inner)}</w:pPr>" if inner else ""

    def _run(
        self,
        value: str,
        *,
        bold: bool = False,
        italic: bool = False,
        size: int | None = None,
        shade: str | None = None,
        deleted: bool = False,
    ) -> str:
        if not value:
            return ""
        props = []
        if bold:
            props.append("<w:b/>")
        if italic:
            props.append("<w:i/>")
        if size:
            props.append(f'<w:sz w:val="{size}"/>')
        if shade:
            props.append(f'<w:shd w:val="clear" w:color="auto" w:fill="{shade}"/>')
        rpr = f"<w:rPr>{''.join(props)}</w:rPr>" if props else ""
        return f"<w:r>{rpr}{_text_xml(value, 'w:delText' if deleted else 'w:t')}</w:r>"


_REVISION_TAG: dict[str, str] = {"insert": "ins", "delete": "del"}


def _text_xml(value: str, tag: str) -> str:
    """Text as w:t (or w:delText) elements, newlines as w:br and tabs as w:tab."""
    value = xml_safe(value)
    if "\n" not in value and "\t" not in value and "\r" not in value:
        return f'<{tag} xml:space="preserve">{escape(value)}</{tag}>'
    out = []
    for line_index, line in enumerate(value.replace("\r\n", "\n").replace("\r", "\n").split("\n")):
        if line_index:
            out.append("<w:br/>")
        for tab_index, piece in enumerate(line.split("\t")):
            if tab_index:
                out.append("<w:tab/>")
            if piece:
                out.append(f'<{tag} xml:space="preserve">{escape(piece)}</{tag}>')
    return "".join(out)


# --- Package: page, styles, header, footer, properties ----------------------------------------


def _set_up(document: WordDocument, text: ConsolidatedText) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin, section.bottom_margin = Mm(25), Mm(25)
    _set_styles(document)
    _set_header_footer(document, text)
    _set_properties(document, text)


def _set_styles(document: WordDocument) -> None:
    # The template's headings are blue theme fonts; a treaty text is black serif.
    for name, size in (("Normal", 11), ("Title", 24), ("Heading 1", 14), ("Heading 2", 12)):
        style = document.styles[name]
        fonts = style.element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        if fonts is not None:
            for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
                fonts.attrib.pop(qn(attribute), None)
        style.font.name = _FONT
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
    document.styles["Heading 1"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _set_header_footer(document: WordDocument, text: ConsolidatedText) -> None:
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header.add_run(xml_safe(text.classification)).bold = True

    footer = section.footer
    footer.paragraphs[0].add_run(xml_safe(text.classification)).bold = True
    footer.add_paragraph(xml_safe(text.marking), style="Footer")
    footer.add_paragraph(xml_safe(point_in_time(text)), style="Footer")
    pages = footer.add_paragraph("Page ", style="Footer")
    pages.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    pages._p.append(_field("PAGE"))
    pages.add_run(" of ")
    pages._p.append(_field("NUMPAGES"))
    for paragraph in footer.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(8)


def _field(instruction: str) -> BaseOxmlElement:
    """A simple field (page numbers) with a placeholder result until Word updates it."""
    return parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} ">'
        '<w:r><w:rPr><w:sz w:val="16"/></w:rPr><w:t>1</w:t></w:r></w:fldSimple>'
    )


def _set_properties(document: WordDocument, text: ConsolidatedText) -> None:
    properties = document.core_properties
    properties.title = xml_safe(text.agreement_title)
    properties.subject = xml_safe(subject_line(text))
    properties.keywords = xml_safe(text.marking)
    properties.category = xml_safe(text.classification)
    properties.comments = xml_safe(f"{text.classification}. {text.marking}. {point_in_time(text)}")
    properties.author = "Secretariat"
    properties.last_modified_by = "Secretariat"
    properties.revision = 1
    generated = text.generated_at
    if generated.tzinfo is not None:
        generated = generated.astimezone(datetime.UTC).replace(tzinfo=None)
    properties.created = properties.modified = generated
