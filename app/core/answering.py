"""From detected question rows and matches to proposed answers, the writes they make, and the report."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.core.answer_kind import CLOSED_OPENINGS, marker_in, names_a_value, names_someone
from app.core.bank import Entry, render_detail
from app.core.entry_says import yes_or_no
from app.core.intent import HOW_OFTEN, asks_for_description, description_asked_by
from app.core.matching import Match, Matcher
from app.core.normalise import words
from app.core.profile_facts import ProfileFact, profile_fact
from app.core.workbook import AnswerWrite, DetectedRow, FillResult, WriteOutcome
from app.core.workbook.writer import match_choice


@dataclass(frozen=True)
class Proposal:
    """What Vouch proposes for one question row: the best match, its answer, and the runners-up."""

    row: DetectedRow
    matches: tuple[Match, ...]
    answer: str
    detail: str
    # A row asking for the vendor's own facts (name, contact, website…) is answered from the
    # profile, which curators keep, not from a statement.
    fact: ProfileFact | None = None

    @property
    def best(self) -> Match | None:
        """Return the best match, if any."""
        return self.matches[0] if self.matches else None

    @property
    def band(self) -> str:
        """Return the band of the best match ('none' when nothing matched)."""
        if self.fact is not None:
            return "auto" if self.fact.value is not None else "none"
        return self.matches[0].band if self.matches else "none"

    @property
    def score(self) -> float:
        """Return the score of the best match (0 when nothing matched)."""
        if self.fact is not None:
            return 1.0 if self.fact.value is not None else 0.0
        return self.matches[0].score if self.matches else 0.0

    @property
    def explanation(self) -> str:
        """Say why the row is answered as it is."""
        if self.fact is not None:
            return self.fact.reason
        best = self.best
        return best.explanation.text() if best else "no statement matched"


def propose(
    rows: Sequence[DetectedRow],
    *,
    matcher: Matcher,
    entries: Mapping[str, Entry],
    profile: Mapping[str, Any],
    top: int = 3,
) -> list[Proposal]:
    """Match every row and attach the answer and rendered detail of its best statement.

    A row asking for one of the vendor's own facts is answered from the profile instead.
    """
    facts = [profile_fact(r.question, profile) for r in rows]
    asked = [r for r, fact in zip(rows, facts, strict=True) if fact is None]
    found = iter(
        matcher.match_many([(r.question, r.control_id, r.context) for r in asked], top=top)
    )
    proposals = []
    for row, fact in zip(rows, facts, strict=True):
        if fact is not None:
            proposals.append(
                Proposal(row=row, matches=(), answer=fact.value or "", detail="", fact=fact)
            )
            continue
        matches = next(found)
        answer = detail = ""
        if matches and matches[0].band != "none":
            entry = entries[matches[0].entry_id]
            answer, detail = cell_answer(
                row.question, entry.answer, render_detail(entry, profile), row.choices
            )
        proposals.append(Proposal(row=row, matches=tuple(matches), answer=answer, detail=detail))
    return proposals


def cell_answer(
    question: str, answer: str, detail: str, choices: Sequence[str] = ()
) -> tuple[str, str]:
    """Return what a statement writes in a row's answer and detail cells.

    A Yes or No, bare or qualified, does not answer an open question: "Who is your data center
    provider?" answered "No" (from "Do you operate your own data centers?") reads as a refusal,
    "How are keys revoked when compromised?" answered "Yes" says nothing, and "Which background
    checks are run?" answered "Yes, where local law allows" says nothing of which. The
    statement's detail says what is asked ("… runs on AWS, whose facilities …"), so it is the
    answer. A cell with its own list of answers takes one of them, as the customer asks, and the
    detail stays beside it.
    """
    if choices or not detail.strip():
        return answer, detail
    # The row as written, and past any label it opens with ("Key custodians: who …?").
    asked, unlabelled = words(question), words(_LABEL.sub("", question, count=1))
    if yes_or_no(answer) is None:
        # "Who performs access reviews?" is not answered by "Quarterly", and the detail naming
        # who ("System owners recertify access …") is. A name ("Amazon Web Services (AWS)")
        # may be who.
        if (
            "who" in (asked[:1] + unlabelled[:1])
            and not names_someone(answer)
            and not _NAME.search(answer)
            and names_someone(detail)
        ):
            return detail, ""
        return answer, detail
    if names_a_value(asked):
        # "Pen test firm name" is not answered by "Yes, at least annually" either.
        return detail, ""
    if not (asks_for_description(asked) or asks_for_description(unlabelled) or _asks_later(asked)):
        return answer, detail
    # "Yes, where local law allows" does not say which background checks are run either.
    return detail, ""


# A word written with a capital past an answer's first, not opening a sentence: a name.
_NAME = re.compile(r"[^\s.;:]\s+[(]?[A-Z]")


# How a row asks for a value after its opening words ("Keys are rotated *how often*?"); a
# request there ("Password policy, please *describe* minimum length") asks for a description.
_ASKING_LATER = (
    *HOW_OFTEN,
    ("how", "long"),
    ("how", "many"),
    ("how", "much"),
)


def _asks_later(asked: Sequence[str]) -> bool:
    """Tell whether a row asks how often, how long … or for a description past its opening.

    Not a closed question asking it too ("Do you test restores? How often?"): its Yes or No
    answers what it asks first, and the detail beside it the rest.
    """
    if not asked or asked[0] in CLOSED_OPENINGS:
        return False
    rest = asked[1:]
    return marker_in(rest, _ASKING_LATER) is not None or any(
        word in _DESCRIBING and description_asked_by(rest[i:]) is not None
        for i, word in enumerate(rest)
    )


_DESCRIBING = frozenset(("describe", "explain"))


# A short label a row opens with before its question ("Encryption keys: who manages them?",
# "Backups - how often are they tested?"): the question after it says what is asked.
_LABEL = re.compile(r"^\s*[^:?\n]{1,40}?(?::|\s[-–]\s)\s*(?=\S)")


_QUALIFIED = re.compile(r"^\s*(?P<head>[^,;:.()]+?)\s*[,;:.(]\s*(?P<rest>\S.*)$", re.DOTALL)


def fit_to_choices(answer: str, detail: str, choices: Sequence[str]) -> tuple[str, str]:
    """Fit a qualified answer ("Yes, at least annually") to a cell's list, moving the qualifier to the detail.

    The list's own word goes in the cell and nothing is lost: the full answer opens the detail.
    An answer whose first word is not in the list is left as it is (and will not be written).
    """
    if not choices or match_choice(answer, choices) is not None:
        return answer, detail
    qualified = _QUALIFIED.match(answer)
    if qualified is None:
        return answer, detail
    choice = match_choice(qualified.group("head"), choices)
    if choice is None:
        return answer, detail
    full = answer.strip().rstrip(".")
    return choice, f"{full}. {detail}".strip() if detail else f"{full}."


def auto_writes(proposals: Sequence[Proposal]) -> list[AnswerWrite]:
    """Return the writes for rows confidently matched to an approved, current statement."""
    writes = []
    for p in proposals:
        if p.band != "auto" or p.row.locked_reason is not None:
            continue
        answer, detail = fit_to_choices(p.answer, p.detail, p.row.choices)
        writes.append(AnswerWrite(sheet=p.row.sheet, row=p.row.row, answer=answer, detail=detail))
    return writes


def report_rows(
    proposals: Sequence[Proposal], outcomes: Sequence[WriteOutcome]
) -> list[dict[str, Any]]:
    """Return the report's row list: one dict per question row, in workbook order."""
    by_row = {(o.sheet, o.row): o for o in outcomes}
    rows = []
    for p in proposals:
        outcome = by_row.get((p.row.sheet, p.row.row))
        best = p.best
        rows.append(
            {
                "sheet": p.row.sheet,
                "row": p.row.row,
                "question": p.row.question,
                "control_id": p.row.control_id,
                "context": p.row.context or None,
                "entry_id": best.entry_id if best and p.band != "none" else None,
                "profile_variable": p.fact.variable if p.fact else None,
                "score": round(p.score, 4),
                "band": p.band,
                "answer": p.answer if p.band != "none" else None,
                "answer_cell": p.row.answer_cell,
                "written": bool(outcome and outcome.written),
                "note": outcome.reason if outcome else p.row.locked_reason,
                "explanation": p.explanation,
            }
        )
    return rows


def summarize(rows: Sequence[Mapping[str, Any]], fill: FillResult | None = None) -> dict[str, Any]:
    """Count rows by band and written, with the fidelity verdict when a fill happened."""
    summary: dict[str, Any] = {
        "rows": len(rows),
        "auto": sum(1 for r in rows if r["band"] == "auto"),
        "suggest": sum(1 for r in rows if r["band"] == "suggest"),
        "none": sum(1 for r in rows if r["band"] == "none"),
        "written": sum(1 for r in rows if r["written"]),
    }
    if fill is not None:
        summary["fidelity_ok"] = fill.fidelity.ok
    return summary
