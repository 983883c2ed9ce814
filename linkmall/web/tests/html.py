"""Read a rendered page the way a browser would: elements and attributes, not raw text."""

from html.parser import HTMLParser


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._text_stack: list[tuple[str, dict, list[str]]] = []
        self.texts: list[tuple[str, dict, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag not in ("input", "img", "br", "meta", "link"):
            self._text_stack.append((tag, attributes, []))

    def handle_endtag(self, tag):
        for i in range(len(self._text_stack) - 1, -1, -1):
            if self._text_stack[i][0] == tag:
                name, attributes, parts = self._text_stack.pop(i)
                text = " ".join("".join(parts).split())
                self.texts.append((name, attributes, text))
                if self._text_stack:
                    self._text_stack[-1][2].append(" " + "".join(parts) + " ")
                return

    def handle_data(self, data):
        if self._text_stack:
            self._text_stack[-1][2].append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def inputs(html: str, name: str) -> list[dict]:
    return [a for tag, a in parse(html).elements if tag == "input" and a.get("name") == name]


def text_of(html: str, element_id: str) -> str:
    """The whitespace-normalised text of the element with this id."""
    for _tag, attributes, text in parse(html).texts:
        if attributes.get("id") == element_id:
            return text
    raise AssertionError(f"no element with id {element_id!r}")


def texts_by_class(html: str, css_class: str) -> list[str]:
    found = [
        (attributes, text) for _tag, attributes, text in parse(html).texts
        if css_class in (attributes.get("class") or "").split()
    ]
    return [text for _a, text in found]
