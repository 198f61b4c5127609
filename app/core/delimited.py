"""CSV and TSV questionnaires: read them as a table, write answers back leaving every other byte."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.errors import UnreadableWorkbook, WorkbookTooLarge
from app.core.formulas import needs_quote_prefix
from app.core.tables import TextTable, detect_tables, plan_write
from app.core.workbook.limits import DEFAULT_LIMITS, Limits
from app.core.workbook.model import (
    AnswerWrite,
    Detection,
    FidelityReport,
    FillResult,
    SheetMapping,
    WriteOutcome,
)
from app.core.workbook.package import translate_errors
from app.core.workbook.refs import cell_ref, column_index
from app.core.workbook.writer import Edits

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_CHARS = 65_536
SAMPLE_RECORDS = 50
MAX_FIELD_CHARS = 131_072  # the csv module's own field limit
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
ADDED_LABELS = ("Answer", "Detail")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Field:
    """One field as it sits in the text: its span (quotes included) and its value."""

    start: int
    end: int
    value: str


@dataclass(frozen=True)
class Record:
    """One record: its fields, and where its line terminator starts and ends."""

    fields: tuple[Field, ...]
    line_end: int
    next_start: int


@dataclass(frozen=True)
class DelimitedText:
    """A decoded delimited file: its text, how it was encoded, its delimiter and its records."""

    text: str
    encoding: str
    bom: bytes
    delimiter: str
    records: tuple[Record, ...]

    @property
    def extension(self) -> str:
        """Return the extension a filled copy keeps: .tsv for tab-separated, else .csv."""
        return ".tsv" if self.delimiter == "\t" else ".csv"

    @property
    def name(self) -> str:
        """Return the name the file's one table goes by in reports and mappings."""
        return "TSV" if self.delimiter == "\t" else "CSV"


def decode(data: bytes) -> tuple[str, str, bytes]:
    """Decode a text upload; return its text, its encoding and any byte-order mark."""
    for bom, encoding in zip(UTF16_BOMS, ("utf-16-le", "utf-16-be"), strict=True):
        if data.startswith(bom):
            try:
                return data[2:].decode(encoding), encoding, bom
            except UnicodeDecodeError:
                raise UnreadableWorkbook("the file claims UTF-16 but is not valid UTF-16") from None
    bom = UTF8_BOM if data.startswith(UTF8_BOM) else b""
    body = data[len(bom) :]
    if b"\x00" in body:
        raise UnreadableWorkbook("the file is binary, not a CSV or TSV text file")
    try:
        return body.decode("utf-8"), "utf-8", bom
    except UnicodeDecodeError:
        if bom:
            raise UnreadableWorkbook("the file starts as UTF-8 but is not valid UTF-8") from None
    try:
        # What spreadsheets on Windows save as "CSV" when the text is not Unicode.
        return body.decode("cp1252"), "cp1252", b""
    except UnicodeDecodeError:
        return body.decode("latin-1"), "latin-1", b""


