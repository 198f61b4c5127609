"""Decide one candidate's band and say why: guards, what holds it back, the explanation."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from functools import cache, partial

from app.core.answer_kind import (
    asks_beyond,
    bare_answer,
    denies_practice,
    names_a_value,
    names_instead,
)
from app.core.asked import Asked, Standing
from app.core.bank import Entry
from app.core.bridging import wording_prefers_other
from app.core.claims import claim_guard
from app.core.either import asks_which
from app.core.entry_says import describes, said_by, says_of, subject_named, yes_or_no
from app.core.intent import EXISTS, asks_openly
from app.core.match_result import Explanation, Match, band_for, context_terms, shared_terms
from app.core.normalise import NormalisedText
from app.core.reasons import is_elsewhere, is_facet
from app.core.scoring import Scored, Scoring
from app.core.sparse_index import Index
from app.core.statement_facets import FacetReading, facet_guard
from app.core.subject_guard import SHORT_QUESTION_TERMS, subject_conflict

# A control ID lifts a score only when the wording alone already scores this (see ranking.py).
# Versions spell other controls' IDs alike: CAIQ v3.1's "CCC-01.1" (authorising new development)
# filled with the v4 change-management policy citing "CCC-01.1" from 0.30 (bench_match_versions.py,
# the other way); from 0.35 nothing fills through such an ID there, nor with CAIQ v4.1.0's
# renumbered IDs (bench_match_paraphrase.py), and the CAIQ v4.0.3 template fills 25 more rows,
# each with the statement citing its ID (167 of 261, from 142 at 0.40).
ID_TEXT_FLOOR = 0.35
# A short question scores low against a long framework statement whatever the match: the edit
# ratio and word cosine count the statement's other words. Its own clear match (no guard, no
# concept between them, well ahead of the runner-up) may fill this far below the auto
# threshold. On the benchmarks no such match at or above 0.40 was wrong (bench/README.md).
SHORT_AUTO_RELIEF = 0.10
CLEAR_MARGIN = 0.05
# An entry that says everything a question asks about may fill this far below the auto
# threshold: from the suggest threshold, at the default bands (_says_whole_subject).
WHOLE_SUBJECT_RELIEF = 0.17
# A concept that filled on its own (by a relief too) lets the entry citing its control ID fill
# when the question names at least this many subject words (_concept_filled). The concepts are
# judged among themselves, a smaller bank with fewer rivals: with two, "Where is the company
# legally registered?" filled with the register of legal requirements. From three, it filled
# 4 more rows right on the customer benchmark and 20 on the learning one, none wrong. A term the
# thesaurus folds from a phrase counts its words: "information security policy" names as much
# as three words apart (3 more right on the customer benchmark, 15 on the learning one).
CONCEPT_FILL_SUBJECT = 3
# How far a narrower statement's Yes must lead a runner-up answering otherwise (_implied_rival).
# At 0.05 the starter bank no longer fills "Is there a shared responsibility model?" with the
# model "applied across your supply chain"; the other benchmarks are unchanged. (It held back
# "Do you have an application security policy?", 0.04 ahead of its review, until the review's
# share for asking another intent; see ranking._worded_closest.)
IMPLIED_MARGIN = 0.05
# A question of more terms than this sets no runner-up apart (_set_apart): a long question's
# subject guards fire on everyday words ("no longer needed" vs "unneeded"), and with the sentence
# model a framework question on destroying keys filled with the statement on revoking them, its
# two closest runner-ups (the right one among them) each set apart on such a word.
SET_APART_MAX_TERMS = 8
# A best match this far ahead of every other entry may fill from WHOLE_SUBJECT_RELIEF below the
# auto threshold when it says most of what a question asks about (_wide_lead): at least
# LEAD_SAID_SHARE of its subject terms, weighed by rarity; for a question of more than
# SET_APART_MAX_TERMS terms, the entry's own subject terms the question leaves unsaid may weigh
# at most LEAD_UNASKED_SHARE of the entry's subject.
WIDE_LEAD = 0.15
LEAD_SAID_SHARE = 0.5
LEAD_UNASKED_SHARE = 0.5


def describe(
    scoring: Scoring,
    index: Index,
    asked: Asked,
    item: Scored,
    standing: Standing,
    context: NormalisedText | None = None,
) -> Match:
    """Band one scored candidate, hold it back when a guard fires, and explain it.

    `context` is the row's context when it lifted this candidate: its shared terms are shown.
    Only the best match may fill a cell, so only its band waits on the guards; the others'
    explanations are worked out when read.
    """
    cand, score = item.cand, item.score
    entry = index.entries[cand.entry_id]
    note = why_not_autofill(scoring, entry)
    if cand.bridge is not None:
        # The band is the concept match's own, calibrated like any other match.
        score = max(score, min(1.0, cand.bridge.score))
    band = band_for(score, scoring.thresholds)

    def explain(guard: str | None) -> Explanation:
        row = index.rows[cand.row]
        return Explanation(
            matched_terms=shared_terms(asked.text, row.text),
            guard=guard,
            runner_up=standing.runner_up,
            margin=standing.margin,
            id_match=item.id_match,
            note=note,
            meaning=round(cand.meaning, 4),
            context_terms=context_terms(asked.text, context, row.text) if context else (),
            concept=cand.bridge.concept_id if cand.bridge else None,
            concept_ref=cand.bridge.control_id if cand.bridge else None,
            read_with_context=asked.read_with_context,
        )

    if not standing.best:
        # The others are alternatives: at most suggested, whatever their guards say.
        band = "suggest" if band == "auto" else band
        return Match(
            cand.entry_id,
            round(score, 4),
            band,
            lambda: explain(_guard(scoring, index, asked, item, standing)),
        )
    guard = _guard(scoring, index, asked, item, standing)
    if band == "suggest" and (
        _clear_short_match(scoring, index, asked, item, standing)
        or _says_whole_subject(scoring, index, asked, item, standing)
        or _concept_filled(asked, item, standing)
        or _wide_lead(scoring, index, asked, item, standing)
    ):
        band = "auto"
    if band == "auto" and (guard or note):
        band = "suggest"
    if band != "auto" and cand.via is not None:
        # Reached two ways, by its own wording and through a concept that filled on its own:
        # either way may fill. "Have you done a business impact analysis?" is held back on its
        # wording ("done" vs "carried out") and fills through the concept that asks it.
        path = replace(cand, bridge=cand.via, direct=cand.text_score, via=None)
        through = describe(scoring, index, asked, replace(item, cand=path), standing, context)
        if through.band == "auto":
            return through
    return Match(cand.entry_id, round(score, 4), band, explain(guard))


def _clear_short_match(
    scoring: Scoring, index: Index, asked: Asked, item: Scored, standing: Standing
) -> bool:
    """Tell whether a short question's own wording fits this entry clearly enough to fill."""
    return (
        standing.best
        and item.cand.bridge is None
        and len(asked.text.terms) <= SHORT_QUESTION_TERMS
        and item.score >= scoring.thresholds.auto - SHORT_AUTO_RELIEF
        and _clear_of_others(scoring, index, asked, item, standing)
        and not _subject_named_elsewhere(index, asked, item.cand.entry_id)
    )


