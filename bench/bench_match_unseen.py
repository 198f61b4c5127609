"""Questions no benchmark keys, against the starter bank as it ships: for reading.

Nineteen sets, each matched against the starter bank (every statement approved) with each question's
section heading as context, as a user would upload them:

- the CC0 answer bank's questions in ../shared that the customer benchmark does not use (it
  takes 54 of the 101);
- `bench/data/everyday_questions.yaml`: what nearly every security questionnaire asks, written
  for Vouch in a customer's words;
- `bench/data/everyday_questions_heldout.yaml`: 160 more, written without sight of the answer
  bank or of the first list, read once as written before any change was measured on them
  (statements have since been written for gaps seen on it: no longer held out);
- `bench/data/everyday_questions_heldout2.yaml`: 150 more by another author who saw neither the
  bank, the matcher nor the other lists, read once as written (a guard has since been made for
  the one wrong fill read there);
- `bench/data/everyday_questions_heldout3.yaml`: 150 more by a third author, likewise: held out;
- `bench/data/everyday_questions_heldout4.yaml`: 150 more by a fourth, in the words of customers in
  regulated industries (banks, hospitals, universities, agencies): held out;
- `bench/data/everyday_questions_heldout5.yaml`: 150 more by a fifth, in the words of buyers
  vetting a SaaS product with AI features: held out;
- `bench/data/everyday_questions_heldout6.yaml`: 150 more by a sixth, in the words of buyers in
  healthcare, banking, higher education, local government and law vetting a SaaS product with
  AI features: held out;
- `bench/data/everyday_questions_heldout7.yaml`: 150 more by a seventh, in the words of European
  and Commonwealth buyers (GDPR, NIS2, DORA, Cyber Essentials, C5, IRAP) vetting a SaaS product
  with AI features: held out;
- `bench/data/everyday_questions_heldout8.yaml`: 150 more by an eighth, in the words of North
  American and Asia-Pacific buyers (retail, media, tech, pharma, energy, travel, gaming,
  non-profits) vetting a SaaS product with AI features: held out;
- `bench/data/everyday_questions_heldout9.yaml`: 150 more by a ninth, in the words of buyers in
  South and South-East Asia, Japan and Korea, Australia and New Zealand and the Nordics (banks,
  insurers, hospitals, universities, retailers, telecoms, agencies) vetting a SaaS product with
  AI features: held out;
- `bench/data/everyday_questions_heldout10.yaml`: 150 more by a tenth, in the words of buyers in
  the Middle East, Africa, Latin America and Eastern Europe (banks, oil and gas, logistics, public
  health, telecoms, fintechs, universities, ministries) vetting a SaaS product with AI features:
  held out;
- `bench/data/everyday_questions_heldout11.yaml`: 150 more by an eleventh, in the words of
  mid-market and public-sector buyers in the United States and Canada (state and local
  government, community colleges, credit unions, regional hospitals, law firms, manufacturers,
  e-commerce, media) vetting a SaaS product with AI features: held out;
- `bench/data/everyday_questions_heldout12.yaml`: 150 more by a twelfth, in the words of
  continental European and Israeli buyers (automotive, chemicals, banks, insurers, utilities,
  broadcasters, hospitals, municipalities, universities), many writing in a second language,
  vetting a SaaS product with AI features: held out;
- `bench/data/everyday_questions_heldout13.yaml`: 150 more by a thirteenth, in the words of
  third-party-risk teams at large global enterprises (pharmaceuticals, consumer goods, aerospace,
  investment banks, professional services, airlines, insurers) writing rows as a risk-management
  platform exports them, vetting a SaaS product with AI features: held out;
- `bench/data/everyday_questions_heldout14.yaml`: 150 more by a fourteenth, in the plain words of
  small and mid-sized buyers writing their own short questionnaires (agencies, dental and
  veterinary practices, charities, schools, accounting and law practices, small shops,
  recruiters, property managers, franchises) vetting a SaaS product with AI features: held out;
- `bench/data/everyday_questions_heldout15.yaml`: 150 more by a fifteenth, in the words of
  security engineers and platform teams at technology companies (developer-tool and data-platform
  buyers, fintech and health-tech start-ups, game studios, AI start-ups, cloud-native scale-ups,
  managed service providers) vetting a SaaS product with AI features: held out;
- `bench/data/everyday_questions_heldout16.yaml`: 150 more by a sixteenth, in the words of
  AI-governance and model-risk reviewers, privacy counsel and procurement at large enterprises
  (insurers, pharmaceutical companies, retailers, media companies, universities, logistics firms)
  vetting a SaaS product with generative-AI features: held out;
- `bench/data/everyday_questions_heldout17.yaml`: 150 more by a seventeenth, in the words of
  security, vendor-risk and IT teams at retailers, e-commerce companies, payment processors,
  manufacturers and logistics firms vetting a SaaS product: held out.

None has a key: every auto-fill is printed with what its answer cell says, for a person to
read, and the bands are counted. bench/README.md holds what was read.

Run: .venv/bin/python bench/bench_match_unseen.py
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import yaml
from bench_match_common import RAW, require, table
from bench_match_customer import customer_questions
from bench_match_starter import starter_bank

from app.core.answering import cell_answer
from app.core.bank import Entry
from app.core.matching import Matcher

ANSWERS = RAW / "answer-bank-plainanswer-cc0" / "answers"
DATA = Path(__file__).resolve().parent / "data"
EVERYDAY = DATA / "everyday_questions.yaml"
HELD_OUT = DATA / "everyday_questions_heldout.yaml"
# The held-out lists by the third author on, in the order they were written; the newest last.
HELD_OUT_LISTS = tuple(DATA / f"everyday_questions_heldout{n}.yaml" for n in range(2, 18))
_QUESTION = re.compile(r"^### (.+?)\s*$", re.MULTILINE)


def unseen_questions() -> list[tuple[str, str]]:
    """(section heading, question) for each CC0 question the customer benchmark does not use."""
    require(ANSWERS / "README.md")
    used = {q.text for q in customer_questions()}
    found = []
    for path in sorted(ANSWERS.glob("[0-9]*.md")):
        text = path.read_text(encoding="utf-8")
        heading = text.splitlines()[0].lstrip("# ").strip()
        found.extend((heading, q) for q in _QUESTION.findall(text) if q not in used)
    return found


def everyday_questions(path: Path = EVERYDAY) -> list[tuple[str, str]]:
    """(section heading, question) for each everyday question written for Vouch."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    return [(row["section"], row["q"]) for row in rows]


