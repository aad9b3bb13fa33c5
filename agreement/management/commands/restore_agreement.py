"""manage.py restore_agreement: an archive written by archive_agreement into an empty database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreement.archive import ArchiveError, archive_counts, archive_read


class Command(BaseCommand):
    help = (
        "Restore an agreement archive (written by archive_agreement) into a database that holds no "
        "parties, agreements, provisions or negotiation records yet. Everything is restored in one "
        "transaction: on any error nothing is left behind. Every historical version keeps its "
        "date, author, reason and party. Users already present are kept as they are; new users get "
        "no usable password and must have one set (manage.py changepassword USERNAME). "
        "Export files, watches and notifications are not in archives."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The .json.gz archive to restore.")

    def handle(self, *args, file: str, **options) -> None:
        path = Path(file)
        try:
            with path.open("rb") as stream:
                agreement = archive_read(stream)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        except ArchiveError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f'Restored "{agreement.title}" from {path}'))
        for kind, number in archive_counts(agreement).items():
            self.stdout.write(f"  {number:>6} {kind.replace('_', ' ')}")
        self.stdout.write(
            "Restored users have no usable password: set one with "
            "`manage.py changepassword USERNAME` before they sign in."
        )
