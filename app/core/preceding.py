"""What a step comes before: approval before a change is not approval before access.

"Do support staff need customer approval before accessing customer data?" shares its frame with
"Do you need customer approval before changes that affect a customer's environment?": the same
approval, asked of another event. The words after "before" (or "prior to") say which event a
check, an approval or a notice precedes; when the question's and the statement's name different
events, and the statement says the question's nowhere, it answers another question.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

from app.core.normalise import NormalisedText, Normaliser, shared_with_phrases, stem

# The words of an event read at most: "accessing customer data", "changes that directly …".
_EVENT_WORDS = 3
# Verbs that carry an event rather than name it: "before *making* changes", "before they are
# *given* access".
_LIGHT = frozenset(
    stem(w)
    for w in (
        "make",
        "making",
        "being",
        "get",
        "getting",
        "give",
        "given",
        "grant",
        "granted",
        "receive",
        "receiving",
        "start",
        "starting",
        "begin",
        "beginning",
        "go",
        "going",
    )
)
# Words for one event, a change going live: "approved before *release*" is approved before
# *implementation* or *deployment*.
_GOING_LIVE = frozenset(
    stem(w)
    for w in (
        "release",
        "deploy",
        "deployment",
        "rollout",
        "implementation",
        "launch",
        "production",
        "live",
    )
)
_BEFORE, _PRIOR, _TO = stem("before"), stem("prior"), stem("to")
# Words ending an event's run: what follows them qualifies it or adds another.
_ENDS = frozenset(stem(w) for w in ("that", "which", "who", "whose", "and", "or", "to", "for"))


def _event(
    normaliser: Normaliser, surface: Sequence[str], stems: Sequence[str], skip: Collection[str]
) -> tuple[str, frozenset[str], frozenset[str]] | None:
    """Return what a text's "before" precedes: as written, as terms, and its head word's terms.

    The head is the first word naming the event: "accessing" of "accessing customer data".
    """
    start = None
    for i, word in enumerate(stems):
        if word == _BEFORE:
            start = i + 1
            break
        if word == _PRIOR and i + 1 < len(stems) and stems[i + 1] == _TO:
            start = i + 2
            break
    if start is None:
        return None
    run: list[str] = []
    for i in range(start, len(stems)):
        if stems[i] in _ENDS or len(run) == _EVENT_WORDS:
            break
        if (stems[i] in skip or stems[i] in _LIGHT) and not run:
            continue
        run.append(surface[i] if i < len(surface) else stems[i])
    if not run:
        return None
    terms = frozenset(normaliser.normalise(" ".join(run)).terms)
    head = frozenset(normaliser.normalise(run[0]).terms)
    return (" ".join(run), terms, head) if terms and head else None


def another_event(
    normaliser: Normaliser,
    asked: NormalisedText,
    wording: NormalisedText,
    said: Callable[[], set[str]],
    function_words: Collection[str],
    frame: frozenset[str],
) -> str | None:
    """Say so when a question and a statement name different events after their "before"."""
    if _BEFORE not in asked.stems and _PRIOR not in asked.stems:
        return None
    theirs = _event(normaliser, wording.surface, wording.stems, function_words)
    if theirs is None:
        return None
    ours = _event(normaliser, asked.surface, asked.stems, function_words)
    if ours is None:
        return None
    (asked_shown, asked_event, asked_head), (stated_shown, stated_event, stated_head) = ours, theirs
    asked_head, stated_head = asked_head - frame, stated_head - frame
    if not asked_head or not stated_head:
        return None
    if shared_with_phrases(set(asked_event), set(stated_event)):
        return None
    if _live(asked_head) and _live(stated_head):
        return None
    # The question's words name the statement's event too ("before access *or changes*").
    if shared_with_phrases(set(stated_head), set(asked.terms)):
        return None
    # The statement says the question's event elsewhere: its detail or another wording.
    if shared_with_phrases(set(asked_head), said()):
        return None
    return f"the step comes before another event: '{stated_shown}' vs '{asked_shown}'"


def _live(head: frozenset[str]) -> bool:
    """Tell whether an event's head word names a change going live."""
    return any(part in _GOING_LIVE for term in head for part in term.split("_"))
