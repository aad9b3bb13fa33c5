"""Standalone, print-ready HTML of the consolidated text, and the markup the PDF is laid out from.

Every piece of text from the data passes through `html.escape`; the only user text that reaches
the stylesheet (classification and marking, for the running header and footer) goes through
`_css_string`, which escapes every character outside a small safe set.

The HTML export is *rich*: each bracketed group is a span coloured by party, with its marks and
attribution in bold. The PDF uses *lean* markup (`lean=True`): WeasyPrint spends about half a
millisecond per inline element, and a heavily bracketed agreement has ten thousand groups, so
there brackets are plain text as in a typed negotiating text ("[US: shall]"), and a literal
bracket keeps its backslash (``\\[``) so that it cannot pass for a mark.
"""

from __future__ import annotations

import html
import string
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .model import ArticleEntry, ChapterEntry, ConsolidatedText
from .rendering import (
    BuiltDocument,
    HeadingPiece,
    Para,
    Progress,
    Run,
    article_change_note,
    article_label,
    article_meta,
    article_notes,
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
)

CONTENT_TYPE = "text/html; charset=utf-8"

# $classification and $marking are CSS string literals made by _css_string; $page_numbers is
# the content of the bottom-right margin box.
_PAGE_STYLE = string.Template("""
@page {
  size: A4;
  margin: 22mm 20mm 26mm 20mm;
  @top-center { content: $classification; font: 8pt sans-serif; color: #444; }
  @bottom-left {
    content: $classification "\\A" $marking;
    white-space: pre-wrap; font: 7.5pt sans-serif; color: #444; vertical-align: middle;
  }
  @bottom-right { content: $page_numbers; font: 8pt sans-serif; vertical-align: middle; }
}
""")

_STYLE = """
html { font-family: "Times New Roman", "Liberation Serif", serif; }
body { font-size: 11pt; line-height: 1.4; max-width: 48em; margin: 0 auto; padding: 0 1em; }
.title-page { text-align: center; margin: 3em 0 2em; }
.title-page .doc-title { font-size: 20pt; margin: 1.5em 0 0.5em; }
.title-page .variant { font-size: 14pt; font-weight: bold; }
.title-page .parties { display: inline-block; text-align: left; margin: 1em auto; }
.title-page .parties ul { list-style: none; padding-left: 0; }
.classification { font-family: sans-serif; font-weight: bold; letter-spacing: 0.05em; }
.marking, .legend { font-family: sans-serif; font-size: 9pt; color: #333; }
.toc ol { list-style: none; padding-left: 0; }
.toc ol ol { padding-left: 1.5em; }
.toc a { color: inherit; text-decoration: none; }
.chapter-title { font-size: 14pt; text-align: center; margin-top: 2em; }
.article-title { font-size: 11.5pt; margin: 1.4em 0 0.4em; }
.article-meta { font-family: sans-serif; font-size: 8.5pt; color: #555; margin: 0; }
.change-note { font-family: sans-serif; font-size: 10pt; font-weight: bold; margin: .2em 0; }
.para { margin: 0.4em 0; }
.para-num { font-weight: bold; }
.bracket-mark, .bracket-attr { font-weight: bold; }
.bracket-attr { font-family: sans-serif; font-size: 0.85em; }
ins { text-decoration: underline; color: #064; background: #e6f4ea; }
del { text-decoration: line-through; color: #a00; background: #fbe9e7; }
.article-pending .article-title { font-weight: normal; font-style: italic; }
.document-footer { border-top: 1px solid #999; margin-top: 3em; padding-top: 0.5em; }
@media print { .document-footer { display: none; } a { color: inherit; } }
"""

# Only for the PDF: own pages for the title and the contents, chapters on new pages, and
# literal page numbers in the contents (the PDF builder lays the body out first).
_PAGED_STYLE = """
/* One installed family before the generic one: every family Pango has to look up and miss
   costs time on each text run (a third of the layout time with "Times New Roman" first). */
html { font-family: "Liberation Serif", serif; }
h1, h2, h3 { bookmark-level: none; }  /* the PDF builder makes the outline itself */
body { max-width: none; padding: 0; font-size: 10.5pt; }
.title-page { break-after: page; margin-top: 30mm; }
.toc li { margin: 0.15em 0; }
/* Positioned numbers rather than leader(): dot leaders double the cost of the contents. */
.toc-line { position: relative; padding-right: 3em; }
.toc-line[data-page]::after { content: attr(data-page); position: absolute; right: 0; top: 0; }
.chapter-title { break-before: page; }
.article-title { break-after: avoid; }
.document-footer { display: none; }
"""


def build(text: ConsolidatedText, progress: Callable[[int], None] | None = None) -> BuiltDocument:
    """The consolidated text as one standalone HTML file, ready to print on A4."""
    tracker = progress_for(text, progress)
    document = render_html(text, tracker)
    tracker.finish()
    return BuiltDocument(document.encode("utf-8"), CONTENT_TYPE, "html")


