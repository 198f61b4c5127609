"""A kind of a thing a question asks of (custom, dedicated, unique) must be said to be answered."""

from __future__ import annotations

from dataclasses import replace

from app.core.bank import Entry
from app.core.matching import Matcher
from app.core.normalise import Normaliser, shipped_thesaurus
from app.core.qualifiers import exceptions_unsaid, key_kind_unsaid, kind_unsaid, state_undone
from tests.core.statements import held_back


def approved(entry_id: str, question: str, answer: str = "Yes", detail: str = "") -> Entry:
    return Entry(id=entry_id, question=question, answer=answer, detail=detail, status="approved")


ROLES = [
    approved(
        "IAM-RBAC-02",
        "Can customer administrators assign roles and permissions to their users?",
        detail="Tenant administrators assign built-in roles such as administrator and viewer.",
    ),
    approved(
        "CRY-REST-01",
        "Is customer data encrypted at rest?",
        detail="All customer data is encrypted at rest with AES-256.",
    ),
    approved("GOV-POL-01", "Do you have an information security policy?"),
]


def test_a_kind_the_statement_never_names_is_not_answered_yes() -> None:
    matcher = Matcher(ROLES, concepts=False)
    for asked, entry_id, word in (
        (
            "Can customer administrators define custom roles for their users?",
            "IAM-RBAC-02",
            "custom",
        ),
        ("Is data encrypted at rest using keys unique to each customer?", "CRY-REST-01", "unique"),
    ):
        (best, *_) = matcher.match(asked)
        assert best.entry_id == entry_id, asked
        assert best.band != "auto", asked
        assert best.explanation.guard == (
            f"the question asks of '{word}' ones; the entry never says '{word}'"
        )
    (plain, *_) = matcher.match("Can customer administrators assign roles to their users?")
    assert (plain.entry_id, plain.band) == ("IAM-RBAC-02", "auto")


def test_a_statement_saying_the_kind_answers() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    said = {"custom", "role"}
    assert kind_unsaid(normalise("can we define custom roles"), lambda: said) is None
    assert kind_unsaid(normalise("can we define roles"), lambda: set()) is None
    assert kind_unsaid(normalise("is there a dedicated hsm"), lambda: said) == (
        "the question asks of 'dedicated' ones; the entry never says 'dedicated'"
    )


def test_whether_a_practice_can_be_undone_is_not_answered_by_its_yes() -> None:
    matcher = Matcher(ROLES, concepts=False)
    for asked, word in (
        ("Can customers disable encryption at rest for their tenant?", "disable"),
        ("Encryption at rest optional?", "optional"),
    ):
        (best, *_) = matcher.match(asked)
        assert best.entry_id == "CRY-REST-01", asked
        assert best.band != "auto", asked
        assert best.explanation.guard == (
            f"the question asks whether it can be undone ('{word}'); the entry never says so"
        )


