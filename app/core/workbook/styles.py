"""Append quotePrefix copies of cell formats to styles.xml, leaving every existing byte in place."""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.core.errors import UnsupportedWorkbook

_ATTRS = r"""(?:[^>"']|"[^"]*"|'[^']*')*?"""


def cell_xfs_span(text: str) -> tuple[re.Match[str], re.Match[str], str]:
    """Return the opening and closing tags of the cellXfs table and its namespace prefix."""
    opening = re.search(rf"<((?:[\w.-]+:)?)cellXfs\b({_ATTRS})>", text)
    if opening is None:
        raise UnsupportedWorkbook("styles.xml has no cellXfs table")
    prefix = opening.group(1)
    closing = re.compile(rf"</{re.escape(prefix)}cellXfs\s*>").search(text, opening.end())
    if closing is None:
        raise UnsupportedWorkbook("styles.xml has an unclosed cellXfs table")
    return opening, closing, prefix


def cell_format_elements(text: str) -> list[str]:
    """Return the <xf> elements of cellXfs as text, in index order."""
    opening, closing, prefix = cell_xfs_span(text)
    body = text[opening.end() : closing.start()]
    p = re.escape(prefix)
    pattern = re.compile(rf"<{p}xf\b{_ATTRS}(?:/>|>.*?</{p}xf\s*>)", re.S)
    return [match.group(0) for match in pattern.finditer(body)]


def add_quote_prefix_styles(
    styles_xml: bytes, styles: Iterable[int]
) -> tuple[bytes, dict[int, int]]:
    """Append a quotePrefix="1" copy of each cell format; return the XML and old->new indexes."""
    text = styles_xml.decode("utf-8")
    opening, closing, prefix = cell_xfs_span(text)
    elements = cell_format_elements(text)
    mapping: dict[int, int] = {}
    added: list[str] = []
    for style in sorted(set(styles)):
        base = elements[style] if 0 <= style < len(elements) else f"<{prefix}xf/>"
        head = re.match(rf"<{re.escape(prefix)}xf\b", base)
        assert head is not None
        attrs = re.sub(r"""\s+quotePrefix\s*=\s*(["'])[^"']*\1""", "", base[head.end() :], count=1)
        separator = "" if attrs.startswith((" ", "/", ">")) else " "
        added.append(f'{head.group(0)} quotePrefix="1"{separator}{attrs}')
        mapping[style] = len(elements) + len(added) - 1
    count = len(elements) + len(added)
    new_opening = re.sub(
        r"""\bcount\s*=\s*(["'])\d*\1""", f'count="{count}"', opening.group(0), count=1
    )
    rebuilt = text[: opening.start()] + new_opening + text[opening.end() : closing.start()]
    rebuilt += "".join(added) + text[closing.start() :]
    return rebuilt.encode("utf-8"), mapping
