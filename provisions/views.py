from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils.safestring import mark_safe
from django.views.generic import DetailView

from negotiations.selectors import comment_list_for, position_list_for
from parties.access import actor_for

from . import brackets
from .selectors import provision_get_for, provision_history


class ProvisionDetailView(LoginRequiredMixin, DetailView):
    """A provision: its negotiating text with party-marked brackets, positions, comments and history."""

    template_name = "provisions/provision_detail.html"
    context_object_name = "provision"

    def get_object(self, queryset=None):
        return provision_get_for(actor_for(self.request.user), self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        actor = actor_for(self.request.user)
        provision = self.object
        parsed = brackets.parse(provision.body)
        positions = list(position_list_for(actor).filter(provision=provision))
        context.update(
            # to_html escapes every piece of the text itself.
            body_html=mark_safe(brackets.to_html(parsed.document)),
            bracket_count=brackets.count_brackets(parsed.document),
            positions=[
                (position, actor.sees_delegation_material_of(position.party_id))
                for position in positions
            ],
            comments=comment_list_for(actor).filter(provision=provision),
            history=provision_history(provision)[:50],
        )
        return context
