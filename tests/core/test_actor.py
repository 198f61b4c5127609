"""A statement about what customers can do does not answer a question put to the vendor."""

from __future__ import annotations

from dataclasses import replace

from app.core.actor import (
    agent_unsaid,
    customers_able,
    customers_duty,
    customers_for_vendor,
    customers_joined,
    customers_may,
    customers_own,
    given_to_customers,
    people_prevented,
)
from app.core.bank import Entry
from app.core.matching import Matcher
from app.core.normalise import stem
from app.core.normalise import words as tokens
from tests.core.statements import held_back


def approved(
    entry_id: str,
    question: str,
    answer: str = "Yes",
    detail: str = "",
    alternates: tuple[str, ...] = (),
) -> Entry:
    return Entry(
        id=entry_id,
        question=question,
        alternates=alternates,
        answer=answer,
        detail=detail,
        status="approved",
    )


# A second statement, so that a bank of one is not all the matcher has to weigh.
POLICY = Entry(id="GOV-POL-01", question="Do you have a security policy?", answer="Yes")

BANK = [
    approved(
        "CRY-BYOK-01",
        "Can customers manage their own encryption keys?",
        "No",
        detail="Keys are managed by the vendor in its key management service.",
    ),
    Entry(
        id="GOV-POL-01", question="Do you have a security policy?", answer="Yes", status="approved"
    ),
]


def test_a_question_put_to_the_vendor_is_not_answered_by_what_customers_can_do() -> None:
    assert (
        held_back(
            Matcher(BANK, concepts=False), "Do you manage your own encryption keys?", "CRY-BYOK-01"
        )
        == "the entry says what customers can do; the question asks what you do"
    )


def test_a_question_put_to_your_company_is_put_to_the_vendor() -> None:
    (best, *_) = Matcher(BANK, concepts=False).match(
        "Does your company manage its own encryption keys?"
    )
    assert best.entry_id == "CRY-BYOK-01"
    assert best.explanation.guard == (
        "the entry says what customers can do; the question asks what you do"
    )


def test_a_customer_asking_of_itself_is_answered() -> None:
    (best, *_) = Matcher(BANK, concepts=False).match("Can we manage our own encryption keys?")
    assert (best.entry_id, best.band, best.explanation.guard) == ("CRY-BYOK-01", "auto", None)


def words(text: str) -> list[str]:
    return text.split()


def test_a_question_to_the_vendor_naming_customers_is_read_as_it_is() -> None:
    customers = words("Can customers manage their own keys?")
    assert customers_for_vendor(words("Do you let customers manage keys?"), customers) is None
    assert customers_for_vendor(words("Do you manage keys?"), customers) is not None
    vendor = words("Do you rotate keys?")
    assert customers_for_vendor(words("Do you manage keys?"), vendor) is None


SCANS = [
    approved(
        "VUL-SCAN-01",
        "How often do you scan for vulnerabilities?",
        "Continuously, and at least weekly",
        detail="Workloads and dependencies are scanned continuously and at least weekly in full.",
    ),
    approved(
        "VUL-PEN-01",
        "Do you have independent penetration tests performed?",
        "Yes, at least annually",
        detail="A summary letter is available on request under NDA.",
    ),
    POLICY,
]


def test_what_you_give_customers_is_not_answered_by_what_you_do() -> None:
    assert (
        held_back(
            Matcher(SCANS, concepts=False),
            "Do you share vulnerability scan results with customers?",
            "VUL-SCAN-01",
        )
        == "the question asks what you give customers; the entry says only what you do"
    )


def test_a_statement_saying_how_it_is_given_answers() -> None:
    (best, *_) = Matcher(SCANS, concepts=False).match(
        "Will you share your penetration test results with us?"
    )
    assert best.entry_id == "VUL-PEN-01"
    assert best.explanation.guard != (
        "the question asks what you give customers; the entry says only what you do"
    )


def test_giving_read_only_as_the_question_s_own_verb() -> None:
    said = frozenset({"scan", "vulner"})
    asked = [
        stem(w) for w in words("are all systems used to provide services to customers scanned")
    ]
    assert given_to_customers(asked, lambda: set(said)) is None
    asked = [stem(w) for w in words("will you provide scan results to us")]
    assert given_to_customers(asked, lambda: set(said)) is not None


