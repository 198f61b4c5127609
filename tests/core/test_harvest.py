"""Harvesting completed questionnaires into draft entries, deduplicated against the bank."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.core.bank import Entry, load_bank, render_detail
from app.core.errors import UnreadableWorkbook
from app.core.harvest import (
    asks_the_same,
    canonical_answer,
    escape_template,
    harvest_workbook,
    harvest_workbooks,
    id_prefix,
)
from app.core.matching import Matcher
from tests.sharedfiles import CAIQ_V4_WHITEPACT, CAIQ_V31_QANDS, raw

BUNDLED_BANK = Path(__file__).resolve().parents[2] / "answer_bank"


def completed_workbook(rows: list[tuple[str, str, str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Questions"
    sheet.append(["ID", "Question", "Answer", "Comments"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_each_answered_row_becomes_a_draft_with_its_answer_and_detail() -> None:
    content = completed_workbook(
        [
            ("HR-01", "Do you run background checks on new staff?", "yes", "All hires, {{ x }}."),
            ("HR-02", "Do staff take security awareness training?", "No", ""),
            ("HR-03", "Is there a clean desk policy?", "", ""),
        ]
    )
    result = harvest_workbook(content, source_name="acme.xlsx", bank={}, matcher=None)
    assert result.counts() == {
        "files": 1,
        "answered_rows": 2,
        "unanswered_rows": 1,
        "drafts": 2,
        "alternates": 0,
        "updates": 0,
        "repeated": 0,
        "conflicts": 0,
    }
    first, second = result.drafts
    assert (first.id, first.answer, first.status) == ("acme-HR-01", "Yes", "draft")
    assert dict(first.refs) == {"control": "HR-01"}
    assert render_detail(first, {}) == "All hires, {{ x }}."
    assert second.detail == ""


def test_the_same_question_answered_differently_is_an_update_keeping_the_whole_row() -> None:
    bank = {
        "HR-BG-01": Entry(
            id="HR-BG-01",
            question="Do you perform background checks on new employees?",
            answer="Yes",
            status="approved",
        )
    }
    content = completed_workbook(
        [("X-1", "Do you perform background checks on new employees?", "No", "Not yet.")]
    )
    result = harvest_workbook(
        content, source_name="c.xlsx", bank=bank, matcher=Matcher(list(bank.values()))
    )
    assert result.drafts == () and result.alternates == ()
    (proposal,) = result.updates
    assert proposal.entry_id == "HR-BG-01" and not proposal.answers_agree
    assert proposal.kind == "update"
    # The row whole, as the draft it becomes if the curator keeps the entry as it is.
    assert proposal.draft is not None
    assert (proposal.draft.question, proposal.draft.answer, proposal.draft.detail) == (
        "Do you perform background checks on new employees?",
        "No",
        "Not yet.",
    )
    # What a curator deciding on the proposal later needs: the row's detail and where it is.
    assert (proposal.detail, proposal.control_id, proposal.source) == (
        "Not yet.",
        "X-1",
        "Questions!2",
    )


def test_a_question_asked_twice_in_one_workbook_is_harvested_once() -> None:
    content = completed_workbook(
        [
            ("A-1", "Is data encrypted at rest?", "Yes", ""),
            ("A-2", "Is data encrypted at rest?", "No", ""),
        ]
    )
    result = harvest_workbook(content, source_name="c.xlsx", bank={}, matcher=None)
    assert len(result.drafts) == 1
    assert [(r.source, r.same_answer) for r in result.repeated] == [("Questions!3", False)]


def test_a_workbook_with_no_answers_is_a_clear_error() -> None:
    content = completed_workbook([("A-1", "Is data encrypted at rest?", "", "")])
    with pytest.raises(UnreadableWorkbook, match="no answered questions"):
        harvest_workbook(content, source_name="blank.xlsx", bank={}, matcher=None)


def test_short_answers_are_spelled_the_bank_way_and_ids_are_safe() -> None:
    assert [canonical_answer(a) for a in ("YES", "na", "Not Applicable", "Partly")] == [
        "Yes",
        "N/A",
        "N/A",
        "Partly",
    ]
    assert id_prefix("../My Vendor (2024).xlsx") == "My-Vendor-2024"
    assert escape_template("plain") == "plain"


def harvest_shared(*relatives: str):  # type: ignore[no-untyped-def]
    bank = load_bank(BUNDLED_BANK)
    paths = [raw(relative) for relative in relatives]
    return harvest_workbooks(
        [(p.name, p.read_bytes()) for p in paths],
        bank=bank.by_id(),
        matcher=Matcher(bank.entries),
        profile=bank.profile,
    )


def accounted(result) -> int:  # type: ignore[no-untyped-def]
    return len(result.drafts) + len(result.alternates) + len(result.updates) + len(result.repeated)


def test_the_whitepact_caiq_v4_accounts_for_every_answered_row() -> None:
    result = harvest_shared(CAIQ_V4_WHITEPACT)
    assert result.answered_rows == 261
    # One question is asked three times, each time answered the same.
    assert len(result.repeated) == 2 and result.conflicts == ()
    # DSP-03.1 and HRS-11.2 ("regular ... updates") now update the starter statements citing
    # those very IDs (PRV-INV-01, HRS-TRAIN-02), and so do IVS-03.1 and IVS-03.2 ("are
    # communications between environments monitored / encrypted?"): the starter's Yes to the
    # traffic between environments answers them (NET-MON-01, NET-ENC-01). The row asking whether
    # continuity documentation is available to authorized stakeholders updates BCP-DOCS-02,
    # whose alternate says so. "Are network configurations reviewed at least annually?" (No)
    # updates NET-REVIEW-01, which asks how often and answers "at least annually". "Are software
    # firewalls configured on managed endpoints?" (No) updates AST-EP-11, the host firewalls
    # on company laptops: a software firewall on an endpoint is a host firewall. The rows asking
    # whether the application security, cryptography and logging policies are established
    # update the starter's policy statements citing those IDs: the framework's "established …
    # and maintained" against a statement's "established" is no other subject (frame words).
    # "Is … documentation reviewed periodically?" (No) updates BCP-DOCS-03, reviewed "regularly"
    # (Yes): a word asking how often is the frequency guard's, not another subject. The review
    # of the policies for "the secure transportation of physical media" (No) updates
    # PHY-MEDIA-02, whose alternate reviews the procedures "for transporting physical media":
    # the noun in "-ation" and its verb are one word. The SSRM policies "established,
    # documented, approved, communicated, applied, evaluated and maintained" and "implementing"
    # the model update VEN-SSRM-01, which cites STA-01.1: "implementing" is a frame word. The
    # measures "for security breach notifications" update INC-NOTIFY-01, which cites SEF-07.1
    # and asks about "notifying customers": the noun in "-ification" and its verb are one word.
    # The disaster response plan "updated at least annually" (BCR-09.2) and the internal
    # assessments "at least annually" (STA-11.1) update the statements citing them, whose
    # questions are silent on how often and whose alternates say "at least annually" and "each
    # year": a Yes to one wording of a statement is a Yes to all of them.
    # CEK-02.1's roles "defined and implemented" and DCS-04.1's media transport policies
    # "established … and maintained" update CRY-ROLE-01 and PHY-MEDIA-01, which cite them: a
    # framework's folded enumeration is never the subject that differs.
    # From ID_TEXT_FLOOR 0.35, 25 more rows whose wording the row's ID confirms update the
    # statements citing them; every update cites its row's ID. DSP-12.1 (personal data processed
    # per applicable laws) scores just under that floor against the purpose-limitation statement
    # citing it, and stays a draft. LOG-09.1 (audit records protected from unauthorized access,
    # modification and deletion) updates LOG-PROTECT-01, which cites it and whose alternate now
    # says "protected from modification and deletion by administrators".
    assert (len(result.drafts), len(result.alternates), len(result.updates)) == (96, 0, 163)
    updated = {u.source: u.entry_id for u in result.updates}
    assert "LOG-PROTECT-01" in updated.values()
    bank = load_bank(BUNDLED_BANK).by_id()
    assert all(u.control_id in bank[u.entry_id].refs.get("caiq", "") for u in result.updates)
    assert updated["CAIQv4.0.3!53"] == "CRY-ROLE-01"
    assert updated["CAIQv4.0.3!82"] == "PHY-MEDIA-01"
    assert updated["CAIQv4.0.3!222"] == "VEN-SSRM-01"
    assert updated["CAIQv4.0.3!219"] == "INC-NOTIFY-01"
    assert updated["CAIQv4.0.3!36"] == "BCP-DR-02"
    assert updated["CAIQv4.0.3!233"] == "VEN-INTERNAL-01"
    assert updated["CAIQv4.0.3!83"] == "PHY-MEDIA-02"
    assert updated["CAIQv4.0.3!259"] == "AST-EP-11"
    assert updated["CAIQv4.0.3!29"] == "BCP-DOCS-03"
    assert updated["CAIQv4.0.3!51"] == "CRY-POL-01"
    assert accounted(result) == result.answered_rows
    assert all(d.status == "draft" and d.detail for d in result.drafts[:20])
    assert {d.answer for d in result.drafts} <= {"Yes", "No", "N/A"}
    # The company's own "No" beside the starter's "Yes" is an update, never a folded wording.
    by_row = {u.source: u for u in result.updates}
    reviewed = by_row["CAIQv4.0.3!4"]
    assert (reviewed.control_id, reviewed.answer, reviewed.existing_answer) == (
        "A&A-01.2",
        "No",
        "Yes",
    )
    assert all(u.draft is not None and u.draft.answer == u.answer for u in result.updates)


def test_a_proposal_means_the_same_question_by_the_matchers_auto_standard() -> None:
    bank = load_bank(BUNDLED_BANK)
    matcher = Matcher(bank.entries)
    result = harvest_shared(CAIQ_V4_WHITEPACT, CAIQ_V31_QANDS)
    proposals = (*result.alternates, *result.updates)
    assert min(p.score for p in proposals) >= matcher.thresholds.auto
    found = matcher.match_many([(p.question, p.control_id) for p in proposals], top=1)
    assert all(m[0].entry_id == p.entry_id for m, p in zip(found, proposals, strict=True))
    assert all(asks_the_same(m[0], auto_threshold=matcher.thresholds.auto) for m in found)
    # The example: a tested plan is not the documented plan.
    tested = "Have you tested your incident response plans in the last year?"
    assert all(p.question != tested for p in proposals)


def test_the_qands_caiq_v31_accounts_for_every_answered_row() -> None:
    result = harvest_shared(CAIQ_V31_QANDS)
    assert (result.answered_rows, result.unanswered_rows) == (309, 1)
    # BCR-01.1 asks for "a plan or framework for business continuity"; the starter statement
    # it once updated is the business continuity *policy*: it is a draft of its own. So is "Do
    # you provide tenants with documentation describing your Information Security Management
    # Program?": it asks what tenants are given, and GOV-PROG-01 says only that the program is
    # documented. "Do you perform annual internal assessments of conformance and effectiveness
    # …?" updates VEN-INTERNAL-01, whose question says "each year".
    assert (len(result.drafts), len(result.alternates), len(result.updates)) == (303, 0, 6)
    assert {u.control_id: u.entry_id for u in result.updates}["STA-04.1"] == "VEN-INTERNAL-01"
    assert "BCR-01.1" not in {u.control_id for u in result.updates}
    assert result.repeated == ()
    assert accounted(result) == result.answered_rows
    assert len({d.id for d in result.drafts}) == len(result.drafts)
    assert sum(d.answer == "N/A" for d in result.drafts) > 100


def test_two_completed_caiqs_harvest_as_one_report() -> None:
    result = harvest_shared(CAIQ_V4_WHITEPACT, CAIQ_V31_QANDS)
    assert result.counts()["files"] == 2
    assert result.answered_rows == 261 + 309
    # The WhitePact rows as above (96 drafts, 163 updates) and the CAIQ v3.1's.
    assert (len(result.drafts), len(result.alternates), len(result.updates)) == (399, 0, 169)
    assert accounted(result) == result.answered_rows
    # Each draft's id still names the workbook it came from.
    assert {d.id.split("-")[0] for d in result.drafts} == {
        "CAIQv4.0.3_WhitePact_completed",
        "CAIQ_v3.1",
    }


def test_a_question_two_files_answer_differently_is_a_conflict_in_the_report() -> None:
    first = completed_workbook([("A-1", "Is data encrypted at rest?", "Yes", "")])
    second = completed_workbook(
        [("B-7", "Is data encrypted at rest?", "No", ""), ("B-8", "Is MFA enforced?", "Yes", "")]
    )
    result = harvest_workbooks([("2023.xlsx", first), ("2024.xlsx", second)], bank={}, matcher=None)
    assert accounted(result) == result.answered_rows == 3
    assert [(c.source, c.first) for c in result.conflicts] == [
        ("2024.xlsx!Questions!2", "2023.xlsx!Questions!2")
    ]
    assert [d.id for d in result.drafts] == ["2023-A-1", "2024-B-8"]


def test_the_same_answer_with_no_more_detail_is_another_wording() -> None:
    entry = Entry(
        id="CRY-01",
        question="Is customer data encrypted at rest?",
        answer="Yes",
        detail="{{ company }} encrypts data at rest.",
        status="draft",
    )
    content = completed_workbook(
        [
            ("C-1", "Is customer data encrypted at rest?", "yes", "Acme encrypts data at rest."),
            ("C-2", "Is customer data encrypted at rest ?", "Yes", "With AES-256 keys in a KMS."),
        ]
    )
    result = harvest_workbook(
        content,
        source_name="c.xlsx",
        bank={entry.id: entry},
        matcher=Matcher([entry]),
        profile={"company": "Acme"},
    )
    # A draft's "entry is a draft" note does not stop the match: only the wording counts.
    (alternate,) = result.alternates
    assert (alternate.source, alternate.draft) == ("Questions!2", None)
    (update,) = result.updates
    assert (
        update.source == "Questions!3" and update.existing_detail == "Acme encrypts data at rest."
    )
    assert accounted(result) == 2


def test_a_drafts_tags_keep_its_rows_section_and_control_title() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ID", "Control Title", "Question", "Answer"])
    sheet.append(["Human resources", None, None, None])
    sheet.append(["HR-01", "Background Screening", "Do you screen new staff?", "Yes"])
    sheet.append(["HR-02", None, "Do staff take awareness training?", "Yes"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = harvest_workbook(buffer.getvalue(), source_name="acme.xlsx", bank={}, matcher=None)

    assert [d.tags for d in result.drafts] == [
        ("harvested", "Human resources", "Background Screening"),
        ("harvested", "Human resources"),
    ]
