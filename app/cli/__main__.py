"""Run the `vouch` command as `python -m app.cli`."""

from app.cli import run

run()
