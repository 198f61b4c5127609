"""Normalisation and the thesaurus file: stems, synonyms, boilerplate, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.errors import BankError
from app.core.matching import control_ids, load_thesaurus
from app.core.normalise import (
    SHIPPED_THESAURUS,
    Normaliser,
    Thesaurus,
    parse_thesaurus,
    shared_with_phrases,
    shipped_thesaurus,
    stem,
    words,
)


def test_plural_and_tense_variants_share_a_stem() -> None:
    assert stem("policies") == stem("policy")
    assert stem("encrypted") == stem("encrypting") == stem("encrypt")
    assert stem("logging") == stem("logs") == stem("log")
    assert stem("access") == "access"


def test_ampersand_and_contractions_are_spelled_out() -> None:
    assert words("A&A: don't") == ["a", "and", "a", "do", "not"]


def test_synonyms_fold_to_the_canonical_term() -> None:
    normaliser = Normaliser(load_thesaurus(SHIPPED_THESAURUS))
    for phrase in ("multi-factor authentication", "2FA", "two factor authentication", "MFA"):
        assert normaliser.normalise(f"Is {phrase} required?").terms == ("mfa", stem("required"))
    for phrase in ("subprocessors", "third-party suppliers", "vendors"):
        assert "third_party" in normaliser.normalise(f"Are {phrase} assessed?").terms
    assert normaliser.normalise("Is workforce trained?").terms == (
        normaliser.normalise("Are employees trained?").terms
    )
    for phrase in ("machine-learning", "machine learning", "ML", "artificial intelligence"):
        assert normaliser.normalise(f"Are {phrase} models tested?").terms == (
            normaliser.normalise("Are AI models tested?").terms
        )
    # Customers' names for privileged accounts and for a laptop's own firewall.
    for phrase in ("administrative accounts", "admin accounts", "administrator accounts"):
        assert normaliser.normalise(f"Is MFA enforced on {phrase}?").terms == (
            normaliser.normalise("Is MFA enforced on privileged accounts?").terms
        )
    for phrase in ("personal firewalls", "host-based firewalls", "software firewalls"):
        assert normaliser.normalise(f"Are {phrase} enabled on laptops?").terms == (
            normaliser.normalise("Are host firewalls enabled on laptops?").terms
        )


def test_boilerplate_and_stopwords_are_dropped_but_negations_kept() -> None:
    normaliser = Normaliser(load_thesaurus(SHIPPED_THESAURUS))
    text = normaliser.normalise(
        "Does the organization not log access, or upon significant changes?"
    )
    assert text.terms == ("not", "log", "access")


def test_answer_formats_name_no_subject() -> None:
    normaliser = Normaliser(load_thesaurus(SHIPPED_THESAURUS))
    asked = normaliser.normalise("Penetration Test Report available? (Y/N)")
    assert asked.terms == normaliser.normalise("Penetration Test Report available?").terms
    assert "y" not in asked.terms and "n" not in asked.terms
    assert normaliser.normalise("Are backups tested? Yes/No").terms == (
        normaliser.normalise("Are backups tested?").terms
    )


def test_abbreviations_of_latin_phrases_name_no_subject() -> None:
    # Their letters were terms of the question: "i" of "i.e." differed from an entry's word.
    normaliser = Normaliser(load_thesaurus(SHIPPED_THESAURUS))
    asked = normaliser.normalise("Do you honour data subject rights (i.e., access and erasure)?")
    assert not {"i", "e", "g"} & set(asked.terms)
    assert "i" not in normaliser.normalise("Do you scan for flaws (e.g. injection)?").terms


def test_a_frequency_adverb_keeps_apart_from_its_unit_of_time() -> None:
    for adverb, unit in (
        ("monthly", "months"),
        ("yearly", "years"),
        ("weekly", "weeks"),
        ("hourly", "hours"),
        ("quarterly", "quarters"),
    ):
        assert stem(adverb) != stem(unit)
    assert stem("annually") == stem("annual")


def test_the_policy_lifecycle_enumeration_becomes_one_term() -> None:
    normaliser = Normaliser(load_thesaurus(SHIPPED_THESAURUS))
    text = normaliser.normalise(
        "Are audit policies established, documented, approved, communicated, applied, "
        "evaluated, and maintained?"
    )
    assert text.terms == ("audit", "policy", "established_and_maintained")


def test_without_a_thesaurus_text_is_only_stemmed() -> None:
    text = Normaliser(Thesaurus()).normalise("Is MFA enforced?")
    assert text.terms == ("is", "mfa", "enforc")


def test_shipped_thesaurus_loads_with_its_guards() -> None:
    thesaurus = load_thesaurus(SHIPPED_THESAURUS)
    names = {g.name for g in thesaurus.guards}
    assert {"data state", "data lifecycle", "population", "frequency", "policy domain"} <= names
    inclusive = {g.name for g in thesaurus.guards if g.inclusive}
    assert inclusive == {"data state", "data lifecycle", "population"}
    assert {g.name for g in thesaurus.guards if g.qualifies} == {"population"}
    assert len(thesaurus.synonyms) >= 30


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("synonyms: [a, b]\n", "line 1: a synonym group"),
        ("synonyms:\n  - [mfa]\n", "line 2: a synonym group needs two or more terms"),
        ("colours: []\n", "unknown section 'colours'"),
        (
            "guards:\n  - name: x\n    values: {a: [a]}\n",
            "line 3: a guard needs at least two values",
        ),
        ("guards:\n  - name: x\n    mode: sometimes\n    values: {a: [a], b: [b]}\n", "line 3"),
        (
            "guards:\n  - name: x\n    inclusive: often\n    values: {a: [a], b: [b]}\n",
            "line 3: guard 'inclusive' must be true or false",
        ),
        (
            "guards:\n  - name: x\n    qualifies: maybe\n    values: {a: [a], b: [b]}\n",
            "line 3: guard 'qualifies' must be true or false",
        ),
        (
            "guards:\n  - name: x\n    strict: 1\n    values: {a: [a], b: [b]}\n",
            "line 3: guard 'strict' must be true or false",
        ),
        ("synonyms:\n  - [a, b\n", "not valid YAML"),
        ("stopwords: [the, '']\n", "line 1: 'stopwords' must hold non-empty text"),
    ],
)
def test_malformed_thesaurus_names_file_and_line(text: str, message: str) -> None:
    with pytest.raises(BankError, match="thesaurus.yaml") as error:
        parse_thesaurus(text, path=Path("thesaurus.yaml"))
    assert message in str(error.value)


def test_missing_thesaurus_file_is_a_bank_error(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="no such thesaurus file"):
        load_thesaurus(tmp_path / "thesaurus.yaml")


def test_refs_may_list_several_control_ids() -> None:
    ids = control_ids({"caiq": "IAM-14.1, IAM-14.2", "iso": "A.5.15"})
    assert {"IAM-14-1", "IAM-14-2", "A-5-15"} <= ids


def test_a_noun_in_ation_and_its_verb_are_one_word_where_texts_are_compared() -> None:
    restoration, restoring = stem("restoration"), stem("restoring")
    assert restoration != restoring  # the stemmer keeps "-ation" as "-at"
    assert shared_with_phrases({restoration, "backup"}, {restoring}) == {restoration, restoring}
    assert shared_with_phrases({restoring}, {restoration}) == {restoration, restoring}
    # A short stem is another word: a format is not a form.
    assert shared_with_phrases({stem("format")}, {stem("form")}) == set()


def test_a_verb_in_ify_its_noun_and_its_past_are_one_word_where_texts_are_compared() -> None:
    notification, notified, notifying = stem("notification"), stem("notified"), stem("notifying")
    assert len({notification, notified, notifying}) == 3  # the stemmer keeps them apart
    assert shared_with_phrases({notification, "breach"}, {notifying}) == {notification, notifying}
    assert shared_with_phrases({notified}, {notification}) == {notified, notification}
    assert shared_with_phrases({stem("classified")}, {stem("classify")}) == {
        stem("classified"),
        stem("classify"),
    }
    # "certificate" shares its stem with "certification", and is not what "certified" says.
    assert shared_with_phrases({stem("certificates")}, {stem("certified")}) == set()


def test_british_and_american_spellings_share_a_stem() -> None:
    for british, american in [
        ("centre", "center"),
        ("behaviours", "behaviors"),
        ("licence", "license"),
        ("defence", "defense"),
        ("analysed", "analyzed"),
        ("modelling", "modeling"),
        ("labelled", "labeled"),
        ("pseudonymised", "pseudonymized"),
        ("practise", "practice"),
    ]:
        assert stem(british) == stem(american), british


def test_around_the_clock_is_24x7_and_turning_off_is_disabling() -> None:
    terms = Normaliser(shipped_thesaurus()).normalise
    assert terms("Is there 24/7 monitoring?").terms == terms("Is there 24x7 monitoring?").terms
    assert set(terms("Is monitoring staffed around the clock?").terms) >= set(
        terms("Is there 24/7 monitoring?").terms
    )
    assert terms("Can AI be turned off?").terms == terms("Can AI be disabled?").terms


def test_a_second_time_on_significant_change_names_no_subject() -> None:
    # "… annually and upon significant change" asks when, as a framework's "or upon
    # significant changes" does: it names nothing the policy is about.
    normaliser = Normaliser(load_thesaurus(SHIPPED_THESAURUS))
    plain = normaliser.normalise("Are security policies reviewed annually?").terms
    for when in ("and upon significant change", "and after major changes"):
        asked = normaliser.normalise(f"Are security policies reviewed annually {when}?")
        assert asked.terms == plain, when
        assert "change" in asked.surface or "changes" in asked.surface
