"""What is done to a thing: a question asking whether it is encrypted, backed up, signed or
logged is answered only by a statement that says so.

"Is all removable media *encrypted*?" is not answered by "Is the use of removable storage …
*blocked*?", another thing done to it; "Are source code repositories *backed up*?" not Yes by
"Is access to source code restricted?", which never says it; nor "Is data *encrypted* in all
environments …?" No by a statement denying production data is used in them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.actor import DETERMINERS, SOME_OF
from app.core.answer_kind import CLOSED_OPENINGS, IF_SO
from app.core.entry_says import yes_or_no
from app.core.normalise import NormalisedText, shared_with_phrases, stem
from app.core.reasons import Elsewhere
from app.core.things import ARTICLES, WHOSE, names_any_of, words_before

# What may follow a closed question's predicate and leave it last: how often, how well.
_AFTER_PREDICATE = frozenset(
    ("regularly", "periodically", "annually", "automatically", "properly", "securely", "up")
)
# Things done to a thing that no other of them says: a statement that removable storage is
# blocked says nothing of whether it is encrypted, or its use logged. Words a text may say of one
# practice in other ways ("installed" and "configured", "segregated" and "separated") are none.
_UP = ("up",)
_TREATMENTS = frozenset(
    stem(w)
    for w in (
        "encrypted", "blocked", "logged", "backed", "deleted", "erased", "retained", "archived",
        "rotated", "revoked", "scanned", "patched", "signed", "exported", "masked", "hashed",
        "anonymised", "anonymized", "pseudonymised", "pseudonymized", "disabled", "prohibited",
    )
)  # fmt: skip


# Checks a No may deny as well: "Are test environments holding production data *protected*
# with production-level controls?" is not answered No by "Is production data used in test
# environments?", whose No would say they are unprotected. A Yes to a check of another thing
# is read by treated_unsaid; as a thing done, these are said in too many words of their own to
# hold a Yes back. Not "tested" ("exercised"), "separated" or "reviewed", said in as many words
# for a No: with them, 2 right fills of the customer benchmark were held and 9 of the learning.
_DENIABLE = _TREATMENTS | frozenset(
    stem(w)
    for w in (
        "protected", "monitored", "hardened", "audited", "secured",
    )
)  # fmt: skip


# What a statement may say is done to a thing beside the things done above: checking it. "How
# often are firewall rules reviewed?" says nothing of whether changes to them are logged. Asked,
# these frame a question ("Are policies reviewed?") and other guards read them.
_CHECKS = frozenset(stem(w) for w in ("reviewed", "tested", "audited", "monitored"))


def _asked_treatment(surface: Sequence[str], stems: Sequence[str]) -> int | None:
    """Return where an "Is/Are …" question's last word names a thing done, if it does."""
    if len(surface) < 3 or surface[0] not in ("is", "are"):
        return None
    at = len(surface) - 1
    while at > 1 and surface[at] in _AFTER_PREDICATE:
        at -= 1
    return at if stems[at] in _TREATMENTS else None


def treatment_differs(
    question: NormalisedText,
    wording: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
) -> str | None:
    """Say so when a question and the statement ask of one thing with two things done to it.

    "Is all removable media encrypted?" is not answered by "Is the use of removable storage such
    as USB drives blocked on company devices?": the question's last word names a thing done
    ("encrypted") that the statement never says (`said`: its wordings, answer and detail, as
    the matcher folds them, `terms`), and the wording that matched names another ("blocked").
    """
    asked_at = _asked_treatment(question.surface, question.stems)
    if asked_at is None:
        return None
    asked_stem = question.stems[asked_at]
    stated = [s for s in wording.stems if s in _TREATMENTS or s in _CHECKS]
    if not stated or asked_stem in stated:
        return None
    # "Backed up" is one thing done, as the matcher folds it ("backup").
    end = asked_at + 2 if question.surface[asked_at + 1 : asked_at + 2] == _UP else asked_at + 1
    if shared_with_phrases(set(terms(" ".join(question.surface[asked_at:end]))), said()):
        return None
    stated_word = wording.surface[wording.stems.index(stated[0])]
    return (
        f"the question asks whether it is '{question.surface[asked_at]}'; "
        f"the entry, whether '{stated_word}'"
    )


