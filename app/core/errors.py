"""Domain exceptions raised by the core; the web and API layers map them to HTTP statuses."""


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