def read(title: str, bank: Sequence[Entry], asked: Sequence[tuple[str, str]]) -> None:
    """Match one set and print its bands and every auto-fill."""
    statements = {e.id: e for e in bank}
    start = time.perf_counter()
    results = Matcher(bank).match_many([(q, None, heading) for heading, q in asked], top=1)
    seconds = time.perf_counter() - start
    bands = Counter(found[0].band if found else "none" for found in results)
    print(f"{title}: {len(asked)} questions, starter bank")
    print(
        table(
            ["auto", "suggest", "none", "time"],
            [[bands["auto"], bands["suggest"], bands["none"], f"{seconds:.2f} s"]],
        )
    )
    print()
    print("Auto-fills, for reading (section | question -> statement: what its answer cell says):")
    for (heading, question), found in zip(asked, results, strict=True):
        if found and found[0].band == "auto":
            entry = statements[found[0].entry_id]
            written, _ = cell_answer(question, entry.answer, entry.detail)
            print(f"- {heading} | {question}")
            print(f"    -> {entry.id} ({found[0].score:.2f}) {entry.question}: {written}")
    print()


def main() -> None:
    bank = starter_bank()
    read("The CC0 answer bank's questions no benchmark uses", bank, unseen_questions())
    read("Everyday questions (bench/data/everyday_questions.yaml)", bank, everyday_questions())
    read(
        "Everyday questions by a second author (bench/data/everyday_questions_heldout.yaml)",
        bank,
        everyday_questions(HELD_OUT),
    )
    for path in HELD_OUT_LISTS:
        read(
            f"Held-out everyday questions (bench/data/{path.name})", bank, everyday_questions(path)
        )


if __name__ == "__main__":
    main()
