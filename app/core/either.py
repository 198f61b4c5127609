"""Alternatives: a Yes to "executives or the board" says one of them, and says nothing of which.

"Is security risk reported to executives or the board?" answered Yes is true when it is reported
to the executive team only; "Does your board receive reporting on security risk?" asks of the
one alternative the Yes need not cover. A question naming one side of a wording's "or" and not
the other is not answered by that wording's Yes, unless the entry names that side elsewhere on
its own: in its detail ("All employees sign confidentiality agreements" under "confidentiality
or non-disclosure agreements") or in a wording offering no alternatives. Nor is a question asking
of both sides ("a disclosure program *and* a paid bug bounty") answered by it, unless the entry
names each of them so. And a question asking which of two it is ("…, or only …?", "set by you or
by the customer?") is not answered by a Yes or a No at all (`asks_which`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from app.core.answer_kind import CLOSED_OPENINGS
from app.core.bank import Entry
from app.core.entry_says import words_written, yes_or_no
from app.core.normalise import (
    NEGATIONS,
    NormalisedText,
    shared_with_phrases,
    stem,
    written_as,
)
from app.core.scoring import Scoring
from app.core.sparse_index import Index

# Words beside an "or" that name no alternative of their own: "or other", "one or more",
# "or not", "or equivalent".
_NO_SIDE = frozenset(
    stem(word)
    for word in (
        "other",
        "others",
        "similar",
        "equivalent",
        "not",
        "more",
        "less",
        "both",
        "either",
        "one",
        "two",
        "three",
        "any",
        "all",
        "else",
        "otherwise",
    )
)
# A question whose alternatives end so asks of any of a kind, the entry's among them.
_OPEN = frozenset(stem(word) for word in ("other", "otherwise", "similar", "equivalent"))
_JOINS = frozenset({"or", "and", "nor"})
# The words of one side read at most: "central log analysis platform".
_SIDE_WORDS = 3
# A wording of more terms than this is not read: a framework's long sentence lists with "or" the
# cases one practice covers ("a process to de-provision the access of movers / leavers or system
# identity changes"), not alternatives of which its Yes may be only one.
_SHORT_WORDING = 8


def _side(stems: tuple[str, ...], start: int, step: int, function_words: Collection[str]) -> range:
    """Return the run of words naming one side of an "or", read from `start` away from it."""
    i = start
    # "executives or *the* board": the side starts past its article.
    while 0 <= i < len(stems) and stems[i] in function_words and stems[i] not in _JOINS:
        i += step
    first = i
    while (
        0 <= i < len(stems)
        and abs(i - first) < _SIDE_WORDS
        and stems[i] not in function_words
        and stems[i] not in _JOINS
        and stems[i] not in _NO_SIDE
    ):
        i += step
    return range(first, i) if step > 0 else range(i + 1, first + 1)


def _or_sides(
    stems: tuple[str, ...], function_words: Collection[str]
) -> Iterator[tuple[range, range]]:
    """Yield the two sides of each "or" in a text that has words on both."""
    for i, word in enumerate(stems):
        if word != "or":
            continue
        left = _side(stems, i - 1, -1, function_words)
        right = _side(stems, i + 1, 1, function_words)
        if left and right:
            yield left, right


def _open_ended(stems: tuple[str, ...]) -> bool:
    """Tell whether a text's alternatives end open ("anonymize, de-identify or *otherwise* mask")."""
    return any(
        word == "or" and following in _OPEN
        for word, following in zip(stems, stems[1:], strict=False)
    )


def _alone(scoring: Scoring, index: Index, entry: Entry, row: int) -> set[str]:
    """Return the terms an entry says outside any alternatives: its detail, plain wordings."""
    said = set(scoring.details.of(entry))
    for other in index.entry_rows.get(entry.id, ()):
        if other != row and "or" not in index.rows[other].text.stems:
            said.update(index.row_key[other].split())
    return said


