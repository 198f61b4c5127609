"""A row asking more than one thing: a statement answering one of them does not answer the row."""

from __future__ import annotations

from dataclasses import replace

from app.core.follow_ups import (
    _thing_asked,
    first_ask_unanswered,
    later_questions,
    second_ask_unanswered,
    second_question,
)
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from tests.core.statements import approved, held_back

REVIEWS = [
    approved(
        "SDL-REVIEW-01",
        "Is every code change reviewed by someone other than its author?",
        detail="Pull requests need one approving review before merge.",
    ),
    approved(
        "CMP-PCI-01",
        "Are you PCI DSS compliant?",
        "No",
        "The service does not store, process or transmit payment card data.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_yes_to_the_first_of_two_questions_does_not_answer_the_second() -> None:
    assert held_back(
        Matcher(REVIEWS, concepts=False),
        "Is every code change reviewed by someone other than its author, and can a developer "
        "deploy their own change?",
        "SDL-REVIEW-01",
    ) == (
        "the row asks a second question the entry does not answer: "
        "'can a developer deploy their own change'"
    )


def test_a_second_question_may_name_its_subject_by_who_it_is() -> None:
    assert held_back(
        Matcher(REVIEWS, concepts=False),
        "Is every code change reviewed by someone other than its author, and can customer "
        "administrators merge changes?",
        "SDL-REVIEW-01",
    ) == (
        "the row asks a second question the entry does not answer: "
        "'can customer administrators merge changes'"
    )


def test_a_no_answers_what_is_asked_only_on_a_yes() -> None:
    matcher = Matcher(REVIEWS, concepts=False)
    (best, *_) = matcher.match(
        "Are you PCI DSS compliant? If so, at what level, and can you provide your AoC?"
    )
    assert best.entry_id == "CMP-PCI-01"
    assert not (best.explanation.guard or "").startswith("the row asks a second question")
    (best, *_) = matcher.match("Are you PCI DSS compliant, and can you provide your AoC?")
    assert (best.explanation.guard or "").startswith("the row asks a second question")


def test_a_no_to_the_follow_up_does_not_answer_the_first_question() -> None:
    training = [
        approved(
            "AI-TRAIN-01",
            "Is customer data used to train AI models?",
            "No",
            "Customer content is never used to train or fine-tune models.",
        ),
        REVIEWS[2],
    ]
    assert (
        held_back(
            Matcher(training, concepts=False),
            "Do you use AI with customer data? If yes, which models, and is our data used for training?",
            "AI-TRAIN-01",
        )
        == "the entry's No answers the row's follow-up, not its first question"
    )


def test_a_second_question_may_name_its_subject_with_a_noun() -> None:
    logs = [
        approved(
            "LOG-PROTECT-01",
            "Are logs protected from tampering and deletion?",
            detail="Logs are written to storage with immutable retention.",
        ),
        approved(
            "RSK-REG-01",
            "Do you maintain a risk register?",
            detail="Risks are tracked in a register with an owner and a treatment plan.",
        ),
        REVIEWS[2],
    ]
    matcher = Matcher(logs, concepts=False)
    assert held_back(
        matcher,
        "Are logs protected from tampering, and is integrity verified with cryptographic hashing?",
        "LOG-PROTECT-01",
    ) == (
        "the row asks a second question the entry does not answer: "
        "'is integrity verified with cryptographic hashing'"
    )
    # Its predicate may be said in other words: the nouns say what is asked.
    (best, *_) = matcher.match(
        "Do you maintain a risk register, and are risks assigned owners and treatment plans?"
    )
    assert (best.entry_id, best.band) == ("RSK-REG-01", "auto")


def test_a_second_verb_of_the_same_subject_is_no_second_question() -> None:
    (best, *_) = Matcher(REVIEWS, concepts=False).match(
        "Is every code change reviewed by someone other than its author and is approved?"
    )
    assert not (best.explanation.guard or "").startswith("the row asks a second question")


FOLLOW_UPS = [
    approved("AST-BYOD-02", "Do you have a policy on personally owned devices (BYOD)?"),
    approved(
        "GOV-EXC-01",
        "Do you have a process for approving and tracking exceptions to security policy?",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_yes_to_the_follow_up_alone_does_not_answer_the_first_question() -> None:
    matcher = Matcher(FOLLOW_UPS, concepts=False)
    assert (
        held_back(matcher, "Is BYOD permitted? If yes, attach your BYOD policy.", "AST-BYOD-02")
        == "the entry's Yes answers the row's follow-up, not its first question"
    )
    # A statement saying a word of the first question answers it.
    (best, *_) = matcher.match(
        "Do you maintain an exceptions process for security policy? If so, how are exceptions "
        "approved and tracked?"
    )
    assert (best.entry_id, best.explanation.guard) == ("GOV-EXC-01", None)


def test_a_second_question_may_stand_in_a_sentence_of_its_own() -> None:
    matcher = Matcher(REVIEWS, concepts=False)
    assert held_back(
        matcher,
        "Is all code peer-reviewed before merging? Can a single developer push a change to "
        "production alone?",
        "SDL-REVIEW-01",
    ) == (
        "the row asks a second question the entry does not answer: "
        "'can a single developer push a change to production alone'"
    )
    # A modal after a condition, a label or a question word opens no second question.
    normalise = Normaliser(shipped_thesaurus()).normalise
    entry = REVIEWS[0]
    wording = normalise(entry.question)
    for row in (
        "If our auditors require it, can a single engineer deploy a change alone?",
        "Code review - can a single engineer deploy a change alone?",
        "What changes can a single engineer deploy alone?",
    ):
        assert second_question(normalise(row), entry, wording, lambda: set(wording.terms)) is None
    asked = normalise("Is every change reviewed? Can a single engineer deploy a change alone?")
    assert second_question(asked, entry, wording, lambda: set(wording.terms))


SECOND_ASKS = [
    approved(
        "INC-TEST-01",
        "Is the incident response plan tested?",
        "Yes, at least annually",
        "The plan is exercised once a year with a tabletop exercise.",
    ),
    approved(
        "CRY-KEYGEN-01",
        "How are cryptographic keys generated and stored?",
        "In a managed, HSM-backed key service",
        "Keys are generated inside the key service's hardware security modules.",
    ),
    approved(
        "IAM-REV-01",
        "How often are user access rights reviewed?",
        "Quarterly",
        "System owners recertify access to production every quarter.",
    ),
    approved(
        "BCP-DR-01",
        "Is the disaster recovery plan tested?",
        "Yes",
        "The plan was last exercised in March, with a failover to the second region.",
    ),
    approved(
        "GOV-PROG-01",
        "Do you run a formal information security program?",
        detail="The program covers every system and is reviewed each year.",
    ),
    approved(
        "VUL-PEN-02",
        "When was your last penetration test?",
        "Within the last twelve months",
        "A summary letter is available on request.",
    ),
    approved(
        "AI-TRAIN-01",
        "Is customer data used to train AI models?",
        "No",
        "Customer content never trains models.",
    ),
]


def test_a_row_going_on_to_ask_who_or_when_is_answered_only_where_the_statement_says() -> None:
    matcher = Matcher(SECOND_ASKS, concepts=False)
    for asked, entry_id, asks in (
        (
            "Do you have an incident response plan, and when was it last tested?",
            "INC-TEST-01",
            "when",
        ),
        # Past a question mark, "when" put to a past verb asks a date as much.
        ("Do you have an incident response plan? When was it last tested?", "INC-TEST-01", "when"),
        ("Where are keys stored, and who has access to them?", "CRY-KEYGEN-01", "who"),
        (
            "Do you run a formal information security program, and to whom does it report?",
            "GOV-PROG-01",
            "who",
        ),
    ):
        assert held_back(matcher, asked, entry_id) == (
            f"the row goes on to ask {asks}; the entry does not say"
        ), asked
    for asked, entry_id in (
        # The detail names who, or when.
        ("How often are user access rights reviewed, and who signs off?", "IAM-REV-01"),
        ("Is the disaster recovery plan tested, and when was it last tested?", "BCP-DR-01"),
        # A statement asking when itself answers it.
        ("Do you commission penetration tests, and when was the last one?", "VUL-PEN-02"),
        # A No to the first question answers the row.
        ("Is customer data used to train AI models, and when was it last used?", "AI-TRAIN-01"),
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band) == (entry_id, "auto"), asked


def test_when_or_who_inside_the_first_question_is_no_second_ask() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    plan = SECOND_ASKS[0]
    for row in (
        "Do you log who accessed customer data?",
        "Do you record when backups were restored?",
        "When was the plan last tested?",
    ):
        asked = normalise(row)
        assert second_ask_unanswered(asked, asked, plan) is None, row
    # "If so, who": asked on a Yes, which the statement gives and names no one with.
    asked = normalise("Are keys rotated? If so, who approves it?")
    assert second_ask_unanswered(asked, asked, plan) == (
        "the row goes on to ask who; the entry does not say"
    )


def test_a_value_does_not_answer_a_second_closed_question() -> None:
    objectives = approved(
        "BCP-RTO-01",
        "What are your recovery time and recovery point objectives?",
        "RTO 8 hours; RPO 1 hour",
        "Both objectives are exercised in the yearly disaster recovery test.",
    )
    matcher = Matcher([objectives, *SECOND_ASKS], concepts=False)
    assert held_back(
        matcher,
        "What are your recovery time and recovery point objectives, and were they met in the "
        "last test?",
        "BCP-RTO-01",
    ) == (
        "the row asks a second question the entry does not answer: 'were they met in the last test'"
    )
    # Said by the detail: answered.
    (best, *_) = matcher.match(
        "What are your recovery time and recovery point objectives, and are they exercised?"
    )
    assert (best.entry_id, best.band) == ("BCP-RTO-01", "auto")


def test_who_and_when_are_answered_by_what_the_statement_says_not_what_the_row_names() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    backups = approved(
        "BCP-BACKUP-01", "Is customer data backed up?", "Yes", "Customer data is backed up daily."
    )
    asked = normalise("Is customer data backed up, and who can restore it?")
    # The customers the row names itself say nobody who restores.
    assert second_ask_unanswered(asked, asked, backups) == (
        "the row goes on to ask who; the entry does not say"
    )
    by_whom = normalise("Is customer data backed up? If so, by whom?")
    assert second_ask_unanswered(by_whom, by_whom, backups) is not None
    owners = replace(backups, detail="Backups are run by the platform team.")
    assert second_ask_unanswered(by_whom, by_whom, owners) is None
    # A version or a key length is no date.
    certs = approved(
        "CMP-CERT-01", "Which certifications do you hold?", "ISO/IEC 27001:2022", "RSA 2048+."
    )
    last = normalise("Do you hold certifications? When were they last audited?")
    assert second_ask_unanswered(last, last, certs) is not None
    dated = replace(certs, detail="The last audit closed in 2025.")
    assert second_ask_unanswered(last, last, dated) is None


HOSTING = approved(
    "VEN-HOST-01",
    "Which cloud provider hosts your service?",
    "Amazon Web Services (AWS)",
    "The service is hosted on AWS, whose data centers hold independent certifications.",
)


def test_a_row_going_on_to_ask_which_thing_is_answered_only_where_the_statement_names_it() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    hosting = HOSTING
    asked = normalise("Which cloud providers and which specific regions host production?")
    # The statement's own "which" asks of the provider, not of regions.
    wording = normalise(hosting.question)
    assert second_ask_unanswered(asked, wording, hosting) == (
        "the row goes on to ask which regions; the entry does not say"
    )
    regions = replace(
        hosting, detail="The service runs on AWS in two regions, us-east and eu-west."
    )
    assert second_ask_unanswered(asked, wording, regions) is None
    insurance = approved(
        "GOV-INS-01", "Do you carry cyber insurance?", "Yes", "Details are available on request."
    )
    asked = normalise("Do you carry cyber insurance, and what is the coverage amount?")
    assert second_ask_unanswered(asked, asked, insurance) == (
        "the row goes on to ask which amount; the entry does not say"
    )
    # How often by a schedule, a kind of technology by a name or a figure, a measure by a figure.
    backups = approved(
        "BCP-BACKUP-01",
        "Do you back up customer data?",
        "Yes",
        "Customer data is backed up continuously, with daily snapshots.",
    )
    sso = approved(
        "IAM-SSO-01",
        "Does the application support single sign-on?",
        "Yes",
        "Customers can sign in through SAML 2.0 or OpenID Connect.",
    )
    rest = approved(
        "CRY-REST-01", "Is data encrypted at rest?", "Yes", "Data is encrypted with AES-256."
    )
    for row, entry in (
        ("Do you back up customer data, and what is the frequency?", backups),
        ("Does the application support single sign-on, and which protocols?", sso),
        ("Is data encrypted at rest, and which cipher is used?", rest),
        ("Is data encrypted at rest, and what is the key size?", rest),
    ):
        found = normalise(row)
        assert second_ask_unanswered(found, found, entry) is None, row
    for row, entry, thing in (
        (
            "Does the application support single sign-on, and what is the frequency?",
            sso,
            "frequency",
        ),
        ("Do you back up customer data, and which protocols are used?", backups, "protocols"),
        ("Do you back up customer data, and which cloud regions hold backups?", backups, "regions"),
    ):
        found = normalise(row)
        assert second_ask_unanswered(found, found, entry) == (
            f"the row goes on to ask which {thing}; the entry does not say"
        ), row
    covered = replace(insurance, detail="Coverage of $5 million per claim.")
    amount = normalise("Do you carry cyber insurance, and what is the coverage amount?")
    assert second_ask_unanswered(amount, amount, covered) is None
    # A wording asking which of the thing itself answers it.
    regions = approved("PRV-LOC-01", "Which regions host the service?", "US and EU")
    asked = normalise("Is the service hosted in the cloud, and which regions host it?")
    assert second_ask_unanswered(asked, normalise(regions.question), regions) is None
    assert second_ask_unanswered(asked, asked, regions) == (
        "the row goes on to ask which regions; the entry does not say"
    )
    # An N/A answers the whole row.
    pci = approved("CMP-PCI-02", "Are you PCI DSS compliant?", "Not applicable")
    asked = normalise("Are you PCI DSS compliant? If yes, what is your service provider level?")
    assert second_ask_unanswered(asked, asked, pci) is None
    asked = normalise("Do you enforce a password policy, and what is the minimum length?")
    passwords = approved(
        "IAM-PWD-01",
        "Do you enforce a strong password policy?",
        "Yes",
        "Passwords are checked against lists of breached passwords.",
    )
    assert second_ask_unanswered(asked, asked, passwords) == (
        "the row goes on to ask which length; the entry does not say"
    )
    # A figure gives a measure.
    figure = replace(passwords, detail="Passwords must be at least 12 characters.")
    assert second_ask_unanswered(asked, asked, figure) is None
    # "and what" put to a verb, or opening a clause of its own, names no thing.
    plan = SECOND_ASKS[0]
    for row in (
        "Do you have an incident response plan, and what does it cover?",
        "Do you have an incident response plan, and what happens after an incident?",
        "Do you have an incident response plan, and what is the process to request it?",
    ):
        found = normalise(row)
        assert second_ask_unanswered(found, found, plan) is None, row


def terms(text: str) -> tuple[str, ...]:
    return Normaliser(shipped_thesaurus()).normalise(text).terms


AVAILABILITY = [
    approved(
        "BCP-STATUS-01",
        "Do you publish a public status page for the service?",
        detail="Current status and past incidents are published on the status page.",
    ),
    approved(
        "RET-BACKUP-01",
        "How long are backups retained?",
        "35 days",
        "Database backups are kept for 35 days and then deleted automatically.",
    ),
    approved(
        "BCP-SLA-01",
        "What uptime do you commit to?",
        "99.9% monthly uptime",
        "The agreement commits to 99.9% availability and publishes it on the status page.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_row_asking_a_value_first_is_not_answered_by_its_second_question_alone() -> None:
    matcher = Matcher(AVAILABILITY, concepts=False)
    asked = "What is your contractual uptime SLA, and do you publish a public status page?"
    assert held_back(matcher, asked, "BCP-STATUS-01") == (
        "the row first asks 'what is your contractual uptime sla'; the entry answers only what "
        "follows"
    )
    # A statement saying a word of the first ask answers it.
    normalise = Normaliser(shipped_thesaurus()).normalise
    uptime = normalise(f"{AVAILABILITY[2].answer}. {AVAILABILITY[2].detail}")
    said = {*uptime.terms, *uptime.stems}
    assert first_ask_unanswered(normalise(asked), lambda: said, terms) is None
    # Words saying whose it is name no first ask: "customer data" is said by any statement on it.
    rest = normalise("Customer data is encrypted at rest with AES-256.")
    said_rest = {*rest.terms, *rest.stems}
    kept = normalise("What is the retention period for customer data, and is it encrypted at rest?")
    assert first_ask_unanswered(kept, lambda: said_rest, terms) is not None
    # Words the second question asks as well are no first ask of their own.
    encrypted = normalise("Backups are encrypted.")
    backups = normalise("What is your backup retention, and are backups encrypted?")
    assert first_ask_unanswered(backups, lambda: {*encrypted.terms, *encrypted.stems}, terms) == (
        "the row first asks 'what is your backup retention'; the entry answers only what follows"
    )
    # A participle after "and" goes on with the first question: no second one.
    stored = normalise("What data is collected and is stored in the EU?")
    assert first_ask_unanswered(stored, set, terms) is None
    # A row opening with a closed question is the second question rule's.
    closed = normalise("Do you publish a status page, and is it public?")
    assert first_ask_unanswered(closed, set, terms) is None


def test_a_second_question_is_read_as_the_thesaurus_folds_it() -> None:
    # "are they *encrypted*" is the term "encryption", which "35 days" never speaks of.
    matcher = Matcher(AVAILABILITY, concepts=False)
    assert held_back(
        matcher, "How long are backups retained, and are they encrypted?", "RET-BACKUP-01"
    ) == ("the row asks a second question the entry does not answer: 'are they encrypted'")
    normalise = Normaliser(shipped_thesaurus()).normalise
    backups, kept = AVAILABILITY[1], normalise("How long are backups retained?")
    written = normalise(f"{backups.answer}. {backups.detail}")
    said = {*written.terms, *written.stems}
    asked = normalise("How long are backups retained, and are they kept automatically?")
    assert second_question(asked, backups, kept, lambda: set(said), terms=terms) is None


def test_the_thing_a_second_which_or_what_asks_of_is_its_first_naming_word() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    for row, thing in (
        ("Do you rotate keys, and which kind of keys?", "keys"),
        ("Is there a password policy, and what are the minimum length rules?", "length"),
        ("Was the plan tested, and what was the outcome?", "outcome"),
        ("Were audits held, and what were your findings?", "findings"),
        ("Is data encrypted, and which exact ciphers?", "ciphers"),
        # A pronoun, a verb's helper, a product, a process or a verb name no thing of their own.
        ("Do you use a WAF, and which is it?", None),
        ("Do you use a WAF, and which do you use?", None),
        ("Do you use a WAF, and which product?", None),
        ("Can we get the report, and what is the procedure to request it?", None),
        ("Do you have a plan, and what happens next?", None),
    ):
        asked = normalise(row)
        at = asked.surface.index("and") + 1
        assert _thing_asked(asked.surface, at) == thing, row


def test_a_row_opening_which_asks_of_each_thing_it_joins_by_and() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    hosting = HOSTING
    wording = normalise(hosting.question)
    for row in (
        "Which cloud provider and regions host our data?",
        "Which cloud provider(s) and regions host the service?",
    ):
        assert second_ask_unanswered(normalise(row), wording, hosting) == (
            "the row asks which regions as well; the entry does not say"
        ), row
    regions = replace(
        hosting, detail="The service runs on AWS in two regions, us-east and eu-west."
    )
    assert (
        second_ask_unanswered(
            normalise("Which cloud provider and regions host our data?"), wording, regions
        )
        is None
    )
    # A second ask of its own ("and how …") is no second thing, nor an "and" past the opening,
    # nor one in a row not opening "which".
    for row in (
        "Which cloud provider hosts the service, and how is it chosen?",
        "Which cloud provider and how many regions?",
        "Which cloud provider hosts the service and regions?",
        "Do cloud provider and regions host our data?",
    ):
        assert second_ask_unanswered(normalise(row), wording, hosting) is None, row
    # A wording asking which of the second thing itself was written to say it.
    regional = replace(hosting, question="Which cloud provider and regions host your service?")
    asked = normalise("Which cloud provider and regions host our data?")
    assert second_ask_unanswered(asked, normalise(regional.question), regional) is None


def test_a_row_asking_to_be_given_a_thing_is_answered_only_where_the_statement_gives_it() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    insurance = approved(
        "GOV-INS-01", "Do you carry cyber insurance?", "Yes", "Details are available on request."
    )
    wording = normalise(insurance.question)
    for row in (
        "Do you carry cyber insurance? Please state the coverage limit.",
        "Do you carry cyber insurance? State the coverage limit.",
        "Do you carry cyber insurance? Kindly provide the coverage limit.",
    ):
        assert second_ask_unanswered(normalise(row), wording, insurance, later_questions(row)) == (
            "the row asks to be given the limit; the entry does not say"
        ), row
    limit = replace(insurance, detail="The policy covers up to USD 10 million per claim.")
    assert (
        second_ask_unanswered(
            normalise("Do you carry cyber insurance? Please state the coverage limit."),
            wording,
            limit,
        )
        is None
    )
    # "Kindly" and "please" ask whatever follows; a document asked for is a person's to attach.
    assert second_ask_unanswered(
        normalise("Do you carry cyber insurance? Kindly state coverage limits."), wording, insurance
    ) == ("the row asks to be given the limits; the entry does not say")
    assert (
        second_ask_unanswered(
            normalise("Do you carry cyber insurance? Please provide the certificate."),
            wording,
            insurance,
        )
        is None
    )
    # A statement worded to give the thing gives it in its own words.
    classes = replace(
        approved("PRV-CLASS-01", "Is data classified?", "Yes", "Public, internal or restricted."),
        alternates=("What classification levels do you use?",),
    )
    asked = normalise("Do you classify data? Please state the levels used.")
    assert second_ask_unanswered(asked, normalise(classes.question), classes) is None
    # A request someone makes is what is asked of, not a request of the row.
    assert (
        second_ask_unanswered(
            normalise("Do you state the coverage limit in your contracts?"), wording, insurance
        )
        is None
    )
    # A value answered in the statement's own words gives it: its wording asks for it.
    retention = approved("LOG-RET-01", "What is the log retention period?", "365 days")
    asked = normalise("How long are logs retained? Please specify the retention period.")
    assert second_ask_unanswered(asked, normalise(retention.question), retention) is None


def test_a_second_question_in_a_sentence_of_its_own_is_asked_as_much() -> None:
    contract_end = approved(
        "RET-TERM-01",
        "What happens to our data when the contract ends?",
        "Deleted within 30 days of termination",
        "Customers can export their data; it is then deleted within 30 days.",
    )
    matcher = Matcher([contract_end, REVIEWS[2]], concepts=False)
    assert (
        held_back(
            matcher,
            "What happens to our data at the end of the contract? How is deletion confirmed?",
            "RET-TERM-01",
        )
        == "the row asks a second question the entry does not answer: 'how is deletion confirmed'"
    )
    # One sentence asks once; a second question the statement answers is answered.
    (best, *_) = matcher.match("What happens to our data when the contract ends?")
    assert (best.entry_id, best.band, best.explanation.guard) == ("RET-TERM-01", "auto", None)
    (best, *_) = matcher.match(
        "What happens to our data at the end of the contract? Can we export it?"
    )
    assert (best.entry_id, best.explanation.guard) == ("RET-TERM-01", None)
    # A named subject's verb may be said in other words, as after "and" ("HSM-backed").
    keys = approved(
        "CRY-KEYGEN-01",
        "Where are encryption keys stored?",
        "In a managed, HSM-backed key service",
    )
    (best, *_) = Matcher([keys, REVIEWS[2]], concepts=False).match(
        "Where are encryption keys stored? Is an HSM used?"
    )
    assert (best.entry_id, best.band, best.explanation.guard) == ("CRY-KEYGEN-01", "auto", None)
    # Who or which, asked in a sentence of its own, is asked as "and who" is.
    plan = approved("BCP-DR-01", "Do you have a disaster recovery plan?")
    assert (
        held_back(
            Matcher([plan, REVIEWS[2]], concepts=False),
            "Do you have a disaster recovery plan? Who owns it?",
            "BCP-DR-01",
        )
        == "the row goes on to ask who; the entry does not say"
    )


def test_where_later_questions_open_is_read_as_the_normaliser_reads_words() -> None:
    assert later_questions("Is MFA enforced?") == ()
    assert later_questions("Is MFA enforced? For whom?") == (3,)
    assert later_questions("SSO? Which protocols? SCIM?") == (1, 3)
    # A row ending in its question mark, or only marks, asks once.
    assert later_questions("Is MFA enforced??") == ()
    assert later_questions("???") == ()


def test_a_second_question_of_its_own_is_read_as_a_person_reads_it() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    keys = approved(
        "CRY-BYOK-01",
        "Can customers manage their own encryption keys?",
        "No",
        "Keys are managed by the vendor.",
    )
    asked = normalise(
        "Can customers manage their own encryption keys? Is there an additional cost?"
    )
    said = {"customer", "manage", "own", "encryption", "key", "vendor"}
    later = later_questions(
        "Can customers manage their own encryption keys? Is there an additional cost?"
    )
    # A No to the first question answers what is asked on a Yes.
    assert second_question(asked, keys, normalise(keys.question), lambda: said, later=later) is None
    # A figure or a comparison checks the first question's value.
    backups = approved("RET-BACKUP-01", "How long are backups retained?", "35 days")
    row = "How long are backups retained? Is it more than 35 days?"
    assert (
        second_question(
            normalise(row),
            backups,
            normalise(backups.question),
            lambda: set(normalise("How long are backups retained? 35 days").terms),
            later=later_questions(row),
        )
        is None
    )
    # Either of two alternatives said answers them.
    deps = approved("VUL-DEPS-01", "Do you use software composition analysis?")
    row = "How do you manage open-source libraries? Do you use software composition analysis or keep an SBOM?"
    terms = Normaliser(shipped_thesaurus()).normalise
    said_deps = set(terms("open source libraries software composition analysis").terms)
    assert (
        second_question(
            normalise(row),
            deps,
            normalise(deps.question),
            lambda: said_deps,
            terms=lambda text: terms(text).terms,
            later=later_questions(row),
        )
        is None
    )
    assert (
        second_question(
            normalise(row),
            deps,
            normalise(deps.question),
            lambda: set(terms("open source libraries").terms),
            terms=lambda text: terms(text).terms,
            later=later_questions(row),
        )
        is not None
    )


def test_a_later_question_cut_short_is_read_without_failing() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    mfa = approved("IAM-MFA-01", "Do you use MFA?", "Yes", "MFA is required for all staff.")
    for row in ("Do you use MFA? Is a", "Do you use MFA? Is the", "Do you use MFA? Is", "?"):
        asked = normalise(row)
        second_question(
            asked, mfa, normalise(mfa.question), lambda: {"mfa"}, later=later_questions(row)
        )
        second_ask_unanswered(asked, normalise(mfa.question), mfa, later_questions(row))


def test_a_request_is_read_only_as_one() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    policy = approved("GOV-POL-01", "Do you have an information security policy?")
    # What a document states is asked of it, not asked of the row.
    for row in (
        "Does the information security policy state the responsibilities of employees?",
        "Does your logging standard list the required events?",
    ):
        asked = normalise(row)
        assert second_ask_unanswered(asked, asked, policy, later_questions(row)) is None, row
    # After "if so", it asks.
    insurance = approved("GOV-INS-01", "Do you carry cyber insurance?", "Yes", "On request.")
    row = "Do you carry cyber insurance? If so, state the coverage limit."
    assert second_ask_unanswered(
        normalise(row), normalise(insurance.question), insurance, later_questions(row)
    ) == ("the row asks to be given the limit; the entry does not say")
    # A second verb of the row is no second thing it asks which of.
    events = approved("LOG-EVENTS-01", "Which events are logged?", "Logins and admin actions")
    row = "Which events are logged and monitored?"
    assert second_ask_unanswered(normalise(row), normalise(events.question), events) is None


def test_a_no_answers_a_second_sentence_restating_the_first() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    training = approved(
        "AI-TRAIN-01",
        "Is customer data used to train AI models?",
        "No",
        "Customer content is never used to train models.",
    )
    row = (
        "Is customer data used to train AI models? Does what our users type into AI features "
        "end up improving your models?"
    )
    said = set(normalise(f"{training.question} {training.detail}").terms)
    # Matched by a wording restating the second sentence, the No still answers both.
    restated = normalise("Does what users type into AI features end up improving your models?")
    assert (
        second_question(
            normalise(row), training, restated, lambda: said, later=later_questions(row)
        )
        is None
    )
