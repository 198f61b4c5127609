"""Rank one question's candidates: best row per entry, concepts, intent, context, control IDs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from app.core.alternates import AlternateCheck
from app.core.asked import Asked, Standing
from app.core.concepts import Bridge
from app.core.entry_says import says_of, subject_named, yes_or_no
from app.core.intent import intent_of, intents_differ, leaves_unsaid, terms_ask
from app.core.listing import Listed
from app.core.match_result import BANDS, Match, band_for
from app.core.normalise import NormalisedText
from app.core.scoring import Candidate, Scored, Scoring, wording_score
from app.core.sparse_index import Index
from app.core.verdict import CLEAR_MARGIN, ID_TEXT_FLOOR, describe

# A matching control ID lifts a score, but only when the wording is already plausible: versions
# renumber IDs, so an ID never outweighs contradicting text. With CAIQ 4.1.0 IDs (many of them
# renumbered) against a 4.0.3 bank, a floor of 0.40 or 0.35 (ID_TEXT_FLOOR) auto-filled 95% of
# linked questions and none wrongly (bench/bench_match_paraphrase.py).
# Both compare the score from wording alone, which is what a renumbered ID contradicts.
ID_BONUS = 0.15
# An entry citing the row's ID holds back an entry that does not only when its own wording fits
# this well (the wording-only suggest level before meaning was mixed into the score).
OWNER_WORDING_FLOOR = 0.30
# When the runner-up scores within this of the best and answers differently, a person picks.
AMBIGUOUS_MARGIN = 0.02
# The same for a runner-up answering the opposite, Yes against No (see _rival).
OPPOSITE_MARGIN = 0.05
# The same for a runner-up that names more of what a short question asks about (see
# _names_more). At 0.08 the starter bank no longer fills "Is remediation of audit findings
# reported to management?" with the corrective action plan, and no benchmark loses a right auto;
# at 0.10 the starter bank loses one ("Is a formal risk management program in place and
# sponsored by leadership?").
SUBJECT_RIVAL_MARGIN = 0.08
# The sentence model spreads close scores further apart: with it the same corrective action
# plan led by 0.089 and filled. At 0.10 it no longer does, and every benchmark with the model
# fills as many right answers as at 0.08 (bench/README.md).
SENTENCE_SUBJECT_RIVAL_MARGIN = 0.10
# How much of the gap to a perfect score a fully agreeing context closes, for ranking only.
CONTEXT_WEIGHT = 0.5
# A path through a concept is one step removed from the entry's own wording: it counts for a
# little less, so a question worded like the entry itself keeps its direct match.
BRIDGE_DISCOUNT = 0.85
# A concept matched below WEAK_BRIDGE counts for less still, and not at all once the bank's own
# wording fits at WEAK_BRIDGE_CEILING.
WEAK_BRIDGE = 0.60
WEAK_BRIDGE_CEILING = 1.0
WEAK_BRIDGE_DISCOUNT = 0.7
# How much of the gap to a perfect score a detail holding all the question's words closes.
DETAIL_WEIGHT = 0.25
# Only a question of this many terms or fewer lets its intent reorder the candidates.
REORDER_MAX_TERMS = 8
# Share of its score a statement keeps when it answers another intent than a short question's
# (exists vs reviewed vs tested). A statement that the remote work policy is reviewed each year
# repeats "Is there a remote working policy?" nearly word for word, where the statement that the
# policy exists words it its own way: at 0.85 the review came first. From 0.85 down to 0.65 every
# benchmark gains and none fills a wrong answer (starter bank 130 → 135 right autos, learning
# 534 → 548; bench/README.md); below 0.65 nothing more is gained.
OTHER_INTENT_SHARE = 0.65


@dataclass(frozen=True)
class QueryScores:
    """One question with its candidate rows and each row's signals, as the batch scored them."""

    text: NormalisedText
    context: NormalisedText
    rows: np.ndarray  # candidate row numbers, ascending
    word: np.ndarray  # word TF-IDF cosine per candidate row
    char: np.ndarray  # character n-gram cosine per candidate row
    meaning: np.ndarray  # meaning above unrelated texts', 0–1, per candidate row
    agreement: np.ndarray  # how well each row agrees with the context alone (0 without one)
    wanted: frozenset[str] | None  # entries citing the row's control ID (None: no ID given)
    bridges: Mapping[str, Bridge]  # entries a concept led to
    # The question was read with its row's context as its subject (see question_forms.py).
    read_with_context: bool = False
    # How much of meaning's weight the question's score gives it: less when the term vectors
    # never met some of its words (`Meaning.weight_share`).
    meaning_share: float = 1.0
    # The word pointing back at a heading the row does not give (see verdict._guard).
    points_back: str | None = None
    # The terms the question names only in its examples, and its own without them (examples.py).
    example: frozenset[str] = frozenset()
    own: frozenset[str] = frozenset()
    # The things it lists with commas and "and", as written and as terms (listing.py).
    listed: Listed = ()
    # Where, in its words, each question it asks after its first opens (follow_ups.py).
    later: tuple[int, ...] = ()


