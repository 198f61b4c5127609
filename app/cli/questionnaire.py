"""`vouch fill` and `vouch match`: answer a questionnaire or questions offline, from the bank files."""

from __future__ import annotations

import argparse
import json
import os
import select
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.cli.common import CliError, bank_dir, matcher_for
from app.config import Settings
from app.core.collector import collector_paused


def cmd_fill(args: argparse.Namespace, settings: Settings) -> int:
    """Fill a questionnaire file from the bank files and write a report."""
    from app.core.answering import auto_writes, propose, report_rows, summarize
    from app.core.formats import fill_questionnaire_file, read_questionnaire_file

    source, target = Path(args.input), Path(args.output)
    if not source.is_file():
        raise CliError(f"{source}: no such file")
    if target.resolve() == source.resolve():
        raise CliError(
            "the output must be a different file from the input; Vouch never overwrites it"
        )
    bank, matcher, keep_index = matcher_for(bank_dir(args.bank, settings), settings)
    keep_index()
    content = source.read_bytes()
    from app.services.questionnaires import precheck

    precheck(filename=source.name, content=content, settings=settings)
    detection = read_questionnaire_file(content)
    proposals = propose(detection.rows, matcher=matcher, entries=bank.by_id(), profile=bank.profile)
    result = fill_questionnaire_file(
        content, detection, auto_writes(proposals), overwrite=args.overwrite
    )
    if result.extension != target.suffix.lower():
        target = target.with_suffix(result.extension)
    target.write_bytes(result.data)
    rows = report_rows(proposals, result.outcomes)
    report = {
        "input": str(source),
        "output": str(target),
        "summary": summarize(rows, result),
        "detection": {
            "confident": detection.confident,
            "warnings": list(detection.warnings),
            "skipped_sheets": list(detection.skipped_sheets),
        },
        "fidelity": result.fidelity.to_dict(),
        "rows": rows,
    }
    if args.report:
        Path(args.report).write_text(
            json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
        )
    s = summarize(rows, result)
    print(
        f"{s['rows']} question rows: {s['auto']} auto, {s['suggest']} suggest, {s['none']} none; "
        f"{s['written']} written to {target}; fidelity {'ok' if result.fidelity.ok else 'FAILED'}"
    )
    return 0 if result.fidelity.ok else 1


# At most this many questions are matched together; a pipe delivers up to 64 KiB at a time.
MATCH_BATCH = 1_000


def _input_batches(stream: Any) -> Iterator[list[bytes]]:
    """Yield the complete lines of a stream in batches, as soon as they arrive.

    Each batch holds the lines that were already waiting (up to MATCH_BATCH), so a file or a
    busy pipe is matched in large batches while a person typing one line at a time gets each
    answer at once. A last line without a newline counts at the end of the input.
    """
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        descriptor = None
    if descriptor is None:
        read = [line.encode("utf-8") for line in stream]
        for start in range(0, len(read), MATCH_BATCH):
            yield [line.rstrip(b"\r\n") for line in read[start : start + MATCH_BATCH]]
        return
    lines: list[bytes] = []
    pending = b""
    while True:
        data = os.read(descriptor, 1 << 16)
        if not data:
            break
        *complete, pending = (pending + data).split(b"\n")
        lines.extend(line.rstrip(b"\r") for line in complete)
        while len(lines) >= MATCH_BATCH:
            yield lines[:MATCH_BATCH]
            del lines[:MATCH_BATCH]
        # What is already waiting (the rest of a file, a pipe filled faster than it is read)
        # joins this batch; a person typing a line at a time gets each answer at once.
        if lines and not _waiting(descriptor):
            yield lines
            lines = []
    if pending:
        lines.append(pending)
    if lines:
        yield lines


def _waiting(descriptor: int) -> bool:
    """Tell whether a read would return at once (False where that cannot be asked)."""
    try:
        ready, _, _ = select.select([descriptor], [], [], 0)
    except (OSError, ValueError):
        return False
    return bool(ready)


def _parse_match_line(raw: bytes, number: int) -> tuple[str, str | None, str | None] | None:
    """Read one input line into (question, control ID, context); None for a blank line."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CliError(f"line {number}: not UTF-8 text") from exc
    if not line.strip():
        return None
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise CliError(f"line {number}: not valid JSON ({exc.msg})") from exc
    if not isinstance(item, dict) or not isinstance(item.get("question"), str):
        raise CliError(f'line {number}: expected an object like {{"question": "..."}}')
    control_id, context = item.get("control_id"), item.get("context")
    if not isinstance(control_id, str | None) or not isinstance(context, str | None):
        raise CliError(f'line {number}: "control_id" and "context" must be strings')
    return item["question"], control_id, context


def cmd_match(args: argparse.Namespace, settings: Settings) -> int:
    """Match JSON Lines of questions from stdin and print the best entries for each."""
    if args.top < 1 or args.top > 50:
        raise CliError("--top must be between 1 and 50")
    _, matcher, keep_index = matcher_for(bank_dir(args.bank, settings), settings, need_bank=False)
    number, index_kept = 0, False
    for batch in _input_batches(sys.stdin):
        queries: list[tuple[str, str | None, str | None]] = []
        problem: CliError | None = None
        for raw in batch:
            number += 1
            try:
                query = _parse_match_line(raw, number)
            except CliError as exc:
                # Answer the lines before the bad one, in order, then stop on it.
                problem = exc
                break
            if query is not None:
                queries.append(query)
        with collector_paused():
            answers = matcher.match_many(queries, top=args.top)
        for (question, _, _), matches in zip(queries, answers, strict=True):
            out = {
                "question": question,
                "matches": [
                    {"entry_id": m.entry_id, "score": round(m.score, 4), "band": m.band}
                    for m in matches
                ],
            }
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        if not index_kept:
            # After the first answers are out: storing a fresh index costs about half a second.
            keep_index()
            index_kept = True
        if problem is not None:
            raise problem
    if not index_kept:
        keep_index()
    return 0


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `fill` and `match` to the command parser."""
    fill = commands.add_parser(
        "fill", help="fill a questionnaire offline, with no server and no database"
    )
    fill.add_argument("input", metavar="IN", help=".xlsx, .xlsm, .docx, .docm, .csv or .tsv")
    fill.add_argument("-o", "--output", required=True, metavar="OUT")
    fill.add_argument("--bank", metavar="DIR")
    fill.add_argument("--report", metavar="REPORT.json")
    fill.add_argument(
        "--overwrite", action="store_true", help="replace answers the workbook already holds"
    )
    fill.set_defaults(run=cmd_fill)

    match = commands.add_parser(
        "match", help="match JSON Lines of questions from stdin against the bank"
    )
    match.add_argument("--bank", metavar="DIR")
    match.add_argument("--top", type=int, default=3)
    match.set_defaults(run=cmd_match)
