"""The thing a question asks of, and whether a statement names it.

A rule reading what a verb is put to ("sign *an NDA*"), what covers what, or which event a row
asks happened reads a run of the question's words up to where it ends (`words_before`), leaves
aside the words saying whose or which of it (`WHOSE`: "*customer* data"), and asks whether the
statement names the thing by one of its words (`names_any_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.normalise import shared_with_phrases, stem

# Words of a subject that say whose or which of it, not what: "Is *customer* data encrypted?"
# is answered by a statement on all data at rest.
WHOSE = frozenset(
    (
        "customer", "customers", "client", "clients", "user", "users", "our", "their", "its",
        "personal", "sensitive", "confidential", "stored", "data", "information", "be", "been",
        "being", "themselves", "itself", "s", "also", "always", "ever",
    )
)  # fmt: skip


# Articles, which name none of a thing: "sign *an* NDA", "*a* firewall".
ARTICLES = frozenset(("a", "an"))


def names_any_of(
    words: Sequence[str],
    asked: frozenset[str],
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    frame: frozenset[str] = frozenset(),
) -> bool | None:
    """Tell whether a statement names a thing by any of its words; None if they name nothing.

    The words are read as the question's terms fold them (`asked`; `terms` folds them) and,
    frame words and words saying whose aside, as written: "confidentiality agreements" folds to
    "NDA" and is named by a detail's "agreement, which includes confidentiality terms";
    "continuity plans" by a statement's "business continuity"; "data centers" not by "data".
    A phrase the question reads as one is named only as one.
    """
    named = {t for t in terms(" ".join(words)) if t in asked and t not in frame}
    if not named:
        return None
    says = said()
    if shared_with_phrases(named, says):
        return True
    # A phrase the question reads as one ("data centers") is named as one, not by its words:
    # "trust center" does not name data centers.
    phrased = {stem(part) for term in named if "_" in term for part in term.split("_")}
    written = {stem(w) for w in words if w not in WHOSE} - frame - phrased
    parts = {stem(part) for term in says if "_" in term for part in term.split("_")}
    return not written.isdisjoint(says | parts)


def words_before(words: Sequence[str], ends: frozenset[str], skipped: frozenset[str]) -> list[str]:
    """Return the words up to the first of `ends`, those in `skipped` left out.

    How a rule reads what a verb is put to ("sign *an NDA* in …"), what a who-question asks is
    done, or one side of what covers what, within the window it is given.
    """
    kept: list[str] = []
    for word in words:
        if word in ends:
            break
        if word not in skipped:
            kept.append(word)
    return kept
