from hypothesis import given
from hypothesis import strategies as st

from cassette_tool.sse import Event, parse_sse


def test_crlf_lines_comments_and_multiline_data() -> None:
    # Gemini sends CRLF; OpenRouter sends ": OPENROUTER PROCESSING" comment lines.
    text = ": OPENROUTER PROCESSING\r\n\r\nevent: ping\r\ndata: a\r\ndata: b\r\n\r\ndata:c\r\n\r\n"
    assert parse_sse(text) == [Event("a\nb", "ping"), Event("c")]


def test_last_event_without_blank_line_is_kept() -> None:
    assert parse_sse('data: {"x":1}') == [Event('{"x":1}')]


def test_line_separators_inside_json_do_not_split_events() -> None:
    assert parse_sse('data: {"t":"a\u2028b"}\n\n') == [Event('{"t":"a\u2028b"}')]


def test_only_one_space_after_colon_is_stripped() -> None:
    assert parse_sse("data:  two\n\n") == [Event(" two")]


# --- the one-step path for plain `data:` events against the rules read line by line -------

def reference(text: str) -> list[Event]:
    """The WHATWG rules the module follows, stated block by block: lines end at \n (a \r
    before it is dropped), blank lines end an event, `:` lines are comments, one space after
    a field's colon is dropped, `id` lasts until the next one."""
    events: list[Event] = []
    event_id = None
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        else:
            blocks.append([])
    for block in blocks:
        fields = [(field, value.removeprefix(" ")) for field, _, value in
                  (line.partition(":") for line in block if not line.startswith(":"))]
        event_id = next((v for f, v in reversed(fields) if f == "id"), event_id)
        names = [v for f, v in fields if f == "event"]
        data = [v for f, v in fields if f == "data"]
        if data:
            events.append(Event("\n".join(data), names[-1] if names else None, event_id))
    return events


LINES = st.sampled_from([
    "data: {\"a\":1}", "data:{\"b\":2}", "data:  two spaces", "data:", "data: [DONE]",
    "data: x\ry", "data: \u2028sep", "event: message", "event:", "id: 7", "id:", ": comment",
    "", "", "", "retry: 100", "no colon", "data: tail\r",
])


@given(st.lists(LINES, max_size=30), st.sampled_from(["\n", "\r\n"]),
       st.booleans())
def test_every_stream_reads_as_the_line_by_line_rules_say(lines: list[str], end: str,
                                                          final: bool) -> None:
    text = end.join(lines) + (end if final else "")
    assert parse_sse(text) == reference(text)
