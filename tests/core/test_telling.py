"""Whether anyone is told of a thing is not answered by a statement on the thing alone."""

from __future__ import annotations

from dataclasses import replace

from app.core.matching import Matcher
from app.core.normalise import NormalisedText, Normaliser, shipped_thesaurus
from app.core.reasons import Elsewhere
from app.core.telling import telling_unsaid
from tests.core.statements import approved, held_back

# A matched wording saying nothing of its own.
NONE = NormalisedText(stems=(), terms=())


def test_telling_someone_is_not_answered_by_a_statement_never_saying_anyone_is_told() -> None:
    holds = [
        approved(
            "RET-HOLD-01",
            "Can you preserve data under a legal hold?",
            detail="Legal can suspend deletion of specific data when required by law.",
        ),
        approved("GOV-POL-01", "Do you have an information security policy?"),
    ]
    matcher = Matcher(holds, concepts=False)
    assert (
        held_back(
            matcher,
            "Will you notify customers if their data is placed under legal hold?",
            "RET-HOLD-01",
        )
        == "the question asks whether anyone is told ('notify'); the entry never says so"
    )
    # The practice itself is answered; so is telling, said in other words of telling.
    (hold, *_) = matcher.match("Can you place customer data under a legal hold?")
    assert (hold.entry_id, hold.explanation.guard) == ("RET-HOLD-01", None)
    told = [
        replace(holds[0], detail="Customers receive a notification when their data is held."),
        holds[1],
    ]
    (notified, *_) = Matcher(told, concepts=False).match(
        "Will you notify customers if their data is placed under legal hold?"
    )
    assert (notified.entry_id, notified.explanation.guard) == ("RET-HOLD-01", None)


def test_a_statement_never_saying_anyone_is_told_is_about_something_else() -> None:
    # Elsewhere: no evidence against a next statement that does say it (ranking.rank).
    normaliser = Normaliser(shipped_thesaurus())
    asked = normaliser.normalise(
        "Do you inform customers which subprocessors handle our personal data?"
    )

    def terms(text: str) -> tuple[str, ...]:
        return normaliser.normalise(text).terms

    reason = telling_unsaid(asked, NONE, lambda: {"subprocessor", "personal_data", "handle"}, terms)
    assert isinstance(reason, Elsewhere)
    assert telling_unsaid(asked, NONE, lambda: {"subprocessor", "notification"}, terms) is None
    assert telling_unsaid(asked, NONE, lambda: {"subprocessor", "shared"}, terms) is None
    # A framework's run of frame words keeps a policy, and tells no one.
    policy = normaliser.normalise(
        "Are logging policies established, documented, approved, communicated and maintained?"
    )
    frame = frozenset({"approv", "maintain"})
    assert telling_unsaid(policy, NONE, lambda: {"log"}, terms, frame) is None
    # The matched wording as written says it where its terms leave a frame word out.
    notifying = normaliser.normalise("Does the plan cover notifying affected customers?")
    framework = normaliser.normalise("Is the plan established, approved, communicated?")
    assert telling_unsaid(notifying, framework, lambda: {"plan"}, terms, frame) is None
    assert telling_unsaid(notifying, NONE, lambda: {"plan"}, terms, frame) is not None


def test_a_run_of_frame_participles_tells_no_one_and_a_frame_noun_is_what_is_told() -> None:
    normaliser = Normaliser(shipped_thesaurus())

    def terms(text: str) -> tuple[str, ...]:
        return normaliser.normalise(text).terms

    def said() -> set[str]:
        return {"disciplinary", "process"}

    frame = frozenset({"document", "approv", "process", "policy"})
    for kept in (
        "Are policies documented and communicated to staff?",
        "Are policies established, approved, communicated and maintained?",
    ):
        assert telling_unsaid(normaliser.normalise(kept), NONE, said, terms, frame) is None, kept
    told = normaliser.normalise("Is the disciplinary process communicated to all personnel?")
    assert telling_unsaid(told, NONE, said, terms, frame) is not None
