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
