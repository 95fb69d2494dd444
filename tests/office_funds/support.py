"""Reading the back-office pages in tests: table rows by table id, the text of a page."""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self, table_id: str):
        super().__init__()
        self.table_id = table_id
        self.depth = 0  # >0 while inside the wanted table
        self.section = ""
        self.rows: list[list[str]] = []
        self.foot: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif attrs.get("id") == self.table_id:
                self.depth = 1
        elif self.depth and tag in ("tbody", "tfoot", "thead"):
            self.section = tag
        elif self.depth and tag == "tr" and self.section in ("tbody", "tfoot"):
            (self.rows if self.section == "tbody" else self.foot).append([])
        elif self.depth and tag in ("td", "th") and self.section in ("tbody", "tfoot"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self.cell is not None:
            target = self.rows if self.section == "tbody" else self.foot
            target[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table(response, table_id: str) -> tuple[list[list[str]], list[list[str]]]:
    """(body rows, footer rows) of the table with this id, each row a list of cell texts."""
    parser = _Tables(table_id)
    parser.feed(response.content.decode())
    return parser.rows, parser.foot


def text(response) -> str:
    """The page's text with tags removed and whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)).split())
