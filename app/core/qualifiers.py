"""A kind of a thing a question asks of: custom roles, a dedicated module, keys unique to each.

"Can customer administrators define *custom* roles?" is not answered Yes by "Can customer
administrators assign roles and permissions to their users?", whose detail speaks of built-in
roles; nor "Is data encrypted at rest using keys *unique* to each customer?" by "Is customer
data encrypted at rest?". The word naming the kind is common, so no rarity-weighed guard reads
it as the question's point (subject_guard.py); what it says is that the thing is set apart or
made for the customer, which a statement about the thing in general never claims.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.normalise import stem

# Words naming a kind set apart or made to order. Not "individual" (a person, as often as not),
# "own" (a statement on bring-your-own-key says it) or "separate" (what environments are kept).
_KINDS = frozenset(
    stem(w)
    for w in (
        "custom", "customized", "customised", "bespoke", "dedicated", "unique", "configurable",
    )
)  # fmt: skip


def kind_unsaid(asked: Sequence[str], said: Callable[[], set[str]]) -> str | None:
    """Say so when a question names a kind of what it asks of that the statement never says.

    `asked`: the question's words as written; `said`: all the statement says (its wordings,
    answer and detail), read only when the question names a kind.
    """
    for word in asked:
        if stem(word) in _KINDS and stem(word) not in said():
            return f"the question asks of '{word}' ones; the entry never says '{word}'"
    return None