def rank(scoring: Scoring, index: Index, forms: Sequence[QueryScores], *, top: int) -> list[Match]:
    """Return the question's `top` best entries, banded and explained, best first.

    `forms` are the question as written and, when it uses acronyms, spelt out, or when it names
    no subject of its own, read with its row's context (see app/core/question_forms.py). A later
    form counts only when it finds a better match than the question as written; then each entry
    keeps its better score over the forms (the earlier form on a tie), judged and explained by
    the form that earned it. So a second form can only add evidence: no entry scores lower than
    the question as written gives it, and a form that finds nothing better cannot reorder what
    the question found.
    """
    judged: dict[str, tuple[Scored, Asked, QueryScores]] = {}
    first_best = 0.0
    # A question naming no subject is ordered by its heading first (see below).
    headed = False
    for position, query in enumerate(forms):
        scored, asked = _judge(scoring, index, query)
        form_best = max((_band_score(s) for s in scored), default=0.0)
        if position == 0:
            first_best = form_best
            if not asked.subject and asked.context_subject:
                headed = True
                # A question naming no subject fills only with a statement on its heading's
                # (SubjectRule): others, however close in wording, cannot keep the question
                # read with its heading from counting.
                first_best = max((_band_score(s) for s in scored if s.cand.on_subject), default=0.0)
        elif form_best <= first_best:
            continue
        for item in scored:
            current = judged.get(item.cand.entry_id)
            if current is None or item.score > current[0].score:
                rank_score = max(item.rank, current[0].rank) if current else item.rank
                kept = item if rank_score == item.rank else replace(item, rank=rank_score)
                judged[item.cand.entry_id] = (kept, asked, query)
            elif item.rank > current[0].rank:
                judged[item.cand.entry_id] = (replace(current[0], rank=item.rank), *current[1:])
    ordered = list(judged.values())
    # The band the question alone earns comes first: the context only orders the entries
    # within a band. A matching control ID breaks ties, including ties at the top score. For a
    # question naming no subject, the statements on its heading's come first within the band:
    # "Are security policies reviewed at least once a year?" under "Governance" fits the
    # application security policy's review a little better in wording than the security
    # policies' own, and only the heading says which is meant.
    ordered.sort(
        key=lambda j: (
            BANDS.index(band_for(j[0].score, scoring.thresholds)),
            headed and not j[0].cand.on_subject,
            -j[0].rank,
            not j[0].id_match,
            not j[0].cand.on_subject,
            j[0].cand.entry_id,
        )
    )
    matches = _explained(scoring, index, ordered, top)
    if len(ordered) > 1 and matches[0].band != "auto" and matches[0].explanation.elsewhere:
        # The best statement is about something else (its subject or object differs, it does not
        # say what is asked: reasons.Elsewhere): no evidence against the next one,
        # which fills when it clears every rule as the best of the others, leads them clearly
        # and says the question's most telling word.
        others = _explained(scoring, index, ordered[1:], top)
        margin = others[0].explanation.margin
        if (
            others[0].band == "auto"
            and (margin is None or margin >= CLEAR_MARGIN)
            and _says_rarest(scoring, index, ordered[1])
        ):
            chosen = others[0].setting_aside(matches[0].entry_id)
            return [chosen, matches[0], *others[1 : top - 1]][:top]
    return matches


