"""What a question asks of that a statement about the thing in general never claims: a kind of
it (custom roles, a dedicated module), its undoing (disabled, optional), its exceptions, a device
(laptops) or a deployment (on-premise).

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
on production hosts?" by a statement on people's devices alone, nor "List any exceptions to your
encryption-at-rest policy." or "Is data encrypted at rest in on-premise deployments?" by a
statement on the hosted service's encryption. What is done to a thing (encrypted, blocked,
backed up) is read in treatments.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.normalise import NormalisedText, stem, written_as

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


# Keys a statement on encryption keys does not speak of: ones that log in (SSH and API keys;
# "host" and "access" are as often verbs: "Do you *host* keys in an HSM?"), sign (code-signing,
# PGP) or secure a connection (TLS): "Are SSH host keys rotated?" is not answered by
# data-encryption master keys rotating yearly.
_KEYS = frozenset(("key", "keys"))
_KINDS_OF_KEY = frozenset(
    ("ssh", "signing", "api", "pgp", "gpg", "tls", "ssl", "licence", "license")
)
# Words that may stand in the run naming a kind of key without naming one: "code-*signing*
# *private* keys", "SSH *host* keys".
_OF_KEY = frozenset(("code", "private", "public", "host"))


def _kinds_of_key(surface: Sequence[str]) -> list[str]:
    """Return the words naming a kind of key in the runs of words right before "key(s)"."""
    kinds: list[str] = []
    for at, key in enumerate(surface):
        if key not in _KEYS:
            continue
        start = at
        while start > 0 and surface[start - 1] in _KINDS_OF_KEY | _OF_KEY:
            start -= 1
        kinds.extend(word for word in surface[start:at] if word in _KINDS_OF_KEY)
    return kinds


def key_kind_unsaid(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Say so when a question names a kind of key (SSH, signing, API) the statement never says.

    `said`: all the statement says (its wordings, answer and detail), read only when a kind is
    named: "How do you keep secrets such as API keys out of source code?" says API keys.
    """
    kinds = _kinds_of_key(asked.surface)
    unsaid = [word for word in kinds if stem(word) not in said()]
    if not unsaid:
        return None
    return f"the question asks of {unsaid[0]} keys; the entry never says '{unsaid[0]}'"


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


# Words by which a question asks of the cases a practice leaves out: "List any *exceptions* to
# your encryption-at-rest policy.", "Are any systems *excluded* from scanning?" ("exempt" asks
# whether it can be undone, above). A statement on the practice says it is done, not where it
# is not; one speaking of exceptions, exclusions or exemptions says so.
_EXCEPTIONS = frozenset(stem(w) for w in ("exception", "exclusion", "excluded"))
_LEFT_OUT = _EXCEPTIONS | {stem("exempt")}
# Words just before one that make it the practice's reach instead: "without exception", "with
# *zero* exceptions", "without *any* exclusions"; and "excluding", which confines the row's own
# scope ("all customer data, excluding public content").
_NONE_LEFT_OUT = frozenset(("without", "no", "zero"))
_CONFINING = "excluding"
_NONE_BEFORE = 2


def exceptions_unsaid(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Say so when a question asks of a practice's exceptions and the statement speaks of none.

    `said`: all the statement says (its wordings, answer and detail): "Exceptions are approved by
    the policy owner" speaks of them.
    """
    surface = asked.surface
    asking = [
        at
        for at, word in enumerate(asked.stems)
        if word in _EXCEPTIONS
        and surface[at] != _CONFINING
        and _NONE_LEFT_OUT.isdisjoint(surface[max(0, at - _NONE_BEFORE) : at])
    ]
    if not asking or not _LEFT_OUT.isdisjoint(said()):
        return None
    word = surface[asking[0]]
    return f"the question asks of '{word}'; the entry never speaks of any"


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


# Deployments other than the hosted service, as a row writes them ("*on-premise*
# deployments", "*self-hosted*"), and the stems by which a statement speaks of them.
_DEPLOYMENTS = {
    ("on", "premise"): "on-premise",
    ("on", "premises"): "on-premise",
    ("on", "prem"): "on-premise",
    ("self", "hosted"): "self-hosted",
    ("self", "managed"): "self-managed",
    ("air", "gapped"): "air-gapped",
}
_SPEAKS_OF = {
    "on-premise": frozenset(("premiz", "premis", "prem")),
    "self-hosted": frozenset(("self",)),
    "self-managed": frozenset(("self",)),
    "air-gapped": frozenset(("gap",)),
}


def deployment_unsaid(asked: NormalisedText, said: Callable[[], set[str]]) -> str | None:
    """Say so when a question asks of a deployment the statement never speaks of.

    "Is data encrypted at rest in *on-premise* deployments of your product?" is not answered
    Yes by encryption of the hosted service: the Yes would say an on-premise product exists and
    is encrypted. `said`: all the statement says (its wordings, answer and detail).
    """
    surface = asked.surface
    pairs = zip(surface, surface[1:], strict=False)
    for kind in sorted({_DEPLOYMENTS[pair] for pair in pairs if pair in _DEPLOYMENTS}):
        if _SPEAKS_OF[kind].isdisjoint(said()):
            return f"the question asks of {kind} deployments; the entry never speaks of them"
    return None


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
