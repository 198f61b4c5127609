"""Webhook signing secrets at rest: sealed with a key derived from VOUCH_SECRET_KEY."""

from __future__ import annotations

import pytest

from app.security import (
    SecretUnreadable,
    new_webhook_secret,
    open_webhook_secret,
    seal_webhook_secret,
)

KEY = "a-long-enough-secret-key-for-the-tests"


def test_a_sealed_secret_opens_to_itself_and_differs_every_time() -> None:
    secret = new_webhook_secret()
    first, second = (seal_webhook_secret(secret, secret_key=KEY) for _ in range(2))
    assert first != second, "a fresh nonce each time"
    assert open_webhook_secret(first, secret_key=KEY) == secret
    assert open_webhook_secret(second, secret_key=KEY) == secret


def test_another_key_or_an_altered_byte_cannot_open_it() -> None:
    sealed = seal_webhook_secret(new_webhook_secret(), secret_key=KEY)
    with pytest.raises(SecretUnreadable, match="VOUCH_SECRET_KEY"):
        open_webhook_secret(sealed, secret_key=KEY + "x")
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(SecretUnreadable):
        open_webhook_secret(flipped, secret_key=KEY)
    with pytest.raises(SecretUnreadable):
        open_webhook_secret("v1:!!!", secret_key=KEY)
    with pytest.raises(SecretUnreadable, match="no known form"):
        open_webhook_secret("plain", secret_key=KEY)


def test_a_secret_stored_before_sealing_still_opens() -> None:
    legacy = new_webhook_secret()
    assert open_webhook_secret(legacy, secret_key=KEY) == legacy


def test_only_a_signing_secret_is_sealed() -> None:
    with pytest.raises(ValueError):
        seal_webhook_secret("password", secret_key=KEY)
