"""Errors a user can run into, each with a message a non-programmer can act on.

Every error names the file it is about and says what to do next. They cross process
boundaries (documents are parsed in a worker process), so each one pickles by its arguments.
"""

from __future__ import annotations

from pathlib import Path

SUPPORTED = (
    "PDF, Word (.docx), text (.txt, .md), web pages (.html), e-books (.epub) and tables (.csv)"
)


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


class LongreadError(Exception):
    """Base of every error Longread shows to the user."""


class DocumentError(LongreadError):
    """A file could not be turned into a document. `str(error)` is the message to show."""

    def __init__(self, path: str | Path, detail: str = "") -> None:
        self.path = str(path)
        self.detail = detail
        super().__init__(self.message())

    @property
    def name(self) -> str:
        return Path(self.path).name or self.path

    def message(self) -> str:
        return f"“{self.name}” could not be read. {self.detail}".strip()

    def __reduce__(self):
        return (type(self), (self.path, self.detail))


class FileMissingError(DocumentError):
    def message(self) -> str:
        return f"“{self.name}” was not found. It may have been moved, renamed or deleted."


class FileAccessError(DocumentError):
    def message(self) -> str:
        return (
            f"Longread is not allowed to read “{self.name}”. "
            "Check the file's permissions, or copy it to a folder you own."
        )


class NotAFileError(DocumentError):
    def message(self) -> str:
        return f"“{self.name}” is not a regular file (it may be a device, a pipe or a broken link)."


class UnsupportedFormatError(DocumentError):
    def message(self) -> str:
        return f"“{self.name}” is not a format Longread can read. It reads {SUPPORTED}."


class EmptyFileError(DocumentError):
    def message(self) -> str:
        return f"“{self.name}” is empty (0 bytes), so there is nothing to read."


class NoTextError(DocumentError):
    def message(self) -> str:
        return f"“{self.name}” contains no text that Longread could find."


class FileTooLargeError(DocumentError):
    """detail: "size,limit" in bytes."""

    def message(self) -> str:
        size, limit = (int(x) for x in self.detail.split(","))
        return (
            f"“{self.name}” is {_size(size)}, over the {_size(limit)} size limit. "
            "Split it into smaller files, or raise the limit in the settings."
        )


class CorruptFileError(DocumentError):
    def message(self) -> str:
        return (
            f"“{self.name}” looks damaged or incomplete and could not be read. "
            "Try opening it in the program that made it and saving a fresh copy."
        )


class NotReallyError(CorruptFileError):
    """The extension promises a format the bytes do not have. detail: the format's name."""

    def message(self) -> str:
        return (
            f"“{self.name}” is named like a {self.detail} file "
            f"but its contents are not {self.detail}. "
            "It may be damaged, or renamed from another kind of file."
        )


class PasswordRequiredError(DocumentError):
    def message(self) -> str:
        return f"“{self.name}” is protected by a password. Add it again and give its password."


class WrongPasswordError(PasswordRequiredError):
    def message(self) -> str:
        return f"The password given for “{self.name}” is not correct."


class ScannedPDFError(DocumentError):
    """A PDF with no text layer. detail: OCR_MISSING when the pages are pictures but text
    recognition is not installed, NOTHING_RECOGNISED when it ran and found no text, else why
    there is none."""

    OCR_MISSING = "ocr not installed"
    NOTHING_RECOGNISED = "no text recognised"

    def message(self) -> str:
        if self.detail == self.OCR_MISSING:
            return (
                f"“{self.name}” has no text layer: it looks like a scanned document. "
                "Reading it needs text recognition (OCR), which is not installed. "
                "Install it with: pip install 'longread[ocr]', then add the file again."
            )
        if self.detail == self.NOTHING_RECOGNISED:
            return (
                f"“{self.name}” has no text layer: it looks like a scanned document, "
                "and text recognition (OCR) found no text on its pages. "
                "If it does show text, try a sharper scan (300 dpi) of it."
            )
        return (
            f"“{self.name}” has no text layer, and no scanned pictures of pages for text "
            "recognition (OCR) to read, so Longread found no text in it."
        )


