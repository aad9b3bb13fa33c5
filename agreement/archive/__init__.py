"""One agreement, with everything negotiated in it and its full history, as one archive file.

`archive_write` writes gzip-compressed JSON; `archive_read` restores such a file into a database that
holds no agreement data yet. The file names every record by its natural key (party code, username,
chapter number, provision number, ...) and never by a database id, so ids need not survive; except
proposals and resolutions, which are cited by number ("US proposal #12") and whose number is their
id: they keep it.

History is copied row for row: each historical row (of a provision, position or proposal) keeps its
date, author, reason, author's party and field values (a provision's also the minerals that version
covered), and rows are written back in the order they were first written. Restoring writes
historical and current rows with `bulk_create`, never through `save()`, which would stamp new dates
and add history rows of its own.

A restore checks itself before it commits: the restored agreement is archived again in memory and must
equal the file, record for record. Any difference, like any other failure, leaves nothing behind.

Not archived: export jobs and their files, watches, notifications, presence leases, passwords.

The modules: `schema` (what a file holds: the format, its version and the fields of each record
kind), `write` (the database to a file), `parse` (a file's bytes to a checked document, before any
database work) and `restore` (a document into the database, verified before it commits).
"""

from .restore import archive_read
from .schema import ArchiveError
from .write import archive_counts, archive_document, archive_write

__all__ = ["ArchiveError", "archive_counts", "archive_document", "archive_read", "archive_write"]
