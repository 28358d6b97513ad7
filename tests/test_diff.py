"""`cassette diff`: noise-only re-recordings of our samples say "no semantic change" (exit 0);
real changes are reported precisely (exit 1); unreadable files exit 2."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from cassette_tool.diff import MISSING, Options, compare, diff_values, pair_interactions
from cassette_tool.load import expand_paths, load
from cassette_tool.model import (
    Body,
    Exchange,
    Interaction,
    MediaPart,
    Message,
    Prompt,
    Reply,
    Request,
    Response,
    TextPart,
    Tool,
    ToolCall,
    ToolResult,
    Usage,
)
from cassette_tool.providers import read_exchange
from cassette_tool.sse import parse_sse
from cassette_tool.view import interaction_view, looks_generated

from conftest import SAMPLES, load_script, sample

nv = load_script("noise_variants")
ALL_SAMPLES = sorted(str(Path(p).relative_to(SAMPLES)) for p in expand_paths([str(SAMPLES)]))
CROSS = "diff/cross-format/vcrpy/anthropic_umbrella_tool_stream.yaml"
CROSS_GOVCR = "diff/cross-format/go-vcr/anthropic_umbrella_tool_stream.yaml"
OPENROUTER = "go-vcr/openrouter_tool_streaming.yaml"
REPLY_1 = "Yes, take one: light showers are likely this afternoon (80% chance), around 9 °C."


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Short relative names: what the diff prints for a pair is the NEW path.
    monkeypatch.chdir(tmp_path)


def write(relative: str, data: bytes | str) -> str:
    path = Path(relative)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return relative


def edit(relative: str, *replacements: tuple[str, str]) -> str:
    text = Path(sample(relative)).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} not in {relative}"
        text = text.replace(old, new)
    return text


def variant(relative: str, kinds: tuple[str, ...] = nv.KINDS, seed: int = 1) -> str:
    """old/NAME (the sample) and new/NAME (its noise-only re-recording); returns the name."""
    name = Path(relative).name
    original = Path(sample(relative)).read_bytes()
    made = nv.make_variant(original, relative, seed, kinds)
    assert made.data != original
    write(f"old/{name}", original)
    write(f"new/{name}", made.data)
    return name


def changes_json(cli, old: str, new: str, *options: str) -> list[dict]:
    run = cli("diff", "--format", "json", *options, old, new)
    assert run.code in (0, 1), run
    return json.loads(run.out)


# --- noise only: exit 0 and one line ------------------------------------------------------------

@pytest.mark.parametrize("relative", ALL_SAMPLES)
def test_noise_only_rerecording_of_each_sample_is_one_line(cli, relative: str) -> None:
    name = variant(relative)
    run = cli("diff", f"old/{name}", f"new/{name}")
    assert run.code == 0, run
    assert run.out.splitlines() == [f"new/{name}: no semantic change"], run


@pytest.mark.parametrize("kind", nv.KINDS)
def test_each_kind_of_noise_alone_is_no_change_but_strict_sees_it(kind: str) -> None:
    rewritten, seen_by_strict = [], []
    for relative in ALL_SAMPLES:
        original = Path(sample(relative)).read_bytes()
        made = nv.make_variant(original, relative, 2, (kind,))
        if not made.rewrites[kind]:
            continue
        rewritten.append(relative)
        old, new = load(sample(relative)), load(write(f"v/{relative}", made.data))
        assert compare(old, new) == [], relative
        seen_by_strict.append(bool(compare(old, new, Options(strict=True))))
    assert len(rewritten) >= 3, f"{kind}: exercised by too few samples: {rewritten}"
    assert any(seen_by_strict), f"{kind}: --strict sees none of its rewrites"


def test_tool_call_ids_are_renamed_in_request_and_response_alike(cli) -> None:
    name = variant(OPENROUTER, ("ids",))
    old, new = load(f"old/{name}").exchanges, load(f"new/{name}").exchanges
    call_id = new[0].reply.tool_calls[0].id
    assert call_id != old[0].reply.tool_calls[0].id
    prompt_parts = [p for m in new[1].prompt.messages for p in m.parts]
    assert [p.id for p in prompt_parts if isinstance(p, ToolCall)] == [call_id]
    assert [p.tool_call_id for p in prompt_parts if isinstance(p, ToolResult)] == [call_id]
    assert new[0].response_id != old[0].response_id
    assert cli("diff", f"old/{name}", f"new/{name}").code == 0
    strict = changes_json(cli, f"old/{name}", f"new/{name}", "--strict")
    assert {"reply.tool_calls[0].id", "strict.response_id"} <= {c["path"] for c in strict}


def test_a_stream_rechunked_gives_the_same_reply(cli) -> None:
    relative = "ruby-vcr/openai_chat_streaming.yml"
    name = variant(relative, ("chunks",))
    before, after = load(f"old/{name}").interactions[0], load(f"new/{name}").interactions[0]
    assert before.response is not None and after.response is not None
    old_events = parse_sse(before.response.body.data.decode())
    new_events = parse_sse(after.response.body.data.decode())
    assert [e.data for e in old_events] != [e.data for e in new_events]
    assert before.exchange is not None and after.exchange is not None
    assert after.exchange.reply.text == before.exchange.reply.text != ""
    run = cli("diff", f"old/{name}", f"new/{name}")
    assert run.code == 0 and run.out.splitlines() == [f"new/{name}: no semantic change"], run
    strict = changes_json(cli, f"old/{name}", f"new/{name}", "--strict")
    assert [c["path"] for c in strict] == ["strict.response_body"]


def test_a_handmade_rerecording_with_every_kind_of_noise(cli) -> None:
    # Written out by hand, independent of the generator: new response id, created, tool-call
    # id (in the reply and in the next request), duration, and the arguments chunk split.
    chunk = ('"function":{"arguments":"bon\\", \\"unit\\": \\"celsius\\"}"}}]},'
             '"finish_reason":null')
    line = next(x for x in edit(OPENROUTER).splitlines() if chunk in x)
    split = (line.replace(chunk, chunk.replace('bon\\", \\"unit\\": \\"celsius\\"}', 'bon\\", \\"u'))
             + "\n\n" + line.replace(chunk, chunk.replace('bon\\", \\"unit\\": \\"celsius\\"}',
                                                          'nit\\": \\"celsius\\"}')))
    new = edit(OPENROUTER, (line, split),
               ("gen-1761402211-a8Kd02LxQpZr7TnWv3Ys", "gen-1761490077-Hq2mXw9LpZ0cRt4B"),
               ('"created":1761402211', '"created":1761490077'),
               ("call_Qm4vT8sLx2", "call_Wk3fN7zQa1"), ("duration: 412.08ms", "duration: 1.377s"))
    write("old/tool.yaml", Path(sample(OPENROUTER)).read_bytes())
    write("new/tool.yaml", new)
    run = cli("diff", "old/tool.yaml", "new/tool.yaml")
    assert run.code == 0 and run.out == "new/tool.yaml: no semantic change\n", run


def test_cross_format_same_conversation_is_no_change(cli) -> None:
    run = cli("diff", sample(CROSS_GOVCR), sample(CROSS))
    assert run.code == 0, run
    assert run.out.splitlines() == [f"{sample(CROSS)}: no semantic change"]
    folders = cli("diff", str(Path(sample(CROSS_GOVCR)).parent), str(Path(sample(CROSS)).parent))
    assert folders.code == 0, folders
    assert load(sample(CROSS_GOVCR)).format != load(sample(CROSS)).format


def test_cross_format_plus_noise_is_no_change(cli) -> None:
    name = variant(CROSS)
    assert cli("diff", sample(CROSS_GOVCR), f"new/{name}").code == 0


# --- real changes: exit 1, reported precisely ---------------------------------------------------

def test_a_changed_reply_word(cli) -> None:
    old = write("old/a.yaml", edit(CROSS))
    new = write("new/a.yaml", edit(CROSS, ("one: light showers", "one: heavy showers")))
    assert changes_json(cli, old, new) == [{
        "cassette": new, "interaction": 1, "path": "reply.text", "change": "changed",
        "old": REPLY_1, "new": REPLY_1.replace("light", "heavy")}]
    run = cli("diff", old, new)
    assert run.code == 1, run
    assert run.out.splitlines() == [
        f"~ {new}", "  #1 reply.text",
        "  Yes, take one: [-light-]{+heavy+} showers are likely this afternoon (80% chance), "
        "around 9 °C."], run


def test_a_changed_tool_argument(cli) -> None:
    old = write("old/a.yaml", edit(CROSS))
    new = write("new/a.yaml", edit(CROSS, ('\\"city\\": \\"Os"', '\\"city\\": \\"Ber"'),
                                   ('"lo\\", \\"unit"', '"gen\\", \\"unit"')))
    assert changes_json(cli, old, new) == [{
        "cassette": new, "interaction": 0, "path": "reply.tool_calls[0].arguments.city",
        "change": "changed", "old": "Oslo", "new": "Bergen"}]
    run = cli("diff", old, new)
    assert run.code == 1, run
    assert run.out.splitlines() == [f"~ {new}", "  #0 reply.tool_calls[0].arguments.city",
                                    "  [-Oslo-]", "  {+Bergen+}"]


def test_an_added_message(cli) -> None:
    question = '"content":"Do I need an umbrella in Oslo this afternoon?"}],"model"'
    old = write("old/a.yaml", edit(CROSS))
    new = write("new/a.yaml", edit(CROSS, (question, question.replace(
        "}],", '},{"role":"user","content":"I cycle to work."}],'))))
    assert changes_json(cli, old, new) == [{
        "cassette": new, "interaction": 0, "path": "prompt.messages[2]", "change": "added",
        "old": None, "new": {"role": "user", "content": [{"text": "I cycle to work."}]}}]
    run = cli("diff", old, new)
    assert run.code == 1 and "#0 prompt.messages[2] added" in run.out, run


def test_a_changed_model(cli) -> None:
    old = write("old/a.yaml", edit(CROSS))
    new = write("new/a.yaml", edit(CROSS, ('"claude-haiku-4-5-20251001"', '"claude-sonnet-4-5-20250929"'),
                                   ('"model":"claude-haiku-4-5"', '"model":"claude-sonnet-4-5"')))
    changes = changes_json(cli, old, new)
    assert {(c["interaction"], c["path"], c["old"], c["new"]) for c in changes
            if c["path"] in ("model", "request_model")} == {
        (i, path, f"claude-haiku-4-5{suffix}", f"claude-sonnet-4-5{other}")
        for i in (0, 1) for path, suffix, other in (("model", "-20251001", "-20250929"),
                                                    ("request_model", "", ""))}
    assert {c["path"] for c in changes} == {"model", "request_model", "cost.usd"}


def test_a_token_count_shows_its_delta(cli) -> None:
    old = write("old/a.yaml", edit(CROSS, ('"input_tokens":748', '"input_tokens":99')))
    new = write("new/a.yaml", edit(CROSS, ('"input_tokens":748', '"input_tokens":101')))
    run = cli("diff", old, new)
    assert run.code == 1, run
    assert "  #1 usage.input_tokens 99 → 101 (+2)" in run.out.splitlines(), run
    paths = [c["path"] for c in changes_json(cli, old, new)]
    assert paths == ["usage.input_tokens", "cost.usd"]


def test_a_reported_cost_change(cli) -> None:
    old = write("old/tool.yaml", edit(OPENROUTER))
    new = write("new/tool.yaml", edit(OPENROUTER, ('"cost":0.0000240', '"cost":0.0000300')))
    run = cli("diff", old, new)
    assert run.code == 1, run
    assert "  #0 cost.usd $0.000024 → $0.000030 (+$0.000006)" in run.out.splitlines(), run
    assert [(c["path"], c["old"], c["new"]) for c in changes_json(cli, old, new)] == [
        ("cost.usd", float(Decimal("0.000024")), float(Decimal("0.00003")))]


def test_a_status_and_error_change(cli) -> None:
    relative = "vcrpy/openai_chat_error.yaml"
    old = write("old/e.yaml", edit(relative))
    new = write("new/e.yaml", edit(relative, ("code: 401\n      message: Unauthorized",
                                              "code: 429\n      message: Too Many Requests"),
                                   ("invalid_request_error", "rate_limit_error")))
    changes = {c["path"]: (c["old"], c["new"]) for c in changes_json(cli, old, new)}
    assert changes == {"status": (401, 429),
                       "reply.error.type": ("invalid_request_error", "rate_limit_error")}


def _items(relative: str) -> tuple[str, list[str], str]:
    """A VCR.py cassette cut into its interactions (each `- request:` item)."""
    text = edit(relative)
    head, _, rest = text.partition("- request:")
    body, _, tail = rest.rpartition("version: 1")
    return head, ["- request:" + item for item in body.split("- request:") if item], \
        "version: 1" + tail


def test_a_removed_first_call_does_not_shift_the_later_one(cli) -> None:
    head, items, tail = _items(CROSS)
    old = write("old/a.yaml", edit(CROSS))
    new = write("new/a.yaml", head + items[1] + tail)
    changes = changes_json(cli, old, new)
    assert [(c["interaction"], c["path"], c["change"]) for c in changes] == [
        (0, "interaction", "removed")], changes
    assert changes[0]["old"].startswith("POST https://api.anthropic.com/v1/messages")


def test_an_added_call_in_the_middle_does_not_shift_the_later_one(cli) -> None:
    head, items, tail = _items(CROSS)
    other = items[0].replace("umbrella in Oslo this afternoon", "scarf in Oslo tonight")
    old = write("old/a.yaml", edit(CROSS))
    new = write("new/a.yaml", head + items[0] + other + items[1] + tail)
    run = cli("diff", old, new)
    assert run.code == 1, run
    assert [(c["interaction"], c["path"], c["change"]) for c in changes_json(cli, old, new)] == [
        (1, "interaction", "added")]


# --- options and formats ------------------------------------------------------------------------

def test_strict_shows_the_noise(cli) -> None:
    name = variant(OPENROUTER)
    run = cli("diff", "--strict", f"old/{name}", f"new/{name}")
    assert run.code == 1, run
    paths = {c["path"] for c in changes_json(cli, f"old/{name}", f"new/{name}", "--strict")}
    assert {"strict.duration_ms", "strict.response_id", "reply.tool_calls[0].id",
            "strict.response_body"} <= paths, paths


def test_ignore_usage_and_cost(cli) -> None:
    old = write("old/a.yaml", edit(CROSS, ('"input_tokens":748', '"input_tokens":99')))
    new = write("new/a.yaml", edit(CROSS, ('"input_tokens":748', '"input_tokens":101')))
    run = cli("diff", "--ignore", "usage", "--ignore", "cost", old, new)
    assert run.code == 0 and run.out == f"{new}: no semantic change\n", run
    only_usage = changes_json(cli, old, new, "--ignore", "usage")
    assert [c["path"] for c in only_usage] == ["cost.usd"]


def test_json_is_a_list_of_changes(cli) -> None:
    old = write("old/a.yaml", edit(CROSS))
    new = write("new/a.yaml", edit(CROSS, ("one: light showers", "one: heavy showers"),
                                   ('"input_tokens":748', '"input_tokens":750')))
    changes = changes_json(cli, old, new)
    assert [set(c) for c in changes] == [
        {"cassette", "interaction", "path", "change", "old", "new"}] * 3
    assert [c["path"] for c in changes] == ["reply.text", "usage.input_tokens", "cost.usd"]
    assert changes[1]["old"] == 748 and changes[1]["new"] == 750


def test_markdown_folds_each_cassette_in_a_diff_block(cli) -> None:
    old = write("old/a.yaml", edit(CROSS))
    new = write("new/a.yaml", edit(CROSS, ("one: light showers", "one: heavy showers")))
    run = cli("diff", "--format", "markdown", old, new)
    assert run.code == 1, run
    assert "<details><summary><code>new/a.yaml</code>: 1 change</summary>" in run.out
    block = run.out.split("```diff\n", 1)[1].split("```", 1)[0].splitlines()
    assert block == ["@@ #1 reply.text @@", f"- {REPLY_1}",
                     f"+ {REPLY_1.replace('light', 'heavy')}"]


def test_directories_pair_files_by_relative_path(cli) -> None:
    name = Path(variant(OPENROUTER)).name  # old/ and new/ hold the noise-only pair
    write("old/deep/er/a.yaml", edit(CROSS))
    write("new/deep/er/a.yaml", edit(CROSS, ("one: light showers", "one: heavy showers")))
    write("old/gone.yaml", edit(CROSS))
    write("new/fresh.yaml", edit(OPENROUTER))
    run = cli("diff", "old", "new")
    assert run.code == 1, run
    lines = run.out.splitlines()
    assert lines[0] == "~ deep/er/a.yaml" and "  #1 reply.text" in lines
    assert "+ fresh.yaml (added: 2 interactions)" in lines
    assert "- gone.yaml (removed: 2 interactions)" in lines
    assert name not in run.out
    assert lines[-1] == ("4 cassettes compared: 1 changed, 1 without semantic change, "
                         "1 added, 1 removed")


def test_an_unreadable_file_exits_2(cli) -> None:
    old = write("old/a.yaml", edit(CROSS))
    new = write("new/a.yaml", "interactions:\n  - request: [unclosed\n")
    run = cli("diff", old, new)
    assert run.code == 2, run
    assert run.out.startswith(f"! {new} (error: ") and "Traceback" not in run.out + run.err
    assert cli("diff", old, "new/missing.yaml").code == 2


def test_a_long_name_still_gives_one_line(cli) -> None:
    name = "a_rather_long_cassette_name_as_test_suites_make_them_" * 2 + ".yaml"
    write(f"old/{name}", edit(CROSS))
    write(f"new/{name}", edit(CROSS))
    run = cli("diff", f"old/{name}", f"new/{name}")
    assert run.out.splitlines() == [f"new/{name}: no semantic change"]


# --- units: structural comparison ---------------------------------------------------------------

def test_diff_values_paths_and_missing() -> None:
    old = {"reply": {"tool_calls": [{"arguments": {"city": "Oslo"}}]}, "usage": {"x": 1}}
    new = {"reply": {"tool_calls": [{"arguments": {"city": "Bergen"}}]}, "model": "m"}
    assert list(diff_values(old, new, "")) == [
        ("reply.tool_calls[0].arguments.city", "Oslo", "Bergen"),
        ("usage", {"x": 1}, MISSING), ("model", MISSING, "m")]


def test_an_inserted_list_item_is_aligned_not_shifted() -> None:
    old = [{"role": "user", "t": "a"}, {"role": "assistant", "t": "b"}]
    new = [{"role": "user", "t": "a"}, {"role": "user", "t": "x"}, {"role": "assistant", "t": "b"}]
    assert list(diff_values(old, new, "m")) == [("m[1]", MISSING, {"role": "user", "t": "x"})]


def test_numbers_compare_by_value_and_bools_by_identity() -> None:
    assert list(diff_values(Decimal("0.10"), 0.1, "c")) == []
    assert list(diff_values(1, True, "b")) == [("b", 1, True)]


def test_an_embedding_is_one_change() -> None:
    # Quirk: a re-recorded embedding differs in most of its 1,536 numbers; one change, not 1,536.
    old, new = [0.5] * 40, [0.5] * 39 + [0.25]
    assert list(diff_values({"e": old}, {"e": new}, "")) == [("e", old, new)]
    assert list(diff_values({"e": [1, 2]}, {"e": [1, 3]}, "")) == [("e[1]", 2, 3)]


def test_ignore_patterns() -> None:
    options = Options(ignore=("usage", "prompt.params.*", "reply.tool_calls.arguments"))
    assert options.ignored("usage.input_tokens") and options.ignored("usage")
    assert options.ignored("prompt.params.temperature")
    assert options.ignored("reply.tool_calls[0].arguments")
    assert not options.ignored("usages") and not options.ignored("reply.text")


def _call(text: str, status: int = 200, question: str = "hi") -> Interaction:
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]}
    body = json.dumps({"id": "chatcmpl-1", "model": "gpt-4o-mini", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": text},
         "finish_reason": "stop"}]} if status == 200 else {"error": {"message": text}})
    interaction = Interaction(0, Request("POST", "https://api.openai.com/v1/chat/completions",
                                         (), Body(json.dumps(request).encode())),
                              Response(status, "", (("Content-Type", "application/json"),),
                                       Body(body.encode())))
    return replace(interaction, exchange=read_exchange(interaction))


def test_a_dropped_retry_pairs_the_success_with_the_success() -> None:
    # Quirk: the same request twice (a 429, then the retry): method and URL cannot tell them
    # apart, so pairing compares content.
    failed, ok = _call("Rate limit reached", 429), _call("Hello!")
    pairs = pair_interactions((failed, ok), (ok,))
    assert pairs == [(failed, None), (ok, ok)]


# --- units: the view's noise rules -------------------------------------------------------------

def _exchange(**changes) -> Exchange:
    base = Exchange("openai-chat", "openai", "gpt-4o", "gpt-4o", False,
                    Prompt((Message("user", (TextPart("hi"),)),)), Reply("ok"))
    return replace(base, **changes)


def _view(exchange: Exchange, strict: bool = False, url: str = "https://h/v1/chat") -> dict:
    return interaction_view(Interaction(0, Request("POST", url), Response(200), exchange=exchange),
                            strict=strict)


def test_looks_generated() -> None:
    for made_up in ("file_011CYiV4nBS5Jak8e78n4mYu", "resp_68a1b2c3d4e5f6a7", "call_Qm4vT8sLx2",
                    "9faf4309c1d743d189f16b29211d8b45", "545f66c9-0270-488e-bcb0-ab7cc4108e81"):
        assert looks_generated(made_up), made_up
    for name in ("gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022", "multiply",
                 "gemini-2.5-flash:generateContent", "arn%3Aaws%3Abedrock%3Aus-east-1", "v1beta"):
        assert not looks_generated(name), name


def test_server_made_ids_in_url_paths_are_masked() -> None:
    # Quirk: GET /v1/messages/batches/msgbatch_… names what an earlier call created.
    view = _view(_exchange(), url="https://api.anthropic.com/v1/messages/batches/msgbatch_01AcJ"
                                  "twEXDB7Vb8s5?beta=true")
    assert view["request"]["url"] == "api.anthropic.com/v1/messages/batches/<id>"
    gemini = _view(_exchange(), url="https://g.com/v1beta/models/gemini-2.5-flash:generateContent")
    assert gemini["request"]["url"] == "g.com/v1beta/models/gemini-2.5-flash:generateContent"


def test_zero_and_unreported_cache_counts_are_the_same() -> None:
    # Quirk: a provider that starts sending `cached_tokens: 0` changed no meaning.
    reported = _view(_exchange(usage=Usage(10, 5, 0, 0, 0)))["usage"]
    unreported = _view(_exchange(usage=Usage(10, 5)))["usage"]
    assert reported == unreported
    assert _view(_exchange(usage=Usage(10, 5)), strict=True)["usage"]["cache_read_tokens"] is None


def test_an_empty_tool_description_is_none() -> None:
    # Quirk: clients differ in sending `"description": ""` or no description.
    empty = _view(_exchange(prompt=Prompt(tools=(Tool("f", ""),))))
    none = _view(_exchange(prompt=Prompt(tools=(Tool("f", None),))))
    assert empty["prompt"]["tools"] == none["prompt"]["tools"]


def test_an_uploaded_file_reference_is_masked() -> None:
    # Quirk: a file uploaded beforehand gets a new id on every recording.
    def view(url: str) -> dict:
        message = Message("user", (MediaPart("image", url=url),))
        return _view(_exchange(prompt=Prompt((message,))))["prompt"]["messages"]

    assert view("file_011CYiV4nBS5Jak8e78n4mYu") == view("file_011Ccn6h7bTbXrEWQKoQZqF9")
    assert view("https://example.com/a.png") != view("https://example.com/b.png")


def test_a_tool_call_id_quoted_in_a_message_is_masked() -> None:
    # Quirk: ruby_llm writes "Attachments from tool call call-…" into the next message.
    def view(call_id: str) -> dict:
        messages = (Message("assistant", (ToolCall("f", {}, call_id),)),
                    Message("user", (TextPart(f"Attachments from tool call {call_id}"),)))
        return _view(_exchange(prompt=Prompt(messages)))

    one, other = view("call-fca4536f-0c00-405b"), view("call-dbe9329f-3b51-017d")
    assert one == other
    assert one["prompt"]["messages"][1]["content"][0]["text"] == "Attachments from tool call <id>"


def _plain(body: str, content_type: str = "application/json") -> dict:
    interaction = Interaction(0, Request("GET", "https://api.example.com/v1/models"),
                              Response(200, "", (("Content-Type", content_type),),
                                       Body(body.encode())))
    return interaction_view(interaction)


def test_a_non_llm_body_keeps_names_and_drops_made_up_ids_and_times() -> None:
    # Quirk: a model list's `id` is its content; a search API's `response_time` is noise.
    view = _plain(json.dumps({"data": [{"id": "llama-3.3-70b", "created": 1}], "response_time":
                              0.89, "request_id": "req_9d8c7b6a5f4e", "createTime": "2026-01-01"}))
    assert view["response_body"] == {"data": [{"id": "llama-3.3-70b"}]}


def test_an_unknown_stream_is_compared_without_its_ids() -> None:
    # Quirk: a stream of an API we cannot read still has chunk ids and `created` stamps.
    def stream(chunk_id: str, created: int) -> str:
        return "".join(f'data: {{"id":"{chunk_id}","created":{created},"t":"{t}"}}\n\n'
                       for t in ("a", "b")) + "data: [DONE]\n\n"

    one = _plain(stream("9faf4309c1d743d189f1", 1), "text/event-stream")["response_body"]
    other = _plain(stream("6c4a35976e216792feeb", 2), "text/event-stream")["response_body"]
    assert one == other == '{"t":"a"}\n{"t":"b"}\n[DONE]'


def test_json_lines_are_compared_as_data() -> None:
    # Quirk: batch results come as JSON lines, each with its made-up ids.
    one = _plain('{"custom_id":"0","id":"msg_01AbCdEf12345"}\n{"custom_id":"1"}\n')
    other = _plain('{"custom_id":"0","id":"msg_01ZyXwVu98765"}\n{"custom_id":"1"}\n')
    assert one["response_body"] == other["response_body"] == [{"custom_id": "0"},
                                                              {"custom_id": "1"}]


def test_a_wrapped_line_of_a_line_diff_hangs_under_its_text() -> None:
    from io import StringIO

    from rich.console import Console

    from cassette_tool.diff import CassetteDiff, Change
    from cassette_tool.render.changes import render_text

    old = "Intro.\n\n" + " ".join(["lemon"] * 20) + "\nEnd."
    new = "Intro.\n\n" + " ".join(["lime"] * 20) + "\nEnd."
    out = StringIO()
    render_text(Console(file=out, width=40, no_color=True, color_system=None),
                [CassetteDiff("a.yaml", "changed", (Change("a.yaml", 0, "reply.text", old, new),))],
                summary=False)
    lines = out.getvalue().splitlines()
    removed = lines.index("  - " + " ".join(["lemon"] * 6))
    added = next(i for i, line in enumerate(lines) if line.startswith("  + lime"))
    # Every line between a marker and the next one continues its text, four columns in.
    assert removed < added and all(line.startswith("    lemon") for line in lines[removed + 1:added])
    assert lines[added + 1].startswith("    lime")
    assert lines[:3] == ["~ a.yaml", "  #0 reply.text", "    Intro."]
