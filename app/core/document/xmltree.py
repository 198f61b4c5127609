"""WordprocessingML as text spans: a light element tree whose nodes know where they sit."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.core.errors import UnreadableWorkbook, WorkbookTooLarge

_ATTRS = r"""(?:[^>"'/]|"[^"]*"|'[^']*'|/(?!>))*"""
_TOKEN = re.compile(
    rf"<(?:!--.*?-->|\?.*?\?>|!\[CDATA\[.*?\]\]>|(/)?([^\s/>!?]+)({_ATTRS})(/)?>)", re.S
)
_ATTRIBUTE = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#\d+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
W_MAIN = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


def unescape(text: str) -> str:
    """Decode XML character references and the five predefined entities."""
    if "&" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return _NAMED[name]

    return _ENTITY.sub(replace, text)


def escape(text: str) -> str:
    """Escape text for an XML text node."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Node:
    """One element: its qualified name, attribute text and spans in the part's text."""

    __slots__ = (
        "attrs",
        "children",
        "close_start",
        "end",
        "local",
        "name",
        "open_end",
        "parent",
        "prefix",
        "start",
    )

    def __init__(
        self, name: str, attrs: str, start: int, open_end: int, parent: Node | None = None
    ) -> None:
        self.name = name
        self.prefix, _, self.local = name.rpartition(":")  # prefix "" when it has none
        self.attrs = attrs
        self.start = start
        self.open_end = open_end
        self.close_start = -1  # where the end tag starts; -1 for an empty element
        self.end = -1
        self.parent = parent
        self.children: list[Node] = []

    def attributes(self) -> dict[str, str]:
        """Return the attributes by qualified name."""
        return {
            m.group(1): unescape(m.group(2) if m.group(2) is not None else m.group(3))
            for m in _ATTRIBUTE.finditer(self.attrs)
        }

    def attribute(self, local: str) -> str | None:
        """Return the value of an attribute by local name, whatever its prefix."""
        for key, value in self.attributes().items():
            if key.rpartition(":")[2] == local:
                return value
        return None

    def child(self, name: str) -> Node | None:
        """Return the first child of that qualified name."""
        for node in self.children:
            if node.name == name:
                return node
        return None

    def iter(self) -> list[Node]:
        """Return this node and every descendant in document order."""
        found: list[Node] = []
        stack = [self]
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(reversed(node.children))
        return found

    def inner(self, text: str) -> str:
        """Return the raw text between the start and end tags ("" for an empty element)."""
        return text[self.open_end : self.close_start] if self.close_start >= 0 else ""


@dataclass
class XmlPart:
    """A part's text and its element tree, with the prefixes bound to Word's namespaces."""

    text: str
    root: Node
    w: str
    w14: str | None


def parse_part(text: str, *, max_elements: int) -> XmlPart:
    """Build the element tree of a well-formed part (already checked by a safe parser)."""
    stack: list[Node] = []
    root: Node | None = None
    count = 0
    for match in _TOKEN.finditer(text):
        closing, name, attrs, empty = match.group(1, 2, 3, 4)
        if name is None:
            continue  # a comment, processing instruction or CDATA section
        if closing:
            if not stack or stack[-1].name != name:
                raise UnreadableWorkbook("the document's XML is malformed (unbalanced tags)")
            node = stack.pop()
            node.close_start, node.end = match.start(), match.end()
            continue
        count += 1
        if count > max_elements:
            raise WorkbookTooLarge(f"the document has more than {max_elements:,} XML elements")
        parent = stack[-1] if stack else None
        node = Node(name, attrs, match.start(), match.end(), parent)
        if parent is not None:
            parent.children.append(node)
        elif root is None:
            root = node
        if empty:
            node.end = node.open_end
        else:
            stack.append(node)
    if root is None or stack:
        raise UnreadableWorkbook("the document's XML is malformed (unclosed elements)")
    namespaces = {
        value: key.partition(":")[2]
        for key, value in root.attributes().items()
        if key.startswith("xmlns")
    }
    w = namespaces.get(W_MAIN)
    if w is None:
        raise UnreadableWorkbook("the document part is not WordprocessingML")
    return XmlPart(text, root, w, namespaces.get(W14))
