"""Document builders for the consolidated text: one module per export format.

``build(fmt, text, progress)`` renders a `ConsolidatedText` (plain data, see `model`) into the
bytes of one file. Builders know nothing of Django, requests or tasks; the export task calls
``build`` and stores the result. Format modules are imported on first use: the PDF builder
loads WeasyPrint and Pango, which nothing else needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from .model import ConsolidatedText
from .rendering import BuiltDocument

__all__ = ["FORMATS", "BuiltDocument", "build"]

# Format name → module in this package that has `build(text, progress) -> BuiltDocument`.
_MODULES: dict[str, str] = {
    "html": "html",
    "pdf": "pdf",
    "docx": "docx",
    "md": "markdown",
    "txt": "plaintext",
    "json": "jsondoc",
    "akn": "akoma_ntoso",
}
FORMATS: tuple[str, ...] = tuple(_MODULES)


def build(
    fmt: str, text: ConsolidatedText, progress: Callable[[int], None] | None = None
) -> BuiltDocument:
    """Render ``text`` as ``fmt`` (one of `FORMATS`).

    ``progress``, if given, is called with whole percentages 0–100 as articles are rendered:
    increasing, at most ~100 calls, the last one 100. An unknown format raises ValueError.
    """
    if fmt not in _MODULES:
        raise ValueError(f"Unknown export format {fmt!r}; valid formats: {', '.join(FORMATS)}.")
    module = importlib.import_module(f"{__name__}.{_MODULES[fmt]}")
    return module.build(text, progress)