def tokenize(
    text: str, delimiter: str, *, strict: bool = True, limit: int = 0, max_records: int = 0
) -> list[Record]:
    """Split text into records and fields, keeping each field's span; quoted newlines stay in."""
    stop = re.compile(f"[{re.escape(delimiter)}\r\n]")
    records: list[Record] = []
    size = len(text)
    position = 0
    cells = 0
    while position < size and not (max_records and len(records) >= max_records):
        fields: list[Field] = []
        while True:
            start = position
            if position < size and text[position] == '"':
                pieces: list[str] = []
                cursor = position + 1
                while True:
                    quote = text.find('"', cursor)
                    if quote < 0:
                        if strict:
                            raise UnreadableWorkbook(
                                "a quoted field is never closed; the file is cut short or damaged"
                            )
                        quote = size
                        pieces.append(text[cursor:quote])
                        cursor = size
                        break
                    pieces.append(text[cursor:quote])
                    if text.startswith('""', quote):
                        pieces.append('"')
                        cursor = quote + 2
                        continue
                    cursor = quote + 1
                    break
                found = stop.search(text, cursor)
                end = found.start() if found else size
                value = "".join(pieces) + text[cursor:end]
            else:
                found = stop.search(text, position)
                end = found.start() if found else size
                value = text[position:end]
            if len(value) > MAX_FIELD_CHARS:
                raise WorkbookTooLarge(f"a field holds more than {MAX_FIELD_CHARS:,} characters")
            fields.append(Field(start, end, value))
            position = end
            if position < size and text[position] == delimiter:
                position += 1
                continue
            break
        cells += len(fields)
        if limit and cells > limit:
            raise WorkbookTooLarge(f"the file has more than {limit:,} cells")
        line_end = position
        if text.startswith("\r\n", position):
            position += 2
        elif position < size:
            position += 1
        records.append(Record(tuple(fields), line_end, position))
    return records


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that splits the first records into the most consistent columns."""
    return _best_delimiter(text)[0]


def _best_delimiter(text: str) -> tuple[str, int]:
    """Return the best delimiter and how many sampled records it splits into its usual width."""
    sample = text[:SAMPLE_CHARS]
    best, best_score, best_seen = ",", (-1.0, 0), 0
    for delimiter in DELIMITERS:
        records = tokenize(sample, delimiter, strict=False, max_records=SAMPLE_RECORDS)
        counts = [len(record.fields) for record in records if any(f.value for f in record.fields)]
        if not counts:
            continue
        width, seen = Counter(counts).most_common(1)[0]
        if width < 2:
            continue
        score = (seen / len(counts), width)
        if score > best_score:
            best, best_score, best_seen = delimiter, score, seen
    return best, best_seen


def parse(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> DelimitedText:
    """Decode a CSV or TSV upload and split it into records, within the upload limits."""
    if len(data) > limits.max_upload_bytes:
        raise WorkbookTooLarge(
            f"the file is {len(data) / 1_048_576:.1f} MB; the limit is "
            f"{limits.max_upload_bytes / 1_048_576:.0f} MB"
        )
    text, encoding, bom = decode(data)
    delimiter = sniff_delimiter(text)
    count_cells(text, delimiter, limit=limits.max_cells)
    records = tokenize(text, delimiter, limit=limits.max_cells)
    return DelimitedText(text, encoding, bom, delimiter, tuple(records))


def count_cells(text: str, delimiter: str, *, limit: int) -> int:
    """Count the cells with the C parser first, so an oversized file is refused in a moment."""
    count = 0
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            count += len(record)
            if count > limit:
                raise WorkbookTooLarge(f"the file has more than {limit:,} cells")
    except csv.Error as error:
        if "field limit" in str(error):
            raise WorkbookTooLarge(
                f"a field holds more than {MAX_FIELD_CHARS:,} characters"
            ) from None
        raise UnreadableWorkbook(f"the file is not valid CSV ({error})") from None
    return count


def as_table(parsed: DelimitedText) -> TextTable:
    """Return the file's records as a table of text, row 1 being the first record."""
    table = TextTable(parsed.name)
    for row, record in enumerate(parsed.records, start=1):
        for column, item in enumerate(record.fields, start=1):
            if item.value:
                table.cells[(row, column)] = item.value
        table.width = max(table.width, len(record.fields))
    return table


def read_delimited(
    data: bytes, *, mappings: Sequence[SheetMapping] | None = None, limits: Limits = DEFAULT_LIMITS
) -> Detection:
    """Detect the question rows of a CSV or TSV file; a given mapping overrides detection."""
    with translate_errors(subject="file", formats=".csv/.tsv"):
        parsed = parse(data, limits=limits)
        return detect_tables([as_table(parsed)], mappings=mappings, add_answer_columns=True)


def quote_field(value: str, delimiter: str) -> str:
    """Render a value as a field, quoting it when it holds the delimiter, a quote or a newline."""
    if any(mark in value for mark in (delimiter, '"', "\r", "\n")) or value != value.strip():
        return '"' + value.replace('"', '""') + '"'
    return value


def neutralise(text: str) -> str:
    """Drop NUL bytes; prefix text a spreadsheet would run as a formula with an apostrophe."""
    text = text.replace("\x00", "")
    return "'" + text if needs_quote_prefix(text) else text


