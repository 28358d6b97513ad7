import struct
import zlib
from pathlib import Path

from cassette_tool.eventstream import decode, encode, looks_like_eventstream


def raw_frame(raw_headers: bytes, payload: bytes = b"{}") -> bytes:
    """A message with hand-built header bytes and correct CRCs (encode() writes strings only)."""
    total = 12 + len(raw_headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(raw_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + raw_headers + payload
    return body + struct.pack(">I", zlib.crc32(body))


def header(name: str, kind: int, value: bytes = b"") -> bytes:
    return bytes([len(name)]) + name.encode() + bytes([kind]) + value


def test_round_trip_of_encoded_frames() -> None:
    first = encode({":event-type": "messageStart", ":content-type": "application/json",
                    ":message-type": "event"}, b'{"role":"assistant"}')
    second = encode({":event-type": "metadata"}, '{"note":"café"}'.encode())
    decoded = decode(first + second)
    assert decoded.problems == ()
    assert [f.headers for f in decoded.frames] == [
        {":event-type": "messageStart", ":content-type": "application/json",
         ":message-type": "event"},
        {":event-type": "metadata"}]
    assert [f.payload for f in decoded.frames] == [b'{"role":"assistant"}',
                                                   '{"note":"café"}'.encode()]
    assert [f.offset for f in decoded.frames] == [0, len(first)]
    assert all(f.crc_ok for f in decoded.frames)
    assert decoded.frames[0].message_type == "event"
    assert decoded.frames[0].event_type == "messageStart"


def test_encoded_prelude_matches_the_documented_layout() -> None:
    frame = encode({":event-type": "chunk"}, b"xyz")
    total, header_len, prelude_crc = struct.unpack_from(">III", frame)
    assert (total, header_len) == (len(frame), 1 + 11 + 1 + 2 + 5)
    assert prelude_crc == zlib.crc32(frame[:8])
    assert struct.unpack_from(">I", frame, total - 4)[0] == zlib.crc32(frame[:-4])


def test_every_header_value_type() -> None:
    raw = b"".join([
        header("t", 0), header("f", 1),
        header("b", 2, struct.pack(">b", -5)),
        header("s", 3, struct.pack(">h", -300)),
        header("i", 4, struct.pack(">i", 70000)),
        header("l", 5, struct.pack(">q", -(2**40))),
        header("y", 6, struct.pack(">H", 3) + b"\x00\xff\x01"),
        header("str", 7, struct.pack(">H", len("héé".encode())) + "héé".encode()),
        header("ts", 8, struct.pack(">q", 1758186842000)),
        header("u", 9, bytes(range(16))),
    ])
    decoded = decode(raw_frame(raw))
    assert decoded.problems == ()
    assert decoded.frames[0].headers == {
        "t": True, "f": False, "b": -5, "s": -300, "i": 70000, "l": -(2**40),
        "y": b"\x00\xff\x01", "str": "héé", "ts": 1758186842000,
        "u": "000102030405060708090a0b0c0d0e0f"}


def test_exception_frames_name_their_type() -> None:
    frame = encode({":exception-type": "throttlingException", ":message-type": "exception"},
                   b'{"message":"Too many requests"}')
    decoded = decode(frame).frames[0]
    assert (decoded.message_type, decoded.event_type) == ("exception", "throttlingException")


def test_unknown_header_type_is_a_problem_not_a_crash() -> None:
    decoded = decode(raw_frame(header("x", 10, b"\x00")))
    assert decoded.problems == ("bad headers in frame at byte 0",)
    assert decoded.frames[0].headers == {}
    assert decoded.frames[0].payload == b"{}"


def test_header_cut_short_is_a_problem_not_a_crash() -> None:
    decoded = decode(raw_frame(b"\x03abc"))  # a name with no type byte after it
    assert decoded.problems == ("bad headers in frame at byte 0",)


def test_short_tail_is_truncated() -> None:
    frame = encode({":event-type": "messageStop"}, b"{}")
    decoded = decode(frame + frame[:7])
    assert len(decoded.frames) == 1
    assert decoded.problems == (f"truncated frame at byte {len(frame)}",)


def test_frame_cut_in_its_payload_is_truncated() -> None:
    frame = encode({":event-type": "contentBlockDelta"}, b'{"delta":{"text":"Hello"}}')
    decoded = decode(frame + frame[:-6])
    assert len(decoded.frames) == 1
    assert decoded.problems == (f"truncated frame at byte {len(frame)}",)


def test_bad_message_crc_is_flagged_and_decoding_goes_on() -> None:
    bad = bytearray(encode({":event-type": "contentBlockDelta"}, b'{"delta":{"text":"Hi"}}'))
    bad[-10] ^= 0x20  # flip a payload bit: the message CRC no longer matches
    good = encode({":event-type": "messageStop"}, b"{}")
    decoded = decode(bytes(bad) + good)
    assert decoded.problems == ("CRC mismatch in frame at byte 0",)
    assert [f.crc_ok for f in decoded.frames] == [False, True]
    assert decoded.frames[1].event_type == "messageStop"


def test_bad_prelude_crc_is_flagged() -> None:
    frame = bytearray(encode({":event-type": "metadata"}, b"{}"))
    frame[8] ^= 0xFF
    decoded = decode(bytes(frame) + encode({":event-type": "metadata"}, b"{}"))
    # A bad prelude means its lengths cannot be trusted: decoding stops there.
    assert decoded.problems == ("CRC mismatch in frame prelude at byte 0",)
    assert decoded.frames == ()


def test_total_length_below_minimum_is_a_bad_length() -> None:
    data = struct.pack(">II", 8, 0)
    data += struct.pack(">I", zlib.crc32(data)) + b"\x00" * 8
    decoded = decode(data)
    assert decoded.frames == ()
    assert decoded.problems == ("bad frame length at byte 0",)


def test_headers_longer_than_the_message_are_a_bad_length() -> None:
    data = struct.pack(">II", 20, 5)  # room for 4 bytes of headers, 5 claimed
    data += struct.pack(">I", zlib.crc32(data)) + b"\x00" * 8
    decoded = decode(data)
    assert decoded.frames == ()
    assert decoded.problems == ("bad frame length at byte 0",)


def test_empty_body_decodes_to_nothing() -> None:
    decoded = decode(b"")
    assert (decoded.frames, decoded.problems) == ((), ())


def test_looks_like_eventstream() -> None:
    assert looks_like_eventstream(encode({":event-type": "chunk"}, b"{}"))
    assert not looks_like_eventstream(b'{"output": {"message": {}}}')
    assert not looks_like_eventstream(b"\x00\x00\x00\x10")


def test_recorded_bedrock_streams_decode_cleanly_and_re_encode_byte_for_byte() -> None:
    from cassette_tool import formats
    from cassette_tool.load import expand_paths
    from cassette_tool.source import read_source

    from conftest import corpus_or_skip

    root = corpus_or_skip()
    checked = 0
    for path in expand_paths([str(root)]):
        if b"amazon.eventstream" not in Path(path).read_bytes():
            continue
        for interaction in formats.parse(read_source(path))[1]:
            response = interaction.response
            if response is None or response.content_type != "application/vnd.amazon.eventstream":
                continue
            decoded = decode(response.body.data)
            assert decoded.problems == (), path
            again = b"".join(encode(f.headers, f.payload) for f in decoded.frames)
            assert again == response.body.data, path
            checked += 1
    assert checked >= 20
