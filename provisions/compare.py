"""Agreement-wide comparison of two snapshots: provisions added, removed, changed and moved.

Pure logic over plain snapshots; the selectors read the snapshots from history.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import diff

CHANGE_KINDS = ("added", "removed", "changed")


@dataclass(frozen=True)
class Snapshot:
    """A provision as it stood at one moment (one history row).

    `minerals` are the sorted names of the minerals it covered, or None when that history row
    was written before minerals were recorded (unknown, which is not "none").
    """

    id: int
    number: str
    heading: str
    category: str
    status: str
    chapter_number: int
    order: int
    body: str
    version: int
    proposed_by_id: int | None = None
    minerals: tuple[str, ...] | None = None

    @property
    def place(self) -> tuple[int, int]:
        return (self.chapter_number, self.order)


@dataclass(frozen=True)
class ProvisionChange:
    id: int
    number: str
    heading: str
    kind: str  # "added" | "removed" | "changed"
    moved: bool = False
    from_version: int | None = None
    to_version: int | None = None
    fields: list[dict] = field(default_factory=list)
    ops: list[diff.DiffOp] = field(default_factory=list)

    @property
    def changed_parts(self) -> list[str]:
        """What changed, for a summary: "text" if the text did, then the changed fields."""
        text = ["text"] if any(op.kind != "equal" for op in self.ops) else []
        return text + [change["field"] for change in self.fields]

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "number": self.number,
            "heading": self.heading,
            "kind": self.kind,
            "moved": self.moved,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "fields": self.fields,
            "diff": [op.as_dict() for op in self.ops],
        }


def _fields(snapshot: Snapshot, *, minerals: bool) -> dict:
    fields = {
        "heading": snapshot.heading,
        "status": snapshot.status,
        "category": snapshot.category,
        "number": snapshot.number,
        "chapter": snapshot.chapter_number,
    }
    if minerals:
        fields["minerals"] = list(snapshot.minerals or ())
    return fields


def compare_snapshots(
    before: Mapping[int, Snapshot], after: Mapping[int, Snapshot]
) -> list[ProvisionChange]:
    """Every difference between two snapshots of an agreement, in the later reading order.

    Minerals count only where both snapshots know them: an unknown side is no change.
    """
    changes = []
    for pk in after.keys() - before.keys():
        new = after[pk]
        changes.append(
            ProvisionChange(
                id=pk,
                number=new.number,
                heading=new.heading,
                kind="added",
                to_version=new.version,
                ops=diff.diff_text("", new.body),
            )
        )
    for pk in before.keys() - after.keys():
        old = before[pk]
        changes.append(
            ProvisionChange(
                id=pk,
                number=old.number,
                heading=old.heading,
                kind="removed",
                from_version=old.version,
                ops=diff.diff_text(old.body, ""),
            )
        )
    for pk in before.keys() & after.keys():
        old, new = before[pk], after[pk]
        if old.version == new.version:
            continue
        moved = old.place != new.place or old.number != new.number
        known = old.minerals is not None and new.minerals is not None
        field_changes = diff.diff_fields(_fields(old, minerals=known), _fields(new, minerals=known))
        text_changed = old.body != new.body
        if not (text_changed or field_changes):
            continue
        changes.append(
            ProvisionChange(
                id=pk,
                number=new.number,
                heading=new.heading,
                kind="changed",
                moved=moved,
                from_version=old.version,
                to_version=new.version,
                fields=field_changes,
                ops=diff.diff_text(old.body, new.body) if text_changed else [],
            )
        )

    def reading_order(change: ProvisionChange):
        snapshot = after.get(change.id) or before[change.id]
        return (snapshot.place, snapshot.number, change.id)

    return sorted(changes, key=reading_order)


def summarize(changes: list[ProvisionChange]) -> dict[str, int]:
    """How many provisions were added, removed, changed and moved."""
    summary = {kind: sum(change.kind == kind for change in changes) for kind in CHANGE_KINDS}
    summary["moved"] = sum(change.moved for change in changes)
    return summary


def describe_minerals_change(old: list[str], new: list[str]) -> str:
    """ "Cobalt added; Nickel removed" from two versions' mineral names ("" when the same)."""
    added = [name for name in new if name not in old]
    removed = [name for name in old if name not in new]
    parts = [f"{', '.join(added)} added"] if added else []
    if removed:
        parts.append(f"{', '.join(removed)} removed")
    return "; ".join(parts)