def render_html(text: ConsolidatedText, tracker: Progress) -> str:
    """The standalone HTML document as a string."""
    writer = HtmlWriter(text, lean=False)
    body: list[str] = []
    for chapter, articles in numbered(text):
        body.append(writer.chapter_start(chapter))
        for article in articles:
            writer.article(body, article)
            tracker.step()
        body.append("</section>\n")
    return "".join(
        [
            writer.head(paged=False),
            writer.title_page(),
            writer.contents(),
            "<main>\n",
            *body,
            "</main>\n",
            writer.footer(),
            "</body>\n</html>\n",
        ]
    )


@dataclass(frozen=True)
class NumberedChapter:
    """A chapter with its element id (positional, so always unique and safe in HTML)."""

    entry: ChapterEntry
    id: str


@dataclass(frozen=True)
class NumberedArticle:
    entry: ArticleEntry
    id: str


def numbered(text: ConsolidatedText) -> Iterator[tuple[NumberedChapter, list[NumberedArticle]]]:
    """Chapters and articles of ``text`` with their ids ("chp-1", "art-1-2")."""
    for chapter_index, chapter in enumerate(text.chapters, 1):
        articles = [
            NumberedArticle(article, f"art-{chapter_index}-{article_index}")
            for article_index, article in enumerate(chapter.articles, 1)
        ]
        yield NumberedChapter(chapter, f"chp-{chapter_index}"), articles


