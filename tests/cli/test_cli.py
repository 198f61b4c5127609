"""The `vouch` command, run as a user runs it: offline, no server, no database."""

from __future__ import annotations

import io
import json
import os
import select
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def vouch(
    *args: str, stdin: str = "", cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "VOUCH_ENVIRONMENT": "development", **(env or {})}
    environment.pop("VOUCH_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=environment,
        timeout=120,
    )


def test_match_reads_json_lines_and_answers_in_the_same_order(approved_bank_dir: Path) -> None:
    questions = [
        {"question": "Is multi-factor authentication required for administrators?", "id": 7},
        {"question": "Do you encrypt customer data at rest?"},
        {"question": "Describe your AI red-team testing before model releases."},
    ]
    stdin = "\n".join(json.dumps(q) for q in questions) + "\n"
    result = vouch("match", "--bank", str(approved_bank_dir), "--top", "2", stdin=stdin)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["question"] for line in lines] == [q["question"] for q in questions]
    for line in lines:
        assert set(line) == {"question", "matches"}
        assert 1 <= len(line["matches"]) <= 2
        for match in line["matches"]:
            assert set(match) == {"entry_id", "score", "band"}
            assert 0 <= match["score"] <= 1
        scores = [m["score"] for m in line["matches"]]
        assert scores == sorted(scores, reverse=True)


def test_match_reports_bad_input_without_a_traceback(approved_bank_dir: Path) -> None:
    result = vouch(
        "match", "--bank", str(approved_bank_dir), stdin='{"question": "ok"}\nnot json\n'
    )
    assert result.returncode == 2
    assert "line 2: not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    result = vouch("match", "--bank", str(approved_bank_dir), stdin='{"q": "wrong key"}\n')
    assert result.returncode == 2 and "expected an object" in result.stderr
    result = vouch(
        "match", "--bank", str(approved_bank_dir), stdin='{"question": "ok", "context": 7}\n'
    )
    assert result.returncode == 2 and '"context" must be' in result.stderr


def test_match_reads_an_optional_context_per_line(approved_bank_dir: Path) -> None:
    question = "Is it reviewed and updated at least annually?"
    stdin = "".join(
        json.dumps({"question": question, "context": c}) + "\n"
        for c in ("Logging and monitoring", "Change management")
    )
    result = vouch("match", "--bank", str(approved_bank_dir), "--top", "1", stdin=stdin)
    assert result.returncode == 0, result.stderr
    tops = [json.loads(line)["matches"][0]["entry_id"] for line in result.stdout.splitlines()]
    assert [t.split("-")[0] for t in tops] == ["LOG", "CHG"]


def test_bank_check_accepts_the_bundled_bank() -> None:
    result = vouch("bank", "check", str(REPO / "answer_bank"))
    assert result.returncode == 0, result.stderr
    assert "entries" in result.stdout and "every detail renders" in result.stdout


@pytest.mark.parametrize(
    ("files", "fragment"),
    [
        (
            {
                "a.yaml": "- {id: X-1, question: Q?, answer: 'Yes'}\n",
                "b.yaml": "- {id: X-1, question: R?, answer: 'No'}\n",
            },
            "duplicate id",
        ),
        (
            {"a.yaml": "- {id: X-1, question: Q?, answer: 'Yes', detail: '{{ nowhere }}'}\n"},
            "nowhere",
        ),
    ],
)
def test_bank_check_names_the_problem(tmp_path: Path, files: dict[str, str], fragment: str) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = vouch("bank", "check", str(tmp_path))
    assert result.returncode == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_fill_refuses_a_missing_input_and_overwriting_the_input(tmp_path: Path) -> None:
    result = vouch("fill", str(tmp_path / "absent.xlsx"), "-o", str(tmp_path / "out.xlsx"))
    assert result.returncode == 2 and "no such file" in result.stderr
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"PK\x03\x04 not really")
    result = vouch("fill", str(source), "-o", str(source))
    assert result.returncode == 2 and "never overwrites" in result.stderr
    assert source.read_bytes() == b"PK\x03\x04 not really"