def _says_rarest(scoring: Scoring, index: Index, judged: tuple[Scored, Asked, QueryScores]) -> bool:
    """Tell whether an entry says the question's rarest word, in any wording or its answer.

    A statement set aside for not saying what is asked gives way only to one that says the
    question's most telling word: a word no statement says (a typo, "mechnaisms exist to
    remediate risks") is missing from the next one too.
    """
    item, asked, _ = judged
    # Its subject's words: a frame word ("formal", "process") tells nothing of what is asked.
    terms = set(asked.subject) or set(asked.text.terms)
    if not terms:
        return False
    space = index.words.space
    rarest = max(terms, key=lambda t: (space.rarity(t), t))
    return bool(says_of(scoring, index, index.entries[item.cand.entry_id], {rarest}))


def _explained(
    scoring: Scoring, index: Index, ordered: Sequence[tuple[Scored, Asked, QueryScores]], top: int
) -> list[Match]:
    """Band and explain the `top` first of a question's entries in order, the first as its best."""
    scored = [j[0] for j in ordered]
    matches: list[Match] = []
    for position, (item, asked, query) in enumerate(ordered[:top]):
        cand = item.cand
        standing = Standing(best=position == 0)
        if len(scored) > 1:
            # The margin that lets the best fill is read against the closest score: the row's
            # context orders entries, and the one it ranks second may not be the closest. With
            # "Privacy Policies and Procedures" as context, "Do you have a documented privacy
            # management process?" filled with the risk program 0.10 ahead of a policy statement
            # ranked second, while the privacy officer was 0.05 behind it.
            other = max(scored[1:], key=lambda s: s.score) if position == 0 else scored[0]
            rival = names_more = worded_closest = None
            if position == 0:
                rival = _rival(index, scored, other, subjectless=not asked.subject)
                names_more = None if rival else _names_more(scoring, index, scored, asked)
                if asked.intent is not None:
                    # Read only when a Yes answers by implication (verdict._implied_rival).
                    worded_closest = partial(_worded_closest, index, scored, asked.intent)
            standing = Standing(
                best=position == 0,
                runner_up=other.cand.entry_id,
                margin=round(item.score - other.score, 4),
                rival=rival or names_more,
                rival_names_more=names_more is not None,
                worded_closest=worded_closest,
                candidates=scored if position == 0 else (),
            )
        # The row's context is shown where it lifted the entry.
        lifted = query.context if cand.rank > cand.text_score else None
        matches.append(describe(scoring, index, asked, item, standing, lifted))
    return matches


def _worded_closest(
    index: Index, scored: Sequence[Scored], intent: str
) -> tuple[str, float] | None:
    """Return the best entry's closest runner-up, and its margin, on the wording's own scores.

    A statement answering another intent than the question's keeps only part of its score
    (OTHER_INTENT_SHARE), which orders the statement that a plan exists before the one that it
    is reviewed. A best entry none of whose wordings asks with the question's intent has no
    claim to that preference: "Do you have a documented change management process?" is implied
    by change control for cryptographic systems and by a yearly review of the change management
    policy alike, 0.02 apart on their wording, and which the customer means is for a person to
    pick (verdict._implied_rival). None when the best asks the same.
    """
    best = scored[0]
    for row in index.entry_rows.get(best.cand.entry_id, ()):
        text = index.rows[row].text
        if intent_of(text.stems, text.surface) == intent:
            return None
    closest = max(scored[1:], key=lambda s: s.score / s.cand.intent_share)
    return closest.cand.entry_id, round(best.score - closest.score / closest.cand.intent_share, 4)


