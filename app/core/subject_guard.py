"""Whether a statement is about what a question asks: the subject guards on wording alone.

Shared template words can score a statement high while the subjects differ; a statement may add
a weighty condition to a short question, or leave out the word a question is about. These read
the question's and the statement's terms, their rarity in the bank and in the term vectors'
corpus, and the thesaurus's frame words (`SubjectRule.frame`); verdict.py calls them for every
plausible match, bridging.py for a concept's path.
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.answer_kind import CLOSED_OPENINGS
from app.core.intent import asks_openly, opens_as_request, request_words
from app.core.normalise import (
    NormalisedText,
    shared_with_phrases,
    stem,
    terms_either_side,
    written_as,
)
from app.core.reasons import Elsewhere
from app.core.semantic import TermVectors
from app.core.sparse_index import Space

# A question of this many terms or fewer gives little evidence of its own (see subject_conflict).
SHORT_QUESTION_TERMS = 4
NARROWER_SHARE = 0.5
# How much rarer (in idf) than every shared word a question word the entry never says must be,
# in the bank and in the term vectors' corpus alike, to hold back an entry that adds nothing of
# its own (_leaves_unsaid): e^0.5, about 1.6 times rarer. At 0 or 0.25 it held back 1 more right
# fill of the customer benchmark and 5 of the learning one, and no more wrong ones.
UNSAID_MARGIN = 0.5


def subject_conflict(
    space: Space,
    question: NormalisedText,
    entry: NormalisedText,
    *,
    affirmed: bool = False,
    described: bool = False,
    said: Callable[[], set[str]] | None = None,
    cited: bool = False,
    corpus: TermVectors | None = None,
    frame: frozenset[str] = frozenset(),
    asking: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when the entry is about something else, or about something narrower.

    Shared template words ("is the confidentiality, integrity and availability of … ensured")
    can score high while the subjects (backups vs endpoints) differ: each side's rarest word is
    missing from the other and rarer than anything they share.

    `said` reads what the entry says in all its wordings and its answer (`said_by`). A question
    word the entry says elsewhere is no other subject: "Do you have an *enterprise* risk
    management program?" matches "Do you have a *formal* risk management program?", whose
    alternate says "an enterprise risk management process". The matched wording's own words
    still count. `cited`: the entry cites the row's control ID, which says more than a word
    it leaves unsaid (`_leaves_unsaid`); `frame`: the thesaurus's frame words, which a question
    may leave unsaid (`SubjectRule.frame`); `asking`: words by which a question asks for a
    facet's value ("regularly"), which the facet guard reads and no subject guard does
    (`SubjectRule.asking`).
    """
    # The entry's own wording only: its tags help find it but say nothing it asserts.
    asked, stated = set(question.terms), set(entry.key.split())
    shared = shared_with_phrases(asked, stated)
    if not shared or not (stated - shared):
        return None

    clauses = _clause_heads(question, entry)
    if clauses is not None:
        return Elsewhere(f"subject differs: '{clauses[0]}' vs '{clauses[1]}'")

    def rarest(terms: set[str]) -> tuple[float, str]:
        return max((space.idf_of(t), t) for t in terms)

    top_shared = rarest(shared)[0]
    e_weight, e_term = rarest(stated - shared)
    # How a row asks ("*Please provide* your encryption standard") is not what it asks of.
    unsaid = asked - shared - asking - request_words(question.surface)
    if e_weight <= top_shared:
        if cited:
            return None
        # Only a word of the question's subject: its frame ("formal", "reviewed") names none.
        return _leaves_unsaid(space, question, unsaid - frame, shared, said, corpus)
    if unsaid and rarest(unsaid)[0] > top_shared and said is not None:
        # Read what the entry says only when the guard would fire without it: most do not.
        unsaid -= shared_with_phrases(unsaid, said())
    if unsaid:
        q_weight, q_term = rarest(unsaid)
        # Two frame words name no subject on either side: "Do you *commission* third-party
        # penetration tests?" asks what "Do you have independent penetration tests *conducted*?"
        # says. One frame word against a subject word still differs: a frame word the question
        # leaves to stand alone may be its point ("Do you *document* anti-malware tools?" is
        # not "Are anti-malware tools configured on managed *endpoints*?"). A framework's
        # enumeration folded to one frame term ("defined and implemented", "established …
        # and maintained") is never a question's point: it is how the framework asks everything.
        enumeration = "_" in q_term
        doing = q_term in _DOING
        if q_weight > top_shared and not (
            q_term in frame and (e_term in frame or enumeration or doing)
        ):
            return Elsewhere(
                f"subject differs: '{written_as(question, q_term)}' vs '{written_as(entry, e_term)}'"
            )
    # A short question gives little evidence; an entry that adds a weighty condition to it
    # ("is the incident response plan *tested*?" for "do you have one?") answers something
    # narrower, and its "No" would be a wrong answer to the question. Its Yes (`affirmed`)
    # says the broader thing too: a plan that is tested exists, backups "encrypted and
    # protected from tampering" are encrypted. Letting such a Yes fill filled 7 more rows right
    # on the customer benchmark and 34 on the learning benchmark, none wrong (bench/README.md).
    # An open question answered in the entry's own words (`described`) is not narrower either:
    # its extra words ask more than the question ("Which encryption algorithms do you use, *and
    # how are they chosen*?"), and its answer covers the question's part too ("AES-256 and TLS
    # 1.2+"). That filled 4 more rows right on the starter bank, 3 on the customer benchmark and
    # 15 on the learning one, none wrong. An N/A says nothing of its own, and a free answer to a
    # closed question ("Is the plan tested?" "Annually") answers only its condition.
    # Unless the entry's own words put the question's subject in a clause of their head ("How
    # long do you keep *logs that contain* personal data?"): that narrows what it describes.
    head = _qualified_head(entry, shared, stated - shared - frame) if described else None
    if len(asked) <= SHORT_QUESTION_TERMS and not (affirmed or (described and head is None)):
        extra = space.weight_of(stated - shared)
        if extra >= NARROWER_SHARE * space.weight_of(shared):
            return f"the entry is narrower: it adds '{written_as(entry, head or e_term)}'"
    return None