def test_fill_refuses_a_file_that_is_not_a_workbook(tmp_path: Path) -> None:
    source = tmp_path / "notes.xlsx"
    source.write_text("just some text", encoding="utf-8")
    result = vouch("fill", str(source), "-o", str(tmp_path / "out.xlsx"))
    assert result.returncode == 2
    assert "Vouch reads" in result.stderr
    assert not (tmp_path / "out.xlsx").exists()


def test_fill_writes_a_new_file_and_a_report_for_the_caiq_template(
    tmp_path: Path, approved_bank_dir: Path
) -> None:
    from tests.sharedfiles import CAIQ_V4_TEMPLATE, raw

    source = raw(CAIQ_V4_TEMPLATE)
    before = source.read_bytes()
    out, report_path = tmp_path / "filled.xlsx", tmp_path / "report.json"
    result = vouch(
        "fill",
        str(source),
        "-o",
        str(out),
        "--bank",
        str(approved_bank_dir),
        "--report",
        str(report_path),
    )
    assert result.returncode == 0, result.stderr
    assert source.read_bytes() == before
    assert out.is_file() and out.read_bytes() != before
    report = json.loads(report_path.read_text())
    assert report["summary"]["rows"] == 261 == len(report["rows"])
    assert report["fidelity"]["ok"] is True
    for row in report["rows"]:
        assert {
            "sheet",
            "row",
            "question",
            "entry_id",
            "score",
            "band",
            "answer_cell",
            "written",
        } <= set(row)
        assert 0 <= row["score"] <= 1
        if row["band"] == "none":
            assert row["entry_id"] is None and not row["written"]
        if row["written"]:
            assert row["band"] == "auto"
    assert report["summary"]["written"] == sum(r["written"] for r in report["rows"]) > 0
    assert f"{report['summary']['written']} written" in result.stdout


def test_fill_with_the_shipped_draft_bank_writes_nothing(tmp_path: Path) -> None:
    from tests.sharedfiles import CAIQ_V4_TEMPLATE, raw

    report_path = tmp_path / "report.json"
    result = vouch(
        "fill",
        str(raw(CAIQ_V4_TEMPLATE)),
        "-o",
        str(tmp_path / "out.xlsx"),
        "--bank",
        str(REPO / "answer_bank"),
        "--report",
        str(report_path),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(report_path.read_text())["summary"]
    assert summary["auto"] == 0 and summary["written"] == 0
    assert summary["suggest"] > 0


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        (
            {"VOUCH_ENVIRONMENT": "production", "VOUCH_SECRET_KEY": "change-me"},
            "VOUCH_SECRET_KEY is left at its default",
        ),
        (
            {"VOUCH_SUGGEST_THRESHOLD": "0.9", "VOUCH_AUTO_THRESHOLD": "0.6"},
            "must not exceed VOUCH_AUTO_THRESHOLD",
        ),
        (
            {"VOUCH_AUTO_THRESHOLD": "1.5"},
            "VOUCH_AUTO_THRESHOLD: Input should be less than or equal to 1",
        ),
    ],
)
def test_bad_configuration_is_refused_in_plain_words(env: dict[str, str], fragment: str) -> None:
    result = vouch("bank", "check", env=env)
    assert result.returncode == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("suffix", [".docx", ".csv"])
