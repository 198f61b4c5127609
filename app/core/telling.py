"""Whether anyone is told of a thing: a practice done says nothing of telling anyone of it.

"Will you notify customers if their data is placed under legal hold?" is not answered by "Can you
preserve data under a legal hold?", nor "Is the disciplinary process communicated to all
personnel?" by the process existing: telling someone is another thing done.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from app.core.normalise import NormalisedText
from app.core.reasons import Elsewhere

# Telling someone of a thing, as a question asks it ("Will you *notify* customers …?", "Is the
# process *communicated* to all personnel?"). Not "disclose": data disclosed to someone is shared
# with them, which the thesaurus reads as such.
_TELLING = frozenset(
    (
        "notify", "notifies", "notified", "notifying", "inform", "informs", "informed",
        "informing", "communicate", "communicates", "communicated", "communicating", "publish",
        "publishes", "published", "publishing", "tell", "tells", "told",
    )
)  # fmt: skip
# How a statement may say it, as the matcher's terms begin: "notifies", "notification",
# "communicated", "disclosed", "published", "shared with all staff", "tells".
_TELLING_SAID = ("notif", "communicat", "disclos", "publish", "shar", "tell", "told")


def telling_unsaid(
    question: NormalisedText,
    wording: NormalisedText,
    said: Callable[[], set[str]],
    terms: Callable[[str], Sequence[str]],
    frame: frozenset[str] = frozenset(),
) -> str | None:
    """Say so when a question asks whether someone is told of a thing and the statement never says.

    "Will you notify customers if their data is placed under legal hold?" is not answered by
    "Can you preserve data under a legal hold?": holding the data is done, and nothing says
    anyone is told. A statement saying so in any words of telling (`said`: its wordings, answer
    and detail, as terms; and the wording that matched as written, whose frame words the terms
    leave out: "… approved, *communicated*, applied …") may answer it. A framework's run of frame participles ("established,
    documented, approved, *communicated*, applied …": `frame`, the question's words read as
    terms by `terms`) asks how a policy is kept, not whether anyone is told.
    """
    surface = question.surface
    for at, word in enumerate(surface):
        if word not in _TELLING or _in_frame_run(surface, at, terms, frame):
            continue
        parts = {part for term in said() for part in term.split("_")} | set(wording.surface)
        if "inform" in parts or any(part.startswith(_TELLING_SAID) for part in parts):
            return None
        # It never says what is asked: a statement saying it may be the answer (ranking.rank).
        return Elsewhere(
            f"the question asks whether anyone is told ('{word}'); the entry never says so"
        )
    return None


def _in_frame_run(
    surface: Sequence[str], at: int, terms: Callable[[str], Sequence[str]], frame: frozenset[str]
) -> bool:
    """Tell whether the word at `at` stands among frame participles ("approved, *communicated*").

    A frame noun beside it is the thing told of ("Is the disciplinary *process* communicated to
    all personnel?").
    """
    for step in (-1, 1):
        k = at + step
        if 0 <= k < len(surface) and surface[k] == "and":
            k += step
        if 0 <= k < len(surface) and surface[k].endswith("ed") and set(terms(surface[k])) & frame:
            return True
    return False
