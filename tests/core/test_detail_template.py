"""Detail templates: only variables and a few filters, refused by construct, bounded in output."""

from __future__ import annotations

import time

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.core.bank import Entry, load_bank, render_detail
from app.core.detail_template import (
    CELL_LIMIT,
    TemplateRefused,
    check_profile,
    check_template,
    escape_template,
    render_template,
)
from app.core.errors import BankError
from tests.conftest import BUNDLED_BANK
from tests.refused_templates import REFUSED_TEMPLATES

PROFILE = {"company": "Example Co", "product": "Example Cloud", "regions": ["EU", "US"]}


@pytest.mark.parametrize(("source", "construct"), REFUSED_TEMPLATES)
def test_each_construct_beyond_substitution_is_refused_by_name(source: str, construct: str) -> None:
    started = time.perf_counter()
    with pytest.raises(TemplateRefused, match=construct.replace("(", r"\(").replace(")", r"\)")):
        check_template(source)
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize(("source", "construct"), REFUSED_TEMPLATES)
def test_rendering_an_entry_names_the_entry_and_the_construct(source: str, construct: str) -> None:
    entry = Entry(id="X-LOOP-1", question="Q?", answer="Yes", detail=source)
    with pytest.raises(BankError) as caught:
        render_detail(entry, PROFILE)
    assert "entry X-LOOP-1: detail" in str(caught.value)
    assert construct in str(caught.value)


def test_variables_and_the_allowed_filters_render() -> None:
    source = (
        "{{ company }} runs {{ product | upper }} in {{ regions | join('; ') }} "
        "({{ regions | length }} regions, first {{ regions | first }}, last {{ regions | last }}); "
        "{{ missing | default('none') }} {{ '  x ' | trim }} {{ 'a b' | title }} "
        "{{ 'aB' | capitalize }} {{ company | lower }}"
    )
    assert render_template(source, PROFILE) == (
        "Example Co runs EXAMPLE CLOUD in EU; US (2 regions, first EU, last US); "
        "none x A B Ab example co"
    )


def test_an_unknown_variable_is_still_an_error() -> None:
    entry = Entry(id="X-1", question="Q?", answer="Yes", detail="{{ nobody }}")
    with pytest.raises(BankError, match="unknown variable"):
        render_detail(entry, PROFILE)


def test_the_output_stops_at_what_a_cell_holds() -> None:
    long_name = "x" * 20_000
    started = time.perf_counter()
    with pytest.raises(TemplateRefused, match=f"more than {CELL_LIMIT} characters"):
        render_template("{{ company }} and {{ company }}", {"company": long_name})
    with pytest.raises(TemplateRefused, match=f"more than {CELL_LIMIT} characters"):
        render_template("{{ items | join('" + "-" * 100 + "') }}", {"items": ["y" * 150] * 200})
    # A text is one value, not a list of characters: joining it never multiplies it.
    joined = "{{ company | join('" + "-" * 100 + "') | join('" + "-" * 100 + "') }}"
    assert render_template(joined, {"company": "z" * 30_000}) == "z" * 30_000
    assert time.perf_counter() - started < 1.0
    assert len(render_template("{{ company }}", {"company": "x" * CELL_LIMIT})) == CELL_LIMIT


@pytest.mark.parametrize(
    ("profile", "fragment"),
    [
        ({"company": "x" * (CELL_LIMIT + 1)}, "longer than 32767"),
        ({"regions": ["EU"] * 201}, "at most 200 values"),
        ({"regions": [{"nested": "map"}]}, "text, a number or a list"),
        ({"company": "bell\x07"}, "control characters"),
        ({"self": "x"}, "reserved"),
        ({"not a name": "x"}, "must be letters"),
    ],
)
def test_a_profile_variable_a_detail_could_not_print_is_refused(
    profile: dict[str, object], fragment: str
) -> None:
    with pytest.raises(BankError, match=fragment):
        check_profile(profile)
    with pytest.raises(BankError, match=fragment):
        render_template("text", profile)


def test_every_shipped_detail_passes_the_checks() -> None:
    bank = load_bank(BUNDLED_BANK)
    details = [entry for entry in bank.entries if entry.detail]
    assert len(details) > 300
    for entry in details:
        check_template(entry.detail)
        assert 0 < len(render_detail(entry, bank.profile)) <= CELL_LIMIT


@given(st.text(alphabet=st.sampled_from("{}%#-+ raweendx'\"\n"), max_size=60))
def test_escaped_text_renders_exactly_as_written(text: str) -> None:
    # Jinja drops one final line break of any template, escaped or not (tested in test_bank.py).
    assume(not text.endswith("\n"))
    assert render_template(escape_template(text), {}) == text
