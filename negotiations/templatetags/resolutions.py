"""How a resolution reads on a page."""

from django import template
from django.utils.safestring import mark_safe

from provisions import diff

register = template.Library()


@register.filter
def inline_diff(ops: list[diff.DiffOp]) -> str:
    """Diff operations as inline HTML (deletions struck, insertions underlined)."""
    # render_inline_html escapes every piece of the text itself.
    return mark_safe(diff.render_inline_html(ops))
