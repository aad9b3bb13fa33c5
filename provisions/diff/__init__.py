"""Word-level diff of provision texts: operations, statistics and HTML renderings.

Pure logic, no Django. The same operations feed the provision pages, the API (as JSON via
`DiffOp.as_dict`) and redline exports. Callers import from here
(`from provisions import diff; diff.diff_text(...)`); the modules inside are internal:

- `ops`: the operations and what callers read off them (each side, word counts, field changes);
- `words`: what a word, token and clause segment is, and snapping common ends to whole words;
- `engine`: `diff_text`, which finds the changed ranges; its docstring tells how it stays fast;
- `sequences`: the sequence algorithms the engine runs (patience anchors, resync walk, Myers'
  backtrack);
- `hunks`: merging changes not worth showing apart, and turning them into operations;
- `render`: inline and side-by-side HTML.
"""

from .engine import diff_text
from .ops import DiffOp, DiffStats, diff_fields, diff_stats, new_text, old_text
from .render import render_inline_html, render_side_by_side
from .words import tokenize

__all__ = [
    "DiffOp",
    "DiffStats",
    "diff_fields",
    "diff_stats",
    "diff_text",
    "new_text",
    "old_text",
    "render_inline_html",
    "render_side_by_side",
    "tokenize",
]
