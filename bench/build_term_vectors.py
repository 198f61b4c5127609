"""Build the matcher's term vectors (app/core/term_vectors.npz) from public texts in ../shared.

Only public-domain and permissively licensed sources are read (see ../shared/questionnaires/
SOURCES.md), and none of the benchmarks' own question sets (CSA CAIQ/CCM, SCF) is among them:

- NIST SP 800-53 rev. 5, NIST CSF 2.0, NIST AI RMF 1.0, NIST AI 600-1: US-government works,
  public domain in the United States;
- CISA ICT SCRM vendor template: US-government work;
- Google VSAQ: Apache License 2.0;
- plainanswer security-questionnaire-answers: CC0 1.0.

The file keeps no text: only the vocabulary of matcher terms, one vector per term and each
term's inverse document frequency.

Run: .venv/bin/python bench/build_term_vectors.py
"""

from __future__ import annotations

import csv
import hashlib
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import yaml
from bench_match_common import RAW, require

from app.core.normalise import Normaliser, shipped_thesaurus
from app.core.semantic import SHIPPED, build_term_vectors, load_term_vectors

YAML_SOURCES = (
    RAW / "nist" / "nist-sp-800-53-rev5.yaml",
    RAW / "nist" / "nist-csf-2.0.yaml",
    RAW / "nist" / "nist-ai-rmf-1.0.yaml",
    RAW / "cisa-vendor-scrm" / "cisa-vendor-scrm.yaml",
)
AI_600_1 = RAW / "ai-governance" / "nist-ai-600-1-genai-profile-actions.csv"
VSAQ = RAW / "google-vsaq"
PLAINANSWER = RAW / "answer-bank-plainanswer-cc0" / "answers"
MIN_CHARS = 20
_VSAQ_STRING = re.compile(r'"([^"\\]{20,})"')


def prose(value: str) -> bool:
    """A sentence-like string rather than an identifier or a URL."""
    return len(value) >= MIN_CHARS and " " in value and "://" not in value


def yaml_strings(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from yaml_strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from yaml_strings(value)
    elif isinstance(node, str) and prose(node):
        yield node


def corpus() -> Iterator[str]:
    """Every sentence-like text of the sources, one document each."""
    for path in YAML_SOURCES:
        yield from yaml_strings(yaml.safe_load(path.read_text(encoding="utf-8")))
    with AI_600_1.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            yield from (cell for cell in row if prose(cell))
    for path in sorted(VSAQ.glob("*.json")):
        # VSAQ's files are JavaScript-style JSON with comments: take the quoted prose.
        yield from (s for s in _VSAQ_STRING.findall(path.read_text(encoding="utf-8")) if prose(s))
    for path in sorted(PLAINANSWER.glob("*.md")):
        yield from (line for line in path.read_text(encoding="utf-8").splitlines() if prose(line))


def main() -> None:
    require(*YAML_SOURCES, AI_600_1)
    for folder in (VSAQ, PLAINANSWER):
        if not folder.is_dir():
            sys.exit(f"needs {folder} (set VOUCH_SHARED_DIR to the shared folder)")
    start = time.perf_counter()
    # Standards' names are matched on wording alone (see the thesaurus's `products`).
    normaliser = Normaliser(replace(shipped_thesaurus(), products=()))
    documents = [normaliser.normalise(text).terms for text in corpus()]
    vectors = build_term_vectors(documents)
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else SHIPPED
    vectors.save(out)
    seconds = time.perf_counter() - start
    check = load_term_vectors(out)
    assert check.terms == vectors.terms
    digest = hashlib.sha256(out.read_bytes()).hexdigest()[:16]
    print(
        f"{len(documents):,} texts, {sum(len(d) for d in documents):,} terms; "
        f"vocabulary {len(vectors.terms):,} x {vectors.dimensions} dimensions; "
        f"unrelated-text baseline cosine {vectors.baseline:.3f}; "
        f"{out} {out.stat().st_size / 1e6:.2f} MB (sha256 {digest}…) in {seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
