"""PDF of the consolidated text: the paged HTML laid out by WeasyPrint.

Title page, contents with page numbers, "Page X of Y" and the classification line and marking
in every page's footer all come from the CSS of `html.render_html(paged=True)`.
"""

from __future__ import annotations

from collections.abc import Callable

from .html import render_html
from .model import ConsolidatedText
from .rendering import BuiltDocument, progress_for, subject_line

CONTENT_TYPE = "application/pdf"

# Writing the HTML is quick; WeasyPrint's layout is most of the time, then the PDF writing.
_HTML_SHARE = 20
_LAYOUT_DONE = 85


def build(text: ConsolidatedText, progress: Callable[[int], None] | None = None) -> BuiltDocument:
    """The consolidated text as a print-ready A4 PDF with metadata (title, subject, marking)."""
    # Imported here: WeasyPrint loads Pango at import, which only PDF exports need.
    from weasyprint import HTML

    tracker = progress_for(text, progress, end=_HTML_SHARE)
    markup = render_html(text, tracker, paged=True)
    document = HTML(string=markup, url_fetcher=_no_fetch).render()
    tracker.report(_LAYOUT_DONE)
    metadata = document.metadata
    metadata.title = text.agreement_title
    metadata.description = subject_line(text)
    metadata.keywords = [text.classification, text.marking]
    metadata.generator = "Critical minerals negotiations: consolidated text export"
    content = document.write_pdf()
    tracker.finish()
    return BuiltDocument(content, CONTENT_TYPE, "pdf")


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # The document is self-contained; nothing in it may make the worker open a file or a URL.
    raise ValueError(f"external resources are not loaded in exports: {url[:80]}")
