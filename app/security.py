"""Secrets: Argon2id password hashes, random tokens, API keys stored as digests, sealed webhook secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.roles import ROLES as ROLES

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


# Webhook signing secrets must be used again for every delivery, so they cannot be stored as
# digests; they are sealed with AES-256-GCM under a key derived from VOUCH_SECRET_KEY. A copy of
# the database alone then does not let anyone sign deliveries as Vouch.
WEBHOOK_SECRET_PREFIX = "whsec_"
_SEALED_PREFIX = "v1:"
_SEAL_CONTEXT = b"vouch webhook signing secret"


class SecretUnreadable(Exception):
    """A sealed secret that this VOUCH_SECRET_KEY cannot open (the key changed, or it was altered)."""


def new_webhook_secret() -> str:
    """A fresh signing secret: 'whsec_' and 32 random bytes, base64url."""
    return WEBHOOK_SECRET_PREFIX + secrets.token_urlsafe(32)


def _sealing_key(secret_key: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEAL_CONTEXT).derive(
        secret_key.encode("utf-8")
    )


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal_webhook_secret(secret: str, *, secret_key: str) -> str:
    """Encrypt a signing secret for storage (83 characters: it fits the column)."""
    if not secret.startswith(WEBHOOK_SECRET_PREFIX):
        raise ValueError("not a webhook signing secret")
    raw = _b64decode(secret[len(WEBHOOK_SECRET_PREFIX) :])
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_sealing_key(secret_key)).encrypt(nonce, raw, _SEAL_CONTEXT)
    return _SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii").rstrip("=")


def open_webhook_secret(stored: str, *, secret_key: str) -> str:
    """Return the signing secret a stored value holds."""
    if stored.startswith(WEBHOOK_SECRET_PREFIX):
        return stored  # stored before secrets were sealed
    if not stored.startswith(_SEALED_PREFIX):
        raise SecretUnreadable("the stored signing secret is in no known form")
    try:
        blob = _b64decode(stored[len(_SEALED_PREFIX) :])
        raw = AESGCM(_sealing_key(secret_key)).decrypt(blob[:12], blob[12:], _SEAL_CONTEXT)
    except (InvalidTag, ValueError) as exc:
        raise SecretUnreadable(
            "the signing secret cannot be opened with this VOUCH_SECRET_KEY "
            "(it changed since the webhook was created?); create the webhook again"
        ) from exc
    return WEBHOOK_SECRET_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