def _wide_lead(
    scoring: Scoring, index: Index, asked: Asked, item: Scored, standing: Standing
) -> bool:
    """Tell whether the best entry leads every other by far and says most of the question.

    "Do you have controls in place to protect client systems from malware?" scores 0.47 against
    "Do you have a policy for protecting systems against malware?", 0.17 ahead of any other
    statement, which says all but "client" and "controls". A wide lead over the whole bank says
    the bank has no other answer; what the entry says of the question says it answers this one.
    A lead alone filled "Does the organization protect the confidentiality, integrity and
    availability of electronic messaging?" with the statement on backups, which never names
    messaging (0.28 of the subject by rarity), and "Does the organization enforce a Role-Based
    Access Control (RBAC) policy over users and resources?" with least privilege, through the
    concept leading the other concepts (0.48). Never through a concept's path, which has its own
    rule (_concept_filled).

    A long question is as full as a statement, so the statement must also say little the
    question does not ask (LEAD_UNASKED_SHARE): "Does the organization compel data and/or process
    owners to obtain authorization for the production use of each system…?" shares owners,
    authorization and production with "Is authorization from data owners obtained … before
    replicating or using production data in non-production environments?" (0.54 said, 0.55 of
    the statement unasked), a different control. A short question says little of its own and a
    statement always says more; the same condition there gave up right fills. Short questions
    filled 4 more rows right on the starter bank, 2 on the customer benchmark and 10 on the
    learning one; long ones 2 more on the customer benchmark, 10 on the learning one, 3 across
    versions and 1 across frameworks; none wrong (bench/README.md).
    """
    if not standing.best or item.cand.bridge is not None or not asked.subject:
        return False
    if item.score < scoring.thresholds.auto - WHOLE_SUBJECT_RELIEF:
        return False
    if standing.margin is not None and standing.margin < WIDE_LEAD:
        return False
    entry_id = item.cand.entry_id
    if _subject_named_elsewhere(index, asked, entry_id):
        return False
    subject = set(asked.subject)
    said = says_of(scoring, index, index.entries[entry_id], subject)
    space = index.words.space
    if space.weight_of(said) < LEAD_SAID_SHARE * space.weight_of(subject):
        return False
    if len(asked.text.terms) <= SET_APART_MAX_TERMS:
        return True
    stated = scoring.subjects.subject(index.rows[item.cand.row].text.key.split())
    unasked = stated - set(asked.text.terms)
    return space.weight_of(unasked) <= LEAD_UNASKED_SHARE * space.weight_of(stated)


