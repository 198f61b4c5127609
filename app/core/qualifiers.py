"""What a question asks of that a statement about the thing in general never claims: a kind of
it (custom roles, a dedicated module), its undoing (disabled, optional) or a device (laptops).

"Can customer administrators define *custom* roles?" is not answered Yes by "Can customer
administrators assign roles and permissions to their users?", whose detail speaks of built-in
roles; nor "Is data encrypted at rest using keys *unique* to each customer?" by "Is customer
data encrypted at rest?". The word naming the kind is common, so no rarity-weighed guard reads
it as the question's point (subject_guard.py); what it says is that the thing is set apart or
made for the customer, which a statement about the thing in general never claims.

Likewise "Can customers *disable* encryption at rest for their tenant?" and "Encryption at rest
*optional*?" are not answered Yes by "Is customer data encrypted at rest?": a Yes there says the
practice is done, not that it can be undone; nor "Is customer data encrypted at rest on
employee laptops?", which asks of a device the statement never speaks of, nor "Is EDR installed
on production hosts?" by a statement on people's devices alone; nor "Is all removable media
*encrypted*?" by "Is the use of removable storage … *blocked*?", another thing done to it; nor
is "Is data *encrypted* in all environments …?" answered No by a statement denying production
data is used in them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.answer_kind import CLOSED_OPENINGS, IF_SO
from app.core.entry_says import yes_or_no
from app.core.normalise import NormalisedText, shared_with_phrases, stem, written_as

# Words naming a kind set apart or made to order. Not "individual" (a person, as often as not),
# "own" (a statement on bring-your-own-key says it) or "separate" (what environments are kept).
_KINDS = frozenset(
    stem(w)
    for w in (
        "custom", "customized", "customised", "bespoke", "dedicated", "unique", "configurable",
    )
)  # fmt: skip


def kind_unsaid(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Say so when a question names a kind of what it asks of that the statement never says.

    `said`: all the statement says (its wordings, answer and detail), read only when the
    question names a kind.
    """
    kinds = _KINDS.intersection(asked.stems)
    unsaid = kinds - said() if kinds else kinds
    if not unsaid:
        return None
    word = next(w for w, s in zip(asked.surface, asked.stems, strict=True) if s in unsaid)
    return f"the question asks of '{word}' ones; the entry never says '{word}'"


# Words by which a question asks whether a practice can be undone, as terms: stemmed, or as the
# thesaurus folds them ("turn off" and "switch off" are the term "disable"); "opt" is "opt out".
_UNDOING_WORDS = (
    "optional", "opt", "bypass", "bypassed", "waive", "waived", "exempt", "circumvent",
)  # fmt: skip
# These undo only what one may do, or what is undone for any one: "Can customers *disable*
# encryption?"; "Are leavers' accounts *disabled* promptly?" asks of the practice itself.
_UNDOING_IF_ABLE = ("disable", "deactivate", "override", "overridden")
_ABLE = frozenset(("can", "may", "could", "able", "possible", "option"))