def _band_score(item: Scored) -> float:
    """Return the score a candidate's band is read from (a concept path's own, see verdict)."""
    bridge = item.cand.bridge
    return max(item.score, bridge.score) if bridge is not None else item.score


def _judge(scoring: Scoring, index: Index, query: QueryScores) -> tuple[list[Scored], Asked]:
    """Score one form of a question against its candidates and say what it asks."""
    text, context = query.text, query.context
    id_entries = query.wanted or frozenset()
    context_subject = scoring.subjects.subject(context.terms)
    heading_word = _most_telling(index, context_subject)
    alternates = AlternateCheck.of(scoring, index, text, context_subject, id_entries)
    best = _best_rows(scoring, index, query, alternates)
    _follow_bridges(best, query.bridges)
    _weigh_details(scoring, index, text, best)
    scored = _scored(scoring, index, query, best, heading_word)
    asked = Asked(
        text=text,
        facets=scoring.guards.read(text.stems),
        subject=scoring.subjects.subject(text.terms),
        context_subject=context_subject,
        heading_word=heading_word,
        id_given=query.wanted is not None,
        # Entries citing the row's ID whose wording also fits; an ID reused for another
        # question after renumbering cites an entry whose wording does not (on the same topic,
        # its meaning may well fit, so meaning does not count here).
        id_owners=frozenset(
            e for e in id_entries if e in best and best[e].wording >= OWNER_WORDING_FLOOR
        ),
        direct_best=(
            max(best.values(), key=Candidate.own_score) if query.bridges and best else None
        ),
        intent=intent_of(text.stems, text.surface)
        if len(text.terms) <= REORDER_MAX_TERMS
        else None,
        alternates=alternates,
        candidates=frozenset(best),
        read_with_context=query.read_with_context,
        points_back=query.points_back,
        example=query.example,
        own=query.own,
        listed=query.listed,
        later=query.later,
    )
    return scored, asked


def _best_rows(
    scoring: Scoring, index: Index, query: QueryScores, alternates: AlternateCheck | None
) -> dict[str, Candidate]:
    """Score every candidate row and keep each entry's best.

    A short alternate that asks something else than the question's own words ask is no evidence
    for its entry (see alternates.py): the entry is scored by its other rows, and by that one
    only when it has no other (it is then held back, and says why).
    """
    best: dict[str, Candidate] = {}
    held: dict[str, Candidate] = {}
    asked, row_entry, row_key = query.text.key, index.row_entry, index.row_key
    for r, word, char, meaning, agreement in zip(
        query.rows.tolist(), query.word, query.char, query.meaning, query.agreement, strict=True
    ):
        # Read from the index's columns: a restored index builds only the rows it explains.
        entry_id = row_entry[r]
        wording = wording_score(asked, row_key[r], float(word), float(char))
        score = scoring.mixed(wording, float(meaning), query.meaning_share)
        # The row's context ranks entries on its subject higher. It closes part of the gap
        # to a perfect score (1 - (1 - s)(1 - w·c), a noisy-or), so it never lowers a match
        # and a strong match stays ahead of a weak one on the same subject.
        rank_score = score
        if score < 1.0 and agreement > 0.0:
            rank_score = 1.0 - (1.0 - score) * (1.0 - CONTEXT_WEIGHT * float(agreement))
        # An entry is scored, guarded and explained by its row that best fits the question
        # (its question or an alternate) and ranked by whichever row ranks best.
        kept = held if alternates is not None and alternates.no_evidence(r) else best
        current = kept.get(entry_id)
        if current is None or score > current.text_score:
            rank_score = max(rank_score, current.rank) if current else rank_score
            kept[entry_id] = Candidate(entry_id, r, score, wording, float(meaning), rank_score)
        elif rank_score > current.rank:
            kept[entry_id] = replace(current, rank=rank_score)
    for entry_id, cand in held.items():
        best.setdefault(entry_id, cand)
    return best


