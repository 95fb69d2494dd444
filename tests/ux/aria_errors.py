"""Reading a rendered form for inputs tied to their errors (issue 12), stdlib only.

`invalid_controls(html)` lists every control marked aria-invalid="true" with the text its aria-describedby points
at. A radio (or checkbox) in a group is tied through its group: the enclosing <fieldset> (role radiogroup/group)
must carry aria-invalid="true" and the aria-describedby, and have a <legend>.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CONTROLS = {"input", "select", "textarea", "fieldset"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None
    text: list[str] = field(default_factory=list)
    children: list[Element] = field(default_factory=list)

    def all_text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text) + "".join(c.all_text() for c in self.children)).strip()

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {}, None)
        self.current = self.root
        self.elements: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(element)
        self.elements.append(element)
        if tag not in VOID:
            self.current = element

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.current = self.current.parent or self.root

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.text.append(data)


@dataclass(frozen=True)
class Invalid:
    what: str  # tag#id or tag[name]
    described: str  # the text of every element aria-describedby names ("" when none or unresolved)
    problems: tuple[str, ...]


def _label(e: Element) -> str:
    return f"{e.tag}#{e.attrs['id']}" if e.attrs.get("id") else f"{e.tag}[name={e.attrs.get('name', '')}]"


def invalid_controls(html: str) -> list[Invalid]:
    tree = _Tree()
    tree.feed(html)
    by_id = {e.attrs["id"]: e for e in tree.elements if e.attrs.get("id")}
    out = []
    for e in tree.elements:
        if e.tag not in CONTROLS or e.attrs.get("aria-invalid") != "true":
            continue
        problems = []
        carrier = e
        if e.tag == "input" and e.attrs.get("type") in ("radio", "checkbox"):
            group = next((a for a in e.ancestors() if a.tag == "fieldset"), None)
            if group is not None:
                carrier = group
                if group.attrs.get("aria-invalid") != "true":
                    problems.append("its group is not aria-invalid")
            elif e.attrs.get("type") == "radio":
                problems.append("a radio outside a fieldset")
        if carrier.tag == "fieldset" and not any(
            c.tag == "legend" and c.all_text() for c in carrier.children
        ):
            problems.append("group without a legend")
        ids = carrier.attrs.get("aria-describedby", "").split()
        if not ids:
            problems.append("no aria-describedby")
        missing = [i for i in ids if i not in by_id]
        if missing:
            problems.append(f"aria-describedby names missing ids {missing}")
        described = " ".join(by_id[i].all_text() for i in ids if i in by_id)
        out.append(Invalid(_label(e), described, tuple(problems)))
    return out


def assert_errors_tied(html: str, *messages: str) -> list[Invalid]:
    """Every invalid control is tied to text that exists; each of `messages` is that text for some control."""
    found = invalid_controls(html)
    assert found, "no control is marked aria-invalid"
    bad = [f for f in found if f.problems or not f.described]
    assert bad == [], bad
    for message in messages:
        assert any(message in f.described for f in found), (message, found)
    return found
