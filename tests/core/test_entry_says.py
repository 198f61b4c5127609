"""What an entry says, in all its wordings and its answer, settles what it is about.

A customer's everyday question shares few words with the framework statement that answers it,
so it scores low; the entry's other wordings and its answer show whether it covers everything
the question asks about. Tags do not: they say where an entry is filed, not what it asserts.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.core.bank import Entry, load_bank
from app.core.entry_says import describes, is_bare_yes_or_no
from app.core.matching import DEFAULT_AUTO, Matcher, Thresholds
from app.core.normalise import shipped_thesaurus

STARTER = Path(__file__).resolve().parents[2] / "answer_bank"


def starter_bank() -> list[Entry]:
    return [e.with_changes(status="approved") for e in load_bank(STARTER).entries]


def replaced(bank: list[Entry], entry_id: str, **changes: object) -> list[Entry]:
    return [e.with_changes(**changes) if e.id == entry_id else e for e in bank]


def test_an_entry_saying_all_the_question_asks_fills_below_the_threshold() -> None:
    # The statements' own wordings only: the shipped concepts are these statements as shipped,
    # and would say what the edited copies below no longer do.
    bank = starter_bank()
    question = "Do laptops lock automatically when idle?"
    (best, runner_up, *_) = Matcher(bank, concepts=False).match(question)
    # "Do company devices lock automatically when left unattended?": its answer says laptops
    # lock after minutes of inactivity, and idle devices too.
    assert best.entry_id == "AST-EP-07"
    assert best.score < DEFAULT_AUTO and best.score - runner_up.score >= 0.05
    assert best.explanation.guard is None
    assert best.band == "auto"
    # The same wordings with an answer that names neither laptops nor idleness leave part of
    # the question unsaid: a person decides.
    vaguer = replaced(bank, "AST-EP-07", detail="Screens lock on a schedule set centrally.")
    (held, *_) = Matcher(vaguer, concepts=False).match(question)
    assert held.entry_id == "AST-EP-07" and held.score == best.score
    assert held.band == "suggest"


def test_a_question_word_the_entry_says_elsewhere_is_no_other_subject() -> None:
    bank = starter_bank()  # its own wordings only, as above
    question = "Do you have an enterprise risk management program?"
    (best, *_) = Matcher(bank, concepts=False).match(question)
    # It matches "Do you have a formal risk management program?"; an alternate of the same
    # entry speaks of "an enterprise risk management process".
    assert best.entry_id == "RSK-PROG-01"
    assert best.explanation.guard is None
    assert best.band == "auto"
    (entry,) = [e for e in bank if e.id == "RSK-PROG-01"]
    unsaid = [a for a in entry.alternates if "enterprise" not in a]
    without = replaced(bank, "RSK-PROG-01", alternates=tuple(unsaid))
    (held, *_) = Matcher(without, concepts=False).match(question)
    assert held.entry_id == "RSK-PROG-01"
    assert held.explanation.guard == "subject differs: 'enterprise' vs 'formal'"
    assert held.band == "suggest"
    # A tag is where the entry is filed, not something it says.
    tagged = replaced(without, "RSK-PROG-01", tags=(*entry.tags, "enterprise"))
    (still, *_) = Matcher(tagged, concepts=False).match(question)
    assert still.explanation.guard == "subject differs: 'enterprise' vs 'formal'"


def with_others(entry: Entry) -> list[Entry]:
    """One statement citing a starter concept's CAIQ ID, beside two others, all approved."""
    entries = [
        entry,
        Entry(id="BKP", question="Are backups encrypted?", answer="Yes", refs={"caiq": "BCR-08.1"}),
        Entry(id="MFA", question="Is MFA enforced for administrators?", answer="Yes"),
    ]
    return [e.with_changes(status="approved") for e in entries]


def citing(entry_id: str, question: str, caiq: str, answer: str = "Yes") -> Entry:
    """A harvested framework statement citing one CAIQ ID."""
    return Entry(id=entry_id, question=question, answer=answer, refs={"caiq": caiq})


def release_bank(detail: str) -> list[Entry]:
    """A statement citing the CAIQ ID of the starter concept "Are deployments automated?"."""
    question = "Is the promotion of builds to production automated?"
    return with_others(
        Entry(id="REL", question=question, answer="Yes", detail=detail, refs={"caiq": "AIS-06.2"})
    )