def test_a_request_put_as_a_question_asks_what_you_give() -> None:
    reviewed = frozenset({"firewal", "rule", "review", "annual"})
    asked = [stem(w) for w in words("can you provide your firewall rule sets")]
    assert given_to_customers(asked, lambda: set(reviewed)) == (
        "the question asks what you give customers; the entry says only what you do"
    )
    # A statement publishing it gives it.
    published = frozenset({"publish", "list", "subprocessor"})
    asked = [stem(w) for w in words("can you provide a current list of subprocessors")]
    assert given_to_customers(asked, lambda: set(published)) is None
    # "Do you provide" asks what you do, as before.
    asked = [stem(w) for w in words("do you provide security awareness training")]
    assert given_to_customers(asked, lambda: set(reviewed)) is None


ENDPOINTS = [
    approved(
        "AST-EP-10",
        "Do endpoints run anti-malware software?",
        "Yes",
        detail="Every managed laptop runs an endpoint detection and response agent.",
        alternates=("Is antivirus software installed on all company laptops?",),
    ),
    POLICY,
]


def test_what_staff_may_do_is_not_answered_by_a_statement_never_naming_them() -> None:
    matcher = Matcher(ENDPOINTS, concepts=False)
    assert held_back(matcher, "Can employees install software on their laptops?", "AST-EP-10") == (
        "the question asks what employees may do; the entry never names them"
    )
    # What they do, not what they may: a framework's statements name no one.
    (best, *_) = matcher.match("Do employees install antivirus software on their laptops?")
    assert best.explanation.guard != (
        "the question asks what employees may do; the entry never names them"
    )


OUTPUTS = [
    approved(
        "AI-OUTPUT-01",
        "Are AI outputs checked before they are shown to users?",
        "Yes",
        detail="Model output is checked for format and policy violations before it is displayed.",
    ),
    POLICY,
]


def test_who_does_it_is_asked_as_written() -> None:
    matcher = Matcher(OUTPUTS, concepts=False)
    assert (
        held_back(
            matcher,
            "Are AI outputs reviewed by a human before being shown to users?",
            "AI-OUTPUT-01",
        )
        == "the question asks who does it ('by a human'); the entry never says"
    )
    # Who, past words saying which of them: "by the *CISO*", "by *senior* leadership".
    for asked in (
        "Are AI outputs reviewed by the CISO before being shown to users?",
        "Are AI outputs reviewed by senior leadership before being shown to users?",
    ):
        assert held_back(matcher, asked, "AI-OUTPUT-01").startswith(
            "the question asks who does it"
        ), asked
    # Who, named by the question's own subject too, is said with which of them it is.
    policy = approved(
        "VUL-POL-02",
        "Is the vulnerability management policy reviewed annually?",
        detail="The vulnerability management standard is reviewed once a year.",
    )
    assert held_back(
        Matcher([policy, POLICY], concepts=False),
        "Is the vulnerability management policy approved by senior management?",
        "VUL-POL-02",
    ) == ("the question asks who does it ('by senior management'); the entry never says")
    # Named only as who: management approving answers senior management.
    managed = [replace(OUTPUTS[0], detail="Output is checked by management before display.")]
    (best, *_) = Matcher(managed, concepts=False).match(
        "Are AI outputs reviewed by senior management before being shown to users?"
    )
    assert best.explanation.guard is None
    asked = ("approved", "by", "the", "ciso")
    assert agent_unsaid(asked, lambda: set(), lambda text: tuple(text.split())) is not None
    # "By default" says how, not who.
    (best, *_) = matcher.match("Are AI outputs checked by default before they are shown to users?")
    assert best.explanation.guard is None
    reviewed = [
        replace(OUTPUTS[0], detail="A person reviews model output before it is displayed."),
        OUTPUTS[1],
    ]
    (best, *_) = Matcher(reviewed, concepts=False).match(
        "Are AI outputs checked by a person before being shown to users?"
    )
    assert best.explanation.guard is None


ENCRYPTION = [
    approved(
        "CRY-REST-01",
        "Is customer data encrypted at rest?",
        detail="Encryption at rest is on for every tenant and cannot be turned off.",
    ),
    POLICY,
]


def test_what_customers_must_do_is_not_answered_by_what_you_do() -> None:
    assert (
        held_back(
            Matcher(ENCRYPTION, concepts=False),
            "Must the customer enable encryption at rest manually?",
            "CRY-REST-01",
        )
        == "the question asks what customer must do; the entry says what you do"
    )


