"""Subject before score: a question that names no subject takes it from its row, not a template."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.core.normalise import Normaliser, Thesaurus
from app.core.reasons import Elsewhere


@dataclass(frozen=True)
class SubjectRule:
    """Tell a question's subject from its frame, and whether an entry is on that subject."""

    frame: frozenset[str]
    # Words by which a question asks for a facet's value ("regularly", "how often"): the facet
    # guard judges them (guards.py), so they never tell two subjects apart.
    asking: frozenset[str] = frozenset()

    @classmethod
    def of(cls, thesaurus: Thesaurus, normaliser: Normaliser) -> SubjectRule:
        """Compile the thesaurus's frame words into the terms the matcher compares."""
        terms: set[str] = set()
        for phrase in thesaurus.frame:
            terms.update(normaliser.normalise(phrase).terms)
        asking: set[str] = set()
        for facet in thesaurus.guards:
            for phrase in facet.asks:
                words = normaliser.normalise(phrase).terms
                if len(words) == 1:
                    asking.update(words)
        return cls(frame=frozenset(terms), asking=frozenset(asking))

    def subject(self, terms: Iterable[str]) -> frozenset[str]:
        """Return the terms that name what a text is about (its frame words removed)."""
        return frozenset(t for t in terms if t not in self.frame)

    def conflict(
        self,
        *,
        asked: frozenset[str],
        context: frozenset[str],
        stated: frozenset[str],
        evidence: frozenset[str],
        id_match: bool,
    ) -> str | None:
        """Say why a match cannot fill on its own when one side names no subject, or None.

        `asked`, `context` and `stated` are the subject terms of the question, the row's context
        and the entry's matched wording; `evidence` is every term the entry carries (question,
        alternates, tags). A control ID the entry cites names the subject as well as any words.
        """
        if id_match:
            return None
        if not asked:
            # "Are the policies reviewed annually?" fits every policy statement word for word:
            # only the row's section or control title says which policy is meant.
            if not context:
                return "the question names no subject and its row gives none"
            if context & evidence:
                return None
            return Elsewhere(
                f"the question names no subject and its section ({_shown(context)}) is not the entry's"
            )
        if not stated and not asked & evidence:
            # The entry's own wording is generic; its tags say what it is about.
            return Elsewhere(
                f"the entry names no subject of its own and is not about {_shown(asked)}"
            )
        return None


def _shown(terms: frozenset[str]) -> str:
    return ", ".join(f"'{t.replace('_', ' ')}'" for t in sorted(terms)[:3])