def test_a_concept_path_fills_when_the_entry_says_what_the_concept_leaves_out() -> None:
    question = "Is code deployment automated?"
    (best, *_) = Matcher(release_bank("Code is deployed by the pipeline.")).match(question)
    assert (best.entry_id, best.explanation.concept) == ("REL", "SDL-DEPLOY-02")
    assert best.explanation.guard is None
    assert best.band == "auto"
    (held, *_) = Matcher(release_bank("Releases go through the pipeline.")).match(question)
    assert (held.entry_id, held.explanation.concept) == ("REL", "SDL-DEPLOY-02")
    assert held.explanation.guard == "through a concept, the concept does not cover 'code'"
    assert held.band == "suggest"


def lock_bank() -> list[Entry]:
    """A statement citing the CAIQ ID of the starter concept on automatic screen locks."""
    question = "Are interactive-use endpoints configured to require an automatic screen saver?"
    return with_others(Entry(id="LOCK", question=question, answer="Yes", refs={"caiq": "UEM-06.1"}))


def test_a_concept_covers_what_its_answer_says() -> None:
    # "Do company devices lock automatically when left unattended?" never says "idle" in its
    # wordings; its detail does (laptops lock after minutes of inactivity, mobile devices after
    # a short idle period), so the concept covers the question and its path is not held back.
    question = "Do laptops lock automatically when idle?"
    concepts = [e.with_changes(status="approved") for e in load_bank(STARTER).entries]
    (best, *_) = Matcher(lock_bank(), concepts=concepts).match(question)
    assert (best.entry_id, best.explanation.concept) == ("LOCK", "AST-EP-07")
    assert best.explanation.guard is None
    vaguer = replaced(concepts, "AST-EP-07", detail="Screens lock on a schedule.")
    (held, *_) = Matcher(lock_bank(), concepts=vaguer).match(question)
    assert (held.entry_id, held.explanation.concept) == ("LOCK", "AST-EP-07")
    # Without it the concept never says "idle", and its path is held back for that word.
    assert held.explanation.guard is not None
    assert held.explanation.guard.startswith("through a concept, ")
    assert "'idle'" in held.explanation.guard


def test_a_question_about_a_word_the_entry_never_says_is_held_back() -> None:
    bank = starter_bank()
    question = "Do you disclose which sub-processors handle our personal data?"
    best, held, *_ = Matcher(bank).match(question)
    # "How do you manage subprocessors that handle personal data?" adds nothing of its own, but
    # says nothing of disclosing anywhere: the question is about something else. It scores
    # highest and is set aside for the statement on telling customers about subprocessors.
    assert held.entry_id == "PRV-SUBPROC-01"
    assert held.score >= DEFAULT_AUTO > best.score
    assert held.explanation.guard == "the entry does not say 'disclose'"
    assert held.band == "suggest"
    assert best.entry_id == "PRV-SUBPROC-02" and best.explanation.set_aside == "PRV-SUBPROC-01"
    # Once the entry says it (here in its detail), the wording match fills.
    says = replaced(bank, "PRV-SUBPROC-01", detail="The list is disclosed to every customer.")
    (filled, *_) = Matcher(says).match(question)
    assert filled.entry_id == "PRV-SUBPROC-01"
    assert filled.explanation.guard is None
    assert filled.band == "auto"


def test_an_everyday_word_rare_only_in_a_small_bank_holds_nothing_back() -> None:
    bank = starter_bank()
    question = "Do you provide a disaster recovery capability?"
    # "capability" is rare among 350 statements but common in security writing at large (the
    # term vectors' corpus): "Do you have a disaster recovery plan?" answers it.
    (best, *_) = Matcher(bank).match(question)
    assert best.entry_id == "BCP-DR-01"
    assert best.explanation.guard is None
    assert best.band == "auto"
    # With the bank's word weights alone (no term vectors), the same word looks like a subject.
    (alone, *_) = Matcher(bank, term_vectors=False).match(question)
    assert alone.entry_id == "BCP-DR-01"
    assert alone.explanation.guard == "the entry does not say 'capability'"


def test_a_frame_word_the_entry_never_says_holds_nothing_back() -> None:
    bank = starter_bank()
    # "formal" frames the question ("formal", "documented", "reviewed" name no subject).
    (best, *_) = Matcher(bank).match("Do you have a formal incident response plan?")
    assert best.entry_id == "INC-PLAN-01"
    assert best.explanation.guard is None
    assert best.band == "auto"


def test_undergoing_or_commissioning_a_test_frames_it() -> None:
    # A vendor "undergoes" or "commissions" the test it has performed: the words say how it is
    # had, not what it is, and the statement never needs to say them.
    bank = starter_bank()
    for verb in ("undergo", "commission"):
        (best, *_) = Matcher(bank).match(f"Do you {verb} independent penetration tests?")
        assert best.entry_id == "VUL-PEN-01"
        assert best.explanation.guard is None
        assert best.band == "auto"


