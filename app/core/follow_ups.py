"""A row asking more than one thing: a second question, or a follow-up asked on a Yes.

"Are code reviews mandatory, and can a developer merge their own change?" asks two things, and a
statement answering the first says nothing of the second; "Is BYOD permitted? If yes, attach your
policy." asks for the policy only on a Yes. claims.py holds a Yes or No back when the statement
answers only one of them, and says which; likewise a statement naming no one, no date or not the
thing, given to a row that goes on to ask who does it, when it last happened or which of a thing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from app.core.answer_kind import (
    ASKED_IN_PAST,
    CLOSED_OPENINGS,
    IF_SO,
    condition_before,
    someone_named,
    unsaid_word,
)
from app.core.bank import Entry
from app.core.entry_says import is_not_applicable, yes_or_no
from app.core.intent import OPEN_OPENINGS, POLITE
from app.core.naming import ASKED_TO_NAME, names_one
from app.core.normalise import (
    NormalisedText,
    shared_with_phrases,
    stem,
    terms_either_side,
    words,
)
from app.core.things import WHOSE, words_before
from app.core.timing import SCHEDULE_STEMS

# Words by which a second question names its subject right after its verb: "and can *a*
# developer …", "and are *you* …". A participle there continues the first ("… and is stored").
_SUBJECT_OPENINGS = frozenset(
    (
        "a",
        "an",
        "the",
        "you",
        "your",
        "any",
        "all",
        "each",
        "every",
        "there",
        "we",
        "our",
        "they",
        "their",
        "it",
        "this",
        "these",
        "those",
        "staff",
        "employees",
        "customers",
        "users",
        # A subject naming who it is: "and can *customer* administrators delete log
        # entries?", "and can *administrators* …", "and can *anyone* …".
        "customer",
        "tenant",
        "administrators",
        "admins",
        "anyone",
    )
)


def _opens_subject(surface: Sequence[str], at: int) -> int | None:
    """Return where a second question's predicate may be, when it names its subject at `at`.

    One of the words that open one (no predicate to leave out: -1), or a noun its participle
    follows within a few words ("and is *integrity* verified with hashing?", "and are risks
    *assigned* owners?": the participle's position); a participle right after the verb
    continues the first question ("… and is stored in the EU"): None.
    """
    word = surface[at]
    if word in _SUBJECT_OPENINGS:
        return -1
    if word.endswith(_PARTICIPLE) or not word.isalpha():
        return None
    return next(
        (
            k
            for k in range(at + 1, min(at + 1 + _NOUN_WORDS, len(surface)))
            if surface[k].endswith(_PARTICIPLE)
        ),
        None,
    )


# Words after which a modal does not open a new question: a clause ("if *we* …", "that you
# …"), a follow-up's condition ("if yes, *can* we …"), a join read as such ("and can …").
_NOT_AGAIN = frozenset(("if", "that", "and", "or", "yes", "so", "not", "no"))


def _asks_again(surface: Sequence[str], at: int) -> bool:
    """Tell whether a second closed question opens at `at`, past the first's own words.

    A modal ("can", "will", "must" …) followed by a word naming its subject ("a", "the", "you"
    …), in a row that opens as a question (not "If our regulator requires it, *can* staff …"),
    not as its first words nor inside a question of another kind ("What data *can the* model
    see?"). "Is", "do" or "have" there is as often the first question's own verb
    ("Does every user *have a* unique ID?"), and is left alone.
    """
    return (
        at >= 3
        and (surface[0] in CLOSED_OPENINGS or surface[0] in _ASKING_WORDS)
        and surface[at] in _MODALS
        and surface[at - 1] not in _NOT_AGAIN
        and _ASKING_WORDS.isdisjoint(surface[max(0, at - _WITHIN) : at])
        and at + 1 < len(surface)
        and surface[at + 1] in _SUBJECT_OPENINGS
    )


_MODALS = frozenset(("can", "could", "will", "would", "may", "must", "should"))
_ARTICLES = frozenset(("a", "an", "the"))
# Words comparing a value with another: "*more than* 35 days", "*at least* 12 characters".
_COMPARING = frozenset(
    stem(w) for w in ("more", "less", "fewer", "greater", "longer", "shorter", "than", "over",
                      "under", "least", "most", "exceed", "exceeds", "below", "above")
)  # fmt: skip


# How many words either side of an "or" name an alternative: "use *software composition
# analysis* or *keep an SBOM*".
_SIDE_WORDS = 3


def _one_side_said(
    surface: Sequence[str],
    start: int,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]] | None,
) -> bool:
    """Tell whether a question from `start` offers alternatives with "or", one of them said."""
    if terms is None:
        return False
    for k in range(start + 1, len(surface) - 1):
        if surface[k] != "or":
            continue
        before = set(terms(" ".join(surface[max(start, k - _SIDE_WORDS) : k])))
        after = set(terms(" ".join(surface[k + 1 : k + 1 + _SIDE_WORDS])))
        says = said()
        if shared_with_phrases(before, says) or shared_with_phrases(after, says):
            return True
    return False


def _figure_or_comparison(term: str) -> bool:
    """Tell whether a term is a figure ("35", "1.1") or compares one ("more")."""
    return any(ch.isdigit() for ch in term) or term in _COMPARING


# How a question in a sentence of its own opens: which of a thing, what or who it asks is read
# by second_ask_unanswered.
_ASKS_AGAIN = CLOSED_OPENINGS | {"how", "where", "why"}
_ASKING_WORDS = OPEN_OPENINGS | {"whether"}
# How far back a question word makes a modal its own ("what encryption algorithms *can* …").
_WITHIN = 4


# How a participle ends, and how many words a second question's subject may take before it.
_PARTICIPLE = ("ed", "en")
_NOUN_WORDS = 3


def second_question(
    asked: NormalisedText,
    entry: Entry,
    wording: NormalisedText,
    said: Callable[[], set[str]],
    frame: frozenset[str] = frozenset(),
    terms: Callable[[str], Sequence[str]] | None = None,
    later: tuple[int, ...] = (),
) -> str | None:
    """Hold back an answer to a row asking a second question, when it answers only one.

    "Are code reviews mandatory before merge, and can a developer approve and merge their own
    change?" answered Yes by "Is every code change reviewed?" would say that developers can
    approve their own changes; "What are your RTO and RPO, and were they met in the last DR
    test?" answered "RTO 8 hours; RPO 1 hour" says nothing of the test. A statement saying the
    second question's words somewhere (its wordings, answer or detail) may answer both; one that
    never does answers the first only. So with a second question in a sentence of its own
    (`later`: where each opens, `later_questions`): "What happens to our data at the end of the
    contract? How is deletion confirmed?" is not answered by what happens to the data.
    `wording`: the statement's wording that matched; `terms` folds words as the question's terms
    are folded.
    """
    surface = asked.surface
    predicate: int | None = None
    apart = False
    for i in range(1, len(surface) - 2):
        if i + 1 in later and surface[i + 1] in _ASKS_AGAIN:
            # "Is an HSM used?": past its article, a named subject's participle is left out as
            # after "and".
            named = i + 3 if surface[i + 2] in _ARTICLES else i + 2
            closed = surface[i + 1] in CLOSED_OPENINGS and named < len(surface)
            opened = _opens_subject(surface, named) if closed else None
            predicate, apart = (-1 if opened is None else opened), True
            break
        if (
            # "…, or do you plan to?" offers an alternative, which either Yes answers.
            surface[i] == "and"
            and (surface[i + 1] in CLOSED_OPENINGS or surface[i + 1] in ASKED_IN_PAST)
            and (predicate := _opens_subject(surface, i + 2)) is not None
        ):
            break
        if _asks_again(surface, i + 1):
            # "Is all code peer-reviewed before merging? Can a single developer push a change
            # to production alone?": a second question in a sentence of its own.
            predicate = -1
            break
    else:
        return None
    # "Is the service PCI DSS compliant? If so, at what level, and can you provide the AoC?":
    # what follows "if so" is asked only on a Yes, and a No to the first question answers the
    # row. A No to the follow-up does not: "Do you use AI with customer data? If yes, which
    # models, and is our data used for training?" is not answered No by "Is customer data used
    # to train AI models?", whose wording says what only the follow-up asks.
    condition = condition_before(surface, i)
    if_so = condition[0] if condition is not None and condition[1] in IF_SO else None
    # Where what is asked only on a Yes begins: past "if so", or a question in a sentence of its
    # own, which asks on a Yes as well ("Can customers bring their own keys? Does BYOK cover
    # backups?" is answered by a No).
    follows = (if_so, 2) if if_so is not None else (i + 1, 0) if apart else None
    if yes_or_no(entry.answer) == "no" and follows is not None:
        first, only_follow = terms_either_side(asked, *follows)
        if apart and shared_with_phrases(first - frame, said()):
            # A second sentence restating the first ("Is customer data used to train AI models?
            # Does what our users type end up improving your models?"): the No answers both.
            return None
        if not (only_follow - frame) & set(wording.key.split()):
            return None
        return "the entry's No answers the row's follow-up, not its first question"
    # A predicate after a named subject may be said in other words ("are risks *assigned*
    # owners?" by "risks are tracked with an owner"): its nouns tell what is asked.
    second = {s for k, s in enumerate(asked.stems[i + 1 :], i + 1) if k != predicate}
    asked_second = {t for t in asked.terms if all(p in second for p in t.split("_"))}
    if terms is not None:
        # And as the thesaurus folds them ("are they *encrypted*" is the term "encryption").
        rest = [w for k, w in enumerate(surface[i + 1 :], i + 1) if k != predicate]
        asked_second |= set(terms(" ".join(rest))) & set(asked.terms)
    asked_second -= frame
    if apart:
        # A figure or a comparison asked again is the first question's value checked ("How long
        # are backups retained? Is it more than 35 days?"), which a statement may give in other
        # words ("older versions are disabled" for "Are TLS 1.0 and 1.1 disabled?"); either of
        # two alternatives said answers ("Do you use software composition analysis or keep an
        # SBOM?").
        asked_second = {t for t in asked_second if not _figure_or_comparison(t)}
        if _one_side_said(surface, i + 1, said, terms):
            return None
    if unsaid_word(asked, asked_second, said) is None:
        return None
    shown = " ".join(surface[i + 1 :])
    return f"the row asks a second question the entry does not answer: '{shown}'"


def first_ask_unanswered(
    asked: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Hold back a statement given to a row whose first ask it never speaks of.

    "What is your contractual uptime SLA, and do you publish a public status page?" is not
    answered by the status page alone: the row asks for a value first and a Yes or No after,
    and a statement saying none of the first ask's own words (`said`: its wordings, answer and
    detail) answers the second only. `terms` folds words as the question's terms are folded.
    """
    surface = asked.surface
    if not surface or surface[0] not in OPEN_OPENINGS:
        return None
    at = next(
        (
            i
            for i in range(2, len(surface) - 2)
            if surface[i] == "and"
            and surface[i + 1] in CLOSED_OPENINGS
            and _opens_subject(surface, i + 2) is not None
        ),
        None,
    )
    if at is None:
        return None
    # The first ask's own words, not those saying whose it is ("what is the retention period
    # for *customer data*"), which any statement on the thing says.
    first = set(terms(" ".join(w for w in surface[1:at] if w not in WHOSE))) & set(asked.terms)
    own = first - set(terms(" ".join(surface[at + 1 :]))) - frame
    if not own or shared_with_phrases(own, said()):
        return None
    return f"the row first asks '{' '.join(surface[:at])}'; the entry answers only what follows"


def follow_up_answered(
    asked: NormalisedText,
    entry: Entry,
    wording: NormalisedText,
    said: Callable[[], set[str]],
    frame: frozenset[str],
) -> str | None:
    """Hold back a Yes whose wording asks only what a row asks on a Yes.

    "Is BYOD permitted? If yes, attach your BYOD policy." is not answered Yes by "Do you have a
    policy on personally owned devices?": the cell's Yes answers the first question, and the
    policy forbids them. A statement saying a word of the first question alone anywhere (`said`:
    its wordings, answer and detail) may answer it ("Is the business continuity plan tested?"
    for "Do you have a BCP? If yes, is it tested?"; "Do you have a process for approving
    exceptions to security policy?" for "… a formal exceptions process for deviations from
    security policy? If so, how are exceptions approved?").
    """
    surface = asked.surface
    if "if" not in surface or yes_or_no(entry.answer) != "yes":
        return None
    at = next((i for i in range(1, len(surface) - 1) if tuple(surface[i : i + 2]) in IF_SO), None)
    if at is None:
        return None
    only_first, only_follow = terms_either_side(asked, at, 2)
    only_first -= frame
    # The follow-up's frame words count: "attach your *policy*" asks for the policy.
    if not only_first or not only_follow & set(wording.key.split()):
        return None
    if shared_with_phrases(only_first, said()):
        return None
    return "the entry's Yes answers the row's follow-up, not its first question"


# How a row goes on to ask who: "…, *and who* signs off on the review?", "…, *and to whom* do
# they report?", "… *If so, who* provides it?", "*If so, by whom*?".
_WHO = frozenset(("who", "whom"))
# What gives a date: a year, not a version ("27001:2022") or a key length ("2048+"), or a month.
_DATE = re.compile(
    r"(?<![:\d])\b(?:199\d|20[0-3]\d)\b(?![+\d-])|\b(?:January|February|March|April|May|June|"
    r"July|August|September|October|November|December)\b"
)


# How a row goes on to ask which of a thing: "…, *and which* regions host it?".
_WHICH = frozenset(("which", "what"))
# Words before the thing a second ask names: what opens it ("what *is the* …", "which *kind
# of* …") and words saying which of it ("the *minimum* length", "which *cloud* regions", "the
# *key* size").
_NOT_THING = frozenset(
    ("is", "are", "was", "were", "the", "your", "its", "a", "an", "specific", "kind", "of",
     "minimum", "maximum", "current", "exact", "key", "cloud", "data", "retention", "password",
     "encryption", "coverage", "backup")
)  # fmt: skip
# Things asked for as a description, which a detail may give in any words ("what is the
# *process* to request it?").
_DESCRIBED = frozenset(
    ("process", "procedure", "method", "approach", "way", "steps", "mechanism", "criteria")
)
# Things a figure gives: "what is the minimum *length*", "which *version*"; how often, which a
# schedule gives too; kinds of technology, which a name gives.
_MEASURES = frozenset(
    ("length", "level", "version", "period", "amount", "limit", "number", "size", "duration")
)
_HOW_OFTEN = frozenset(("frequency", "cadence", "interval", "schedule"))
_BY_NAME = frozenset(
    ("cipher", "ciphers", "protocol", "protocols", "standard", "standards", "framework",
     "frameworks", "curriculum", "model", "models", "library", "libraries", "language",
     "languages", "methodology")
)  # fmt: skip
_WHAT_IS_THE = frozenset(
    (verb, the) for verb in ("is", "are", "was", "were") for the in ("the", "your", "its")
)
# Words ending the run before a thing is named: a verb's helper, or a pronoun ("and which is
# *it*?") naming the first question's thing again.
_THING_ENDS = frozenset(
    ("do", "does", "did", "can", "will", "you", "we", "it", "they", "them", "one", "ones")
)


def _thing_asked(surface: Sequence[str], at: int) -> str | None:
    """Return the thing a second ask opening "which" or "what" at `at` asks of, or None.

    The first word naming a thing, past what opens it: "which *specific* regions", "what is the
    minimum *length*", "what is the key *size*"; "what" put to a verb ("what happens") names
    none, nor does a pronoun ("which is it?"). Which product, firm or format is naming.py's,
    where a name answers it; "what is the process" asks for a description, which a detail may
    give in any words.
    """
    after = surface[at + 1 : at + 5]
    if surface[at] == "what" and tuple(after[:2]) not in _WHAT_IS_THE:
        return None
    thing = words_before(after, _THING_ENDS, _NOT_THING)[:1]
    if not thing or thing[0] in ASKED_TO_NAME or thing[0] in _DESCRIBED:
        return None
    return thing[0]


def _names_which(thing: str, entry: Entry, text: str, before: Sequence[str]) -> bool:
    """Tell whether a statement's answer or detail (`text`) says which of a thing a row asks.

    By the thing's own word; a measure by a figure ("at least 12 characters" says the minimum
    length); how often by a schedule ("daily", "every 12 months"); a kind of technology by a
    name or a figure ("AES-256" is the cipher, "SAML 2.0" the protocol), not one the row names
    before it asks (`before`).
    """
    said = {stem(w) for w in words(text)}
    if stem(thing) in said:
        return True
    if thing in _MEASURES:
        return any(ch.isdigit() for ch in text)
    if thing in _HOW_OFTEN:
        return not SCHEDULE_STEMS.isdisjoint(said)
    if thing in _BY_NAME:
        return names_one(entry, before, figures=True)
    return False


# Words that name no second thing after a row's "which … and": "and *how*", "and *for* how long".
_NOT_ALSO = frozenset(
    ("which", "what", "who", "whom", "how", "when", "where", "why", "for", "to", "is", "are",
     "do", "does", "did", "can", "will", "the", "a", "an", "your", "our", "its", "their", "all")
)  # fmt: skip
# How far into a row opening "which" its "and" may join a second thing: "Which cloud provider
# and …".
_ALSO_WITHIN = 4


def _which_also(surface: Sequence[str]) -> tuple[str, int] | None:
    """Return the second thing a row opening "which" asks of, and where, or None.

    "Which cloud provider and regions host our data?" asks which regions as much as which
    provider: the word after the "and" names it, unless it opens another ask ("and how …").
    """
    if not surface or surface[0] != "which":
        return None
    for k in range(2, min(len(surface) - 1, _ALSO_WITHIN + 1)):
        if surface[k] == "and":
            thing = surface[k + 1]
            # "Which events are logged *and monitored*?": a second verb, not a second thing.
            if thing in _NOT_ALSO or not thing.isalpha() or thing.endswith("ed"):
                return None
            return thing, k + 1
    return None


# How a row asks to be given a thing in a sentence of its own: "Please *state* the coverage
# limit.", "*Specify* the retention period."
_VALUE_REQUESTS = frozenset(("state", "specify", "provide", "give", "indicate", "list"))


# Documents a row asks to be given, which a person attaches (intent.py): "Please provide the
# *report*".
_ATTACHED = frozenset(
    ("report", "reports", "results", "summary", "copy", "certificate", "certificates", "letter",
     "evidence", "attestation", "document", "documents", "documentation")
)  # fmt: skip


def _worded_for(thing: str, entry: Entry, wording: NormalisedText) -> bool:
    """Tell whether a statement is worded to give a thing: a wording of it names the thing."""
    texts = (entry.question, *entry.alternates)
    return stem(thing) in wording.stems or any(
        stem(thing) in {stem(w) for w in words(text)} for text in texts
    )


def _asks_to_be_given(surface: Sequence[str], at: int, later: tuple[int, ...]) -> bool:
    """Tell whether the word at `at` asks, on its own, to be given a thing.

    Only as a request: after "please" or "kindly", or opening a sentence of its own (`later`)
    or what follows "if so". "Does the policy *state* the responsibilities of employees?" asks
    what the policy says.
    """
    return surface[at - 1] in POLITE or at in later or tuple(surface[max(0, at - 2) : at]) in IF_SO


def _joined(surface: Sequence[str], at: int) -> bool:
    """Tell whether the word at `at` opens a second question by "and" or "if so", past "to" or
    "by" ("and to whom", "if so, by whom")."""
    if surface[at - 1] in ("to", "by"):
        at -= 1
    return surface[at - 1] == "and" or tuple(surface[at - 2 : at]) in IF_SO


def second_ask_unanswered(
    asked: NormalisedText, wording: NormalisedText, entry: Entry, later: tuple[int, ...] = ()
) -> str | None:
    """Hold back a statement given to a row that goes on to ask who, when or which, and never says.

    "Are developers trained in secure coding, and who provides the training?" is not answered by
    "Yes" and a detail naming no one, nor "Do you have an incident response plan, and when was
    it last tested?" by "Yes, at least annually": the cell answers the first question and leaves
    the second, which the row asks as much. A statement naming a role, a team or a party
    (`someone_named`) in its answer or detail, not one the row names itself, may say who; only
    one giving a year or a month says when; only one saying which of the thing (`_names_which`)
    says which ("Which cloud providers and which specific regions host production?" is not
    answered by "Amazon Web Services"). A bare "and when?" may ask how often, which the
    statement may say. `wording`: the statement's wording that matched, which may ask it itself
    ("Who reviews access?", "Which regions …?"). `later`: where each question in a sentence of
    its own opens (`later_questions`): "SSO supported? Which protocols?" goes on to ask too.
    """
    # A No to the first question answers the row: what is not done has no one doing it, no date
    # it was last done and none of a thing; an N/A says so of all of it.
    if yes_or_no(entry.answer) == "no" or is_not_applicable(entry.answer):
        return None
    surface = asked.surface
    # What the statement answers, not what it asks; and someone the row does not name itself:
    # "Is customer data backed up, and who can restore it?" is not answered by the customers.
    text = f"{entry.answer} {entry.detail or ''}"
    also = _which_also(surface)
    if also is not None:
        other, at = also
        own = wording.surface[:1] == ("which",) and stem(other) in wording.stems
        if not own and not _names_which(other, entry, text, surface[:at]):
            return f"the row asks which {other} as well; the entry does not say"
    for at in range(2, len(surface)):
        word = surface[at]
        joined = _joined(surface, at) or at in later
        if word in _WHO and joined:
            asks, answered = "who", bool(someone_named(text) - set(asked.stems))
        elif word == "when" and surface[at + 1 : at + 2] and surface[at + 1] in ASKED_IN_PAST:
            asks, answered = "when", _DATE.search(text) is not None
        elif word in _WHICH and joined:
            thing = _thing_asked(surface, at)
            if thing is None:
                continue
            # A wording asking which of another thing ("Which cloud provider …?") asks not this.
            own = word in wording.surface[:1] and stem(thing) in wording.stems
            if own or _names_which(thing, entry, text, surface[:at]):
                return None
            return f"the row goes on to ask which {thing}; the entry does not say"
        elif word in _VALUE_REQUESTS and _asks_to_be_given(surface, at, later):
            thing = _thing_asked(surface, at)
            if thing is None:
                continue
            # A statement worded to give it ("What data classification levels do you use?")
            # gives it in its own words; a document asked for is a person's to attach.
            if thing in _ATTACHED or _worded_for(thing, entry, wording):
                return None
            if _names_which(thing, entry, text, surface[:at]):
                return None
            return f"the row asks to be given the {thing}; the entry does not say"
        else:
            continue
        if answered or (wording.surface and wording.surface[0] == word):
            return None
        return f"the row goes on to ask {asks}; the entry does not say"
    return None


def later_questions(question: str) -> tuple[int, ...]:
    """Return where, in a row's words, each question after its first opens: past a "?".

    "What happens to our data at the end of the contract? How is deletion confirmed?" asks
    again at its twelfth word (position 11). The words are read as the normaliser reads them (`words`), which
    splits no word at a "?".
    """
    parts = question.split("?")
    if len(parts) < 2:
        return ()
    starts: list[int] = []
    at = 0
    for part in parts[:-1]:
        at += len(words(part))
        starts.append(at)
    total = at + len(words(parts[-1]))
    return tuple(sorted({k for k in starts if 0 < k < total}))
