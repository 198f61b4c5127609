"""What a control, plan or assurance covers: a question asking whether one covers a part is
answered only by a statement naming both.

"Does MFA apply to API access and service accounts?" is not answered Yes by "Are service
accounts and API keys inventoried, owned and reviewed?", which never speaks of MFA, nor "Are
APIs covered by your WAF?" by a statement on the WAF that never speaks of APIs: each side of
the question's "apply to", "cover" or "include" must be named somewhere in the statement. What a
document states, lists or records is asked the same way: "Does the DR plan state the RTO and
RPO?" is not answered by the plan's existence.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.actor import DETERMINERS, SOME_OF
from app.core.normalise import NormalisedText, stem
from app.core.reasons import Elsewhere
from app.core.things import ARTICLES, names_any_of, words_before

# How a question asks whether one thing covers another: "Does MFA *apply to* …", "Does the plan
# *cover* …", "Does the plan *state* …", "Is the mobile app *included in* …", "Are APIs *covered
# by* …".
_COVERING = frozenset(
    stem(w) for w in ("apply", "applies", "cover", "covers", "include", "includes", "extend",
                      "extends", "encompass", "encompasses", "contain", "contains", "state",
                      "states", "specify", "specifies", "define", "defines", "list", "lists",
                      "record", "records", "document", "documents", "describe", "describes")
)  # fmt: skip
# Covering words that as often name a thing: "the *record*", "an asset *list*".
_NOUNS = frozenset(stem(w) for w in ("record", "list", "document", "statement", "state"))
_HELPING = frozenset(("need", "needs", "have", "has", "to", "also", "always"))
_COVERED = frozenset(stem(w) for w in ("covered", "included", "subject"))
# Words between a covered thing and what covers it: "covered *by*", "included *in*".
_JOINING = frozenset(("by", "in", "within", "under", "to", "of"))
# Words ending one side: what follows says where, when or how.
_SIDE_ENDS = frozenset(
    ("and", "or", "for", "with", "at", "on", "during", "when", "if", "as", "including", "both")
)
# Words naming nothing of a side: "apply *to* …", "*a* firewall".
_NAMING_NONE = ARTICLES | {"to"}
_NOT_A_SIDE = DETERMINERS | SOME_OF | _NAMING_NONE
# Words read of a side at most, and before "covered by" or "included in".
_SIDE_WORDS = 4
_BEFORE_COVERING = 8
_OPENINGS = frozenset(("does", "do", "will", "is", "are"))
_DOER = frozenset(("you", "we", "they"))
# What names the vendor or its product as the one assured: "Is *the company* SOC 2 audited?".
_ASSURED_ITSELF = frozenset(
    ("you", "company", "organisation", "organization", "business", "firm", "service", "product",
     "platform", "application", "app", "solution", "software", "vendor", "it")
)  # fmt: skip


def _side(surface: Sequence[str], start: int, stop: int) -> list[str]:
    """Return the words naming one side, from `start` up to `stop` or a word ending it."""
    return words_before(surface[start:stop], _SIDE_ENDS, _NOT_A_SIDE)[:_SIDE_WORDS]


def _covering_verb(surface: Sequence[str], stems: Sequence[str]) -> int | None:
    """Return where the covering verb of a "Does …" question is, or None.

    "Does *the record* list the approver?", "Does the change record list …": a covering word
    that may name a thing (`_NOUNS`: "record", "list", "document", "statement") names one after a
    determiner or an article, or just before another covering word; any other ("cover", "include")
    is the verb ("Does the backup policy *cover* document retention?").
    """
    for k in range(2, len(surface)):
        if stems[k] not in _COVERING:
            continue
        if stems[k] not in _NOUNS:
            return k
        if surface[k - 1] in DETERMINERS | ARTICLES:
            continue
        if k + 1 < len(surface) and stems[k + 1] in _COVERING:
            continue
        return k
    return None


def _sides(surface: Sequence[str], stems: Sequence[str]) -> tuple[list[str], list[str]] | None:
    """Return what covers and what is covered in a question asking so, or None."""
    if len(surface) < 4 or surface[0] not in _OPENINGS:
        return None
    if surface[0] in ("does", "do", "will"):
        # "Does [the incident response plan] cover [AI-specific incidents]?"
        at = _covering_verb(surface, stems)
        # "Do *you* apply …" puts the verb to the vendor: it asks what it does, not what covers.
        if at is None or at - 1 > _SIDE_WORDS or surface[1] in _DOER:
            return None
        # "Does *the vendor* document …" asks what the vendor does, as "Do you …" does.
        if _ASSURED_ITSELF.intersection(surface[1:at]):
            return None
        # "Does the contract *need to* include …": the helper is no word of what covers.
        covering = [w for w in _side(surface, 1, at) if w not in _HELPING]
        return covering, _side(surface, at + 1, len(surface))
    # "Are [APIs] covered by [your WAF]?", "Is [the mobile app] included in [the test scope]?"
    at = next((k for k in range(2, len(surface) - 2) if stems[k] in _COVERED), None)
    if at is None or at - 1 > _BEFORE_COVERING or surface[at + 1] not in _JOINING:
        return None
    return _side(surface, at + 2, len(surface)), _side(surface, 1, at)


def side_unsaid(
    question: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a question asks whether one thing covers another and the statement never
    names one of them.

    Each side is named by one of its words as the question's terms fold them (`terms`), said
    somewhere in the statement (`said`: its wordings, answer and detail), and what covers by its
    last word too ("Does your AI impact *assessment* include …?"); a side of frame words only
    ("the policy") names nothing to look for.
    """
    sides = _sides(question.surface, question.stems)
    if sides is None:
        return None
    asked = frozenset(question.terms)
    for side in sides:
        if names_any_of(side, asked, said, terms, frame) is False:
            return f"the question asks what covers what; the entry never names '{' '.join(side)}'"
    # What covers is named by its head: "AI" said of AI features names no "AI impact assessment".
    covering = sides[0]
    if names_any_of(covering[-1:], asked, said, terms, frame) is False:
        return f"the question asks what covers what; the entry never names '{' '.join(covering)}'"
    return None


