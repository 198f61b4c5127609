"""A first start: a new data directory, and the offline commands run outside the repository."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import REPO, vouch
from tests.security.live_server import LiveServer


def test_serve_on_a_new_data_directory_migrates_it_and_comes_up_healthy(
    tmp_path: Path, approved_bank_dir: Path
) -> None:
    data_dir = tmp_path / "new" / "var"
    server = LiveServer(data_dir=data_dir, bank_dir=approved_bank_dir)
    try:
        server.start(migrate_first=False)
        assert httpx.get(f"{server.url}/healthz", timeout=5).json()["status"] == "ok"
        assert (data_dir / "vouch.db").is_file()
    finally:
        server.stop()
    assert "no such table" not in server.log_path.read_text(errors="replace")


def test_serve_that_cannot_reach_its_database_says_what_to_do_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a directory", encoding="utf-8")
    result = vouch("serve", env={"VOUCH_DATA_DIR": str(tmp_path / "a-file" / "var")})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "vouch db upgrade" in result.stderr and len(result.stderr.strip().splitlines()) == 1


# Runs a command with one directory bind-mounted read-only in a private mount namespace.
_READ_ONLY_MOUNT = 'mount --bind -o ro "$0" "$0" && exec "$@"'


def read_only_view(directory: Path) -> list[str]:
    """Return a command prefix under which the directory is read-only, even to root."""
    if os.geteuid() != 0:
        directory.chmod(0o500)  # permissions bind everyone but root
        return []
    # Root writes through permission bits: only a read-only mount (EROFS) stops it.
    prefix = ["unshare", "-m", "sh", "-c", _READ_ONLY_MOUNT, str(directory)]
    if shutil.which("unshare") is None:
        pytest.skip("root needs unshare to make a read-only mount")
    probe = subprocess.run([*prefix, "touch", str(directory / "probe")], capture_output=True)
    if probe.returncode == 0 or b"Read-only" not in probe.stderr:
        pytest.skip(f"cannot make a read-only mount here ({probe.stderr.decode().strip()})")
    return prefix


@pytest.mark.parametrize("database", ["none yet", "migrated"])
def test_serve_on_a_read_only_data_directory_says_so_in_one_line(
    tmp_path: Path, database: str
) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    env = {
        **os.environ,
        "VOUCH_ENVIRONMENT": "development",
        "VOUCH_DATA_DIR": str(data_dir),
        "VOUCH_PORT": "1",  # never reached: the start stops before listening
    }
    env.pop("VOUCH_DATABASE_URL", None)
    command = [sys.executable, "-m", "app.cli", "serve"]
    if database == "migrated":
        assert vouch("db", "upgrade", env={"VOUCH_DATA_DIR": str(data_dir)}).returncode == 0
    try:
        result = subprocess.run(
            [*read_only_view(data_dir), *command],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
            timeout=120,
        )
    finally:
        data_dir.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert f"the data directory {data_dir} is read-only" in line
    assert "VOUCH_DATA_DIR" in line


def test_match_outside_the_repository_says_where_it_looked_for_a_bank(tmp_path: Path) -> None:
    question = json.dumps({"question": "Is MFA enforced?"}) + "\n"
    result = vouch("match", stdin=question, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(tmp_path / "answer_bank") in result.stderr
    assert "--bank" in result.stderr and "VOUCH_BANK_DIR" in result.stderr


def test_fill_with_a_missing_bank_names_the_option_it_came_from(tmp_path: Path) -> None:
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"PK\x03\x04")
    result = vouch(
        "fill", str(source), "-o", str(tmp_path / "out.xlsx"), "--bank", str(tmp_path / "nope")
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"no answer bank at {tmp_path / 'nope'} (from --bank)" in result.stderr
