"""Who a question and a statement speak of: the vendor answering, or its customers.

"Can customers manage their own encryption keys?", answered No, says the product offers no
customer-managed keys; "Do you manage your own encryption keys?" asks whether the vendor does,
and a No there would say it does not. A statement whose wording is about what customers do is
not the answer to a question put to the vendor that never names customers. A customer's own
question ("Can *we* manage our own keys?") names them in its own words. Nor is a question
asking what customers must do themselves ("Must the customer enable encryption at rest?")
answered by what the vendor does, nor one asking of what customers own ("keys held in *the
customer's own* KMS") by a statement about the vendor's practice that never says "own".

The other way round, "Do you share vulnerability scan results with customers?" asks what the vendor
gives its customers, and how often it scans says nothing of that (what its suppliers do is read in
suppliers.py). "Can employees install software on their laptops?" asks what its staff may do, and
the anti-malware its laptops run says nothing of that. "Are AI outputs reviewed *by a human*?" asks
who does it, and automated checks of the output are not a person's review.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.entry_says import yes_or_no
from app.core.normalise import stem

_ASKING = frozenset(
    ("can", "do", "does", "is", "are", "will", "may", "must", "have", "has", "could", "should")
)
_CUSTOMERS = frozenset(
    ("customer", "customers", "client", "clients", "tenant", "tenants", "subscriber", "subscribers")
)
# Words by which a question names the customers: the customer asking speaks of itself as "we".
_NAMING_CUSTOMERS = _CUSTOMERS | frozenset(("we", "us", "our", "ours", "their", "they"))
_VENDOR = frozenset(("you", "your"))


# Words before a closed question's subject: "Do *your* vendors …", "Are *all* subprocessors …".
DETERMINERS = frozenset(("your", "the", "all", "any", "each", "every", "our", "its"))
# Words picking some of them out: "Do *any of your* employees …", "Have *all of the* staff …".
SOME_OF = frozenset(("any", "all", "each", "some", "none", "either", "both"))


def subject_of(surface: Sequence[str], *, past_determiner: bool = True) -> str | None:
    """Return the word a closed question puts its verb to ("*Can* customers …" → customers).

    `past_determiner`: read past "your", "the", "all", "any of your" … to the noun ("Do your
    *vendors* …", "Have any of your *subprocessors* …"); without it, "Does *your* company …" is
    put to the vendor ("your").
    """
    words = [w.casefold() for w in surface[:5]]
    if len(words) < 2 or words[0] not in _ASKING:
        return None
    if not past_determiner:
        return words[1]
    at = 1
    if len(words) > 4 and words[1] in SOME_OF and words[2] == "of" and words[3] in DETERMINERS:
        at = 4
    elif words[1] in DETERMINERS and len(words) > 2:
        at = 2
    # "Do *sub*-processors …": the prefix is written apart.
    if words[at] == "sub" and at + 1 < len(surface):
        return surface[at + 1].casefold()
    return words[at]


def customers_for_vendor(asked: Sequence[str], wording: Sequence[str]) -> str | None:
    """Say so when a statement about customers meets a question put to the vendor alone.

    Or to the vendor's own people: "Do any of your *employees* have access to customer
    encryption keys?" is not answered No by "Can *customers* manage their own encryption keys?",
    whichever else the question names.
    """
    stated = subject_of(wording)
    if stated not in _CUSTOMERS:
        return None
    staff = subject_of(asked)
    if staff in _STAFF and "your" in (w.casefold() for w in asked[:5]):
        return f"the entry says what customers can do; the question asks about your {staff}"
    if subject_of(asked, past_determiner=False) not in _VENDOR:
        return None
    if any(w.casefold() in _NAMING_CUSTOMERS for w in asked):
        return None
    return "the entry says what customers can do; the question asks what you do"


# How a question asks what customers must do themselves: "*Must* the customer enable …", "Do
# customers *need to* …", "Is the customer *responsible for* …".
_DUTY_MODALS = frozenset(("must", "should"))
_DUTY_WORDS = frozenset(
    stem(w) for w in ("need", "needs", "required", "responsible", "expected", "obliged")
)
# What follows "customer" when it names their things, not them acting ("customer data").
_OWNED = frozenset(stem(w) for w in ("data", "information", "content", "records", "account"))


def customers_duty(
    asked: Sequence[str], wording: Sequence[str], said: Callable[[], set[str]]
) -> str | None:
    """Say so when a question asks what customers must do and the statement says what you do.

    "Must the customer enable encryption at rest manually?" answered Yes by "Is customer data
    encrypted at rest?" would say it is left to the customer. A statement putting the customers
    themselves to its verb ("Can customers manage their own keys?") or speaking of what falls
    to them (`said`: "responsibility", "shared") may answer it.
    """
    subject = subject_of(asked)
    if subject not in _CUSTOMERS:
        return None
    words = [w.casefold() for w in asked]
    at = words.index(subject)
    after = [stem(w) for w in words[at + 1 : at + 4]]
    if words[0] not in _DUTY_MODALS and not _DUTY_WORDS & set(after):
        return None
    stated = subject_of(wording)
    if stated in _CUSTOMERS:
        following = [w.casefold() for w in wording]
        position = following.index(stated)
        if position + 1 >= len(following) or stem(following[position + 1]) not in _OWNED:
            return None
    if {stem("responsibility"), stem("shared")} & said():
        return None
    return f"the question asks what {subject} must do; the entry says what you do"


# How a question asks what customers may do themselves: "*Can we* configure data retention?",
# "*Can our* administrators enforce MFA?".
_ABLE_MODALS = frozenset(("can", "could", "may"))
# The customers as a question names them when it asks what they do or own: "*we*", "*our*".
_CUSTOMERS_AS_WE = _CUSTOMERS | frozenset(("we", "our"))
# What customers ask to be given rather than to do ("*Can we get* a copy …?"): what the vendor
# gives answers it (given_to_customers).
_RECEIVING = frozenset(
    stem(w)
    for w in (
        "get", "obtain", "receive", "request", "see", "review", "have", "access", "download",
        "view", "read", "audit", "ask", "expect", "rely",
    )
)  # fmt: skip


def customers_able(
    asked: Sequence[str],
    wording: Sequence[str],
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
) -> str | None:
    """Say so when a question asks what customers can do and the wording says what you do.

    "Can we configure data retention?" is not answered Yes by "Do you have a data retention and
    deletion policy?": the vendor's policy says nothing of what its customers may set. A wording
    naming the customers ("Do you allow customers to run their own penetration tests?"), or
    saying what the vendor can do for them, may answer it. An impersonal wording ("How are
    releases tested before they reach production?") says what is done, by the vendor as often
    as not: it answers only when the statement names the customers somewhere (`said`: its
    wordings, answer and detail; "idle sessions end after a period the *tenant* administrator
    can set"). A terse row asks so too: "Customer pen testing permitted?".
    """
    words = [w.casefold() for w in asked]
    # A terse row naming what customers do and asking whether it is allowed: "Customer pen
    # testing permitted?".
    terse = len(words) >= 3 and words[0] in _CUSTOMERS and words[-1] in _PERMITTED
    if not terse:
        if len(asked) < 3 or words[0] not in _ABLE_MODALS:
            return None
        subject = subject_of(asked)
        ours = words[1] == "our"
        if subject not in _CUSTOMERS_AS_WE and not ours:
            return None
        at = words.index(subject) if subject in words else 1
        if at + 1 >= len(words) or stem(words[at + 1]) in _RECEIVING:
            return None
    # What the vendor does ("Do you have …"), not what it can do for them ("Can you preserve
    # data under a legal hold?" answers "Can we place a legal hold on our data?").
    opening = wording[0].casefold() if wording else ""
    if opening in _ABLE_MODALS or opening in ("will", "would"):
        return None
    stated = {w.casefold() for w in wording}
    if subject_of(wording, past_determiner=False) in _VENDOR:
        if stated & _NAMING_CUSTOMERS:
            return None
    elif stated & _CUSTOMERS or {t for w in _CUSTOMERS for t in terms(w)} & said():
        # Its "they" and "their" are the things it speaks of ("before *they* reach production").
        return None
    return "the question asks what customers can do; the entry says what you do"


# How a terse row asks whether something is allowed.
_PERMITTED = frozenset(("permitted", "allowed"))


# How a question asks that a thing be done without fail: "Is MFA *enforced* for all users?".
# As written: "password *requirements*" asks of what they are, not whether a thing is required.
_REQUIRED = frozenset(("enforced", "required", "mandatory", "compulsory"))


def customers_may(asked: Sequence[str], wording: Sequence[str]) -> str | None:
    """Say so when a question asks whether a thing is required and the wording says customers
    can require it.

    "Is MFA enforced for all users, including administrators?" is not answered Yes by "Can
    customers require multi-factor authentication for their users?": each customer may, and
    the Yes would say every user must. A question naming the customers ("Can we enforce
    MFA?", "Is MFA enforced for our users?") asks of what they may do, which it answers.
    """
    words = [w.casefold() for w in asked]
    if len(words) < 3 or words[0] not in ("is", "are"):
        return None
    # The customers as the question names them ("our users"): not "their", which is as often
    # the users' own ("all users and their devices").
    if _REQUIRED.isdisjoint(words) or _CUSTOMERS_AS_WE.intersection(words):
        return None
    if not wording or wording[0].casefold() not in _ABLE_MODALS:
        return None
    if subject_of(wording) not in _CUSTOMERS:
        return None
    return "the question asks whether it is required; the entry says customers can require it"


# How a question asks of what the vendor does together with its customers: "tabletop exercises
# *jointly with customers*", "tested *together with us*".
_TOGETHER = frozenset(("jointly", "joint", "together"))
_WITH_CUSTOMERS = _CUSTOMERS | frozenset(("us", "our", "their"))


def customers_joined(
    asked: Sequence[str], said: Callable[[], set[str]], terms: Callable[[str], Sequence[str]]
) -> str | None:
    """Say so when a question asks of what is done with customers and the statement never names them.

    "Do you run incident response tabletop exercises jointly with customers?" is not answered
    by yearly tabletop exercises of the vendor's own: only a statement naming its customers
    (its wordings, answer or detail: `said`) may say they take part.
    """
    words = [w.casefold() for w in asked]
    joined = any(
        w == "with" and _WITH_CUSTOMERS.intersection(words[i + 1 : i + 3])
        for i, w in enumerate(words)
    )
    # "with us" alone is whom a thing is given to or signed with ("Will you sign a DPA with us?").
    if not joined or _TOGETHER.isdisjoint(words):
        return None
    if set(terms("customers")) & said():
        return None
    return "the question asks of what you do with customers; the entry never names them"


_OWN = stem("own")


def customers_own(asked: Sequence[str], said: Callable[[], set[str]]) -> str | None:
    """Say so when a question asks of the customers' own thing and the statement never says "own".

    "Is customer data encrypted at rest using keys held in *the customer's own* cloud KMS?" is
    not answered Yes by "Is customer data encrypted at rest?": the keys it asks of are the
    customer's, which a statement on bring-your-own-key says ("Can customers manage their own
    encryption keys?"). Only an owner the question names as the customers (or "we") is read:
    "your own staff" is the vendor's.
    """
    if "own" not in asked:
        return None
    words = [w.casefold() for w in asked]
    for i in range(1, len(words)):
        if words[i] != "own":
            continue
        owner = words[i - 2] if words[i - 1] == "s" and i > 1 else words[i - 1]
        ours = owner in _CUSTOMERS_AS_WE or (
            owner == "their" and not _CUSTOMERS.isdisjoint(words[:i])
        )
        if ours and _OWN not in said():
            if words[i - 1] == "s":
                owner += "'" if owner.endswith("s") else "'s"
            return f"the question asks of {owner} own; the entry never says 'own'"
    return None


# Verbs by which a question asks whether the vendor gives its customers something.
_GIVING = frozenset(
    stem(w)
    for w in ("share", "provide", "send", "give", "disclose", "supply", "furnish", "deliver")
)
# How far into the question its verb stands: "Will you be able to *share* …".
_VERB_WITHIN = 5
# Whom it is given to, named after the verb: "share … with *us*", "provide *customers* with …".
_RECIPIENTS = frozenset(
    stem(w) for w in ("us", "customer", "customers", "client", "clients", "tenant", "tenants")
)
# What a statement says when it speaks of giving: the verbs, the recipients, or the way of it.
_GIVEN = (
    _GIVING
    | _RECIPIENTS
    | frozenset(stem(w) for w in ("available", "request", "copy", "publish", "public"))
)


# How a request is put as a question, in stems: "*Can you* provide …", "*Will you* share …".
_ASKING_YOU = frozenset((stem(modal), stem("you")) for modal in ("can", "could", "will", "would"))


def _asks_for(stems: Sequence[str], giving: int) -> bool:
    """Tell whether a question's giving verb asks for something outright ("Can you provide …")."""
    return giving == 2 and tuple(stems[:2]) in _ASKING_YOU


def given_to_customers(asked_stems: Sequence[str], said: Callable[[], set[str]]) -> str | None:
    """Say so when a question asks what the vendor gives its customers and the entry never says.

    "Will you provide your risk assessment results to us?" is not answered by how often risk is
    assessed: the statement must speak of giving it (sharing, a copy, on request) or of the
    customers it goes to, in any wording, its answer or its detail (`said`).
    """
    # The question's own verb: "Will you *share* …", not "… systems used to *provide* services
    # to customers".
    giving = next((i for i, s in enumerate(asked_stems[:_VERB_WITHIN]) if s in _GIVING), None)
    if giving is None:
        return None
    if not _RECIPIENTS & set(asked_stems[giving + 1 :]) and not _asks_for(asked_stems, giving):
        return None
    if _GIVEN & said():
        return None
    return "the question asks what you give customers; the entry says only what you do"


# How a question asks what someone may do, and the people it may ask it of: "Can *employees*
# install software?".
_MAY = frozenset(("can", "may", "could"))
_PEOPLE = frozenset(
    (
        "employees",
        "staff",
        "personnel",
        "workforce",
        "contractors",
        "developers",
        "engineers",
        "administrators",
        "admins",
        "users",
        "managers",
    )
)
# The vendor's own people, as a question names them after "your": "Do any of your *employees* …".
# Not its "users", who are its customers' people.
_STAFF = (_PEOPLE - {"users"}) | {"people"}
# Anyone a question may ask it of: "Can *anyone* with admin rights switch off logging?".
_ANYONE = _PEOPLE | {"anyone", "someone", "people"}


def people_unnamed(
    asked: Sequence[str], said: Callable[[], set[str]], terms: Callable[[str], Sequence[str]]
) -> str | None:
    """Say so when a question asks what people may do and the statement never names them.

    `said`: all the statement says (its wordings, answer and detail); `terms`: how the matcher
    folds words ("staff" and "employees" are one "personnel").
    """
    # Only what they may do: "Do employees sign NDAs?" is answered by a framework's impersonal
    # "Are non-disclosure agreements required …?".
    if not asked or asked[0].casefold() not in _MAY:
        return None
    subject = subject_of(asked)
    if subject not in _PEOPLE:
        return None
    named = set(terms(subject))
    if not named or named & said():
        return None
    return f"the question asks what {subject} may do; the entry never names them"


# How a question names the people who use the product: "*end users*", "*application
# accounts*", "*customer* accounts", "*users of the platform*" (the customer asking says "*our*
# users").
_PRODUCT_SIDE = _CUSTOMERS | frozenset(("application", "app", "platform", "end", "our"))
_USERS = frozenset(("user", "users", "account", "accounts"))
_OF_PRODUCT = frozenset(("application", "app", "platform", "product", "service", "portal", "saas"))
# The words by which a statement speaks of the product's users, as the matcher folds them ("tenant"
# is the cloud service customer). Not "account" or "end": "accounts are disabled at the *end* of
# employment" speaks of the workforce.
_USERS_SAID = frozenset(("user", "customer", "csc"))


def _names_product_users(asked: Sequence[str]) -> str | None:
    """Return the words by which a question names the product's users, if it does."""
    words = [w.casefold() for w in asked]
    for i, (word, following) in enumerate(zip(words, words[1:], strict=False)):
        if following in _USERS and word in _PRODUCT_SIDE:
            return f"{word} {following}"
        if word in ("users", "accounts") and following == "of":
            named = [w for w in words[i + 2 : i + 5] if w in _OF_PRODUCT]
            if named:
                return f"{word} of the {named[0]}"
    return None


def users_for_workforce(
    asked: Sequence[str], said: Callable[[], set[str]], terms: Callable[[str], Sequence[str]]
) -> str | None:
    """Say so when a question asks of the product's users and the statement of the workforce.

    "What are your password complexity and length requirements for *application accounts*?" is
    not answered by a statement whose detail sets the rules for "*Workforce* passwords": the
    product's users are the customers' people, whose rules the vendor's own do not say. A
    statement naming users or customers anywhere (`said`: its wordings, answer and detail) may
    speak of them; one naming neither them nor the workforce (as the matcher folds it, `terms`)
    says nothing of whom.
    """
    named = _names_product_users(asked)
    if named is None:
        return None
    stated = said()
    if stated.isdisjoint(terms("workforce")) or not _USERS_SAID.isdisjoint(stated):
        return None
    return f"the question asks of {named}; the entry speaks of the workforce"


# Words by which a statement says a thing is kept from being done: "Are logs *protected from*
# tampering and deletion?", "Is USB storage *blocked*?".
_PREVENTING = frozenset(
    stem(w) for w in ("prevent", "protect", "block", "prohibit", "forbid", "immune", "cannot")
)


def people_prevented(asked: Sequence[str], wording: Sequence[str], answer: str) -> str | None:
    """Say so when a question asks what people may do and a closed statement says it is prevented.

    "Can administrators delete or modify audit logs?" shares its words with "Are logs protected
    from tampering and deletion?", whose Yes says they cannot: written in the cell, it would say
    they can. Its No would not say they can either. `wording`: the wording that matched.
    """
    if not asked or asked[0].casefold() not in _MAY or subject_of(asked) not in _ANYONE:
        return None
    if yes_or_no(answer) is None:
        return None
    stems = {stem(w.casefold()) for w in wording}
    if stems.isdisjoint(_PREVENTING):
        return None
    return "the question asks what people may do; the entry says what is kept from being done"


# Who may do what a question asks ("reviewed *by a human*", "performed *by an internal team*"):
# the words naming an agent after "by". Others after "by" say how ("by default", "by design").
_AGENTS = frozenset(
    (
        "human",
        "humans",
        "person",
        "people",
        "staff",
        "employee",
        "employees",
        "internal",
        "independent",
        "external",
        "third",
        "management",
        "manager",
        "managers",
        "board",
        "auditor",
        "auditors",
        "team",
        "firm",
        "owner",
        "owners",
        "administrator",
        "administrators",
        "customer",
        "customers",
        "user",
        "users",
        "engineer",
        "engineers",
        "developer",
        "developers",
        "reviewer",
        "peer",
        "second",
        "executive",
        "executives",
        "legal",
        "leadership",
        "committee",
        "ciso",
        "dpo",
        # As the thesaurus spells "CISO" and "DPO" out: "… security *officer*".
        "officer",
    )
)
# Words saying which of them: "by *senior* management", "by the *chief information security*
# officer" (as "CISO" may be read), "by *data* owners".
_WHICH_OF_THEM = frozenset(
    ("senior", "top", "dedicated", "named", "security", "chief", "information", "data",
     "protection", "privacy")
)  # fmt: skip
# Words between "by" and its agent: "by *a* human", "by *your own* staff", and those.
_BEFORE_AGENT = _WHICH_OF_THEM | frozenset(
    ("a", "an", "the", "your", "our", "its", "their", "own", "qualified")
)


def agent_unsaid(
    asked: Sequence[str], said: Callable[[], set[str]], terms: Callable[[str], Sequence[str]]
) -> str | None:
    """Say so when a question asks who does something ("by a human") and the entry never says.

    `said`: all the statement says (its wordings, answer and detail); `terms`: how the matcher
    folds words ("staff" and "employees" are one "personnel").
    """
    words = [w.casefold() for w in asked]
    for i, word in enumerate(words[:-1]):
        if word != "by":
            continue
        j = i + 1
        while j < len(words) and words[j] in _BEFORE_AGENT:
            j += 1
        if j == len(words) or words[j] not in _AGENTS:
            continue
        named = named_terms(words[j], terms)
        # Who, named by the question's own subject too ("Is the vulnerability *management* policy
        # approved by senior *management*?"), is said only with which of them it is.
        rest = set(terms(" ".join(words[:i] + words[j + 1 :])))
        which = {t for w in words[i + 1 : j] if w in _WHICH_OF_THEM for t in terms(w)}
        if (named and not named & said()) or (named & rest and which - said()):
            return f"the question asks who does it ('by {' '.join(words[i + 1 : j + 1])}'); the entry never says"
    return None


def named_terms(word: str, terms: Callable[[str], Sequence[str]]) -> set[str]:
    """Return the terms a word naming someone folds to ("third" stands for "third party")."""
    return set(terms("third party" if word == "third" else word))
