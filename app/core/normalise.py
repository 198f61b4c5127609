"""Domain normalisation: tokens, light stemming, a curated thesaurus and its YAML file."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

from app.core.errors import BankError

SHIPPED_THESAURUS = Path(__file__).resolve().parents[2] / "answer_bank" / "thesaurus.yaml"
GUARD_MODES = ("equal", "overlap")
NEGATIONS = frozenset({"not", "no", "never", "without", "neither", "nor", "cannot", "lack"})

V = TypeVar("V")
_WORD = re.compile(r"[a-z0-9]+")
_ACRONYM = re.compile(r"[A-Za-z][A-Za-z0-9]{1,9}")
_SHORTENED = re.compile(r"(?=[0-9]*[A-Za-z])[A-Za-z0-9]{2,10}")
_CONTRACTION = re.compile(r"n['’]t\b")
# A plural's possessive apostrophe ("vendors' plans"), read as the singular's "'s" is: both
# leave the owner followed by an "s" token, which the guards reading whose thing it is look for.
# A word in quotes ("the 'access' list") is not one.
_PLURAL_POSSESSIVE = re.compile(r"(['‘’]?)\b([a-z0-9]*[a-z]s)['’](?![a-z0-9])")


def _possessive(match: re.Match[str]) -> str:
    quoted, word = match.groups()
    return match.group(0) if quoted else f"{word} s"


# Longest suffixes first; each maps to its replacement. Kept small on purpose: the thesaurus
# carries the irregular cases (retention -> retain) so the stemmer never has to guess.
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("isations", "iz"),
    ("izations", "iz"),
    ("isation", "iz"),
    ("ization", "iz"),
    ("ational", "at"),
    ("ations", "at"),
    ("ation", "at"),
    ("ements", ""),
    ("ement", ""),
    ("ments", ""),
    ("ment", ""),
    ("ings", ""),
    ("ions", ""),
    ("ies", "y"),
    ("ing", ""),
    ("ion", ""),
    ("ize", "iz"),
    ("ise", "iz"),
    ("ised", "iz"),
    ("ized", "iz"),
    ("sses", "ss"),
    ("ly", ""),
    ("ed", ""),
    ("es", "e"),
    ("s", ""),
)
_KEEP_S = ("ss", "us", "is", "ys")
# British stems and the American ones the bank's frameworks write: "Security Operations
# Centre" is a security operations center. "-ise" and "-isation" meet "-ize" by the suffixes
# above; these differ elsewhere in the word. "catalogue" stays apart: the object pairs learned
# from CAIQ's "catalogue" (of services, of requirements) would then hold back assets
# "cataloged and tracked", which are an inventory.
_AMERICAN: dict[str, str] = {
    "analys": "analyz",
    "behaviour": "behavior",
    "cancell": "cancel",
    "centr": "center",
    "colour": "color",
    "defenc": "defens",
    "favour": "favor",
    "honour": "honor",
    "labell": "label",
    "licenc": "licens",
    "modell": "model",
    "neighbour": "neighbor",
    "offenc": "offens",
    "practiz": "practic",
    "travell": "travel",
}
# "-ly" on a unit of time makes a frequency: "monthly" is not "months" ("in the next 12 months"),
# nor "yearly" "years" ("a breach in the last 3 years"), and the frequency guard reads stems.
# ("annually" keeps "annual" to itself, and "daily" stems apart from "days".)
_FREQUENCY_LY = frozenset({"hourly", "weekly", "monthly", "quarterly", "yearly"})
# The stemmer keeps "-ation" as "-at" ("automation" meets "automated"), so a noun in "-ation"
# and its verb in "-e" or "-ing" stem apart ("restorat", "restor"). A verb stem this long or
# longer meets its noun where the guards compare what two texts share; a shorter one
# ("form", "format") is another word.
_ATION_BASE = 5


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Reduce an English word to a crude stem so plural and tense variants meet."""
    if len(word) <= 3 or not word.isalpha() or word in _FREQUENCY_LY:
        return word
    for suffix, replacement in _SUFFIXES:
        if not word.endswith(suffix):
            continue
        if suffix == "s" and word.endswith(_KEEP_S):
            return word
        base = word[: -len(suffix)] + replacement
        if len(base) < 3:
            return word
        word = base
        break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    # "logging" -> "logg" -> "log"; "planned" -> "plann" -> "plan".
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    return _AMERICAN.get(word, word)