class HtmlWriter:
    """Writes the parts of the HTML document; the PDF builder assembles them in chunks."""

    def __init__(self, text: ConsolidatedText, *, lean: bool) -> None:
        self.text = text
        self.lean = lean
        self.redline = text.variant == "redline"

    def head(self, *, paged: bool) -> str:
        """Doctype, head with metadata and stylesheet, and the opening body tag."""
        text = self.text
        colours = "".join(
            f".party-{code.lower()} {{ background-color: #{tint(colour)}; }}\n"
            for code, colour in party_colours(text).items()
        )
        page = _PAGE_STYLE.substitute(
            classification=_css_string(text.classification),
            marking=_css_string(text.marking),
            # The PDF builder stamps "Page X of Y" itself once it knows Y (see pdf.py).
            page_numbers='""' if paged else '"Page " counter(page) " of " counter(pages)',
        )
        style = page + _STYLE + colours + (_PAGED_STYLE if paged else "")
        keywords = f"{text.classification}; {text.marking}"
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(text.agreement_title)}</title>\n"
            f'<meta name="description" content="{html.escape(subject_line(text))}">\n'
            f'<meta name="keywords" content="{html.escape(keywords)}">\n'
            f'<meta name="dcterms.created" content="{text.generated_at.isoformat()}">\n'
            f"<style>{style}</style>\n</head>\n"
            f'<body class="variant-{html.escape(text.variant)}">\n'
        )

    def title_page(self) -> str:
        """Classification, title, variant, point in time, parties, legend and marking."""
        text = self.text
        parties = "".join(f"<li>{html.escape(party_line(party))}</li>" for party in text.parties)
        base = base_point(text)
        notes = legend(text)
        if self.lean and text.variant != "agreed":
            notes += " A bracket preceded by a backslash (\\[) is a literal bracket."
        lines = [
            '<header class="title-page">',
            f'<p class="classification">{html.escape(text.classification)}</p>',
            f'<h1 class="doc-title">{html.escape(text.agreement_title)}</h1>',
            f'<p class="variant">{html.escape(text.variant_label)}</p>',
            f'<p class="point-in-time">{html.escape(point_in_time(text))}</p>',
            f'<p class="base-point">{html.escape(base)}</p>' if base else "",
            f'<div class="parties"><h2>Parties</h2><ul>{parties}</ul></div>',
            f'<p class="legend">{html.escape(notes)}</p>',
            f'<p class="marking">{html.escape(text.marking)}</p>',
            "</header>\n",
        ]
        return "\n".join(line for line in lines if line)

    def contents(self, pages: dict[str, int] | None = None) -> str:
        """The table of contents: links in HTML; with ``pages`` (id → page), page numbers."""
        out = ['<nav class="toc"><h2>Contents</h2><ol>']
        for chapter, articles in numbered(self.text):
            title = html.escape(chapter_title(chapter.entry))
            if pages is None:
                out.append(f'<li><a href="#{chapter.id}">{title}</a><ol>')
            else:
                line = self._toc_attributes(chapter.id, pages)
                out.append(f'<li><div class="toc-line"{line}>{title}</div><ol>')
            for article in articles:
                entry = self._toc_entry(article.entry)
                if pages is None:
                    out.append(f'<li><a href="#{article.id}">{entry}</a></li>')
                else:
                    line = self._toc_attributes(article.id, pages)
                    out.append(f'<li class="toc-line"{line}>{entry}</li>')
            out.append("</ol></li>")
        out.append("</ol></nav>\n")
        return "".join(out)

    @staticmethod
    def _toc_attributes(target: str, pages: dict[str, int] | None) -> str:
        if pages is None:
            return ""
        # The id lets the PDF builder find the entry on the page and make it a link.
        page = pages.get(target)
        number = f' data-page="{page}"' if page is not None else ""
        return f' id="toc-{target}"{number}'

    def _toc_entry(self, article: ArticleEntry) -> str:
        entry = html.escape(article_title(article))
        note = article_change_note(article) if self.redline else None
        return f"{entry} ({html.escape(note)})" if note else entry

    def chapter_start(self, chapter: NumberedChapter, *, continued: bool = False) -> str:
        """The opening of a chapter section (closed by the caller with "</section>").

        A ``continued`` chapter (the PDF lays long chapters out in pieces) repeats neither its
        heading nor its id: the anchor belongs to where the chapter starts.
        """
        if continued:
            return '<section class="chapter">\n'
        title = html.escape(chapter_title(chapter.entry))
        return (
            f'<section class="chapter" id="{chapter.id}"><h2 class="chapter-title">{title}</h2>\n'
        )

    def footer(self) -> str:
        """Classification and marking at the end of the document (for reading on screen)."""
        text = self.text
        return (
            '<footer class="document-footer">'
            f'<p class="classification">{html.escape(text.classification)}</p>'
            f'<p class="marking">{html.escape(text.marking)}</p>'
            f'<p class="marking">{html.escape(point_in_time(text))}</p>'
            "</footer>\n"
        )

    def article(self, out: list[str], numbered_article: NumberedArticle) -> None:
        """Append one article's section to ``out``."""
        text, article = self.text, numbered_article.entry
        classes = "article"
        if not article.included:
            classes += " article-pending"
        if self.redline:
            classes += f" article-{article.change}"
        out.append(f'<section class="{classes}" id="{numbered_article.id}">\n')
        out.append(f'<h3 class="article-title">{self._heading(article)}</h3>\n')
        for note in article_notes(article) if self.redline else ():
            out.append(f'<p class="change-note">{html.escape(note)}</p>\n')
        meta = article_meta(text, article)
        if meta:
            out.append(f'<p class="article-meta">{html.escape(meta)}</p>\n')
        for paragraph in article_paragraphs(text, article):
            out.append(self._paragraph(paragraph))
        out.append("</section>\n")

    def _heading(self, article: ArticleEntry) -> str:
        if self.redline:
            return f"{html.escape(article_label(article))} {_changes(heading_pieces(article))}"
        return html.escape(article_title(article))

    def _paragraph(self, paragraph: Para) -> str:
        out = ['<p class="para">']
        if paragraph.number is not None:
            number = html.escape(paragraph.number)
            out.append(f"{number} " if self.lean else f'<span class="para-num">{number}</span> ')
        # Consecutive runs with the same change share one <ins>/<del>.
        current = "equal"
        render = self._lean_run if self.lean else self._rich_run
        for run in paragraph.runs:
            if run.change != current:
                if current != "equal":
                    out.append(f"</{_TAG[current]}>")
                if run.change != "equal":
                    out.append(f"<{_TAG[run.change]}>")
                current = run.change
            out.append(render(run))
        if current != "equal":
            out.append(f"</{_TAG[current]}>")
        out.append("</p>\n")
        return "".join(out)

    def _rich_run(self, run: Run) -> str:
        # Redline runs are not balanced (see rendering.py), so there marks cannot open spans.
        balanced = not self.redline
        if run.kind == "text":
            return _text(run.text)
        if run.kind == "close":
            mark = '<span class="bracket-mark">]</span>' if run.text else ""
            return mark + "</span>" if balanced else mark
        label = attribution(run.parties)
        attr = f'<span class="bracket-attr">{html.escape(label)}</span> ' if label else ""
        mark = f'<span class="bracket-mark">[</span>{attr}'
        if not balanced:
            return mark
        # Party codes are [A-Z0-9] only (parser rule), so they are safe in class names as they are.
        classes = " ".join(f"party-{code.lower()}" for code in run.parties) or "unattributed"
        return f'<span class="bracket {classes}">{mark}'

    @staticmethod
    def _lean_run(run: Run) -> str:
        if run.kind == "text":
            return _text(run.text.replace("[", "\\[").replace("]", "\\]"))
        if run.kind == "close":
            return run.text
        label = attribution(run.parties)
        return f"[{html.escape(label)} " if label else "["


_TAG = {"insert": "ins", "delete": "del"}


def _text(value: str) -> str:
    return html.escape(value).replace("\n", "<br>")


def _changes(pieces: Iterable[HeadingPiece]) -> str:
    out = []
    for piece in pieces:
        escaped = html.escape(piece.text)
        if piece.change == "equal":
            out.append(escaped)
        else:
            out.append(f"<{_TAG[piece.change]}>{escaped}</{_TAG[piece.change]}>")
    return "".join(out)


def _css_string(value: str) -> str:
    """A CSS string literal for ``value`` that no content can break out of (not even </style>)."""
    out = []
    for char in value:
        if (char.isalnum() and char.isascii()) or char in " .,:;()-_/":
            out.append(char)
        else:
            # Six digits and a space: the space ends the escape and is consumed with it.
            out.append(f"\\{ord(char):06x} ")
    return '"' + "".join(out) + '"'