def one_side_asked(
    scoring: Scoring, index: Index, asked: NormalisedText, entry: Entry, row: int
) -> str | None:
    """Say which alternative of a wording's "or" the question asks of alone, or None."""
    wording = index.rows[row].text
    stems, surface = wording.stems, wording.surface or wording.stems
    if "or" not in stems or len(wording.terms) > _SHORT_WORDING:
        return None
    if _open_ended(asked.stems):
        return None
    function_words = scoring.guards.function_words
    normalise = scoring.details.normaliser.normalise
    asked_terms, asked_stems = frozenset(asked.terms), frozenset(asked.stems)
    # A short question joining what it names with "and", never "or", asks of each; a long one
    # lists the cases one practice covers, as a framework's "or" does ("recovery from natural
    # and man-made disasters").
    both_asked = (
        "and" in asked_stems and "or" not in asked_stems and len(asked.terms) <= _SHORT_WORDING
    )
    said: set[str] | None = None
    for left, right in _or_sides(stems, function_words):
        sides = []
        for run, next_to_or in ((left, left.stop - 1), (right, right.start)):
            # A side is named by the word next to the "or" or by a phrase its words fold to,
            # not by a word it may share with the other side: "*unauthorized* addition or
            # removal" speaks of unauthorized removal too. Any of its words touches it:
            # "prevention (IDS/IPS)" is touched by a question asking of an IPS.
            whole = set(normalise(" ".join(surface[j] for j in run)).terms)
            own = set(whole)
            for j in run:
                if j != next_to_or:
                    own -= set(normalise(surface[j]).terms)
            named = bool(own & asked_terms) or stems[next_to_or] in asked_stems
            touched = named or bool(whole & asked_terms)
            sides.append((run, frozenset(own), named, touched))
        (_, _, left_named, left_touched), (_, _, right_named, right_touched) = sides
        beside = stems[left.stop - 1] in asked_stems and stems[right.start] in asked_stems
        if beside and both_asked:
            # "Do you have a disclosure program *and* a paid bug bounty?": the Yes to "a
            # disclosure or bug bounty program" may stand for either, and the question asks both,
            # naming each by its word beside the "or" ("confidentiality agreements" names one
            # thing of "confidentiality or non-disclosure agreements").
            if said is None:
                said = _alone(scoring, index, entry, row)
            if all(shared_with_phrases(set(terms), said) for _, terms, _, _ in sides):
                continue
            span = " ".join(surface[left.start : right.stop])
            return f"the entry says '{span}', and its Yes may stand for one; the question asks both"
        if not (left_named and not right_touched or right_named and not left_touched):
            continue
        (asked_of, terms, _, _), (other, _, _, _) = sides if left_named else sides[::-1]
        if said is None:
            said = _alone(scoring, index, entry, row)
        if shared_with_phrases(set(terms), said):
            continue
        span = " ".join(surface[left.start : right.stop])
        shown = " ".join(surface[j] for j in other)
        asked_shown = " ".join(surface[j] for j in asked_of)
        return (
            f"the entry says '{span}', and its Yes may stand for '{shown}' alone; "
            f"the question asks of '{asked_shown}'"
        )
    return None


# "…, or only …": a question offering a choice between a practice and a lesser one.
_ONLY = frozenset(stem(w) for w in ("only", "just", "solely", "merely"))
# How far past its "or" a choice's "only" may stand ("or do you only …").
_ONLY_WITHIN = 3
# Who a question may offer a choice between, as it names them: the vendor, its customers (the
# customer asking speaks of itself as "we"), its suppliers.
_PARTIES = (
    frozenset(("you", "vendor", "vendors")),
    frozenset(("customer", "customers", "client", "clients", "we", "us", "tenant", "tenants")),
    frozenset(
        (
            "provider", "providers", "subprocessor", "subprocessors", "supplier", "suppliers",
            "processor", "processors", "partner", "partners",
        )
    ),
)  # fmt: skip
# Which of `_PARTIES` is the vendor, and how a statement, in the vendor's voice, names it.
_VENDOR = 0
_FIRST_PERSON = frozenset(("we", "us"))
# How many words each side of a choice between parties names them within.
_PARTY_WITHIN = 3


def asks_which(asked: NormalisedText, entry: Entry) -> str | None:
    """Hold back an answer to a question asking which of two it is that does not say which.

    "Do you run a public bug bounty program, or only a vulnerability disclosure policy?" and
    "Does your notification cover suspected incidents, or only confirmed breaches?" ask which;
    a Yes reads as the first and may be only the second, a No as neither. So do "Does the
    customer or the vendor determine the retention period?" and "Are backup retention periods
    set by you or by the customer?", which ask who. A statement answering in its own words
    ("Within 72 hours of confirmation") may say which; of two parties, only by naming another
    than the vendor: "Who provides DDoS protection - you or your cloud provider?" is not
    answered by a description of the protection that names no provider.
    """
    choice = _choice(asked)
    if choice is None:
        return None
    if yes_or_no(entry.answer) is not None:
        return "the question asks which of two it is; a Yes or No does not say"
    if not choice:
        return None
    # The vendor speaks of itself in its own name or as "we", not as "you" or "the vendor": only
    # another party it names tells which.
    written = words_written(entry)
    if any((_PARTIES[n] - _FIRST_PERSON) & written for n in choice if n != _VENDOR):
        return None
    return "the question asks which of two parties it is; the entry names neither"