def test_a_customer_s_duty_is_read_from_its_words() -> None:
    said = {stem("encrypted"), stem("rest")}
    to_vendor = words("Is customer data encrypted at rest?")
    assert customers_duty(words("Do customers need to enable encryption?"), to_vendor, lambda: said)
    assert customers_duty(
        words("Is the customer responsible for encryption?"), to_vendor, lambda: said
    )
    # What customers can do is asked of the product, not of their duties.
    assert (
        customers_duty(words("Can customers enable encryption?"), to_vendor, lambda: said) is None
    )
    # A statement putting customers to its verb, or speaking of what falls to them, answers.
    to_customers = words("Can customers manage their own encryption keys?")
    asked = words("Must customers manage their own keys?")
    assert customers_duty(asked, to_customers, lambda: said) is None
    shared = said | {stem("responsibility")}
    assert customers_duty(asked, to_vendor, lambda: shared) is None


def test_a_question_about_your_staff_is_not_answered_by_what_customers_can_do() -> None:
    # The question names customer keys, but asks what the vendor's own people can reach.
    asked = "Do any of your employees have access to customer encryption keys?"
    assert held_back(Matcher(BANK, concepts=False), asked, "CRY-BYOK-01") == (
        "the entry says what customers can do; the question asks about your employees"
    )
    customers = words("Can customers manage their own keys?")
    assert customers_for_vendor(words("Can all of your staff read customer keys?"), customers)
    # Without "your", the people may be the customer's own.
    assert customers_for_vendor(words("Can administrators manage keys?"), customers) is None


KEYS = [
    approved(
        "CRY-REST-01",
        "Is customer data encrypted at rest?",
        detail="All customer data is encrypted at rest with AES-256.",
    ),
    approved(
        "CRY-BYOK-01",
        "Can customers manage their own encryption keys?",
        "No",
        detail="Keys are managed by the vendor in its key management service.",
    ),
    POLICY,
]


def test_the_customers_own_thing_is_not_answered_by_a_statement_never_saying_own() -> None:
    assert (
        held_back(
            Matcher(KEYS, concepts=False),
            "Is customer data encrypted at rest using keys held in the customer's own cloud KMS?",
            "CRY-REST-01",
        )
        == "the question asks of customer's own; the entry never says 'own'"
    )


def test_only_the_customers_own_is_read() -> None:
    said = {stem("encrypt"), stem("rest")}
    assert customers_own(tokens("can we use the customer's own keys"), lambda: said) is not None
    assert customers_own(words("can we use our own keys"), lambda: said) is not None
    assert customers_own(words("can customers use their own keys"), lambda: said) is not None
    # The vendor's own, or a statement saying "own": not read.
    assert customers_own(words("do you use your own staff"), lambda: said) is None
    assert customers_own(words("do you operate your own data centers"), lambda: said) is None
    assert customers_own(words("can we use our own keys"), lambda: said | {stem("own")}) is None


RETENTION = [
    approved("RET-POL-01", "Do you have a data retention and deletion policy?"),
    approved("RET-HOLD-01", "Can you preserve data under a legal hold?"),
    approved(
        "VUL-CUST-01",
        "Do you allow customers to run their own penetration tests?",
        detail="With notice, customers may test their own tenant.",
    ),
    POLICY,
]


def test_what_customers_can_do_is_not_answered_by_what_you_do() -> None:
    matcher = Matcher(RETENTION, concepts=False)
    assert held_back(matcher, "Can we configure data retention?", "RET-POL-01") == (
        "the question asks what customers can do; the entry says what you do"
    )
    # What the vendor can do for them, and a wording naming them, may answer it.
    (best, *_) = matcher.match("Can we place a legal hold on our data?")
    assert (best.entry_id, best.explanation.guard) == ("RET-HOLD-01", None)
    (best, *_) = matcher.match("Can we run our own penetration tests?")
    assert (best.entry_id, best.explanation.guard) == ("VUL-CUST-01", None)
    # A terse row asks so too; the wording naming customers answers it.
    pen = approved(
        "VUL-PEN-01",
        "Do you have independent penetration tests performed?",
        "Yes, at least annually",
    )
    assert held_back(
        Matcher([pen, POLICY], concepts=False), "Customer pen testing permitted?", "VUL-PEN-01"
    ) == ("the question asks what customers can do; the entry says what you do")
    (best, *_) = Matcher([pen, *RETENTION], concepts=False).match("Customer pen testing allowed?")
    assert (best.entry_id, best.explanation.guard) == ("VUL-CUST-01", None)
    # Asking to be given something is another guard's (given_to_customers).
    assert (
        customers_able(
            tokens("Can we get a copy of your retention policy?"),
            tokens("Do you have a data retention and deletion policy?"),
            set,
            lambda word: (word,),
        )
        is None
    )


