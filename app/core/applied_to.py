"""What a practice is put to: changes to production are not changes to cryptographic systems.

"Are all changes to production approved through change management?" shares its frame with "Are
changes to cryptographic systems and settings managed through change control?": the same change
control, put to another thing. Where a question and the statement's wording say the same change,
update or exception followed by "to", the words after it say what it is put to; when the two
name different things, and the statement never says the question's, it answers another question.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

from app.core.normalise import NormalisedText, Normaliser, shared_with_phrases, stem
from app.core.reasons import Elsewhere

# What is put to a thing: "changes *to* production". Not what is given or shown to someone
# ("available to customers", "reported to management"), nor access, whose places go by many
# names ("the data center", "secure areas").
_PUT = frozenset(
    stem(w) for w in ("change", "changes", "modification", "modifications", "update", "updates",
                      "amendment", "amendments", "exception", "exceptions")
)  # fmt: skip
# The words of what a practice is put to, read at most: "cryptographic systems and settings".
_OBJECT_WORDS = 3
# Words ending what it is put to: a verb of the question, a join, a clause.
_OBJECT_ENDS = frozenset(
    ("and", "or", "is", "are", "be", "been", "was", "were", "that", "which", "who", "through",
     "by", "with", "before", "after", "when", "if", "managed", "approved", "restricted",
     "reviewed", "logged", "controlled", "limited", "granted", "tested", "must", "should", "can")
)  # fmt: skip
# Words naming nothing of it: "changes to *the* …", "access to *all of your* …".
_NAMING_NONE = frozenset(("the", "a", "an", "your", "our", "its", "their", "all", "any", "of"))


@lru_cache(maxsize=4096)
def _put_to(surface: tuple[str, ...]) -> Mapping[str, list[str]]:
    """Return, by the stem of each change or exception followed by "to", what it is put to."""
    found: dict[str, list[str]] = {}
    for k in range(1, len(surface) - 1):
        if surface[k] != "to" or stem(surface[k - 1]) not in _PUT:
            continue
        named: list[str] = []
        for word in surface[k + 1 : k + 1 + _OBJECT_WORDS]:
            if word in _OBJECT_ENDS:
                break
            if word not in _NAMING_NONE:
                named.append(word)
        if named:
            found.setdefault(stem(surface[k - 1]), named)
    return found


def put_to_another(
    normaliser: Normaliser,
    question: NormalisedText,
    wording: NormalisedText,
    said: Callable[[], set[str]],
) -> str | None:
    """Say so when a question and the statement put the same thing to different things.

    What each puts it to is read as the matcher folds words (`normaliser`); the question's is
    answered when the statement says it anywhere (`said`: its wordings, answer and detail), as
    "changes to production" is by a detail on production changes.
    """
    asked = _put_to(question.surface)
    if not asked:
        return None
    stated = _put_to(wording.surface)
    for head, words in asked.items():
        theirs = stated.get(head)
        if theirs is None:
            continue
        mine = set(normaliser.normalise(" ".join(words)).terms)
        other = set(normaliser.normalise(" ".join(theirs)).terms)
        if not mine or not other or shared_with_phrases(mine, said()):
            continue
        return Elsewhere(
            f"the question asks of what is put to '{' '.join(words)}'; "
            f"the entry, to '{' '.join(theirs)}'"
        )
    return None