def denied_treatment(
    question: NormalisedText,
    answer: str,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
) -> str | None:
    """Say so when a No is given to a question on a thing done that the statement never says.

    "Is data encrypted in all environments, including development and test?" answered No by "Is
    production customer data used in development or test environments?" would deny encryption
    the vendor may well have: a No says only that its own claim is not so. Where a closed
    question's predicate is a thing done (`_TREATMENTS`), the statement must say it or a word
    for the same (`_DONE_ALIKE`: "rotated" is said by "changed"), in its wordings, answer or
    detail (`said`, as the matcher folds words, `terms`).
    """
    if yes_or_no(answer) != "no":
        return None
    unsaid = _treatment_unsaid(question, said, terms, _DENIABLE)
    return (
        None
        if unsaid is None
        else f"the entry's No is about another thing; it never says '{unsaid}'"
    )


def treatment_unsaid(
    question: NormalisedText,
    answer: str,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
) -> str | None:
    """Say so when any other answer is given to a question on a thing done it never says.

    "Are source code repositories backed up?" is not answered Yes by "Is access to source code
    restricted?", nor "Do employees sign the acceptable use policy annually?" by "Is the
    acceptable use policy reviewed yearly?": the statement is on the question's object and
    never says the thing done to it (`_TREATMENTS`, or a word for the same, `_DONE_ALIKE`) in
    its wordings, answer or detail (`said`, as the matcher folds words, `terms`).
    """
    if yes_or_no(answer) == "no":
        return None
    unsaid = _treatment_unsaid(question, said, terms)
    return (
        None
        if unsaid is None
        else Elsewhere(f"the question asks of what is done ('{unsaid}'); the entry never says it")
    )


def _treatment_unsaid(
    question: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    done: frozenset[str] = _TREATMENTS,
) -> str | None:
    """Return the thing done a closed question asks of, when the statement never says it.

    `done`: the stems read as things done (`_TREATMENTS`; for a No, `_DENIABLE`).
    """
    surface = question.surface
    if not surface or surface[0] not in CLOSED_OPENINGS:
        return None
    at = _predicate(surface)
    # "Do you review logs that are *exported* …?", "Do you have a policy on *encrypted* email?":
    # a question put to its subject's verb asks of that verb; its participles qualify what
    # follows, unless "be" makes them its own ("Can audit logs *be exported*?") or they complete
    # its object ("Do you keep production data *encrypted* …?").
    if surface[0] in _ACTIVE_OPENINGS and (at is None or not _own_participle(surface, at)):
        at = _active_predicate(surface, question.stems)
    if at is None or question.stems[at] not in done:
        return None
    end = at + 2 if surface[at + 1 : at + 2] == _UP else at + 1
    alike = (" ".join(surface[at:end]), *_DONE_ALIKE.get(question.stems[at], ()))
    says = said()
    if any(shared_with_phrases(set(terms(word)), says) for word in alike):
        return None
    return " ".join(surface[at:end])


# How a closed question opens when it puts a verb to its subject ("*Do* you encrypt …?"), and
# the words making a participle after it the question's own ("Can logs *be* exported?").
_ACTIVE_OPENINGS = frozenset(("do", "does", "can", "will"))
_BE = frozenset(("be", "been", "being"))


# Verbs whose object a participle completes: "Do you *keep* production data encrypted …?".
_KEEPING = frozenset(("keep", "maintain", "store", "hold", "leave"))


def _own_participle(surface: Sequence[str], at: int) -> bool:
    """Tell whether a "Do …" question's participle at `at` is what it asks of, not a qualifier."""
    return surface[at - 1] in _BE or not _KEEPING.isdisjoint(surface[2:4])