def fill_delimited(
    data: bytes,
    detection: Detection,
    writes: Sequence[AnswerWrite],
    *,
    overwrite: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> FillResult:
    """Write answers into a copy of the file, changing only the answer and detail fields."""
    with translate_errors(subject="file", formats=".csv/.tsv"):
        return _fill(data, detection, writes, overwrite=overwrite, limits=limits)


def _fill(
    data: bytes,
    detection: Detection,
    writes: Sequence[AnswerWrite],
    *,
    overwrite: bool,
    limits: Limits,
) -> FillResult:
    parsed = parse(data, limits=limits)
    table = as_table(parsed)
    rows = {(row.sheet, row.row): row for row in detection.rows}
    mapping = next((m for m in detection.mappings if m.sheet == parsed.name), None)
    plan: Edits = {}
    outcomes: list[WriteOutcome] = []
    for write in writes:
        question = rows.get((write.sheet, write.row))
        if question is None:
            outcomes.append(
                WriteOutcome(write.sheet, write.row, "", False, "not a detected question row")
            )
            continue
        attempt: Edits = {}
        outcome = plan_write(
            question,
            mapping,
            write.answer,
            write.detail,
            attempt,
            current=table.text,
            overwrite=overwrite,
            limit=MAX_FIELD_CHARS,
        )
        unencodable = [
            text for text in attempt.values() if text and not _encodable(text, parsed.encoding)
        ]
        if outcome.written and unencodable:
            outcome = WriteOutcome(
                outcome.sheet,
                outcome.row,
                outcome.cell,
                False,
                f"the answer has characters the file's encoding ({parsed.encoding}) cannot hold",
            )
        elif outcome.written:
            plan.update(attempt)
        outcomes.append(outcome)
    edits = {key: neutralise(text) if text else text for key, text in plan.items()}
    if mapping is not None and plan:
        edits.update(_added_labels(parsed, mapping))
    filled = render(parsed, edits) if plan else data
    fidelity = check_delimited_fidelity(data, filled, expected=edits, limits=limits)
    return FillResult(filled, tuple(outcomes), fidelity, parsed.extension)


def _encodable(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _added_labels(parsed: DelimitedText, mapping: SheetMapping) -> Edits:
    """Label the answer and detail columns on the header row where the file had none."""
    header = parsed.records[mapping.header_row - 1] if parsed.records else None
    if header is None:
        return {}
    labels: Edits = {}
    columns = (mapping.answer_columns[0], mapping.detail_column)
    for letters, label in zip(columns, ADDED_LABELS, strict=True):
        if letters is None:
            continue
        column = column_index(letters)
        if column > len(header.fields):
            labels[(mapping.header_row, column)] = label
    return labels


def render(parsed: DelimitedText, edits: Edits) -> bytes:
    """Return the file with the edited fields replaced and every other character as it was."""
    by_row: dict[int, dict[int, str]] = {}
    for (row, column), text in edits.items():
        by_row.setdefault(row, {})[column] = text or ""
    pieces: list[str] = []
    position = 0
    delimiter = parsed.delimiter
    for row, record in enumerate(parsed.records, start=1):
        changes = by_row.get(row)
        if not changes:
            continue
        for column, item in enumerate(record.fields, start=1):
            if column in changes:
                pieces.append(parsed.text[position : item.start])
                pieces.append(quote_field(changes[column], delimiter))
                position = item.end
        beyond = [column for column in changes if column > len(record.fields)]
        if beyond:
            pieces.append(parsed.text[position : record.line_end])
            position = record.line_end
            for column in range(len(record.fields) + 1, max(beyond) + 1):
                pieces.append(delimiter + quote_field(changes.get(column, ""), delimiter))
    pieces.append(parsed.text[position:])
    return parsed.bom + "".join(pieces).encode(parsed.encoding)


def check_delimited_fidelity(
    original: bytes,
    filled: bytes,
    *,
    expected: Edits,
    limits: Limits = DEFAULT_LIMITS,
) -> FidelityReport:
    """Compare two delimited files field by field: only the expected fields may differ."""
    before, after = parse(original, limits=limits), parse(filled, limits=limits)
    notes: list[str] = []
    unintended: list[str] = []
    if (before.encoding, before.bom, before.delimiter) != (
        after.encoding,
        after.bom,
        after.delimiter,
    ):
        notes.append("the encoding, byte-order mark or delimiter changed")
    if len(before.records) != len(after.records):
        notes.append(f"{len(before.records)} records became {len(after.records)}")
    for row, (old, new) in enumerate(zip(before.records, after.records, strict=False), start=1):
        old_terminator = before.text[old.line_end : old.next_start]
        new_terminator = after.text[new.line_end : new.next_start]
        if old_terminator != new_terminator:
            unintended.append(f"row {row}: line ending")
        for column in range(1, max(len(old.fields), len(new.fields)) + 1):
            old_raw = _raw(before, old, column)
            new_raw = _raw(after, new, column)
            if (row, column) in expected:
                want = expected[(row, column)] or ""
                got = new.fields[column - 1].value if column <= len(new.fields) else None
                if got != want:
                    notes.append(f"{cell_ref(row, column)} does not read back as written")
            elif old_raw != new_raw and not (old_raw is None and new_raw == ""):
                unintended.append(cell_ref(row, column))
    ok = not notes and not unintended
    return FidelityReport(
        ok=ok,
        parts_added=(),
        parts_removed=(),
        parts_changed=(before.name,) if original != filled else (),
        unintended_cells=tuple(unintended),
        notes=tuple(notes),
    )


def _raw(parsed: DelimitedText, record: Record, column: int) -> str | None:
    if column > len(record.fields):
        return None
    item = record.fields[column - 1]
    return parsed.text[item.start : item.end]


def looks_delimited(data: bytes) -> bool:
    """Tell whether an upload reads as delimited text: a header and a record, split alike."""
    if not data.startswith(UTF16_BOMS) and b"\x00" in data[:SAMPLE_CHARS]:
        return False
    try:
        text = decode(data[:SAMPLE_CHARS] if not data.startswith(UTF16_BOMS) else data)[0]
    except UnreadableWorkbook:
        return False
    if _CONTROL.search(text[:SAMPLE_CHARS].replace("\x0c", "")):
        return False
    # A sample cut short may hold the header and the start of one long record.
    return _best_delimiter(text)[1] >= (2 if len(data) <= SAMPLE_CHARS else 1)