def _concept_filled(asked: Asked, item: Scored, standing: Standing) -> bool:
    """Tell whether the concept that led here filled on its own, clear of this runner-up.

    A concept's match is judged like any other, reliefs included: "Do laptops lock
    automatically when idle?" fills with the starter concept whose answer speaks of laptops and
    idle devices. The entry citing that concept's control ID answers the same question, so the
    path fills where the concept did, as long as the entry leads the bank's others clearly and
    the question names enough of a subject (CONCEPT_FILL_SUBJECT) for the concept's judgement,
    made among concepts only, to be its own evidence.
    """
    bridge = item.cand.bridge
    return (
        bridge is not None
        and bridge.auto
        and sum(len(term.split("_")) for term in asked.subject) >= CONCEPT_FILL_SUBJECT
        and standing.best
        and (standing.margin is None or standing.margin >= CLEAR_MARGIN)
    )


def _says_whole_subject(
    scoring: Scoring, index: Index, asked: Asked, item: Scored, standing: Standing
) -> bool:
    """Tell whether the best entry says all the question asks about, clear of the runner-up.

    The score weighs wording, and a customer's everyday question shares few words with the
    framework statement that answers it: "Do laptops lock automatically when idle?" scores 0.49
    against "Do company devices lock automatically when left unattended?", whose answer speaks
    of laptops and idle devices. When the entry says every subject term of the question (its
    words less the frame) in its question, alternates or answer (`said_by`), nothing asked is
    left unsaid, and a plausible score (from WHOLE_SUBJECT_RELIEF below the auto threshold)
    clear of the runner-up fills, as long as no guard objects. On the benchmarks this filled
    11 more rows of the starter bank right, 4 of the customer benchmark and 20 of the learning
    benchmark, and none wrong; an entry saying most of the subject but not all filled wrong
    ones (bench/README.md).
    """
    subject = set(asked.subject)
    if not subject or not standing.best or item.cand.bridge is not None:
        return False
    if item.score < scoring.thresholds.auto - WHOLE_SUBJECT_RELIEF:
        return False
    if not _clear_of_others(scoring, index, asked, item, standing):
        return False
    return subject <= says_of(scoring, index, index.entries[item.cand.entry_id], subject)


def _subject_named_elsewhere(index: Index, asked: Asked, entry_id: str) -> bool:
    """Tell whether another entry names all the question asks about and this one does not.

    Then the match is not clear, however far ahead it scores: "Is there CCTV at the data
    center?" shares only "data center" with "Do you operate your own data centers?" (No), while
    the CCTV statement names CCTV in one wording and data centers in another, and scores low on
    each. Read over an entry's wordings and tags together: what the entry as a whole is about.
    On the starter benchmark this held back the two wrong autos filled below the threshold and no
    right one; as a guard on every short match it also cost 1 right auto of the customer
    benchmark and 11 of the learning benchmark (bench/README.md).
    """
    subject = set(asked.subject)
    if not subject:
        return False

    def names_all(candidate: str) -> bool:
        return subject_named(index, subject, candidate) == subject

    if names_all(entry_id):
        return False
    return any(names_all(other) for other in asked.candidates if other != entry_id)