def _active_predicate(surface: Sequence[str], stems: Sequence[str]) -> int | None:
    """Return where a "Do you …" question's verb names a thing done, if it does."""
    if surface[0] not in _ACTIVE_OPENINGS or len(surface) < 3:
        return None
    # The verb follows its subject: "Do you *encrypt* …", "Does the vendor *encrypt* …".
    at = 3 if surface[1] in DETERMINERS and len(surface) > 3 else 2
    # Its base form: "Do audit *logs* …" puts no verb to audit.
    if stems[at] in _TREATMENTS and not surface[at].endswith(("ed", "ing", "s")):
        return at
    return None


# Words saying the same thing is done, as a statement may say it: "Must users *change* their
# passwords at fixed intervals?" No answers "Are passwords *rotated* at fixed intervals?".
_DONE_ALIKE = {
    stem("rotated"): ("changed", "renewed", "replaced"),
    stem("deleted"): ("removed", "erased", "purged", "destroyed", "disposed"),
    stem("erased"): ("deleted", "removed", "wiped"),
    stem("logged"): ("recorded",),
    stem("blocked"): ("prevented", "restricted", "disabled", "prohibited"),
    stem("prohibited"): ("blocked", "forbidden", "allowed", "permitted"),
    stem("revoked"): ("removed", "disabled"),
    stem("disabled"): ("revoked", "removed", "deactivated", "suspended", "de-provision"),
    stem("masked"): ("redacted",),
    stem("retained"): ("kept", "stored"),
}
# A participle a word before it makes a condition or a qualifier, not the question's predicate:
# "Is customer data, *even anonymized*, used to train AI models?".
_QUALIFYING = frozenset(("even", "if", "when", "once", "unless", "whether", "not"))
_IRREGULAR = frozenset(("kept", "held", "sold", "sent", "run", "done", "made", "set"))


def _predicate(surface: Sequence[str]) -> int | None:
    """Return where a closed question's predicate stands: its first participle, if any.

    Past an "If yes, …" the participles are asked on a Yes, which a No leaves.
    """
    for at in range(2, len(surface)):
        word = surface[at]
        if tuple(surface[at : at + 2]) in IF_SO:
            return None
        if word in _IRREGULAR or (len(word) > 4 and word.endswith(("ed", "en"))):
            if surface[at - 1] in _QUALIFYING:
                continue
            return at
    return None


# How a closed question opens when its predicate is a participle put to its subject: "*Are*
# audit logs encrypted?", "*Can* audit logs *be* exported?"; "Do you log …" puts a verb to "you".
_PASSIVE_OPENINGS = frozenset(("is", "are", "can", "will", "must", "should", "may"))
# Words of the subject read at most: past them the predicate is another clause's.
_SUBJECT_WORDS = 4