def test_fill_takes_a_word_or_csv_questionnaire_and_keeps_its_format(
    tmp_path: Path, approved_bank_dir: Path, suffix: str
) -> None:
    from app.core.formats import read_questionnaire_file
    from tests.core.document_fixtures import questionnaire_docx

    content = (
        questionnaire_docx()
        if suffix == ".docx"
        else b"ID,Question,Answer\r\n1,Is customer data encrypted at rest?,\r\n"
    )
    source = tmp_path / f"in{suffix}"
    source.write_bytes(content)
    out, report_path = tmp_path / "out.xlsx", tmp_path / "report.json"

    result = vouch(
        "fill",
        str(source),
        "-o",
        str(out),
        "--bank",
        str(approved_bank_dir),
        "--report",
        str(report_path),
    )

    assert result.returncode == 0, result.stderr
    report = json.loads(report_path.read_text())
    filled = tmp_path / f"out{suffix}"
    assert report["output"] == str(filled) and filled.is_file() and not out.exists()
    assert report["fidelity"]["ok"] is True
    answered = [r for r in read_questionnaire_file(filled.read_bytes()).rows if r.existing_answer]
    assert len(answered) == report["summary"]["written"] > 0


def test_bank_harvest_reads_a_completed_csv(tmp_path: Path, approved_bank_dir: Path) -> None:
    source = tmp_path / "done.csv"
    source.write_bytes(
        b"ID;Question;Answer;Comments\nP-1;Do you shred paper records on site?;Yes;Cross-cut.\n"
    )

    result = vouch(
        "bank",
        "harvest",
        str(source),
        "--out",
        str(tmp_path / "drafts"),
        "--bank",
        str(approved_bank_dir),
    )

    assert result.returncode == 0, result.stderr
    written = "".join(p.read_text() for p in (tmp_path / "drafts").rglob("*.yaml"))
    proposed = "proposed as alternates" in result.stdout
    assert "Do you shred paper records on site?" in written or proposed


def test_match_keeps_its_index_in_the_data_dir_and_rereads_the_bank_when_it_changes(
    approved_bank_dir: Path, tmp_path: Path
) -> None:
    env = {"VOUCH_DATA_DIR": str(tmp_path / "var")}
    stdin = json.dumps({"question": "Do you require MFA for administrators?"}) + "\n"
    args = ("match", "--bank", str(approved_bank_dir), "--top", "1")
    cold = vouch(*args, stdin=stdin, env=env)
    assert cold.returncode == 0, cold.stderr
    index = tmp_path / "var" / "index"
    stored = sorted(p.suffix for p in index.iterdir() if p.is_file())
    assert stored == [".bin", ".json"]
    # The concepts' index, kept beside the bank's by the process that built the bank's.
    assert sorted(p.suffix for p in (index / "concepts").iterdir()) == [".bin", ".json"]
    warm = vouch(*args, stdin=stdin, env=env)
    assert warm.stdout == cold.stdout
    best = json.loads(cold.stdout)["matches"][0]
    assert best["band"] == "auto"
    # The statement goes back to draft: the stored index is for other files, so it is not used.
    for path in approved_bank_dir.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if f"id: {best['entry_id']}\n" in text:
            head, _, tail = text.partition(f"id: {best['entry_id']}\n")
            path.write_text(
                head
                + f"id: {best['entry_id']}\n"
                + tail.replace("status: approved", "status: draft", 1),
                encoding="utf-8",
            )
    changed = vouch(*args, stdin=stdin, env=env)
    assert json.loads(changed.stdout)["matches"][0] == {**best, "band": "suggest"}


