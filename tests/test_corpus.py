"""Properties over every real cassette in the shared corpus (skipped when it is absent)."""

from __future__ import annotations

import re
from functools import cache

import orjson
import pytest

from cassette_tool import CassetteError, expand_paths, load
from cassette_tool.model import Cassette
from cassette_tool.render.data import loaded_data

from conftest import corpus_or_skip

# Words that show a recorded reply carried token counts, per API.
USAGE_KEYS = re.compile(rb'"(usage|usageMetadata|prompt_eval_count|billed_units|'
                        rb'inputTokenCount|input_tokens|prompt_tokens)"')


@cache
def loaded() -> tuple[Cassette | CassetteError, ...]:
    root = corpus_or_skip()
    files = [f for f in expand_paths([str(root)]) if not f.endswith(".tsv")]
    result: list[Cassette | CassetteError] = []
    for path in files:
        try:
            result.append(load(path))
        except CassetteError as exc:
            result.append(exc.with_path(path))
    return tuple(result)


def cassettes() -> list[Cassette]:
    return [c for c in loaded() if isinstance(c, Cassette)]


def test_every_file_loads_or_gets_a_one_line_reason() -> None:
    errors = [e for e in loaded() if isinstance(e, CassetteError)]
    assert len(errors) < len(loaded()) // 20, [str(e) for e in errors]
    for error in errors:
        assert error.path and "\n" not in str(error)


def test_every_llm_interaction_has_api_model_and_a_reply() -> None:
    missing = []
    for cassette in cassettes():
        for interaction in cassette.interactions:
            exchange = interaction.exchange
            if exchange is None:
                continue
            reply = exchange.reply
            # A finish reason alone is a reply that was recorded empty (it happens).
            if not exchange.model or not (reply.text or reply.tool_calls or reply.error
                                          or reply.reasoning or reply.refusal or reply.notes
                                          or reply.finish_reason):
                missing.append(f"{cassette.path}#{interaction.index} {exchange.api}")
    assert not missing, missing[:20]


def test_usage_is_present_wherever_the_reply_carried_it() -> None:
    missing = []
    for cassette in cassettes():
        for interaction in cassette.interactions:
            exchange, response = interaction.exchange, interaction.response
            if exchange is None or response is None or (response.status or 0) >= 400:
                continue
            carried = USAGE_KEYS.search(response.body.data) is not None or (
                exchange.api in ("bedrock-invoke", "bedrock-converse")
                and b"Token" in response.body.data)
            if carried and exchange.usage is None:
                missing.append(f"{cassette.path}#{interaction.index} {exchange.api}")
    assert not missing, missing[:20]


def test_usage_is_consistent() -> None:
    for cassette in cassettes():
        for exchange in cassette.exchanges:
            usage = exchange.usage
            if usage is None:
                continue
            counts = [usage.input_tokens, usage.output_tokens, usage.cache_read_tokens,
                      usage.cache_write_tokens, usage.reasoning_tokens]
            assert all(c is None or c >= 0 for c in counts), (cassette.path, usage)
            cached = (usage.cache_read_tokens or 0) + (usage.cache_write_tokens or 0)
            assert usage.input_tokens is None or cached <= usage.input_tokens, (cassette.path, usage)
            assert usage.output_tokens is None or (usage.reasoning_tokens or 0) <= \
                usage.output_tokens, (cassette.path, usage)


@pytest.mark.parametrize("raw", [False, True])
def test_json_output_never_fails(raw: bool) -> None:
    data = [loaded_data(c, raw=raw) for c in loaded()]
    text = orjson.dumps(data)
    assert orjson.loads(text)[0]["path"]


def test_every_yaml_file_reads_as_pyyaml_s_safe_loader_reads_it() -> None:
    # source.py builds data from parser events (or from nodes when anchors appear), not
    # through PyYAML's constructor: on real files the result must be the same.
    import yaml
    from yaml.constructor import SafeConstructor

    from cassette_tool.source import _loader, parse_yaml, read_source

    class Reference(_loader()):  # type: ignore[misc]
        def construct_document(self, node: object) -> object:
            return SafeConstructor.construct_document(self, node)

    root = corpus_or_skip()
    files = [f for f in expand_paths([str(root)]) if f.endswith((".yaml", ".yml"))]
    assert len(files) > 1000
    differ = []
    for path in files:
        source = read_source(path)
        try:
            expected = yaml.load(source.data, Loader=Reference)
        except yaml.YAMLError:
            continue
        if parse_yaml(source) != expected:
            differ.append(path)
    assert differ == []
