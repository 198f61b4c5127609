"""What is done to a thing (encrypted, backed up, signed) must be said to be answered."""

from __future__ import annotations

from dataclasses import replace

from app.core.bank import Entry
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from app.core.treatments import (
    activity_unsaid,
    denied_treatment,
    treated_unsaid,
    treatment_unsaid,
)
from tests.core.statements import held_back

# The shipped thesaurus, and its terms for a text: how the matcher folds a question's words.
NORMALISER = Normaliser(shipped_thesaurus())


def terms(text: str) -> tuple[str, ...]:
    return NORMALISER.normalise(text).terms


def approved(entry_id: str, question: str, answer: str = "Yes", detail: str = "") -> Entry:
    return Entry(id=entry_id, question=question, answer=answer, detail=detail, status="approved")


def test_another_thing_done_to_the_same_thing_does_not_answer() -> None:
    media = [
        approved(
            "AST-MEDIA-01",
            "Is the use of removable storage such as USB drives blocked on company devices?",
            detail="Device management blocks writing to USB mass storage on company laptops.",
        ),
        approved(
            "CRY-DATA-01",
            "Is customer data encrypted?",
            detail="Databases and backups are encrypted with AES-256.",
        ),
    ]
    matcher = Matcher(media, concepts=False)
    for asked, word in (
        ("Is all removable storage encrypted?", "encrypted"),
        ("Is the use of removable storage logged?", "logged"),
    ):
        assert held_back(matcher, asked, "AST-MEDIA-01") == (
            f"the question asks whether it is '{word}'; the entry, whether 'blocked'"
        ), asked
    # The same thing done, or one the statement says elsewhere, answers.
    (blocked, *_) = matcher.match("Is removable storage blocked on company devices?")
    assert blocked.entry_id == "AST-MEDIA-01" and blocked.explanation.guard is None
    said = [
        replace(
            media[0], detail="Writing to USB storage is blocked; approved drives are encrypted."
        ),
        media[1],
    ]
    (encrypted, *_) = Matcher(said, concepts=False).match("Is all removable storage encrypted?")
    assert encrypted.entry_id == "AST-MEDIA-01" and encrypted.explanation.guard is None
    (stored, *_) = matcher.match("Is all stored customer data encrypted?")
    assert stored.entry_id == "CRY-DATA-01" and stored.explanation.guard is None


