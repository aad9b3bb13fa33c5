"""Who may change what in negotiating text: each party speaks only for itself.

Adding brackets is unilateral, removing them is consensual, and each party changes only its own
language. `classify` compares a new text with the version it was based on and sorts every change
into one of three verdicts:

- ``allowed``: the actor may make it directly;
- ``proposal``: it changes language the actor does not own (another party's group, common text
  of a tabled provision); the actor must submit a proposal;
- ``consent``: it removes brackets (makes bracketed language common text, or drops an alternative
  another party sponsors); it takes effect as a resolution, once every party concerned consents.

Pure Python, no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    ALLOWED = "allowed"
    PROPOSAL = "proposal"
    CONSENT = "consent"


class Authority(StrEnum):
    """In what capacity the actor edits."""

    # A delegation on a tabled provision: its own groups only, new groups in its own name.
    PARTY = "party"
    # The proposing party while the provision is a draft: common text and unattributed brackets
    # are free too; other parties' groups are still theirs.
    DRAFTER = "drafter"
    # The secretariat as chair: common text and the words of unattributed brackets (it writes
    # attributions only by incorporating a proposal, and removes brackets only by resolution).
    CHAIR = "chair"


@dataclass(frozen=True)
class Change:
    """One change between two texts and what it needs.

    ``parties`` are the sponsors of the group concerned (empty for common text and unattributed
    brackets); ``line`` and ``column`` locate it, in the old text for what was removed or changed
    and in the new text for what was added.
    """

    verdict: Verdict
    kind: str
    parties: tuple[str, ...]
    line: int
    column: int
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "verdict": str(self.verdict),
            "kind": self.kind,
            "parties": list(self.parties),
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class Classification:
    changes: tuple[Change, ...] = ()

    @property
    def refused(self) -> tuple[Change, ...]:
        """Changes that need a proposal."""
        return tuple(c for c in self.changes if c.verdict == Verdict.PROPOSAL)

    @property
    def needs_consent(self) -> tuple[Change, ...]:
        """Changes that remove brackets: they need a resolution."""
        return tuple(c for c in self.changes if c.verdict == Verdict.CONSENT)

    @property
    def allowed(self) -> bool:
        """Whether the actor may save the new text directly."""
        return all(c.verdict == Verdict.ALLOWED for c in self.changes)

    def consent_parties(self) -> frozenset[str] | None:
        """The parties whose consent the bracket removals need; None: every participant (an
        unattributed group is concerned)."""
        parties: set[str] = set()
        for change in self.needs_consent:
            if not change.parties:
                return None
            parties.update(change.parties)
        return frozenset(parties)


def classify(old: str, new: str, *, party: str | None, authority: Authority) -> Classification:
    """Every change from ``old`` to ``new`` by ``party`` (None: the secretariat), with its verdict.

    Both texts must parse without errors.
    """
    raise NotImplementedError
