"""Intent: whether a question asks that something exists, or how it is reviewed or tested."""

from __future__ import annotations

from collections.abc import Sequence

from app.core.normalise import stem

EXISTS = "exists"
REVIEWED = "reviewed"
TESTED = "tested"

# How an existence question opens, in its words as written ("do you have an incident
# response plan?", "is there a clean desk policy?").
_EXISTENCE_OPENINGS: tuple[tuple[str, ...], ...] = (
    ("do", "you", "have"),
    ("do", "you", "maintain"),
    ("do", "you", "keep"),
    ("do", "you", "use"),
    ("does", "the", "company", "have"),
    ("does", "your", "company", "have"),
    ("does", "the", "vendor", "have"),
    ("is", "there"),
    ("are", "there"),
    ("have", "you", "got"),
)
# Stems that ask whether something exists wherever they stand ("are incident response
# procedures documented?"). Not "established": framework statements say it of what they then
# ask to be reviewed, and with it the CAIQ v3.1 bank matched fewer CAIQ v4 questions.
_EXISTENCE_STEMS = frozenset(stem(w) for w in ("documented", "exists"))
# How an open question opens: it asks for a description, not a Yes or a No.
OPEN_OPENINGS = frozenset(("how", "what", "which", "who", "where", "when", "why"))
# How a text asks how often (timing.py, answering.py).
HOW_OFTEN = (("how", "often"), ("how", "frequently"))
# A document asked for ("Please supply your certificate of insurance") is not answered by a Yes
# either: the statement's detail says what there is, and a person attaches it.
_DOCUMENT_REQUEST_WORDS = ("provide", "supply", "attach", "upload", "submit", "send", "share")
# A request that opens a row asks for a description too ("Please describe how exceptions are
# approved", "List the classification levels"), unless it asks whether ("Indicate whether …").
_REQUESTS = frozenset(
    ("describe", "explain", "outline", "list", "detail", "summarise", "summarize")
) | frozenset(_DOCUMENT_REQUEST_WORDS)
# Requests for a thing rather than a description of it, as stems.
_DOCUMENT_REQUESTS = frozenset(stem(w) for w in _DOCUMENT_REQUEST_WORDS)
POLITE = frozenset(("please", "kindly"))
_WHETHER = frozenset(("whether", "if"))
# Stems that make a text about reviewing or testing its subject rather than having it.
_REVIEW_STEMS = frozenset(
    stem(w) for w in ("review", "reviewed", "update", "updated", "revise", "revised", "revalidate")
)
_TEST_STEMS = frozenset(
    stem(w) for w in ("test", "tested", "testing", "exercise", "exercised", "tabletop")
)


def intent_of(stems: Sequence[str], surface: Sequence[str] = ()) -> str | None:
    """Say what a text asks about its subject: tested, reviewed, exists, or None (unclear)."""
    present = set(stems)
    read = _reviewed_or_tested(present)
    if read is not None:
        return read
    if _kept_up_to_date(stems):
        return REVIEWED
    words = tuple(surface)
    if any(words[: len(opening)] == opening for opening in _EXISTENCE_OPENINGS):
        return EXISTS
    if present & _EXISTENCE_STEMS:
        return EXISTS
    # A document asked for exists ("Provide your encryption standard"), and how often it is
    # reviewed is another thing ("Is the cryptography standard reviewed every year?").
    if request_words(words) & _DOCUMENT_REQUESTS:
        return EXISTS
    return None


def asks_openly(surface: Sequence[str]) -> bool:
    """Tell whether a text, in its words as written, opens with a wh-word ("how are keys stored?")."""
    return bool(surface) and surface[0] in OPEN_OPENINGS


def opens_as_request(surface: Sequence[str]) -> bool:
    """Tell whether a row opens with a request, politely or not ("Please confirm …", "List …")."""
    return bool(surface) and (surface[0] in POLITE or surface[0] in _REQUESTS)


def asks_for_description(surface: Sequence[str]) -> bool:
    """Tell whether a row asks for a description rather than a Yes or No (`description_asked_by`)."""
    return description_asked_by(surface) is not None


def description_asked_by(surface: Sequence[str]) -> str | None:
    """Return the word by which a row asks for a description rather than a Yes or No, if any.

    It asks openly ("how …"), or opens with a request ("Please describe how exceptions are
    approved", "List your subprocessors") that does not ask whether. Only what is written reads
    this: a request is still answered by a statement whose Yes says it ("Provide a list of your
    subprocessors" by "Do you publish a list of your subprocessors?"), with its detail.
    """
    words = list(surface[:3])
    if words and words[0] in POLITE:
        words = words[1:]
    if not words:
        return None
    if words[0] in OPEN_OPENINGS:
        return words[0]
    if words[0] in _REQUESTS and not (len(words) > 1 and words[1] in _WHETHER):
        return words[0]
    return None


def request_words(surface: Sequence[str]) -> frozenset[str]:
    """Return the stems by which a row opening with a request makes it ("Please provide …")."""
    words = list(surface[:3])
    polite = [w for w in words[:1] if w in POLITE]
    rest = words[len(polite) :]
    if not rest or rest[0] not in _REQUESTS or (len(rest) > 1 and rest[1] in _WHETHER):
        return frozenset()
    return frozenset(stem(w) for w in (*polite, rest[0]))


def intents_differ(asked: str | None, stated: str | None) -> bool:
    """Tell whether an entry answers another intent than the question's (unclear never differs)."""
    if asked is None:
        return False
    if asked == EXISTS:
        return stated in (REVIEWED, TESTED)
    return stated is not None and stated != asked


def leaves_unsaid(asked: str | None, stated: str | None) -> bool:
    """Tell whether a question about reviewing or testing meets a text that never says so.

    "Does the organization update vulnerability scanning tools?" is not answered by how often
    scans run, though it shares their subject.
    """
    return asked in (REVIEWED, TESTED) and stated is None


def terms_ask(terms: Sequence[str], intent: str | None) -> bool:
    """Tell whether a text's matcher terms ask about reviewing or testing, as `intent_of` reads.

    For a stored index's rows, whose terms are kept while their text is built only when read.
    Testing outranks review, as in `intent_of`; "kept up to date", made of stopwords, is not read.
    """
    if intent not in (REVIEWED, TESTED):
        return False
    return _reviewed_or_tested({part for term in terms for part in term.split("_")}) == intent


def _reviewed_or_tested(present: set[str]) -> str | None:
    """Read testing, then review, from a text's stems (testing outranks review)."""
    if present & _TEST_STEMS:
        return TESTED
    if present & _REVIEW_STEMS:
        return REVIEWED
    return None


def _kept_up_to_date(stems: Sequence[str]) -> bool:
    """Tell whether a text asks that its subject is kept up to date: reviewed, not had."""
    return any(tuple(stems[i : i + 3]) == ("up", "to", "date") for i in range(len(stems) - 2))
