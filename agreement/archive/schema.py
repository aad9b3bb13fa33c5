"""The archive format: its name and version, and the fields archived for each kind of record.

Writing and restoring both follow these lists, so a field added to a model is added here once.
"""

from dataclasses import dataclass
from typing import Any

from negotiations.models import Comment, Position, Proposal

FORMAT_NAME = "critical-minerals-archive"
FORMAT_VERSION = 4
# Older files are read by upgrading them, one version at a time, to what this version says
# (`parse.upgrade`): version 1 files are version 2 files whose provision history rows do not say
# which minerals each version covered (read as "not recorded"); version 2 files are version 3
# files written before the negotiation rules: no `text_version` on provisions (read as the
# provision's version: the text changed last at the version the file holds), no version or
# meeting on positions (null, ""), and no proposals or resolutions; version 3 files are version 4
# files written before comments kept history: no comment was removed, and each comment's history
# is one row, the comment as it stands (as the migration that added comment history wrote).
READABLE_VERSIONS = (1, 2, 3, 4)
ABOUT = (
    "One agreement with its parties, delegations, chapters, minerals, rounds, provisions, positions, "
    "proposals, resolutions with their consents, comments (removed ones too, marked removed) and "
    "action items, and every historical version of provisions (with the minerals each covered), "
    "positions, proposals and comments. Written by "
    "`manage.py archive_agreement`, read by `manage.py restore_agreement`; see docs/archive.md. "
    "Holds every delegation's internal material: handle as restricted."
)
HistoricalPosition = Position.history.model
HistoricalProposal = Proposal.history.model
HistoricalComment = Comment.history.model


class ArchiveError(Exception):
    """The file is not a readable archive, or the database cannot give or take one."""


# --- What is archived: one list of fields per record kind -----------------------------------------

# Value kinds. References are written as the natural key of the record they point to.
TEXT, INT, BOOL, MOMENT, DAY, STRINGS = "text", "int", "bool", "moment", "day", "strings"
PARTY, USER, CHAPTER, PROVISION, ROUND = "party", "user", "chapter", "provision", "round"
# Proposals are referred to by their number (see ID_FIELDS).
PROPOSAL = "proposal"
REFERENCES = frozenset({PARTY, USER, CHAPTER, PROVISION, ROUND, PROPOSAL})
# Minerals are referred to by name too, but only in lists (a provision's, a version's).
MINERAL = "mineral"
KINDS = REFERENCES | {TEXT, INT, BOOL, MOMENT, DAY, STRINGS}


@dataclass(frozen=True)
class Field:
    """One archived value: its key in the file, its kind, the model attribute it comes from."""

    key: str
    kind: str = TEXT
    null: bool = False

    @property
    def attname(self) -> str:
        return f"{self.key}_id" if self.kind in REFERENCES else self.key


def _fields(spec: str) -> tuple[Field, ...]:
    """Fields from 'key key:kind key:kind? ...': kind defaults to text, '?' allows null."""
    fields = []
    for word in spec.split():
        key, _, kind = word.rstrip("?").partition(":")
        if kind and kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} in {word!r}")
        fields.append(Field(key, kind or TEXT, null=word.endswith("?")))
    return tuple(fields)