def _as_terms(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(words) | frozenset(stem(w) for w in words)


_UNDOING = _as_terms(_UNDOING_WORDS)
_UNDOING_ABLE = _as_terms(_UNDOING_IF_ABLE)


def undone_unsaid(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Say so when a question asks whether a practice can be undone and the statement never says.

    `said`: all the statement says (its wordings, answer and detail): "Can customers turn off AI
    features?" says it.
    """
    undoing = _UNDOING.intersection(asked.terms)
    # Or of any one ("Is automatic screen lock *disabled* on *any* company devices?").
    if not _ABLE.isdisjoint(asked.surface) or "any" in asked.surface:
        undoing |= _UNDOING_ABLE.intersection(asked.terms)
    if not undoing or undoing & said():
        return None
    word = written_as(asked, min(undoing))
    return f"the question asks whether it can be undone ('{word}'); the entry never says so"


# Devices a question may confine what it asks to: "encrypted at rest *on employee laptops*".
_DEVICES = _as_terms(
    (
        "laptop", "laptops", "phone", "phones", "mobile", "tablet", "tablets", "desktop",
        "desktops", "workstation", "workstations", "usb", "removable",
    )
)  # fmt: skip
# Words naming devices of every kind: a statement on "managed endpoints" speaks of laptops.
_ANY_DEVICE = _as_terms(("endpoint", "endpoints", "device", "devices", "hardware"))


# Machines that run the service, which no statement on people's devices speaks of: "Is EDR
# deployed on all production *servers*?" is not answered by "Every managed laptop runs EDR".
# Read as written, not as stems: "hosted" says where, "for instance" gives an example.
_SERVER_WORDS = frozenset(
    ("server", "servers", "host", "hosts", "workload", "workloads", "vm", "vms")
)
_SERVERS = _as_terms(tuple(_SERVER_WORDS))


def device_unsaid(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Say so when a question names a device the statement never speaks of.

    "Is customer data encrypted at rest on employee laptops?" is not answered by encryption of
    the service's databases and backups. A statement speaking of endpoints or devices in
    general speaks of them, unless it names another device: "Do laptops lock automatically when
    idle?" is answered by "Are managed endpoints configured to lock the screen?", "Are mobile
    phones encrypted?" not by "Are laptop hard drives encrypted?". Servers are not answered by a
    statement on people's devices alone (`_servers_unsaid`).
    """
    devices = _DEVICES.intersection(asked.terms)
    servers = _SERVER_WORDS.intersection(asked.surface)
    if servers and not devices:
        return _servers_unsaid(servers, said())
    if not devices:
        return None
    says = said()
    if devices & says:
        return None
    # Unless it names another device: its "endpoints" are that one's ("Are laptop hard drives
    # encrypted?", also worded of managed endpoints, says nothing of mobile phones).
    if _ANY_DEVICE & says and not (_DEVICES & says):
        return None
    word = written_as(asked, min(devices))
    return f"the question asks of '{word}'; the entry never speaks of them"


def _servers_unsaid(servers: frozenset[str], says: set[str]) -> str | None:
    """Say so when a question asks of servers and the statement of people's devices alone.

    A statement naming no device at all may speak of every system ("Are all production servers
    patched?" by "Are systems patched …?"), and so may one naming servers beside laptops.
    """
    if not (_DEVICES & says) or _SERVERS & says:
        return None
    word = min(servers)
    return f"the question asks of '{word}'; the entry speaks of people's devices only"


# A word undoing another ("*un*encrypted", "*un*tested"): a participle of at least five letters
# after the prefix, so "united" and "unused" are none; "under…" is no undoing.
_UNDOING_PREFIX = "un"
_NOT_UNDOING = ("under",)
# Words by which a question asks of keeping the undone state away ("Do you *prevent*
# unauthorized access?"): asked so, it asks of the practice itself.
_KEEPING_AWAY = frozenset(
    stem(w)
    for w in (
        "prevent", "protect", "block", "detect", "monitor", "against", "alert", "stop",
        "restrict", "limit", "deny", "reject", "flag", "report", "remove", "remediate",
    )
)  # fmt: skip


def _undone(word: str) -> str | None:
    """Return the stem a word undoes ("unencrypted" → "encrypt"), or None."""
    word = word.casefold()
    if not (word.startswith(_UNDOING_PREFIX) and word.endswith("ed")) or word.startswith(
        _NOT_UNDOING
    ):
        return None
    base = word[len(_UNDOING_PREFIX) :]
    return stem(base) if len(base) >= 5 else None


def state_undone(
    asked: NormalisedText, wording: NormalisedText, said: Callable[[], set[str]]
) -> str | None:
    """Say so when a question asks of the undone state of what the statement says is done.

    "Is any customer data stored *unencrypted* at rest?" shares its words with "Is customer data
    encrypted at rest?", whose Yes would say some is; "Has your disaster recovery plan gone
    *untested*?" is not answered by "Do you have a disaster recovery plan?", which never speaks
    of testing (`said`: its wordings, answer and detail). A question asking how that state is
    kept away ("Do you prevent unauthorized access?") asks of the practice itself. `wording`:
    the wording that matched; one saying the undone word itself ("protects against unauthorized
    access") speaks of that state.
    """
    if not _KEEPING_AWAY.isdisjoint(asked.stems):
        return None
    stated = set(wording.stems)
    for word, word_stem in zip(asked.surface, asked.stems, strict=True):
        base = _undone(word)
        if base is None or word_stem in stated:
            continue
        if any(_same_word(s, base) for s in stated):
            return f"the question asks of '{word}'; the entry says it is {word[2:]}"
        says = said()
        if word_stem not in says and not any(_same_word(s, base) for s in says):
            return f"the question asks of '{word}'; the entry never speaks of it"
    return None


def _same_word(said: str, base: str) -> bool:
    """Tell whether a stem is the undone word's base or a form of it ("encryption", "encrypt")."""
    return len(said) > 3 and (said == base or said.startswith(base) or base.startswith(said))


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
    detail (`said`, as the matcher folds words, `terms`). A Yes to a broader claim may imply
    the narrower one; the other guards read that.
    """
    if (
        yes_or_no(answer) != "no"
        or not question.surface
        or question.surface[0] not in CLOSED_OPENINGS
    ):
        return None
    at = _predicate(question.surface)
    if at is None or question.stems[at] not in _TREATMENTS:
        return None
    surface = question.surface
    end = at + 2 if surface[at + 1 : at + 2] == _UP else at + 1
    alike = (" ".join(surface[at:end]), *_DONE_ALIKE.get(question.stems[at], ()))
    says = said()
    if any(shared_with_phrases(set(terms(word)), says) for word in alike):
        return None
    return f"the entry's No is about another thing; it never says '{surface[at]}'"


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