def words(text: str) -> list[str]:
    """Split text into lower-case word tokens, spelling out '&' and "n't".

    A possessive leaves its owner followed by "s", the plural's as the singular's ("vendors'
    plans" as "vendor's plan").
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = _CONTRACTION.sub(" not", text.replace("&", " and "))
    if "'" in text or "’" in text:
        text = _PLURAL_POSSESSIVE.sub(_possessive, text)
    return _WORD.findall(text)


@dataclass(frozen=True)
class GuardFacet:
    """A dimension of meaning (data state, frequency…) whose values must agree to auto-fill."""

    name: str
    values: Mapping[str, tuple[str, ...]]
    mode: str = "equal"
    when: tuple[str, ...] = ()
    strict: bool = False  # also differ when only one text names a value
    # A statement naming several values asserts each of them: its Yes to "at rest and in
    # transit" is a Yes to "at rest". Its No is not a No to either, and stays held back.
    inclusive: bool = False
    # Phrases by which a question asks for a value without naming one ("how often",
    # "regularly"): an entry naming any value answers it, strict or not.
    asks: tuple[str, ...] = ()
    # A statement's Yes naming a value answers a question naming none: "backups are tested
    # monthly", Yes, says that backups are tested. Its No says nothing of other values.
    implied: bool = False
    # A value a question names qualifies what it asks exists: "a *vendor* risk management
    # program" is not answered by a Yes to "a formal risk management program", unless the
    # statement names the facet somewhere (a wording, its answer or detail).
    qualifies: bool = False


@dataclass(frozen=True)
class Thesaurus:
    """Curated synonyms (first term canonical), boilerplate phrases, stopwords and guard facets."""

    synonyms: tuple[tuple[str, ...], ...] = ()
    boilerplate: tuple[str, ...] = ()
    stopwords: frozenset[str] = frozenset()
    guards: tuple[GuardFacet, ...] = ()
    # Words that frame a question ("are the policies reviewed annually?") but name no subject.
    frame: tuple[str, ...] = ()
    # Pairs of objects a question's frame may take that a statement about one never answers
    # for the other ("privacy" vs "security" by design; "baselines" vs "policies" reviewed).
    objects: tuple[tuple[str, str], ...] = ()
    # What a statement may be confined to ("artificial intelligence"): worded for one, it answers
    # no question that, with its row's heading, never names it (see app/core/objects.py).
    scopes: tuple[str, ...] = ()
    # Acronyms as customers write them ("BCP", "DDoS") and the long form each stands for; a
    # question is also matched with them spelt out (see app/core/acronyms.py).
    acronyms: tuple[tuple[str, str], ...] = ()
    # Words customers shorten ("vuln", "prod", "pw") and the word each stands for, matched in any
    # case; a question is also matched with them spelt out, like acronyms.
    abbreviations: tuple[tuple[str, str], ...] = ()
    # Names of standards ("ISO 27001", "SOC 2"), each group folded to one term like synonyms;
    # the term vectors are learned without them (bench/build_term_vectors.py).
    products: tuple[tuple[str, ...], ...] = ()


EMPTY_THESAURUS = Thesaurus()


def stem_phrase(phrase: str) -> tuple[str, ...]:
    """Turn a phrase into the stemmed token tuple it matches."""
    return tuple(stem(w) for w in words(phrase))


def phrase_lengths(phrases: Iterable[tuple[str, ...]]) -> dict[str, list[int]]:
    """For each first token, the lengths of the phrases it starts, longest first."""
    sizes: dict[str, set[int]] = {}
    for phrase in phrases:
        sizes.setdefault(phrase[0], set()).add(len(phrase))
    return {first: sorted(found, reverse=True) for first, found in sizes.items()}


def longest_phrases(
    tokens: Sequence[str], phrases: Mapping[tuple[str, ...], V], lengths: Mapping[str, list[int]]
) -> Iterator[tuple[int, int, V]]:
    """Yield (start, length, value) of each phrase in the tokens, left to right, longest first.

    Only a token that starts some phrase needs a look-up, and only for the lengths it starts.
    """
    n, done = len(tokens), 0
    for i in [i for i, t in enumerate(tokens) if t in lengths]:
        if i < done:
            continue  # inside the phrase found last
        for size in lengths[tokens[i]]:
            if size > n - i:
                continue
            value = phrases.get(tuple(tokens[i : i + size]))
            if value is not None:
                yield i, size, value
                done = i + size
                break


class PhraseTable:
    """Greedy longest-match lookup of stemmed phrases in a token sequence."""

    def __init__(self, phrases: Mapping[tuple[str, ...], str]) -> None:
        self._phrases = {k: v for k, v in phrases.items() if k}
        self._lengths = phrase_lengths(self._phrases)
        self._labels = frozenset(v for v in self._phrases.values() if v)

    def replace(self, tokens: Sequence[str]) -> list[str]:
        """Replace each phrase by its label; a label of '' drops the phrase."""
        out: list[str] = []
        done = 0
        for start, size, label in longest_phrases(tokens, self._phrases, self._lengths):
            out.extend(tokens[done:start])
            if label:
                out.append(label)
            done = start + size
        out.extend(tokens[done:])
        return out

    def find(self, tokens: Sequence[str]) -> set[str]:
        """Return the labels of every phrase present in the tokens."""
        return {t for t in self.replace(tokens) if t in self._labels}


@dataclass(frozen=True)
class NormalisedText:
    """A text as the matcher sees it: stemmed tokens and canonical terms, boilerplate gone."""

    stems: tuple[str, ...]  # every stemmed token, stopwords kept (the guards read these)
    terms: tuple[str, ...]  # canonical content terms used for matching
    key: str = ""  # the terms joined, for exact and fuzzy comparison
    surface: tuple[str, ...] = ()  # the words as written, aligned with `stems`


class Normaliser:
    """Apply a thesaurus to text: stem, fold synonyms to canonical terms, drop boilerplate."""

    def __init__(self, thesaurus: Thesaurus) -> None:
        self.thesaurus = thesaurus
        phrases: dict[tuple[str, ...], str] = {}
        for phrase in thesaurus.boilerplate:
            phrases[stem_phrase(phrase)] = ""
        for group in (*thesaurus.synonyms, *thesaurus.products):
            canonical = "_".join(words(group[0]))
            for term in group:
                phrases.setdefault(stem_phrase(term), canonical)
        self._table = PhraseTable(phrases)
        self._stopwords = frozenset(stem(w) for w in thesaurus.stopwords) - NEGATIONS
        self._cache: dict[str, NormalisedText] = {}

    def normalise(self, text: str) -> NormalisedText:
        """Normalise one text (cached: bank texts and repeated questions come back often)."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        surface = tuple(words(text))
        stems = tuple(stem(w) for w in surface)
        terms = tuple(t for t in self._table.replace(stems) if t not in self._stopwords)
        result = NormalisedText(stems=stems, terms=terms, key=" ".join(terms), surface=surface)
        if len(self._cache) < 100_000:
            self._cache[text] = result
        return result