def _guard(
    scoring: Scoring, index: Index, asked: Asked, item: Scored, standing: Standing
) -> str | None:
    """Return the first reason the candidate must not fill a cell on its own, or None."""
    cand, id_match = item.cand, item.id_match
    row = index.rows[cand.row]
    entry = index.entries[cand.entry_id]
    # A Yes to a statement says everything it names; a question without a subject of its own
    # takes it from its row, and is not answered by implication; a question asking how, when
    # or who is not answered by a Yes at all.
    affirmed = (
        bool(asked.subject)
        and yes_or_no(entry.answer) == "yes"
        and not asks_openly(asked.text.surface)
    )
    # An open question answered in the entry's own words (see subject_conflict).
    answered_freely = describes(entry.answer)
    described = asks_openly(row.text.surface) and answered_freely

    reading = FacetReading(
        scoring,
        index,
        asked.text,
        asked.facets,
        entry,
        cand.row,
        # A terse row naming a value ("Password requirements") asks for it: a Yes naming how
        # often it is reviewed does not say what it is. Its Yes still says the broader thing
        # ("Insurance limits" by the cyber insurance statement, whose detail the cell takes).
        affirmed=affirmed and not names_a_value(asked.text.surface),
        answered_freely=answered_freely,
    )
    guard = facet_guard(reading, exists=asked.intent == EXISTS and cand.bridge is None)
    if guard is None:
        # The entry's own wording: its tags say what it is filed under, not what it asserts.
        # Its words as written count too: "security awareness training" folds to the one
        # term "awareness training", and is still not "privacy awareness training".
        guard = scoring.objects.conflict(
            (*asked.text.terms, *asked.text.stems), (*row.text.key.split(), *row.text.stems)
        )
    if guard is None:
        guard = (
            names_instead(asked.intent, row.text, entry)
            or bare_answer(asked.text, entry)
            or asks_which(asked.text, entry)
            or asks_beyond(asked.text, row.text)
            or denies_practice(asked.text, row.text, entry)
        )
    # All the entry says (its wordings, answer and detail), read once and only when a guard asks.
    says = cache(partial(said_by, scoring, index, entry))
    if guard is None and not id_match:
        # A statement citing the row's control ID was written for it, whatever it claims.
        guard = claim_guard(
            scoring,
            index,
            asked.text,
            entry,
            row.text,
            cand.row,
            says,
            affirmed=affirmed,
            example=asked.example,
            own=asked.own,
            listed=asked.listed,
            later=asked.later,
        )
    if guard is None and cand.bridge is not None:
        # A concept held back on its facets alone leaves them to the entry, whose own were read
        # above: the question on data at rest and in transit is not the concept's on data at
        # rest, and is the entry's that names both.
        bridged = None if is_facet(cand.bridge.guard) else cand.bridge.guard
        guard = bridged or wording_prefers_other(scoring, index, asked, cand)
    if guard is None and item.score >= scoring.thresholds.suggest and cand.bridge is None:
        # Only a plausible match needs the reason it was not filled on its own.
        # A Yes to the narrower question is a Yes to the question (see subject_conflict).
        space = index.words.space
        guard = subject_conflict(
            space,
            asked.text,
            row.text,
            affirmed=affirmed,
            described=described,
            said=says,
            cited=id_match,
            corpus=scoring.corpus,
            frame=scoring.subjects.frame,
            asking=scoring.subjects.asking,
        )
        if (
            guard is None
            and affirmed
            and standing.best
            # The same question without the Yes: does the Yes alone let it fill?
            and subject_conflict(space, asked.text, row.text, said=says)
        ):
            # It fills only because its Yes implies the question's.
            guard = _implied_rival(scoring, index, asked, item, standing)
    if guard is None and not id_match:
        # A statement citing the row's control ID was written for it, whatever its scope.
        guard = scoring.objects.beyond_scope(
            asked.text.terms, asked.context_subject, row.text.key.split()
        )
    if guard is None and cand.bridge is None and asked.alternates is not None:
        guard = asked.alternates.conflict(cand.row)
    if guard is None and asked.id_given and id_match and cand.wording < ID_TEXT_FLOOR:
        guard = "the control ID matches but the wording differs"
    if guard is None and asked.id_owners and not id_match:
        # Generic wording ("are the policies reviewed annually?") recurs under many controls;
        # when the bank holds a statement for this very ID, another one must not fill alone.
        guard = f"the row's control ID is cited by entry {min(asked.id_owners)}, not by this one"
    if guard is None and standing.rival is not None:
        rival = index.entries[standing.rival.cand.entry_id]
        if (
            (rival.answer, rival.detail) != (entry.answer, entry.detail)
            and not (
                # A rival scoring through a wording of its own that asks something else is no rival.
                asked.alternates and asked.alternates.conflict(standing.rival.cand.row)
            )
            and not _set_apart(scoring, index, asked, item, standing.rival)
        ):
            how = "names more of what is asked" if standing.rival_names_more else "matches as well"
            guard = f"entry {rival.id} {how} and answers differently"
    if guard is None and asked.points_back and not id_match:
        # "How is *this* training documented?" asks of a training its heading names; without
        # the heading, a statement on any training fits its words.
        guard = (
            f"the question points back ('{asked.points_back}') at a heading its row does not give"
        )
    if guard is None:
        guard = scoring.subjects.conflict(
            asked=asked.subject,
            context=asked.heading_word,
            stated=scoring.subjects.subject(row.text.key.split()),
            evidence=index.entry_terms(cand.entry_id),
            id_match=id_match,
        )
    return guard


