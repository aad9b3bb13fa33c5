from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .models import Party


@require_GET
@cache_control(max_age=300)
def party_colours_css(request) -> HttpResponse:
    """Each party's display colour as a CSS class, so bracket markup carries no inline style."""
    rules = [
        f".party-{code.lower()} {{ --party-colour: {colour}; }}"
        for code, colour in Party.objects.values_list("code", "colour")
    ]
    return HttpResponse("\n".join(rules) + "\n", content_type="text/css")