def test_match_answers_each_line_of_a_pipe_that_stays_open(
    approved_bank_dir: Path, tmp_path: Path
) -> None:
    environment = {**os.environ, "VOUCH_ENVIRONMENT": "development"}
    environment["VOUCH_DATA_DIR"] = str(tmp_path / "var")
    environment.pop("VOUCH_DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "match", "--bank", str(approved_bank_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
        env=environment,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        for question in ("Is customer data encrypted at rest?", "Do you run a bug bounty?"):
            process.stdin.write((json.dumps({"question": question}) + "\n").encode())
            process.stdin.flush()
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, "no answer while the pipe stays open"
            assert json.loads(process.stdout.readline())["question"] == question
        process.stdin.close()
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()


def record_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record the size of each batch the bank's matcher is asked to match."""
    from app.core.matching import Matcher

    batches: list[int] = []
    original = Matcher.match_many

    def recording(self: Matcher, queries: Any, *, top: int = 3) -> Any:
        if self._concept_source is not False:  # the concepts' own matcher answers inside
            batches.append(len(queries))
        return original(self, queries, top=top)

    monkeypatch.setattr(Matcher, "match_many", recording)
    return batches


def match_in_process(
    stdin: Any, bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    """Run `vouch match --top 1` in this process on a stream; return its output lines."""
    from app import cli

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", stdin)
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setenv("VOUCH_DATA_DIR", str(tmp_path / "var"))
    cli.get_settings.cache_clear()
    try:
        assert cli.main(["match", "--bank", str(bank), "--top", "1"]) == 0
    finally:
        cli.get_settings.cache_clear()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_match_batches_its_input_and_keeps_one_line_per_line_in_order(
    approved_bank_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = record_batches(monkeypatch)
    questions = [f"Do you encrypt backups number {n}?" for n in range(2_500)]
    read_end, write_end = os.pipe()
    payload = "".join(json.dumps({"question": q}) + "\n" for q in questions).encode()
    writer = threading.Thread(target=lambda: (os.write(write_end, payload), os.close(write_end)))
    writer.start()
    with open(read_end, encoding="utf-8") as stdin:
        lines = match_in_process(stdin, approved_bank_dir, tmp_path, monkeypatch)
    writer.join()
    assert [line["question"] for line in lines] == questions
    assert sum(batches) == len(questions)
    assert max(batches) >= 100 and len(batches) <= len(questions) // 100


def test_a_warm_match_imports_nothing_it_does_not_use(
    approved_bank_dir: Path, tmp_path: Path
) -> None:
    # The web stack, the optional sentence model, the fallback YAML parser, the detail templates
    # and the password and secret crypto cost a warm start time and are never used by
    # `vouch match` without VOUCH_EMBEDDING_MODEL.
    env = {"VOUCH_DATA_DIR": str(tmp_path / "var")}
    stdin = json.dumps({"question": "Do you require MFA for administrators?"}) + "\n"
    args = ("match", "--bank", str(approved_bank_dir), "--top", "1")
    assert vouch(*args, stdin=stdin, env=env).returncode == 0
    unwanted = (
        "fastapi",
        "sqlmodel",
        "sqlalchemy",
        "alembic",
        "openpyxl",
        "docx",
        "torch",
        "sentence_transformers",
        "ruamel",
        "jinja2",
        "argon2",
        "cryptography",
    )
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['vouch', *{list(args)!r}]\n"
        "try:\n    runpy.run_module('app.cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(unwanted)!r}), "
        "file=sys.stderr)\n"
    )
    environment = {**os.environ, "VOUCH_ENVIRONMENT": "development", **env}
    environment.pop("VOUCH_DATABASE_URL", None)
    environment.pop("VOUCH_EMBEDDING_MODEL", None)
    warm = subprocess.run(
        [sys.executable, "-c", probe],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=environment,
        timeout=120,
    )
    assert json.loads(warm.stdout)["matches"], warm.stderr
    assert warm.stderr.strip().splitlines()[-1] == "[]"


def test_match_reads_a_file_in_full_batches(
    approved_bank_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file is all there at once: it is matched MATCH_BATCH questions at a time, not in
    # however many lines one read of 64 KiB happens to hold.
    from app.cli.questionnaire import MATCH_BATCH

    batches = record_batches(monkeypatch)
    # Long enough that one read of 64 KiB holds fewer than MATCH_BATCH of them.
    questions = [
        f"Do you encrypt backups held offsite, question {n:04d}?" * 2 for n in range(2_500)
    ]
    source = tmp_path / "questions.jsonl"
    source.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions))
    with source.open(encoding="utf-8") as stdin:
        lines = match_in_process(stdin, approved_bank_dir, tmp_path, monkeypatch)
    assert [line["question"] for line in lines] == questions
    assert batches == [MATCH_BATCH, MATCH_BATCH, 2_500 - 2 * MATCH_BATCH]
