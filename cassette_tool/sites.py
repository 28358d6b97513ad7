"""Where each secret of a loaded cassette is stored in its file: the one search whose results
`validate` reports and `redact` replaces.

A `Site` is one `secrets.Finding` with the string it was found in (a URL, a header value, a
body's text, one string of a parsed body) and, for YAML and JSON files, the path of the node
that stores that string. `span` places the finding in that node's value when the string is
written there as it is. It is None when the node stores the string encoded (`!!binary`,
base64, hex, gzip: `body` then holds the decoded body, and its notes say how it was stored)
or when no node could be matched (httprr records, websocket frames, a header stored as
`!!binary`): the caller then falls back to the start of the value, the interaction, or a
search of the file.

Knows nothing of positions in the text (spans.py) or of reporting and replacing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import formats
from .errors import CassetteError
from .formats.common import Layout, NodePath, as_text, header_nodes, locate, node_at
from .model import Body, Cassette, Headers, Interaction
from .secrets import Finding, Rules
from .source import Source, text_of


@dataclass(frozen=True, slots=True)
class Site:
    finding: Finding  # offsets into `text`
    interaction: int  # the interaction's index
    part: str  # "url", "request header", "response header", "request body", "response body",
    # "websocket"
    label: str  # "interaction 0 request header Authorization", as findings are reported
    text: str
    node: NodePath | None = None
    offset: int | None = None  # where text[0] is in the node's value, when written verbatim
    body: Body | None = None  # the decoded body, for findings in a body; a header value
    # stored as `!!binary`, for findings there
    header: str = ""  # the header's name, for findings in a header

    @property
    def span(self) -> tuple[int, int] | None:
        """The finding's range in the node's value, when it is written there verbatim."""
        if self.offset is None or self.offset + self.finding.start < 0:
            return None
        return self.offset + self.finding.start, self.offset + self.finding.end


Spot = tuple[Site, str, int | None, int | None]
"""Where redact replaced a site: the site, the text that replaced it, line and column."""


def file_sites(source: Source, cassette: Cassette, rules: Rules) -> list[Site]:
    """Every secret in a loaded cassette, with its node when the file has a tree."""
    module = formats.FORMAT_BY_NAME[cassette.format]
    found = [site for interaction in cassette.interactions
             for site in interaction_sites(interaction, None, module.LAYOUT, rules)]
    # Cookies kept beside the headers (HAR) are seen in the tree only.
    beside = module.LAYOUT.request_cookies or module.LAYOUT.response_cookies
    if (not found and not beside) or Layout() == module.LAYOUT:
        return found
    # Parsing the file into plain data a second time costs about as much as loading it:
    # only files with findings pay it.
    try:
        tree = formats._tree(source)
    except CassetteError:
        return found
    return [site for interaction in cassette.interactions
            for site in interaction_sites(interaction, node_at(tree, interaction.where),
                                          module.LAYOUT, rules)]


def interaction_sites(interaction: Interaction, item: Any, layout: Layout,
                      rules: Rules) -> Iterator[Site]:
    """The secrets of one interaction; `item` is its node as plain data (None: no nodes)."""
    finder = _Finder(interaction, item, layout, rules)
    yield from finder.url()
    for side in ("request", "response"):
        message = interaction.request if side == "request" else interaction.response
        if message is not None:
            in_headers = list(finder.headers(side, message.headers))
            yield from in_headers
            yield from finder.cookies(side, {site.finding.value for site in in_headers})
            yield from finder.body(side, message.body)
    yield from finder.websocket()


@dataclass(frozen=True, slots=True)
class _Finder:
    interaction: Interaction
    item: Any
    layout: Layout
    rules: Rules

    @property
    def label(self) -> str:
        return f"interaction {self.interaction.index}"

    def where(self, part: str) -> NodePath | None:
        found = locate(self.item, getattr(self.layout, part)) if self.item is not None else None
        return None if found is None else self.interaction.where + found

    def value(self, node: NodePath) -> Any:
        return node_at(self.item, node[len(self.interaction.where):])

    def site(self, finding: Finding, part: str, label: str, text: str, **where: Any) -> Site:
        return Site(finding, self.interaction.index, part, label, text, **where)

    def url(self) -> Iterator[Site]:
        url = self.interaction.request.url
        node = self.where("url")
        stored = self.value(node) if node is not None else None
        # nock stores the path alone (the origin is in `scope`): the URL ends with the value.
        offset = (len(url) - len(stored) if isinstance(stored, str) and stored
                  and url.endswith(stored) else None)
        for found in self.rules.check_url(url):
            yield self.site(found, "url", f"{self.label} URL", url, node=node,
                            offset=None if offset is None else -offset)

    def headers(self, side: str, headers: Headers) -> Iterator[Site]:
        checked = [(name, value, found) for (name, value), found
                   in zip(headers, self.rules.check_headers(headers), strict=True)]
        if not any(found for _, _, found in checked):
            return  # the nodes are looked for only when there is something to place
        where = self.where(f"{side}_headers")
        shape = getattr(self.layout, f"{side}_headers_shape")
        nodes: dict[tuple[str, str], list[tuple[NodePath, bytes | None]]] = {}
        if where is not None:
            for name, value, rel in header_nodes(self.value(where), shape):
                # VCR.py writes a header that the client sent as bytes as `!!binary`.
                stored = value if isinstance(value, bytes) else None
                text = as_text(value) if stored is not None else str(value)
                nodes.setdefault((name.lower(), text), []).append((where + rel, stored))
        for name, value, findings in checked:
            # The same header twice with the same value: each finding goes to its own node.
            candidates = nodes.get((name.lower(), value))
            node, stored = candidates.pop(0) if candidates else (None, None)
            verbatim = node is not None and stored is None
            # A value stored as bytes is written again whole, like a body stored encoded.
            encoded = (Body(stored, notes=("!!binary",))
                       if stored is not None and text_of(stored) == value else None)
            for found in findings:
                yield self.site(found, f"{side} header", f"{self.label} {side} header {name}",
                                value, node=node if verbatim or encoded else None,
                                offset=0 if verbatim else None, body=encoded, header=name)

    def cookies(self, side: str, reported: set[str]) -> Iterator[Site]:
        """Cookies kept as name/value pairs beside the headers (HAR), unless the same value
        was reported in a header already."""
        where = self.where(f"{side}_cookies")
        pairs = self.value(where) if where is not None else None
        header = "Cookie" if side == "request" else "Set-Cookie"
        for number, pair in enumerate(pairs if isinstance(pairs, list) else ()):
            if not isinstance(pair, dict) or not isinstance(pair.get("value"), str):
                continue
            assert where is not None
            name = as_text(pair.get("name"))
            text = f"{name}={pair['value']}"
            for found in self.rules.check_header(header, text):
                if found.value not in reported:
                    yield self.site(found, f"{side} header",
                                    f"{self.label} {side} cookie {name}", text,
                                    node=(*where, number, "value"), offset=-len(name) - 1,
                                    header=header)

    def body(self, side: str, body: Body) -> Iterator[Site]:
        where = self.where(f"{side}_body")
        label, part = f"{self.label} {side} body", f"{side} body"
        if body.parsed is not None:
            for json_path, found in self.rules.check_data(body.parsed):
                node = where + json_path if where is not None else None
                yield self.site(found, part, label, _string_at(body.parsed, json_path),
                                node=node, offset=0 if node is not None else None, body=body)
            return
        text = text_of(body.data)
        if text is None:
            return
        exact = where is not None and not body.notes and self.value(where) == text
        for found in self.rules.find_in_text(text):
            yield self.site(found, part, label, text, node=where, offset=0 if exact else None,
                            body=body)

    def websocket(self) -> Iterator[Site]:
        for number, frame in enumerate(self.interaction.websocket):
            data = frame.data
            label = f"{self.label} websocket message {number}"
            if isinstance(data, (dict, list)):
                for path, found in self.rules.check_data(data):
                    yield self.site(found, "websocket", label, _string_at(data, path))
            elif isinstance(data, str):
                for found in self.rules.find_in_text(data):
                    yield self.site(found, "websocket", label, data)


def _string_at(data: Any, path: NodePath) -> str:
    value = node_at(data, path)
    return value if isinstance(value, str) else ""
