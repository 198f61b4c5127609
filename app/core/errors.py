"""Domain exceptions raised by the core; the web and API layers map them to HTTP statuses."""

from __future__ import annotations


class VouchError(Exception):
    """Base of every error the core raises on purpose."""


class BankError(VouchError):
    """An answer-bank file or entry is malformed; the message names file, entry and field."""


class UnreadableWorkbook(VouchError):
    """An upload is not a workbook Vouch can read; the message says why in plain words."""


class UnsupportedWorkbook(UnreadableWorkbook):
    """A legacy, binary or encrypted workbook format that Vouch does not accept."""


class WorkbookTooLarge(UnreadableWorkbook):
    """A workbook exceeds a size, cell or decompression limit."""


class TooManyRows(WorkbookTooLarge):
    """A questionnaire holds more question rows than the caller takes; refused before matching."""

    def __init__(self, found: int, limit: int) -> None:
        super().__init__(f"the file has {found} question rows; at most {limit} are taken")
        self.found = found
        self.limit = limit

    def __reduce__(self) -> tuple[type[TooManyRows], tuple[int, int]]:
        # Crosses the pipe from the parsing child process: pickle rebuilds it from its numbers.
        return (TooManyRows, (self.found, self.limit))
