"""Object guards: the same frame about another object ("privacy" vs "security" by design)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.core.normalise import Normaliser, Thesaurus


@dataclass(frozen=True)
class ObjectPair:
    """Two objects a frame may take, each as the terms that name it and the words shown."""

    first: frozenset[str]
    second: frozenset[str]
    first_shown: str
    second_shown: str


@dataclass(frozen=True)
class ObjectRule:
    """Hold back a statement about one object of a pair for a question about the other."""

    pairs: tuple[ObjectPair, ...]

    @classmethod
    def of(cls, thesaurus: Thesaurus, normaliser: Normaliser) -> ObjectRule:
        """Compile the thesaurus's object pairs into the terms the matcher compares."""
        pairs: list[ObjectPair] = []
        for first, second in thesaurus.objects:
            a = frozenset(normaliser.normalise(first).terms)
            b = frozenset(normaliser.normalise(second).terms)
            # A phrase that folds to nothing, or into the other, tells nothing apart.
            if a and b and not a <= b and not b <= a:
                pairs.append(ObjectPair(a, b, first, second))
        return cls(pairs=tuple(pairs))

    def conflict(self, question: Iterable[str], entry: Iterable[str]) -> str | None:
        """Say which object differs when the question names one of a pair and the entry the other."""
        asked, stated = frozenset(question), frozenset(entry)
        for pair in self.pairs:
            for mine, theirs, mine_shown, theirs_shown in (
                (pair.first, pair.second, pair.first_shown, pair.second_shown),
                (pair.second, pair.first, pair.second_shown, pair.first_shown),
            ):
                if (
                    mine <= asked
                    and not theirs <= asked
                    and theirs <= stated
                    and not mine <= stated
                ):
                    return f"object differs: '{mine_shown}' vs '{theirs_shown}'"
        return None