def _choice(asked: NormalisedText) -> set[int] | None:
    """Return the parties a question asks which of, empty for a choice of practices, or None."""
    stems, surface = asked.stems, [w.casefold() for w in asked.surface]
    for i, word in enumerate(stems):
        if word != "or":
            continue
        if any(s in _ONLY for s in stems[i + 1 : i + 1 + _ONLY_WITHIN]):
            return set()
        if _offers_choice(surface, i):
            return set()
        after = _parties(surface, i + 1, i + 1 + _PARTY_WITHIN)
        if not after:
            continue
        # The first side ends at the "or" ("the customer or the vendor", "by you or by …"): a
        # party named further back does something else ("Does the Service Provider sell or
        # share customer personal information …?").
        before = _parties(surface, i - 1, i)
        if CLOSED_OPENINGS.intersection(surface[i + 1 : i + 1 + _PARTY_WITHIN]):
            # "Does the customer hold the keys …, or *does* the vendor?": the first side is the
            # question's own subject.
            before |= _parties(surface, 1, 1 + _PARTY_WITHIN)
        if before and not before & after:
            return before | after
    return None


# What an "or" ends a list of options with when the question asks which: "network-based,
# host-based, *or both*?", "… or a combination of both?".
_WHICH_ENDS = frozenset(("both", "neither", "combination", "mix", "hybrid"))
# What may follow such an ending and leave it last: the row's next part, or what it combines.
_AFTER_OPTIONS = frozenset(("and", "if", "please", "describe", "explain", "specify", "which", "of"))
# Who does a thing, or how, as a question may offer a choice between them, as written: a
# question naming one before its "or" and the other after it asks which ("done in-house or
# outsourced?"). Adverbs, not adjectives: a framework's "internal or external parties" are any
# parties, and stems would fold "internally" into "internal".
_WAYS = (
    ("internally", "externally"), ("internally", "third"), ("house", "outsourced"),
    ("house", "third"), ("house", "externally"), ("manually", "automatically"),
)  # fmt: skip
# Kinds a thing is of, offered as a choice when the question asks what it is ("Is the hosting
# public or private cloud?"); after a preposition they name any of it ("encrypted over public
# or private networks"), as they do before a noun elsewhere ("digital or non-digital media").
_KINDS_OF = (("public", "private"), ("premise", "cloud"), ("premises", "cloud"),
             ("shared", "dedicated"))  # fmt: skip
# One head, two words before it, offered as a choice: "single-tenant or multi-tenant?".
_HEAD_KINDS = frozenset((("single", "multi"), ("on", "off"), ("network", "host")))
# Words before the first option making the options a place or a means, not what a thing is.
_PREPOSITIONS = frozenset(("over", "on", "in", "across", "via", "through", "from", "to", "for",
                           "with", "by", "at", "of"))  # fmt: skip
# How far before and after its "or" the words of a pair may stand.
_PAIR_BEFORE, _PAIR_AFTER = 3, 4
# How far before its "or" a "whether" makes the options any of them.
_WHETHER_WITHIN = 8
# How a question opens when it asks what a thing is: "*Is* the service …?".
_BEING = frozenset(("is", "are"))


def _offers_choice(surface: Sequence[str], at: int) -> bool:
    """Tell whether the "or" at `at` ends options of which the question asks which.

    "… network-based, host-based, or both?", "done internally or by a third party?" (ways
    excluding each other) and "Is the service single-tenant or multi-tenant?" (what it is, at
    the question's end) do; "a bug bounty or vulnerability disclosure program?" names
    alternatives, either of which its Yes may be, and so do "…, *either* in-house or
    outsourced?", "digital or non-digital media", "remote access or VPN access" and "over
    public or private networks". Options in a row's second question are left to it
    (`_in_later_question`).
    """
    before = surface[max(0, at - _PAIR_BEFORE) : at]
    if _in_later_question(surface, at) or "either" in before:
        return False
    # "… in the CI pipeline *or outside* it?", "… in the EU or outside the EU?": where it is.
    if tuple(surface[at + 1 : at + 2]) == ("outside",):
        return True
    # "…, regardless of *whether* asset management occurs internally or externally?"
    if "whether" in surface[max(0, at - _WHETHER_WITHIN) : at]:
        return False
    ending = next(
        (k for k in range(at + 1, min(at + 3, len(surface))) if surface[k] in _WHICH_ENDS), None
    )
    # "…, or both?" ends its options; "…, or both employees and third parties?" names who, and
    # "on-premises or hybrid deployment?" what is deployed.
    if ending is not None and (ending + 1 == len(surface) or surface[ending + 1] in _AFTER_OPTIONS):
        return True
    following = surface[at + 1 : at + 1 + _PAIR_AFTER]

    def paired(pairs: tuple[tuple[str, str], ...]) -> bool:
        return any(
            a in before and b in following or b in before and a in following for a, b in pairs
        )

    if paired(_WAYS):
        return True
    # What the thing is: the options end the question, and no preposition puts them to a place.
    if surface[0] not in _BEING or len(surface) - at > _PAIR_AFTER:
        return False
    first = next((k for k in range(at - 1, 0, -1) if surface[k] in _KINDS_OF_WORDS), None)
    if paired(_KINDS_OF) and first is not None and surface[first - 1] not in _PREPOSITIONS:
        return True
    return (
        at + 2 == len(surface) - 1
        and surface[at - 1] == surface[at + 2]
        and (surface[at - 2], surface[at + 1]) in _HEAD_KINDS
    )