def _where(path: Path, node: yaml.Node) -> str:
    return f"{path.name}, line {node.start_mark.line + 1}"


def _scalar_list(path: Path, node: yaml.Node, what: str) -> tuple[str, ...]:
    if isinstance(node, yaml.ScalarNode):
        return (str(node.value).strip(),)
    if not isinstance(node, yaml.SequenceNode):
        raise BankError(f"{_where(path, node)}: {what} must be a list of text")
    out: list[str] = []
    for item in node.value:
        if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
            raise BankError(f"{_where(path, item)}: {what} must hold non-empty text")
        if not words(str(item.value)):
            raise BankError(f"{_where(path, item)}: {what} entry has no words")
        out.append(str(item.value).strip())
    return tuple(out)


def _mapping(path: Path, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise BankError(f"{_where(path, node)}: {what} must be a mapping")
    pairs: list[tuple[str, yaml.Node]] = []
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            raise BankError(f"{_where(path, key)}: {what} keys must be text")
        pairs.append((str(key.value), value))
    return pairs


def _guard(path: Path, node: yaml.Node) -> GuardFacet:
    fields = dict(_mapping(path, node, "each guard"))
    known = {
        "name",
        "mode",
        "when",
        "values",
        "strict",
        "inclusive",
        "asks",
        "implied",
        "qualifies",
    }
    unknown = sorted(set(fields) - known)
    if unknown:
        raise BankError(f"{_where(path, node)}: unknown guard field '{unknown[0]}'")
    name_node = fields.get("name")
    if not isinstance(name_node, yaml.ScalarNode) or not str(name_node.value).strip():
        raise BankError(f"{_where(path, node)}: each guard needs a 'name'")
    mode = "equal"
    if "mode" in fields:
        mode = str(getattr(fields["mode"], "value", ""))
        if mode not in GUARD_MODES:
            allowed = ", ".join(GUARD_MODES)
            raise BankError(
                f"{_where(path, fields['mode'])}: guard 'mode' must be one of {allowed}"
            )
    when = _scalar_list(path, fields["when"], "guard 'when'") if "when" in fields else ()
    asks = _scalar_list(path, fields["asks"], "guard 'asks'") if "asks" in fields else ()
    if "values" not in fields:
        raise BankError(f"{_where(path, node)}: guard '{name_node.value}' needs 'values'")
    values = {
        label: _scalar_list(path, phrases, f"guard value '{label}'")
        for label, phrases in _mapping(path, fields["values"], "guard 'values'")
    }
    if len(values) < 2:
        raise BankError(f"{_where(path, fields['values'])}: a guard needs at least two values")
    return GuardFacet(
        name=str(name_node.value).strip(),
        values=values,
        mode=mode,
        when=when,
        strict=_flag(path, fields, "strict"),
        inclusive=_flag(path, fields, "inclusive"),
        implied=_flag(path, fields, "implied"),
        qualifies=_flag(path, fields, "qualifies"),
        asks=asks,
    )


def _flag(path: Path, fields: Mapping[str, yaml.Node], name: str) -> bool:
    if name not in fields:
        return False
    flag = str(getattr(fields[name], "value", "")).lower()
    if flag not in ("true", "false"):
        raise BankError(f"{_where(path, fields[name])}: guard '{name}' must be true or false")
    return flag == "true"


# libyaml composes the same nodes (with the same marks) about twenty times faster.
_COMPOSER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_thesaurus(text: str, *, path: Path) -> Thesaurus:
    """Parse thesaurus YAML text; errors name the file and line."""
    try:
        root = yaml.compose(text, Loader=_COMPOSER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise BankError(f"{path.name}{line}: not valid YAML") from exc
    if root is None:
        return EMPTY_THESAURUS
    sections = dict(_mapping(path, root, "the thesaurus"))
    known = {
        "synonyms",
        "boilerplate",
        "stopwords",
        "guards",
        "frame",
        "objects",
        "scopes",
        "acronyms",
        "abbreviations",
        "products",
    }
    unknown = sorted(set(sections) - known)
    if unknown:
        raise BankError(f"{_where(path, root)}: unknown section '{unknown[0]}'")
    synonyms = _groups(path, sections["synonyms"], "synonyms") if "synonyms" in sections else ()
    products = _groups(path, sections["products"], "products") if "products" in sections else ()
    boilerplate = (
        _scalar_list(path, sections["boilerplate"], "'boilerplate'")
        if "boilerplate" in sections
        else ()
    )
    stopwords = (
        _scalar_list(path, sections["stopwords"], "'stopwords'") if "stopwords" in sections else ()
    )
    frame = _scalar_list(path, sections["frame"], "'frame'") if "frame" in sections else ()
    scopes = _scalar_list(path, sections["scopes"], "'scopes'") if "scopes" in sections else ()
    objects: list[tuple[str, str]] = []
    if "objects" in sections:
        node = sections["objects"]
        if not isinstance(node, yaml.SequenceNode):
            raise BankError(f"{_where(path, node)}: 'objects' must be a list of pairs")
        for pair in node.value:
            terms = _scalar_list(path, pair, "an object pair")
            if len(terms) != 2 or terms[0] == terms[1]:
                raise BankError(f"{_where(path, pair)}: an object pair names two different objects")
            objects.append((terms[0], terms[1]))
    acronyms = _acronyms(path, sections["acronyms"]) if "acronyms" in sections else ()
    abbreviations = (
        _abbreviations(path, sections["abbreviations"]) if "abbreviations" in sections else ()
    )
    guards: tuple[GuardFacet, ...] = ()
    if "guards" in sections:
        node = sections["guards"]
        if not isinstance(node, yaml.SequenceNode):
            raise BankError(f"{_where(path, node)}: 'guards' must be a list")
        guards = tuple(_guard(path, g) for g in node.value)
    return Thesaurus(
        synonyms=synonyms,
        boilerplate=boilerplate,
        stopwords=frozenset(w.lower() for w in stopwords),
        guards=guards,
        frame=frame,
        objects=tuple(objects),
        scopes=scopes,
        acronyms=acronyms,
        abbreviations=abbreviations,
        products=products,
    )


def _groups(path: Path, node: yaml.Node, section: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(node, yaml.SequenceNode):
        raise BankError(f"{_where(path, node)}: '{section}' must be a list of groups")
    groups: list[tuple[str, ...]] = []
    for group in node.value:
        terms = _scalar_list(path, group, "a synonym group")
        if len(terms) < 2:
            raise BankError(f"{_where(path, group)}: a synonym group needs two or more terms")
        groups.append(terms)
    return tuple(groups)


def _acronyms(path: Path, node: yaml.Node) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for acronym, long_form in _mapping(path, node, "'acronyms'"):
        if not _ACRONYM.fullmatch(acronym):
            raise BankError(f"{_where(path, node)}: acronym '{acronym}' must be one word")
        if not isinstance(long_form, yaml.ScalarNode) or len(words(str(long_form.value))) < 2:
            raise BankError(
                f"{_where(path, long_form)}: acronym '{acronym}' needs a long form of two or "
                "more words"
            )
        out.append((acronym, " ".join(str(long_form.value).split())))
    return tuple(out)


def _abbreviations(path: Path, node: yaml.Node) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for short, long_form in _mapping(path, node, "'abbreviations'"):
        if not _SHORTENED.fullmatch(short):
            raise BankError(f"{_where(path, node)}: abbreviation '{short}' must be one word")
        spelt = (
            " ".join(str(long_form.value).split()) if isinstance(long_form, yaml.ScalarNode) else ""
        )
        if not words(spelt) or spelt.lower() == short.lower():
            raise BankError(
                f"{_where(path, long_form)}: abbreviation '{short}' needs the word it stands for"
            )
        out.append((short, spelt))
    return tuple(out)


def load_thesaurus(path: Path) -> Thesaurus:
    """Read a thesaurus YAML file; a malformed file raises BankError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise BankError(f"{path.name}: no such thesaurus file") from exc
    except UnicodeDecodeError as exc:
        raise BankError(f"{path.name}: not UTF-8 text") from exc
    return parse_thesaurus(text, path=path)


@lru_cache(maxsize=1)
def shipped_thesaurus() -> Thesaurus:
    """Return the curated thesaurus shipped with the starter bank (empty if it is absent)."""
    if not SHIPPED_THESAURUS.is_file():
        return EMPTY_THESAURUS
    return load_thesaurus(SHIPPED_THESAURUS)


def shared_with_phrases(asked: set[str], stated: set[str]) -> set[str]:
    """Return the terms both sides name, a thesaurus phrase meeting its own words included.

    The thesaurus folds "vulnerability scanning" to one term; a text saying "scan for
    vulnerabilities" names the same thing in its words, not a different subject.
    """
    shared = asked & stated
    for side, other in ((asked, stated), (stated, asked)):
        for term in side - other:
            if "_" in term:
                parts = {stem(part) for part in term.split("_")}
                if parts <= other:
                    shared |= parts | {term}
            elif len(term) - 2 >= _ATION_BASE and term.endswith("at") and term[:-2] in other:
                # "restoration" stems to "restorat", "restoring" to "restor": one word.
                shared |= {term, term[:-2]}
            elif kin := _ify_kin(term) & other:
                # "notification", "notified" and "notify" stem apart: one word.
                shared |= {term, *kin}
    return shared


# "certificate" shares its stem with "certification": a TLS certificate is not certified.
_NOT_IFY = frozenset({"certificat"})


def _ify_kin(term: str) -> set[str]:
    """Return the other stems of a verb in "-ify": its noun in "-ification" and past in "-ified"."""
    if term in _NOT_IFY:
        return set()
    if term.endswith("ificat"):
        base = term[:-4]  # "notificat" -> "notif"
    elif term.endswith(("ifi", "ify")):
        base = term[:-1]
    else:
        return set()
    return {base + "y", base + "i", base + "icat"} - {term, *_NOT_IFY}


def written_as(text: NormalisedText, term: str) -> str:
    """Show a term as the text wrote it (a thesaurus phrase as its words)."""
    if "_" in term:
        return term.replace("_", " ")
    for stemmed, written in zip(text.stems, text.surface, strict=True):
        if stemmed == term:
            return written
    return term


def terms_either_side(asked: NormalisedText, at: int, width: int = 1) -> tuple[set[str], set[str]]:
    """Return a question's terms said only before the `width` words at `at`, and only after.

    A term is a phrase's words as the normaliser folds them ("access_review"): said on one side
    when all its words are there and not all on the other.
    """
    first, follow = set(asked.stems[:at]), set(asked.stems[at + width :])

    def within(term: str, part: set[str]) -> bool:
        return all(word in part for word in term.split("_"))

    return (
        {t for t in asked.terms if within(t, first) and not within(t, follow)},
        {t for t in asked.terms if within(t, follow) and not within(t, first)},
    )