# Frame words that say only that something is done, used or there ("Do you *conduct*
# background checks?", "Are firewalls *in place*?"): never a question's point, whatever the
# statement says instead.
# Each is one of the thesaurus's frame words, which this rule reads only.
_DOING = frozenset(stem(w) for w in ("perform", "conduct", "undergo", "use", "place", "exist"))
# Stems opening a relative clause: what follows says which of the preceding head is meant.
_RELATIVE = frozenset(("that", "which", "whose"))


def _clause_heads(question: NormalisedText, entry: NormalisedText) -> tuple[str, str] | None:
    """Return the two heads when each text qualifies another one by a relative clause.

    "How long do you keep *backups* that may contain our data?" and "How long do you keep
    *logs* that contain personal data?" share the clause, whose words are rare, and differ in
    what it qualifies: the word just before the pronoun, which neither text says elsewhere.
    """
    heads = []
    for text in (question, entry):
        stems = text.stems
        # Only "that": "which" asks as often as it qualifies ("Do you disclose *which*
        # sub-processors …?").
        opening = next((i for i, s in enumerate(stems) if i > 0 and s == "that"), None)
        if opening is None:
            return None
        heads.append((stems[opening - 1], text.surface[opening - 1]))
    (asked, asked_shown), (stated, stated_shown) = heads
    if asked == stated or asked in entry.stems or stated in question.stems:
        return None
    return asked_shown, stated_shown


def _qualified_head(entry: NormalisedText, shared: set[str], extra: set[str]) -> str | None:
    """Return the entry's own word whose clause alone names the question's subject, if any.

    "How long do you keep logs that contain personal data?" is about logs, though it shares
    "how long" and "personal data" with "How long do you retain personal data?": a shared term
    comes only after the relative pronoun, and a word of the entry's own (not a frame word)
    before it.
    """
    stems = entry.stems
    opening = next((i for i, s in enumerate(stems) if i > 0 and s in _RELATIVE), None)
    if opening is None or not extra:
        return None
    before, after = set(stems[:opening]), set(stems[opening + 1 :])

    def within(term: str, part: set[str]) -> bool:
        return all(stem(word) in part for word in term.split("_"))

    if not any(within(t, after) and not within(t, before) for t in shared):
        return None
    heads = [term for term in extra if within(term, before)]
    if not heads:
        return None

    def last_at(term: str) -> int:
        parts = {stem(word) for word in term.split("_")}
        return max(i for i in range(opening) if stems[i] in parts)

    # The clause qualifies the word just before it.
    return max(heads, key=last_at)