def test_two_frame_words_are_no_other_subject() -> None:
    # "commission" against the alternate's "conducted": each side's rarest word of its own is a
    # frame word, which names no subject. "third-party" is not "independent" either, so the
    # statement is reached through its alternate, where the frame words stand apart.
    bank = starter_bank()
    (best, *_) = Matcher(bank).match(
        "Do you commission third-party penetration tests?", context="Secure Development"
    )
    assert best.entry_id == "VUL-PEN-01"
    assert best.explanation.guard is None
    assert best.band == "auto"


def test_a_frame_word_against_a_subject_word_still_differs() -> None:
    bank = starter_bank()
    (best, *_) = Matcher(bank).match("Do you formally test your backups?")
    assert best.entry_id == "BCP-BACKUP-03"
    assert best.band == "suggest"
    assert "subject differs: 'formally' vs 'restoring'" in (best.explanation.guard or "")


def test_a_word_asking_for_a_facets_value_is_the_facets_to_judge() -> None:
    # "Regularly" asks how often without naming a frequency: the frequency guard reads it (any
    # frequency answers it, none is no conflict), so it is no subject the statement on testing
    # restores from backups leaves unsaid.
    bank = starter_bank()
    (best, *_) = Matcher(bank).match("Do you regularly test your backups?")
    assert (best.entry_id, best.band) == ("BCP-BACKUP-03", "auto")
    assert best.explanation.guard is None
    # A question naming a frequency is still judged by it.
    (held, *_) = Matcher(bank).match("Do you test restoring from backups every month?")
    assert held.entry_id == "BCP-BACKUP-03" and held.band == "suggest"
    assert (held.explanation.guard or "").startswith("frequency differs")


def test_a_concept_may_leave_out_the_words_that_frame_a_question() -> None:
    # "Who is responsible for information security?" never says "formally": a frame word, which
    # says how the question asks and not what about, so the concept still covers the question.
    question = "Are security roles and responsibilities formally defined?"
    roles = citing(
        "ROLES",
        "Are roles and responsibilities for planning, implementing, operating, assessing, and "
        "improving governance programs defined and documented?",
        "GRC-06.1",
    )
    (best, *_) = Matcher(with_others(roles)).match(question)
    assert (best.entry_id, best.explanation.concept) == ("ROLES", "GOV-ROLE-01")
    assert best.explanation.guard is None
    assert best.band == "auto"
    # Were "formally" a word of the subject, the concept would leave it out.
    unframed = replace(shipped_thesaurus(), frame=())
    (held, *_) = Matcher(with_others(roles), thesaurus=unframed).match(question)
    assert (held.entry_id, held.explanation.concept) == ("ROLES", "GOV-ROLE-01")
    assert held.explanation.guard is not None
    assert held.explanation.guard.startswith("through a concept, ")
    assert "'formally'" in held.explanation.guard
    assert held.band == "suggest"


def test_a_concept_path_fills_where_the_concept_filled_on_its_own() -> None:
    # The concept on screen locks fills "Do laptops lock automatically when idle?" below the auto
    # threshold, saying all it asks in its answer; the statement citing its control ID answers the
    # same question, and fills as the concept did.
    question = "Do laptops lock automatically when idle?"
    concepts = starter_bank()
    (concept, *_) = Matcher(concepts, concepts=False).match(question)
    assert concept.entry_id == "AST-EP-07"
    assert concept.score < DEFAULT_AUTO and concept.band == "auto"
    (best, runner_up, *_) = Matcher(lock_bank(), concepts=concepts).match(question)
    assert (best.entry_id, best.explanation.concept) == ("LOCK", "AST-EP-07")
    assert best.score < DEFAULT_AUTO and best.score - runner_up.score >= 0.05
    assert best.explanation.guard is None
    assert best.band == "auto"
    # A concept that did not fill on its own leads to a suggestion only.
    vaguer = replaced(concepts, "AST-EP-07", detail="Laptops lock after a while.")
    (held, *_) = Matcher(lock_bank(), concepts=vaguer).match(question)
    assert (held.entry_id, held.explanation.concept) == ("LOCK", "AST-EP-07")
    assert held.band == "suggest"


