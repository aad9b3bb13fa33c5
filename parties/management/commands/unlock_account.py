"""manage.py unlock_account <username>: lift a sign-in lock before it expires."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from parties.lockout import account_unlock


class Command(BaseCommand):
    help = (
        "Forget every failed sign-in counted for a username (from any address), so the account "
        "can sign in again at once instead of after the 15-minute cool-off. Audited. The username "
        "need not exist: failures for a name that is no account are counted too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        try:
            failures = account_unlock(actor=None, username=username)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(f"Unlocked {username}: {failures} failed sign-ins forgotten.")
        )
