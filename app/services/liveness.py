"""Name this process in the database, and tell later whether a process so named is still running.

A name is `host:pid:start`, where `start` tells this process from a later one that reuses its pid
(the boot id and the process's start time on Linux). Only a process on this host can be checked:
elsewhere the answer is "unknown", and leases decide.
"""

from __future__ import annotations

import os
import re
import socket
from functools import lru_cache
from pathlib import Path
from typing import Literal

Liveness = Literal["alive", "dead", "unknown"]
# What start_token writes; anything else (a name from before tokens, a test's label) is unknown.
TOKEN = re.compile(r"^(?:[0-9a-z]+-\d+|pid)$")


@lru_cache(maxsize=1)
def host() -> str:
    """Return this host's name as written into process names, with its pid namespace.

    Containers that share a host name (replicas given one `hostname:`) still see different
    processes under the same pid; the namespace tells them apart.
    """
    name = socket.gethostname().replace(":", "_")[:100]
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        return name
    return f"{name}/{''.join(ch for ch in namespace if ch.isdigit())}"


def start_token(pid: int) -> str | None:
    """Return what tells process `pid` from a later one with the same pid; None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:
        return _fallback_token(pid)
    # The command name (field 2) may hold spaces and parentheses: fields resume after the last ')'.
    fields = stat.rsplit(")", 1)[1].split()
    return f"{_boot_id()}-{fields[19]}"


def _fallback_token(pid: int) -> str | None:
    # Without /proc the pid alone is all there is: alive or not, never "a different process".
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "pid"


@lru_cache(maxsize=1)
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        return "boot"


def process_name() -> str:
    """Return this process's name: host, pid and start token."""
    pid = os.getpid()
    return f"{host()}:{pid}:{start_token(pid) or _fallback_token(pid) or 'pid'}"


def state_of(name: str | None) -> Liveness:
    """Tell whether the process a name was written by still runs (only checkable on this host)."""
    if not name:
        return "unknown"
    parts = name.split(":")
    if len(parts) < 3 or not parts[1].isdigit():
        return "unknown"
    name_host, pid, token = parts[0], int(parts[1]), parts[2]
    if name_host != host() or not TOKEN.match(token):
        return "unknown"
    current = start_token(pid)
    if current is None:
        return "dead"
    if token in ("pid", current) or current == "pid":
        return "alive"
    return "dead"
