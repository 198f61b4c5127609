"""Holding the cycle collector off during large builds, and giving it back as it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from app.core.collector import collector_paused


@pytest.fixture(autouse=True)
def _collector_on() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_on_again_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_restore_only_at_the_outermost() -> None:
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled(), "the inner pause must not turn the collector back on"
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_an_exception_still_restores_the_collector() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("build failed")
    assert gc.isenabled()


def test_overlapping_pauses_in_two_threads_restore_after_the_last() -> None:
    inside, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with collector_paused():
            inside.set()
            leave.wait(5)

    other = threading.Thread(target=hold)
    other.start()
    assert inside.wait(5)
    with collector_paused():
        pass
    assert not gc.isenabled(), "the other thread's pause is still running"
    leave.set()
    other.join(5)
    assert gc.isenabled()


def test_works_as_a_decorator() -> None:
    @collector_paused()
    def build() -> bool:
        return gc.isenabled()

    assert build() is False
    assert build() is False, "each call gets a pause of its own"
    assert gc.isenabled()
