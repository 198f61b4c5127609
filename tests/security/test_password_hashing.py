"""Passwords are hashed with Argon2id at a cost an attacker pays for every guess."""

from __future__ import annotations

from argon2 import Type

from tests.conftest import PRODUCTION_HASHER


def test_the_app_hashes_passwords_with_argon2id_at_64_mib_and_three_passes() -> None:
    # The suite swaps in a cheap hasher for speed; this is the one the app ships with.
    assert PRODUCTION_HASHER.type is Type.ID
    assert PRODUCTION_HASHER.memory_cost >= 64 * 1024
    assert PRODUCTION_HASHER.time_cost >= 3
