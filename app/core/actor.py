"""Who a question and a statement speak of: the vendor answering, or its customers.

"Can customers manage their own encryption keys?", answered No, says the product offers no
customer-managed keys; "Do you manage your own encryption keys?" asks whether the vendor does,
and a No there would say it does not. A statement whose wording is about what customers do is
not the answer to a question put to the vendor that never names customers. A customer's own
question ("Can *we* manage our own keys?") names them in its own words.
"""

from __future__ import annotations

from collections.abc import Sequence

_ASKING = frozenset(
    ("can", "do", "does", "is", "are", "will", "may", "must", "have", "has", "could", "should")
)
_CUSTOMERS = frozenset(
    ("customer", "customers", "client", "clients", "tenant", "tenants", "subscriber", "subscribers")
)
# Words by which a question names the customers: the customer asking speaks of itself as "we".
_NAMING_CUSTOMERS = _CUSTOMERS | frozenset(("we", "us", "our", "ours", "their", "they"))
_VENDOR = frozenset(("you", "your"))


def _subject(surface: Sequence[str]) -> str | None:
    """Return the word a closed question puts its verb to ("*Can* customers …" → customers)."""
    words = [w.casefold() for w in surface[:3]]
    if len(words) < 2 or words[0] not in _ASKING:
        return None
    return words[1]


def customers_for_vendor(asked: Sequence[str], wording: Sequence[str]) -> str | None:
    """Say so when a statement about customers meets a question put to the vendor alone."""
    stated = _subject(wording)
    if stated not in _CUSTOMERS or _subject(asked) not in _VENDOR:
        return None
    if any(w.casefold() in _NAMING_CUSTOMERS for w in asked):
        return None
    return "the entry says what customers can do; the question asks what you do"
