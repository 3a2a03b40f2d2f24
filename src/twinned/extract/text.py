"""Page text for the extractor: an HTML page reduced to its readable text.

Navigation, header, footer, asides, forms, scripts, styles, images (and their
captions) and hidden elements are dropped; block elements end lines; table cells are
joined with `` | `` so a table row stays one line (a cell spanning rows is repeated in each);
a list item begins with ``- ``; text glued across inline tags before a capital ("Århus" "Denmark"
in a card's spans) is cut into lines. When the page has a ``<main>`` element only its text is kept.
Lines of boilerplate ("Skip to content", "Read more",
cookie notices ...) are removed. Plain text is used as it is, so evidence offsets
into a text page are offsets into the file itself.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

SKIPPED = frozenset({"script", "style", "noscript", "template", "nav", "header", "footer", "aside",
                     "form", "svg", "button", "select", "textarea", "iframe", "object", "figure",
                     "figcaption", "picture", "video", "audio", "map", "head", "menu"})
SKIPPED_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary", "menu",
                           "menubar", "dialog", "alert"})
SKIPPED_CLASSES = frozenset({"nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "cookie",
                             "cookies", "cookie-banner", "skip-link", "skip-to-content", "screen-reader-text",
                             "sr-only", "visually-hidden", "share", "sharing", "social", "sidebar", "caption",
                             "wp-caption-text", "pagination"})
# inline elements that cards style as blocks: text glued across their edges ("Århus" "Denmark") is cut
GLUED = frozenset({"span", "a", "time", "label", "small", "strong", "b", "em", "i", "cite"})
# a class or id containing one of these is a banner or a trail ("cookie-consent", "breadcrumb-trail", "gdpr-notice")
SKIPPED_CLASS_PARTS = ("cookie", "breadcrumb", "consent", "gdpr", "skiplink", "skip-link")
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                  "source", "track", "wbr"})
BLOCKS = frozenset({"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li",
                    "ul", "ol", "dl", "dt", "dd", "tr", "table", "thead", "tbody", "tfoot", "blockquote",
                    "pre", "address", "caption", "details", "summary", "br", "hr", "body", "html"})
CELLS = frozenset({"td", "th"})

BOILERPLATE = re.compile(
    r"^(?:skip to (?:main )?content|skip to navigation|jump to (?:content|navigation)|menu|search|"
    r"read more|more|back to top|to the top|print|share(?: this(?: page)?)?|top|home|"
    r"(?:this|our) (?:site|website) uses cookies.*|.*\bcookies?\b.*\baccept\b.*|accept(?: all)?(?: cookies)?|"
    r"information will be available soon\.?|(?:page )?under construction\.?|coming soon\.?|"
    r"all rights reserved\.?|(?:©|copyright)\s.*|(?:last )?(?:updated|modified)(?::|\s+on\b).*|"
    r"last (?:updated|modified)\b.*|"
    r"you are here:?.*|home\s*(?:[/›>»|]|&gt;)\s.*)$",       # breadcrumbs: "Home / City Hall / Twin cities"
    re.IGNORECASE,
)


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2000].lower()
    return head.startswith(("<!doctype html", "<html")) or bool(re.search(r"<(?:body|p|div|table|h[1-6])\b", head))


def is_boilerplate(line: str) -> bool:
    return bool(BOILERPLATE.match(line.strip()))


class _Reducer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []   # (tag, opened a skipped region)
        self.skip_depth = 0
        self.main_depth = 0
        self.saw_main = False
        self.all: list[str] = []
        self.main: list[str] = []
        self.title: list[str] = []
        self.in_title = False
        self.row_cells = 0
        self.pre_depth = 0
        self.column = 0                              # the column the next cell of the row stands in
        self.spans: dict[int, tuple[int, str]] = {}  # column → (rows still spanned, the spanning cell's text)
        self.capture: list[str] | None = None        # the text of a cell with rowspan, as it is read
        self.capture_column = 0
        self.boundary = False                        # a tag began or ended since the last text

    def _emit(self, text: str) -> None:
        self.all.append(text)
        if self.main_depth:
            self.main.append(text)

    def _skipped(self, tag: str, attrs: dict[str, str | None]) -> bool:
        classes = set((attrs.get("class") or "").lower().split()) | {(attrs.get("id") or "").lower()}
        return (tag in SKIPPED or (attrs.get("role") or "").lower() in SKIPPED_ROLES
                or "hidden" in attrs or (attrs.get("aria-hidden") or "").lower() == "true"
                or bool(classes & SKIPPED_CLASSES)
                or any(part in c for c in classes for part in SKIPPED_CLASS_PARTS))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.boundary = self.boundary or tag in GLUED
        if tag == "title":
            self.in_title = True
        if tag in VOID:
            if tag in ("br", "hr") and not self.skip_depth:
                self._emit("\n")
            return
        skipped = self._skipped(tag, dict(attrs))
        self.stack.append((tag, skipped))
        if skipped:
            self.skip_depth += 1
        if tag == "main" and not self.skip_depth:
            self.main_depth += 1
            self.saw_main = True
        if self.skip_depth:
            return
        if tag == "pre":
            self.pre_depth += 1
        if tag == "table":
            self.spans = {}
        if tag == "tr":
            self._end_row()
            self.row_cells = 0
            self.column = 0
        if tag in CELLS:
            self._end_capture()
            self._spanned_cells()
            if self.row_cells:
                self._emit(" | ")
            self.row_cells += 1
            self._cell_spans(dict(attrs))
        elif tag in BLOCKS:
            self._emit("\n- " if tag == "li" else "\n")

    def _cell_spans(self, attrs: dict[str, str | None]) -> None:
        """A cell spanning rows ("<td rowspan=2>Morocco</td>") is repeated in the rows it spans, so
        that every row keeps its columns (and a town its country)."""
        rows = _number(attrs.get("rowspan"))
        if rows > 1:
            self.spans[self.column] = (rows - 1, "")
            self.capture, self.capture_column = [], self.column
        self.column += max(1, _number(attrs.get("colspan")))

    def _spanned_cells(self) -> None:
        while self.column in self.spans:
            rows, text = self.spans[self.column]
            if self.row_cells:
                self._emit(" | ")
            self._emit(text)
            self.row_cells += 1
            if rows > 1:
                self.spans[self.column] = (rows - 1, text)
            else:
                del self.spans[self.column]
            self.column += 1

    def _end_capture(self) -> None:
        if self.capture is not None:
            if self.capture_column in self.spans:
                rows = self.spans[self.capture_column][0]
                self.spans[self.capture_column] = (rows, re.sub(r"\s+", " ", "".join(self.capture)).strip())
            self.capture = None

    def _end_row(self) -> None:
        self._end_capture()
        if self.row_cells:
            self._spanned_cells()

    def handle_endtag(self, tag: str) -> None:
        self.boundary = self.boundary or tag in GLUED
        if tag == "title":
            self.in_title = False
        if tag in VOID or not any(t == tag for t, _ in self.stack):
            return
        while self.stack:
            t, skipped = self.stack.pop()
            if skipped:
                self.skip_depth -= 1
            if t == "pre" and self.pre_depth:
                self.pre_depth -= 1
            if t == "main" and self.main_depth and not self.skip_depth:
                self.main_depth -= 1
            if t in CELLS and not self.skip_depth:
                self._end_capture()
            if t == "tr" and not self.skip_depth:
                self._end_row()
            if t in BLOCKS and not self.skip_depth:
                self._emit("\n")
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
            return
        if not self.skip_depth:
            if self.boundary and data[:1].isupper() and self.all and self.all[-1][-1:].isalnum():
                self._emit("\n")     # "<span>Århus</span><span>Denmark — ...</span>": parts styled as blocks
            self.boundary = False
            self._emit(data if self.pre_depth else re.sub(r"\s+", " ", data))
            if self.capture is not None:
                self.capture.append(data)


def _number(value: str | None) -> int:
    """A rowspan or colspan attribute's number (1 when absent or unreadable)."""
    return int(value) if value and value.strip().isdigit() else 1


def _tidy(raw: str) -> str:
    lines = []
    for line in raw.split("\n"):
        line = re.sub(r"[ \t\r\f\v]+", " ", line).strip().strip("|").strip()
        if line and not is_boilerplate(line):
            lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


def html_to_text(html: str) -> tuple[str, str | None]:
    """The readable text of an HTML page and its <title> (or None)."""
    reducer = _Reducer()
    reducer.feed(html)
    reducer.close()
    body = "".join(reducer.main if reducer.saw_main and "".join(reducer.main).strip() else reducer.all)
    title = re.sub(r"\s+", " ", "".join(reducer.title)).strip() or None
    return _tidy(body.replace("\u00a0", " ")), title