def treated_unsaid(
    question: NormalisedText,
    wording: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a question asks of a thing done to something the statement never names.

    "Can audit logs be exported by the customer?" is not answered by "Can customers export
    their data?", nor "Are model weights encrypted at rest?" by a statement on customer data at
    rest: the thing done is said, of another thing. The words before a passive question's
    predicate (`_TREATMENTS`) name what it is done to; one of them, as the question's terms
    fold it (`terms`), must be said somewhere in the statement (`said`), but for words saying
    whose or which of it (`WHOSE`) and how a framework asks (`frame`). One is enough: "Are
    leavers' accounts disabled?" is answered by the access of leavers being revoked. A wording
    (`wording`, the one that matched) putting the thing done to every system ("Are *systems*
    patched …?") speaks of the production servers a question names. A verb put to two things
    joined by "and" is read by `_both_unsaid`: each must be named.
    """
    asked_of = _passive_subject(question) or _active_object(question)
    if asked_of is None:
        return _both_unsaid(question, said, terms, frame)
    subject, at = asked_of
    stated = _passive_subject(wording) or _active_object(wording)
    if stated is not None and all(stem(w) in _WHOLES for w in stated[0]):
        return None
    # As the question's own terms fold them: "events logged" is one term, "log".
    asked = frozenset(question.terms)
    if names_any_of(subject, asked, said, terms, frame) is not False:
        return None
    return Elsewhere(
        f"the entry never names what the question asks of ('{question.surface[at]}' "
        f"'{' '.join(subject)}')"
    )


# Everything of a kind a statement may put a thing done to: "Are *systems* patched?".
_WHOLES = frozenset(
    stem(w)
    for w in ("system", "systems", "asset", "assets", "infrastructure", "environment",
              "environments", "everything", "resources", "components")
)  # fmt: skip


_LOG = stem("log")
_JOINED = frozenset(("and", "or", "nor"))


def _active_object(text: NormalisedText) -> tuple[list[str], int] | None:
    """Return the words a closed question's verb of a thing done is put to, and where it is.

    "Do you *encrypt backups*?", "Are visitors required *to sign an NDA*?": the verb as a
    closed question puts it to its subject, or after "to"; its object up to a preposition
    ("sign *in*" puts it to nothing), its determiners and words saying whose aside.
    """
    surface, stems = text.surface, text.stems
    if len(surface) < 3 or surface[0] not in CLOSED_OPENINGS:
        return None
    at = _active_predicate(surface, stems)
    if at is None:
        at = next(
            (
                k
                for k in range(2, len(surface) - 1)
                if surface[k - 1] == "to"
                and stems[k] in _TREATMENTS
                and not surface[k].endswith(("ed", "ing", "s"))
            ),
            None,
        )
    # What is logged is an event ("log administrative access"), which a statement on logging
    # names in its own words.
    if at is None or stems[at] == _LOG:
        return None
    # "Do you anonymize, de-identify or otherwise mask personal data?": verbs joined, their
    # object past the window; "encrypt backups and logs" names more than the window reads.
    if not _JOINED.isdisjoint(surface[at + 1 : at + 1 + _SUBJECT_WORDS]):
        return None
    thing = words_before(
        surface[at + 1 : at + 1 + _SUBJECT_WORDS], _OBJECT_ENDS, DETERMINERS | ARTICLES | WHOSE
    )
    return (thing, at) if thing else None


# How far past a verb of a thing done the things it is put to are read, when "and" joins them.
_JOINED_WORDS = 8
_AND = frozenset(("and",))


def _both_unsaid(
    question: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    frame: frozenset[str],
) -> str | None:
    """Say so when a verb of a thing done is put to two things and the statement names one.

    "Do you scan your code and open-source libraries for known vulnerabilities?" is not answered
    Yes by the tracking of vulnerable libraries alone, nor "Do you encrypt backups and logs?" by
    backups encrypted: each thing joined by "and" must be named, as one thing is
    (`names_any_of`). Verbs joined ("encrypt and sign data") or things offered as options ("or")
    are left alone.
    """
    surface, stems = question.surface, question.stems
    if len(surface) < 3 or surface[0] not in CLOSED_OPENINGS:
        return None
    at = _active_predicate(surface, stems)
    if at is None or stems[at] == _LOG:
        return None
    window = surface[at + 1 : at + 1 + _JOINED_WORDS]
    if "and" not in window or not {"or", "nor"}.isdisjoint(window):
        return None
    things = words_before(window, _OBJECT_ENDS - _AND, DETERMINERS | ARTICLES | WHOSE)
    parts: list[list[str]] = [[]]
    for word in things:
        if word == "and":
            parts.append([])
        else:
            parts[-1].append(word)
    if len(parts) < 2 or not all(0 < len(part) <= _SUBJECT_WORDS for part in parts):
        return None
    # A verb among them joins verbs ("encrypt and *sign* data"); a plural is a thing ("logs").
    if any(stem(word) in _TREATMENTS and not word.endswith("s") for part in parts for word in part):
        return None
    asked = frozenset(question.terms)
    for part in parts:
        if names_any_of(part, asked, said, terms, frame) is False:
            return Elsewhere(
                f"the entry never names what the question asks of ('{surface[at]}' "
                f"'{' '.join(part)}')"
            )
    return None


def _passive_subject(text: NormalisedText) -> tuple[list[str], int] | None:
    """Return the words a passive closed question puts its thing done to, and where it is.

    Its determiners and words saying whose or which of it (`WHOSE`) aside: "Are *audit
    logs* exported?"; none past a few words, where the participle is another clause's.
    """
    surface = text.surface
    if len(surface) < 3 or surface[0] not in _PASSIVE_OPENINGS:
        return None
    at = _predicate(surface)
    if at is None:
        return None
    if text.stems[at] in _TREATMENTS or text.stems[at] in _WATCHED:
        end = at
    elif text.stems[at] == _TESTED and surface[at - 1] in _PENETRATION:
        # "Are staging environments *penetration tested*?": the test's own word is no subject.
        end = at - 1
    else:
        return None
    subject = [
        w
        for w in surface[1:end]
        if w not in DETERMINERS and w not in SOME_OF and w not in WHOSE and w not in _THE_PRODUCT
    ]
    return (subject, at) if subject and len(subject) <= _SUBJECT_WORDS else None


# The vendor's product as a question names it, which a statement names by its profile's
# "{{ product }}": "Is *the application* penetration tested?" asks of what a test of the product
# says.
_THE_PRODUCT = frozenset(
    ("application", "applications", "app", "apps", "platform", "service", "product", "solution")
)


# Checks a statement says of one thing, which say nothing of another: "Are running containers
# *monitored* for anomalous behaviour?" is not answered by audit logs monitored for it, nor "Are
# security logs *protected* against tampering?" by model weights protected from theft. A test
# is one only as a penetration test: a statement says a plan or a backup is tested in its own
# words ("the DR plan" as "continuity plans"), and a firewall rule reviewed, or a server hardened.
_WATCHED = frozenset(stem(w) for w in ("monitored", "protected"))
_TESTED = stem("tested")
_PENETRATION = frozenset(("penetration", "pen"))


# Verbs by which "who" asks of being or having, not of doing: "Who *is* responsible …?", "Who
# *has* access …?".
_NOT_DOING = frozenset(("is", "are", "was", "were", "has", "have", "can", "will", "should", "must"))
# Words ending what a who-question asks is done, or what a verb of a thing done is put to: what
# follows says where, when or among whom ("sign *in*", "performs code review *for* …").
_OBJECT_ENDS = frozenset(
    ("for", "in", "at", "on", "with", "during", "before", "after", "and", "or", "when", "if",
     "within", "across", "to", "of", "by", "from")
)  # fmt: skip


# Words opening or naming the options a who-question offers after what it asks is done.
_OPTION_WORDS = frozenset(
    ("a", "an", "the", "developers", "developer", "engineers", "engineering", "staff",
     "employees", "team", "teams", "internal", "external", "third", "dedicated", "firm", "firms",
     "vendor", "vendors", "provider", "providers", "contractors", "auditors", "consultants",
     "you", "we", "us", "our", "your", "customer", "customers")
)  # fmt: skip


def activity_unsaid(
    question: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a question offering whom to choose from asks who does a thing the statement
    never speaks of.

    "Who performs security code review - developers, a dedicated security team, or an external
    firm?" is not answered by "Do you have a dedicated security team?": its words meet the
    question's options, and it never says code review. What the question asks is done (the
    words after its verb, up to a preposition) must be said somewhere in the statement
    (`said`, as the question's terms fold it, `terms`), one of its words but for how a
    framework asks (`frame`).
    """
    surface = question.surface
    if (
        len(surface) < 3
        or surface[0] != "who"
        or surface[1] in _NOT_DOING
        or surface[1] in _OBJECT_ENDS
        # Only a question offering whom to choose from: its options may be all it shares
        # with a statement ("Who monitors your security logs 24/7?" is about alerts too).
        or "or" not in surface
    ):
        return None
    # "… security code review - developers, a dedicated security team …": the options end it.
    done = words_before(surface[2 : 2 + _SUBJECT_WORDS], _OBJECT_ENDS | _OPTION_WORDS, DETERMINERS)
    if names_any_of(done, frozenset(question.terms), said, terms, frame) is not False:
        return None
    return Elsewhere(
        f"the entry never says what the question asks who does ('{surface[1]} {' '.join(done)}')"
    )