def test_a_concept_filling_a_question_of_two_subject_words_leads_to_a_suggestion() -> None:
    # Among the shipped concepts alone (the starter statements citing a CAIQ ID), "Where is the
    # company legally registered?" fills with the register of legal requirements (both words
    # said); that judgement, made among fewer rivals on so little, is no evidence for the
    # statement citing the same control ID.
    question = "Where is the company legally registered?"
    legal = citing(
        "LEGAL",
        "Are all relevant standards, regulations, legal/contractual, and statutory requirements "
        "applicable to your organization identified and documented?",
        "GRC-07.1",
    )
    # A detail to write: a bare Yes would be held back for the open question on its own.
    legal = replace(legal, detail="A register of legal requirements is kept by counsel.")
    matcher = Matcher(with_others(legal))
    concept_matcher = matcher._concept_matcher()
    assert concept_matcher is not None
    (concept, *_) = concept_matcher.match(question)
    assert (concept.entry_id, concept.band) == ("GOV-REQ-01", "auto")
    (best, *_) = matcher.match(question)
    assert (best.entry_id, best.explanation.concept) == ("LEGAL", "GOV-REQ-01")
    assert best.explanation.guard is None
    assert best.band == "suggest"


def test_a_subject_of_one_folded_phrase_counts_its_words_for_a_concept_path() -> None:
    # "information security policy" folds to one term, and names the subject as fully as three
    # separate words would: the concept on documented security policies fills the question, and
    # the framework statement citing its control ID fills with it.
    question = "Do you have documented information security policies?"
    policies = citing(
        "POL",
        "Are information governance program policies and procedures sponsored by organizational "
        "leadership established, documented, approved, communicated, applied, evaluated and "
        "maintained?",
        "GRC-01.1",
    )
    matcher = Matcher(with_others(policies))
    concept_matcher = matcher._concept_matcher()
    assert concept_matcher is not None
    (concept, *_) = concept_matcher.match(question)
    assert (concept.entry_id, concept.band) == ("GOV-POL-01", "auto")
    (best, *_) = matcher.match(question)
    assert (best.entry_id, best.explanation.concept) == ("POL", "GOV-POL-01")
    assert best.explanation.guard is None
    assert best.band == "auto"


def test_a_concept_that_filled_outweighs_a_wording_that_would_not() -> None:
    # "Are audit findings tracked to remediation?" is the corrective action plan's concept word
    # for word; the bank's framework wordings share a few more words with the remediation status
    # report than with the plan, but not enough for that report to fill by its score.
    plan = citing(
        "PLAN",
        "Is a risk-based corrective action plan to remediate audit findings established, "
        "documented, approved, communicated, applied, evaluated, and maintained?",
        "A&A-06.1",
    )
    status = citing(
        "STATUS",
        "Is the remediation status of audit findings reviewed and reported to relevant "
        "stakeholders?",
        "A&A-06.2",
        answer="No",
    )
    others = [e for e in starter_bank() if not e.id.startswith("CMP-REMED")]
    bank = [*others, plan.with_changes(status="approved"), status.with_changes(status="approved")]
    question = "Are audit findings tracked to remediation?"
    (best, runner_up, *_) = Matcher(bank).match(question)
    assert (best.entry_id, best.explanation.concept) == ("PLAN", "CMP-REMED-01")
    assert runner_up.entry_id == "STATUS"
    assert runner_up.explanation.concept is None and runner_up.score < DEFAULT_AUTO
    assert best.explanation.guard is None
    assert best.band == "auto"
    # Were the report's wording good enough to fill, the question's own wording would decide.
    strict = Matcher(bank, thresholds=Thresholds(auto=0.50, suggest=0.40))
    (held, *_) = strict.match(question)
    assert held.entry_id == "PLAN"
    assert held.explanation.guard == "the question's own wording fits entry STATUS better"


def test_an_entry_reached_by_its_own_wording_and_a_concept_fills_either_way() -> None:
    # "Have you done a business impact analysis?" fills on the statement's own wording ("done"
    # and "carried out" are both frame words: how a question asks, not what about), and the
    # starter concept for the same control ID, judged among the concepts, fills it too.
    question = "Have you done a business impact analysis?"
    bank = starter_bank()
    (alone, *_) = Matcher(bank, concepts=False).match(question)
    assert (alone.entry_id, alone.band, alone.explanation.guard) == ("BCP-BIA-01", "auto", None)
    (best, *_) = Matcher(bank).match(question)
    assert best.entry_id == "BCP-BIA-01"
    assert best.explanation.guard is None
    assert best.band == "auto"


@pytest.mark.parametrize(
    ("answer", "described", "bare"),
    [
        ("Yes", False, True),
        ("No", False, True),
        ("Yes, at least annually", False, False),
        ("N/A", False, False),
        ("Not applicable.", False, False),
        ("Secure frameworks, encoding and parameterized queries", True, False),
    ],
)
def test_an_answer_is_a_description_or_a_bare_yes_or_no(
    answer: str, described: bool, bare: bool
) -> None:
    assert (describes(answer), is_bare_yes_or_no(answer)) == (described, bare)
