"""The entry page shows the concepts an entry is linked to; a curator links and unlinks them."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from app.models import AuditEvent, BankEntry
from tests.web.test_bank_pages import curator, version_of
from tests.web.test_login import log_in, page_token

ENTRY = "AST-AUP-01"  # cites caiq: HRS-02.1, as the starter concept of the same wording does
PAGE = f"/bank/entries/{ENTRY}"


def concept_form(client: TestClient, concept: str, action: str, version: int) -> dict[str, str]:
    return {
        "csrf_token": page_token(client, PAGE),
        "version": str(version),
        "concept": concept,
        "action": action,
    }


def concepts_section(client: TestClient) -> str:
    page = client.get(PAGE)
    assert page.status_code == 200
    found = re.search(r'<section class="card" id="concepts">(.*?)</section>', page.text, re.S)
    assert found
    return found.group(1)


def test_the_entry_page_shows_its_concept_and_how_it_is_linked(
    client: TestClient, make_user
) -> None:  # type: ignore[no-untyped-def]
    log_in(client, *make_user("rita", "responder"))
    section = concepts_section(client)
    assert "Do you have an acceptable use policy for company devices and systems?" in section
    assert "by ref caiq: HRS-02.1" in section
    # A reader sees the link but is offered no way to change it.
    assert "Unlink" not in section and "<select" not in section


def test_unlinking_and_linking_change_the_refs_as_audited_versions(  # type: ignore[no-untyped-def]
    client: TestClient, make_user, database
) -> None:
    curator(client, make_user)
    assert "Unlink" in concepts_section(client)
    unlinked = client.post(
        f"{PAGE}/concepts",
        data=concept_form(client, ENTRY, "unlink", 1),
        follow_redirects=False,
    )
    assert unlinked.status_code == 303, unlinked.text
    with database.session() as db_session:
        row = db_session.get(BankEntry, ENTRY)
        assert row is not None and row.version == 2
        assert row.refs == {"iso27001": "A.5.10"}
    # Its question still matches the concept: the page says so and offers a ref link.
    section = concepts_section(client)
    assert "by wording, score" in section and "Linked by wording only" in section
    assert "Link (add caiq: HRS-02.1 to the refs)" in section
    linked = client.post(
        f"{PAGE}/concepts", data=concept_form(client, ENTRY, "link", 2), follow_redirects=False
    )
    assert linked.status_code == 303, linked.text
    assert version_of(client, ENTRY) == 3
    assert "by ref caiq: HRS-02.1" in concepts_section(client)
    with database.session() as db_session:
        row = db_session.get(BankEntry, ENTRY)
        assert row is not None and row.refs == {"iso27001": "A.5.10", "caiq": "HRS-02.1"}
        events = [
            (e.details["version"], e.details["reason"], e.details["after"]["refs"])
            for e in db_session.exec(
                select(AuditEvent)
                .where(AuditEvent.action == "bank.edit", AuditEvent.target == ENTRY)
                .order_by(AuditEvent.id)
            )
        ]
    assert events == [
        (2, f"unlinked from concept {ENTRY}", {"iso27001": "A.5.10"}),
        (3, f"linked to concept {ENTRY}", {"iso27001": "A.5.10", "caiq": "HRS-02.1"}),
    ]


def test_linking_another_concept_from_the_list_adds_its_ref(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    section = concepts_section(client)
    assert '<option value="BCP-DR-01">' in section and "BCP-DR-01, by ref" not in section
    response = client.post(f"{PAGE}/concepts", data=concept_form(client, "BCP-DR-01", "link", 1))
    assert response.status_code == 200  # followed the redirect to the entry page
    section = concepts_section(client)
    assert "(BCP-DR-01, by ref caiq: BCR-09.1)" in section
    assert "(AST-AUP-01, by ref caiq: HRS-02.1)" in section


def test_a_stale_link_form_gets_409_and_saves_nothing(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    first = concept_form(client, ENTRY, "unlink", 1)
    assert client.post(f"{PAGE}/concepts", data=first, follow_redirects=False).status_code == 303
    stale = client.post(f"{PAGE}/concepts", data={**first, "action": "link"})
    assert stale.status_code == 409
    assert "Current version 2" in stale.text and "not saved" in stale.text
    assert version_of(client, ENTRY) == 2


def test_an_unknown_concept_is_refused_clearly(client: TestClient, make_user) -> None:  # type: ignore[no-untyped-def]
    curator(client, make_user)
    response = client.post(f"{PAGE}/concepts", data=concept_form(client, "NOPE-01", "link", 1))
    assert response.status_code == 422
    assert "no concept &#39;NOPE-01&#39;" in response.text
    assert version_of(client, ENTRY) == 1