def _leaves_unsaid(
    space: Space,
    question: NormalisedText,
    unsaid: set[str],
    shared: set[str],
    said: Callable[[], set[str]] | None,
    corpus: TermVectors | None,
) -> str | None:
    """Say so when the question is about a word the entry never says, well rarer than any shared.

    The entry adds nothing of its own, so the guard above does not fire, but the question asks
    about something the entry does not mention anywhere: "Do you *disclose* which sub-processors
    handle our personal data?" against "How do you manage subprocessors that handle personal
    data?". One side's evidence only, so the word must be UNSAID_MARGIN rarer than every shared
    one in the bank, and in the term vectors' corpus too (`corpus`, when the matcher has them):
    a bank of a few hundred statements makes everyday words look rare ("Do you provide a
    disaster recovery *capability*?" is "Do you have a disaster recovery plan?"). This held back
    the starter bank's one wrong auto-fill and made the scores honest enough to fill from
    DEFAULT_AUTO = 0.57 (bench/README.md).
    """
    if said is None or not unsaid:
        return None
    floor = max(space.idf_of(t) for t in shared) + UNSAID_MARGIN
    rare = {t for t in unsaid if space.idf_of(t) > floor}
    if rare and corpus is not None:

        def in_corpus(term: str) -> float:
            # A word the corpus never saw is rarer there than any it saw, shared or unsaid.
            weight = corpus.idf_of(term)
            return float("inf") if weight is None else weight

        general = max(in_corpus(t) for t in shared) + UNSAID_MARGIN
        rare = {t for t in rare if in_corpus(t) > general}
    if rare:
        rare -= shared_with_phrases(rare, said())
    if not rare:
        return None
    term = max(rare, key=lambda t: (space.idf_of(t), t))
    return Elsewhere(f"the entry does not say '{written_as(question, term)}'")


def uncovered(
    space: Space,
    question: NormalisedText,
    concept: frozenset[str],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a concept leaves out the question's most telling word.

    A concept is a customer's own wording of one question, so it should cover what the question
    is most specifically about: "do you *disclose* which sub-processors handle our data?" is not
    "how do you manage sub-processors that handle personal data?", though most words are shared.
    The question's frame words (`SubjectRule.frame`: "formally", "in place", "provide") say how
    it asks, not what about: a concept may leave them out.
    """
    asked = set(question.terms)
    shared = asked & concept
    missing = asked - concept - frame
    if not shared or not missing:
        return None
    # A word no concept uses at all is rarer than any a concept uses (idf ties them at one use).
    weight, term = max((space.rarity(t), t) for t in missing)
    if weight <= max(space.idf_of(t) for t in shared):
        return None
    return f"the concept does not cover '{written_as(question, term)}'"


# How far into a terse row its "for" may be, and words opening a row as a sentence besides a
# question's and a request's ("*If* you use subcontractors, …", "*Confirm* that …").
_HEAD_WORDS = 5
_SENTENCE_OPENINGS = frozenset(
    ("if", "should", "shall", "confirm", "indicate", "specify", "state", "identify")
)


def head_unsaid(
    space: Space,
    question: NormalisedText,
    said: Callable[[], set[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when the statement never says the thing a question asks of before its "for".

    "Privacy training for customer support staff handling data subject requests" asks of
    training, and "How do you handle data subject requests?" shares the words of what follows
    "for" alone. The head's rarest word (its frame words aside: "a process for …" names none)
    must be said somewhere in the statement (`said`: its wordings, answer and detail).
    """
    surface = question.surface
    # Only a terse row naming its head first: in a sentence ("Are capabilities implemented to
    # correlate logs for the detection of …?") what comes before "for" is its whole question.
    if (
        not surface
        or surface[0] in CLOSED_OPENINGS
        or surface[0] in _SENTENCE_OPENINGS
        or asks_openly(surface)
        or opens_as_request(surface)
        or "for" not in surface[1:_HEAD_WORDS]
    ):
        return None
    head = terms_either_side(question, surface.index("for", 1))[0] - frame
    if not head:
        return None
    term = max(head, key=lambda t: (space.idf_of(t), t))
    if shared_with_phrases({term}, said()):
        return None
    return Elsewhere(
        f"the question asks of '{written_as(question, term)}'; the entry never says it"
    )