class EncryptedOfficeFileError(DocumentError):
    """A Word file saved with "Encrypt with Password": an encrypted package Longread cannot open."""

    def message(self) -> str:
        return (
            f"“{self.name}” is protected by a password in Word, and Longread cannot open "
            "password-protected Word files. Open it in Word, remove the password "
            "(File › Info › Protect Document › Encrypt with Password), save it and add it again."
        )


def displayable(text: str) -> str:
    """`text` with the undecodable bytes of a file name (kept by Python as lone surrogates,
    which no screen or database can take) shown as replacement characters."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class FileNameError(DocumentError):
    """A file whose name is not valid text: bytes in an old or foreign encoding."""

    @property
    def name(self) -> str:
        return displayable(Path(self.path).name or self.path)

    def message(self) -> str:
        return (
            f"The name of “{self.name}” is not valid text (it may come from an older system "
            "or another language's encoding), so Longread cannot keep track of it. "
            "Rename the file and add it again."
        )


class SuspiciousArchiveError(DocumentError):
    """A DOCX/EPUB that would unpack to far more than any real document (a "zip bomb")."""

    def message(self) -> str:
        return (
            f"“{self.name}” was refused for safety: it would unpack to {self.detail}, "
            "far more than any real document. "
            "It may be damaged, or made to attack the programs that open it."
        )


class ParseTimeoutError(DocumentError):
    """detail: the limit in seconds."""

    def message(self) -> str:
        return (
            f"Reading “{self.name}” took longer than {self.detail} seconds and was stopped. "
            "The file may be damaged or unusually complex."
        )


class ParserCrashedError(DocumentError):
    def message(self) -> str:
        return (
            f"Reading “{self.name}” made the document reader stop unexpectedly"
            f"{' (' + self.detail + ')' if self.detail else ''}. The file may be damaged."
        )


class LibraryError(LongreadError):
    """The on-disk library cannot be opened or changed."""


class ProtectedBookError(DocumentError):
    def message(self) -> str:
        return (
            f"“{self.name}” is protected by DRM (copy protection), so its text cannot be read. "
            "Use a copy of the book without protection."
        )


class ModelError(LongreadError):
    """A language or embedding model cannot be found, loaded or reached.

    `str(error)` says what went wrong; `hint` says what the user can do about it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        self.problem, self.hint = message, hint
        super().__init__(f"{message} {hint}".strip())

    def __reduce__(self):
        return (type(self), (self.problem, self.hint))


class ModelRefError(ModelError):
    """A model on the hub named in a form Longread cannot read (it wants OWNER/REPO/FILE)."""


class ModelNotInstalledError(ModelError):
    """A downloaded model was named (to remove it) that is not in the models folder."""


class DownloadError(ModelError):
    """A model could not be downloaded from the hub (`longread models pull`)."""


class NeverConnectError(DownloadError):
    """The user set Longread never to connect to the internet, downloads included."""


class HubUnreachableError(DownloadError):
    """The hub (or the mirror in HF_ENDPOINT) could not be reached, or answered with a server
    error."""


class DownloadInterruptedError(HubUnreachableError):
    """The connection was lost mid-file and did not come back; the part downloaded is kept, so
    the next pull continues where this one stopped."""


class ModelAccessError(DownloadError):
    """The hub refused the file (401, 403): the model is gated (its licence must be accepted on
    the hub) or private, and Longread downloads only open models."""


class HubFileNotFoundError(DownloadError):
    """No such repository, revision or file on the hub (404)."""


class NotEnoughSpaceError(DownloadError):
    """The disk has too little free space for the model, found before any byte is fetched."""


class DiskFullError(NotEnoughSpaceError):
    """The disk filled up while the model was being written; the part was removed."""


class DownloadDamagedError(DownloadError):
    """The file that arrived is not the hub's (its SHA-256 or its size differs); it was removed,
    and can be downloaded again."""


class DownloadCancelled(DownloadError):
    """The user stopped the download; nothing of it is kept."""


class SandboxError(LongreadError):
    """The recursive mode's code sandbox (its REPL process) cannot be started or used."""


class EvaluationError(LongreadError):
    """An evaluation (`longread eval`) cannot run as asked: a needle whose fact is not in it, a
    haystack with no text."""


class HistoryFileError(LongreadError):
    """`longread ask --history FILE` names a file that cannot be read as earlier turns."""


class ExportError(LongreadError):
    """An exported conversation could not be written where the user chose."""
