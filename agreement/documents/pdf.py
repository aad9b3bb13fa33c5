"""PDF of the consolidated text: lean HTML laid out by WeasyPrint in chunks, joined with pypdf.

Laying out a whole agreement as one WeasyPrint document takes over a gigabyte and more than a
minute for 1,000 provisions: WeasyPrint keeps every page's boxes until the PDF is written, and
some of its costs grow faster than the page count. So the body is laid out a few chapters at a
time, each chunk written to PDF bytes and its layout dropped. That moves three things out of CSS:

- page numbers: "Page X of Y" needs the total, known only at the end, so it is stamped onto every
  page afterwards in a base-14 font (digits and ASCII only, nothing to embed);
- the table of contents: its page numbers come from where each chunk put each article's anchor;
  it is laid out last, with literal numbers, and linked to the articles with PDF annotations;
- bookmarks (the PDF outline) for chapters and articles.

Classification and marking stay in the CSS margin boxes of every page (they are known up front
and may hold any character). A chapter longer than a chunk is split between articles, which
starts its continuation on a new page.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .html import HtmlWriter, NumberedArticle, NumberedChapter, numbered
from .model import ConsolidatedText
from .rendering import BuiltDocument, article_title, chapter_title, progress_for, subject_line

if TYPE_CHECKING:
    from pypdf import PdfWriter
    from weasyprint.document import Document, Page

    LayOut = Callable[[str], Document]
    # (page of the contents, target id, rectangle in CSS px) for each contents entry
    ContentsEntry = tuple[int, str, tuple[float, float, float, float]]

CONTENT_TYPE = "application/pdf"

# Characters of provision text per chunk: big enough that per-document overhead stays small,
# small enough that one chunk's layout (about 1.5 MB per page) stays well inside the budget.
_CHUNK_CHARS = 60_000
# Past this, a chapter is split between articles rather than laid out in one go.
_CHUNK_MAX_CHARS = 150_000
# Progress: the body layout is nearly all the work; contents, joining and stamping are the rest.
_BODY_DONE = 92
# Lines of the contents on a page, and characters on a line, for the first guess of the
# contents' length (10.5 pt Liberation Serif at 1.4 line height on A4; see _front_matter).
_CONTENTS_LINES_PER_PAGE = 43
_CONTENTS_LINE_CHARS = 85

_PX_TO_PT = 0.75  # WeasyPrint positions are CSS pixels (1/96 in); PDF units are points (1/72 in)
_FOOTER_FONT = "/FcmPageNumber"
_FOOTER_SIZE = 8
_RIGHT_MARGIN_PT = 20 / 25.4 * 72
_FOOTER_BASELINE_PT = 13 / 25.4 * 72 - 3  # middle of the 26 mm bottom margin, like the CSS boxes
# Helvetica advance widths (per 1000 em) for the only characters the page numbers use.
_HELVETICA_WIDTHS = {**dict.fromkeys("0123456789", 556), "P": 667, "a": 556, "g": 556}
_HELVETICA_WIDTHS.update({"e": 556, "o": 556, "f": 278, " ": 278})


def build(text: ConsolidatedText, progress: Callable[[int], None] | None = None) -> BuiltDocument:
    """The consolidated text as a print-ready A4 PDF with metadata (title, subject, marking)."""
    # Imported here: WeasyPrint loads Pango at import, which only PDF exports need.
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    tracker = progress_for(text, progress, end=_BODY_DONE)
    writer = HtmlWriter(text, lean=True)
    head = writer.head(paged=True)
    fonts = FontConfiguration()

    def lay_out(body: str) -> Document:
        markup = f"{head}{body}</body>\n</html>\n"
        return HTML(string=markup, url_fetcher=_no_fetch).render(font_config=fonts)

    parts: list[bytes] = []
    layout = _Layout()
    for chunk in _chunks(text):
        document = lay_out(chunk.html(writer))
        layout.add(document.pages)
        parts.append(document.write_pdf())
        del document  # the layout is the memory; keep only the bytes
        for _ in range(chunk.article_count):
            tracker.step()

    front_pages, front = _front_matter(writer, layout, lay_out)
    content = _join(text, front, front_pages, parts, layout)
    tracker.finish()
    return BuiltDocument(content, CONTENT_TYPE, "pdf")


# --- Chunks -----------------------------------------------------------------------------------


@dataclass
class _Chunk:
    """Consecutive chapters (or pieces of one long chapter) laid out as one document."""

    pieces: list[tuple[NumberedChapter, list[NumberedArticle], bool]] = field(default_factory=list)
    chars: int = 0

    @property
    def article_count(self) -> int:
        return sum(len(articles) for _, articles, _ in self.pieces)

    def html(self, writer: HtmlWriter) -> str:
        out: list[str] = ["<main>\n"]
        for chapter, articles, first in self.pieces:
            out.append(writer.chapter_start(chapter, continued=not first))
            for article in articles:
                writer.article(out, article)
            out.append("</section>\n")
        out.append("</main>\n")
        return "".join(out)


def _chunks(text: ConsolidatedText) -> list[_Chunk]:
    chunks = [_Chunk()]
    for chapter, articles in numbered(text):
        current = chunks[-1]
        if current.chars >= _CHUNK_CHARS:
            current = _Chunk()
            chunks.append(current)
        piece: list[NumberedArticle] = []
        current.pieces.append((chapter, piece, True))
        for article in articles:
            if current.chars >= _CHUNK_MAX_CHARS and piece:
                current = _Chunk()
                chunks.append(current)
                piece = []
                current.pieces.append((chapter, piece, False))
            piece.append(article)
            current.chars += len(article.entry.body) + len(article.entry.base_body or "")
    return [chunk for chunk in chunks if chunk.pieces]


# --- Layout bookkeeping -----------------------------------------------------------------------


@dataclass
class _Layout:
    """Where the body put things: page count so far, and (page, top) of each anchor."""

    pages: int = 0
    anchors: dict[str, tuple[int, float]] = field(default_factory=dict)
    page_size: tuple[float, float] = (595.28, 841.89)

    def add(self, pages: Sequence[Page]) -> None:
        for index, page in enumerate(pages):
            for name, rectangle in page.anchors.items():
                self.anchors.setdefault(name, (self.pages + index, rectangle[1] * _PX_TO_PT))
        if pages:
            self.page_size = (pages[0].width * _PX_TO_PT, pages[0].height * _PX_TO_PT)
        self.pages += len(pages)


def _front_matter(
    writer: HtmlWriter, layout: _Layout, lay_out: LayOut
) -> tuple[list[ContentsEntry], bytes]:
    """Title page and contents laid out with the final page numbers of the body.

    The contents' own length shifts every body page. Its page numbers are positioned out of
    the flow, so they never change its length: one layout with a guessed length tells the real
    one, and a second layout is needed only when the guess was wrong.
    """
    guess = _front_pages_guess(writer.text)
    for _ in range(2):
        numbers = {name: guess + page + 1 for name, (page, _) in layout.anchors.items()}
        document = lay_out(writer.title_page() + writer.contents(numbers))
        if len(document.pages) == guess:
            break
        guess = len(document.pages)
    entries_found = [
        (page_index, name[len("toc-") :], rectangle)
        for page_index, page in enumerate(document.pages)
        for name, rectangle in page.anchors.items()
        if name.startswith("toc-")
    ]
    return entries_found, document.write_pdf()


def _front_pages_guess(text: ConsolidatedText) -> int:
    """The title page plus the contents' pages, estimated from the entries' lengths.

    A right guess saves laying the contents out twice; a wrong one costs only that.
    """
    lines = 2  # the "Contents" heading
    for chapter, articles in numbered(text):
        entries = [chapter_title(chapter.entry)]
        entries += [article_title(article.entry) for article in articles]
        lines += sum(1 + len(entry) // _CONTENTS_LINE_CHARS for entry in entries)
    return 1 + -(-lines // _CONTENTS_LINES_PER_PAGE)


# --- Joining ----------------------------------------------------------------------------------


def _join(
    text: ConsolidatedText,
    front: bytes,
    toc_entries: list[ContentsEntry],
    parts: list[bytes],
    layout: _Layout,
) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    output = PdfWriter()
    for data in (front, *parts):
        # The outline is built below from the anchors; the parts' own outlines are left out.
        output.append(PdfReader(io.BytesIO(data)), import_outline=False)
    front_count = len(output.pages) - layout.pages
    height = layout.page_size[1]

    # Contents entries link to the article (or chapter) they name.
    for page_index, target, rectangle in toc_entries:
        if target not in layout.anchors:
            continue
        body_page, top = layout.anchors[target]
        x1, y1, x2, y2 = (value * _PX_TO_PT for value in rectangle)
        link = Link(
            rect=(x1, height - y2, x2, height - y1),
            target_page_index=front_count + body_page,
            fit=Fit.xyz(left=0, top=height - top),
        )
        output.add_annotation(page_number=page_index, annotation=link)

    _outline(output, text, layout, front_count)
    _stamp_page_numbers(output, layout.page_size[0])
    output.add_metadata(
        {
            "/Title": text.agreement_title,
            "/Subject": subject_line(text),
            "/Keywords": f"{text.classification}; {text.marking}",
            "/Creator": "Critical minerals negotiations: consolidated text export",
        }
    )
    stream = io.BytesIO()
    output.write(stream)
    return stream.getvalue()


def _outline(output: PdfWriter, text: ConsolidatedText, layout: _Layout, offset: int) -> None:
    """PDF bookmarks: chapters, and their articles beneath them."""
    from pypdf.generic import Fit

    height = layout.page_size[1]
    for chapter, articles in numbered(text):
        if chapter.id not in layout.anchors:
            continue
        page, top = layout.anchors[chapter.id]
        parent = output.add_outline_item(
            title=chapter_title(chapter.entry),
            page_number=offset + page,
            fit=Fit.xyz(left=0, top=height - top),
        )
        for article in articles:
            if article.id in layout.anchors:
                page, top = layout.anchors[article.id]
                title = f"Article {article.entry.number}. {article.entry.heading}"
                output.add_outline_item(
                    title=title,
                    page_number=offset + page,
                    parent=parent,
                    fit=Fit.xyz(left=0, top=height - top),
                )


def _stamp_page_numbers(output: PdfWriter, width: float) -> None:
    """Write "Page X of Y" at the bottom right of every page.

    WeasyPrint's content streams leave the graphics state changed (they flip the y axis), so
    each page's own content is wrapped in q/Q before ours is added in plain PDF coordinates.
    """
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    # pypdf has no public call to register a new indirect object; _add_object is what its own
    # page and annotation helpers use (present from pypdf 3 to 7).
    font = output._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    save = DecodedStreamObject()
    save.set_data(b"q\n")
    save_ref = output._add_object(save)
    total = len(output.pages)
    for number, page in enumerate(output.pages, 1):
        label = f"Page {number} of {total}"
        advance = sum(_HELVETICA_WIDTHS[char] for char in label) * _FOOTER_SIZE / 1000
        x = width - _RIGHT_MARGIN_PT - advance
        stamp = DecodedStreamObject()
        stamp.set_data(
            f"\nQ\nq BT {_FOOTER_FONT} {_FOOTER_SIZE} Tf 0.27 g "
            f"{x:.2f} {_FOOTER_BASELINE_PT:.2f} Td ({label}) Tj ET Q\n".encode("ascii")
        )
        contents = page.get("/Contents")
        existing = list(contents) if isinstance(contents, ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject(
            [save_ref, *(item for item in existing if item is not None), output._add_object(stamp)]
        )
        resources = page.get("/Resources")
        if resources is None:
            page[NameObject("/Resources")] = resources = DictionaryObject()
        resources = resources.get_object()
        fonts = resources.get("/Font")
        if fonts is None:
            resources[NameObject("/Font")] = fonts = DictionaryObject()
        fonts.get_object()[NameObject(_FOOTER_FONT)] = font


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # The document is self-contained; nothing in it may make the worker open a file or a URL.
    raise ValueError(f"external resources are not loaded in exports: {url[:80]}")
