"""A row's control ID helps wording that already fits, and never fills through another version's ID.

The starter statements cite CAIQ v4.0.3 IDs. On the CAIQ v4.0.3 questions themselves an ID the
statement cites is strong evidence; on CAIQ v3.1, many IDs are spelt like v4 IDs of other
controls, and a fill through one of them would answer another question (ID_TEXT_FLOOR).
"""

from __future__ import annotations

import json

import pytest

from app.core import ranking, verdict
from app.core.bank import Entry
from app.core.harvest import harvest_workbook
from app.core.matching import Matcher
from tests.core.test_entry_says import starter_bank
from tests.sharedfiles import CAIQ_V31_QANDS, raw

CAIQ_V4_JSON = "csa-ccm-caiq-v4/json/CAIQ/primary-dataset.json"


def caiq_ids(entry: Entry) -> set[str]:
    return set(entry.refs.get("caiq", "").replace(",", " ").split())


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(starter_bank())


def test_a_caiq_v4_row_fills_with_the_statement_citing_its_id(matcher: Matcher) -> None:
    document = json.loads(raw(CAIQ_V4_JSON).read_text(encoding="utf-8"))
    rows = [(q["body"], q["id"]) for q in document["questions"]]
    entries = {e.id: e for e in starter_bank()}
    found = matcher.match_many(rows, top=1)
    autos = [(qid, best[0]) for (_, qid), best in zip(rows, found, strict=True) if best]
    autos = [(qid, m) for qid, m in autos if m.band == "auto"]
    # Every fill is the statement written for that very question.
    assert all(qid in caiq_ids(entries[m.entry_id]) for qid, m in autos)
    # Wording the ID confirms fills from ID_TEXT_FLOOR: 165 of 261 on the question and its ID
    # (167 with the CCM titles the template gives; 140 at a floor of 0.40).
    assert len(autos) >= 160


def test_no_caiq_v31_row_fills_through_an_id_naming_another_control_in_v4(
    matcher: Matcher,
) -> None:
    path = raw(CAIQ_V31_QANDS)
    harvested = harvest_workbook(path.read_bytes(), source_name=path.name, bank={}, matcher=None)
    rows = [(d.question, next(iter(d.refs.values()))) for d in harvested.drafts]
    entries = {e.id: e for e in starter_bank()}
    found = matcher.match_many(rows, top=1)
    through_id = [
        (qid, best[0].entry_id)
        for (_, qid), best in zip(rows, found, strict=True)
        if best and best[0].band == "auto" and qid in caiq_ids(entries[best[0].entry_id])
    ]
    assert through_id == []
    # The ID still helps where the wording fits: the rows that fill on their text alone fill,
    # but for one whose v3.1 ID another statement cites (SEF-02.1), which that holds back.
    alone = matcher.match_many([(text, None) for text, _ in rows], top=1)
    assert (
        sum(b[0].band == "auto" for b in found if b)
        >= sum(b[0].band == "auto" for b in alone if b) - 1
    )


def test_the_floor_is_what_keeps_the_v31_collision_out(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    # v3.1's CCC-01.1 asks about authorising new development; v4's CCC-01.1 about change
    # management policies. At a floor of 0.30 its ID filled it with the change policy.
    path = raw(CAIQ_V31_QANDS)
    harvested = harvest_workbook(path.read_bytes(), source_name=path.name, bank={}, matcher=None)
    (question,) = [d.question for d in harvested.drafts if "CCC-01.1" in d.refs.values()]
    (held,) = matcher.match(question, control_id="CCC-01.1", top=1)
    assert held.band != "auto"
    monkeypatch.setattr(verdict, "ID_TEXT_FLOOR", 0.30)
    monkeypatch.setattr(ranking, "ID_TEXT_FLOOR", 0.30)
    (filled,) = Matcher(starter_bank()).match(question, control_id="CCC-01.1", top=1)
    assert (filled.entry_id, filled.band) == ("CHG-POL-01", "auto")
