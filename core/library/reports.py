"""What `Library.add` and `Library.sync` did: AddReport and SyncReport."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.library.catalog import DocumentInfo


@dataclass
class AddReport:
    """What `Library.add` did with each file it was given or found."""

    added: list[DocumentInfo] = field(default_factory=list)
    updated: list[DocumentInfo] = field(default_factory=list)
    # (file, the document already holding its content: the same file, or a copy elsewhere)
    unchanged: list[tuple[str, DocumentInfo]] = field(default_factory=list)
    # files and folders inside the folders given that were not tried: hidden, or not a format
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, message for the user)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """One line for a status bar, e.g. "3 added, 1 failed"."""
        parts = [
            f"{len(items)} {word}"
            for items, word in (
                (self.added, "added"),
                (self.updated, "updated"),
                (self.unchanged, "unchanged"),
                (self.skipped, "skipped"),
                (self.failed, "failed"),
            )
            if items
        ]
        text = ", ".join(parts) or "nothing to add"
        return f"{text} (stopped before the end)" if self.cancelled else text


@dataclass
class SyncReport:
    """What `Library.sync` found changed in the watched folders, and what it did about it."""

    added: list[DocumentInfo] = field(default_factory=list)
    changed: list[DocumentInfo] = field(default_factory=list)  # read again: new content
    # (the path it had, the document under its new path): renamed or moved, same content
    moved: list[tuple[str, DocumentInfo]] = field(default_factory=list)
    removed: list[DocumentInfo] = field(default_factory=list)  # their files were deleted
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, message for the user)
    # watched folders that are not there (a drive not connected, a folder moved or deleted):
    # nothing in them was removed
    missing: list[str] = field(default_factory=list)
    cancelled: bool = False

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.changed) + len(self.moved) + len(self.removed)

    def summary(self) -> str:
        """One line for a status bar, e.g. "1 added, 1 changed, 1 removed"."""
        parts = [
            f"{len(items)} {word}"
            for items, word in (
                (self.added, "added"),
                (self.changed, "changed"),
                (self.moved, "renamed or moved"),
                (self.removed, "removed"),
                (self.failed, "failed"),
            )
            if items
        ]
        text = ", ".join(parts) or "no changes"
        return f"{text} (stopped before the end)" if self.cancelled else text