def _clear_of_others(
    scoring: Scoring, index: Index, asked: Asked, item: Scored, standing: Standing
) -> bool:
    """Tell whether the best leads by CLEAR_MARGIN every runner-up not set apart from it."""
    if standing.margin is None or standing.margin >= CLEAR_MARGIN:
        return True
    return all(
        other.cand.entry_id == item.cand.entry_id
        or item.score - other.score >= CLEAR_MARGIN
        or _set_apart(scoring, index, asked, item, other)
        for other in standing.candidates
    )


def _set_apart(
    scoring: Scoring, index: Index, asked: Asked, item: Scored, other: Scored | None
) -> bool:
    """Tell whether a runner-up is no rival to the best: it is about something else.

    A close runner-up holds the best back (a person picks between the two), but not one a guard
    holds back as being about something else (reasons.Elsewhere) that says no word
    of the question the best leaves unsaid: "Is there an API for customers to retrieve their
    data?" is the export API's, not the retention policy's that never names retrieving, 0.02
    behind. The best must answer as the question asks: a free answer to a closed question ("Do
    you scan dependencies?" "At least weekly", from the statement on how often anything is
    scanned) answers only its condition, and the runner-up held back on a word ("known") may
    well be the one meant. Only a short question's guards are trusted so far
    (SET_APART_MAX_TERMS). On the starter benchmark this filled 3 more rows right, none wrong,
    and with the sentence model 2 more there, 1 on the customer benchmark and 4–5 on the
    learning one (bench/README.md).
    """
    if other is None or len(asked.text.terms) > SET_APART_MAX_TERMS:
        return False
    entry = index.entries[item.cand.entry_id]
    if not asks_openly(asked.text.surface) and yes_or_no(entry.answer) is None:
        return False
    if not is_elsewhere(_guard(scoring, index, asked, other, Standing(best=False))):
        return False
    terms = set(asked.text.terms)
    theirs = says_of(scoring, index, index.entries[other.cand.entry_id], terms)
    return theirs <= says_of(scoring, index, entry, terms)


def _runner_up(standing: Standing, entry_id: str) -> Scored | None:
    """Return the best's runner-up with this entry ID, if it is one."""
    return next(
        (other for other in standing.candidates[1:] if other.cand.entry_id == entry_id), None
    )


def _implied_rival(
    scoring: Scoring, index: Index, asked: Asked, item: Scored, standing: Standing
) -> str | None:
    """Hold back a narrower statement's Yes when a close runner-up would answer otherwise.

    Several statements may each add their own condition to a short question: "Is there a shared
    responsibility model?" is narrowed by "applied across your supply chain" and by "the
    controls you are responsible for under it implemented and assessed", 0.04 apart, and which
    one the customer means is for a person to pick. A Yes that answers the question only by
    implying it must be IMPLIED_MARGIN ahead of a runner-up answering differently, as a Yes
    must be ahead of a No (OPPOSITE_MARGIN in ranking.py), and that runner-up is read at its
    own score when it asks with another intent than the question (`Standing.worded_closest`).
    """
    if standing.runner_up is None or standing.margin is None:
        return None
    entry = index.entries[item.cand.entry_id]
    closest = [(standing.runner_up, standing.margin)]
    worded = standing.worded_closest() if standing.worded_closest is not None else None
    if worded is not None:
        closest.append(worded)
    for other_id, margin in closest:
        other = index.entries[other_id]
        if (
            margin < IMPLIED_MARGIN
            and (other.answer, other.detail) != (entry.answer, entry.detail)
            and not _set_apart(scoring, index, asked, item, _runner_up(standing, other_id))
        ):
            return f"entry {other.id} matches as well and answers differently"
    return None


def why_not_autofill(scoring: Scoring, entry: Entry) -> str | None:
    """Say why an entry cannot fill a cell whatever its score (draft, retired, stale), or None."""
    today = scoring.today or date.today()
    if entry.status == "draft":
        return "entry is a draft"
    if entry.status != "approved":
        return f"entry is {entry.status}"
    if entry.is_stale(today=today, default_review_days=scoring.default_review_days):
        return "entry is stale (past its review date)"
    return None
