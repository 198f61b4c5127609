"""Every one of a thing, asked of a statement on some of them: its Yes says nothing of the rest.

"Will you provide a root cause analysis after *any* incident?" is not answered Yes by "Every
*significant* incident gets a post-incident review", nor "Are *all* vulnerabilities remediated
within 30 days?" by a statement on *critical* ones: the question asks of every one of the thing,
and the statement narrows it by a word the question never uses. Said of every one as well ("all
incidents are logged; significant ones get a review"), the statement may answer.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.core.bank import Entry
from app.core.normalise import NormalisedText, stem, words

# How a question asks of every one of a thing.
_EVERY = frozenset(("all", "any", "every", "each"))
# Words before the thing that leave it whole: "all *of your* incidents".
_BEFORE_THING = frozenset(("of", "the", "your", "our", "its", "their", "such"))
# How many words name the thing: "any *security incident*".
_THING_WORDS = 2
# Words by which a statement keeps to some of a thing: the weighty ones, the privileged ones.
_NARROWING = frozenset(
    stem(w)
    for w in ("significant", "major", "material", "critical", "severe", "serious", "privileged",
              "administrative", "selected", "certain", "designated", "notable")
)  # fmt: skip
# How far before the thing a narrowing word may stand: "*significant* security incident".
_NARROWING_WITHIN = 2
_VARIABLE = re.compile(r"\{\{[^}]*\}\}")
_CLAUSE_BREAK = re.compile(r"[;,.:!?()]")


# Words ending the thing: a verb of the question ("all access rights *are* reviewed").
_THING_ENDS = frozenset(("is", "are", "be", "been", "was", "were", "have", "has", "must", "can"))


@lru_cache(maxsize=4096)
def _things_asked(surface: tuple[str, ...]) -> frozenset[str]:
    """Return the stems of the things a question asks of every one of.

    The first words naming a thing past its "all", "any", "every" or "each" ("all *of your*
    incidents"), up to a verb ("all access rights *are* …") or a participle ("all access rights
    *reviewed* …").
    """
    things: set[str] = set()
    for k, word in enumerate(surface):
        if word not in _EVERY:
            continue
        taken = 0
        for after in surface[k + 1 :]:
            if after in _BEFORE_THING:
                continue
            if after in _THING_ENDS or after.endswith("ed") or taken == _THING_WORDS:
                break
            things.add(stem(after))
            taken += 1
    return frozenset(things)


def narrowed_to_some(asked: NormalisedText, entry: Entry) -> str | None:
    """Say so when a question asks of every one of a thing and the statement of some of them.

    The statement's wordings, answer and detail are read as written: a narrowing word
    (`_NARROWING`) just before the thing the question asks of every one of, and never said of
    the thing by the question itself, nor the thing said whole by "all", "every" or "each".
    """
    things = _things_asked(asked.surface)
    # A row narrowing the thing itself ("after all *major* incidents") asks of some of it too.
    if not things or _NARROWING.intersection(asked.stems):
        return None
    asked_stems = set(asked.stems)
    narrowed: str | None = None
    texts = (entry.question, *entry.alternates, entry.answer, entry.detail or "")
    # Read clause by clause; a profile variable's name is no word of the statement ("{{
    # access_review_frequency }}").
    clauses = [part for text in texts for part in _CLAUSE_BREAK.split(_VARIABLE.sub(";", text))]
    for clause in clauses:
        said = words(clause)
        stems = [stem(w) for w in said]
        for k, word in enumerate(stems):
            if word not in things:
                continue
            before = said[max(0, k - _NARROWING_WITHIN) : k]
            if any(w in _EVERY for w in before) and not any(stem(w) in _NARROWING for w in before):
                return None
            found = next(
                (w for w in before if stem(w) in _NARROWING and stem(w) not in asked_stems),
                None,
            )
            if found is not None and narrowed is None:
                narrowed = f"{found} {said[k]}"
    if narrowed is None:
        return None
    return f"the question asks of every one; the entry speaks of '{narrowed}' only"