def test_a_check_on_the_thing_does_not_answer_another_thing_done_to_it() -> None:
    rules = [
        approved(
            "NET-REVIEW-01",
            "How often are firewall rules reviewed?",
            "At least annually",
            detail="The firewall rule set is reviewed at least once a year and on every change.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(rules, concepts=False)
    for asked, word in (
        ("Are firewall rule changes logged?", "logged"),
        ("Are firewall rules backed up?", "backed"),
    ):
        assert held_back(matcher, asked, "NET-REVIEW-01") == (
            f"the question asks whether it is '{word}'; the entry, whether 'reviewed'"
        ), asked
    # Asked whether they are reviewed, the review answers.
    (best, *_) = matcher.match("Are firewall rules reviewed regularly?")
    assert best.entry_id == "NET-REVIEW-01" and best.explanation.guard is None


def test_a_no_does_not_deny_a_thing_done_its_statement_never_says() -> None:
    environments = [
        approved(
            "SDL-ENVDATA-01",
            "Is production customer data used in development or test environments?",
            "No",
            "Development and test environments use synthetic or anonymized data.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(environments, concepts=False)
    assert (
        held_back(
            matcher,
            "Is data encrypted in all environments, including development and test?",
            "SDL-ENVDATA-01",
        )
        == "the entry's No is about another thing; it never says 'encrypted'"
    )
    # Nor a check: a No would say test environments holding production data go unprotected.
    assert (
        held_back(
            matcher,
            "Are test environments that hold copies of production data protected with "
            "production-level controls?",
            "SDL-ENVDATA-01",
        )
        == "the entry's No is about another thing; it never says 'protected'"
    )
    # Its own claim, or a thing done it says in its detail, is denied as stated; so is one asked
    # on a Yes, and a qualifier that is no predicate.
    for kept in (
        "Is production data used in test environments?",
        "Is production data used in test environments? If yes, is it encrypted?",
        "Is production customer data, even if encrypted, used in test environments?",
    ):
        (used, *_) = matcher.match(kept)
        assert used.entry_id == "SDL-ENVDATA-01", kept
        assert "No is about" not in (used.explanation.guard or ""), kept
    assert (
        held_back(
            matcher,
            "Do you keep production data encrypted in development and test environments?",
            "SDL-ENVDATA-01",
        )
        == "the entry's No is about another thing; it never says 'encrypted'"
    )
    # A word for the same thing done says it.
    passwords = [
        approved("IAM-PWD-04", "Must users change their passwords at fixed intervals?", "No"),
        environments[1],
    ]
    (rotated, *_) = Matcher(passwords, concepts=False).match(
        "Are user passwords rotated at fixed intervals?"
    )
    assert (rotated.entry_id, rotated.band) == ("IAM-PWD-04", "auto")
    said = [
        replace(environments[0], detail="Test data is synthetic, anonymized and encrypted."),
        environments[1],
    ]
    (encrypted, *_) = Matcher(said, concepts=False).match(
        "Is data encrypted in all environments, including development and test?"
    )
    assert encrypted.explanation.guard is None or "No is about" not in encrypted.explanation.guard


def test_backed_up_is_one_thing_done_as_the_matcher_folds_it() -> None:

    asked = NORMALISER.normalise("Are audit logs backed up to another region?")
    said = set(terms("Log backups are not kept in another region."))
    assert denied_treatment(asked, "No", lambda: said, terms) is None
    assert denied_treatment(asked, "No", lambda: {"log"}, terms) == (
        "the entry's No is about another thing; it never says 'backed up'"
    )


DONE_TO = [
    approved(
        "SDL-SRC-01",
        "Is access to source code restricted?",
        detail="Source code repositories allow engineering staff only, behind SSO.",
    ),
    approved(
        "AST-AUP-02",
        "Is the acceptable use policy reviewed yearly?",
        detail="The acceptable use policy is reviewed once a year.",
    ),
    approved(
        "PRV-EXPORT-01",
        "Can customers export their data through an API?",
        detail="Administrators export their workspace in standard formats.",
    ),
    approved(
        "CRY-REST-01",
        "Is customer data encrypted at rest?",
        detail="All customer data in databases and backups is encrypted with AES-256.",
    ),
    approved(
        "IAM-LEAVE-01",
        "Is the access of leavers revoked promptly?",
        detail="Leavers lose access on their last day.",
    ),
    approved("GOV-POL-01", "Do you have a security policy for user accounts and devices?"),
]


def test_a_yes_on_the_thing_does_not_say_what_is_done_to_it() -> None:
    matcher = Matcher(DONE_TO, concepts=False)
    for asked, entry_id, done in (
        ("Are source code repositories backed up?", "SDL-SRC-01", "backed up"),
        ("Do employees sign the acceptable use policy annually?", "AST-AUP-02", "sign"),
    ):
        assert held_back(matcher, asked, entry_id) == (
            f"the question asks of what is done ('{done}'); the entry never says it"
        ), asked


def test_what_is_done_said_by_the_statement_or_a_word_for_it_answers() -> None:
    backed_up = replace(
        DONE_TO[0], detail="Source code repositories are mirrored and backed up nightly."
    )
    matcher = Matcher([backed_up, *DONE_TO[1:]], concepts=False)
    (best, *_) = matcher.match("Are source code repositories backed up?")
    assert (best.entry_id, best.band) == ("SDL-SRC-01", "auto")
    # "Disabled" is said by "revoked"; "single sign-on" signs nothing.
    (leavers, *_) = Matcher(DONE_TO, concepts=False).match("Is leavers' access disabled promptly?")
    assert (leavers.entry_id, leavers.band) == ("IAM-LEAVE-01", "auto")
    sso = NORMALISER.normalise("Do you support single sign-on with SAML?")
    assert treatment_unsaid(sso, "Yes", lambda: set(), terms) is None


def test_a_thing_done_to_another_thing_than_the_question_names_does_not_answer() -> None:
    matcher = Matcher(DONE_TO, concepts=False)
    assert held_back(matcher, "Can audit logs be exported by the customer?", "PRV-EXPORT-01") == (
        "the entry never names what the question asks of ('exported' 'audit logs')"
    )
    assert held_back(matcher, "Are model weights encrypted at rest?", "CRY-REST-01") is not None
    # Whose data it is names no other thing; one word of the thing said is enough.
    (ours, *_) = matcher.match("Is our customer data encrypted at rest?")
    assert (ours.entry_id, ours.band) == ("CRY-REST-01", "auto")
    (leavers, *_) = matcher.match("Are leavers' accounts revoked promptly?")
    assert (leavers.entry_id, leavers.band) == ("IAM-LEAVE-01", "auto")


def test_the_things_words_are_read_as_the_question_folds_them() -> None:

    # "Events logged" folds to "log": the events are what is logged, not another thing.
    asked = NORMALISER.normalise("Are key management events logged?")
    assert "event" not in asked.terms
    assert treated_unsaid(asked, asked, lambda: {"log"}, terms, frozenset({"manag", "key"})) is None
    assert treated_unsaid(asked, asked, lambda: {"log"}, terms, frozenset({"manag"})) == (
        "the entry never names what the question asks of ('logged' 'key management events')"
    )


def test_only_a_passive_questions_short_subject_is_read_as_the_thing() -> None:

    for asked in (
        # "Do …" puts its verb to someone; a long run before the participle is another clause.
        "Do audit logs get exported?",
        "Are audit logs of every tenant, region and product exported?",
    ):
        assert (
            treated_unsaid(
                NORMALISER.normalise(asked), NORMALISER.normalise(asked), lambda: set(), terms
            )
            is None
        ), asked


def test_who_does_a_thing_offered_among_options_is_answered_only_where_the_thing_is_said() -> None:
    bank = [
        approved(
            "GOV-TEAM-01",
            "Do you have a dedicated security team?",
            detail="Staff dedicated to security, supported by specialist external firms.",
        ),
        approved(
            "SDL-REVIEW-01",
            "Is every code change reviewed by someone other than its author?",
            detail="A dedicated security team reviews changes to sensitive code.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(bank[::2], concepts=False)
    asked = "Who performs security code review - developers, a dedicated security team, or a firm?"
    assert held_back(matcher, asked, "GOV-TEAM-01") == (
        "the entry never says what the question asks who does ('performs security code review')"
    )
    # Said, it answers; asked without options, or of being, it is not read.
    review = next(
        m for m in Matcher(bank, concepts=False).match(asked) if m.entry_id == "SDL-REVIEW-01"
    )
    assert "asks who does" not in (review.explanation.guard or "")

    for plain in (
        "Who performs security code review?",
        "Who is the dedicated security team or the firm?",
        "Who in your team or a firm performs code review?",
    ):
        assert activity_unsaid(NORMALISER.normalise(plain), lambda: set(), terms) is None, plain


def test_what_a_verb_of_a_thing_done_is_put_to_must_be_named() -> None:
    bank = [
        approved(
            "PHY-VISIT-01",
            "Are visitors to your offices signed in and escorted?",
            detail="Visitors sign in at reception and are escorted at all times.",
        ),
        approved(
            "BCP-BACKUP-02",
            "Are backups encrypted?",
            detail="Backups are encrypted with AES-256.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(bank, concepts=False)
    assert held_back(
        matcher, "Are visitors to your offices required to sign an NDA?", "PHY-VISIT-01"
    ) == ("the entry never names what the question asks of ('sign' 'nda')")
    # Named, it answers; "sign in" puts the verb to nothing.
    (backups, *_) = matcher.match("Do you encrypt your backups?")
    assert (backups.entry_id, backups.band) == ("BCP-BACKUP-02", "auto")
    (visitors, *_) = matcher.match(
        "Are visitors to your offices required to sign in with photo ID?"
    )
    assert visitors.entry_id == "PHY-VISIT-01"
    assert "never names" not in (visitors.explanation.guard or "")


def test_what_is_logged_is_left_to_the_statement_on_logging() -> None:
    asked = NORMALISER.normalise("Do you log administrative access to production?")
    said = NORMALISER.normalise("Do you log security events?")
    assert treated_unsaid(asked, said, lambda: set(), terms) is None


def test_a_do_questions_participles_qualify_what_follows_unless_its_own() -> None:

    for asked in (
        "Do you review logs that are exported to the SIEM?",
        "Do you have a policy on encrypted email?",
        "Do scans run weekly?",
    ):
        assert treatment_unsaid(NORMALISER.normalise(asked), "Yes", set, terms) is None, asked
    for asked, done in (
        ("Does the vendor encrypt backups?", "encrypt"),
        ("Can audit logs be exported by the customer?", "exported"),
        ("Do you keep production data encrypted in test environments?", "encrypted"),
    ):
        assert treatment_unsaid(NORMALISER.normalise(asked), "Yes", set, terms) == (
            f"the question asks of what is done ('{done}'); the entry never says it"
        ), asked
    # A No is the No rule's, read before it.
    backed = NORMALISER.normalise("Are source code repositories backed up?")
    assert treatment_unsaid(backed, "No", set, terms) is None
    assert denied_treatment(backed, "No", set, terms) is not None


def test_the_options_a_who_question_offers_are_not_what_it_asks_is_done() -> None:

    asked = NORMALISER.normalise("Who performs code review - developers or a security team?")
    training = set(terms("Do developers receive secure coding training?"))
    assert activity_unsaid(asked, lambda: training, terms) == (
        "the entry never says what the question asks who does ('performs code review')"
    )


WATCHED = [
    approved(
        "VUL-PEN-01",
        "Do you have independent penetration tests performed?",
        answer="Yes, at least annually",
        detail="An independent firm tests the application and its infrastructure once a year.",
    ),
    approved(
        "LOG-ANOM-01",
        "Are audit logs monitored for anomalous behaviour?",
        detail="Detection rules look for unusual sign-ins and mass data access.",
    ),
    approved(
        "AI-WEIGHTS-01",
        "Are model weights protected from theft and tampering?",
        detail="Weights are stored encrypted in a restricted account.",
    ),
    approved(
        "LOG-PROTECT-01",
        "Are logs kept where administrators cannot alter them?",
        detail="Logs are written to a separate account with immutable retention.",
    ),
]


def test_what_a_check_is_put_to_must_be_named() -> None:
    matcher = Matcher(WATCHED, concepts=False)
    assert held_back(matcher, "Are staging environments penetration tested?", "VUL-PEN-01") == (
        "the entry never names what the question asks of ('tested' 'staging environments')"
    )
    assert held_back(
        matcher, "Are running containers monitored for anomalous behaviour?", "LOG-ANOM-01"
    ) == ("the entry never names what the question asks of ('monitored' 'running containers')")
    # The thing named, in the statement's detail as well: the check answers.
    for asked, entry_id in (
        ("Is the application penetration tested?", "VUL-PEN-01"),
        ("Are audit logs monitored for anomalous behaviour?", "LOG-ANOM-01"),
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band) == (entry_id, "auto"), asked
    # Model weights protected say nothing of logs.
    assert held_back(
        matcher, "Are security logs protected against tampering?", "AI-WEIGHTS-01"
    ) == ("the entry never names what the question asks of ('protected' 'security logs')")


def test_a_test_or_a_review_is_put_to_a_thing_a_statement_says_in_its_own_words() -> None:

    # "The DR plan" is a statement's "continuity plans", a server its "systems": only a
    # penetration test's thing is read.
    for asked in (
        "Is the DR plan tested annually?",
        "Are firewall rules reviewed at least annually?",
        "Are servers hardened according to best practice?",
    ):
        text = NORMALISER.normalise(asked)
        assert treated_unsaid(text, text, lambda: set(), terms) is None, asked


def test_each_of_two_things_a_verb_is_put_to_must_be_named() -> None:
    libraries = [
        approved(
            "VUL-DEPS-01",
            "Do you track vulnerabilities in open-source libraries?",
            detail="Dependency scanning flags vulnerable open-source libraries on every build.",
        ),
        approved(
            "BCP-BACKUP-02",
            "Are backups encrypted?",
            detail="Backups are encrypted with AES-256.",
        ),
    ]
    matcher = Matcher(libraries, concepts=False)
    assert held_back(
        matcher,
        "Do you scan your code and open-source libraries for known vulnerabilities?",
        "VUL-DEPS-01",
    ) == ("the entry never names what the question asks of ('scan' 'code')")
    assert held_back(matcher, "Do you encrypt backups and logs?", "BCP-BACKUP-02") == (
        "the entry never names what the question asks of ('encrypt' 'logs')"
    )
    # Both named: answered.
    both = replace(libraries[1], detail="Backups and logs are encrypted with AES-256.")
    (best, *_) = Matcher([both], concepts=False).match("Do you encrypt backups and logs?")
    assert (best.entry_id, best.band) == ("BCP-BACKUP-02", "auto")


def test_verbs_or_options_joined_are_not_two_things() -> None:
    for asked in (
        # Verbs joined, things offered as options, and what is logged, are left alone.
        "Do you encrypt and sign release artifacts?",
        "Do you encrypt backups and sign them?",
        "Do you encrypt backups and logs or snapshots?",
        "Do you log access and changes?",
    ):
        text = NORMALISER.normalise(asked)
        assert treated_unsaid(text, text, lambda: set(), terms) is None, asked


def test_the_product_as_a_question_names_it_is_no_other_thing() -> None:
    # A statement names the product by its profile's variable: "the application" is it.
    for asked in ("Is the application penetration tested?", "Is the platform monitored?"):
        text = NORMALISER.normalise(asked)
        assert treated_unsaid(text, text, lambda: set(), terms) is None, asked