def _weigh_details(
    scoring: Scoring, index: Index, text: NormalisedText, best: Mapping[str, Candidate]
) -> None:
    """Rank higher an entry whose detail or answer holds the question's other words.

    Evidence below the question and alternates: it orders entries within the band their
    wording earns, like a row's context, and never changes a score, a band or a guard.
    """
    asked = set(text.terms)
    # A long question carries its own evidence (as for intent), and skipping it keeps a large
    # batch of framework questions from normalising every candidate's detail.
    if not asked or len(text.terms) > REORDER_MAX_TERMS:
        return
    space = index.words.space
    total = space.weight_of(asked)
    for cand in best.values():
        own = index.entry_terms(cand.entry_id)
        extra = (asked - own) & scoring.details.of(index.entries[cand.entry_id])
        if extra and cand.rank < 1.0:
            share = space.weight_of(extra) / total
            cand.rank = 1.0 - (1.0 - cand.rank) * (1.0 - DETAIL_WEIGHT * share)


def _follow_bridges(best: dict[str, Candidate], bridges: Mapping[str, Bridge]) -> None:
    """Rank an entry by a concept's path when the concept fits the question better."""
    own_best = max((c.text_score for c in best.values()), default=0.0)
    for entry_id, bridge in bridges.items():
        cand = best.get(entry_id)
        if bridge.score < WEAK_BRIDGE and own_best >= WEAK_BRIDGE_CEILING:
            # A loose concept match says little when the bank's own wording already fits.
            continue
        share = BRIDGE_DISCOUNT if bridge.score >= WEAK_BRIDGE else WEAK_BRIDGE_DISCOUNT
        if cand is not None and bridge.score * share > cand.text_score:
            # What the row's context added to the entry's own score (the gap it closed), so
            # the path is ordered with the same help as any other candidate.
            kept = (1.0 - cand.rank) / (1.0 - cand.text_score) if cand.text_score < 1.0 else 1.0
            cand.direct = cand.text_score
            # The concept's wording fits the question better than the entry's own: rank the
            # entry by that path, one step removed, and say so.
            cand.text_score = bridge.score * share
            cand.rank = max(cand.rank, 1.0 - (1.0 - cand.text_score) * kept)
            cand.bridge = bridge
        elif cand is not None and bridge.auto and bridge.guard is None:
            # The entry's own wording ranks it, and a concept that filled on its own leads here
            # too: either way may fill the cell (verdict.describe).
            cand.via = bridge


def _scored(
    scoring: Scoring,
    index: Index,
    query: QueryScores,
    best: Mapping[str, Candidate],
    heading_word: frozenset[str],
) -> list[Scored]:
    """Weigh intent, the row's context and its control ID into each entry's final score."""
    text = query.text
    id_entries = query.wanted or frozenset()
    asked_intent = intent_of(text.stems, text.surface)
    # Only a short question lets its intent reorder: a long one carries its own evidence, and
    # reordering it cost 0.015-0.035 of cross-framework top-1.
    # A question without a clear intent cannot differ from any row's: skip reading the rows'.
    short = len(text.terms) <= REORDER_MAX_TERMS and asked_intent is not None
    scored: list[Scored] = []
    for cand in best.values():
        stated = index.rows[cand.row].text if short else None
        stated_intent = intent_of(stated.stems, stated.surface) if stated is not None else None
        if stated is not None and (
            intents_differ(asked_intent, stated_intent)
            or (
                leaves_unsaid(asked_intent, stated_intent)
                and not _says_intent(index, cand.entry_id, asked_intent)
            )
        ):
            # "Do you have a plan?" prefers the statement that the plan exists to the one
            # about testing or reviewing it; "is it tested?" prefers the one about testing.
            cand.text_score *= OTHER_INTENT_SHARE
            cand.rank *= OTHER_INTENT_SHARE
            cand.intent_share = OTHER_INTENT_SHARE
        cand.on_subject = bool(heading_word) and bool(
            heading_word & index.entry_terms(cand.entry_id)
        )
        id_match = cand.entry_id in id_entries
        bonus = ID_BONUS if id_match and cand.wording >= ID_TEXT_FLOOR else 0.0
        scored.append(
            Scored(
                rank=min(1.0, cand.rank + bonus),
                score=min(1.0, cand.text_score + bonus),
                cand=cand,
                id_match=id_match,
            )
        )
    return scored