def test_an_impersonal_wording_answers_what_customers_can_do_only_naming_them() -> None:
    bank = [
        approved(
            "SDL-TEST-01",
            "Are releases tested before they reach production?",
            detail="A change is releasable only when it passes review and the test suite.",
        ),
        approved(
            "IAM-SESS-01",
            "Do user sessions time out after inactivity?",
            detail="Idle sessions end after a period the tenant administrator can set.",
        ),
        POLICY,
    ]
    matcher = Matcher(bank, concepts=False)
    assert held_back(
        matcher,
        "Can we test new releases in a sandbox before they reach production?",
        "SDL-TEST-01",
    ) == ("the question asks what customers can do; the entry says what you do")
    (sessions, *_) = matcher.match("Can we configure when user sessions time out?")
    assert sessions.entry_id == "IAM-SESS-01"
    assert sessions.explanation.guard != (
        "the question asks what customers can do; the entry says what you do"
    )


PREVENTED = [
    approved(
        "LOG-PROTECT-01",
        "Are logs protected from tampering and deletion?",
        detail="Logs are written to a separate account with immutable retention.",
        alternates=("Are audit logs protected from modification and deletion by administrators?",),
    ),
    approved(
        "AST-MEDIA-01",
        "Is the use of removable storage such as USB drives blocked on company devices?",
        detail="Device management blocks writing to USB mass storage for every employee.",
    ),
    POLICY,
]


def test_what_people_may_do_is_not_answered_by_a_statement_keeping_it_from_being_done() -> None:
    matcher = Matcher(PREVENTED, concepts=False)
    reason = "the question asks what people may do; the entry says what is kept from being done"
    assert (
        held_back(matcher, "Can administrators delete or modify audit logs?", "LOG-PROTECT-01")
        == reason
    )
    assert held_back(matcher, "Can employees use USB storage devices?", "AST-MEDIA-01") == reason
    # Asked whether it is kept from being done, the statement answers.
    (asked, *_) = matcher.match("Are audit logs protected from modification by administrators?")
    assert (asked.entry_id, asked.band) == ("LOG-PROTECT-01", "auto")


def test_prevention_is_read_in_the_wording_that_matched_of_a_closed_statement() -> None:
    asked = tokens("Can administrators delete audit logs?")
    assert people_prevented(asked, tokens("Are logs protected from deletion?"), "Yes")
    assert people_prevented(asked, tokens("Are logs protected from deletion?"), "No")
    assert people_prevented(asked, tokens("How are logs protected?"), "Immutable storage") is None
    assert people_prevented(asked, tokens("Are admin actions logged?"), "Yes") is None
    # Not what people may do.
    assert (
        people_prevented(tokens("Are audit logs kept?"), tokens("Are logs protected?"), "Yes")
        is None
    )


JOINED = [
    approved(
        "INC-TEST-01",
        "Is the incident response plan tested?",
        "Yes, at least annually",
        detail="Tabletop exercises run every year with engineering and leadership.",
    ),
    approved(
        "INC-CUST-02",
        "Do you invite customers to take part in incident response exercises?",
        detail="Customers on enterprise plans may join the yearly tabletop exercise.",
    ),
    POLICY,
]


def test_what_you_do_with_customers_is_not_answered_by_what_you_do_alone() -> None:
    matcher = Matcher(JOINED[::2], concepts=False)
    reason = "the question asks of what you do with customers; the entry never names them"
    for asked in (
        "Do you run incident response tabletop exercises jointly with customers?",
        "Is the incident response plan tested together with customers?",
        "Is there an incident response plan, and has it been tested together with us?",
    ):
        assert held_back(matcher, asked, "INC-TEST-01") == reason, asked


