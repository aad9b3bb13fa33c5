"""Standalone, print-ready HTML of the consolidated text (and the paged variant the PDF uses).

Every piece of text from the data passes through `html.escape`; the only user text that reaches
the stylesheet (classification and marking, for the running footer) goes through `_css_string`,
which escapes every character outside a small safe set.
"""

from __future__ import annotations

import html
import string
from collections.abc import Callable, Iterable

from .model import ArticleEntry, ConsolidatedText
from .rendering import (
    BuiltDocument,
    HeadingPiece,
    Para,
    Progress,
    Run,
    article_change_note,
    article_label,
    article_meta,
    article_paragraphs,
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

# $classification and $marking are CSS string literals made by _css_string.
_PAGE_STYLE = string.Template("""
@page {
  size: A4;
  margin: 22mm 20mm 26mm 20mm;
  @top-center { content: $classification; font: 8pt sans-serif; color: #444; }
  @bottom-left {
    content: $classification "\\A" $marking;
    white-space: pre-wrap; font: 7.5pt sans-serif; color: #444;
  }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; }
}
""")

_STYLE = """
html { font-family: "DejaVu Serif", "Liberation Serif", "Times New Roman", serif; }
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
.article-meta, .change-note { font-family: sans-serif; font-size: 8.5pt; color: #555; margin: 0; }
.para { margin: 0.4em 0; text-align: justify; }
.para-num { font-weight: bold; }
.bracket-mark, .bracket-attr { font-weight: bold; }
.bracket-attr { font-family: sans-serif; font-size: 0.85em; }
ins { text-decoration: underline; color: #064; background: #e6f4ea; }
del { text-decoration: line-through; color: #a00; background: #fbe9e7; }
.article-pending .article-title { font-weight: normal; font-style: italic; }
.document-footer { border-top: 1px solid #999; margin-top: 3em; padding-top: 0.5em; }
@media print { .document-footer { display: none; } a { color: inherit; } }
"""

# Only for the PDF: a title page and a contents page of their own, page numbers in the contents.
_PAGED_STYLE = """
body { max-width: none; padding: 0; }
.title-page { break-after: page; margin-top: 30mm; }
.toc { break-after: page; }
.toc a::after { content: leader(". ") target-counter(attr(href url), page); }
.toc li { margin: 0.15em 0; }
.chapter-title { break-before: page; bookmark-level: 1; }
.article-title { bookmark-level: 2; break-after: avoid; }
.document-footer { display: none; }
"""


def build(text: ConsolidatedText, progress: Callable[[int], None] | None = None) -> BuiltDocument:
    """The consolidated text as one standalone HTML file, ready to print on A4."""
    tracker = progress_for(text, progress)
    document = render_html(text, tracker, paged=False)
    tracker.finish()
    return BuiltDocument(document.encode("utf-8"), CONTENT_TYPE, "html")


def render_html(text: ConsolidatedText, tracker: Progress, *, paged: bool) -> str:
    """The HTML document as a string; ``paged`` adds the title page, contents page numbers and
    chapter page breaks that WeasyPrint lays out for the PDF."""
    contents: list[str] = []
    body: list[str] = []
    balanced = text.variant != "redline"
    for chapter_index, chapter in enumerate(text.chapters, 1):
        chapter_id = f"chp-{chapter_index}"
        title = html.escape(chapter_title(chapter))
        contents.append(f'<li><a href="#{chapter_id}">{title}</a><ol>')
        body.append(
            f'<section class="chapter" id="{chapter_id}"><h2 class="chapter-title">{title}</h2>\n'
        )
        for article_index, article in enumerate(chapter.articles, 1):
            article_id = f"art-{chapter_index}-{article_index}"
            contents.append(f'<li><a href="#{article_id}">{_toc_entry(text, article)}</a></li>')
            _article(body, text, article, article_id, balanced)
            tracker.step()
        contents.append("</ol></li>")
        body.append("</section>\n")
    return "".join(
        [
            _head(text, paged),
            _title_page(text),
            '<nav class="toc"><h2>Contents</h2><ol>',
            *contents,
            "</ol></nav>\n<main>\n",
            *body,
            "</main>\n",
            _footer(text),
            "</body>\n</html>\n",
        ]
    )


def _head(text: ConsolidatedText, paged: bool) -> str:
    colours = "".join(
        f".party-{code.lower()} {{ background-color: #{tint(colour)}; }}\n"
        for code, colour in party_colours(text).items()
    )
    page = _PAGE_STYLE.substitute(
        classification=_css_string(text.classification), marking=_css_string(text.marking)
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


def _title_page(text: ConsolidatedText) -> str:
    parties = "".join(f"<li>{html.escape(party_line(party))}</li>" for party in text.parties)
    base = base_point(text)
    lines = [
        '<header class="title-page">',
        f'<p class="classification">{html.escape(text.classification)}</p>',
        f'<h1 class="doc-title">{html.escape(text.agreement_title)}</h1>',
        f'<p class="variant">{html.escape(text.variant_label)}</p>',
        f'<p class="point-in-time">{html.escape(point_in_time(text))}</p>',
        f'<p class="base-point">{html.escape(base)}</p>' if base else "",
        f'<div class="parties"><h2>Parties</h2><ul>{parties}</ul></div>',
        f'<p class="legend">{html.escape(legend(text))}</p>',
        f'<p class="marking">{html.escape(text.marking)}</p>',
        "</header>\n",
    ]
    return "\n".join(line for line in lines if line)


def _footer(text: ConsolidatedText) -> str:
    return (
        '<footer class="document-footer">'
        f'<p class="classification">{html.escape(text.classification)}</p>'
        f'<p class="marking">{html.escape(text.marking)}</p>'
        f'<p class="marking">{html.escape(point_in_time(text))}</p>'
        "</footer>\n"
    )


def _toc_entry(text: ConsolidatedText, article: ArticleEntry) -> str:
    entry = html.escape(f"{article_label(article)} {article.heading}")
    if text.variant == "agreed" and not article.included:
        return entry + " — under negotiation"
    if text.variant == "redline" and article.change in ("added", "removed"):
        return f"{entry} ({html.escape(article_change_note(article) or '')})"
    return entry


def _article(
    out: list[str], text: ConsolidatedText, article: ArticleEntry, article_id: str, balanced: bool
) -> None:
    classes = "article"
    if not article.included:
        classes += " article-pending"
    if text.variant == "redline":
        classes += f" article-{article.change}"
    out.append(f'<section class="{classes}" id="{article_id}">\n')
    out.append(f'<h3 class="article-title">{_heading(text, article)}</h3>\n')
    note = article_change_note(article) if text.variant == "redline" else None
    if note:
        out.append(f'<p class="change-note">{html.escape(note)}</p>\n')
    meta = article_meta(text, article)
    if meta:
        out.append(f'<p class="article-meta">{html.escape(meta)}</p>\n')
    for paragraph in article_paragraphs(text, article):
        out.append(_paragraph(paragraph, balanced))
    out.append("</section>\n")


def _heading(text: ConsolidatedText, article: ArticleEntry) -> str:
    label = html.escape(article_label(article))
    if text.variant == "redline":
        return f"{label} {_changes(heading_pieces(article))}"
    if not article.included:
        return f"{label} {html.escape(article.heading)} — under negotiation"
    return f"{label} {html.escape(article.heading)}"


def _changes(pieces: Iterable[HeadingPiece]) -> str:
    out = []
    for piece in pieces:
        escaped = html.escape(piece.text)
        out.append(_wrap_change(escaped, piece.change))
    return "".join(out)


def _wrap_change(fragment: str, change: str) -> str:
    if change == "insert":
        return f"<ins>{fragment}</ins>"
    if change == "delete":
        return f"<del>{fragment}</del>"
    return fragment


def _paragraph(paragraph: Para, balanced: bool) -> str:
    out = ['<p class="para">']
    if paragraph.number is not None:
        out.append(f'<span class="para-num">{html.escape(paragraph.number)}</span> ')
    # Consecutive runs with the same change share one <ins>/<del>.
    current = "equal"
    for run in paragraph.runs:
        if run.change != current:
            if current != "equal":
                out.append(f"</{_TAG[current]}>")
            if run.change != "equal":
                out.append(f"<{_TAG[run.change]}>")
            current = run.change
        out.append(_run(run, balanced))
    if current != "equal":
        out.append(f"</{_TAG[current]}>")
    out.append("</p>\n")
    return "".join(out)


_TAG = {"insert": "ins", "delete": "del"}


def _run(run: Run, balanced: bool) -> str:
    if run.kind == "text":
        return html.escape(run.text).replace("\n", "<br>")
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
