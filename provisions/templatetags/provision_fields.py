"""How a changed field of a provision reads on a page: labels, not stored codes."""

from django import template

from ..compare import describe_minerals_change
from ..models import Category, Status

register = template.Library()

_CHOICES = {"status": Status, "category": Category}


@register.filter
def field_value(value, field: str):
    """A field's value in a version: a status or category by its label, minerals as a list."""
    if field == "minerals":
        return ", ".join(value) or "none"
    choices = _CHOICES.get(field)
    return choices(value).label if choices and value in choices.values else value


@register.filter
def minerals_change(change: dict) -> str:
    """ "Cobalt added; Nickel removed" for a `minerals` field change ({"field", "old", "new"})."""
    return describe_minerals_change(change["old"], change["new"])
