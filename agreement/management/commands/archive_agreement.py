"""manage.py archive_agreement: one agreement and its full history to one gzip-compressed JSON file."""

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.text import slugify

from agreement.archive import ArchiveError, archive_write
from agreement.models import Agreement


class Command(BaseCommand):
    help = (
        "Write one agreement to a gzip-compressed JSON archive: its parties, delegations and their "
        "users (never passwords), chapters, minerals, rounds, provisions, positions, proposals, "
        "resolutions with their consents, comments (removed ones marked removed) and action items, "
        "with every historical version of provisions, positions, proposals and comments (date, "
        "author, reason, party; for "
        "provisions, the minerals each version covered). Not archived: export "
        "jobs and their files, watches, notifications. "
        "The file holds every delegation's internal notes and delegation-only comments: "
        "handle it as restricted. Restore it with restore_agreement."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("agreement", help="The agreement's id or its exact title.")
        parser.add_argument(
            "--output",
            metavar="FILE",
            help="Where to write (default: <title slug>-<UTC timestamp>.json.gz here). "
            "An existing file is never overwritten.",
        )

    def handle(self, *args, agreement: str, output: str | None = None, **options) -> None:
        found = find_agreement(agreement)
        path = Path(output or default_file_name(found))
        if path.exists():
            raise CommandError(f"{path} already exists; choose another --output.")
        try:
            counts = write_atomically(found, path)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc}") from exc
        size = path.stat().st_size
        self.stdout.write(self.style.SUCCESS(f'Archived "{found.title}" to {path}'))
        for kind, number in counts.items():
            self.stdout.write(f"  {number:>6} {kind.replace('_', ' ')}")
        self.stdout.write(f"File size: {size:,} bytes ({size / 1024:.1f} KiB)")


def find_agreement(reference: str) -> Agreement:
    """The agreement with this id, or else with exactly this title."""
    if reference.isdigit():
        by_id = Agreement.objects.filter(pk=int(reference)).first()
        if by_id is not None:
            return by_id
    by_title = Agreement.objects.filter(title=reference).first()
    if by_title is not None:
        return by_title
    known = "; ".join(f"{a.pk}: {a.title}" for a in Agreement.objects.order_by("pk")[:20])
    raise CommandError(
        f"No agreement has the id or exact title {reference!r}. "
        f"Agreements: {known or 'none in this database'}."
    )


def default_file_name(agreement: Agreement) -> str:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return f"{slugify(agreement.title)[:80]}-{stamp}.json.gz"


def write_atomically(agreement: Agreement, path: Path) -> dict[str, int]:
    """Write beside the target and rename at the end: a failed archive leaves no half file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            counts = archive_write(agreement, stream)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return counts
