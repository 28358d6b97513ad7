"""`cassette validate` output: text (`path:line:col: CODE message`), JSON, GitHub workflow
annotations and SARIF 2.1.0 for code scanning."""

from __future__ import annotations

import json
from typing import Any

from ..validate import CHECKS, Finding


def text(findings: list[Finding]) -> str:
    return "".join(f"{f}\n" for f in findings)


def json_text(findings: list[Finding]) -> str:
    return json.dumps([{"path": f.path, "line": f.line, "column": f.column, "code": f.code,
                        "severity": f.severity, "title": f.title, "message": f.message}
                       for f in findings], ensure_ascii=False, indent=1) + "\n"


def github(findings: list[Finding]) -> str:
    out = []
    for f in findings:
        level = "error" if f.severity == "error" else "warning"
        where = [f"file={_escape_property(f.path)}"]
        if f.line is not None:
            where.append(f"line={f.line}")
            if f.column is not None:
                where.append(f"col={f.column}")
        where.append(f"title={_escape_property(f'{f.code} {f.title}'.strip())}")
        out.append(f"::{level} {','.join(where)}::{_escape_data(f.message)}\n")
    return "".join(out)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def sarif(findings: list[Finding], version: str) -> str:
    from ..secrets import RULES

    rules: dict[str, dict[str, Any]] = {}
    for code, check in CHECKS.items():
        rules[code] = _rule(code, check.title, check.description, check.severity)
    for rule in RULES:
        rules[rule.code] = _rule(rule.code, rule.name, rule.description, rule.severity)
    for f in findings:
        rules.setdefault(f.code, _rule(f.code, f.title, f.title, f.severity))
    ordered = sorted(rules)
    results = []
    for f in findings:
        region: dict[str, int] = {}
        if f.line is not None:
            region["startLine"] = f.line
            if f.column is not None:
                region["startColumn"] = f.column
        location: dict[str, Any] = {"artifactLocation": {"uri": f.path.replace("\\", "/")}}
        if region:
            location["region"] = region
        results.append({
            "ruleId": f.code, "ruleIndex": ordered.index(f.code),
            "level": "error" if f.severity == "error" else "warning",
            "message": {"text": f.message},
            "locations": [{"physicalLocation": location}],
        })
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "cassette", "version": version,
                                "informationUri": "https://pypi.org/project/cassette-tool/",
                                "rules": [rules[code] for code in ordered]}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, ensure_ascii=False, indent=1) + "\n"


def _rule(code: str, name: str, description: str, severity: str) -> dict[str, Any]:
    return {"id": code, "name": name, "shortDescription": {"text": description},
            "defaultConfiguration": {"level": "error" if severity == "error" else "warning"}}
