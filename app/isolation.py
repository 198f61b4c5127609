"""Run untrusted-input work in a child process with a memory limit and a timeout."""

from __future__ import annotations

import contextlib
import multiprocessing
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from app.core.errors import VouchError, WorkbookTooLarge

T = TypeVar("T")

_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(["app.core.formats", "app.core.answering"])


def _child(
    conn: Connection,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    memory: int,
) -> None:
    # Some platforms refuse RLIMIT_AS; the timeout still bounds the work there.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    try:
        conn.send(("ok", fn(*args, **kwargs)))
    except VouchError as exc:
        conn.send(("error", exc))
    except MemoryError:
        conn.send(("error", WorkbookTooLarge("the workbook needs more memory than Vouch allows")))
    except BaseException as exc:  # noqa: BLE001 - the parent turns this into a plain error
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class IsolationCrash(VouchError):
    """The isolated work failed in an unexpected way."""


def run_isolated(fn: Callable[..., T], *args: Any, timeout: float, memory: int, **kwargs: Any) -> T:
    """Call `fn(*args, **kwargs)` in a child process; raise its domain error, or a size error on excess."""
    parent, child = _context.Pipe(duplex=False)
    process = _context.Process(target=_child, args=(child, fn, args, kwargs, memory), daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(timeout):
            raise WorkbookTooLarge(f"the workbook took longer than {timeout:g} s to process")
        try:
            kind, value = parent.recv()
        except (EOFError, OSError) as exc:
            raise WorkbookTooLarge("the workbook needs more memory than Vouch allows") from exc
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        parent.close()
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "error":
        raise value
    raise IsolationCrash(f"the workbook could not be processed ({value})")