def test_a_statement_naming_the_customers_speaks_of_doing_it_with_them() -> None:
    matcher = Matcher(JOINED, concepts=False)
    (best, *_) = matcher.match("Do you run incident response exercises jointly with customers?")
    assert best.entry_id == "INC-CUST-02"
    assert best.explanation.guard is None
    # Done with customers only when the question says so together: sharing with them is giving.
    said = {"customer", "test"}
    assert (
        customers_joined(
            tokens("Do you share test results with customers?"),
            lambda: set(),
            lambda w: ("customer",),
        )
        is None
    )
    assert (
        customers_joined(
            tokens("Do you test jointly with customers?"), lambda: said, lambda w: ("customer",)
        )
        is None
    )


WORKFORCE = [
    approved(
        "IAM-PWD-01",
        "Do you enforce a strong password policy?",
        "Yes",
        detail="Workforce passwords must be at least 12 characters and are checked against "
        "lists of breached passwords.",
        alternates=("What are your password complexity and length requirements?",),
    ),
    approved(
        "IAM-SESS-01",
        "Do user sessions time out after inactivity?",
        "Yes",
        detail="The product ends idle sessions after a period the tenant administrator sets.",
    ),
    POLICY,
]


def test_the_products_users_are_not_the_workforce() -> None:
    matcher = Matcher(WORKFORCE, concepts=False)
    for asked, named in (
        (
            "What are your password complexity and length requirements for application accounts?",
            "application accounts",
        ),
        ("Password complexity requirements for end users", "end users"),
        ("Password complexity requirements for users of the platform", "users of the platform"),
        ("Do you enforce password complexity and length for our users?", "our users"),
    ):
        assert held_back(matcher, asked, "IAM-PWD-01") == (
            f"the question asks of {named}; the entry speaks of the workforce"
        ), asked
    # Asked of the workforce, or of no one, the workforce's rules answer.
    for asked in (
        "What are your password complexity and length requirements for employees?",
        "What are your password complexity and length requirements?",
    ):
        (best, *_) = matcher.match(asked)
        assert best.entry_id == "IAM-PWD-01" and best.explanation.guard is None, asked
    # A statement speaking of users may answer for the product's.
    (best, *_) = matcher.match("Do application user sessions time out after inactivity?")
    assert best.entry_id == "IAM-SESS-01" and best.explanation.guard is None
    both = [
        replace(
            WORKFORCE[0],
            detail="Workforce and customer user passwords must be at least 12 characters.",
        ),
        WORKFORCE[2],
    ]
    (best, *_) = Matcher(both, concepts=False).match(
        "What are your password complexity and length requirements for application accounts?"
    )
    assert best.entry_id == "IAM-PWD-01" and best.explanation.guard is None
    # Accounts named as the workforce's are no users of the product.
    leavers = [
        replace(
            WORKFORCE[0],
            detail="Workforce passwords are rotated and accounts closed at the end of employment.",
        ),
        WORKFORCE[2],
    ]
    assert held_back(
        Matcher(leavers, concepts=False),
        "What are your password complexity and length requirements for end users?",
        "IAM-PWD-01",
    ) == ("the question asks of end users; the entry speaks of the workforce")


def test_what_customers_can_require_does_not_say_it_is_required() -> None:
    bank = [
        approved(
            "IAM-MFA-02",
            "Can customers require multi-factor authentication for their users?",
            detail="Tenant administrators can make MFA mandatory for every user.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(bank, concepts=False)
    assert held_back(
        matcher, "Is multi-factor authentication enforced for all users?", "IAM-MFA-02"
    ) == ("the question asks whether it is required; the entry says customers can require it")
    asked = tokens("Is MFA required for all users?")
    can = tokens("Can customers require MFA for their users?")
    assert customers_may(asked, can) is not None
    # Asked of the customers, or answered by what the vendor requires, it is not read.
    assert customers_may(tokens("Is MFA required for our users?"), can) is None
    assert customers_may(asked, tokens("Is MFA required for all employees?")) is None
    assert customers_may(asked, tokens("Can you require MFA for all employees?")) is None
    assert customers_may(tokens("Is MFA supported for all users?"), can) is None
    assert customers_may(tokens("Are password requirements documented?"), can) is None
    # "Their" is as often the users' own: the question is still put to every user.
    assert customers_may(tokens("Is MFA enforced for all users and their devices?"), can)
    # A closed question of another opening, or a wording saying what customers do.
    assert customers_may(tokens("Do you require MFA for all users?"), can) is None
    assert customers_may(asked, tokens("Do customers require MFA for their users?")) is None