def test_undoing_said_by_the_statement_or_done_as_the_practice_answers() -> None:
    opt_out = [
        approved(
            "AI-OPTOUT-01",
            "Can customers turn off AI features?",
            detail="Tenant administrators can disable every AI feature.",
        ),
        approved(
            "IAM-DEPROV-01",
            "Are accounts of leavers disabled within one business day?",
            "Yes, within one business day",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(opt_out, concepts=False)
    (said, *_) = matcher.match("Can we switch off the AI features?")
    assert (said.entry_id, said.explanation.guard) == ("AI-OPTOUT-01", None)
    # Disabling a leaver's account is the practice asked of, not its undoing.
    (done, *_) = matcher.match("Are leavers' accounts disabled promptly?")
    assert done.entry_id == "IAM-DEPROV-01"
    assert "undone" not in (done.explanation.guard or "")


def test_a_device_the_statement_never_speaks_of_is_not_answered() -> None:
    endpoints = [
        *ROLES,
        approved(
            "AST-EP-06",
            "Do managed endpoints lock automatically after inactivity?",
            detail="Screens lock after 5 minutes on every managed endpoint.",
        ),
    ]
    matcher = Matcher(endpoints, concepts=False)
    (best, *_) = matcher.match("Is customer data encrypted at rest on employee laptops?")
    assert best.entry_id == "CRY-REST-01"
    assert best.band != "auto"
    assert (
        best.explanation.guard == "the question asks of 'laptops'; the entry never speaks of them"
    )
    # A statement on endpoints in general speaks of laptops.
    (general, *_) = matcher.match("Do laptops lock automatically after inactivity?")
    assert general.entry_id == "AST-EP-06"
    assert "never speaks of them" not in (general.explanation.guard or "")


def test_a_statement_naming_another_device_does_not_speak_of_this_one() -> None:
    laptops = [
        *ROLES,
        Entry(
            id="AST-EP-09",
            question="Are laptop hard drives encrypted?",
            alternates=("Are managed endpoints encrypted?",),
            answer="Yes",
            status="approved",
        ),
    ]
    matcher = Matcher(laptops, concepts=False)
    assert (
        held_back(matcher, "Is full disk encryption enforced on mobile phones?", "AST-EP-09")
        == "the question asks of 'mobile'; the entry never speaks of them"
    )
    (laptop, *_) = matcher.match("Are laptop hard drives encrypted?")
    assert (laptop.entry_id, laptop.band) == ("AST-EP-09", "auto")


def test_servers_are_not_answered_by_a_statement_on_peoples_devices() -> None:
    endpoints = [
        *ROLES,
        approved(
            "AST-EP-10",
            "Do endpoints run endpoint detection and response software?",
            detail="Every managed laptop runs an endpoint detection and response agent.",
        ),
        approved(
            "VUL-PATCH-01",
            "Are systems patched within defined timelines?",
            detail="Critical patches are applied within 7 days.",
        ),
    ]
    matcher = Matcher(endpoints, concepts=False)
    for asked, word in (
        ("Is endpoint detection and response software installed on production hosts?", "hosts"),
        ("Do production servers run endpoint detection and response software?", "servers"),
    ):
        assert held_back(matcher, asked, "AST-EP-10") == (
            f"the question asks of '{word}'; the entry speaks of people's devices only"
        ), asked
    # A statement naming no device may speak of every system, one naming servers of them.
    (patched, *_) = matcher.match("Are production servers patched within defined timelines?")
    assert patched.entry_id == "VUL-PATCH-01" and patched.explanation.guard is None
    both = [
        replace(endpoints[-2], detail="Every managed laptop and production server runs an agent."),
        endpoints[-1],
    ]
    (best, *_) = Matcher(both, concepts=False).match(
        "Do production servers run endpoint detection and response software?"
    )
    assert best.entry_id == "AST-EP-10" and best.explanation.guard is None
    # "Hosted" says where, not on what.
    (hosted, *_) = matcher.match("Is endpoint detection and response software hosted in the EU?")
    assert "people's devices" not in (hosted.explanation.guard or "")


def test_undoing_on_any_one_is_not_answered_by_the_practice() -> None:
    lock = [
        *ROLES,
        approved(
            "AST-EP-07",
            "Do company devices lock automatically when left unattended?",
            detail="Managed laptops lock after 5 minutes of inactivity.",
        ),
    ]
    assert held_back(
        Matcher(lock, concepts=False),
        "Is automatic screen lock disabled on any company devices?",
        "AST-EP-07",
    ) == ("the question asks whether it can be undone ('disable'); the entry never says so")


UNDONE = [
    *ROLES,
    approved(
        "BCP-DR-01",
        "Do you have a disaster recovery plan?",
        detail="The plan describes how the service is restored in another region.",
    ),
    approved(
        "PHY-ACCESS-01",
        "Is physical access to secure areas limited to authorized personnel?",
        detail="Badges admit only staff whose role needs the area.",
    ),
]


def test_the_undone_state_of_what_a_statement_says_is_done_is_not_answered_yes() -> None:
    matcher = Matcher(UNDONE, concepts=False)
    assert (
        held_back(matcher, "Is any customer data stored unencrypted at rest?", "CRY-REST-01")
        == "the question asks of 'unencrypted'; the entry says it is encrypted"
    )
    assert (
        held_back(
            matcher, "Has your disaster recovery plan gone untested in the last year?", "BCP-DR-01"
        )
        == "the question asks of 'untested'; the entry never speaks of it"
    )


def test_keeping_the_undone_state_away_is_the_practice_itself() -> None:
    matcher = Matcher(UNDONE, concepts=False)
    (best, *_) = matcher.match(
        "Is physical access to secure areas restricted to prevent unauthorized entry?"
    )
    assert best.entry_id == "PHY-ACCESS-01"
    assert "the question asks of 'unauthorized'" not in (best.explanation.guard or "")
    normalise = Normaliser(shipped_thesaurus()).normalise
    # Not an undoing: too short after the prefix, or "under".
    assert state_undone(normalise("is the data united"), normalise("data united"), set) is None
    assert state_undone(normalise("is data underused"), normalise("is data used"), set) is None


KEYS = [
    approved(
        "CRY-ROT-01",
        "Are encryption keys rotated?",
        detail="Data-encryption master keys rotate automatically every year.",
    ),
    approved(
        "CRY-KEYGEN-01",
        "Are keys protected by hardware security modules?",
        "In a managed, HSM-backed key service",
        "Keys are generated inside the key service's hardware security modules.",
    ),
    approved(
        "SDL-SECRETS-01",
        "How do you keep secrets such as API keys out of source code?",
        "Secrets manager plus repository secret scanning",
        "Secret scanning runs on every push.",
    ),
]


def test_a_kind_of_key_the_statement_never_names_is_not_answered() -> None:
    matcher = Matcher(KEYS, concepts=False)
    for asked, entry_id, kind in (
        ("Are SSH host keys rotated?", "CRY-ROT-01", "ssh"),
        (
            "Are code-signing private keys stored in a hardware security module?",
            "CRY-KEYGEN-01",
            "signing",
        ),
    ):
        assert held_back(matcher, asked, entry_id) == (
            f"the question asks of {kind} keys; the entry never says '{kind}'"
        ), asked
    # Keys in general, keys of no kind, or a kind the statement says: answered.
    for asked, entry_id in (
        ("Are encryption keys rotated?", "CRY-ROT-01"),
        ("Are encryption keys stored in an HSM?", "CRY-KEYGEN-01"),
        ("Is source code scanned for hard-coded secrets such as API keys?", "SDL-SECRETS-01"),
    ):
        (best, *_) = matcher.match(asked)
        assert (best.entry_id, best.band) == (entry_id, "auto"), asked


def test_only_the_words_right_before_keys_name_their_kind() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    for asked in (
        "Is access to encryption keys restricted?",
        "Are keys used for SSH logins?",
        "Do you host keys in a hardware security module?",
    ):
        assert key_kind_unsaid(normalise(asked), lambda: set()) is None, asked


def test_exceptions_to_a_practice_are_not_answered_by_the_practice() -> None:
    exceptions = approved(
        "GOV-EXC-01",
        "Is there a process for exceptions to security policies?",
        detail="Exceptions are approved by the policy owner for a limited period.",
    )
    matcher = Matcher([*ROLES, exceptions], concepts=False)
    for asked, word in (
        ("List any exceptions to your encryption-at-rest policy.", "exceptions"),
        ("Does encryption at rest have exclusions?", "exclusions"),
    ):
        assert held_back(matcher, asked, "CRY-REST-01") == (
            f"the question asks of '{word}'; the entry never speaks of any"
        ), asked
    # Exceptions spoken of, or none asked of ("without exception"): answered.
    (process, *_) = matcher.match("How are exceptions to security policies approved?")
    assert (process.entry_id, process.explanation.guard) == ("GOV-EXC-01", None)
    for every in (
        "Is customer data encrypted at rest without exception?",
        "Is customer data encrypted at rest, with zero exceptions?",
        "Is customer data encrypted at rest without any exclusions?",
        "Is all customer data encrypted at rest, excluding public content?",
    ):
        (found, *_) = matcher.match(every)
        assert (found.entry_id, found.explanation.guard) == ("CRY-REST-01", None), every
    # Exclusions and exemptions spoken of answer too.
    exempt = approved(
        "CRY-REST-02",
        "Is customer data encrypted at rest?",
        detail="No system is exempt: every store holding customer data is encrypted.",
    )
    (spoken, *_) = Matcher([exempt, ROLES[2]], concepts=False).match(
        "Does encryption at rest have exclusions?"
    )
    assert spoken.entry_id == "CRY-REST-02"
    assert "never speaks of any" not in (spoken.explanation.guard or "")


def test_a_deployment_the_statement_never_speaks_of_is_not_answered() -> None:
    matcher = Matcher(ROLES, concepts=False)
    for asked, kind in (
        ("Is data encrypted at rest in on-premise deployments of your product?", "on-premise"),
        ("Is customer data encrypted at rest in self-hosted installations?", "self-hosted"),
        ("Is customer data encrypted at rest on premises?", "on-premise"),
    ):
        assert held_back(matcher, asked, "CRY-REST-01") == (
            f"the question asks of {kind} deployments; the entry never speaks of them"
        ), asked
    # A statement speaking of on-premise deployments may answer.
    on_premise = approved(
        "CRY-REST-02",
        "Is data encrypted at rest in on-premise deployments?",
        detail="On-premise installations encrypt their database with a key the customer holds.",
    )
    (best, *_) = Matcher([on_premise, *ROLES], concepts=False).match(
        "Is data encrypted at rest in on-premise deployments of your product?"
    )
    assert (best.entry_id, best.explanation.guard) == ("CRY-REST-02", None)


def test_the_words_asking_of_exceptions_and_those_saying_there_are_none() -> None:
    normalise = Normaliser(shipped_thesaurus()).normalise
    for row, word in (
        ("Which systems are excluded from vulnerability scanning?", "excluded"),
        ("List the exclusions from your backup policy.", "exclusions"),
        ("Are there exceptions to the password policy?", "exceptions"),
    ):
        assert exceptions_unsaid(normalise(row), set) == (
            f"the question asks of '{word}'; the entry never speaks of any"
        ), row
    for row in (
        "Is MFA enforced with no exceptions?",
        "Are all laptops encrypted, with zero exceptions?",
        "Is MFA enforced without any exceptions?",
        "Is all data encrypted, excluding public content?",
    ):
        assert exceptions_unsaid(normalise(row), set) is None, row
    # A statement speaking of exemptions speaks of exceptions.
    asked = normalise("Are there exceptions to the password policy?")
    assert exceptions_unsaid(asked, lambda: {"exempt"}) is None
