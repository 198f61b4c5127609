"""What a question asks of the vendor's suppliers: what they do, own, do with the vendor, or the
risk kept over them.

"Do your vendors undergo penetration testing?" asks what the vendor's suppliers do, not what the
vendor does; "Do you require your sub-processors to conduct annual penetration tests?" asks what
they do on its demand; "Do you test your vendors' incident response plans?" asks of what they
own; "Is the business continuity plan tested with your critical suppliers?" asks of what the
vendor does with them; "Describe your vendor risk management program" asks how it keeps them.
A statement on the vendor's own practice that never names them answers none of these.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

from app.core.actor import DETERMINERS, SOME_OF, named_terms, subject_of
from app.core.normalise import stem

# Those a question may ask about in the vendor's place: its suppliers, as folded by the
# thesaurus ("vendors", "subprocessors", "third parties") and in words it leaves alone.
_SUPPLIERS = frozenset(
    ("vendors", "suppliers", "subprocessors", "processors", "providers", "partners", "third")
)


def suppliers_for_vendor(
    asked: Sequence[str],
    wording: Sequence[str],
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
) -> str | None:
    """Say so when a question asks what the vendor's suppliers do and the statement never says.

    "Do your vendors undergo penetration testing?" is not answered by "Do you have independent
    penetration tests performed?": the Yes is the vendor's own. Nor is what they own: "Do you
    test your *vendors'* incident response plans?" by "Is the incident response plan tested?",
    nor what is done with them: "Is the plan tested *with your critical suppliers*?".
    The statement speaks of them when its wording names them ("Do you require your *suppliers*
    to …"), or its answer or detail (`said`) does as the matcher's terms do (`terms`:
    "subprocessors" and "vendors" are one "third party"). A wording's "third-party" before a
    noun is the vendor's own ("How often is a *third-party* penetration test conducted?").
    """
    # The suppliers as its subject, bound by the vendor to do it, or as the owner of what it
    # asks of.
    subject = subject_of(asked)
    if subject not in _SUPPLIERS:
        subject = _compound_supplier(asked, subject) or _supplier_bound(asked)
    owner = None if subject in _SUPPLIERS else _supplier_owning(asked)
    partner = None if owner or subject in _SUPPLIERS else _supplier_with(asked)
    managed = None if owner or partner or subject in _SUPPLIERS else _supplier_managed(asked)
    who = owner or partner or managed or (subject if subject in _SUPPLIERS else None)
    if who is None or _names_suppliers(wording):
        return None
    named = named_terms(who, terms)
    if not named or named & said():
        return None
    shown = "third parties" if who == "third" else who
    if partner is not None:
        return f"the question asks what you do with your {shown}; the entry never names them"
    if managed is not None:
        kept = "third-party" if who == "third" else who
        return f"the question asks of {kept} risk or management; the entry never names them"
    if owner is None:
        return f"the question asks what your {shown} do; the entry says what you do"
    whose = "third party's" if who == "third" else who + ("'" if who.endswith("s") else "'s")
    return f"the question asks of your {whose} practice; the entry says what you do"


# Verbs by which the vendor has its suppliers do a thing: "Do you *require* your subprocessors
# to …", "Do you *contractually oblige* vendors to …".
_BINDING = frozenset(("require", "oblige", "obligate", "mandate", "compel"))
# Words between such a verb and the suppliers: "require *all of your critical sub*-processors".
_BEFORE_SUPPLIER = DETERMINERS | SOME_OF | frozenset(("of", "critical", "key", "sub"))


# A framework's name for the vendor itself: "Are *service providers* providing service customers
# with …?" asks what the cloud service provider, the vendor, does.
_THE_VENDOR = frozenset(("service",))


def _compound_supplier(asked: Sequence[str], subject: str | None) -> str | None:
    """Return the suppliers a subject's next word names ("Are your *payment processors* …?")."""
    words = [w.casefold() for w in asked[:6]]
    if subject is None or subject not in words or subject in _THE_VENDOR:
        return None
    at = words.index(subject) + 1
    return words[at] if at < len(words) and words[at] in _SUPPLIERS else None


def _supplier_bound(asked: Sequence[str]) -> str | None:
    """Return the suppliers a question has the vendor require to do something, if any.

    "Do you require your sub-processors to conduct annual penetration tests?" asks what they
    do, on the vendor's demand: a statement on the vendor's own tests does not answer it.
    """
    return _supplier_after(asked, _BINDING, then="to")


def _supplier_with(asked: Sequence[str]) -> str | None:
    """Return the suppliers a question has the vendor do something with, if any.

    "Is the business continuity plan tested with your critical suppliers?" asks of a test they
    take part in: a statement on the vendor's own tests does not answer it. "With third-party
    forensic firms" names the firms, of a kind the vendor may hire itself.
    """
    return _supplier_after(asked, frozenset(("with",)))


