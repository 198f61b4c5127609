"""Secrets: Argon2id password hashes, random tokens, API keys stored as digests."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

ROLES = ("viewer", "responder", "reviewer", "curator", "admin")
API_KEY_PREFIX = "vch"

# What each role may do; admin may do everything.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"questionnaire:read", "bank:read"}),
    "responder": frozenset({"questionnaire:read", "questionnaire:write", "bank:read", "match"}),
    "reviewer": frozenset(
        {
            "questionnaire:read",
            "questionnaire:write",
            "questionnaire:read-all",
            "questionnaire:signoff",
            "bank:read",
            "match",
        }
    ),
    "curator": frozenset({"questionnaire:read", "bank:read", "bank:write", "match"}),
    "admin": frozenset(
        {
            "questionnaire:read",
            "questionnaire:write",
            "questionnaire:read-all",
            "questionnaire:signoff",
            "bank:read",
            "bank:write",
            "match",
            "admin",
        }
    ),
}

_hasher = PasswordHasher()  # argon2-cffi's default type is Argon2id


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash in constant time."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    """Return a random password for a new account."""
    return secrets.token_urlsafe(18)


def new_token() -> str:
    """Return a random token of 256 bits."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """Return the SHA-256 hex digest a token is stored and looked up under."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    """A freshly made API key: the secret is shown once and only its digest is stored."""

    secret: str
    prefix: str
    digest: str


def make_api_key() -> NewApiKey:
    """Make an API key of the form `vch_<prefix>_<secret>`."""
    prefix = secrets.token_hex(6)
    secret = f"{API_KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewApiKey(secret=secret, prefix=prefix, digest=digest(secret))


def api_key_prefix(secret: str) -> str | None:
    """Return the lookup prefix of a presented key, or None if it is not shaped like one."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != API_KEY_PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def api_key_matches(stored_digest: str, presented: str) -> bool:
    """Compare a presented key with a stored digest in constant time."""
    return hmac.compare_digest(stored_digest, digest(presented))


def can(role: str, permission: str) -> bool:
    """Tell whether a role holds a permission."""
    return permission in PERMISSIONS.get(role, frozenset())
