"""Counts over a tree of cassettes: per format and per API, how many files load, how many
interactions get an API, a model, a reply and usage. Used for the issue notes.

    python scripts/corpus_report.py ../shared/corpus [--failures]
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

from cassette_tool import CassetteError, expand_paths, load


def main(argv: list[str]) -> int:
    roots = [a for a in argv if not a.startswith("--")]
    show_failures = "--failures" in argv
    files = [f for f in expand_paths(roots or ["../shared/corpus"])
             if not f.endswith(("MANIFEST.tsv", "PAIRS.tsv"))]
    per_format: dict[str, Counter[str]] = defaultdict(Counter)
    per_api: dict[str, Counter[str]] = defaultdict(Counter)
    failures: list[str] = []
    for path in files:
        try:
            cassette = load(path)
        except CassetteError as exc:
            per_format["(unreadable)"]["files"] += 1
            failures.append(str(exc))
            continue
        counts = per_format[cassette.format]
        counts["files"] += 1
        for interaction in cassette.interactions:
            counts["interactions"] += 1
            exchange = interaction.exchange
            if exchange is None:
                counts["not LLM"] += 1
                continue
            counts["LLM"] += 1
            api = per_api[exchange.api]
            api["interactions"] += 1
            api["streamed"] += exchange.streamed
            api["model"] += bool(exchange.model)
            reply = exchange.reply
            has_reply = bool(reply.text or reply.tool_calls or reply.error or reply.reasoning
                             or reply.refusal)
            api["reply"] += has_reply
            api["error"] += reply.error is not None
            api["usage"] += exchange.usage is not None
            api["cost"] += exchange.cost is not None
            api["cost reported"] += exchange.cost is not None and exchange.cost.source == "reported"
            api["notes"] += bool(reply.notes)
            if not has_reply and show_failures:
                failures.append(f"{path}:{interaction.line}: {exchange.api} with no reply "
                                f"(status {interaction.response and interaction.response.status})")
    _table("format", per_format, ("files", "interactions", "LLM", "not LLM"))
    _table("api", per_api, ("interactions", "streamed", "model", "reply", "error", "usage",
                            "cost", "cost reported", "notes"))
    if show_failures:
        print("\n".join(failures))
    return 0


def _table(name: str, rows: dict[str, Counter[str]], columns: tuple[str, ...]) -> None:
    print(f"| {name} | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for key in sorted(rows):
        print(f"| {key} | " + " | ".join(str(rows[key][c]) for c in columns) + " |")
    print()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
