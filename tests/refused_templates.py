"""Detail templates beyond variable substitution, each with the words its refusal must contain."""

from __future__ import annotations

REFUSED_TEMPLATES: list[tuple[str, str]] = [
    ("{% for i in range(100000000) %}x{% endfor %}", "a loop"),
    ("{{ 'a' * 100000000 }}", "multiplication"),
    ("{{ range(100000) }}", "a call to range()"),
    ("{{ company | center(100000) }}", "the filter 'center'"),
    ("{{ company.__class__ }}", "attribute access"),
    ("{{ company['x'] }}", "indexing"),
    ("{% if company %}x{% endif %}", "a condition"),
    ("{{ company if company else product }}", "a conditional expression"),
    ("{% set x = company %}{{ x }}", "an assignment"),
    ("{% macro m() %}x{% endmacro %}", "a macro"),
    ("{% include 'other' %}", "an include"),
    ("{{ company ~ company }}", "string joining"),
    ("{{ company + company }}", "addition"),
    ("{{ 2 ** 100000 }}", "a power"),
    ("{{ company is defined }}", "a test"),
    ("{{ company == product }}", "a comparison"),
    ("{{ company | join(company) }}", "passes a variable to the filter 'join'"),
    ("{{ self }}", "the name 'self'"),
    ("{{ " + "9" * 5000 + " }}", "a number too long"),
    ("{{ " + "(" * 3000 + "company" + ")" * 3000 + " }}", "nests brackets too deeply"),
    ("{{ company ", "not a valid template"),
]
