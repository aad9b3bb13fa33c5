"""manage.py two_factor_reset <username>: for someone who lost their device and recovery codes."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from parties.two_factor import two_factor_reset


class Command(BaseCommand):
    help = (
        "Remove every two-factor authenticator of a user (authenticator app and recovery codes), "
        "for someone who lost their device. Their password then signs them in, and where their "
        "role requires two-factor they must set up a new app before anything else. Audited. "
        "Check who is asking (by another channel) before running it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        removed = two_factor_reset(actor=None, user=user)
        if not removed:
            raise CommandError(f"{username} has no two-factor authentication to reset.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed {username}'s two-factor authentication ({removed} authenticator(s)); "
                "they set up a new app at their next sign-in."
            )
        )
