from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from agreement import demo_content
from agreement.demo import demo_load


class Command(BaseCommand):
    help = "Load the demo agreement and one demo user per party and role (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even with DEBUG off (demo users share one published password).",
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo users with DEBUG off: they share a published password. "
                "Use --force if this really is a demonstration server."
            )
        report = demo_load()
        created = ", ".join(f"{n} {kind}" for kind, n in report.created.items()) or "nothing new"
        self.stdout.write(self.style.SUCCESS(f"Demo agreement ready ({created} created)."))
        self.stdout.write("Sign in at http://127.0.0.1:8000/ as any of these users:")
        for username in report.usernames:
            self.stdout.write(f"  {username}")
        self.stdout.write(f"Password for every demo user: {demo_content.PASSWORD}")
