"""The roles an account can hold, least to most trusted: what the command line offers too."""

from __future__ import annotations

ROLES = ("viewer", "responder", "reviewer", "curator", "admin")