def _supplier_after(
    asked: Sequence[str], openings: frozenset[str], then: str | None = None
) -> str | None:
    """Return the suppliers named after one of `openings` (and before `then`, if given)."""
    words = [w.casefold() for w in asked]
    for i, word in enumerate(words):
        if word not in openings:
            continue
        k = i + 1
        while k < len(words) and words[k] in _BEFORE_SUPPLIER:
            k += 1
        if k >= len(words) or words[k] not in _SUPPLIERS:
            continue
        # "third-party firms": the suppliers' word describes the thing named after it.
        if words[k] == "third" and words[k + 1 : k + 2] != ["parties"]:
            continue
        if then is None or words[k + 1 : k + 2] == [then]:
            return words[k]
    return None


# Suppliers owning what a question asks of, as words() leaves a possessive: "your *vendors'*
# incident response plans", "the hosting *provider's* data centres" (the owner, then "s").
_OWNERS = _SUPPLIERS | frozenset(
    ("vendor", "supplier", "subprocessor", "processor", "provider", "partner", "party", "parties")
)


def _supplier_owning(asked: Sequence[str]) -> str | None:
    """Return the supplier word a question puts in the possessive, if any ("vendors' plans")."""
    if "s" not in asked:
        return None
    words = [w.casefold() for w in asked]
    # Only with what it owns named after it: "yours or *a third party's*?" leaves it to "yours".
    for i, (word, following) in enumerate(zip(words, words[1:-1], strict=False)):
        if following != "s" or word not in _OWNERS:
            continue
        if word in ("party", "parties"):
            return "third" if i > 0 and words[i - 1] == "third" else None
        return word
    return None


# What is kept over suppliers, named after them: "*vendor risk* management", "*third-party
# risk*", "*supplier management*". "Third-party penetration tests" are the vendor's own, by
# others; a possessive ("the vendor's risk management") is read by `_supplier_owning`.
_OVER_SUPPLIERS = frozenset(("risk", "risks", "management"))


def _supplier_managed(asked: Sequence[str]) -> str | None:
    """Return the suppliers a question names as what risk or management is kept over, if any.

    "Describe your vendor risk management program." asks how the vendor manages its suppliers:
    a statement on its risk management program in general does not answer it.
    """
    words = [w.casefold() for w in asked]
    for i, word in enumerate(words):
        if word not in _OWNERS or word in ("party", "parties"):
            continue
        after = i + 1
        if word == "third":
            if words[after : after + 1] not in (["party"], ["parties"]):
                continue
            after += 1
        if words[after : after + 1] and words[after] in _OVER_SUPPLIERS:
            return word
    return None


def _names_suppliers(wording: Sequence[str]) -> bool:
    """Tell whether a wording names suppliers as such: "vendors", "third parties"."""
    words = [w.casefold() for w in wording]
    if any(w in _SUPPLIERS and w != "third" for w in words):
        return True
    return any(pair == ("third", "parties") for pair in zip(words, words[1:], strict=False))


# Suppliers as a question may name those of another: "your vendors' *subcontractors*".
_ANY_SUPPLIER = frozenset(
    stem(w)
    for w in ("vendors", "suppliers", "subprocessors", "processors", "providers", "partners",
              "subcontractors", "contractors", "outsourcers")
)  # fmt: skip
# How a statement says it speaks of its suppliers' own suppliers.
_FURTHER_SAID = frozenset(("fourth", "nth", "downstream", "onward"))
_WHOSE_OWN = frozenset(("your", "their", "its", "the", "a", "any"))


def further_suppliers_unsaid(asked: Sequence[str], said: Callable[[], set[str]]) -> str | None:
    """Say so when a question asks of its suppliers' own suppliers and the statement never says.

    "Are your subprocessors' subprocessors bound by the same data protection terms?" is not
    answered by a statement binding the vendor's subprocessors: it asks of fourth parties, as do
    "the subcontractors of your vendors" and "sub-subprocessors". The statement must speak of
    them as such (fourth, nth, downstream or onward) in a wording, its answer or its detail.
    """
    further = _further_asked(tuple(asked))
    if further is None or _FURTHER_SAID & said():
        return None
    return f"the question asks of your suppliers' own ('{further}'); the entry never speaks of them"


@lru_cache(maxsize=4096)
def _further_asked(asked: tuple[str, ...]) -> str | None:
    """Return how a question names its suppliers' own suppliers, if it does (read once)."""
    words = [w.casefold() for w in asked]
    stems = [stem(w) for w in words]

    def supplier(k: int) -> bool:
        return 0 <= k < len(stems) and stems[k] in _ANY_SUPPLIER

    for k, word in enumerate(words):
        further = None
        if word in ("fourth", "nth") and stems[k + 1 : k + 2] == [stem("parties")]:
            further = f"{word} parties"
        elif word == "s" and supplier(k - 1) and words[k - 1].endswith("s") and supplier(k + 1):
            # Suppliers' own ("vendors' subprocessors"), not one's ("the Provider's subprocessors",
            # the vendor named by the questionnaire).
            further = f"{words[k - 1]}' {words[k + 1]}"
        elif word == "of" and supplier(k - 1):
            after = k + 2 if words[k + 1 : k + 2] and words[k + 1] in _WHOSE_OWN else k + 1
            if supplier(after):
                further = f"{words[k - 1]} of {' '.join(words[k + 1 : after + 1])}"
        elif word == "sub" and words[k + 1 : k + 2] and words[k + 1].startswith("sub"):
            further = f"sub-{words[k + 1]}"
        if further:
            return further
    return None
