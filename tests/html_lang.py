"""What language the markup says a text is in: the `lang` of the nearest element around it
(WCAG 3.1.2, language of parts), as a screen reader picks its voice."""

from __future__ import annotations

from html.parser import HTMLParser

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}

NOT_READ = {"title", "script", "style", "template"}


class _Languages(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, str | None]] = []
        self.texts: list[tuple[str, str | None, str | None]] = []

    def _inherited(self, index: int) -> str | None:
        return next((entry[index] for entry in reversed(self.stack) if entry[index]), None)

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        attrs = dict(attrs)
        self.stack.append((tag, attrs.get("lang"), attrs.get("dir")))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        # The document's title cannot carry a language of its own; scripts are not read.
        if any(entry[0] in NOT_READ for entry in self.stack):
            return
        if data.strip():
            self.texts.append((data.strip(), self._inherited(1), self._inherited(2)))


def languages_of(html: str, text: str) -> set[tuple[str | None, str | None]]:
    """Every (lang, dir) in which `text` (or a text containing it) appears on the page."""
    parser = _Languages()
    parser.feed(html)
    return {(lang, direction) for data, lang, direction in parser.texts if text in data}