_KINDS_OF_WORDS = frozenset(word for pair in _KINDS_OF for word in pair)


# How a row's second question opens: its verb, then its subject ("…? *Is the* SOC in-house or
# outsourced?"), not after a word making it a clause of the first ("data *that is* stored").
_LATER_VERBS = frozenset(("is", "are", "do", "does", "can", "will", "which", "who", "how"))
_LATER_SUBJECTS = frozenset(("the", "it", "this", "your", "you", "there", "they", "its", "a"))
_CLAUSE_WORDS = frozenset(("that", "which", "who", "what", "where", "how", "if", "and", "or"))


def _in_later_question(surface: Sequence[str], at: int) -> bool:
    """Tell whether the word at `at` is in a row's second question, past its first.

    "Do you have 24x7 security monitoring? Is the SOC in-house or outsourced?" is answered
    Yes by its first question; which of the two the SOC is stays for a reviewer to add. "…,
    *either* in-house or outsourced?" asks of either.
    """
    return any(
        surface[k] in _LATER_VERBS
        and surface[k + 1] in _LATER_SUBJECTS
        and surface[k - 1] not in _CLAUSE_WORDS
        for k in range(3, at - 1)
    )


# What follows a party's name when it names their thing, not them ("customer *data*").
_THEIRS = frozenset(("data", "information", "content", "records", "accounts", "keys"))


def _parties(surface: Sequence[str], start: int, end: int) -> set[int]:
    """Return which parties the words from `start` to `end` name as someone, not as an owner."""
    return {
        n
        for k in range(start, min(end, len(surface)))
        for n, party in enumerate(_PARTIES)
        if surface[k] in party and (k + 1 >= len(surface) or surface[k + 1] not in _THEIRS)
    }


# How far back a negation in a statement's detail reaches a word ("does *not* use customer
# content to train or *fine*-tune models"), and the words ending its reach ("… *and* runs a
# disclosure policy").
_NEGATED_WITHIN = 10
_CLAUSE_ENDS = frozenset(("and", "but", "while", "whereas", "although"))


def _negated(stems: Sequence[str], at: int) -> bool:
    """Tell whether a negation before the word at `at`, in the same clause, reaches it."""
    for k in range(at - 1, max(-1, at - 1 - _NEGATED_WITHIN), -1):
        if stems[k] in NEGATIONS:
            return True
        if stems[k] in _CLAUSE_ENDS:
            return False
    return False


def no_to_one_side(
    scoring: Scoring, asked: NormalisedText, entry: Entry, wording: NormalisedText
) -> str | None:
    """Hold back a No to one side of a question's "or" when the statement says the other is so.

    "Do you have a bug bounty or vulnerability disclosure programme?" answered No by "Do you run
    a bug bounty program?", whose detail says the vendor runs a vulnerability disclosure policy,
    says there is neither. A No whose wording names both sides ("Do you sell or share …?"), or
    whose detail says nothing of the other side or says it under a negation ("does not use
    customer content to train or fine-tune models"), still answers. `wording`: the statement's
    wording that matched.
    """
    if yes_or_no(entry.answer) != "no" or not entry.detail:
        return None
    stems = asked.stems
    if "or" not in stems or _open_ended(stems):
        return None
    stated = set(wording.stems)
    detail = scoring.details.normaliser.normalise(entry.detail).stems
    for left, right in _or_sides(stems, scoring.guards.function_words):
        # Each side is named by its word beside the "or" ("bug *bounty* or *responsible*
        # disclosure programme"); its other words may be the two sides' shared head.
        named = [stems[left.stop - 1] in stated, stems[right.start] in stated]
        if named[0] == named[1]:
            continue
        other = {stems[j] for j in (right if named[0] else left)} - stated
        said_so = next(
            (s for k, s in enumerate(detail) if s in other and not _negated(detail, k)), None
        )
        if said_so is not None:
            return (
                f"the entry's No is about one side of the question's 'or'; its detail says "
                f"'{written_as(asked, said_so)}' is so"
            )
    return None