PARTY_FIELDS = _fields("code name lead_agency kind colour")
USER_FIELDS = _fields("username first_name last_name email is_staff:bool is_active:bool")
MEMBERSHIP_FIELDS = _fields("user:user party:party role")
AGREEMENT_FIELDS = _fields("title short_title status description created_at:moment")
PARTICIPATION_FIELDS = _fields("party:party joined_on:day standing")
CHAPTER_FIELDS = _fields("number:int title")
MINERAL_FIELDS = _fields("name hs_codes:strings")
ROUND_FIELDS = _fields("number:int venue starts_on:day ends_on:day closed_at:moment?")
PROVISION_FIELDS = _fields(
    "number chapter:chapter order:int heading category status proposed_by:party? body "
    "bracket_count:int version:int text_version:int ever_tabled:bool created_at:moment "
    "updated_at:moment"
)
POSITION_FIELDS = _fields(
    "provision:provision party:party stance note internal_note provision_version:int? meeting "
    "updated_at:moment"
)
# Every historical row also carries `seq`: its place among all rows of its kind in the agreement,
# in the order they were written (history_id order), so a restore writes them back in that order.
# A provision's historical row also carries `minerals`: the names of the minerals that version
# covered, or null for versions written before minerals were recorded (`minerals_recorded` false).
HISTORY_FIELDS = _fields(
    "history_date:moment history_type history_user:user? history_change_reason? history_party"
)
PROVISION_HISTORY_FIELDS = HISTORY_FIELDS + PROVISION_FIELDS
POSITION_HISTORY_FIELDS = HISTORY_FIELDS + POSITION_FIELDS
# Proposals and resolutions are cited by number ("US proposal #12", "Resolution #5 adopted": in
# history reasons, messages and addresses), and their number is their database id. So, unlike
# every other record, they keep their id: it is archived as `id` and restored as it was (a
# restore writes into empty tables, so no id is taken).
ID_FIELDS = _fields("id:int")
# A proposal for a new provision has no provision or base version until it is incorporated, and
# gives the chapter, number, heading and category of the provision it proposes.
PROPOSAL_FIELDS = _fields(
    "provision:provision? base_version:int? party:party author:user body note chapter:chapter? "
    "number heading category state resulting_version:int? created_at:moment tabled_at:moment? "
    "decided_at:moment?"
)
PROPOSAL_HISTORY_FIELDS = HISTORY_FIELDS + PROPOSAL_FIELDS
# A resolution also carries `concerned` (the codes of the parties whose consent it needs) and
# `consents` (each party's answer, in party code order).
RESOLUTION_FIELDS = _fields(
    "provision:provision base_version:int body note party:party? author:user "
    "proposal:proposal? state resulting_version:int? created_at:moment decided_at:moment?"
)
CONSENT_FIELDS = _fields(
    "party:party answer recorded_by:user meeting provision_version:int created_at:moment"
)
# A removed comment is archived as it is stored: hidden (`deleted_at`, `deleted_by`), not gone.
COMMENT_FIELDS = _fields(
    "provision:provision provision_version:int? author:user party:party? visibility body "
    "created_at:moment updated_at:moment deleted_at:moment? deleted_by:user?"
)
COMMENT_HISTORY_FIELDS = HISTORY_FIELDS + COMMENT_FIELDS
ACTION_ITEM_FIELDS = _fields(
    "title description owner_party:party assignee:user? due_on:day? provision:provision? "
    "round:round? done:bool done_at:moment? reminded_on:day? created_by:user created_at:moment"
)

SECTIONS = (
    "parties",
    "users",
    "memberships",
    "agreement",
    "participations",
    "chapters",
    "minerals",
    "rounds",
    "provisions",
    "positions",
    "proposals",
    "resolutions",
    "comments",
    "action_items",
)
# The archive version that added a section (the others are in every version).
SECTION_SINCE = {"proposals": 3, "resolutions": 3}
HEADER = ("format", "version", "about", "created_at", "counts")


def sections_of(version: int) -> tuple[str, ...]:
    """The sections a file of this archive version holds."""
    return tuple(section for section in SECTIONS if SECTION_SINCE.get(section, 1) <= version)


def count_records(document: dict[str, Any], version: int = FORMAT_VERSION) -> dict[str, int]:
    """The number of records of each kind in a document: what its `counts` must say."""
    counts = {
        section: len(document[section])
        for section in sections_of(version)
        if section != "agreement"
    }
    counts["provision_versions"] = sum(len(p["history"]) for p in document["provisions"])
    counts["position_versions"] = sum(len(p["history"]) for p in document["positions"])
    if version >= 3:
        counts["proposal_versions"] = sum(len(p["history"]) for p in document["proposals"])
        counts["consents"] = sum(len(r["consents"]) for r in document["resolutions"])
    if version >= 4:
        counts["comment_versions"] = sum(len(c["history"]) for c in document["comments"])
    return counts