# How a closed question asks whether a thing holds an assurance: "Are your data centers SOC 2
# and ISO 27001 *certified*?", "Are your data centres PCI DSS *compliant*?".
_ASSURED = frozenset(
    stem(w) for w in ("certified", "accredited", "compliant", "audited", "attested", "assessed")
)
# Words of a standard's name, which end the subject before it ("data centers *SOC* 2").
_STANDARD_WORDS = frozenset(
    ("soc", "iso", "iec", "pci", "dss", "hipaa", "hitrust", "fedramp", "gdpr", "nist", "csa",
     "star", "cyber", "essentials", "ccpa", "sox", "type", "tisax", "cmmc", "irap", "c5")
)  # fmt: skip


def assured_unsaid(
    question: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a question asks whether a thing holds an assurance and the statement never
    names the thing.

    "Are your data centers SOC 2 and ISO 27001 certified?" asks of the hosting provider's data
    centers; the vendor's own SOC 2 report and ISO certificate do not answer it unless the
    statement says what they cover. The words before the standard's name (past "your", "the")
    name what is assured; the vendor or its product ("Is the company SOC 2 audited?") is the
    statement's own, and one of the others must be named in it (`said`, as the question's terms
    fold them, `terms`).
    """
    surface = question.surface
    if len(surface) < 4 or surface[0] not in ("is", "are"):
        return None
    if _ASSURED.isdisjoint(stem(w) for w in surface[-3:]):
        return None
    end = next(
        (
            k
            for k in range(1, len(surface))
            if surface[k] in _STANDARD_WORDS or _has_digit(surface[k])
        ),
        None,
    )
    if end is None:
        return None
    subject = [w for w in surface[1:end] if w not in DETERMINERS]
    if not subject or _ASSURED_ITSELF.intersection(subject):
        return None
    if names_any_of(subject, frozenset(question.terms), said, terms, frame) is not False:
        return None
    return Elsewhere(
        f"the question asks whether its '{' '.join(subject)}' hold it; the entry never names them"
    )


def _has_digit(word: str) -> bool:
    return any(ch.isdigit() for ch in word)