def _says_intent(index: Index, entry_id: str, intent: str | None) -> bool:
    """Tell whether any wording of the entry asks with this intent ("who receives *updates*")."""
    return any(terms_ask(index.row_terms[row], intent) for row in index.entry_rows[entry_id])


def _most_telling(index: Index, subject: frozenset[str]) -> frozenset[str]:
    """Return the rarest of a context's subject terms (none for a context naming none).

    A row's context is its control title and often its domain too: "Credentials Management
    Policy and Procedures; Identity & Access Management". An entry is on its subject when it
    carries the word that tells this control from the others of the domain ("credential"),
    not any of the domain's words: the identity and access management policy's review is not
    the credentials policy's, and filled its subjectless review question before.
    """
    if not subject:
        return frozenset()
    space = index.words.space
    return frozenset((max(subject, key=lambda t: (space.rarity(t), t)),))


def _rival(
    index: Index, scored: Sequence[Scored], closest: Scored, *, subjectless: bool
) -> Scored | None:
    """Return the entry the question alone cannot tell from the best one, if any.

    Judged on the question's own scores (`closest` scores highest after the best): a row's
    context ranks entries but is no evidence that one of two near-equal statements is the right
    one to fill. A best entry citing the row's control ID is settled against one that does not.
    """
    best = scored[0]
    settled_by_id = best.id_match and not closest.id_match
    # For a question without a subject of its own, the row's context is what tells two
    # identically worded statements apart (see SubjectRule).
    settled_by_subject = subjectless and best.cand.on_subject and not closest.cand.on_subject
    if (
        best.score - closest.score < AMBIGUOUS_MARGIN
        and not settled_by_id
        and not settled_by_subject
    ):
        return closest
    # A runner-up answering the opposite (Yes against No) must be further behind: taking the
    # wrong one of those two writes the contrary of what the vendor said. At 0.05 the starter
    # bank no longer fills "Is production separated from development and test environments?"
    # with "Is production customer data used in development or test environments?" (No), and
    # no benchmark loses a right auto; at 0.08 the customer benchmark loses two.
    said = yes_or_no(index.entries[best.cand.entry_id].answer)
    if said is None:
        return None
    for other in scored[1:]:
        if best.score - other.score >= OPPOSITE_MARGIN or (best.id_match and not other.id_match):
            continue
        if subjectless and best.cand.on_subject and not other.cand.on_subject:
            continue
        theirs = yes_or_no(index.entries[other.cand.entry_id].answer)
        if theirs is not None and theirs != said:
            return other
    return None


def _names_more(
    scoring: Scoring, index: Index, scored: Sequence[Scored], asked: Asked
) -> Scored | None:
    """Return a close runner-up naming more of what a short question asks about, if any.

    Shared words score both, and the one sharing more of the question's weaker words comes
    first: "Is remediation of audit findings reported to management?" scored 0.05 higher against
    "Is there a corrective action plan for audit findings?" than against "Is progress on audit
    findings reported to stakeholders?", which names the reporting the question asks about.
    Read over each entry's wordings and tags together, as in verdict's clear short match.
    """
    subject = set(asked.subject)
    if not subject or len(asked.text.terms) > REORDER_MAX_TERMS:
        return None
    space = index.words.space

    def named(entry_id: str) -> float:
        return sum(space.rarity(t) for t in subject_named(index, subject, entry_id))

    best = scored[0]
    own: float | None = None
    for other in scored[1:]:
        if best.score - other.score >= scoring.subject_rival_margin or (
            best.id_match and not other.id_match
        ):
            continue
        own = named(best.cand.entry_id) if own is None else own
        if named(other.cand.entry_id) > own:
            return other
    return None
